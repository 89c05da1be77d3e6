#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The HSE's EDP service killed with SIGKILL (E2M_EDP_KILLS, default 10) at
# random moments while a device (e2msim-auth with --edp-state) streams 200
# readings or more and downlinks are sent through --control: the HSE's window and
# downlink COUNT are durable before a payload is printed or a downlink
# leaves (doc/e2m-profile.md 7), so over all its lives no (KID, COUNT) is
# printed twice, every printed payload is the one the device sent under
# that COUNT, no downlink COUNT repeats, and the device accepts no downlink
# twice. After the last restart every message the device sent is replayed:
# nothing printed before is accepted again, and a second replay is
# accepted not at all. Private network namespace (pcsc-test.sh).
. "$(dirname "$0")/../helpers/pcsc-test.sh"

b="$top_builddir"
kills_wanted=${E2M_EDP_KILLS:-10}
batches=10 per_batch=20
work=$(mktemp -d)
eid=hse.example.org
hse_pid= dev_pid= down_pid=
cleanup() {
	local p
	for p in $dev_pid $down_pid $hse_pid; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

for prog in tools/e2msim-hse tools/e2msim-auth tests/udp-send; do
	[ -x "$b/$prog" ] || { tap_fail "$prog is built"; tap_done; exit; }
done

hexof() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
hse_start() {
	local n
	n=$(grep -c 'EDP listening' "$work/hse.err" 2>/dev/null)
	"$b/tools/e2msim-hse" --edp-listen 127.0.0.1 --state "$work/hse.db" \
		--keyset-file "$work/keysets" --control "$work/ctl" >>"$work/hse.out" 2>>"$work/hse.err" &
	hse_pid=$!
	for _ in $(seq 1 200); do
		[ "$(grep -c 'EDP listening' "$work/hse.err")" -gt "${n:-0}" ] && return 0
		kill -0 "$hse_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
status() { "$b/tools/e2msim-hse" --status --control "$work/ctl"; }

# one keyset (ALG '11', random keys), held by the HSE and stored in the device
kid="$(head -c16 /dev/urandom | base64)@$eid"
k_int=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
k_enc=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '{"kid":"%s","eid":"%s","alg":"11","derivation":"usim","k_int":"%s","k_enc":"%s"}\n' \
	"$kid" "$eid" "$k_int" "$k_enc" >"$work/keysets"
printf '{"version":1,"kid":"%s","alg":"11","k_int":"%s","k_enc":"%s","up_next":0,"down":null}\n' \
	"$kid" "$k_int" "$k_enc" >"$work/dev.json"
sid=$("$b/tools/e2msim-auth" --edp-state "$work/dev.json" | awk '$1 == "edp_sid" { print $2 }')
tap_check "the device's stored keyset has a SID ($sid)" [ ${#sid} -eq 8 ]
hse_start
tap_check "the HSE is up" [ $? -eq 0 ]

# the stream: batch after batch of readings "m<COUNT>", each followed by a
# short wait for downlinks; at least $batches batches, and on until the
# kills are over, so that every kill falls inside the stream
(
	for ((i = 0; i < batches * 10; i++)); do
		[ "$i" -ge "$batches" ] && [ -e "$work/kills.done" ] && break
		texts=()
		for ((j = 0; j < per_batch; j++)); do texts+=("m$((i * per_batch + j))"); done
		"$b/tools/e2msim-auth" --edp-state "$work/dev.json" --edp-send 127.0.0.1 --edp-wait 25 \
			"${texts[@]}" >>"$work/dev.out" 2>>"$work/dev.err"
		echo "rc $?" >>"$work/dev.rc"
	done
) &
dev_pid=$!
# the downlinks, through whichever HSE is up
(
	n=0
	while :; do
		n=$((n + 1))
		"$b/tools/e2msim-hse" --send "$sid" "d$n" --control "$work/ctl" >>"$work/send.out" 2>/dev/null
		sleep 0.05
	done
) &
down_pid=$!

kills=0
while [ "$kills" -lt "$kills_wanted" ] && kill -0 "$dev_pid" 2>/dev/null; do
	sleep "0.$((RANDOM % 40 + 20))"
	kill -KILL "$hse_pid"; wait "$hse_pid" 2>/dev/null
	kills=$((kills + 1))
	hse_start || break
done
touch "$work/kills.done"
wait "$dev_pid"
dev_pid=
kill -TERM "$down_pid"; wait "$down_pid" 2>/dev/null
down_pid=
sleep 0.3

tap_check "the HSE was killed $kills times during the stream and came back each time" \
	bash -c "[ $kills -eq $kills_wanted ] && kill -0 $hse_pid"
ran=$(wc -l <"$work/dev.rc")
tap_check "the device ran $ran batches (at least $batches), each with exit 0" \
	bash -c "[ $ran -ge $batches ] && [ \"\$(grep -c '^rc 0$' '$work/dev.rc')\" = $ran ]"
total=$((ran * per_batch))
tap_check "the device sent COUNT 0 to $((total - 1)), each once" \
	bash -c "[ \"\$(awk '\$1 == \"UPLINK:\" { print \$2 }' '$work/dev.out' | sort -n | uniq | wc -l)\" = $total ] && \
		[ \"\$(grep -c '^UPLINK:' '$work/dev.out')\" = $total ]"

jq -r 'select(.dir == "up") | "\(.kid) \(.count)"' "$work/hse.out" >"$work/up.keys"
accepted=$(wc -l <"$work/up.keys")
tap_check "no (KID, COUNT) printed twice over $kills kills ($accepted of $total readings accepted)" \
	bash -c "[ -z \"\$(sort '$work/up.keys' | uniq -d)\" ] && [ $accepted -ge $((total / 10)) ]"
bad=$(jq -r 'select(.dir == "up") | "\(.count) \(.payload_hex)"' "$work/hse.out" |
	while read -r count hex; do [ "$hex" = "$(hexof "m$count")" ] || echo "$count"; done)
tap_check "every printed payload is the reading the device sent under that COUNT" [ -z "$bad" ]
jq -r 'select(.dir == "down") | .count' "$work/hse.out" >"$work/down.counts"
jq -r 'select(.count != null) | .count' "$work/send.out" >"$work/sent.counts"
tap_check "no downlink COUNT printed twice ($(wc -l <"$work/down.counts") downlinks printed)" \
	bash -c "[ -s '$work/down.counts' ] && [ -z \"\$(sort '$work/down.counts' | uniq -d)\" ]"
tap_check "no downlink COUNT answered twice to --send ($(wc -l <"$work/sent.counts") sent)" \
	bash -c "[ -z \"\$(sort '$work/sent.counts' | uniq -d)\" ]"
tap_check "the device accepted no downlink twice ($(grep -c '^DOWNLINK:' "$work/dev.out") accepted)" \
	bash -c "[ -z \"\$(grep '^DOWNLINK:' '$work/dev.out' | sort | uniq -d)\" ]"

# ---- every message the device sent, again ----
before=$(status | jq .dropped.replay)
n=$(wc -l <"$work/hse.out")
awk '$1 == "UPLINK:" { print $3 }' "$work/dev.out" >"$work/sent.msgs"
"$b/tests/udp-send" --gap 2 127.0.0.1:5729 - <"$work/sent.msgs"
sleep 0.5
tail -n +$((n + 1)) "$work/hse.out" | jq -r 'select(.dir == "up") | "\(.kid) \(.count)"' >"$work/late.keys"
after=$(status | jq .dropped.replay)
tap_check "replayed after the last restart: no message printed before is accepted again ($(wc -l <"$work/late.keys") never-seen ones accepted late, $((after - before)) dropped as replays)" \
	bash -c "[ -z \"\$(sort '$work/up.keys' '$work/late.keys' | uniq -d)\" ] && \
		[ $((after - before)) -ge $accepted ]"
n=$(wc -l <"$work/hse.out")
"$b/tests/udp-send" --gap 2 127.0.0.1:5729 - <"$work/sent.msgs"
sleep 0.5
after2=$(status | jq .dropped.replay)
tap_check "replayed once more: none is accepted, all $total dropped as replays" \
	bash -c "[ \"\$(wc -l <'$work/hse.out')\" = $n ] && [ $((after2 - after)) -eq $total ]"
kill -TERM "$hse_pid"; wait "$hse_pid"
tap_check "the HSE stops on SIGTERM (exit 0)" [ $? -eq 0 ]
hse_pid=
tap_done
