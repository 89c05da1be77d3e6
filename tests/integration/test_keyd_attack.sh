#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# e2msim-keyd under attack (keyd/API.md "Transport", "Limits"), through the
# real program and real TLS clients (tests/helpers/keyd-attack.c, keyd-cli):
#  (a) 500 hostile connections held open (reopened when closed) meanwhile,
#      from six other loopback addresses: plain TCP that never starts TLS,
#      TLS without a client certificate, and TLS with a valid certificate
#      dripping header lines (slowloris); a legitimate push and fetch from
#      127.0.0.1 each answer within 2 s;
#  (b) a chunked body that never ends: 413 and closed at once, nothing stored;
#  (c) a body dripped one octet at a time: closed at the request deadline;
#  (d) the log stays short: the flood's lines are rate-limited.
# Loopback only, in private network and PID namespaces (pcsc-test.sh); about
# 30 s; every client stops by itself.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

keyd_bin="$top_builddir/tools/e2msim-keyd"
cli="$top_builddir/tests/keyd-cli"
attack="$top_builddir/tests/keyd-attack"
work=$(mktemp -d /tmp/e2msim-keyd-attack.XXXXXX)
pki="$work/pki"
port=7483
keyd_pid=
cleanup() {
	[ -n "$keyd_pid" ] && kill -KILL "$keyd_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# 500 sockets here, as many in the service: more than a default of 1024 allows
# with what else is open
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 4096 ]; then ulimit -n 4096; else ulimit -n "$hard"; fi

"$top_srcdir/tools/keyd-certs.sh" "$pki" || { echo "Bail out! keyd-certs.sh failed"; exit 1; }
cat >"$work/hse-store.json" <<EOF
{
  "role": "hse-store",
  "listen": "127.0.0.1:$port",
  "tls": { "cert": "pki/hse-store.pem", "key": "pki/hse-store.key", "ca": "pki/ca.pem" },
  "store": { "backend": "sqlite", "path": "$work/hse-store.db" },
  "network_peers": [ "hss.example.net" ],
  "default_lifetime": 86400
}
EOF
log="$work/hse-store.log"

# ---- helpers ----

# is DESC WANT GOT
is() {
	if [ "$3" = "$2" ]; then tap_ok "$1"; else tap_fail "$1 (got '$3', want '$2')"; fi
}
# as WHO keyd-cli-ARGS...: keyd-cli with WHO's certificate, from 127.0.0.1
as() {
	local who=$1
	shift
	timeout 20 "$cli" --url "https://127.0.0.1:$port" --ca "$pki/ca.pem" \
		--cert "$pki/$who.pem" --key "$pki/$who.key" "$@"
}
# hostile ARGS...: keyd-attack against the service
hostile() { "$attack" --port "$port" --ca "$pki/ca.pem" "$@"; }
with_cert=(--cert "$pki/hss.example.net.pem" --key "$pki/hss.example.net.key")
code() { head -n1 | cut -d' ' -f1; }
kid() { sed -n 's/.*"kid":"\([^"]*\)".*/\1/p' "$1"; }
field() { sed -n "s/.*\\b$2=\\([0-9.a-z]*\\).*/\\1/p" <<<"$1"; }
# now_ms: the wall clock in milliseconds
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
# le A B: A <= B for decimals
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
status() { as hss.example.net status | cut -d' ' -f3-; }

# timed_round N: a push and a fetch of a new keyset, each timed; TAP lines
timed_round() {
	local n=$1 t0 t1 out
	"$cli" gen hse.example.org 21 >"$work/r$n.json"
	t0=$(now_ms)
	out=$(as hss.example.net push "$work/r$n.json")
	t1=$(now_ms)
	push_ms+=($((t1 - t0)))
	tap_check "(a) round $n: the HSS's push is answered 201 within 2 s ($(code <<<"$out"), $((t1 - t0)) ms)" \
		test "$(code <<<"$out")" = 201 -a $((t1 - t0)) -le 2000
	t0=$(now_ms)
	out=$(as hse.example.org fetch "$(kid "$work/r$n.json")")
	t1=$(now_ms)
	fetch_ms+=($((t1 - t0)))
	tap_check "(a) round $n: the HSE's fetch is answered 200 within 2 s ($(code <<<"$out"), $((t1 - t0)) ms)" \
		test "$(code <<<"$out")" = 200 -a $((t1 - t0)) -le 2000
}

# ---- the service ----

