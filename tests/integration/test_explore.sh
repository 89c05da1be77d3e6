#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The card through pcscd + vpcd, walked by tests/explore, which knows no file
# list of ours: every FID of 2F00-2FFF and 4F00-7FFF selected from MF, from
# every DF found and from ADF.USIM (by the AID in EF.DIR), every EF read.
# Status words must be those of a physical USIM: SELECT '61xx'/'9000' or
# '6A82', reads '9000'.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

work=$(mktemp -d)
card_log="$work/card.log"
"$top_builddir/usim/e2msim-card" --profile "$top_srcdir/tests/profiles/script.json" \
	--state "$work/state" >>"$card_log" 2>&1 &
card_pid=$!

if "$top_builddir/tests/pcsc-wait" 0 present 10; then
	tap_ok "card appears in the reader"
	tap_relay "explore:" < <("$top_builddir/tests/explore" 0 60)
else
	tap_fail "card appears in the reader"
fi

kill -TERM "$card_pid"; wait "$card_pid"; rc=$?
tap_check "card exits cleanly on SIGTERM (status $rc)" [ "$rc" -eq 0 ]
if [ "$tap_failed" -gt 0 ]; then
	echo "# card log:"; sed 's/^/#   /' "$card_log" | tail -40
fi
rm -rf "$work"
tap_done
