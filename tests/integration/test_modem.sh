#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The AT+CSIM transport end to end, through real pcscd + vpcd: e2msim-card in
# reader 0, tests/fake-modem relaying AT+CSIM to it on a pseudo-terminal, and
# tests/atcsim-client driving apdu/atcsim.c and apdu_transceive() over the
# pty: '61xx' + GET RESPONSE, '6Cxx' re-issue, URCs, +CME ERROR, a card
# removed and back, and a silent modem (a timeout, not a hang).
. "$(dirname "$0")/../helpers/pcsc-test.sh"

card_bin="$top_builddir/usim/e2msim-card"
modem_bin="$top_builddir/tests/fake-modem"
client="$top_builddir/tests/atcsim-client"
wait_card="$top_builddir/tests/pcsc-wait"
profile="$top_srcdir/tests/profiles/script.json"
iccid_ef="980001010000000000f1"	# its ICCID, TS 102 221 13.2: swapped BCD, F padded
usim_aid="A0000000871002"
work=$(mktemp -d)
tty="$work/modem"
card_pid=
modem_pid=

start_card() {
	"$card_bin" --profile "$profile" --state "$work/state" >>"$work/card.log" 2>&1 &
	card_pid=$!
}
start_modem() {
	"$modem_bin" --reader 0 --link "$tty" -v "$@" >"$work/modem.out" 2>"$work/modem.log" &
	modem_pid=$!
	for _ in $(seq 1 50); do
		[ -L "$tty" ] && [ -s "$work/modem.out" ] && return 0
		sleep 0.1
	done
	return 1
}
stop_modem() {
	kill -TERM "$modem_pid"; wait "$modem_pid"
}
# client ARGS...: run the client under a hard limit; stdout in $out, stderr
# in $err, exit status in $rc.
client() {
	out=$(timeout 10 "$client" "$@" 2>"$work/client.err"); rc=$?
	err=$(cat "$work/client.err")
}

start_card
tap_check "card appears in the reader" "$wait_card" 0 present 10
tap_check "fake-modem starts and links its pty" start_modem
tap_check "the link points to the pty it printed" \
	[ "$(readlink "$tty")" = "$(cat "$work/modem.out")" ]
tap_check "the pty is a /dev/pts device" grep -q "^/dev/pts/[0-9]*$" "$work/modem.out"

client "$tty" 00A40004023F00
tap_check "SELECT MF with FCP: '61xx' then GET RESPONSE, through AT+CSIM" \
	grep -q "^62268202782183023f00.* 9000$" <<<"$out"
tap_check "the modem saw the SELECT and the GET RESPONSE" \
	grep -q 'AT+CSIM=10,"00C0000028"' "$work/modem.log"
tap_check "the client switched echo off" grep -q "<- ATE0" "$work/modem.log"
tap_check "the client asked for +CME ERROR codes" grep -q "<- AT+CMEE=1" "$work/modem.log"

client "$tty" 00A4000C022FE2 00B000000A
tap_check "READ BINARY of EF.ICCID" [ "$out" = "9000
$iccid_ef 9000" ]

client "$tty" 00A4040C07$usim_aid 00B2010C10
tap_check "READ RECORD of EF.ECC with a wrong Le: '6Cxx', re-issued" \
	grep -qx "11f2ffffffffffffffffffffff00 9000" <<<"$out"
tap_check "the re-issue went through the modem with Le '0E'" \
	grep -q 'AT+CSIM=10,"00B2010C0E"' "$work/modem.log"

client --atr "$tty"
tap_check "no ATR through AT+CSIM: the transport says so" \
	grep -qx "ATR: none (Operation not supported)" <<<"$out"

stop_modem; rc=$?
tap_check "fake-modem exits on SIGTERM, status 0 (was $rc), link removed" [ "$rc" -eq 0 -a ! -e "$tty" ]

# Unsolicited result codes before every answer: skipped.
start_modem --urc
client "$tty" 00A4000C022FE2 00B000000A
tap_check "URC mode: EF.ICCID read between '+CREG: 1' lines" [ "$rc" -eq 0 -a "$out" = "9000
$iccid_ef 9000" ]
tap_check "URC mode: the modem did send them" grep -q -- "-> +CREG: 1" "$work/modem.log"
stop_modem

# +CME ERROR for every AT+CSIM: a clear message and a non-zero exit.
start_modem --cme-error 13
client "$tty" 00A4000C022FE2
tap_check "+CME ERROR mode: exit status 1 (was $rc)" [ "$rc" -eq 1 ]
tap_check "+CME ERROR mode: the error is named" grep -q "+CME ERROR 13: SIM failure" <<<"$err"
stop_modem

# The card goes away: +CME ERROR: 10; it comes back: served again.
start_modem
kill -TERM "$card_pid"; wait "$card_pid"
"$wait_card" 0 absent 10
client "$tty" 00A4000C022FE2
tap_check "card absent: exit status 1 (was $rc)" [ "$rc" -eq 1 ]
tap_check "card absent: +CME ERROR: 10, SIM not inserted" \
	grep -q "No such device (+CME ERROR 10: SIM not inserted)" <<<"$err"
start_card
"$wait_card" 0 present 10
client "$tty" 00A4000C022FE2 00B000000A
tap_check "card back: the modem reconnects and serves EF.ICCID" [ "$rc" -eq 0 -a "$out" = "9000
$iccid_ef 9000" ]
stop_modem

# A modem that falls silent after one AT+CSIM: a timeout, within it.
start_modem --silence-after 1
t0=$(date +%s%N)
client --timeout 1000 "$tty" 00A4000C022FE2 00B000000A
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tap_check "silence: the first APDU answered" grep -qx "9000" <<<"$out"
tap_check "silence: exit status 1, not killed by timeout(1) (was $rc)" [ "$rc" -eq 1 ]
tap_check "silence: a timeout error" grep -q "Connection timed out" <<<"$err"
tap_check "silence: the log says what was missing" grep -q "no final result code within 1000 ms" <<<"$err"
tap_check "silence: over in ${ms} ms, not a hang" [ "$ms" -ge 1000 -a "$ms" -lt 5000 ]
stop_modem

kill -TERM "$card_pid"; wait "$card_pid"
if [ "$tap_failed" -gt 0 ]; then
	echo "# modem log:"; sed 's/^/#   /' "$work/modem.log" | tail -40
	echo "# client stderr:"; sed 's/^/#   /' "$work/client.err" | tail -20
fi
rm -rf "$work"
tap_done
