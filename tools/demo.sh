#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job, end to end: installs what is missing, builds, starts a private
# pcscd with the vpcd driver and the e2msim card, and shows an E2M key
# agreement (TR 33.863 solution 1, doc/e2m-profile.md): the HSS makes an AV and the
# keyset it hands to the home network's security endpoint (HSE); the device
# runs AUTHENTICATE in the E2M context on the card through PC/SC; both hold
# the same K_E2M_int, K_E2M_enc and E2M-KID. Then variant A's delivery through
# a real key service: the HSS pushes the keyset to the HSE's store
# (e2msim-keyd, mutual TLS), the device sends its first protected message,
# the HSE (e2msim-hse) fetches the keyset by the message's E2M-KID and checks
# the MAC. Then EDP (doc/e2m-profile.md 7): the HSE serves UDP, the device
# sends a reading protected with EDP, the HSE prints it decrypted and sends
# an answer back down. Stops everything it started.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${E2M_PCSC_ENV_INSIDE:-}" != 1 ]; then
	e2m_install_deps
	e2m_build
	exec "$E2M_TOP/tools/pcsc-env.sh" -- "$0" "$@"
fi

b="$E2M_BUILD"
profile="$E2M_TOP/usim/profiles/example.json"
hse=hse.mnc001.mcc001.pub.3gppnetwork.org
pki="$b/demo-pki"
step() { printf '\n== %s\n' "$*"; }
field() { awk -v k="$1" '$1 == k { print $NF; exit }'; }

step "The card: e2msim-card with $(basename "$profile") on vpcd slot 0"
"$b/usim/e2msim-card" --profile "$profile" --state "$b/demo.state" --repersonalize &
"$b/tests/pcsc-wait" 0 present 10
"$b/tools/e2msim-apdu" --list
timeout 10 pcsc_scan -t 2 -n 2>/dev/null | grep -m1 "ATR:" || true

step "A PC/SC client reads the card: EF.ICCID, then the USIM's EF.IMSI after PIN1"
"$b/tools/e2msim-apdu" --reader 0 00A4000C022FE2 00B000000A 00A4040C07A0000000871002 \
	002000010831323334FFFFFFFF 00B0870009

step "HSS/AuC (e2msim-auc): an AV, and the keyset for the HSE $hse"
"$b/tools/e2msim-auc" --profile "$profile" --seq 1 --eid "$hse" | tee "$b/demo.hss"

step "Device (e2msim-auth): AUTHENTICATE in the E2M context on the card, through pcscd"
"$b/tools/e2msim-auth" --reader 0 --pin 1234 --context e2m --eid "$hse" \
	--rand "$(field RAND: <"$b/demo.hss")" --autn "$(field AUTN: <"$b/demo.hss")" | tee "$b/demo.dev"

step "Do they agree?"
pairs=("K_E2M_int:k_e2m_int" "K_E2M_enc:k_e2m_enc")
agree=1
for p in "${pairs[@]}"; do
	hss=$(awk -v k="${p%%:*}" '$1 == k && $2 == "(A-D):" { print $3 }' "$b/demo.hss")
	dev=$(field "${p##*:}" <"$b/demo.dev")
	printf '%-10s HSS %s  device %s  %s\n' "${p%%:*}" "$hss" "$dev" \
		"$([ "$hss" = "$dev" ] && echo same || echo DIFFERENT)"
	[ "$hss" = "$dev" ] || agree=0
done
hss=$(field E2M-KID: <"$b/demo.hss"); dev=$(field e2m_kid <"$b/demo.dev")
printf '%-10s HSS %s  device %s  %s\n' E2M-KID "$hss" "$dev" "$([ "$hss" = "$dev" ] && echo same || echo DIFFERENT)"
[ "$hss" = "$dev" ] || agree=0
[ "$(field XRES: <"$b/demo.hss")" = "$(field res <"$b/demo.dev")" ] || agree=0
if [ "$agree" = 1 ]; then
	echo "The HSS and the device hold the same E2M keys: the HSE can verify and decrypt"
	echo "what the device protects, end to middle."
else
	echo "MISMATCH between the HSS and the device" >&2
fi

step "Delivery, variant A: the key service e2msim-keyd as the HSE's store (HTTPS, mutual TLS)"
rm -rf "$pki" "$b/demo-hse-store.db"*
# the test PKI, with a client certificate naming the HSE by its EID
"$E2M_TOP/tools/keyd-certs.sh" "$pki" "$hse" >/dev/null
e2m_hse_store_json "$pki" "$b/demo-hse-store.db" '"default_lifetime": 3600' >"$b/demo-hse-store.json"
echo "{ $(e2m_hss_tls_json "$pki"), \"delivery\": { \"A\": \"https://127.0.0.1:7441\" } }" >"$b/demo-hss.json"
"$b/tools/e2msim-keyd" --config "$b/demo-hse-store.json" >"$b/demo-keyd.out" 2>"$b/demo-keyd.log" &
for _ in $(seq 1 100); do grep -q listening "$b/demo-keyd.out" && break; sleep 0.05; done
cat "$b/demo-keyd.out"

