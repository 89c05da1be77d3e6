#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The HSE's EDP service (e2msim-hse --edp-listen, doc/e2m-profile.md 7) with
# keysets from a file (--keyset-file) on its default UDP port: the worked
# example's messages and the device's readings (e2msim-auth with a stored
# --edp-state) give exactly the JSON lines they must; the worked example's
# downlink leaves octet for octet; a downlink reaches the device
# (DOWNLINK); flipped bits, replays, unknown KIDs and SIDs, truncated,
# oversized, reserved and misdirected messages, expired keysets are dropped
# and counted by cause in --status; windows survive a restart; a spent
# device keyset is refused; a second HSE on the same state is refused; no
# key in any log, and none of an expired keyset left in the state file.
# Private network namespace (pcsc-test.sh): fixed ports, nothing left behind.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

b="$top_builddir"
work=$(mktemp -d)
eid=hse.example.org
hse_pid=
cleanup() {
	[ -n "$hse_pid" ] && kill -KILL "$hse_pid" 2>/dev/null
	wait 2>/dev/null
	if [ -n "${E2M_KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

for prog in tools/e2msim-hse tools/e2msim-auth tests/udp-send; do
	[ -x "$b/$prog" ] || { tap_fail "$prog is built"; tap_done; exit; }
done

# ---- helpers ----
hse() { "$b/tools/e2msim-hse" "$@"; }
auth() { "$b/tools/e2msim-auth" "$@"; }
# send [--wait MS] HEX...: raw datagrams to the HSE (tests/helpers/udp-send.c)
send() {
	local wait=0
	[ "$1" = --wait ] && { wait=$2; shift 2; }
	"$b/tests/udp-send" --wait "$wait" 127.0.0.1:5729 "$@"
}
rnd16() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
new_kid() { echo "$(head -c16 /dev/urandom | base64)@$eid"; }
hexof() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
# keyset KID ALG K_INT K_ENC [EXPIRES]: one line of the key service's JSON form
keyset() {
	printf '{"kid":"%s","eid":"%s","alg":"%s","derivation":"usim","k_int":"%s"' "$1" "$eid" "$2" "$3"
	[ -n "$4" ] && printf ',"k_enc":"%s"' "$4"
	[ -n "${5:-}" ] && printf ',"expires":%s' "$5"
	printf '}\n'
}
# device FILE KID ALG K_INT K_ENC [UP_NEXT]: a device's stored EDP state
device() {
	local enc=""
	[ -n "$5" ] && enc=",\"k_enc\":\"$5\""
	printf '{"version":1,"kid":"%s","alg":"%s","k_int":"%s"%s,"up_next":%s,"down":null}\n' \
		"$2" "$3" "$4" "$enc" "${6:-0}" >"$work/$1"
}
# up KID SID COUNT TEXT: the JSON line of an accepted uplink
up() { printf '{"kid":"%s","sid":"%s","dir":"up","count":%s,"payload_hex":"%s"}\n' "$1" "$2" "$3" "$(hexof "$4")"; }
down() { printf '{"kid":"%s","sid":"%s","dir":"down","count":%s,"payload_hex":"%s"}\n' "$1" "$2" "$3" "$(hexof "$4")"; }
hse_start() {
	local n
	n=$(grep -c 'EDP listening' "$work/hse.err" 2>/dev/null)
	"$b/tools/e2msim-hse" --edp-listen 127.0.0.1 --state "$work/hse.db" \
		--keyset-file "$work/keysets" --control "$work/ctl" -v "$@" >>"$work/hse.out" \
		2>>"$work/hse.err" &
	hse_pid=$!
	for _ in $(seq 1 100); do
		[ "$(grep -c 'EDP listening' "$work/hse.err")" -gt "${n:-0}" ] && return 0
		kill -0 "$hse_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
hse_stop() { kill -TERM "$hse_pid"; wait "$hse_pid"; local rc=$?; hse_pid=; return $rc; }
# lines N: waits (up to 5 s) until the HSE printed N lines
lines() {
	for _ in $(seq 1 100); do
		[ "$(wc -l <"$work/hse.out")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
status() { hse --status --control "$work/ctl" | jq -r "$1"; }
show() { local f; for f in "$@"; do echo "# $f:"; sed 's/^/#   /' "$work/$f"; done; }
# flip HEX OCTET: the message with bit 1 of octet OCTET (from 0; -1 the last) flipped
flip() {
	local m=$1 i=$2
	[ "$i" -lt 0 ] && i=$((${#m} / 2 + i))
	printf '%s%02x%s' "${m:0:$((2 * i))}" $((0x${m:$((2 * i)):2} ^ 0x01)) "${m:$((2 * i + 2))}"
}
# the new lines of hse.out since line N+1
since() { tail -n +"$(($1 + 1))" "$work/hse.out"; }

# ---- the keysets (doc/e2m-profile.md 6 and 7, and random ones) ----
# the worked example: ALG '11'; ALG '22' and '02' share K_E2M_int and so
# their SID (b064d572): two keysets under one SID, told apart by the tag
we_kid="I1U8vpY3qJ0hiuZNrke/NQ==@$eid"
kid22=$(new_kid) kid02=$(new_kid)
dev_kid=$(new_kid) dev_int=$(rnd16) dev_enc=$(rnd16)
old_kid=$(new_kid) old_int=$(rnd16)	# expired before the HSE starts
short_kid=$(new_kid) short_int=$(rnd16) short_enc=$(rnd16)	# expires during the test
unk_kid=$(new_kid) unk_int=$(rnd16)	# the HSE never holds it
short_expires=$(($(date +%s) + 8))
{
	echo "# keysets of the HSE (keyd/API.md \"Keyset\"), one per line"
	keyset "$we_kid" 11 29c104685d3d45c89038da5833999a93 f533c82286873ad1d4eef25d51fbabff
	keyset "$kid22" 22 61168284bfa60566d63669498e081575 fa7f375097ce646c6681116c04938cd5
	keyset "$kid02" 02 61168284bfa60566d63669498e081575 ""
	keyset "$dev_kid" 22 "$dev_int" "$dev_enc" $(($(date +%s) + 3600))
	echo
	keyset "$old_kid" 01 "$old_int" "" $(($(date +%s) - 10))
	keyset "$short_kid" 11 "$short_int" "$short_enc" "$short_expires"
} >"$work/keysets"
device dev.json "$dev_kid" 22 "$dev_int" "$dev_enc"
device old.json "$old_kid" 01 "$old_int" ""
device short.json "$short_kid" 11 "$short_int" "$short_enc"
device unk.json "$unk_kid" 12 "$unk_int" "$(rnd16)"

# the worked example's messages (doc/e2m-profile.md 7)
we_up0=50284931553876705933714a306869755a4e726b652f4e513d3d406873652e6578616d706c652e6f7267007b44e4a877b50d3040ae354bf44ecf8611e0a7fb9396e0582974cb
we_up1=40956781d201e4a79dfe3a66c1de7cfb82f46bfa20c9329930c0dedf94dd28a475
we_up200=40956781d2c801a9f0772d421e29e43b4fd11e53a75a4d2fd45fdc504dff18bca698
we_down0=60956781d2003d84ba583a3caff3236556b061ab4ac612fd33fe29
we_up1_22=40b064d57201a1b105b02f9f968cc6795a5baf36ec0189c99f700bf6962c2e3946
we_up1_02=40b064d572016d6574657220303034323a2031372e33206d338c2063bfefe09593
reading="meter 0042: 17.3 m3"

# ---- a bad keyset file stops the HSE with the line and the field ----
{ keyset "$(new_kid)" 11 "$(rnd16)" "$(rnd16)"; keyset "$(new_kid)" 13 "$(rnd16)" "$(rnd16)"; } >"$work/bad"
hse --edp-listen 127.0.0.1 --state "$work/bad.db" --keyset-file "$work/bad" >/dev/null 2>"$work/bad.err"
rc=$?
tap_check "a bad keyset file: exit 1, the message names line 2 and alg" \
	bash -c "[ $rc -eq 1 ] && grep -q 'line 2: alg: ' '$work/bad.err'" || show bad.err
hse --edp-listen 127.0.0.1 --state "$work/x.db" >/dev/null 2>"$work/usage.err"
rc=$?
tap_check "--edp-listen without keysets: usage, exit 2" [ $rc -eq 2 ]

# ---- the worked example through the HSE ----
hse_start
rc=$?
tap_check "the HSE listens on the default port 5729 with the file's keysets (5 held, 1 expired)" \
	bash -c "[ $rc -eq 0 ] && grep -q 'EDP listening on 127.0.0.1:5729, 5 keyset(s) held' '$work/hse.err'" ||
	show hse.err
send --wait 3000 "$we_up0" "$we_up1" "$we_up200" "$we_up1_22" "$we_up1_02" >"$work/raw.down" &
raw_pid=$!
lines 5
{
	up "$we_kid" 956781d2 0 "$reading"
	up "$we_kid" 956781d2 1 "$reading"
	up "$we_kid" 956781d2 200 "$reading"
	up "$kid22" b064d572 1 "$reading"
	up "$kid02" b064d572 1 "$reading"
} >"$work/expect"
tap_check "the worked example's uplinks (ALG '11' F=1 and F=0, '22', '02' under one SID): exactly the JSON lines" \
	diff -u "$work/expect" "$work/hse.out" || show hse.out
hse --send 956781d2 "interval 3600" --control "$work/ctl" >"$work/send.out"
rc=$?
tap_check "--send 956781d2 'interval 3600': sent at once, COUNT 0 (exit 0)" \
	bash -c "[ $rc -eq 0 ] && [ \"\$(jq -c '[.queued, .count, .kid]' '$work/send.out')\" = '[false,0,\"$we_kid\"]' ]" ||
	show send.out
wait "$raw_pid"
tap_check "... the downlink that left is the worked example's, octet for octet" \
	[ "$(cat "$work/raw.down")" = "$we_down0" ] || show raw.down
lines 6
tap_check "... and the HSE printed it as a \"down\" line" \
	[ "$(since 5)" = "$(down "$we_kid" 956781d2 0 "interval 3600")" ]

# ---- a device with a stored --edp-state ----
n=$(wc -l <"$work/hse.out")
auth --edp-state "$work/dev.json" --edp-send 127.0.0.1 --edp-wait 0 "reading 1" "reading 2" \
	"reading 3" "reading 4" >"$work/dev.out" 2>"$work/dev.err"
rc=$?
dev_sid=$(awk '$1 == "edp_sid" { print $2 }' "$work/dev.out")
lines $((n + 4))
for i in 0 1 2 3; do up "$dev_kid" "$dev_sid" "$i" "reading $((i + 1))"; done >"$work/expect"
tap_check "the device's readings (ALG '22'): exit 0, exactly the JSON lines, COUNT 0 to 3" \
	bash -c "[ $rc -eq 0 ] && tail -n +$((n + 1)) '$work/hse.out' | diff -u '$work/expect' -" ||
	show dev.out dev.err hse.out
tap_check "the device named its E2M-KID in 3 messages (F=1), then its SID (F=0)" \
	[ "$(awk '$1 == "UPLINK:" { print substr($3, 1, 2) }' "$work/dev.out" | tr '\n' ' ')" = "50 50 50 40 " ]
tap_check "its state: the next COUNT is 4 (made durable before each message left)" \
	[ "$(jq .up_next "$work/dev.json")" = 4 ]
grep '^UPLINK:' "$work/dev.out" | awk '{ print $3 }' >"$work/dev.sent"

# a downlink to the device while it waits for one
n=$(wc -l <"$work/hse.out")
auth --edp-state "$work/dev.json" --edp-send 127.0.0.1 --edp-wait 5000 "reading 5" \
	>"$work/dev5.out" 2>"$work/dev5.err" &
dev_pid=$!
lines $((n + 1))
hse --send "$dev_sid" "set interval 60" --control "$work/ctl" >/dev/null
wait "$dev_pid"
rc=$?
tap_check "a downlink (--send) reaches the waiting device: DOWNLINK: set interval 60" \
	bash -c "[ $rc -eq 0 ] && grep -qx 'DOWNLINK: set interval 60' '$work/dev5.out'" || show dev5.out dev5.err
lines $((n + 2))
{ up "$dev_kid" "$dev_sid" 4 "reading 5"; down "$dev_kid" "$dev_sid" 0 "set interval 60"; } >"$work/expect"
tap_check "... the HSE printed the uplink and the downlink" diff -u "$work/expect" <(since "$n")
tap_check "... and the device's window holds downlink COUNT 0" \
	[ "$(jq -c .down "$work/dev.json")" = '{"top":0,"seen":"0000000000000001"}' ]
grep '^UPLINK:' "$work/dev5.out" | awk '{ print $3 }' >>"$work/dev.sent"
auth --edp-state "$work/short.json" --edp-send 127.0.0.1 --edp-wait 0 "short-lived" >/dev/null 2>&1
lines $((n + 3))
tap_check "a keyset with a short lifetime: accepted while it lives" \
	[ "$(since $((n + 2)) | jq -r .kid)" = "$short_kid" ]

# ---- what is dropped, and why ----
accepted=$(status .accepted)
tap_check "accepted so far: 11" [ "$accepted" = 11 ]
n=$(wc -l <"$work/hse.out")
oversized_body="40956781d201$(printf '%02050d' 0)0011223344556677"
send "$(flip "$we_up1" -1)" "$(flip "$we_up1" 6)"	# bad_tag: the tag, the body
send "$we_up0" "$we_up200" "$we_up1" "$we_up1_22" "$we_up1_02"	# replay (COUNT 1: below the window)
send - <"$work/dev.sent"	# replay: the device's 5
auth --edp-state "$work/unk.json" --edp-send 127.0.0.1 --edp-wait 0 "who am I" >/dev/null 2>&1
send 40deadbeef000011223344556677	# unknown_kid: a KID, then a SID nobody holds
send "${we_up0:0:40}" 40 "" "$oversized_body" "$(printf '%04000d' 0)" \
	"$(flip "$we_up1" 0)" "$we_down0" 5003616263000011223344556677	# malformed
auth --edp-state "$work/old.json" --edp-send 127.0.0.1 --edp-wait 0 "too late" >/dev/null 2>&1
sleep 0.3
declare -A want=([malformed]=8 [unknown_kid]=2 [bad_tag]=2 [replay]=10 [expired]=1)
hse --status --control "$work/ctl" >"$work/status"
for cause in malformed unknown_kid bad_tag replay expired; do
	got=$(jq ".dropped.$cause" "$work/status")
	tap_check "dropped as $cause: ${want[$cause]} (--status: $got)" [ "$got" = "${want[$cause]}" ] ||
		show status
done
tap_check "... and nothing of it was accepted or printed" \
	bash -c "[ \"\$(jq .accepted '$work/status')\" = 11 ] && [ \"\$(wc -l <'$work/hse.out')\" = $n ]"
tap_check "the malformed kinds: truncated, one octet, empty, BODY 1025, 2000 octets, reserved bit, a downlink, a KID that is not an E2M-KID" \
	[ "$(grep -c 'dropped: malformed' "$work/hse.err")" = 8 ]

# ---- the control requests' refusals ----
hse --send 0badc0de "x" --control "$work/ctl" >"$work/send.out"
rc=$?
tap_check "--send to a SID nobody holds: exit 1, {\"error\": ...}" \
	bash -c "[ $rc -eq 1 ] && jq -e .error '$work/send.out' >/dev/null"
hse --send 956781d2x "x" --control "$work/ctl" >/dev/null 2>&1
tap_check "--send with a SID that is not 8 hex digits: exit 2" [ $? -eq 2 ]
hse --status --control "$work/nothing" >/dev/null 2>&1
tap_check "--status with no HSE at --control: exit 3" [ $? -eq 3 ]
hse --edp-listen 127.0.0.1:5730 --state "$work/hse.db" --keyset-file "$work/keysets" \
	>/dev/null 2>"$work/second.err"
rc=$?
tap_check "a second HSE on the same --state: refused (exit 1, in use)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'in use' '$work/second.err'" || show second.err

# ---- a keyset's lifetime ends ----
wait_s=$((short_expires - $(date +%s) + 1))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
auth --edp-state "$work/short.json" --edp-send 127.0.0.1 --edp-wait 0 "after its end" >/dev/null 2>&1
sleep 0.3
tap_check "after its lifetime the short keyset's message is dropped as expired" \
	[ "$(status .dropped.expired)" = 2 ]
tap_check "... and the HSE no longer holds it (4 keysets)" [ "$(status .keysets)" = 4 ]
tap_check "... and no copy of its keys is left in the state file or its log" \
	bash -c "! cat '$work/hse.db' '$work/hse.db-wal' 2>/dev/null | od -An -tx1 -v | tr -d ' \n' | grep -q '$short_int'"

# ---- a restart keeps the windows ----
hse_stop
rc=$?
tap_check "SIGTERM: exit 0, the control socket removed" bash -c "[ $rc -eq 0 ] && [ ! -e '$work/ctl' ]"
hse_start
rc=$?
tap_check "restarted with the same file: nothing new, 4 keysets held" \
	bash -c "[ $rc -eq 0 ] && grep 'EDP listening' '$work/hse.err' | tail -1 | grep -q '4 keyset(s) held (0 new from '"
n=$(wc -l <"$work/hse.out")
send "$we_up200" "$(sed -n 2p "$work/dev.sent")"
sleep 0.3
tap_check "after the restart the accepted messages are still replays" \
	bash -c "[ \"\$('$b/tools/e2msim-hse' --status --control '$work/ctl' | jq -c '[.accepted, .dropped.replay]')\" = '[0,2]' ] && \
		[ \"\$(wc -l <'$work/hse.out')\" = $n ]"
auth --edp-state "$work/dev.json" --edp-send 127.0.0.1 --edp-wait 0 "reading 6" >/dev/null 2>&1
lines $((n + 1))
tap_check "... and the device goes on at COUNT 5" \
	[ "$(since "$n")" = "$(up "$dev_kid" "$dev_sid" 5 "reading 6")" ]

# ---- a spent keyset (doc/e2m-profile.md 7: COUNT 2^32-1) ----
jq -c '.up_next = 4294967294' "$work/dev.json" >"$work/dev.tmp" && mv "$work/dev.tmp" "$work/dev.json"
auth --edp-state "$work/dev.json" --edp-send 127.0.0.1 --edp-wait 0 "last one" "one too many" \
	>"$work/spent.out" 2>"$work/spent.err"
rc=$?
lines $((n + 2))
tap_check "the device sends COUNT 4294967294, then refuses: spent, exit 6" \
	bash -c "[ $rc -eq 6 ] && [ \"\$(grep -c '^UPLINK:' '$work/spent.out')\" = 1 ] && \
		grep -q 'spent' '$work/spent.err'" || show spent.out spent.err
tap_check "... the HSE accepted COUNT 4294967294" \
	[ "$(since $((n + 1)))" = "$(up "$dev_kid" "$dev_sid" 4294967294 "last one")" ]

# ---- no key in any log ----
keys="29c104685d3d45c89038da5833999a93|f533c82286873ad1d4eef25d51fbabff|$dev_int|$dev_enc|$short_int"
tap_check "no key in the HSE's output or log" \
	bash -c "! grep -Eiq '$keys' '$work/hse.out' '$work/hse.err'"
tap_check "the HSE is still running" kill -0 "$hse_pid"
hse_stop
tap_done
