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
