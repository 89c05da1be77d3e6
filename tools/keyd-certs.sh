#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A test PKI for e2msim-keyd (keyd/API.md "Transport"), made with GnuTLS's
# certtool, ECDSA P-256 keys:
#
#   tools/keyd-certs.sh DIR [ENDPOINT...]
#
#   ca.pem, ca.key                    the CA every service and client trusts
#   hse-store, hss-store, emks        services: CN = the role, SAN IP 127.0.0.1
#                                     and DNS localhost; TLS server and client
#                                     (the hss-store forwards with its own)
#   hss.example.net                   the HSS, a network peer
#   hse.example.org                   the HSE
#   hse.other.org                     another endpoint
#   eese.enterprise.example           an EESE (solution 5)
#   rogue-ca.pem, rogue-ca.key        a second CA that nobody trusts
#   rogue.pem, rogue.key              "hse.example.org" signed by rogue-ca
#   ENDPOINT...                       more clients, e.g. the EID of an HSE
#
# (clients: CN and SAN dNSName the name; NAME.pem and NAME.key). A file
# that exists is kept, so running it again changes nothing.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: keyd-certs.sh DIR [ENDPOINT...]" >&2; exit 2; }
command -v certtool >/dev/null || { echo "keyd-certs.sh: certtool missing (package gnutls-bin)" >&2; exit 2; }
dir=$1
shift
mkdir -p "$dir"
tmpl=$(mktemp)
trap 'rm -f "$tmpl"' EXIT

key() {	# key NAME
	[ -s "$dir/$1.key" ] && return
	(umask 077; certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text \
		--outfile "$dir/$1.key" 2>/dev/null)
}

ca() {	# ca NAME CN
	key "$1"
	[ -s "$dir/$1.pem" ] && return
	printf 'cn = "%s"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 3650\n' "$2" >"$tmpl"
	certtool --generate-self-signed --load-privkey "$dir/$1.key" --template "$tmpl" \
		--no-text --outfile "$dir/$1.pem" 2>/dev/null
}

# cert NAME CA TEMPLATE-LINES
cert() {
	local name=$1 ca=$2
	shift 2
	key "$name"
	[ -s "$dir/$name.pem" ] && return
	printf '%s\n' "$@" "signing_key" "expiration_days = 3650" >"$tmpl"
	certtool --generate-certificate --load-privkey "$dir/$name.key" \
		--load-ca-certificate "$dir/$ca.pem" --load-ca-privkey "$dir/$ca.key" \
		--template "$tmpl" --no-text --outfile "$dir/$name.pem" 2>/dev/null
}

ca ca "e2msim keyd test CA"
for svc in hse-store hss-store emks; do
	cert "$svc" ca "cn = \"$svc\"" 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' \
		tls_www_server tls_www_client
done
for peer in hss.example.net hse.example.org hse.other.org eese.enterprise.example "$@"; do
	cert "$peer" ca "cn = \"$peer\"" "dns_name = \"$peer\"" tls_www_client
done
ca rogue-ca "e2msim keyd rogue CA"
cert rogue rogue-ca 'cn = "hse.example.org"' 'dns_name = "hse.example.org"' tls_www_client
