#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# EDP end to end (doc/e2m-profile.md 5 and 7): the HSS (e2msim-auc --hss)
# pushes the keyset of an AV to the HSE's store (e2msim-keyd, variant A and
# E); the device runs AUTHENTICATE in the E2M context on the card through
# pcscd (e2msim-card; variant E through the bridge library for a card
# without E2M) and sends its reading with EDP over UDP on loopback
# (e2msim-auth --edp-send); the HSE (e2msim-hse --edp-listen --keyd) fetches
# the keyset named by the first message and prints the reading; a downlink
# (--send) comes back to the device as DOWNLINK. The HSE keeps the keyset
# it fetched across a kill -9. ALG '11' (AES-CTR, HMAC) and '22' (AES-CCM,
# CMAC). Private pcscd and network namespace (pcsc-test.sh).
. "$(dirname "$0")/../helpers/pcsc-test.sh"

b="$top_builddir"
work=$(mktemp -d)
pki="$work/pki"
eid=hse.example.org
keyd_pid= hse_pid= card_pid=
cleanup() {
	local p
	for p in $hse_pid $keyd_pid $card_pid; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

for prog in tools/e2msim-keyd tools/e2msim-hse tools/e2msim-auc tools/e2msim-auth usim/e2msim-card; do
	[ -x "$b/$prog" ] || { tap_fail "$prog is built"; tap_done; exit; }
done

field() { awk -v k="$1" '$1 == k { print $NF; exit }'; }
hexof() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
show() { local f; for f in "$@"; do echo "# $f:"; sed 's/^/#   /' "$work/$f"; done; }
up() { printf '{"kid":"%s","sid":"%s","dir":"up","count":%s,"payload_hex":"%s"}' "$1" "$2" "$3" "$(hexof "$4")"; }
lines() {
	for _ in $(seq 1 100); do
		[ "$(wc -l <"$work/hse.out")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
last() { tail -1 "$work/hse.out"; }
hse_tls=(--cert "$pki/$eid.pem" --key "$pki/$eid.key" --ca "$pki/ca.pem")
hse_start() {
	local n
	n=$(grep -c 'EDP listening' "$work/hse.err" 2>/dev/null)
	"$b/tools/e2msim-hse" --edp-listen 127.0.0.1 --state "$work/hse.db" --keyd https://127.0.0.1:7441 \
		"${hse_tls[@]}" --control "$work/ctl" -v >>"$work/hse.out" 2>>"$work/hse.err" &
	hse_pid=$!
	for _ in $(seq 1 100); do
		[ "$(grep -c 'EDP listening' "$work/hse.err")" -gt "${n:-0}" ] && return 0
		kill -0 "$hse_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
status() { "$b/tools/e2msim-hse" --status --control "$work/ctl" | jq -c "$1"; }

# ---- the HSE's store (variant A and E), the HSS, the cards, the HSE ----
# e2m_hse_store_json, e2m_hss_tls_json of tools/lib.sh
. "$top_srcdir/tools/lib.sh"
bash "$top_srcdir/tools/keyd-certs.sh" "$pki" >"$work/certs.log" 2>&1
e2m_hse_store_json "$pki" "$work/hse-store.db" '"default_lifetime": 600' >"$work/hse-store.json"
cat >"$work/hss.json" <<EOF
{ $(e2m_hss_tls_json "$pki"),
  "delivery": { "A": "https://127.0.0.1:7441", "E": "https://127.0.0.1:7441" } }
EOF
"$b/tools/e2msim-keyd" --config "$work/hse-store.json" >"$work/keyd.log" 2>&1 &
keyd_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/keyd.log" && break; sleep 0.1; done
tap_check "e2msim-keyd serves the HSE's store" grep -q "hse-store listening on 127.0.0.1:7441" "$work/keyd.log"

cat >"$work/plain.json" <<EOF
{ "iccid": "8900101000000000072", "imsi": "001010000000072",
  "ki": "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')",
  "opc": "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" }
EOF
card_start "$top_srcdir/tests/profiles/e2m.json" --profile "$work/plain.json" --repersonalize
tap_check "the cards are in readers 0 (E2M) and 1 (no E2M)" "$b/tests/pcsc-wait" 1 present 10
hse_start
tap_check "the HSE listens on UDP 127.0.0.1:5729 (no keyset yet)" \
	grep -q 'EDP listening on 127.0.0.1:5729, 0 keyset(s) held' "$work/hse.err"

# agree READER PROFILE SEQ VARIANT STATE TEXT [OPTIONS]: the HSS's AV, its
# keyset pushed, AKA on the card, and the reading sent over EDP; the
# device's output in $work/dev, the HSS's in $work/hss
agree() {
	local reader=$1 profile=$2 seq=$3 variant=$4 state=$5 text=$6; shift 6
	"$b/tools/e2msim-auc" --profile "$profile" --seq "$seq" --eid "$eid" --hss "$work/hss.json" \
		--variant "$variant" "$@" >"$work/hss" 2>"$work/hss.err"
	"$b/tools/e2msim-auth" --reader "$reader" --pin 1234 --context e2m --eid "$eid" "$@" \
		--rand "$(field RAND: <"$work/hss")" --autn "$(field AUTN: <"$work/hss")" \
		--edp-state "$work/$state" --edp-send 127.0.0.1 --edp-wait 100 "$text" \
		>"$work/dev" 2>"$work/dev.err"
}

# ---- variant A: the card's E2M keys ----
agree 0 "$top_srcdir/tests/profiles/e2m.json" 1 A devA.json "meter 0042: 17.3 m3"
rc=$?
kid=$(field E2M-KID: <"$work/hss")
sid=$(field edp_sid <"$work/dev")
lines 1
tap_check "A: the device agreed with the HSS (same E2M-KID) and sent its reading (exit 0)" \
	bash -c "[ $rc -eq 0 ] && [ '$(field e2m_kid <"$work/dev")' = '$kid' ] && grep -q '^UPLINK: 0 50' '$work/dev'" ||
	show hss.err dev dev.err
tap_check "A: the HSE fetched the keyset its E2M-KID names and printed the reading" \
	[ "$(last)" = "$(up "$kid" "$sid" 0 "meter 0042: 17.3 m3")" ] || show hse.out hse.err
tap_check "A: --status: 1 accepted, 1 fetched, 1 keyset held" \
	[ "$(status '[.accepted, .fetched, .keysets]')" = "[1,1,1]" ]
"$b/tools/e2msim-hse" --keyd https://127.0.0.1:7441 "${hse_tls[@]}" --kid "$kid" >/dev/null 2>"$work/fetch.err"
rc=$?
tap_check "A: the key service no longer has it (404): the HSE holds it now" \
	bash -c "[ $rc -eq 1 ] && grep -q 'refused: 404 ' '$work/fetch.err'" || show fetch.err

# a downlink while the device waits for one
"$b/tools/e2msim-auth" --edp-state "$work/devA.json" --edp-send 127.0.0.1 --edp-wait 5000 "reading 2" \
	>"$work/dev2" 2>"$work/dev2.err" &
dev_pid=$!
lines 2
"$b/tools/e2msim-hse" --send "$sid" "interval 3600" --control "$work/ctl" >"$work/send.out"
wait "$dev_pid"
rc=$?
tap_check "A: the HSE's downlink reaches the device: DOWNLINK: interval 3600" \
	bash -c "[ $rc -eq 0 ] && grep -qx 'DOWNLINK: interval 3600' '$work/dev2'" || show dev2 dev2.err send.out
tap_check "A: ... after its reading 2 (COUNT 1), printed as a \"down\" line" \
	bash -c "tail -2 '$work/hse.out' | jq -r '\"\(.dir) \(.count)\"' | tr '\n' ' ' | grep -qx 'up 1 down 0 '"

# the HSE killed: it still holds the keyset the key service handed out
kill -KILL "$hse_pid"; wait "$hse_pid" 2>/dev/null
hse_start
"$b/tools/e2msim-auth" --edp-state "$work/devA.json" --edp-send 127.0.0.1 --edp-wait 100 "reading 3" \
	>"$work/dev3" 2>&1
lines 4
tap_check "A: after kill -9 and a restart the HSE still holds the keyset (kept in --state): reading 3 accepted, nothing fetched" \
	bash -c "[ '$(last)' = '$(up "$kid" "$sid" 2 "reading 3")' ] && \
		[ \"\$('$b/tools/e2msim-hse' --status --control '$work/ctl' | jq -c '[.accepted, .fetched]')\" = '[1,0]' ]" ||
	show dev3 hse.err

# ---- ALG '22': AES-CCM and AES-CMAC ----
agree 0 "$top_srcdir/tests/profiles/e2m.json" 2 A dev22.json "ccm reading" --alg 22
rc=$?
lines 5
tap_check "A, ALG '22': accepted and printed" \
	[ "$rc" -eq 0 -a "$(last)" = "$(up "$(field E2M-KID: <"$work/hss")" "$(field edp_sid <"$work/dev")" 0 "ccm reading")" ] ||
	show dev dev.err hse.err

# ---- variant E: a card without E2M, the keys derived in the ME ----
agree 1 "$work/plain.json" 1 E devE.json "variant E reading"
rc=$?
lines 6
tap_check "E: the device derived the keys in the ME (a card without E2M)" grep -q '^variant *E (ME)' "$work/dev"
tap_check "E: the HSE fetched the variant E keyset and printed the reading" \
	[ "$rc" -eq 0 -a "$(last)" = "$(up "$(field E2M-KID: <"$work/hss")" "$(field edp_sid <"$work/dev")" 0 "variant E reading")" ] ||
	show dev dev.err hse.err
tap_check "--status: 3 keysets held, nothing dropped" \
	[ "$(status '[.keysets, ([.dropped[]] | add)]')" = "[3,0]" ]

# ---- no key in any log ----
int=$(field k_e2m_int <"$work/dev")
tap_check "no key in the HSE's output or log, or the key service's log" \
	bash -c "[ -n '$int' ] && ! grep -qi '$int' '$work/hse.out' '$work/hse.err' '$work/keyd.log'"
kill -TERM "$hse_pid"; wait "$hse_pid"
tap_check "the HSE stops on SIGTERM (exit 0)" [ $? -eq 0 ]
hse_pid=
card_stop
tap_check "the card stops on SIGTERM" [ $? -eq 0 ]
card_pid=
tap_done
