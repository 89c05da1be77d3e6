#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The osmocom test network: a real osmo-hlr (its own configuration and
# database) provisioned from usim/profiles/example.json through its VTY
# (tools/e2msim-hlr-provision), the GSUP proxy e2msim-gsup-proxy in front of
# it, the key service (e2msim-keyd as the HSE's store), the card (e2msim-card
# through pcscd + vpcd) and the HSE (e2msim-hse). An MSC (tests/gsup-client
# on libosmo-gsup-client) asks for AVs through the proxy; the proxy pushes
# the E2M keyset of every AV before relaying them; the card accepts an AV in
# its E2M context; the HSE fetches the keyset by the device's E2M-KID and
# both hold the same keys. Runs in its own network namespace (pcsc-env.sh),
# so osmo-hlr's usual ports (4222 GSUP, 4258 VTY) are free. Stops
# everything it started.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${E2M_PCSC_ENV_INSIDE:-}" != 1 ]; then
	e2m_install_deps
	e2m_build
	make -C "$E2M_BUILD/tests" gsup-client pcsc-wait >/dev/null
	exec "$E2M_TOP/tools/pcsc-env.sh" -- "$0" "$@"
fi

b="$E2M_BUILD"
profile="$E2M_TOP/usim/profiles/example.json"
imsi=$(jq -r .imsi "$profile")
hse=$(jq -r '.e2m.eids[0]' "$profile")
work=$(mktemp -d)
pki="$work/pki"
pids=()
step() { printf '\n== %s\n' "$*"; }
field() { awk -v k="$1" '$1 == k { print $NF; exit }'; }
av() { awk -v n="$1" -v k="$2" '$1 == "AV" && $2 == n { for (i = 3; i < NF; i++) if ($i == k) print $(i + 1) }'; }
wait_for() {	# FILE PATTERN
	for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; return 1
}
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

step "osmo-hlr with its own configuration and database (VTY 127.0.0.1:4258, GSUP 127.0.0.1:4222)"
e2m_osmo_hlr_start "$work" || true	# the provisioning below says so if it is not up
pids+=("$e2m_osmo_hlr_pid")

step "Provisioning $(basename "$profile") into osmo-hlr through its VTY"
"$E2M_TOP/tools/e2msim-hlr-provision" --vty 127.0.0.1:4258 "$profile"
"$E2M_TOP/tools/e2msim-hlr-provision" --vty 127.0.0.1:4258 --from-hlr "$imsi"

step "The card: e2msim-card with $(basename "$profile") on vpcd slot 0"
"$b/usim/e2msim-card" --profile "$profile" --state "$work/card.state" --repersonalize \
	>"$work/card.log" 2>&1 &
pids+=($!)
"$b/tests/pcsc-wait" 0 present 10

step "The key service: e2msim-keyd as the HSE's store (HTTPS, mutual TLS)"
"$E2M_TOP/tools/keyd-certs.sh" "$pki" "$hse" >/dev/null
e2m_hse_store_json "$pki" "$work/hse-store.db" >"$work/hse-store.json"
"$b/tools/e2msim-keyd" --config "$work/hse-store.json" >"$work/keyd.log" 2>&1 &
pids+=($!)
wait_for "$work/keyd.log" listening
cat "$work/keyd.log"

step "The GSUP proxy: MSCs and SGSNs connect to 127.0.0.1:4200, osmo-hlr behind it, variant A"
mkdir -p "$work/profiles"
cp "$profile" "$work/profiles/"
cat >"$work/hss.json" <<EOF
{ $(e2m_hss_tls_json "$pki"), "delivery": { "A": "https://127.0.0.1:7441" }, "variant": "A" }
EOF
"$b/tools/e2msim-gsup-proxy" --listen 127.0.0.1:4200 --hlr 127.0.0.1:4222 --hss "$work/hss.json" \
	--profiles "$work/profiles" >"$work/proxy.log" 2>&1 &
pids+=($!)
wait_for "$work/proxy.log" "listening on"
cat "$work/proxy.log"

step "The MSC asks for AVs through the proxy (SendAuthInfo, libosmo-gsup-client)"
"$b/tests/gsup-client" --server 127.0.0.1:4200 --name MSC-00-00-00-00-00-01 sai "$imsi" |
	tee "$work/sai"
grep "keysets stored" "$work/proxy.log"

step "The device: AV 0 in the card's E2M context, a protected reading to the HSE"
"$b/tools/e2msim-auth" --reader 0 --pin 1234 --context e2m --eid "$hse" \
	--rand "$(av 0 RAND <"$work/sai")" --autn "$(av 0 AUTN <"$work/sai")" \
	--protect "21.5 C" | tee "$work/dev"

step "The HSE fetches the keyset the proxy delivered, by the message's E2M-KID"
"$b/tools/e2msim-hse" --keyd https://127.0.0.1:7441 --cert "$pki/$hse.pem" --key "$pki/$hse.key" \
	--ca "$pki/ca.pem" --kid "$(field e2m_kid <"$work/dev")" --verify "$(field MESSAGE: <"$work/dev")" |
	tee "$work/hse"

step "Result"
if [ "$(field K_E2M_int: <"$work/hse")" = "$(field k_e2m_int <"$work/dev")" ] &&
   [ "$(field K_E2M_enc: <"$work/hse")" = "$(field k_e2m_enc <"$work/dev")" ] &&
   grep -q '^MAC ok' "$work/hse"; then
	echo "The card and the HSE agree on K_E2M_int and K_E2M_enc from osmo-hlr's AV; the HSE accepts the reading."
else
	echo "MISMATCH between the card and the HSE" >&2
	exit 1
fi
