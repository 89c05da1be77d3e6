#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark program of TR 33.863's solution table: runs N subscribers
# (default 10 000) through AKA and the E2M key agreement of every solution
# (1A-1D, 1E, 3) against real e2msim-keyd processes on loopback (the HSE
# store, the HSS store forwarding to it, the EMKS; keyd/API.md), fresh
# stores for each solution, and prints the table with measured columns
# (tests/bench/keyflow.c does one solution; this script starts the services
# and makes the table). Not a test: it judges nothing, but a failed key
# agreement makes it say so and exit 1.
#
#   tools/keyflow.sh [--subscribers N] [--avs N] [--store sqlite|postgresql]
#                    [--solutions "A B C D E 3"] [--build DIR] [--json FILE]
#     --avs N       AVs per SendAuthInfo, 1..5 (default 5; solution 3 needs 2)
#     --store       the services' store: SQLite files (default), or one
#                   private PostgreSQL (tools/pg-env.sh)
#     --build DIR   use the programs built in DIR (default: build an -O2 tree
#                   in build-bench/)
#     --json FILE   also write the raw results, one JSON object a line
# Needs root (private network and PID namespaces: fixed ports, nothing left).
set -euo pipefail

# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

subscribers=10000 avs=5 store=sqlite solutions="A B C D E 3" build="" json_out=""
args=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--subscribers) subscribers=$2; shift 2 ;;
	--avs) avs=$2; shift 2 ;;
	--store) store=$2; shift 2 ;;
	--solutions) solutions=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--json) json_out=$2; shift 2 ;;
	-h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "keyflow.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
case "$store" in sqlite|postgresql) ;; *) echo "keyflow.sh: --store sqlite or postgresql" >&2; exit 2 ;; esac

