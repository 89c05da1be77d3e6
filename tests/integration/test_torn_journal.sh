#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A torn write of e2msim-card's state journal (usim/journal.c) through real
# pcscd + vpcd: after kill -9 the last record of STATE.journal is cut at a
# random octet, as a power cut in the middle of its pwrite() leaves it. The
# card starts, its log says which record was torn and up to where it
# recovered, it shows in the reader, and its SQN state is exactly that of
# the last whole record: the AV before the torn one is refused with an AUTS,
# the torn one and the next are accepted.
. "$(dirname "$0")/../helpers/pcsc-test.sh"

b="$top_builddir"
work=$(mktemp -d)
profile="$top_srcdir/tests/profiles/script.json"
card_state="$work/state"
field() { awk -v k="$1" '$1 == k { print $NF; exit }'; }

# auth SEQ: AUTHENTICATE (3G context) with e2msim-auc's AV for SEQ; the exit
# status of e2msim-auth (0 RES, 3 AUTS)
auth() {
	"$b/tools/e2msim-auc" --profile "$profile" --seq "$1" >"$work/av" || return 9
	"$b/tools/e2msim-auth" --reader 0 --pin 1234 --rand "$(field RAND: <"$work/av")" \
		--autn "$(field AUTN: <"$work/av")" >"$work/auth.out" 2>&1
}

card_start "$profile" --repersonalize
ok=0
for seq in 1 2 3 4 5; do auth "$seq" && ok=$((ok + 1)); done
tap_check "5 AUTHENTICATEs answered with RES before the crash" [ "$ok" -eq 5 ]
kill -KILL "$card_pid"
wait "$card_pid" 2>/dev/null
"$b/tests/pcsc-wait" 0 absent 10

# the journal's last record ends at its last octet that is not zero (the
# file is preallocated with zeros); cut it 1 to 16 octets before its end
journal="$card_state.journal"
end=$(od -An -v -tx1 -w1 "$journal" | awk '$1 != "00" { n = NR } END { print n + 0 }')
cut=$((end - 1 - RANDOM % 16))
tap_check "the journal holds records (its last ends at octet $end)" [ "$end" -gt 16 ]
dd if=/dev/zero of="$journal" bs=1 seek="$cut" count=$((end - cut)) conv=notrunc status=none
: >"$work/card.log"

tap_check "the card starts again after the torn write (octets $cut-$end zeroed)" \
	card_start "$profile"
tap_check "its log names the torn record and where recovery ended" \
	grep -Eq "record LSN [0-9]+ at offset [0-9]+ torn .*recovered up to LSN [0-9]+" "$work/card.log"
grep 'state journal' "$work/card.log" | sed 's/^/# /'
auth 4
tap_check "the last whole record's SQN holds: SEQ 4 again gets an AUTS" [ $? -eq 3 ]
auth 5
tap_check "the torn record's change was never answered for: SEQ 5 is accepted" [ $? -eq 0 ]
auth 6
tap_check "and the card goes on: SEQ 6 accepted" [ $? -eq 0 ]
card_stop
tap_check "the card stops cleanly" [ $? -eq 0 ]
tap_check "no sanitizer report in the card's log" bash -c "! grep -Eq 'Sanitizer|runtime error' '$work/card.log'"
rm -rf "$work"
tap_done
