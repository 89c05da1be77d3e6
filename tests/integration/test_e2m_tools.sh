#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The E2M key agreement end to end through real pcscd + vpcd, for random
# subscribers of every 3G algorithm: the HSS side (e2msim-auc --eid) and the
# device (e2msim-card, asked by e2msim-auth --context e2m) agree on every key;
# the policy (SNID listed: no K_E2M_enc on either side); a stale SQN answered
# with AUTS and resynchronised through e2msim-auc; keys absent from the card's
# log unless --log-keys.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

auc="$top_builddir/tools/e2msim-auc"
auth="$top_builddir/tools/e2msim-auth"
work=$(mktemp -d)
eid=hse.mnc001.mcc001.pub.3gppnetwork.org
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
field() { awk -v k="$1" '$1 == k { print $NF; exit }'; }	# text output: "NAME ... VALUE"

profile() {	# ALGORITHM KEY-OCTETS OPC-FIELD OPC-OCTETS
	local n=$((RANDOM % 10000))
	printf '{ "iccid": "89001010001%08d", "imsi": "00101%010d", "algorithm": "%s", "ki": "%s"' \
		"$n" "$n" "$1" "$(hex "$2")"
	[ -n "$3" ] && printf ', "%s": "%s"' "$3" "$(hex "$4")"
	printf ', "e2m": { "eids": ["%s"], "no_confidentiality_plmns": ["00202"] } }\n' "$eid"
}

start_card() {
	: >"$work/card.log"	# the log checks below read one run's log
	card_start "$work/p.json" --repersonalize "$@"
}
stop_card() { card_stop; }

# agree LABEL SEQ [--snid MCCMNC]: one key agreement, HSS and device compared
agree() {
	local label=$1 seq=$2; shift 2
	"$auc" --profile "$work/p.json" --seq "$seq" --eid "$eid" "$@" >"$work/hss" || return 1
	"$auth" --pin 1234 --context e2m --eid "$eid" "$@" \
		--rand "$(field RAND: <"$work/hss")" --autn "$(field AUTN: <"$work/hss")" >"$work/dev"
	local rc=$? ok=1
	[ "$rc" -eq 0 ] || ok=0
	[ "$(field res <"$work/dev")" = "$(field XRES: <"$work/hss")" ] || ok=0
	[ "$(field ck <"$work/dev")" = "$(field CK: <"$work/hss")" ] || ok=0
	[ "$(field ik <"$work/dev")" = "$(field IK: <"$work/hss")" ] || ok=0
	[ "$(field e2m_kid <"$work/dev")" = "$(field E2M-KID: <"$work/hss")" ] || ok=0
	local int enc
	int=$(awk '$1 == "K_E2M_int" && $2 == "(A-D):" { print $3 }' "$work/hss")
	enc=$(awk '$1 == "K_E2M_enc" && $2 == "(A-D):" { print $3 }' "$work/hss")
	[ "$(field k_e2m_int <"$work/dev")" = "$int" ] || ok=0
	if [ "$enc" = "(none:" ]; then
		[ "$(field k_e2m_enc <"$work/dev")" = "(none)" ] || ok=0
	else
		[ "$(field k_e2m_enc <"$work/dev")" = "$enc" ] || ok=0
	fi
	[ -n "$int" ] || ok=0
	if [ "$ok" -ne 1 ]; then
		echo "# HSS:"; sed 's/^/#   /' "$work/hss"; echo "# device (exit $rc):"; sed 's/^/#   /' "$work/dev"
	fi
	tap_check "$label" [ "$ok" -eq 1 ]
	[ "$ok" -eq 1 ]
}

for alg in "milenage 16 opc 16" "milenage 16 op 16" "tuak 32 opc 32" "tuak 16 op 32" "xor 16 '' 0"; do
	# (xor: no OPc)
	eval "set -- $alg"
	profile "$@" >"$work/p.json"
	name="$1${3:+/$3}/K$(($2 * 8))"
	start_card
	for r in 1 2 3; do
		agree "$name round $r: HSS and card agree on RES, CK, IK, K_E2M_int, K_E2M_enc, E2M-KID" $((r * 3))
	done
	agree "$name: SNID 00202 listed: no K_E2M_enc on either side" 20 --snid 00202 &&
		tap_check "$name: ... and the HSS withheld it" grep -q "K_E2M_enc (A-D): *(none" "$work/hss"
	stop_card
done

# A stale SQN: AUTS, resynchronised through e2msim-auc.
profile milenage 16 opc 16 >"$work/p.json"
start_card
agree "resync: a first agreement at SEQ 50" 50
"$auc" --profile "$work/p.json" --seq 40 --eid "$eid" >"$work/hss"
"$auth" --pin 1234 --context e2m --eid "$eid" --rand "$(field RAND: <"$work/hss")" \
	--autn "$(field AUTN: <"$work/hss")" >"$work/dev"
tap_check "resync: SEQ 40 after 50 answered with AUTS (exit 3)" [ $? -eq 3 ]
"$auc" --profile "$work/p.json" --rand "$(field RAND: <"$work/hss")" \
	--auts "$(field auts <"$work/dev")" >"$work/ms"
seq_ms=$(field SEQ_MS: <"$work/ms")
tap_check "resync: e2msim-auc verifies the AUTS: SEQ_MS $seq_ms" [ "$seq_ms" = 50 ]
agree "resync: the HSS's next SEQ is accepted" $((seq_ms + 1))
stop_card

# --sqn-dump shows the card's SQN array; --sqn-reset puts it back.
card="$top_builddir/usim/e2msim-card --profile $work/p.json --state $work/state"
$card --sqn-dump >"$work/dump" 2>/dev/null
tap_check "--sqn-dump: IND 0 holds SEQ $((seq_ms + 1))" \
	grep -Eq "IND +0 +SEQ +$((seq_ms + 1)) " "$work/dump"
$card --sqn-reset >/dev/null 2>&1 && $card --sqn-dump >"$work/dump" 2>/dev/null
tap_check "--sqn-reset: IND 0 back to SEQ 0" grep -Eq "IND +0 +SEQ +0 " "$work/dump"
"$top_builddir/usim/e2msim-card" --profile "$work/p.json" --state "$work/state" >"$work/card.log" 2>&1 &
card_pid=$!
"$top_builddir/tests/pcsc-wait" 0 present 10
agree "--sqn-reset: SEQ 50 is fresh again" 50
stop_card

# Keys in the card's log: hidden at -vv, shown with --log-keys.
start_card -vv
agree "log: an agreement with the card at -vv" 60
int=$(awk '$1 == "K_E2M_int" && $2 == "(A-D):" { print $3 }' "$work/hss")
tap_check "log: -vv shows no K_E2M_int" bash -c "! grep -qi '$int' '$work/card.log'"
tap_check "log: -vv says the key is hidden" grep -q "K_E2M_int: <hidden" "$work/card.log"
stop_card
start_card -vv --log-keys
agree "log: an agreement with the card at -vv --log-keys" 61
int=$(awk '$1 == "K_E2M_int" && $2 == "(A-D):" { print $3 }' "$work/hss")
tap_check "log: --log-keys shows K_E2M_int" grep -qi "$int" "$work/card.log"
stop_card
rm -rf "$work"
tap_done
