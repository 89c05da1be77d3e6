#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates the seed corpora of tests/fuzz/corpus/ from real sessions: the
# APDU scripts of tests/scripts/ (their C-APDUs for the card, framed as vpcd
# frames them, their R-APDUs as a modem's AT+CSIM answers) and the profiles
# of tests/profiles/. Run it after changing the scripts; review and commit
# the result. Findings of tools/fuzz.sh do not belong here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out="$here/corpus"
# The card's ATR (usim/atr.c), as the card sends it to vpcd
ATR=3B9E96801FC78031E073FE211B5645324D53494D8D

# hex_to_file HEX FILE: write the octets of a hex string.
hex_to_file() {
	local hex=$1 bin="" i
	for ((i = 0; i < ${#hex}; i += 2)); do
		bin+="\\x${hex:i:2}"
	done
	# shellcheck disable=SC2059
	printf "$bin" >"$2"
}

# frame HEX: a vpcd frame (and a fuzz_card record), 2-octet length first.
frame() { printf '%04x%s' $((${#1} / 2)) "$1"; }

# script_pairs SCRIPT: "C R" per exchange, "@reset" for resets.
script_pairs() {
	sed -e 's/#.*//' -e 's/[[:space:]]//g' "$1" | while IFS= read -r line; do
		case "$line" in
		"") ;;
		@reset) echo "@reset" ;;
		@*) ;;	# @profile: fuzz_card has its own
		*) echo "${line%%->*} ${line#*->}" ;;
		esac
	done
}

# only the corpora made here: keyset, e2m_msg and edp are written by hand
rm -rf "$out/card" "$out/vpcd" "$out/atcsim" "$out/profile"
mkdir -p "$out/card" "$out/vpcd" "$out/atcsim" "$out/profile"

# fuzz_card: every script as one session; a reset is the length FFFF.
for s in "$top"/tests/scripts/*.apdu; do
	hex=""
	while read -r c _; do
		if [ "$c" = "@reset" ]; then hex+=ffff; else hex+=$(frame "$c"); fi
	done < <(script_pairs "$s")
	hex_to_file "$hex" "$out/card/$(basename "$s" .apdu)"
done
# ... and a response buffer of 2 octets (length FFFE, then 00): no room for
# the FCP of SELECT MF, then full size again (FFFE FF).
hex_to_file "fffe00$(frame 00a40004023f00)$(frame 00c0000000)fffeff$(frame 00a40004023f00)" \
	"$out/card/small-buffer"

# ... and what the scripts do not send: the CAT commands an ME sends at
# start-up (TS 102 221 11.2), in the UICC and the GSM class.
cat_session=""
# HEADER DATA (Lc computed) or HEADER LE
for c in "80100000 ffffffff7f0000000000000000000000000000" "80c20000 d60799020103820282" \
	"80120000 -10" "80140000 8103011300820282818301008402001a" \
	"a0100000 ffffffff7f0000000000000000000000000000" "a0c20000 d60100" "a0120000 -10" \
	"a0140000 8103011300820282818301"; do
	hdr=${c% *} data=${c#* }
	if [ "${data:0:1}" = "-" ]; then
		cat_session+=$(frame "$hdr${data#-}")
	else
		cat_session+=$(frame "$hdr$(printf '%02x' $((${#data} / 2)))$data")
	fi
done
hex_to_file "$cat_session" "$out/card/cat"

# fuzz_vpcd: both directions of a session, as vpcd and the card write them:
# power on, ATR request, C-APDUs, reset and ATR request, power off; the ATR
# and the R-APDUs.
for name in me-startup pin channels; do
	to_card=$(frame 01)$(frame 04) from_card=$(frame "$ATR")
	while read -r c r; do
		if [ "$c" = "@reset" ]; then
			to_card+=$(frame 02)$(frame 04) from_card+=$(frame "$ATR")
		else
			to_card+=$(frame "$c") from_card+=$(frame "$r")
		fi
	done < <(script_pairs "$top/tests/scripts/$name.apdu")
	hex_to_file "$to_card$(frame 00)" "$out/vpcd/$name-to-card"
	hex_to_file "$from_card" "$out/vpcd/$name-from-card"
done
hex_to_file "0000$(frame 00a4000c023f00)00" "$out/vpcd/empty-frame-and-partial-header"

# fuzz_atcsim: a modem's answers to AT+CSIM for the R-APDUs of a session
# (echo off, as apdu_atcsim_open() sets it), and its other answers.
n=0
while read -r c r; do
	[ "$c" = "@reset" ] && continue
	n=$((n + 1))
	printf '\r\n+CSIM: %d,"%s"\r\n\r\nOK\r\n' ${#r} "${r^^}" >"$out/atcsim/e2m-$n"
done < <(script_pairs "$top/tests/scripts/e2m.apdu" | awk '$2 != "" && length($2) > 4' | head -4)
printf 'AT+CSIM=10,"00B000000A"\r\r\n+CREG: 1\r\n\r\nRING\r\n+CSIM: 24,"980001010000000000F19000"\r\n+CGREG: 0,1\r\n\r\nOK\r\n' \
	>"$out/atcsim/echo-and-urcs"
printf '+CSIM:4,"6a82"\nOK\n' >"$out/atcsim/lf-only"
printf '\r\n+CSIM: 4,"9000"\r\n' >"$out/atcsim/no-final-yet"
printf '\r\nERROR\r\n' >"$out/atcsim/error"
printf '\r\n+CME ERROR: 10\r\n' >"$out/atcsim/cme-numeric"
printf '\r\n+CME ERROR: SIM not inserted\r\n' >"$out/atcsim/cme-verbose"

# fuzz_profile: the test profiles, the example, and one with every field.
cp "$top"/tests/profiles/*.json "$top"/usim/profiles/example.json "$out/profile/"
cat >"$out/profile/every-field.json" <<'JSON'
{
	"iccid": "89001010000000000999",
	"imsi": "001010000000099",
	"ki": "465b5ce8b199b49faa5f0a2ee238a6bc",
	"op": "cdc202d5123e20f62b6d676ac72cb318",
	"algorithm": "milenage",
	"msisdn": "+491234567",
	"spn": "every field",
	"mnc_len": 3,
	"acc": "0200",
	"plmnwact": ["00101", "001001"],
	"oplmnwact": ["00201"],
	"hplmnwact": ["00101"],
	"fplmn": ["00102", "00103"],
	"pin1": "0000", "puk1": "11111111", "pin2": "1111", "puk2": "22222222",
	"adm1": "12345678",
	"pin1_enabled": false,
	"sqn": {"ind_bits": 4, "delta": 1000, "age_limit": 10, "seq": [1, 2, 3]},
	"e2m": {
		"enabled": true, "eids": ["hse.example.org"],
		"no_confidentiality_plmns": ["00202"], "home_confidentiality": false,
		"amf_indicator_mask": "0080", "alg": "21", "p2": "83",
		"fc": {"ke2m_usim": "e2", "ke2m_me": "e5", "alg": "e6"}, "version": 1
	},
	"files": {
		"ADF.USIM/EF.SPN": "01414243",
		"DF.TELECOM/EF.ADN": ["414243ffffffffffffffffffffff0481214365ffffffffffffffffff"]
	}
}
JSON
cat >"$out/profile/tuak.json" <<'JSON'
{"iccid": "8900101000000000998", "imsi": "001010000000098", "algorithm": "tuak",
 "ki": "abababababababababababababababababababababababababababababababab",
 "opc": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
JSON
cat >"$out/profile/comp128.json" <<'JSON'
{"iccid": "8900101000000000997", "imsi": "001010000000097", "algorithm": "comp128v1",
 "ki": "465b5ce8b199b49faa5f0a2ee238a6bc"}
JSON
echo "seeds: $(find "$out" -type f | wc -l) files in $out"
