#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# e2msim-card --gsmtap: every APDU exchange goes out as one GSMTAP datagram
# (libosmocore gsmtap.h: version 2, header length 4 words, type '04' SIM,
# sub-type '00' APDU at octet 12), payload the C-APDU then the R-APDU.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

iccid_ef="980001010000000000f1"	# script.json's ICCID, TS 102 221 13.2
work=$(mktemp -d)
card_log="$work/card.log"
"$top_builddir/usim/e2msim-card" --profile "$top_srcdir/tests/profiles/script.json" \
	--state "$work/state" --gsmtap 127.0.0.1 >>"$card_log" 2>&1 &
card_pid=$!
tap_check "card appears in the reader" "$top_builddir/tests/pcsc-wait" 0 present 10

"$top_builddir/tests/udp-recv" 3 >"$work/udp" &
recv_pid=$!
for _ in $(seq 1 50); do
	grep -q '^# bound' "$work/udp" 2>/dev/null && break
	sleep 0.1
done
out=$("$top_builddir/tools/e2msim-apdu" --reader 0 00A4000C022FE2 00B000000A 2>&1)
tap_check "e2msim-apdu reads EF.ICCID" grep -qx "$iccid_ef 9000  (Normal ending of the command)" <<<"$out"
wait "$recv_pid"
grep -v '^#' "$work/udp" | sed 's/^/# datagram: /'

# GSMTAP header, 16 octets (32 hex digits): version 02, hdr_len 04 (words),
# type 04 SIM, timeslot; ARFCN (2), signal, SNR; frame number (4); sub-type
# 00 APDU (octet 12, hex digits 25-26), antenna, sub-slot, reserved.
gsmtap_apdu() {	# PAYLOAD: a GSMTAP SIM APDU datagram carrying exactly that
	grep -Eqx "020404.{18}00.{6}$1" "$work/udp"
}
tap_check "GSMTAP SIM APDU: SELECT EF.ICCID -> 9000" gsmtap_apdu '00a4000c022fe29000'
tap_check "GSMTAP SIM APDU: READ BINARY -> ICCID 9000" gsmtap_apdu "00b000000a${iccid_ef}9000"
n=$(grep -vc '^#' "$work/udp")
tap_check "one datagram per APDU exchange ($n)" [ "$n" -eq 2 ]

kill -TERM "$card_pid"; wait "$card_pid"; rc=$?
tap_check "card exits cleanly on SIGTERM (status $rc)" [ "$rc" -eq 0 ]
if [ "$tap_failed" -gt 0 ]; then
	echo "# card log:"; sed 's/^/#   /' "$card_log" | tail -40
fi
rm -rf "$work"
tap_done
