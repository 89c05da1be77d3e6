#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the GSUP proxy costs: SendAuthInfo round trips (5 AVs each, one
# request at a time) to osmo-hlr directly, through e2msim-gsup-proxy for a
# subscriber without E2M (relay only), and through the proxy for a
# subscriber with E2M (variant A: 5 keysets pushed to e2msim-keyd before the
# result goes on). tests/bench/gsup_bench.c interleaves the three so that
# they share the machine's state. Beside them, socat relaying the same TCP
# stream to osmo-hlr byte for byte: what any process on the path costs here
# (two more loopback hops, two more wake-ups), the floor of a proxy. Builds
# its own -O2 tree (build-bench/, as tools/bench.sh); runs in a private
# network namespace (root). Not a test.
# The target (issue 14): the proxy adds at most 10% to the round trip when
# no subscriber has E2M.
#   tools/gsup-bench.sh [N]     N round trips per server (default 1000)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
E2M_BUILD="$E2M_TOP/build-bench"
n=${1:-1000}

if [ "${E2M_GSUP_BENCH_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "gsup-bench.sh: needs root (a private network namespace)" >&2; exit 1; }
	e2m_install_deps
	e2m_install_packages socat
	e2m_build --disable-sanitize --disable-werror
	make -C "$E2M_BUILD/tests" gsup_bench >/dev/null
	E2M_GSUP_BENCH_INSIDE=1 exec unshare --net -- "$0" "$@"
fi
ip link set lo up
b="$E2M_BUILD"
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
wait_for() {	# FILE PATTERN
	for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	cat "$1" >&2; return 1
}
rhex() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

e2m_osmo_hlr_start "$work" "all error" || true	# gsup_bench says so if it is not up
pids+=("$e2m_osmo_hlr_pid")

mkdir -p "$work/profiles"
cat >"$work/profiles/e2m.json" <<EOF
{ "iccid": "8900101000000000081", "imsi": "001010000000081", "ki": "$(rhex)", "opc": "$(rhex)",
  "e2m": { "eids": ["hse.example.org"] } }
EOF
cat >"$work/plain.json" <<EOF
{ "iccid": "8900101000000000082", "imsi": "001010000000082", "ki": "$(rhex)", "opc": "$(rhex)" }
EOF
"$E2M_TOP/tools/e2msim-hlr-provision" --vty 127.0.0.1:4258 "$work/profiles/e2m.json" \
	"$work/plain.json" >/dev/null

bash "$E2M_TOP/tools/keyd-certs.sh" "$work/pki" >/dev/null 2>&1
pki="$work/pki"
e2m_hse_store_json "$pki" "$work/hse-store.db" >"$work/hse-store.json"
"$b/tools/e2msim-keyd" --config "$work/hse-store.json" >"$work/keyd.log" 2>&1 &
pids+=($!)
wait_for "$work/keyd.log" listening
cat >"$work/hss.json" <<EOF
{ $(e2m_hss_tls_json "$pki"), "delivery": { "A": "https://127.0.0.1:7441" }, "variant": "A" }
EOF
# the proxy with E2M configured: the plain subscriber goes through untouched
"$b/tools/e2msim-gsup-proxy" --listen 127.0.0.1:4200 --hlr 127.0.0.1:4222 --hss "$work/hss.json" \
	--profiles "$work/profiles" >"$work/proxy.log" 2>&1 &
pids+=($!)
wait_for "$work/proxy.log" "listening on"

# a byte relay: no parsing, no queues, the same TCP options
socat TCP-LISTEN:4201,bind=127.0.0.1,reuseaddr,nodelay TCP:127.0.0.1:4222,nodelay 2>"$work/socat.log" &
pids+=($!)
for _ in $(seq 1 50); do ss -Hltn 'sport = :4201' | grep -q . && break; sleep 0.1; done

echo "SendAuthInfo round trips, 5 AVs each, $n per server, interleaved ($(nproc) CPUs)"
echo "-- a subscriber without E2M"
"$b/tests/gsup_bench" -n "$n" --imsi 001010000000082 direct=127.0.0.1:4222 proxy=127.0.0.1:4200 \
	socat=127.0.0.1:4201 |
	tee "$work/plain"
echo "-- a subscriber with E2M (variant A: 5 keysets pushed to e2msim-keyd per result)"
"$b/tests/gsup_bench" -n "$((n / 3))" --imsi 001010000000081 direct=127.0.0.1:4222 \
	proxy+E2M=127.0.0.1:4200 | tee "$work/e2m"

awk -v n="$n" '
	FNR == 1 { file++ }
	file == 1 && $1 == "direct" { d1 = $2; d1p = $3 } file == 1 && $1 == "proxy" { p1 = $2; p1p = $3 }
	file == 1 && $1 == "socat" { s1 = $2 }
	file == 2 && $1 == "direct" { d2 = $2 } file == 2 && $1 == "proxy+E2M" { p2 = $2; p2p = $3 }
	END {
		printf "\nwithout E2M: the proxy adds %.0f us (%.1f%%) to the median, %.0f us to p99 (target: at most 10%%: %s)\n",
			p1 - d1, 100 * (p1 - d1) / d1, p1p - d1p, (p1 - d1) <= 0.1 * d1 ? "met" : "NOT MET"
		printf "a byte relay (socat) adds %.0f us (%.1f%%): the proxy costs %.0f us more than any process on the path\n",
			s1 - d1, 100 * (s1 - d1) / d1, p1 - s1
		printf "with E2M: %.0f us more per result, %.0f us per AV (5 pushes over HTTPS, mutual TLS)\n",
			p2 - d2, (p2 - d2) / 5
	}' "$work/plain" "$work/e2m"
