#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/e2msim-auc end to end: the authentication vector of the worked
# example of doc/e2m-profile.md section 6 (tests/profiles/spec6.json has its K and
# OPc) in text and JSON; vectors, SQN/IND and AUTS results against
# osmo-auc-gen (libosmocore-utils, an independent AuC) when it is installed;
# AUTS verification and refusal; usage errors.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/helpers/tap.sh"

auc="$top_builddir/tools/e2msim-auc"
spec6="$top_srcdir/tests/profiles/spec6.json"
script="$top_srcdir/tests/profiles/script.json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# doc/e2m-profile.md section 6
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
RAND=23553cbe9637a89d218ae64dae47bf35
SQN=4660	# 000000001234
AUTN=aa689c6491448000fe3ef50d320d486a
RES=a54211d5e3ba50bf
CK=b40ba9a3c58b2a05bbf0d987b21bf8cb
IK=f769bcd751044604127672711c6d3441
# c2(RES), c3(CK, IK) (TS 33.102 6.8.1.2): TS 55.205 test set 1, same inputs
SRES=46f8416a
KC=eae4be823af9a08b
# An AUTS for RAND from a card whose SQN_MS is 16777249 (SEQ 524289, IND 1),
# made with f1*/f5* of TS 35.206 outside this code base.
AUTS=451e8aeca41a9bfab8bbb41e1f3e

# text_field NAME FILE: the value of the line "NAME: value"
text_field() { awk -v n="$1:" '$1 == n { print $2 }' "$2"; }
# json_field NAME FILE: a string or number member of the one-line object
json_field() { sed -n 's/.*"'"$1"'":"\{0,1\}\([0-9a-zA-Z]*\).*/\1/p' "$2"; }
# run NAME ARGS...: run the tool, stdout to $work/NAME, exit code to $rc
run() { local name=$1; shift; "$auc" "$@" >"$work/$name" 2>"$work/$name.err"; rc=$?; }
# expect DESC FILE FIELD VALUE (text) / expect_json (JSON)
expect() { tap_check "$1: $3 = $4" test "$(text_field "$3" "$2")" = "$4"; }
expect_json() { tap_check "$1: json $3 = $4" test "$(json_field "$3" "$2")" = "$4"; }

# ---- the worked example, text and JSON ----
for prof in spec6 script; do
	f="$top_srcdir/tests/profiles/$prof.json"
	run "$prof.txt" --profile "$f" --rand "$RAND" --sqn "$SQN" --amf 8000
	tap_check "$prof: text, exit 0" test "$rc" -eq 0
	for pair in RAND:$RAND AUTN:$AUTN XRES:$RES CK:$CK IK:$IK SRES:$SRES Kc:$KC \
		SQN:$SQN SEQ:145 IND:20 AMF:8000; do
		expect "$prof" "$work/$prof.txt" "${pair%%:*}" "${pair#*:}"
	done
done
run spec6.json --profile "$spec6" --rand "$RAND" --sqn 0x1234 --amf 8000 --json
tap_check "spec6: --json, exit 0" test "$rc" -eq 0
want='{"algorithm":"milenage","rand":"'$RAND'","autn":"'$AUTN'","xres":"'$RES'","ck":"'$CK'"'
want+=',"ik":"'$IK'","ak":"aa689c648370","kc":"'$KC'","sres":"'$SRES'","sqn":4660,"seq":145'
want+=',"ind":20,"amf":"8000"}'
tap_check "spec6: --json is one object with the section 6 values" \
	test "$(cat "$work/spec6.json")" = "$want"
tap_check "no key in the output" \
	bash -c "! grep -qi -e $K -e $OPC '$work/spec6.json' '$work/spec6.txt'"

# SEQ/IND composition: SEQ 145 || IND 20 is SQN 4660 with 5 IND bits
run seqind.txt --profile "$spec6" --rand "$RAND" --seq 145 --ind 20 --amf 8000
expect seqind "$work/seqind.txt" AUTN "$AUTN"
run seqind4.txt --profile "$spec6" --rand "$RAND" --seq 291 --ind 4 --ind-bits 4 --amf 8000
expect "seq 291 ind 4 of 4 bits" "$work/seqind4.txt" SQN 4660
expect "seq 291 ind 4 of 4 bits" "$work/seqind4.txt" AUTN "$AUTN"
# no SQN given: SEQ 1, IND 0 (the first an HLR hands out); a random RAND
run default.txt --profile "$spec6"
expect "defaults" "$work/default.txt" SQN 32
expect "defaults" "$work/default.txt" AMF 8000
tap_check "defaults: RAND is 32 hex digits" \
	grep -Eq '^RAND: [0-9a-f]{32}$' "$work/default.txt"
