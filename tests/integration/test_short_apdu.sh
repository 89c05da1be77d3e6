#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# C-APDUs shorter than a header through real pcscd + vpcd, to the card (slot
# 0) and to the bridge in front of it (slot 1). vpcd frames a 1-octet C-APDU
# exactly as its own control octets (00 power off, 01 on, 02 reset, 04 ATR):
# each gets '6700' within the time-out, never a hang, and the reader keeps
# serving (a SELECT on the same connection and a new SCardConnect after it).
# apdu/vicc.c explains how the two are told apart.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

b="$top_builddir"
work=$(mktemp -d)
card_log="$work/card.log"
atr=3b9e96801fc78031e073fe211b5645324d53494d8d

# send READER OCTETS...: e2msim-apdu --raw, the answers one a line ("DATA SW"
# or "SW"); a hang is a failure, not a stuck test
send() {
	local reader=$1; shift
	timeout 10 "$b/tools/e2msim-apdu" --reader "$reader" --raw "$@" 2>&1 | awk '{ print $1 $2 }' |
		sed 's/(.*//' | tr '\n' ' '
}

# short READER NAME: every kind of short C-APDU on the reader
short() {
	local r=$1 name=$2 out
	for octets in F9 00 01 02 FF 0000 00A4 00A400; do
		out=$(send "$r" "$octets" 00A4000C022FE2)
		tap_check "$name: $octets answered '6700', then SELECT '9000' ($out)" \
			[ "$out" = "6700 9000 " ]
	done
	# the ATR request: the one value no card can tell from vpcd's own poll
	out=$(send "$r" 04 00A4000C022FE2)
	tap_check "$name: 04 answered as vpcd's ATR request, the ATR, then SELECT '9000'" \
		[ "$out" = "${atr:0:38}4D8D 9000 " ]
	out=$(send "$r" 00A4000C022FE2 00B000000A)
	tap_check "$name: a new connection after them reads EF.ICCID" \
		[ "$out" = "9000 980001010000000000f19000 " ]
}

card_start "$top_srcdir/tests/profiles/script.json" --repersonalize -v
short 0 "card"
tap_check "the card said it took a lone 00 for a C-APDU" \
	grep -q "1-octet frame 00 .*a C-APDU" "$card_log"

"$b/bridge/e2msim-bridge" --vpcd 127.0.0.1:35964 --reader 0 -v >>"$work/bridge.log" 2>&1 &
bridge_pid=$!
"$b/tests/pcsc-wait" 1 present 10
short 1 "through the bridge"
kill -TERM "$bridge_pid"; wait "$bridge_pid"
tap_check "the bridge exits cleanly" [ $? -eq 0 ]
card_stop
tap_check "the card exits cleanly" [ $? -eq 0 ]
[ "$tap_failed" -eq 0 ] || { card_log_dump 30; sed 's/^/# bridge: /' "$work/bridge.log" | tail -20; }
rm -rf "$work"
tap_done
