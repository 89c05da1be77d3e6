#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test through real pcscd + vpcd: e2msim-card as a card in a
# reader, seen by pcsc_scan, scriptor and our own PC/SC client; the APDU
# scripts through PC/SC; card restart and pcscd restart.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

card_bin="$top_builddir/usim/e2msim-card"
apdu="$top_builddir/tools/e2msim-apdu"
wait_card="$top_builddir/tests/pcsc-wait"
profile="$top_srcdir/tests/profiles/script.json"
iccid_ef="980001010000000000f1"	# its ICCID, TS 102 221 13.2: swapped BCD, F padded
reader="Virtual PCD 00 00"
work=$(mktemp -d)
card_log="$work/card.log"
card_pid=

start_card() {
	"$card_bin" --profile "$profile" --state "$work/state" -v "$@" >>"$card_log" 2>&1 &
	card_pid=$!
}
stop_card() {
	kill -TERM "$card_pid"; wait "$card_pid"
	"$wait_card" 0 absent 10
}

start_card
tap_check "card appears in the reader" "$wait_card" 0 present 10

out=$(timeout 10 pcsc_scan -t 3 2>&1)
tap_check "pcsc_scan shows the card's ATR" \
	grep -q "3B 9E 96 80 1F C7 80 31 E0 73 FE 21 1B 56 45 32 4D 53 49 4D 8D" <<<"$out"

out=$(printf '00 A4 00 04 02 3F 00\n00 C0 00 00 28\n00 A4 00 0C 02 2F E2\n00 B0 00 00 0A\nexit\n' |
	timeout 10 scriptor -r "$reader" 2>&1 | tr '\n' ' ')	# scriptor wraps long answers
tap_check "scriptor selects MF" grep -q "< 61 28 : 0x28 bytes .*< 62 26 82 02 78 21 83 02 3F 00 .* 90 00 : Normal processing" <<<"$out"
tap_check "scriptor reads EF.ICCID" \
	grep -q "< 98 00 01 01 00 00 00 00 00 F1 90 00 : Normal processing" <<<"$out"

out=$("$apdu" --reader "$reader" 00A40004023F00 00A4000C022FE2 00B000000A 2>&1)
tap_check "e2msim-apdu: GET RESPONSE after '61xx', then EF.ICCID" \
	grep -qx "$iccid_ef 9000  (Normal ending of the command)" <<<"$out"

# Every APDU script through pcscd, each on a freshly personalised card.
for script in "$top_srcdir"/tests/scripts/*.apdu; do
	stop_card
	profile=$(script_profile "$script")
	start_card --repersonalize
	"$wait_card" 0 present 10
	tap_relay "through pcscd: $(basename "$script")" < <("$top_builddir/tests/apdu-script" --reader 0 "$script")
done

# PIN retry counters and file updates survive a restart, and kill -9.
profile="$top_srcdir/tests/profiles/script.json"
stop_card; start_card --repersonalize; "$wait_card" 0 present 10
out=$("$apdu" --reader 0 00A4040C07A0000000871002 002000010830303030FFFFFFFF 2>&1)
tap_check "wrong PIN1 answered 63C2" grep -q "^63C2 " <<<"$out"
"$apdu" --reader 0 00A4040C07A0000000871002 002000010831323334FFFFFFFF 00D68B0004CAFEBABE >/dev/null
"$apdu" --reader 0 00A4040C07A0000000871002 002000810830303030FFFFFFFF >/dev/null
kill -KILL "$card_pid"; wait "$card_pid" 2>/dev/null
"$wait_card" 0 absent 10
start_card; "$wait_card" 0 present 10
out=$("$apdu" --reader 0 00A4040C07A0000000871002 0020008100 002000010831323334FFFFFFFF 00B08B0004 2>&1)
tap_check "PIN2 counter survives kill -9 (63C2)" grep -q "^63C2 " <<<"$out"
tap_check "EF.LOCI update survives kill -9" grep -qi "^cafebabe 9000" <<<"$out"
tap_check "the card said it loaded its state" grep -q "state loaded from the store" "$card_log"

# Card killed: the reader sees it removed; started again: present and serving.
kill -KILL "$card_pid"; wait "$card_pid" 2>/dev/null
tap_check "killed card is seen removed" "$wait_card" 0 absent 10
start_card
tap_check "restarted card is seen present" "$wait_card" 0 present 10
out=$("$apdu" --reader 0 00A4000C022FE2 00B000000A 2>&1)
tap_check "restarted card serves EF.ICCID" grep -qx "$iccid_ef 9000  (Normal ending of the command)" <<<"$out"

# pcscd restarted under the running card: the card reconnects.
pkill -x pcscd; while pgrep -x pcscd >/dev/null; do sleep 0.1; done
pcscd --foreground --config "$E2M_PCSC_CONF" >>"$E2M_PCSC_LOG" 2>&1 &
tap_check "card reconnects after pcscd restart" "$wait_card" 0 present 15
out=$("$apdu" --reader 0 00A4000C022FE2 00B000000A 2>&1)
tap_check "card serves after pcscd restart" grep -qx "$iccid_ef 9000  (Normal ending of the command)" <<<"$out"

# Two profiles in one process: two readers (vpcd slots 0 and 1), two cards.
stop_card
"$card_bin" --profile "$top_srcdir/tests/profiles/script.json" \
	--profile "$top_srcdir/tests/profiles/e2m.json" --state "$work/state2" >>"$card_log" 2>&1 &
card_pid=$!
"$wait_card" 0 present 10; "$wait_card" 1 present 10
out=$("$apdu" --reader 0 00A4000C022FE2 00B000000A 2>&1)
tap_check "two profiles, one process: reader 0 holds the first card" grep -qx "$iccid_ef 9000  (.*)" <<<"$out"
out=$("$apdu" --reader 1 00A4000C022FE2 00B000000A 2>&1)
tap_check "... and reader 1 the second (ICCID 8900101000000000029)" \
	grep -qx "980001010000000020f9 9000  (.*)" <<<"$out"

# SIGTERM: clean exit with status 0.
kill -TERM "$card_pid"; wait "$card_pid"; rc=$?
tap_check "card exits cleanly on SIGTERM (status $rc)" [ "$rc" -eq 0 ]
tap_check "card log names commands and status words" \
	grep -q "SELECT .* -> 9000 Normal ending of the command" "$card_log"
if [ "$tap_failed" -gt 0 ]; then
	echo "# card log:"; sed 's/^/#   /' "$card_log" | tail -40
fi
rm -rf "$work"
tap_done