if [ "${E2M_KEYFLOW_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "keyflow.sh: needs root (network namespace)" >&2; exit 2; }
	if [ -z "$build" ]; then
		e2m_install_deps
		E2M_BUILD="$E2M_TOP/build-bench"
		echo "Building in $E2M_BUILD (-g -O2, no sanitizers) ..." >&2
		unset CFLAGS CPPFLAGS LDFLAGS
		e2m_build --disable-sanitize --disable-werror	# the tree of tools/bench.sh
		make -C "$E2M_BUILD/tests" keyflow >>"$E2M_BUILD/make.out" 2>&1 ||
			{ tail -30 "$E2M_BUILD/make.out"; exit 1; }
		build=$E2M_BUILD
	fi
	args+=(--build "$(cd "$build" && pwd)")
	if [ -n "$json_out" ]; then
		: >"$json_out"
		args+=(--json "$(cd "$(dirname "$json_out")" && pwd)/$(basename "$json_out")")
	fi
	export E2M_KEYFLOW_INSIDE=1
	exec unshare --net --pid --fork --mount-proc -- "$0" "${args[@]}"
fi

# From here on: inside the private namespaces.
ip link set lo up
if [ "$store" = postgresql ] && [ -z "${E2M_PG_CONNINFO:-}" ]; then
	exec "$E2M_TOP/tools/pg-env.sh" -- "$0" "${args[@]}"
fi

KEYD="$build/tools/e2msim-keyd"
KEYFLOW="$build/tests/keyflow"
[ -x "$KEYD" ] && [ -x "$KEYFLOW" ] || { echo "keyflow.sh: $KEYD or $KEYFLOW missing" >&2; exit 2; }
tmp=$(mktemp -d /tmp/e2msim-keyflow.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
"$E2M_TOP/tools/keyd-certs.sh" "$tmp/pki" >/dev/null

# keyd_config ROLE PORT DIR [FORWARD_PORT]
keyd_config() {
	local role=$1 port=$2 dir=$3 fwd=${4:-} st forward="" peers=""
	if [ "$store" = postgresql ]; then
		# one database per service and run: later keywords win in libpq
		psql -q "$E2M_PG_CONNINFO" -c "CREATE DATABASE \"${role/-/_}_${dir##*-}\"" >/dev/null
		st="{\"backend\": \"postgresql\", \"conninfo\": \"$E2M_PG_CONNINFO dbname=${role/-/_}_${dir##*-}\"}"
	else
		st="{\"backend\": \"sqlite\", \"path\": \"$dir/$role.db\"}"
	fi
	# the hss-store forwards (B) with its own certificate, CN "hss-store"
	[ "$role" != hse-store ] || peers=', "hss-store"'
	[ -z "$fwd" ] || forward=", \"forward\": { \"url\": \"https://127.0.0.1:$fwd\" }"
	cat <<JSON
{
  "role": "$role",
  "listen": "127.0.0.1:$port",
  "tls": { "cert": "$tmp/pki/$role.pem", "key": "$tmp/pki/$role.key", "ca": "$tmp/pki/ca.pem" },
  "store": $st,
  "network_peers": [ "hss.example.net"$peers ],
  "default_lifetime": 86400$forward
}
JSON
}

# start_services DIR: the three services with empty stores
start_services() {
	local dir=$1 role
	mkdir -p "$dir"
	keyd_config hse-store 7441 "$dir" >"$dir/hse-store.json"
	keyd_config hss-store 7442 "$dir" 7441 >"$dir/hss-store.json"
	keyd_config emks 7443 "$dir" >"$dir/emks.json"
	for role in hse-store hss-store emks; do
		"$KEYD" --config "$dir/$role.json" >"$dir/$role.out" 2>"$dir/$role.log" &
		pids+=($!)
	done
	for role in hse-store hss-store emks; do
		for _ in $(seq 1 100); do
			grep -q "listening" "$dir/$role.out" 2>/dev/null && continue 2
			sleep 0.05
		done
		echo "keyflow.sh: $role did not start:" >&2
		cat "$dir/$role.log" >&2
		return 1
	done
}

stop_services() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}

rc=0
results=()
for sol in $solutions; do
	dir="$tmp/run-$sol"
	start_services "$dir"
	if ! out=$("$KEYFLOW" --solution "$sol" --certs "$tmp/pki" --subscribers "$subscribers" \
		--avs "$avs" --hse-store https://127.0.0.1:7441 --hss-store https://127.0.0.1:7442 \
		--emks https://127.0.0.1:7443); then
		echo "keyflow.sh: solution $sol: key agreements failed:" >&2
		echo "$out" >&2
		rc=1
	fi
	stop_services
	results+=("$out")
	[ -z "$json_out" ] || echo "$out" >>"$json_out"
done

# The table: per agreement, messages and octets on each interface.
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "## TR 33.863 solutions, measured (tools/keyflow.sh)"
echo
echo "$subscribers subscribers per solution, $avs AVs per SendAuthInfo, $store stores;"
echo "$(nproc) cores ($cpu), $(date -u +%Y-%m-%d)."
echo
printf '%s\n' "${results[@]}" | jq -r -s '
  def per(a; i): (a.interfaces[i].messages / a.agreements * 100 | round / 100 | tostring)
                 + " / " + (a.interfaces[i].bytes / a.agreements | round | tostring) + " B";
  def cell(a; i): if a.interfaces[i].messages == 0 then "-" else per(a; i) end;
  def held(a; k): (a.held.hse_store[k] | tostring) + " / " + (a.held.hss_store[k] | tostring)
                  + " / " + (a.held.emks[k] | tostring);
  ( "| Solution | AKA runs | HSS→HSE | HSS→EMKS | HSE→HSS pull | HSE→EMKS pull"
    + " | session event | HSS store→HSE | inside HSS | inside HSE"
    + " | UE↔HSE (E2M) | keysets held at peak: HSE / HSS / EMKS | at rest | AKA → HSE holds the key,"
    + " median / p99 | nodes changed | who stores (doc/e2m-profile.md 5) |" ),
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ( .[] | . as $a |
    "| " + (if .solution == "3" then "3" else "1" + .solution end)
    + " | " + (.aka_runs | tostring)
    + " | " + cell($a; "hss_hse") + " | " + cell($a; "hss_emks")
    + " | " + cell($a; "hse_hss_pull") + " | " + cell($a; "hse_emks_pull")
    + " | " + cell($a; "session_event") + " | " + cell($a; "hss_hse_forward")
    + " | " + cell($a; "hss_internal") + " | " + cell($a; "hse_internal")
    + " | " + cell($a; "ue_hse")
    + " | " + held($a; "peak") + " | " + held($a; "rest")
    + " | " + (.latency_us.median | tostring) + " µs / " + (.latency_us.p99 | tostring) + " µs"
    + " | " + .changed + " | " + .stores + " |" )'
echo
echo "Cells: messages / application octets (HTTP headers and bodies, TLS framing not counted) per key agreement; a request and its answer are two messages. UE↔HSE: the E2M octets on the user plane (solution 3's challenge and RES, and the first protected message)."
failed=$(printf '%s\n' "${results[@]}" | jq -s 'map(.failures) | add')
echo "Failed agreements: $failed."
exit "$rc"
