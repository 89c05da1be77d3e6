#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The E2M keyset delivery variants of doc/e2m-profile.md 5 end to end: the HSS
# (e2msim-auc --hss --variant), three key services (e2msim-keyd: hse-store,
# hss-store forwarding to the hse-store, emks; SQLite; mutual TLS with the
# test PKI of tools/keyd-certs.sh), the device (e2msim-card through pcscd,
# asked by e2msim-auth, which sends a protected message) and the endpoint
# (e2msim-hse). For each variant A-E the device and the HSE hold the same
# K_E2M_int and K_E2M_enc, the HSE accepts the device's message and refuses
# it with a bit flipped, and a keyset is fetched once. Solution 4: a serving
# PLMN without confidentiality gives neither side K_E2M_enc. Solution 5: an
# enterprise endpoint (EESE) fetches from the emks; its short lifetime
# expires the keyset.
. "$(dirname "$0")/../helpers/pcsc-test.sh"
# e2m_hss_tls_json of tools/lib.sh
. "$top_srcdir/tools/lib.sh"

b="$top_builddir"
work=$(mktemp -d)
pki="$work/pki"
eid=hse.example.org
eese=eese.enterprise.example
# the three key services (fixed ports: the test has its own network namespace)
hse_store=https://127.0.0.1:7441
hss_store=https://127.0.0.1:7442
emks=https://127.0.0.1:7443
keyd_pids=()
field() { awk -v k="$1" '$1 == k { print $NF; exit }'; }
# ck DESCRIPTION COMMAND...: ck that also returns the command's result
ck() {
	local desc=$1; shift
	if "$@"; then tap_ok "$desc"; else tap_fail "$desc"; return 1; fi
}
cleanup() {
	local p
	for p in "${keyd_pids[@]}" ${card_pid:-}; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

for prog in tools/e2msim-keyd tools/e2msim-hse tools/e2msim-auc tools/e2msim-auth usim/e2msim-card; do
	[ -x "$b/$prog" ] || { tap_fail "$prog is built"; tap_done; exit; }
done

# ---- the test PKI and the key services ----

bash "$top_srcdir/tools/keyd-certs.sh" "$pki" >"$work/certs.log" 2>&1
ck "tools/keyd-certs.sh makes the test PKI" [ -s "$pki/ca.pem" ]
# cert NAME: the certificate and key of NAME, as e2msim-hse takes them
cert() { echo "--cert $pki/$1.pem --key $pki/$1.key --ca $pki/ca.pem"; }

keyd_config() {	# ROLE PORT PEERS EXTRA
	cat <<EOF
{
	"role": "$1",
	"listen": "127.0.0.1:$2",
	"tls": { "cert": "$pki/$1.pem", "key": "$pki/$1.key", "ca": "$pki/ca.pem" },
	"store": { "backend": "sqlite", "path": "$work/$1.db" },
	"network_peers": [ $3 ],
	"default_lifetime": 600$4
}
EOF
}
# the hss-store forwards (variant B) with its own certificate (CN
# "hss-store"): the hse-store lists it as a network peer
keyd_config hse-store 7441 '"hss.example.net", "hss-store"' "" >"$work/hse-store.json"
keyd_config hss-store 7442 '"hss.example.net"' ",
	\"forward\": { \"url\": \"$hse_store\" }" >"$work/hss-store.json"
# solution 5: keysets for the enterprise expire after 3 s
keyd_config emks 7443 '"hss.example.net"' ",
	\"lifetimes\": [ { \"eid_suffix\": \"enterprise.example\", \"seconds\": 3 } ]" >"$work/emks.json"

start_keyd() {	# ROLE
	"$b/tools/e2msim-keyd" --config "$work/$1.json" >"$work/$1.log" 2>&1 &
	keyd_pids+=($!)
	for _ in $(seq 1 100); do
		grep -q "e2msim-keyd: $1 listening on 127.0.0.1:" "$work/$1.log" && return 0
		kill -0 "${keyd_pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/#   /' "$work/$1.log"
	return 1
}
for role in hse-store hss-store emks; do
	ck "e2msim-keyd $role is listening" start_keyd "$role"
done

# The HSS's configuration: where each variant's keysets go, and its
# solution 4 rules (00202 is also in the card's EF.E2M_POL; 310260 only here).
cat >"$work/hss.json" <<EOF
{
	$(e2m_hss_tls_json "$pki"),
	"delivery": { "A": "$hse_store", "B": "$hss_store", "C": "$hss_store", "D": "$emks",
		      "E": "$hse_store" },
	"policy": { "confidentiality": true, "no_confidentiality": ["00202", "310260"] }
}
EOF

# ---- the cards: slot 0 with E2M (variants A-D), slot 1 without (E) ----

cat >"$work/e2m.json" <<EOF
{ "iccid": "8900101000000000061", "imsi": "001010000000061",
  "ki": "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')",
  "opc": "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')",
  "e2m": { "eids": ["$eid", "$eese"], "no_confidentiality_plmns": ["00202"] } }
EOF
cat >"$work/plain.json" <<EOF
{ "iccid": "8900101000000000062", "imsi": "001010000000062",
  "ki": "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')",
  "opc": "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" }
EOF
"$b/usim/e2msim-card" --profile "$work/e2m.json" --profile "$work/plain.json" \
	--state "$work/state" --repersonalize >"$work/card.log" 2>&1 &
card_pid=$!
ck "the cards are in readers 0 (E2M) and 1 (no E2M)" \
	bash -c "'$b/tests/pcsc-wait' 0 present 10 && '$b/tests/pcsc-wait' 1 present 10"

# A bad HSS configuration stops e2msim-auc (exit 2) with one message naming
# the field. Rows: what is wrong | JSON | the field the message names.
tls=$(e2m_hss_tls_json "$pki")
while IFS='|' read -r what json name; do
	echo "$json" >"$work/bad.json"
	"$b/tools/e2msim-auc" --profile "$work/e2m.json" --eid "$eid" --hss "$work/bad.json" \
		--variant A >/dev/null 2>"$work/bad.err"
	rc=$?
	ck "--hss, $what: exit 2, the message names $name" \
		bash -c "[ $rc -eq 2 ] && grep -qF -- '$name' '$work/bad.err'" || show bad.err
done <<EOF
no tls|{ "delivery": {} }|tls: missing
an unknown field|{ $tls, "deliver": {} }|deliver: unknown field
an unknown variant|{ $tls, "delivery": { "F": "https://127.0.0.1:1" } }|delivery.F: unknown variant
not https|{ $tls, "delivery": { "B": "http://127.0.0.1:7442" } }|delivery.B: expected https://HOST:PORT
a URL with a path|{ $tls, "delivery": { "C": "https://127.0.0.1:7442/v1" } }|delivery.C: expected https://HOST:PORT
a bad PLMN|{ $tls, "policy": { "no_confidentiality": ["00202", "0010"] } }|policy.no_confidentiality[1]
a bad policy bit|{ $tls, "policy": { "confidentiality": "yes" } }|policy.confidentiality
a missing key file|{ "tls": { "cert": "$pki/ca.pem", "key": "$work/nothing.key", "ca": "$pki/ca.pem" } }|tls.key: cannot read
variant A not configured|{ $tls, "delivery": { "D": "$emks" } }|delivery.A: not configured
a bad default variant|{ $tls, "variant": "F" }|variant: expected "A" to "E"
a subscriber without an IMSI|{ $tls, "subscribers": { "0010": { "eid": "$eid" } } }|subscribers.0010: expected an IMSI
a subscriber without an EID|{ $tls, "subscribers": { "001010000000061": { "alg": "11" } } }|subscribers.001010000000061.eid: missing
a subscriber's bad ALG|{ $tls, "subscribers": { "001010000000061": { "eid": "$eid", "alg": "33" } } }|subscribers.001010000000061.alg
EOF

# ---- helpers ----

# hss PROFILE SEQ EID [OPTIONS]: the HSS's AV and keysets (and push) into $work/hss
hss() {
	local p=$1 seq=$2 e=$3; shift 3
	"$b/tools/e2msim-auc" --profile "$work/$p" --seq "$seq" --eid "$e" "$@" >"$work/hss" 2>"$work/hss.err"
}
# device READER EID TEXT [OPTIONS]: AKA in the E2M context on the card for
# the AV in $work/hss, and the protected message carrying TEXT, into $work/dev
device() {
	local r=$1 e=$2 text=$3; shift 3
	"$b/tools/e2msim-auth" --reader "$r" --pin 1234 --context e2m --eid "$e" "$@" \
		--rand "$(field RAND: <"$work/hss")" --autn "$(field AUTN: <"$work/hss")" \
		--protect "$text" >"$work/dev" 2>"$work/dev.err"
}
# endpoint NAME URL OPTIONS...: e2msim-hse as NAME, output in $work/hse
endpoint() {
	local name=$1 url=$2; shift 2
	# shellcheck disable=SC2046
	"$b/tools/e2msim-hse" --keyd "$url" $(cert "$name") "$@" >"$work/hse" 2>"$work/hse.err"
}
# the HSS's keys of a kind (A-D or E); "none" for an absent K_E2M_enc
hss_key() { awk -v n="$1" -v k="($2):" '$1 == n && $2 == k { print ($3 == "(none:" ? "none" : $3) }' "$work/hss"; }
dev_key() { field "$1" <"$work/dev" | sed 's/^(none)$/none/'; }
# flip BITS of the octet before the MAC (the payload's last octet)
flip() { local m=$1 i=$((${#1} - 18)); printf '%s%02x%s' "${m:0:$i}" $((0x${m:$i:2} ^ 0x01)) "${m:$((i + 2))}"; }
show() { local f; for f in "$@"; do echo "# $f:"; sed 's/^/#   /' "$work/$f"; done; }

# variant V READER PROFILE SEQ FETCH-URL [OPTIONS for both sides]: one key
# agreement and its delivery, checked from both ends.
variant() {
	local v=$1 reader=$2 profile=$3 seq=$4 url=$5 kind=A-D; shift 5
	[ "$v" = E ] && kind=E
	hss "$profile" "$seq" "$eid" --hss "$work/hss.json" --variant "$v" "$@"
	ck "$v: the HSS pushed the keyset (exit 0, \"Pushed ($v)\")" \
		grep -q "^Pushed ($v): .*, to " "$work/hss" || show hss hss.err
	local kid expires now
	kid=$(field E2M-KID: <"$work/hss")
	expires=$(field Expires: <"$work/hss")
	now=$(date +%s)
	ck "$v: the service set expires (default lifetime 600 s): $((expires - now)) s from now" \
		[ "$((expires - now))" -gt 500 -a "$((expires - now))" -le 601 ]

	if [ "$v" = E ]; then
		device "$reader" "$eid" "reading $v" --variant-e "$@"
		ck "E: the device derived in the ME (a card without E2M)" \
			grep -q '^variant *E (ME)' "$work/dev"
	else
		device "$reader" "$eid" "reading $v" "$@"
	fi
	ck "$v: the device agreed (exit 0), same E2M-KID as the HSS" \
		[ "$(field e2m_kid <"$work/dev")" = "$kid" ] || show dev dev.err
	local msg
	msg=$(field MESSAGE: <"$work/dev")

	if [ "$v" = B ]; then
		endpoint "$eid" "$hse_store" --kid "$kid"
		ck "B: before the session event the hse-store has no keyset (404)" \
			grep -q "refused: 404 " "$work/hse.err" || show hse.err
		"$b/tools/e2msim-auc" --hss "$work/hss.json" --variant B --session "$kid" >"$work/session" 2>&1
		ck "B: the session event was sent (PDN connection up), exit 0" \
			grep -q "^Session (B): $kid" "$work/session" || show session
	fi

	endpoint "$eid" "$url" --kid "$kid" --verify "$msg" --verify "$(flip "$msg")"
	local rc=$?
	ck "$v: the HSE fetched the keyset for $kid" \
		[ "$(field KID: <"$work/hse")" = "$kid" ] || show hse hse.err
	ck "$v: HSE and device hold the same K_E2M_int" \
		[ "$(field K_E2M_int: <"$work/hse")" = "$(dev_key k_e2m_int)" -a -n "$(dev_key k_e2m_int)" ]
	ck "$v: HSE and device hold the same K_E2M_enc ($([ "$(dev_key k_e2m_enc)" = none ] && echo none || echo a key))" \
		[ "$(field K_E2M_enc: <"$work/hse")" = "$(dev_key k_e2m_enc)" ]
	ck "$v: ... and both equal the HSS's ($kind)" \
		[ "$(hss_key K_E2M_int "$kind")" = "$(dev_key k_e2m_int)" -a \
		  "$(hss_key K_E2M_enc "$kind")" = "$(dev_key k_e2m_enc)" ]
	ck "$v: the keyset's derivation is $([ "$v" = E ] && echo me || echo usim)" \
		[ "$(field derivation: <"$work/hse")" = "$([ "$v" = E ] && echo me || echo usim)" ]
	ck "$v: the HSE accepts the device's message: \"reading $v\", MAC ok" \
		bash -c "grep -q '^PAYLOAD: *reading $v\$' '$work/hse' && [ \"\$(grep '^MAC ' '$work/hse' | head -1)\" = 'MAC ok' ]"
	ck "$v: ... and refuses it with one bit flipped: MAC wrong, exit 1" \
		bash -c "[ $rc -eq 1 ] && [ \"\$(grep '^MAC ' '$work/hse' | sed -n 2p)\" = 'MAC wrong' ]"
	cp "$work/hse" "$work/fetched"
	endpoint "$eid" "$url" --kid "$kid"
	rc=$?
	ck "$v: stored until used: a second fetch is refused (404, exit 1)" \
		bash -c "[ $rc -eq 1 ] && grep -q 'refused: 404 ' '$work/hse.err'"
}

# ---- variants A-E ----
variant A 0 e2m.json 1 "$hse_store"
variant B 0 e2m.json 2 "$hse_store"
variant C 0 e2m.json 3 "$hss_store" --alg 12	# IA 2: AES-CMAC
variant D 0 e2m.json 4 "$emks"
variant E 1 plain.json 1 "$hse_store"

# the HSS hands out no AV whose keyset the service refused: the same
# keyset (same RAND) pushed twice
hss e2m.json 5 "$eid" --hss "$work/hss.json" --variant A
hss e2m.json 5 "$eid" --rand "$(field RAND: <"$work/hss")" --hss "$work/hss.json" --variant A
rc=$?
ck "a keyset pushed twice: exit 1 with the service's answer (409), no vector printed" \
	bash -c "[ $rc -eq 1 ] && grep -q 'refused: 409 ' '$work/hss.err' && [ ! -s '$work/hss' ]" ||
	show hss.err
"$b/tools/e2msim-auc" --hss "$work/hss.json" --variant B --session "AAAAAAAAAAAAAAAAAAAAAA==@$eid" \
	>/dev/null 2>"$work/session.err"
rc=$?
ck "a session event for an unknown KID: exit 1 with the service's answer (404)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'refused: 404 ' '$work/session.err'" || show session.err

# ---- solution 4: a serving PLMN without confidentiality ----
variant A 0 e2m.json 10 "$hse_store" --snid 00202
ck "solution 4, SNID 00202 (card and HSS list it): no K_E2M_enc on the device" \
	[ "$(dev_key k_e2m_enc)" = none ]
ck "solution 4: ... none at the HSE, whose keyset says EA 0 (ALG 01)" \
	[ "$(field K_E2M_enc: <"$work/fetched")" = none -a "$(field ALG: <"$work/fetched")" = 01 ]
hss e2m.json 11 "$eid" --snid 310260 --hss "$work/hss.json" --variant A
kid=$(field E2M-KID: <"$work/hss")
endpoint "$eid" "$hse_store" --kid "$kid"
ck "solution 4, SNID 310260 (only the HSS lists it): the HSS's policy withholds K_E2M_enc" \
	[ "$(hss_key K_E2M_enc A-D)" = none -a "$(field K_E2M_enc: <"$work/hse")" = none ]
hss e2m.json 12 "$eid" --snid 310260
ck "solution 4: ... while without --hss the profile's policy gives it" \
	[ "$(hss_key K_E2M_enc A-D)" != none -a -n "$(hss_key K_E2M_enc A-D)" ]

# ---- solution 5: an enterprise endpoint, key aging ----
# the device agrees first (the AV of SEQ 20), then the HSS pushes its keyset
# to the emks, and the EESE fetches it within the enterprise's 3 s lifetime
hss e2m.json 20 "$eese"
rand=$(field RAND: <"$work/hss")
device 0 "$eese" "meter 42"
msg=$(field MESSAGE: <"$work/dev")
hss e2m.json 20 "$eese" --rand "$rand" --hss "$work/hss.json" --variant D
kid=$(field E2M-KID: <"$work/hss")
expires=$(field Expires: <"$work/hss")
now=$(date +%s)
ck "solution 5: the emks gave the enterprise's keyset the short lifetime ($((expires - now)) s)" \
	[ "$((expires - now))" -ge 0 -a "$((expires - now))" -le 4 ]
endpoint "$eese" "$emks" --kid "$kid" --verify "$msg"
rc=$?
ck "solution 5: the EESE fetched it (exit 0) and holds the device's K_E2M_int" \
	[ "$rc" -eq 0 -a "$(field K_E2M_int: <"$work/hse")" = "$(dev_key k_e2m_int)" ] || show hse.err
ck "solution 5: the EESE accepts the device's message: MAC ok" grep -q '^MAC ok$' "$work/hse"
ck "solution 5: the EID is the EESE's" [ "$(field EID: <"$work/hse")" = "$eese" ]
hss e2m.json 21 "$eese" --hss "$work/hss.json" --variant D
kid=$(field E2M-KID: <"$work/hss")
expires=$(field Expires: <"$work/hss")
endpoint "$eid" "$emks" --kid "$kid"
rc=$?
ck "solution 5: another endpoint (hse.example.org) may not fetch it (403, exit 1)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'refused: 403 ' '$work/hse.err'" || show hse.err
# the emks's counters (GET /v1/status, as the HSS, a network peer)
emks_status() {
	curl -sS --cacert "$pki/ca.pem" --cert "$pki/hss.example.net.pem" \
		--key "$pki/hss.example.net.key" "$emks/v1/status"
}
expired_before=$(emks_status | sed -n 's/.*"expired": *\([0-9]*\).*/\1/p')
wait_s=$((expires - $(date +%s) + 2))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
endpoint "$eese" "$emks" --kid "$kid"
rc=$?
# expired keysets are purged every second: the fetch finds it expired (410)
# or already purged (404); the emks counted it as expired, not fetched
ck "solution 5: after its lifetime the EESE's fetch is refused (410 expired, or 404 purged)" \
	bash -c "[ $rc -eq 1 ] && grep -Eq 'refused: (410|404) ' '$work/hse.err'" || show hse.err
expired_after=$(emks_status | sed -n 's/.*"expired": *\([0-9]*\).*/\1/p')
ck "solution 5: the emks counts one more expired keyset ($expired_before -> $expired_after)" \
	[ -n "$expired_before" -a "${expired_after:-0}" -eq $((expired_before + 1)) ]

# ---- the services are still up and logged no key ----
roles=(hse-store hss-store emks)
for i in 0 1 2; do
	ck "e2msim-keyd ${roles[$i]} is still running" kill -0 "${keyd_pids[$i]}"
done
int=$(dev_key k_e2m_int)
ck "no key service logged a key" \
	bash -c "! grep -qi '$int' '$work/hse-store.log' '$work/hss-store.log' '$work/emks.log'"
tap_done
