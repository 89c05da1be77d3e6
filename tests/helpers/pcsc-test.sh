# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced first by every test that needs pcscd + vpcd: finds the source and
# build trees (from the test harness, or from the script's place), moves the
# test into a private pcscd (tools/pcsc-env.sh: it runs again in there), and
# brings in the TAP helpers.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# E2M_PCSC_READERS: vpcd readers, two slots each (default 1)
if [ "${E2M_PCSC_ENV_INSIDE:-}" != 1 ]; then
	exec "$top_srcdir/tools/pcsc-env.sh" --readers "${E2M_PCSC_READERS:-1}" -- "$0" "$@"
fi
. "$top_srcdir/tests/helpers/tap.sh"

# The card on vpcd slot 0, as the tests start and stop it. card_start
# PROFILE [OPTIONS...]: e2msim-card with its state in $card_state and its
# log appended to $card_log (both default to files in $work); returns once
# the reader shows the card. card_stop: SIGTERM, the card's exit status,
# and the reader empty again. card_log_dump [LINES]: the log's end as TAP
# comments, for a failure's diagnosis.
card_start() {
	local profile=$1; shift
	"$top_builddir/usim/e2msim-card" --profile "$profile" --state "${card_state:-$work/state}" \
		"$@" >>"${card_log:-$work/card.log}" 2>&1 &
	card_pid=$!
	"$top_builddir/tests/pcsc-wait" 0 present 10
}
card_stop() {
	local rc
	kill -TERM "$card_pid"; wait "$card_pid"; rc=$?
	"$top_builddir/tests/pcsc-wait" 0 absent 10
	return $rc
}
card_log_dump() {
	tail -n "${1:-20}" "${card_log:-$work/card.log}" | sed 's/^/# /'
}

# script_profile SCRIPT: the profile an APDU script names with "@profile
# NAME" (tests/profiles/NAME, or NAME from the top of the tree when it has
# a '/'), else tests/profiles/script.json.
script_profile() {
	local name
	name=$(sed -n 's/^@profile //p' "$1")
	case "$name" in
	"") echo "$top_srcdir/tests/profiles/script.json" ;;
	*/*) echo "$top_srcdir/$name" ;;
	*) echo "$top_srcdir/tests/profiles/$name" ;;
	esac
}