run default2.txt --profile "$spec6"
tap_check "two runs, two RANDs" test "$(text_field RAND "$work/default.txt")" != \
	"$(text_field RAND "$work/default2.txt")"

# ---- AUTS ----
run auts.txt --profile "$spec6" --auts "$AUTS" --rand "$RAND"
tap_check "AUTS: exit 0" test "$rc" -eq 0
expect AUTS "$work/auts.txt" SQN_MS 16777249
expect AUTS "$work/auts.txt" SEQ_MS 524289
expect AUTS "$work/auts.txt" IND_MS 1
run auts.json --profile "$spec6" --auts "$AUTS" --rand "$RAND" --json
expect_json AUTS "$work/auts.json" sqn_ms 16777249
expect_json AUTS "$work/auts.json" ind_ms 1
run auts-bad --profile "$spec6" --auts "${AUTS%?}f" --rand "$RAND"
tap_check "corrupted AUTS: exit 1" test "$rc" -eq 1
tap_check "corrupted AUTS: says refused, prints nothing" \
	bash -c "grep -q refused '$work/auts-bad.err' && ! test -s '$work/auts-bad'"
run auts-rand --profile "$spec6" --auts "$AUTS" --rand "${RAND%?}4"
tap_check "AUTS under another RAND: exit 1" test "$rc" -eq 1

# ---- usage errors: exit 2 with a message ----
usage_case() {
	local desc=$1; shift
	run usage "$@"
	tap_check "usage: $desc: exit 2 with a message" \
		bash -c "test $rc -eq 2 && test -s '$work/usage.err'"
}
usage_case "no --profile" --rand "$RAND"
usage_case "missing profile file" --profile "$work/nonexistent.json"
usage_case "short --rand" --profile "$spec6" --rand 2355
usage_case "--rand not hex" --profile "$spec6" --rand "${RAND%?}g"
usage_case "--sqn and --seq" --profile "$spec6" --sqn 1 --seq 1
usage_case "--sqn over 48 bits" --profile "$spec6" --sqn 281474976710656
usage_case "--sqn not a number" --profile "$spec6" --sqn 12a
usage_case "--ind beyond --ind-bits" --profile "$spec6" --ind 32
usage_case "--ind-bits over 28" --profile "$spec6" --ind-bits 29
usage_case "--amf of 3 octets" --profile "$spec6" --amf 800000
usage_case "--auts without --rand" --profile "$spec6" --auts "$AUTS"
usage_case "--auts with --sqn" --profile "$spec6" --auts "$AUTS" --rand "$RAND" --sqn 1
usage_case "--auts too short" --profile "$spec6" --auts "${AUTS:0:26}" --rand "$RAND"
usage_case "extra argument" --profile "$spec6" extra
run keyless --profile "$top_srcdir/tests/profiles/twin.json" --rand "$RAND"
tap_check "a profile without keys (a card's twin): exit 2, says so" \
	bash -c "test $rc -eq 2 && grep -q \"no 'ki'\" '$work/keyless.err' && test ! -s '$work/keyless'"
run help --help
tap_check "--help: exit 0 and usage" bash -c "test $rc -eq 0 && grep -q Usage '$work/help'"

# ---- against osmo-auc-gen ----
# osmo_field NAME FILE: "NAME:<tab>value" of osmo-auc-gen
osmo_field() { awk -v n="$1:" '$1 == n { print $2 }' "$2"; }
if ! command -v osmo-auc-gen >/dev/null; then
	tap_skip "osmo-auc-gen not installed (Debian libosmocore-utils): no independent AuC"
	tap_done
	exit
