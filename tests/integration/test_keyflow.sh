#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/keyflow.sh, small: every solution of TR 33.863 (1A-1E, 3) for a few
# subscribers against real e2msim-keyd services, once with SQLite stores and
# once with PostgreSQL; then the counts that follow from doc/e2m-profile.md 5 for
# each solution: every agreement succeeded (keys equal, MAC accepted), each
# interface carried what the solution sends on it and nothing else, and the
# stores hold what the solution leaves behind.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/helpers/tap.sh"

N=12 AVS=3
work=$(mktemp -d /tmp/e2msim-test-keyflow.XXXXXX)
trap 'rm -rf "$work"' EXIT

# expect STORE SOLUTION DESCRIPTION JQ-CONDITION
expect() {
	local json=$work/$1.json sol=$2 desc=$3 cond=$4
	if jq -e -s --argjson n "$N" --argjson avs "$AVS" \
		"map(select(.solution == \"$sol\")) | length == 1 and (.[0] | $cond)" \
		"$json" >/dev/null 2>&1; then
		tap_ok "$1 $sol: $desc"
	else
		tap_fail "$1 $sol: $desc"
		jq -c "select(.solution == \"$sol\")" "$json" 2>/dev/null | sed 's/^/# /'
	fi
}

for store in sqlite postgresql; do
	if "$top_srcdir/tools/keyflow.sh" --subscribers "$N" --avs "$AVS" --store "$store" \
		--build "$top_builddir" --json "$work/$store.json" >"$work/$store.table" 2>"$work/$store.err"; then
		tap_ok "$store: keyflow.sh ran every solution"
	else
		tap_fail "$store: keyflow.sh ran every solution"
		sed 's/^/# /' "$work/$store.err" | tail -20
	fi
	tap_check "$store: the table has a row per solution" \
		test "$(grep -cE '^\| (1[A-E]|3) \|' "$work/$store.table")" -eq 6

	for sol in A B C D E 3; do
		expect "$store" "$sol" "every agreement done, none failed" \
			'.agreements == $n and .failures == 0'
	done
	# A and E: every AV's keyset pushed to the HSE; the unused ones stay there
	for sol in A E; do
		expect "$store" "$sol" "HSS pushes every AV's keyset to the HSE, only there" \
			'.interfaces.hss_hse.messages == 2 * $avs * $n and .interfaces.hss_emks.messages == 0
			 and .interfaces.hss_internal.messages == 0 and .interfaces.session_event.messages == 0'
		expect "$store" "$sol" "the HSE keeps the unused keysets; HSS and EMKS none" \
			'.held.hse_store.rest == ($avs - 1) * $n and .held.hss_store.peak == 0
			 and .held.emks.peak == 0 and .held.hse_store.peak >= .held.hse_store.rest'
	done
	expect "$store" A "keys derived in the USIM" '.changed | startswith("USIM")'
	expect "$store" E "keys derived in the ME, the USIM unchanged" '.changed | startswith("ME")'
	# B: kept in the HSS, the used one forwarded at the session event
	expect "$store" B "a session event and a forward per agreement" \
		'.interfaces.session_event.messages == 2 * $n and .interfaces.hss_hse_forward.messages == 2 * $n
		 and .interfaces.hss_hse.messages == 0'
	expect "$store" B "the HSS keeps the unused keysets, the HSE none at rest" \
		'.held.hss_store.rest == ($avs - 1) * $n and .held.hse_store.rest == 0'
	# C: kept in the HSS, pulled by the HSE
	expect "$store" C "the HSE pulls once per agreement from the HSS" \
		'.interfaces.hse_hss_pull.messages == 2 * $n and .interfaces.hss_hse.messages == 0
		 and .interfaces.hss_hse_forward.messages == 0'
	expect "$store" C "the HSS keeps the unused keysets, the HSE never holds one" \
		'.held.hss_store.rest == ($avs - 1) * $n and .held.hse_store.peak == 0'
	# D: pushed to the EMKS, pulled from there
	expect "$store" D "HSS pushes every keyset to the EMKS, the HSE pulls one" \
		'.interfaces.hss_emks.messages == 2 * $avs * $n and .interfaces.hse_emks_pull.messages == 2 * $n
		 and .interfaces.hss_hse.messages == 0'
	expect "$store" D "the EMKS keeps the unused keysets" \
		'.held.emks.rest == ($avs - 1) * $n and .held.hse_store.peak == 0 and .held.hss_store.peak == 0'
	# 3: two AKA runs; one keyset, relayed challenge on the user plane
	expect "$store" 3 "two AKA runs, one keyset pushed, nothing left" \
		'.aka_runs == 2 and .interfaces.hss_hse.messages == 2 * $n and .held.hse_store.rest == 0'
	expect "$store" 3 "challenge, RES and the first message on the user plane" \
		'.interfaces.ue_hse.messages == 3 * $n'
	for sol in A B C D E; do
		expect "$store" "$sol" "one AKA run, the first protected message only on the user plane" \
			'.aka_runs == 1 and .interfaces.ue_hse.messages == $n'
	done
done
tap_done
