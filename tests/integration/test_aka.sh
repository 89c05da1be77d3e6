#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# AKA through real pcscd + vpcd against libosmocore's AuC (tests/helpers/aka-check.c)
# for random subscribers of every algorithm libosmocore has: Milenage with
# OPc and with OP, XOR, COMP128 v1/v2/v3; Milenage cards with E2M.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

rounds=${E2M_AKA_ROUNDS:-4}
work=$(mktemp -d)
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

profile() {	# ALGORITHM KEYFIELD [e2m]
	local n=$((RANDOM % 10000))
	printf '{ "iccid": "89001010000%08d", "imsi": "00101%010d", "algorithm": "%s", "ki": "%s"' \
		"$n" "$n" "$1" "$(hex 16)"
	[ -n "$2" ] && printf ', "%s": "%s"' "$2" "$(hex 16)"
	[ "${3:-}" = e2m ] && printf ', "e2m": { "eids": ["hse.example.org"] }'
	printf ' }\n'
}

run() {	# LABEL ARGS-FOR-profile
	local label=$1; shift
	profile "$@" >"$work/p.json"
	card_start "$work/p.json" --repersonalize
	tap_relay "$label:" < <("$top_builddir/tests/aka-check" "$work/p.json")
	card_stop
}

for i in $(seq 1 "$rounds"); do
	run "milenage/OPc #$i" milenage opc
	run "milenage/OP #$i" milenage op
	run "milenage/OPc+E2M #$i" milenage opc e2m
	run "xor #$i" xor ""
	for v in 1 2 3; do
		run "comp128v$v #$i" "comp128v$v" ""
	done
done
rm -rf "$work"
tap_done