step "HSS: a new AV; its keyset pushed to the HSE's store"
"$b/tools/e2msim-auc" --profile "$profile" --seq 2 --eid "$hse" --hss "$b/demo-hss.json" \
	--variant A | tee "$b/demo.hss2" | grep -E "^(RAND|AUTN|E2M-KID|Pushed|Expires)"

step "Device: AUTHENTICATE in the E2M context, and a reading protected for the HSE"
"$b/tools/e2msim-auth" --reader 0 --pin 1234 --context e2m --eid "$hse" \
	--rand "$(field RAND: <"$b/demo.hss2")" --autn "$(field AUTN: <"$b/demo.hss2")" \
	--protect "meter 0042: 17.3 m3" | tee "$b/demo.dev2" | grep -E "^(e2m_kid|MESSAGE)"

step "HSE (e2msim-hse): fetch the keyset named in the message, check the MAC"
hse_tls=(--keyd https://127.0.0.1:7441 --cert "$pki/$hse.pem" --key "$pki/$hse.key" --ca "$pki/ca.pem")
verified=0
"$b/tools/e2msim-hse" "${hse_tls[@]}" --verify "$(field MESSAGE: <"$b/demo.dev2")" && verified=1
echo "A second fetch of the same keyset (it was deleted when the HSE took it):"
"$b/tools/e2msim-hse" "${hse_tls[@]}" --kid "$(field e2m_kid <"$b/demo.dev2")" || true
if [ "$verified" = 1 ]; then
	echo "The HSE accepted the device's message: the keys protect data end to middle."
else
	echo "The HSE did NOT accept the device's message" >&2
	agree=0
fi

step "EDP (doc/e2m-profile.md 7): the HSE serves UDP 127.0.0.1:5729, keysets from its store"
rm -f "$b/demo-hse.db"* "$b/demo-dev.edp"
"$b/tools/e2msim-hse" --edp-listen 127.0.0.1 --state "$b/demo-hse.db" "${hse_tls[@]}" \
	--control "$b/demo-hse.ctl" >"$b/demo-hse.out" 2>"$b/demo-hse.err" &
hse_pid=$!
for _ in $(seq 1 100); do grep -q "EDP listening" "$b/demo-hse.err" && break; sleep 0.05; done
cat "$b/demo-hse.err"
"$b/tools/e2msim-auc" --profile "$profile" --seq 3 --eid "$hse" --hss "$b/demo-hss.json" \
	--variant A | tee "$b/demo.hss3" | grep -E "^(E2M-KID|Pushed)"

step "Device: AUTHENTICATE, then a reading over EDP (e2msim-auth --edp-send), waiting for an answer"
"$b/tools/e2msim-auth" --reader 0 --pin 1234 --context e2m --eid "$hse" \
	--rand "$(field RAND: <"$b/demo.hss3")" --autn "$(field AUTN: <"$b/demo.hss3")" \
	--edp-state "$b/demo-dev.edp" --edp-send 127.0.0.1 --edp-wait 5000 "meter 0042: 17.3 m3" \
	>"$b/demo.dev3" &
dev_pid=$!
for _ in $(seq 1 100); do [ -s "$b/demo-hse.out" ] && break; sleep 0.05; done
grep -E "^(e2m_kid|edp_sid|UPLINK)" "$b/demo.dev3"

step "HSE: the keyset fetched by the message's E2M-KID; the reading decrypted, one JSON line"
cat "$b/demo-hse.out"
reading_hex=$(sed -n 's/.*"payload_hex":"\([0-9a-f]*\)".*/\1/p' "$b/demo-hse.out" | head -1)
printf 'reading: %b\n' "$(sed 's/../\\x&/g' <<<"$reading_hex")"

step "HSE -> device: an answer (e2msim-hse --send SID TEXT)"
sid=$(field edp_sid <"$b/demo.dev3")
"$b/tools/e2msim-hse" --send "$sid" "interval 3600" --control "$b/demo-hse.ctl"
wait "$dev_pid" || true
tail -1 "$b/demo-hse.out"
grep "^DOWNLINK:" "$b/demo.dev3" || true
if [ "$reading_hex" = "$(printf 'meter 0042: 17.3 m3' | od -An -tx1 -v | tr -d ' \n')" ] &&
   grep -qx "DOWNLINK: interval 3600" "$b/demo.dev3"; then
	echo "The HSE read the device's reading and the device its answer: EDP end to middle,"
	echo "no handshake, 14 octets of overhead once the SID is in use."
else
	echo "EDP between the device and the HSE FAILED" >&2
	agree=0
fi
kill -TERM "$hse_pid"; wait "$hse_pid" || true

step "Done; stopping the key service, the card and pcscd"
[ "$agree" = 1 ]
