#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Crash safety through real pcscd + vpcd: e2msim-card killed with SIGKILL at
# random moments while tests/crash-client updates a transparent EF and a
# record, counts PIN tries and authenticates; after every restart the client
# checks that no answered change was lost, nothing was half-written, and no
# AV answered with RES is accepted again.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

kills_wanted=${E2M_CRASH_KILLS:-200}
work=$(mktemp -d)
card() {
	"$top_builddir/usim/e2msim-card" --profile "$top_srcdir/tests/profiles/script.json" \
		--state "$work/state" >>"$work/card.log" 2>&1 &
	card_pid=$!
}
card
"$top_builddir/tests/pcsc-wait" 0 present 10
"$top_builddir/tests/crash-client" "$top_srcdir/tests/profiles/script.json" >"$work/client.out" 2>&1 &
client=$!
kills=0
while [ "$kills" -lt "$kills_wanted" ] && kill -0 "$client" 2>/dev/null; do
	# kill at a random moment once the card is back in the reader
	"$top_builddir/tests/pcsc-wait" 0 present 10
	sleep "0.$(( (RANDOM % 90) + 10 ))"
	kill -KILL "$card_pid"; wait "$card_pid" 2>/dev/null
	kills=$((kills + 1))
	card
done
"$top_builddir/tests/pcsc-wait" 0 present 10
sleep 1
kill -TERM "$client" 2>/dev/null
wait "$client"; rc=$?
cat "$work/client.out"
tap_check "no answered update lost, nothing half-written, no PIN try returned, no AUTN accepted twice over $kills kills" \
	[ "$rc" -eq 0 ]
summary=$(grep '^# crash-client' "$work/client.out")
reconnects=$(sed -n 's/.* \([0-9]*\) reconnects.*/\1/p' <<<"$summary")
iterations=$(sed -n 's/.*: \([0-9]*\) iterations.*/\1/p' <<<"$summary")
tap_check "the client worked through the kills ($iterations iterations, $reconnects reconnects)" \
	[ "${reconnects:-0}" -ge $((kills / 2)) -a "${iterations:-0}" -ge $((kills * 10)) ]
kill -TERM "$card_pid"; wait "$card_pid"
rm -rf "$work"
tap_done