"$keyd_bin" --config "$work/hse-store.json" -vv >"$work/out" 2>"$log" &
keyd_pid=$!
for _ in $(seq 1 200); do
	grep -q "listening on" "$work/out" && break
	sleep 0.02
done
tap_check "hse-store starts" grep -q "listening on" "$work/out"
push_ms=() fetch_ms=()
timed_round 0

# ---- (a) 500 hostile connections ----

lines0=$(wc -l <"$log")
# each kind from two addresses of its own (keyd-attack.c)
hostile "${with_cert[@]}" --sources 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7 \
	--interval 1 --reopen 1 flood 14 170 170 160 >"$work/flood.out" 2>"$work/flood.err" &
flood=$!
sleep 3	# the hostile connections in place: before the fix, every slot
for n in 1 2 3; do
	timed_round "$n"
	sleep 2
done
wait "$flood"
is "(a) the hostile clients ran" 0 "$?"
sed 's/^/# /' "$work/flood.out" "$work/flood.err"
plain=$(grep '^plain ' "$work/flood.out") nocert=$(grep '^nocert ' "$work/flood.out")
drip=$(grep '^drip ' "$work/flood.out")
echo "# push latency under attack (ms): ${push_ms[*]:1}; fetch: ${fetch_ms[*]:1}" \
	"(before the attack: ${push_ms[0]}, ${fetch_ms[0]})"
tap_check "(a) plain TCP that never starts TLS: closed within 8 s ($(field "$plain" held_max) s)" \
	le "$(field "$plain" held_max)" 8
tap_check "(a) TLS without a certificate: refused in the handshake ($(field "$nocert" refused_tls) times)" \
	test "$(field "$nocert" refused_tls)" -gt 0
tap_check "(a) and never held over 2 s ($(field "$nocert" held_max) s)" \
	le "$(field "$nocert" held_max)" 2
tap_check "(a) a certificate dripping header lines: closed within 8 s ($(field "$drip" held_max) s)" \
	le "$(field "$drip" held_max)" 8
tap_check "(a) (some were let in and held up to the deadline: $(field "$drip" held_max) s >= 3)" \
	le 3 "$(field "$drip" held_max)"

# ---- (d) the log of the flood ----

tail -n +$((lines0 + 1)) "$log" >"$work/flood.log"
n_limit=$(grep -ci 'limit' "$work/flood.log")
n_all=$(wc -l <"$work/flood.log")
tap_check "(d) lines about limits during the flood: $n_limit (< 20)" test "$n_limit" -lt 20
tap_check "(d) all lines during the flood: $n_all (< 80)" test "$n_all" -lt 80
grep -i 'limit\|deadline\|refused\|suppressed\|more like' "$work/flood.log" | head -n 12 | sed 's/^/# /'

# ---- (b) a chunked body without end ----

before=$(status)
out=$(hostile "${with_cert[@]}" chunked 5)
echo "# chunked: $out"
is "(b) a chunked body without end: 413" 413 "$(field "$out" answer)"
tap_check "(b) and the connection closed within 2 s ($(field "$out" after) s, $(field "$out" sent) octets sent)" \
	test "$(field "$out" closed)" = yes -a -n "$(field "$out" after)" && le "$(field "$out" after)" 2
after=$(status)
is "(b) nothing stored (held, pushed)" "$(cut -d' ' -f1,3 <<<"$before")" \
	"$(cut -d' ' -f1,3 <<<"$after")"
tap_check "(b) the refusal is logged" grep -q "hss.example.net: POST /v1/keysets: refused 413" "$log"

# ---- (c) a body dripped one octet at a time ----

out=$(hostile "${with_cert[@]}" --interval 2 drip-body 16)
echo "# drip-body: $out"
tap_check "(c) a dripping body: closed at the request deadline ($(field "$out" after) s)" \
	test "$(field "$out" closed)" = yes -a -n "$(field "$out" after)" && le "$(field "$out" after)" 13
is "(c) nothing stored" "$(cut -d' ' -f1,3 <<<"$before")" "$(cut -d' ' -f1,3 <<<"$(status)")"

# ---- afterwards ----

timed_round 4
kill -TERM "$keyd_pid" && wait "$keyd_pid"
is "hse-store stops cleanly on SIGTERM" 0 "$?"
keyd_pid=
tap_check "no sanitizer report in the log" test -z "$(grep -E 'Sanitizer|runtime error' "$log")"
tap_done