fi
profile() {	# profile FILE ALGORITHM KI [OPC]
	printf '{"iccid": "8900101000000000077", "imsi": "001010000000077", ' >"$1"
	printf '"algorithm": "%s", "ki": "%s"%s}\n' "$2" "$3" "${4:+, \"opc\": \"$4\"}" >>"$1"
}
# compare DESC OSMO_ARGS -- AUC_ARGS: every field osmo-auc-gen prints
compare() {
	local desc=$1 osmo=() f
	shift
	while [ "$1" != -- ]; do osmo+=("$1"); shift; done
	shift
	osmo-auc-gen "${osmo[@]}" >"$work/osmo.txt" 2>&1
	run cmp.txt "$@"
	run cmp.json "$@" --json
	for f in RAND:RAND:rand AUTN:AUTN:autn RES:XRES:xres CK:CK:ck IK:IK:ik SRES:SRES:sres \
		Kc:Kc:kc SQN:SQN:sqn IND:IND:ind; do
		local o=${f%%:*} t=${f#*:} j=${f##*:} want
		t=${t%%:*}
		want=$(osmo_field "$o" "$work/osmo.txt")
		[ -n "$want" ] || continue
		tap_check "$desc: $t = osmo-auc-gen $o ($want)" \
			test "$(text_field "$t" "$work/cmp.txt")" = "$want"
		tap_check "$desc: json $j = osmo-auc-gen $o" \
			test "$(json_field "$j" "$work/cmp.json")" = "$want"
	done
}
compare "milenage, script.json" -3 -a MILENAGE -k "$K" -o "$OPC" -r "$RAND" -s "$SQN" -f 8000 \
	-- --profile "$script" --rand "$RAND" --sqn "$SQN" --amf 8000
R2=0123456789abcdef00112233445566ff
compare "milenage, SQN 99, no IND bits" -3 -a MILENAGE -k "$K" -o "$OPC" -r "$R2" -s 99 -l 0 \
	-f 0000 -- --profile "$script" --rand "$R2" --sqn 99 --ind-bits 0 --amf 0000
compare "milenage, SEQ 7 IND 3 of 10 bits" -3 -a MILENAGE -k "$K" -o "$OPC" -r "$R2" \
	-s $((7 * 1024 + 3)) -l 10 -f b9b9 \
	-- --profile "$script" --rand "$R2" --seq 7 --ind 3 --ind-bits 10 --amf b9b9
# OP instead of OPc (TS 35.208 test set 1)
OP=cdc202d5123e20f62b6d676ac72cb318
printf '{"iccid": "8900101000000000077", "imsi": "001010000000077", "ki": "%s", "op": "%s"}\n' \
	"$K" "$OP" >"$work/op.json"
compare "milenage, OP" -3 -a MILENAGE -k "$K" -O "$OP" -r "$R2" -s 64 -f 8000 \
	-- --profile "$work/op.json" --rand "$R2" --sqn 64 --amf 8000
K2=000102030405060708090a0b0c0d0e0f
profile "$work/c1.json" comp128v1 "$K2"
compare "comp128v1" -2 -a COMP128v1 -k "$K2" -r "$RAND" -- --profile "$work/c1.json" --rand "$RAND"
profile "$work/c2.json" comp128v2 "$K2"
compare "comp128v2" -2 -a COMP128v2 -k "$K2" -r "$R2" -- --profile "$work/c2.json" --rand "$R2"
profile "$work/c3.json" comp128v3 "$K2"
compare "comp128v3" -2 -a COMP128v3 -k "$K2" -r "$R2" -- --profile "$work/c3.json" --rand "$R2"
run c1-auts --profile "$work/c1.json" --auts "$AUTS" --rand "$RAND"
tap_check "comp128v1 has no AUTS: exit 2" test "$rc" -eq 2
# libosmocore 1.7's XOR uses the SQN it is given minus 2^IND-bits (it does
# not step it as MILENAGE does), so only the fields that do not hang on it
profile "$work/xor.json" xor "$K2"
osmo-auc-gen -3 -a XOR -k "$K2" -r "$RAND" -s 100 -f 0000 >"$work/osmo.txt" 2>&1
run xor.txt --profile "$work/xor.json" --rand "$RAND" --sqn "$(osmo_field SQN "$work/osmo.txt")" \
	--amf 0000
for f in AUTN:AUTN RES:XRES CK:CK IK:IK SRES:SRES Kc:Kc; do
	want=$(osmo_field "${f%%:*}" "$work/osmo.txt")
	tap_check "xor: ${f#*:} = osmo-auc-gen ${f%%:*} ($want)" \
		test -n "$want" -a "$(text_field "${f#*:}" "$work/xor.txt")" = "$want"
done

# AUTS: osmo-auc-gen finds the same SQN_MS, and refuses the corrupted one too
osmo-auc-gen -3 -a MILENAGE -k "$K" -o "$OPC" -r "$RAND" -A "$AUTS" >"$work/osmo.txt" 2>&1
tap_check "AUTS: SQN_MS = osmo-auc-gen SQN.MS" \
	test "$(osmo_field SQN.MS "$work/osmo.txt")" = "$(text_field SQN_MS "$work/auts.txt")"
tap_check "corrupted AUTS: osmo-auc-gen refuses it too" \
	bash -c "! osmo-auc-gen -3 -a MILENAGE -k $K -o $OPC -r $RAND -A ${AUTS%?}f >/dev/null 2>&1"
tap_done
