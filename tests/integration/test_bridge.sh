#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ME bridge through real pcscd + vpcd: e2msim-card on vpcd slot 0,
# e2msim-bridge on slot 1 relaying to slot 0's reader (or to a test modem on
# a pseudo-terminal, AT+CSIM). Through slot 1: variant E keys equal to
# e2msim-auc's for a card without E2M, the card's own keys for a card with
# E2M; every APDU script answers byte for byte as on the card; removal and
# re-insertion of the card are seen; a silent modem is a clear error.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

b="$top_builddir"
work=$(mktemp -d)
eid=hse.example.org
wait_card() { "$b/tests/pcsc-wait" "$@"; }
field() { awk -v k="$1" '$1 == k { print $NF; exit }'; }

start_card() { card_start "$top_srcdir/tests/profiles/$1" --repersonalize; }	# PROFILE
stop_card() { card_stop; }
start_bridge() {	# BACKEND-OPTIONS...
	"$b/bridge/e2msim-bridge" --vpcd 127.0.0.1:35964 -v "$@" >>"$work/bridge.log" 2>&1 &
	bridge_pid=$!
	wait_card 1 present 10
}
stop_bridge() {
	kill -TERM "$bridge_pid"; wait "$bridge_pid"; local rc=$?
	wait_card 1 absent 10
	return $rc
}

# e2m READER PROFILE SEQ: HSS and device (through READER) for one agreement;
# prints "same" when e2msim-auth's keys equal the HSS keyset named by KIND.
e2m() { e2m_args "" "$@"; }
e2m_args() {	# AUTH-OPTIONS READER PROFILE SEQ KIND(A-D|E)
	local opts=$1; shift
	"$b/tools/e2msim-auc" --profile "$top_srcdir/tests/profiles/$2" --seq "$3" --eid "$eid" >"$work/hss"
	# shellcheck disable=SC2086
	"$b/tools/e2msim-auth" --reader "$1" --pin 1234 --context e2m --eid "$eid" $opts \
		--rand "$(field RAND: <"$work/hss")" --autn "$(field AUTN: <"$work/hss")" >"$work/dev" || return 1
	local int enc
	int=$(awk -v k="($4):" '$1 == "K_E2M_int" && $2 == k { print $3 }' "$work/hss")
	enc=$(awk -v k="($4):" '$1 == "K_E2M_enc" && $2 == k { print $3 }' "$work/hss")
	[ -n "$int" ] && [ "$(field k_e2m_int <"$work/dev")" = "$int" ] &&
		[ "$(field k_e2m_enc <"$work/dev")" = "$enc" ] &&
		[ "$(field res <"$work/dev")" = "$(field XRES: <"$work/hss")" ]
}

# --- PC/SC backend, a card without E2M ---
start_card script.json
start_bridge --reader "Virtual PCD 00 00"
for seq in 1 2 3; do
	tap_check "card without E2M, through the bridge: variant E keys equal the HSS's (SEQ $seq)" \
		e2m 1 script.json "$seq" E
done
tap_check "... and the card itself answers the E2M context with '6A86' (e2msim-auth --no-fallback)" \
	bash -c "'$b/tools/e2msim-auth' --reader 0 --pin 1234 --context e2m --eid $eid --no-fallback \
		--rand $(field RAND: <"$work/hss") --autn $(field AUTN: <"$work/hss") >/dev/null 2>&1; [ \$? -eq 5 ]"
tap_check "e2msim-auth on the card directly: the bridge library derives variant E" \
	e2m 0 script.json 4 E
tap_check "the bridge said it derives in the ME" grep -q "variant E in the ME" "$work/bridge.log"
tap_check "the bridge shows the card's ATR" \
	bash -c "'$b/tools/e2msim-apdu' --reader 1 --atr 00A4000C022FE2 | grep -q '^ATR: 3b9e96801fc78031e073fe211b5645324d53494d8d'"

# removal and re-insertion of the card, seen through the bridge's reader
kill -KILL "$card_pid"; wait "$card_pid" 2>/dev/null
tap_check "the card removed: the bridge's reader shows it removed" wait_card 1 absent 10
start_card script.json
tap_check "the card back: the bridge's reader shows it present" wait_card 1 present 10

# every APDU script, byte for byte as on the card (the E2M-less card's own
# '6A86' answers are the bridge's to replace: those scripts are left out)
for script in "$top_srcdir"/tests/scripts/*.apdu; do
	case "$(basename "$script")" in auth.apdu|e2m-off.apdu) continue ;; esac
	stop_card
	wait_card 1 absent 10
	card_start "$(script_profile "$script")" --repersonalize
	wait_card 1 present 10
	tap_relay "through the bridge: $(basename "$script")" < <("$b/tests/apdu-script" --reader 1 "$script")
done
stop_bridge
tap_check "the bridge exits cleanly on SIGTERM" [ $? -eq 0 ]

# --- an E2M card behind the bridge: its own context is used ---
stop_card
start_card e2m.json

# shape READER SEQ LE: E2M AUTHENTICATE with Le LE ("" for none) and then
# GET RESPONSE, sent raw (no automatic GET RESPONSE): per answer its status
# word and how many data octets came with it (the keys differ, the T=0
# shaping of apdu/t0.c must not)
shape() {
	local hss rand autn eidhex data
	hss=$("$b/tools/e2msim-auc" --profile "$top_srcdir/tests/profiles/e2m.json" --seq "$2" --eid "$eid")
	rand=$(field RAND: <<<"$hss"); autn=$(field AUTN: <<<"$hss")
	eidhex=$(printf %s "$eid" | od -An -tx1 | tr -d ' \n')
	data="10${rand}10${autn}$(printf %02x ${#eid})${eidhex}00"
	"$b/tools/e2msim-apdu" --reader "$1" --raw 00A4040407A0000000871002 002000010831323334FFFFFFFF \
		"00880083$(printf %02x $((${#data} / 2)))${data}$3" 00C0000000 |
		tail -2 | awk '{ if ($2 ~ /^\(/) print 0, $1; else print length($1) / 2, $2 }' | tr '\n' ' '
}
start_bridge --reader 0
tap_check "E2M card through the bridge: the card's own keys (variants A-D)" e2m 1 e2m.json 7 A-D
tap_check "the bridge said it uses the card's context" grep -q "card has an E2M context" "$work/bridge.log"
stop_bridge
start_bridge --reader 0 --variant-e
tap_check "--variant-e: the ME derivation even for an E2M card" e2m 1 e2m.json 8 E
seq=10	# SEQs 11-13 through the bridge, then 21-23 on the card
for le in "" 10 FF; do
	shape 1 $((seq += 1)) "$le" >"$work/shape-bridge-$le"
done
stop_bridge
tap_check "e2msim-auth --variant-e on the E2M card directly: variant E" \
	e2m_args "--variant-e" 0 e2m.json 20 E
seq=20
for le in "" 10 FF; do
	shape 0 $((seq += 1)) "$le" >"$work/shape-card-$le"
	tap_check "Le '${le:-none}': the bridge's own E2M answer is shaped as the card's ($(cat "$work/shape-card-$le"))" \
		cmp -s "$work/shape-bridge-$le" "$work/shape-card-$le"
done
tap_check "... and with Le shorter than the data: Le octets and '61xx', as on the card" \
	grep -q '^16 61' "$work/shape-card-10"
stop_card

if [ -x "$b/tests/fake-modem" ]; then
	. "$top_srcdir/tests/integration/test_bridge_modem.inc"
fi
rm -rf "$work"
tap_done
