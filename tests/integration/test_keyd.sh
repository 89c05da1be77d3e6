#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# e2msim-keyd (keyd/API.md, doc/e2m-profile.md 5) through the real program, with
# keyd-cli (keyd/client.c) and curl: store until used, who may fetch, key
# aging, refusals that change nothing, no acknowledged keyset lost to kill
# -9, variant B's forward; once on SQLite, once on PostgreSQL
# (tools/pg-env.sh). Private network and PID namespaces (pcsc-test.sh):
# fixed ports, nothing left behind.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

# P prefixes each test's name; the PostgreSQL run's are relayed with theirs.
backend=sqlite P="sqlite: "
base=7440
if [ "${1:-}" = --postgresql ]; then
	backend=postgresql P=""
	base=7460
fi

keyd_bin="$top_builddir/tools/e2msim-keyd"
cli="$top_builddir/tests/keyd-cli"
work=$(mktemp -d /tmp/e2msim-keyd-test.XXXXXX)
pki="$work/pki"
declare -A pids ports
ports=([hse-store]=$((base + 3)) [hss-store]=$((base + 4)) [emks]=$((base + 5))
       [hss-dead]=$((base + 6)))
dead_port=$((base + 9))
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

"$top_srcdir/tools/keyd-certs.sh" "$pki" || { echo "Bail out! keyd-certs.sh failed"; exit 1; }

# ---- helpers ----

