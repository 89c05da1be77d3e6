#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The GSUP proxy (e2msim-gsup-proxy, gsup/) between an MSC/SGSN and a real
# osmo-hlr: osmo-hlr with its own configuration and database, provisioned
# from card profiles by e2msim-hlr-provision through its VTY; tests/gsup-client
# (osmo-hlr's libosmo-gsup-client) plays the MSC and the SGSN. The AVs
# osmo-hlr makes reach the card (e2msim-card through pcscd) and are accepted;
# the proxy delivers their E2M keysets to a key service (e2msim-keyd,
# hse-store) and the HSE (e2msim-hse) holds the device's keys, variants A
# and E. Resynchronisation through the proxy, osmo-hlr restarted under it,
# malformed GSUP from a client, subscribers without E2M and osmo-hlr's
# errors passed through.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

b="$top_builddir"
work=$(mktemp -d)
pki="$work/pki"
eid=hse.example.org
hse_store=https://127.0.0.1:7441
hlr_gsup=127.0.0.1:4222
hlr_vty=127.0.0.1:4258
proxy_a=127.0.0.1:4300	# variant A: keysets from K (the card profile)
proxy_e=127.0.0.1:4301	# variant E: keysets from CK || IK (HSS file entry)
imsi_e2m=001010000000071 imsi_plain=001010000000072 imsi_none=001010000000073
msc=MSC-00-00-00-00-00-71 sgsn=SGSN-00-00-00-00-00-72
pids=()
field() { awk -v k="$1" '$1 == k { print $NF; exit }'; }
# av N FIELD: a field of AV N in gsup-client's output
av() { awk -v n="$1" -v k="$2" '$1 == "AV" && $2 == n { for (i = 3; i < NF; i++) if ($i == k) print $(i + 1) }'; }
export -f field av	# for the checks run by bash -c
ck() {
	local desc=$1; shift
	if "$@"; then tap_ok "$desc"; else tap_fail "$desc"; return 1; fi
}
show() { local f; for f in "$@"; do echo "# $f:"; tail -n 30 "$work/$f" | sed 's/^/#   /'; done; }
cleanup() {
	local p
	for p in "${pids[@]}" ${hlr_pid:-} ${card_pid:-}; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

if ! command -v osmo-hlr >/dev/null; then
	tap_skip "osmo-hlr is not installed (Debian package osmo-hlr; tools/check.sh installs it)"
	tap_done; exit
fi
for prog in tools/e2msim-gsup-proxy tools/e2msim-keyd tools/e2msim-hse tools/e2msim-auth \
	    usim/e2msim-card tests/gsup-client; do
	[ -x "$b/$prog" ] || { tap_fail "$prog is built"; tap_done; exit; }
done
provision="$top_srcdir/tools/e2msim-hlr-provision"

# wait_log FILE PATTERN [PID]: until FILE holds PATTERN (10 s)
wait_log() {
	for _ in $(seq 1 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		[ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && break
		sleep 0.1
	done
	return 1
}

# ---- osmo-hlr: its own configuration and database ----

# e2m_osmo_hlr_start of tools/lib.sh
. "$top_srcdir/tools/lib.sh"
start_hlr() {
	local rc=0
	e2m_osmo_hlr_start "$work" || rc=1
	hlr_pid=$e2m_osmo_hlr_pid
	return $rc
}
ck "osmo-hlr is up (VTY $hlr_vty, GSUP $hlr_gsup)" start_hlr || show hlr.log

# ---- the cards: reader 0 with E2M (variant A), reader 1 without (variant E) ----

rhex() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
mkdir -p "$work/profiles"
cat >"$work/profiles/e2m.json" <<EOF
{ "iccid": "8900101000000000071", "imsi": "$imsi_e2m", "msisdn": "+1555000071",
  "ki": "$(rhex)", "opc": "$(rhex)", "e2m": { "eids": ["$eid"] } }
EOF
cat >"$work/plain.json" <<EOF
{ "iccid": "8900101000000000072", "imsi": "$imsi_plain", "ki": "$(rhex)", "op": "$(rhex)" }
EOF
cat >"$work/none.json" <<EOF
{ "iccid": "8900101000000000073", "imsi": "$imsi_none", "ki": "$(rhex)", "opc": "$(rhex)" }
EOF
"$b/usim/e2msim-card" --profile "$work/profiles/e2m.json" --profile "$work/plain.json" \
	--state "$work/state" --repersonalize >"$work/card.log" 2>&1 &
card_pid=$!
ck "the cards are in readers 0 (E2M) and 1 (no E2M)" \
	bash -c "'$b/tests/pcsc-wait' 0 present 10 && '$b/tests/pcsc-wait' 1 present 10"

# ---- provisioning from the card profiles (e2msim-hlr-provision) ----

"$provision" --vty "$hlr_vty" "$work/profiles/e2m.json" "$work/plain.json" "$work/none.json" \
	>"$work/prov.out" 2>&1
ck "e2msim-hlr-provision: three subscribers created" \
	[ "$(grep -c ': created (' "$work/prov.out")" = 3 ] || show prov.out
"$provision" --vty "$hlr_vty" "$work/profiles/e2m.json" "$work/plain.json" "$work/none.json" \
	>"$work/prov.out" 2>&1
rc=$?
ck "e2msim-hlr-provision again: idempotent (exit 0, three updated)" \
	bash -c "[ $rc -eq 0 ] && [ \"\$(grep -c ': updated (' '$work/prov.out')\" = 3 ]" || show prov.out
"$provision" --vty "$hlr_vty" --from-hlr "$imsi_e2m" >"$work/from.json" 2>&1
ck "--from-hlr: the skeleton has the profile's K, OPc and MSISDN" \
	bash -c "[ \"\$(jq -r '.ki + .opc + .msisdn' '$work/from.json')\" = \
		\"\$(jq -r '.ki + .opc + (.msisdn | ltrimstr(\"+\"))' '$work/profiles/e2m.json')\" ]" ||
	show from.json
echo '{ "imsi": "001010000000074", "ki": "00112233445566778899aabbccddeeff", "opc": "00112233445566778899aabbccddeeff", "algorithm": "tuak" }' >"$work/tuak.json"
"$provision" --vty "$hlr_vty" "$work/tuak.json" >"$work/prov.out" 2>&1
rc=$?
ck "e2msim-hlr-provision: an algorithm osmo-hlr does not take is refused (exit 2, named)" \
	bash -c "[ $rc -eq 2 ] && grep -q \"algorithm 'tuak'\" '$work/prov.out'" || show prov.out

# ---- the key service and the proxies ----

bash "$top_srcdir/tools/keyd-certs.sh" "$pki" >"$work/certs.log" 2>&1
e2m_hse_store_json "$pki" "$work/hse-store.db" '"default_lifetime": 600' >"$work/hse-store.json"
"$b/tools/e2msim-keyd" --config "$work/hse-store.json" >"$work/keyd.log" 2>&1 &
pids+=($!)
ck "e2msim-keyd hse-store is listening" wait_log "$work/keyd.log" "listening on 127.0.0.1:" "${pids[-1]}" ||
	show keyd.log
tls=$(e2m_hss_tls_json "$pki")
cat >"$work/hss.json" <<EOF
{ $tls, "delivery": { "A": "$hse_store", "E": "$hse_store" }, "variant": "A",
  "subscribers": { "$imsi_plain": { "eid": "$eid" } } }
EOF
start_proxy() {	# NAME LISTEN OPTIONS...
	local name=$1 listen=$2; shift 2
	"$b/tools/e2msim-gsup-proxy" --listen "$listen" --hlr "$hlr_gsup" "$@" -v \
		>"$work/$name.log" 2>&1 &
	pids+=($!)
	wait_log "$work/$name.log" "listening on $listen" "${pids[-1]}"
}
ck "proxy A listens (--profiles, variant A from the HSS file)" \
	start_proxy proxy-a "$proxy_a" --hss "$work/hss.json" --profiles "$work/profiles" || show proxy-a.log
proxy_a_pid=${pids[-1]}
ck "... its banner: 2 subscribers with E2M (a profile, an HSS entry), variant A" \
	grep -q '2 subscribers with E2M, variant A' "$work/proxy-a.log" || show proxy-a.log
ck "proxy E listens (--variant E, the HSS file's subscriber)" \
	start_proxy proxy-e "$proxy_e" --hss "$work/hss.json" --variant E || show proxy-e.log

client() {	# OUT SERVER NAME [--ps] CMD...
	local out=$1 server=$2 name=$3; shift 3
	"$b/tests/gsup-client" --server "$server" --name "$name" "$@" >"$work/$out" 2>"$work/$out.err"
}
# device READER CONTEXT RAND AUTN [OPTIONS]: AKA on the card, output in $work/dev
device() {
	local r=$1 ctx=$2 rand=$3 autn=$4; shift 4
	"$b/tools/e2msim-auth" --reader "$r" --pin 1234 --context "$ctx" --rand "$rand" --autn "$autn" \
		"$@" >"$work/dev" 2>"$work/dev.err"
}
endpoint() {	# KID OPTIONS...
	local kid=$1; shift
	"$b/tools/e2msim-hse" --keyd "$hse_store" --cert "$pki/$eid.pem" --key "$pki/$eid.key" \
		--ca "$pki/ca.pem" --kid "$kid" "$@" >"$work/hse" 2>"$work/hse.err"
}

# ---- variant A: the MSC through the proxy, the card, the HSE ----

client sai.a "$proxy_a" "$msc" sai "$imsi_e2m"
rc=$?
ck "MSC via the proxy: SendAuthInfo for the E2M subscriber: 5 AVs (exit 0)" \
	bash -c "[ $rc -eq 0 ] && [ \"\$(grep -c '^AV ' '$work/sai.a')\" = 5 ]" || show sai.a sai.a.err proxy-a.log
ck "the proxy delivered 5 of 5 keysets (variant A) before relaying the result" \
	grep -q "IMSI $imsi_e2m: variant A: 5 of 5 keysets stored" "$work/proxy-a.log" || show proxy-a.log
device 0 e2m "$(av 0 RAND <"$work/sai.a")" "$(av 0 AUTN <"$work/sai.a")" --eid "$eid" --protect "reading A"
rc=$?
ck "AV 0 in the card's E2M context: accepted (exit 0), RES = the HLR's XRES" \
	bash -c "[ $rc -eq 0 ] && [ \"\$(field res <'$work/dev')\" = \"\$(av 0 XRES <'$work/sai.a')\" ]" ||
	show dev dev.err
kid=$(field e2m_kid <"$work/dev")
endpoint "$kid" --verify "$(field MESSAGE: <"$work/dev")"
ck "A: the HSE fetched the keyset the proxy delivered for $kid" \
	[ "$(field KID: <"$work/hse")" = "$kid" -a -n "$kid" ] || show hse hse.err
ck "A: HSE and device hold the same K_E2M_int and K_E2M_enc (derivation usim)" \
	bash -c "[ \"\$(field K_E2M_int: <'$work/hse')\" = \"\$(field k_e2m_int <'$work/dev')\" ] &&
		 [ \"\$(field K_E2M_enc: <'$work/hse')\" = \"\$(field k_e2m_enc <'$work/dev')\" ] &&
		 [ \"\$(field derivation: <'$work/hse')\" = usim ]" || show hse dev
ck "A: the HSE accepts the device's message (MAC ok)" grep -q '^MAC ok' "$work/hse" || show hse
device 0 3g "$(av 1 RAND <"$work/sai.a")" "$(av 1 AUTN <"$work/sai.a")"
rc=$?
ck "AV 1 in the 3G context: accepted, RES = XRES" \
	bash -c "[ $rc -eq 0 ] && [ \"\$(field res <'$work/dev')\" = \"\$(av 1 XRES <'$work/sai.a')\" ]" ||
	show dev dev.err

# ---- the SGSN through the same proxy: its own HLR connection ----

client sai.sgsn "$proxy_a" "$sgsn" --ps sai "$imsi_e2m"
ck "SGSN via the proxy (PS domain): 5 AVs" \
	[ "$(grep -c '^AV ' "$work/sai.sgsn")" = 5 ] || show sai.sgsn sai.sgsn.err
device 0 3g "$(av 0 RAND <"$work/sai.sgsn")" "$(av 0 AUTN <"$work/sai.sgsn")"
ck "the SGSN's AV 0 (its own IND slot) is accepted by the card" [ $? -eq 0 ] || show dev dev.err

# ---- variant E: a card without E2M, keys from CK || IK ----

client sai.e "$proxy_e" "$msc" sai "$imsi_plain"
ck "proxy E: 5 AVs for the HSS file's subscriber, 5 keysets stored (variant E)" \
	bash -c "[ \"\$(grep -c '^AV ' '$work/sai.e')\" = 5 ] &&
		 grep -q 'IMSI $imsi_plain: variant E: 5 of 5 keysets stored' '$work/proxy-e.log'" ||
	show sai.e proxy-e.log
device 1 e2m "$(av 2 RAND <"$work/sai.e")" "$(av 2 AUTN <"$work/sai.e")" --eid "$eid" --variant-e \
	--protect "reading E"
ck "E: AV 2 accepted, keys derived in the ME" [ $? -eq 0 ] || show dev dev.err
kid=$(field e2m_kid <"$work/dev")
endpoint "$kid" --verify "$(field MESSAGE: <"$work/dev")"
ck "E: HSE and device hold the same keys (derivation me), MAC ok" \
	bash -c "[ -n '$kid' ] && [ \"\$(field K_E2M_int: <'$work/hse')\" = \"\$(field k_e2m_int <'$work/dev')\" ] &&
		 [ \"\$(field K_E2M_enc: <'$work/hse')\" = \"\$(field k_e2m_enc <'$work/dev')\" ] &&
		 [ \"\$(field derivation: <'$work/hse')\" = me ] && grep -q '^MAC ok' '$work/hse'" ||
	show hse hse.err dev

# ---- pass-through: no E2M, errors ----

client sai.none "$proxy_a" "$msc" sai "$imsi_none"
ck "a subscriber without E2M: 5 AVs relayed, no delivery" \
	bash -c "[ \"\$(grep -c '^AV ' '$work/sai.none')\" = 5 ] && ! grep -q 'IMSI $imsi_none: variant' '$work/proxy-a.log'" ||
	show sai.none proxy-a.log
client sai.unknown "$proxy_a" "$msc" sai 001010000000099
rc=$?
ck "an unknown IMSI: osmo-hlr's error passes through (exit 1, ERROR cause)" \
	bash -c "[ $rc -eq 1 ] && grep -q '^ERROR cause' '$work/sai.unknown'" || show sai.unknown

# ---- order: results held for their keysets keep their place ----

client sai.burst "$proxy_a" "$msc" burst "$imsi_e2m,$imsi_none,$imsi_none,$imsi_e2m,$imsi_none"
ck "a burst of 5 requests (E2M and not): 5 results in the order asked, 25 AVs" \
	bash -c "[ \"\$(sed -n 's/^RESULT //p' '$work/sai.burst' | tr '\n' ,)\" = '$imsi_e2m,$imsi_none,$imsi_none,$imsi_e2m,$imsi_none,' ] &&
		 [ \"\$(grep -c '^AV ' '$work/sai.burst')\" = 25 ]" || show sai.burst sai.burst.err proxy-a.log

# ---- resynchronisation through the proxy ----

device 0 3g "$(av 0 RAND <"$work/sai.a")" "$(av 0 AUTN <"$work/sai.a")"
rc=$?
auts=$(field auts <"$work/dev")
ck "a replayed AUTN: synchronisation failure (exit 3), AUTS" bash -c "[ $rc -eq 3 ] && [ -n '$auts' ]" ||
	show dev dev.err
client sai.resync "$proxy_a" "$msc" auts "$imsi_e2m" "$(av 0 RAND <"$work/sai.a")" "$auts"
ck "SendAuthInfo with AUTS and RAND via the proxy: fresh AVs" \
	[ "$(grep -c '^AV ' "$work/sai.resync")" -ge 1 ] || show sai.resync sai.resync.err
device 0 3g "$(av 0 RAND <"$work/sai.resync")" "$(av 0 AUTN <"$work/sai.resync")"
ck "... the card accepts the fresh AV after the resync" [ $? -eq 0 ] || show dev dev.err hlr.log

# ---- malformed GSUP from a client ----

# IPA: length, stream OSMO (EE), extension GSUP (05); SendAuthInfo Request
# (08) with an IMSI IE (01) that claims 8 octets and has 2
{
	exec 5<>/dev/tcp/127.0.0.1/4300
	printf '\x00\x06\xee\x05\x08\x01\x08\x00\x01' >&5
	sleep 0.5
	exec 5<&-
} 2>/dev/null
ck "malformed GSUP from a client: dropped and logged" \
	wait_log "$work/proxy-a.log" "dropped malformed GSUP" || show proxy-a.log
client sai.after "$proxy_a" "$msc" sai "$imsi_none"
ck "... the proxy keeps serving the others (5 AVs)" \
	bash -c "kill -0 $proxy_a_pid && [ \"\$(grep -c '^AV ' '$work/sai.after')\" = 5 ]" ||
	show sai.after proxy-a.log

# ---- osmo-hlr restarted under the proxy ----

"$b/tests/gsup-client" --server "$proxy_a" --name "$msc" --timeout 15 \
	sai "$imsi_none" pause "$work/go" sai "$imsi_none" >"$work/sai.restart" 2>&1 &
cpid=$!
wait_log "$work/sai.restart" "^AV 4"
vty_conns=$( { exec 6<>/dev/tcp/127.0.0.1/4258; printf 'enable\nshow gsup-connections\n' >&6;
	sleep 0.5; timeout 1 cat <&6; } 2>/dev/null | tr -d '\r')
ck "osmo-hlr's show gsup-connections names the client ($msc) through the proxy" \
	grep -q "$msc" <<<"$vty_conns" || echo "$vty_conns" | sed 's/^/#   /'
kill -TERM "$hlr_pid"; wait "$hlr_pid" 2>/dev/null
sleep 1
start_hlr
touch "$work/go"
t0=$(date +%s)
wait "$cpid"
rc=$?
ck "osmo-hlr restarted: the connected client's next SendAuthInfo is answered (exit 0, $(( $(date +%s) - t0 )) s)" \
	bash -c "[ $rc -eq 0 ] && [ \"\$(grep -c '^AV ' '$work/sai.restart')\" = 10 ]" ||
	show sai.restart proxy-a.log
client sai.new "$proxy_a" "$msc" sai "$imsi_e2m"
ck "... and a new client is served too, keysets delivered" \
	bash -c "[ \"\$(grep -c '^AV ' '$work/sai.new')\" = 5 ] &&
		 [ \"\$(grep -c 'IMSI $imsi_e2m: variant A: 5 of 5 keysets stored' '$work/proxy-a.log')\" -ge 3 ]" ||
	show sai.new proxy-a.log

# ---- a real SGSN (Debian's osmo-sgsn) pointed at the proxy ----

if command -v osmo-sgsn >/dev/null; then
	cat >"$work/sgsn.cfg" <<EOF
log stderr
 logging color 0
 logging level all notice
line vty
 bind 127.0.0.1
sgsn
 gtp local-ip 127.0.0.1
 gtp state-dir $work
 gsup remote-ip 127.0.0.1
 gsup remote-port 4300
 auth-policy remote
EOF
	osmo-sgsn -c "$work/sgsn.cfg" >"$work/sgsn.log" 2>&1 &
	sgsn_pid=$!
	pids+=($sgsn_pid)
	wait_log "$work/proxy-a.log" "connected as SGSN-00-00-00-00-00-00"
	vty_conns=$( { exec 6<>/dev/tcp/127.0.0.1/4258; printf 'enable\nshow gsup-connections\n' >&6;
		sleep 0.5; timeout 1 cat <&6; } 2>/dev/null | tr -d '\r')
	ck "osmo-sgsn through the proxy: osmo-hlr's show gsup-connections lists 'SGSN-00-00-00-00-00-00'" \
		grep -q "'SGSN-00-00-00-00-00-00'" <<<"$vty_conns" ||
		{ echo "$vty_conns" | sed 's/^/#   /'; show sgsn.log proxy-a.log; }
	kill -TERM "$sgsn_pid"; wait "$sgsn_pid" 2>/dev/null
else
	tap_skip "osmo-sgsn is not installed"
fi

kill -TERM "$proxy_a_pid"; wait "$proxy_a_pid"
rc=$?
ck "the proxy stops on SIGTERM (exit 0, no sanitizer report)" \
	bash -c "[ $rc -eq 0 ] && ! grep -q 'Sanitizer' '$work/proxy-a.log'" || show proxy-a.log
tap_done
