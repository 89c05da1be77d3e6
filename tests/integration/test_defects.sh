#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Attacks on the programs' command lines, run on the real binaries (from a
# --enable-sanitize build LeakSanitizer checks every exit): a usage error
# ends at once with status 2 and one line on stderr, and leaks nothing; a
# --modem that can never be a modem's port is refused; an absent or silent
# modem is tried again with a growing wait, not five times a second; a
# reader that does not exist is named so. In a private pcscd (for
# e2msim-auth's readers); nothing here connects to vpcd.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

b="$top_builddir"
work=$(mktemp -d)
mkdir "$work/dir"
: >"$work/file"
bridge=("$b/bridge/e2msim-bridge" --vpcd 127.0.0.1:1)
card=("$b/usim/e2msim-card")

# refused PATTERN DESCRIPTION COMMAND...: status 2 within 5 s, exactly one
# line on stderr, matching PATTERN, and no leak report
refused() {
	local pattern=$1 desc=$2 rc lines; shift 2
	timeout -k 2 5 "$@" >/dev/null 2>"$work/err" </dev/null
	rc=$?
	lines=$(wc -l <"$work/err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$pattern" "$work/err" &&
	   ! grep -q LeakSanitizer "$work/err"; then
		tap_ok "$desc: status 2, one line: $(cat "$work/err")"
	else
		tap_fail "$desc: status $rc, $lines lines on stderr"
		head -n 12 "$work/err" | sed 's/^/#   /'
	fi
}

# --- e2msim-bridge: --modem, --baud, --timeout ---
refused "not a standard serial speed" "bridge --modem /dev/null --baud 12345" \
	"${bridge[@]}" --modem /dev/null --baud 12345
refused "/dev/null: not a terminal" "bridge --modem /dev/null (a device, no tty)" \
	"${bridge[@]}" --modem /dev/null
refused "Is a directory" "bridge --modem DIRECTORY" "${bridge[@]}" --modem "$work/dir"
refused "not a terminal" "bridge --modem FILE (a regular file)" "${bridge[@]}" --modem "$work/file"
for baud in abc 115200x -9600 "" 0 99999999999999999999; do
	refused "'$baud' is not a standard serial speed" "bridge --baud '$baud'" \
		"${bridge[@]}" --modem /dev/ptmx --baud "$baud"
done
for ms in -1 0 abc 10s 600001; do
	refused "--timeout: expected milliseconds" "bridge --timeout '$ms'" \
		"${bridge[@]}" --modem /dev/ptmx --timeout "$ms"
done

# --- early exits leak nothing and say 2 (usage) ---
refused "give --reader or --modem" "bridge, no arguments" "$b/bridge/e2msim-bridge"
refused "config $work/none.json: " "bridge --config MISSING" \
	"${bridge[@]}" --reader 0 --config "$work/none.json"
refused "config $work/file: " "bridge --config EMPTY" "${bridge[@]}" --reader 0 --config "$work/file"
refused "--vpcd: expected HOST:PORT" "bridge --vpcd a:b:c" \
	"$b/bridge/e2msim-bridge" --reader 0 --vpcd a:b:c
refused "unexpected argument 'extra'" "bridge with an extra argument" "${bridge[@]}" --reader 0 extra
refused "--profile FILE is required" "card, no arguments" "${card[@]}"
refused "--vpcd: expected HOST:PORT" "card --vpcd a:b:c" \
	"${card[@]}" --profile "$top_srcdir/tests/profiles/script.json" --state "$work/state" --vpcd a:b:c
refused "profile $work/none.json: " "card --profile MISSING" \
	"${card[@]}" --profile "$work/none.json" --state "$work/state"

# --- an absent modem, then a silent one: tried again after 0.5 s, 1 s, 2 s ... ---
"${bridge[@]}" --modem "$work/modem" --timeout 200 >"$work/bridge.log" 2>&1 &
bridge_pid=$!
sleep 2.2	# tries at 0, 0.5 and 1.5 s (five a second before)
tries=$(grep -c "$work/modem: No such file or directory" "$work/bridge.log")
tap_check "an absent modem is waited for: $tries tries in 2.2 s" test "$tries" -ge 2 -a "$tries" -le 4
tap_check "... and the bridge keeps running" kill -0 "$bridge_pid"
# the modem appears, and answers nothing (not even ATE0)
"$b/tests/fake-modem" --reader 0 --link "$work/modem" --silence-after 0 >"$work/modem.log" 2>&1 &
modem_pid=$!
sleep 3	# the next try at 3.5 s, the one after it at 7.7 s
tries=$(grep -c "$work/modem: no OK to ATE0" "$work/bridge.log")
tap_check "the modem plugged in is tried; silent, it is tried again later: $tries tries" \
	[ "$tries" -eq 1 ]
tap_check "... and the bridge says when it tries again" \
	grep -q "modem $work/modem: trying again in 4000 ms" "$work/bridge.log"
kill -TERM "$bridge_pid"
timeout 5 tail --pid="$bridge_pid" -f /dev/null
tap_check "... and exits on SIGTERM within 5 s" bash -c "! kill -0 $bridge_pid 2>/dev/null"
wait "$bridge_pid"
rc=$?
tap_check "... with status 0 ($rc), and no leak" \
	bash -c "[ $rc -eq 0 ] && ! grep -q LeakSanitizer '$work/bridge.log'"
kill -TERM "$modem_pid"; wait "$modem_pid" 2>/dev/null

# --- messages ---
refused "--alg: expected 2 hex digits, EA 0-2 (high nibble) and IA 1-2 (low), got 'zz'" \
	"auc --alg zz" "$b/tools/e2msim-auc" --eid x --alg zz
refused "--alg: .*got '33'" "auc --alg 33 (no such EA)" "$b/tools/e2msim-auc" --eid x --alg 33
zeros=00000000000000000000000000000000
err=$(timeout 5 "$b/tools/e2msim-auth" --reader 999 --rand $zeros --autn $zeros 2>&1 >/dev/null)
tap_check "auth --reader 999: one line, the reader does not exist ($err)" \
	[ "$err" = "e2msim-auth: reader '999': no such reader (2 readers)" ]
err=$(timeout 5 "$b/tools/e2msim-apdu" --reader nosuch 00A40000 2>&1 >/dev/null)
tap_check "apdu --reader nosuch: one line, the reader does not exist ($err)" \
	[ "$err" = "e2msim-apdu: reader 'nosuch': no such reader (2 readers)" ]

rm -rf "$work"
tap_done