# store_json NAME: the store of service NAME on this backend
store_json() {
	if [ "$backend" = sqlite ]; then
		printf '{ "backend": "sqlite", "path": "%s" }' "$work/$1.db"
	else
		local db=${1//-/_}
		psql "$E2M_PG_CONNINFO" -qc "CREATE DATABASE $db" >/dev/null 2>&1
		printf '{ "backend": "postgresql", "conninfo": "%s dbname=%s" }' "$E2M_PG_CONNINFO" "$db"
	fi
}

# config NAME ROLE CERT EXTRA-JSON: writes $work/NAME.json
config() {
	cat >"$work/$1.json" <<EOF
{
  "role": "$2",
  "listen": "127.0.0.1:${ports[$1]}",
  "tls": { "cert": "pki/$3.pem", "key": "pki/$3.key", "ca": "pki/ca.pem" },
  "store": $(store_json "$1"),
  "network_peers": [ "hss.example.net", "hss-store" ],
  "default_lifetime": 86400$4
}
EOF
}

# start NAME: runs e2msim-keyd -vv, waits for its "listening" line
start() {
	: >"$work/$1.out"
	"$keyd_bin" --config "$work/$1.json" -vv >"$work/$1.out" 2>>"$work/$1.log" &
	pids[$1]=$!
	for _ in $(seq 1 200); do
		grep -q "listening on" "$work/$1.out" && return 0
		kill -0 "${pids[$1]}" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}
stop() {
	kill -TERM "${pids[$1]}" && wait "${pids[$1]}"
	local rc=$?
	unset "pids[$1]"
	return $rc
}

# as WHO SERVICE keyd-cli-ARGS...: keyd-cli with WHO's certificate
as() {
	local who=$1 svc=$2
	shift 2
	local cert=()
	[ "$who" != none ] && cert=(--cert "$pki/$who.pem" --key "$pki/$who.key")
	"$cli" --url "https://127.0.0.1:${ports[$svc]}" --ca "$pki/ca.pem" "${cert[@]}" "$@"
}
# in_store NAME HEX: the octets HEX are in NAME's SQLite file or its log
# The log first: the purge timer's checkpoint copies the log into the file
# before it cuts the log, so what is in neither when read in this order was
# in neither at any time (the other order can miss a page in between).
in_store() {
	od -An -tx1 -v "$work/$1.db-wal" "$work/$1.db" 2>/dev/null | tr -d ' \n' | grep -q "$2"
}
not_in_store() { ! in_store "$@"; }
sqlite_only=0	# checks of the SQLite files, not repeated on PostgreSQL
k_int_of() { sed -n 's/.*"k_int":"\([0-9a-f]*\)".*/\1/p' "$1"; }
# code: the first word of the first line
code() { head -n1 | cut -d' ' -f1; }

# raw WHO SERVICE METHOD PATH CURL-ARGS...: curl; prints the HTTP status
raw() {
	local who=$1 svc=$2 method=$3 path=$4
	shift 4
	local cert=()
	[ "$who" != none ] && cert=(--cert "$pki/$who.pem" --key "$pki/$who.key")
	curl -s -o "$work/raw.out" -w '%{http_code}' --max-time 10 --cacert "$pki/ca.pem" \
		"${cert[@]}" -X "$method" "https://127.0.0.1:${ports[$svc]}$path" "$@"
}
json_post() { raw "$1" "$2" POST "$3" -H 'Content-Type: application/json' --data-binary "$4"; }

# is DESC WANT GOT
is() {
	if [ "$3" = "$2" ]; then tap_ok "$1"; else tap_fail "$1 (got '$3', want '$2')"; fi
}

# gen EID ALG [me] > file; kid FILE
gen() { "$cli" gen "$@" | tee -a "$work/all-keysets.json"; }
kid() { sed -n 's/.*"kid":"\([^"]*\)".*/\1/p' "$1"; }
# status SERVICE: "held=.. peak=.. ..." as the HSS sees it
status() { as hss.example.net "$1" status | cut -d' ' -f3-; }
field() { sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" <<<"$1"; }
# fetched JSON without the service's "expires": the pushed keyset again
unexpire() { sed -e 's/^200 //' -e 's/,"expires":[0-9]*}$/}/'; }

# ---- services ----

config hse-store hse-store hse-store \
	', "lifetimes": [ { "eid_suffix": "enterprise.example", "seconds": 1 },
	                  { "eid_suffix": "example.org", "seconds": 600 } ]'
# The EMKS purges once an hour: a fetch after the expiry meets the keyset
# itself (410), not a purged one.
config emks emks emks \
	', "lifetimes": [ { "eid_suffix": "enterprise.example", "seconds": 1 } ], "purge_interval": 3600'
config hss-store hss-store hss-store \
	", \"forward\": { \"url\": \"https://127.0.0.1:${ports[hse-store]}\" }"
config hss-dead hss-store hss-store ", \"forward\": { \"url\": \"https://127.0.0.1:$dead_port\" }"

tap_check "${P}hse-store starts and says where it listens" start hse-store
is "${P}the listening line" "e2msim-keyd: hse-store listening on 127.0.0.1:${ports[hse-store]}" \
	"$(cat "$work/hse-store.out")"

# ---- store until used (doc/e2m-profile.md 5) ----

gen hse.example.org 21 >"$work/a.json"
a=$(kid "$work/a.json")
out=$(as hss.example.net hse-store push "$work/a.json")
is "${P}the HSS pushes a keyset: 201" 201 "$(code <<<"$out")"
expires=${out#201 expires=}
now=$(date +%s)
tap_check "${P}expires = now + 600 s (lifetime of example.org)" \
	test "$expires" -ge $((now + 598)) -a "$expires" -le $((now + 601))
out=$(as hse.example.org hse-store fetch "$a")
is "${P}the HSE fetches it: 200" 200 "$(code <<<"$out")"
is "${P}the fetched keyset is the pushed one" "$(cat "$work/a.json")" "$(unexpire <<<"$out")"
is "${P}a second fetch: 404" 404 "$(as hse.example.org hse-store fetch "$a" | code)"
if [ "$backend" = sqlite ]; then
	# after the next purge pass (every second) neither the store's file nor
	# its log holds the fetched keys (secure_delete, log cut back)
	sleep 2.2
	tap_check "${P}after a purge pass, the fetched K_E2M_int is in neither the file nor its log" \
		not_in_store hse-store "$(k_int_of "$work/a.json")"
	sqlite_only=$((sqlite_only + 1))
fi

gen hse.example.org 01 me >"$work/e.json"
as hss.example.net hse-store push "$work/e.json" >/dev/null
out=$(as hse.example.org hse-store fetch "$(kid "$work/e.json")")
is "${P}variant E keyset (EA 0, derivation me) round trip" "$(cat "$work/e.json")" \
	"$(unexpire <<<"$out")"
st=$(status hse-store)
is "${P}status counts" "held=0 peak=1 pushed=2 fetched=2 forwarded=0 expired=0" \
	"$(cut -d' ' -f1-6 <<<"$st")"

# ---- who may fetch ----

gen hse.example.org 12 >"$work/b.json"
b=$(kid "$work/b.json")
as hss.example.net hse-store push "$work/b.json" >/dev/null
is "${P}another endpoint's certificate (hse.other.org): 403" 403 \
	"$(as hse.other.org hse-store fetch "$b" | code)"
# keyd/API.md "Transport": the TLS handshake requires a certificate from the
# CA, so these get no HTTP answer at all (keyd-cli: -1; curl: 000 and fails)
is "${P}a rogue-CA certificate named hse.example.org: refused in the TLS handshake" -1 \
	"$(as rogue hse-store fetch "$b" | code)"
is "${P}no client certificate: refused in the TLS handshake" -1 \
	"$(as none hse-store fetch "$b" | code)"
got=$(json_post none hse-store /v1/keysets/fetch "{\"kid\":\"$b\"}")
rc=$?
is "${P}curl without a certificate: no HTTP answer" 000 "$got"
tap_check "${P}and curl fails (exit $rc)" test "$rc" -ne 0
held0=$(field "$(status hse-store)" held) pushed0=$(field "$(status hse-store)" pushed)
gen hse.example.org 21 >"$work/nc.json"
is "${P}a push without a certificate: refused in the TLS handshake" -1 \
	"$(as none hse-store push "$work/nc.json" | code)"
st=$(status hse-store)
is "${P}and stores nothing (held, pushed)" "$held0 $pushed0" "$(field "$st" held) $(field "$st" pushed)"
tap_check "${P}the handshake refusals are logged with the address" \
	grep -q "127.0.0.1:[0-9]*: closed before a request: TLS handshake refused" "$work/hse-store.log"
is "${P}the HSE (not a network peer) cannot push: 403" 403 \
	"$(as hse.example.org hse-store push "$work/b.json" | code)"
is "${P}nor read the status: 403" 403 "$(as hse.example.org hse-store status | code)"
out=$(as hse.example.org hse-store fetch "$b")
is "${P}after the refusals the HSE fetches it" "$(cat "$work/b.json")" "$(unexpire <<<"$out")"

# A kid with '/' or '+': DELETE percent-encodes it.
for _ in $(seq 1 50); do
	gen hse.example.org 11 >"$work/d.json"
	d=$(kid "$work/d.json")
	case "$d" in *[+/]*) break ;; esac
done
as hss.example.net hse-store push "$work/d.json" >/dev/null
is "${P}DELETE of $d: 204" 204 "$(as hss.example.net hse-store delete "$d" | code)"
is "${P}DELETE again: 404" 404 "$(as hss.example.net hse-store delete "$d" | code)"
is "${P}the HSE cannot DELETE: 403" 403 "$(as hse.example.org hse-store delete "$d" | code)"

# ---- malformed requests: 4xx, nothing changes ----

gen hse.example.org 22 >"$work/k.json"
k=$(kid "$work/k.json")
as hss.example.net hse-store push "$work/k.json" >/dev/null
if [ "$backend" = sqlite ]; then
	tap_check "${P}a held keyset's K_E2M_int is found in the store's files" \
		in_store hse-store "$(k_int_of "$work/k.json")"
	sqlite_only=$((sqlite_only + 1))
fi
before=$(status hse-store)
good=$(cat "$work/k.json")
no_k_int=$(sed 's/,"k_int":"[0-9a-f]*"//' <<<"$good")
bad_kid=$(sed 's/"kid":"[^"]*"/"kid":"abc@hse.example.org"/' <<<"$good")
bad_hex=$(sed 's/"k_int":"../"k_int":"zz/' <<<"$good")
ea0_k_enc=$(sed 's/"alg":"22"/"alg":"02"/' <<<"$good")
other_eid=$(sed 's/"eid":"hse.example.org"/"eid":"hse.other.org"/' <<<"$good")
# each row: WANT WHO METHOD PATH BODY (BODY "-": none) DESCRIPTION
oversized=$(printf '{"pad":"%05000d"}' 0)
while IFS='|' read -r want who method path body desc; do
	if [ "$body" = - ]; then
		got=$(raw "$who" hse-store "$method" "$path")
	else
		got=$(json_post "$who" hse-store "$path" "$body")
	fi
	is "${P}$desc: $want" "$want" "$got"
	grep -q '^{"error":".*"}$' "$work/raw.out" || tap_fail "${P}$desc: no {\"error\": ...} body"
done <<EOF
400|hss.example.net|POST|/v1/keysets|not json|not JSON
400|hss.example.net|POST|/v1/keysets|$no_k_int|missing k_int
400|hss.example.net|POST|/v1/keysets|$bad_kid|bad kid
400|hss.example.net|POST|/v1/keysets|$bad_hex|bad hex
400|hss.example.net|POST|/v1/keysets|$ea0_k_enc|k_enc with EA 0
400|hss.example.net|POST|/v1/keysets|$other_eid|eid not the kid's
409|hss.example.net|POST|/v1/keysets|$good|the same kid again
413|hss.example.net|POST|/v1/keysets|$oversized|body over 4096 octets
404|hss.example.net|GET|/v1/nothing|-|unknown path
405|hss.example.net|GET|/v1/keysets|-|GET of /v1/keysets
400|hss.example.net|DELETE|/v1/keysets/garbage|-|DELETE of a bad kid
404|hss.example.net|POST|/v1/sessions|{"kid":"$k"}|sessions at a service that does not forward
400|hse.example.org|POST|/v1/keysets/fetch|{"kid":"$k","more":1}|fetch with another field
400|hse.example.org|POST|/v1/keysets/fetch|{"kid":"$k"|fetch, not JSON
400|hse.example.org|POST|/v1/keysets/fetch|{"kid":"nothing"}|fetch of a bad kid
EOF
is "${P}a body that is not application/json: 415" 415 \
	"$(raw hss.example.net hse-store POST /v1/keysets -H 'Content-Type: text/plain' --data-binary "$good")"
after=$(status hse-store)
is "${P}the refusals changed nothing (held, peak, pushed, fetched)" \
	"$(cut -d' ' -f1-4 <<<"$before")" "$(cut -d' ' -f1-4 <<<"$after")"
is "${P}and were counted: refused +16" $(($(field "$before" refused) + 16)) \
	"$(field "$after" refused)"
out=$(as hse.example.org hse-store fetch "$k")
is "${P}the keyset stays as pushed" "$good" "$(unexpire <<<"$out")"

# ---- key aging (solution 5) ----

# hse-store: purged by the timer within a second or two of the expiry
gen eese.enterprise.example 11 >"$work/x.json"
x=$(kid "$work/x.json")
st=$(status hse-store)
held0=$(field "$st" held) exp0=$(field "$st" expired) pushed0=$(field "$st" pushed)
out=$(as hss.example.net hse-store push "$work/x.json")
tap_check "${P}a keyset for an EESE lives 1 s" test "${out#201 expires=}" -le $(($(date +%s) + 1))
# (held +1 only until the purge, which may come at once)
is "${P}pushed +1" $((pushed0 + 1)) "$(field "$(status hse-store)" pushed)"
for _ in $(seq 1 40); do
	[ "$(field "$(status hse-store)" expired)" = $((exp0 + 1)) ] && break
	sleep 0.1
done
st=$(status hse-store)
is "${P}purged by the timer: expired +1" $((exp0 + 1)) "$(field "$st" expired)"
is "${P}held back" "$held0" "$(field "$st" held)"
is "${P}a fetch after the purge: 404" 404 "$(as eese.enterprise.example hse-store fetch "$x" | code)"

# emks (no timer purge in the test's time): the fetch itself meets the expiry
tap_check "${P}emks starts" start emks
gen eese.enterprise.example 11 >"$work/y.json"
y=$(kid "$work/y.json")
out=$(as hss.example.net emks push "$work/y.json")
yexp=${out#201 expires=}
while [ "$(date +%s)" -lt "$yexp" ]; do sleep 0.1; done
is "${P}fetch of an expired keyset: 410" 410 "$(as eese.enterprise.example emks fetch "$y" | code)"
st=$(status emks)
is "${P}it was purged (held 0, expired 1)" "held=0 expired=1" \
	"held=$(field "$st" held) expired=$(field "$st" expired)"
is "${P}the next fetch: 404" 404 "$(as eese.enterprise.example emks fetch "$y" | code)"
gen hse.example.org 11 >"$work/z.json"
as hss.example.net emks push "$work/z.json" >/dev/null
out=$(as hse.example.org emks fetch "$(kid "$work/z.json")")
is "${P}the HSE fetches a live keyset at the EMKS" "$(cat "$work/z.json")" "$(unexpire <<<"$out")"

# ---- kill -9 loses no acknowledged keyset ----

"$cli" --url "https://127.0.0.1:${ports[hse-store]}" --ca "$pki/ca.pem" \
	--cert "$pki/hss.example.net.pem" --key "$pki/hss.example.net.key" \
	stream hse.example.org "$work/acked.json" >"$work/stream.out" &
stream=$!
kills=0
: >>"$work/acked.json"
for _ in $(seq 1 20); do
	# once this instance has acknowledged a push (however loaded the
	# machine), at a random moment within the next 0.2 s
	n=$(wc -l <"$work/acked.json")
	for _ in $(seq 1 500); do
		[ "$(wc -l <"$work/acked.json")" -gt "$n" ] && break
		sleep 0.02
	done
	sleep "0.$(printf '%03d' $((RANDOM % 200)))"
	kill -KILL "${pids[hse-store]}"
	wait "${pids[hse-store]}" 2>/dev/null
	kills=$((kills + 1))
	start hse-store || break
done
sleep 0.2
kill -TERM "$stream"
wait "$stream"
is "${P}20 kill -9 during a stream of pushes" 20 "$kills"
cat "$work/acked.json" >>"$work/all-keysets.json"
n=$(wc -l <"$work/acked.json")
tap_check "${P}pushes were acknowledged between the kills ($n; $(cat "$work/stream.out"))" \
	test "$n" -ge 20
out=$(as hse.example.org hse-store verify "$work/acked.json")
is "${P}every acknowledged keyset is there after the restarts" "verified $n of $n" \
	"$(tail -n1 <<<"$out")"

# ---- variant B: the HSS store forwards at the session event ----

tap_check "${P}hss-store starts" start hss-store
gen hse.example.org 21 >"$work/f.json"
f=$(kid "$work/f.json")
is "${P}the HSS pushes to the hss-store: 201" 201 \
	"$(as hss.example.net hss-store push "$work/f.json" | code)"
is "${P}the HSE may not trigger the session event: 403" 403 \
	"$(as hse.example.org hss-store session "$f" | code)"
is "${P}session event: 200" 200 "$(json_post hss.example.net hss-store /v1/sessions "{\"kid\":\"$f\"}")"
tap_check "${P}the answer names where it went" \
	grep -q "^{\"kid\":\"$f\",\"forwarded_to\":\"https://127.0.0.1:${ports[hse-store]}\"}$" "$work/raw.out"
st=$(status hss-store)
is "${P}the hss-store let it go (held 0)" 0 "$(field "$st" held)"
is "${P}the hss-store counted the forward" 1 "$(field "$st" forwarded)"
is "${P}and its one request to the hse-store" 1 "$(field "$st" forward_requests)"
tap_check "${P}and its octets both ways ($(field "$st" forward_bytes))" \
	test "$(field "$st" forward_bytes)" -gt 400
out=$(as hse.example.org hse-store fetch "$f")
is "${P}the HSE fetches it at the hse-store" "$(cat "$work/f.json")" "$(unexpire <<<"$out")"
tap_check "${P}the hse-store saw the push from the hss-store" \
	grep -q "hss-store: POST /v1/keysets: 201: stored $f" "$work/hse-store.log"
is "${P}session event for an unknown kid: 404" 404 \
	"$(as hss.example.net hss-store session "$f" | code)"

tap_check "${P}an hss-store whose forward service is down starts" start hss-dead
gen hse.example.org 21 >"$work/g.json"
g=$(kid "$work/g.json")
as hss.example.net hss-dead push "$work/g.json" >/dev/null
is "${P}forward to a dead service: 502" 502 "$(as hss.example.net hss-dead session "$g" | code)"
st=$(status hss-dead)
is "${P}the keyset stays (held 1, forwarded 0)" "held=1 forwarded=0" \
	"held=$(field "$st" held) forwarded=$(field "$st" forwarded)"
out=$(as hse.example.org hss-dead fetch "$g")
is "${P}and is intact (variant C: the HSE fetches it there)" "$(cat "$work/g.json")" \
	"$(unexpire <<<"$out")"

# ---- logs and stopping ----

for svc in hse-store emks hss-store hss-dead; do
	tap_check "${P}$svc stops cleanly on SIGTERM" stop "$svc"
done
grep -oE '"k_(int|enc)":"[0-9a-f]{32}"' "$work/all-keysets.json" | cut -d'"' -f4 |
	sort -u >"$work/keys.txt"
tap_check "${P}the logs (-vv) tell the requests" grep -q "200: fetched and deleted" \
	"$work/hse-store.log"
tap_check "${P}and every refusal with the peer" \
	grep -q "hse.other.org: POST /v1/keysets/fetch: refused 403" "$work/hse-store.log"
tap_check "${P}no sanitizer report in the logs" \
	test -z "$(cat "$work"/*.log | grep -E 'Sanitizer|runtime error')"
tap_check "${P}no key of the $(wc -l <"$work/keys.txt") pushed appears in any log" \
	test -s "$work/keys.txt" -a -z "$(cat "$work"/*.log | grep -iF -f "$work/keys.txt")"

# ---- the configuration (once) ----

n_suite=$((tap_n - sqlite_only))	# the checks the PostgreSQL run repeats
if [ "$backend" = sqlite ]; then
	sed 's/"pki\/hse-store.pem"/"x.pem"/' "$work/hse-store.json" >"$work/bad.json"
	err=$("$keyd_bin" --config "$work/bad.json" 2>&1)
	is "bad configuration: exit 2" 2 "$?"
	is "bad configuration: one message naming the field" \
		"$work/bad.json: tls.cert: cannot read 'x.pem': No such file or directory" "$err"
	sed 's/"role"/"rolle"/' "$work/hse-store.json" >"$work/bad.json"
	is "unknown field" "$work/bad.json: rolle: unknown field" \
		"$("$keyd_bin" --config "$work/bad.json" 2>&1)"
	sed 's/"pki\/hse-store.key"/"pki\/hss-store.key"/' "$work/hse-store.json" >"$work/bad.json"
	err=$("$keyd_bin" --config "$work/bad.json" 2>&1)
	tap_check "a key that is not the certificate's: tls.key ($err)" grep -q "^$work/bad.json: tls.key: " <<<"$err"
	sed 's/"hss-store"/"emks"/' "$work/hss-store.json" >"$work/bad.json"
	is "forward only for the hss-store" "$work/bad.json: forward: only for role \"hss-store\"" \
		"$("$keyd_bin" --config "$work/bad.json" 2>&1)"

	# the whole set again on PostgreSQL
	n0=$tap_n
	tap_relay "postgresql:" < <("$top_srcdir/tools/pg-env.sh" -- "$0" --postgresql 2>"$work/pg.err")
	[ -s "$work/pg.err" ] && sed 's/^/# /' "$work/pg.err"
	is "postgresql: the whole set ran" "$n_suite" $((tap_n - n0))
fi
tap_done
