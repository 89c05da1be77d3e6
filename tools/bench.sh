#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark program (issue "Proof under stress"): measures, in one run,
#  1. E2M AUTHENTICATE per second in one thread at the card's entry point,
#     store in memory and durable, beside libosmocore's osmo_auth_gen_vec
#     (tests/bench/bench_auth.c);
#  2. APDU round trips through a real pcscd + vpcd against e2msim-card and
#     against a do-nothing echo card, the floor of the PC/SC stack, and an
#     echo card that makes one fdatasync per AUTHENTICATE, the floor of a
#     durable change (tests/bench/bench_pcsc.c, tests/helpers/echo-card.c;
#     inside tools/pcsc-env.sh);
#  3. the resident memory of e2msim-card serving 1 and 16 cards;
#  4. E2M AUTHENTICATEs per second with the durable store, one card alone
#     and 16 cards of one process at once (group commit);
# beside the disk's flush floor, measured in the same run on the filesystem
# of the durable store (tests/bench/bench_fsync.c: 4 KiB pwrite + fdatasync);
# and prints one Markdown report with the machine it ran on and the targets
# of the issue next to the figures. Not a test: it judges nothing but
# "met" / "NOT met" against those targets; wrong answers of a card make
# it say so loudly and exit 1. Builds (-g -O2, no sanitizers) in build-bench/.
# Needs root (tools/pcsc-env.sh).
#
#   tools/bench.sh [--quick] [--seconds S] [--count N]
#     --seconds S   at least S seconds per in-process row (default 2)
#     --count N     exchanges per APDU and card through pcscd (default 2000)
#     --quick       a short run to try it out (figures not for the README)
set -euo pipefail

# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"
E2M_BUILD="$E2M_TOP/build-bench"
TESTS="$E2M_BUILD/tests"
CARD="$E2M_BUILD/usim/e2msim-card"
RSS_TARGET_KIB=1024	# < 1 MiB resident memory per served card

# Part 2 and 3, run inside tools/pcsc-env.sh: bench.sh --pcsc-part TMP COUNT
pcsc_part() {
	local tmp=$1 count=$2 flush=$3 pids=() i
	local rc=0 profiles=()

	# 16 profiles: the E2M test profile with distinct ICCIDs and IMSIs
	mkdir -p "$tmp/profiles"
	for i in $(seq -w 0 15); do
		sed -e "s/\"iccid\": \"[0-9]*\"/\"iccid\": \"89001010000001000$i\"/" \
		    -e "s/\"imsi\": \"[0-9]*\"/\"imsi\": \"0010100000010$i\"/" \
		    "$E2M_TOP/tests/profiles/e2m.json" >"$tmp/profiles/card-$i.json"
		profiles+=(--profile "$tmp/profiles/card-$i.json")
	done
	local p0="$tmp/profiles/card-00.json"

	wait_present() {	# READER...
		local r
		for r in "$@"; do
			"$TESTS/pcsc-wait" "$r" present 20 ||
				{ echo "bench.sh: no card in reader $r; pcscd log:" >&2; tail -20 "$E2M_PCSC_LOG" >&2; return 1; }
		done
	}
	stop_all() {	# READER...: the readers to see empty again
		local p r
		for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
		for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
		pids=()
		for r in "$@"; do "$TESTS/pcsc-wait" "$r" absent 20 || true; done
	}

	echo "### 2. APDU round trip through pcscd + vpcd (SCardTransmit, one exchange each)"
	echo
	"$CARD" --profile "$p0" --state "$tmp/latency.state" --repersonalize --vpcd 127.0.0.1:35963 \
		2>>"$tmp/card.log" &
	pids+=($!)
	"$TESTS/echo-card" --vpcd 127.0.0.1:35964 2>>"$tmp/card.log" &
	pids+=($!)
	"$CARD" --profile "$p0" --state :memory: --vpcd 127.0.0.1:35965 2>>"$tmp/card.log" &
	pids+=($!)
	"$TESTS/echo-card" --vpcd 127.0.0.1:35966 --flush "$tmp/echo-flush.bin" 2>>"$tmp/card.log" &
	pids+=($!)
	wait_present 0 1 2 3
	# every card on the second CPU, pcscd and the client on the first: all
	# exchanges cross between them alike, none gains from where the
	# scheduler happened to put its card
	local client=()
	if [ "$(nproc)" -ge 2 ]; then
		for i in "${pids[@]}"; do taskset -apc 1 "$i" >/dev/null; done
		taskset -apc 0 "$(pgrep -x pcscd)" >/dev/null
		client=(taskset -c 0)
	fi
	"${client[@]}" "$TESTS/bench_pcsc" --profile "$p0" --count "$count" --echo 1 --echo-flush 3 --flush-us "$flush" \
		"e2msim-card, durable store=0" "e2msim-card, store in memory=2" || rc=1
	stop_all 0 1 2 3
	echo
	echo "Readers take turns in blocks of 10 exchanges, so that other load on the machine falls on all alike; 50 more per reader and APDU before, as warm-up. The cards run on CPU 1, pcscd and the client on CPU 0 (taskset), so that all exchanges take the same path between the CPUs. The target is checked on the median."
	echo "The durable card makes every accepted SQN durable (one pwrite and one fdatasync of its journal) before it answers. Floor of a read: the echo card's median. Floor of a durable change: the echo card that writes 64 octets over a preallocated file and fdatasync()s it before it answers an AUTHENTICATE (\`echo-card --flush\`), measured end to end in the same turns: echo + one flush with the flush's own sleep and wake-ups. The row below the durable card's gives its ratio to echo + the disk's fdatasync ($flush µs, measured above) added up, for comparison."
	echo

	echo "### 3. Resident memory of one e2msim-card process (VmRSS)"
	echo
	rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
	"$CARD" --profile "$p0" --state "$tmp/rss1.state" --repersonalize 2>>"$tmp/card.log" &
	pids+=($!)
	wait_present 0
	"$TESTS/bench_pcsc" --profile "$p0" --touch 0 || rc=1
	local rss1
	rss1=$(rss_of "${pids[0]}")
	stop_all 0

	"$CARD" "${profiles[@]}" --state "$tmp/rss16.state" --repersonalize 2>>"$tmp/card.log" &
	pids+=($!)
	wait_present $(seq 0 15)
	"$TESTS/bench_pcsc" --profile "$p0" --touch $(seq 0 15) || rc=1
	local rss16
	rss16=$(rss_of "${pids[0]}")
	stop_all $(seq 0 15)	# the readers empty before the next card process

	local per=$(( (rss16 - rss1) / 15 ))
	echo "| e2msim-card serving | VmRSS KiB | Cards connected to vpcd and answered | Target | Result |"
	echo "|---|---:|---|---|---|"
	echo "| 1 card | $rss1 | 1 of 1 (SELECT, READ BINARY, SELECT USIM, VERIFY, E2M AUTHENTICATE) | - | - |"
	echo "| 16 cards | $rss16 | 16 of 16 (the same APDUs each) | - | - |"
	echo "| per served card, (RSS16 - RSS1) / 15 | $per | - | < $RSS_TARGET_KIB KiB | $([ "$per" -lt "$RSS_TARGET_KIB" ] && echo met || echo '**NOT met**') |"
	echo
	echo "Durable store (a file); 16 cards on vpcd ports 35963..35978 (tools/pcsc-env.sh --readers 8)."
	echo
	echo "### 4. E2M AUTHENTICATE throughput, durable store, cards of one process at once"
	echo
	"$CARD" "${profiles[@]}" --state "$tmp/conc.state" --repersonalize 2>>"$tmp/card.log" &
	pids+=($!)
	wait_present $(seq 0 15)
	local one sixteen n1=$((count * 2)) n16=$((count / 2))
	one=$("$TESTS/bench_pcsc" --profile "$p0" --count "$n1" --concurrent 0) || rc=1
	sixteen=$("$TESTS/bench_pcsc" --profile "$p0" --count "$n16" --skip "$n1" --concurrent $(seq 0 15)) || rc=1
	stop_all
	read -r _ ops1 s1 ps1 <<<"$one"
	read -r _ ops16 s16 ps16 <<<"$sixteen"
	local ratio
	ratio=$(awk -v a="$ps16" -v b="$ps1" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	echo "| Cards at once | AUTHENTICATEs | Seconds | Per second | Ratio to one card | 16 x one card | Target | Result |"
	echo "|---:|---:|---:|---:|---:|---:|---|---|"
	echo "| 1 | $ops1 | $s1 | $ps1 | 1.00 | - | - | (reference) |"
	echo "| 16 | $ops16 | $s16 | $ps16 | $ratio | $((ps1 * 16)) | >= 4 x one card | $(awk -v r="$ratio" 'BEGIN { print (r >= 4 ? "met" : "**NOT met**") }') |"
	echo
	echo "One thread per reader, each with its own PC/SC context, AUTHENTICATE after AUTHENTICATE; the card process answers the cards whose C-APDUs came in one poll round after one shared flush (group commit)."
	echo

	return $rc
}

# Processes using 5 % of a CPU or more now (over half a second), as top sees them.
busy_processes() {
	top -b -n 2 -d 0.5 -w 200 | awk '
		/^top -/ { n++ }
		n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 5 { printf "%s%s %s%%", sep, $12, $9; sep = ", " }
		END { if (!sep) printf "none"; print "" }'
}

if [ "${1:-}" = --pcsc-part ]; then
	pcsc_part "$2" "$3" "$4"
	exit
fi

seconds=2 count=2000 min_ops=20000 min_ops_durable=500
cmdline="tools/bench.sh $*"
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) seconds=0.3 count=200 min_ops=2000 min_ops_durable=100; shift ;;
	--seconds) seconds=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	-h|--help) sed -n '3,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "bench.sh: needs root (tools/pcsc-env.sh)" >&2
	exit 2
fi

e2m_install_deps
echo "Building in $E2M_BUILD (-g -O2, no sanitizers) ..." >&2
unset CFLAGS CPPFLAGS LDFLAGS
e2m_build --disable-sanitize --disable-werror
make -C "$TESTS" bench_auth bench_pcsc bench_fsync echo-card pcsc-wait >>"$E2M_BUILD/make.out" 2>&1 ||
	{ tail -30 "$E2M_BUILD/make.out"; exit 1; }

tmp=$(mktemp -d "$E2M_BUILD/bench.XXXXXX")	# on the filesystem of the tree
trap 'rm -rf "$tmp"' EXIT
out="$tmp/report.md"
rc=0

{
	echo "## e2msim benchmark"
	echo
	echo "- Command: \`$cmdline\`"
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "- CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores online"
	echo "- Kernel: $(uname -srm)"
	echo "- Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- Other processes using >= 5 % CPU at start: $(busy_processes)"
	echo "- Build: $(${CC:-gcc} --version | head -1), CFLAGS \`$(sed -n 's/^CFLAGS = //p' "$E2M_BUILD/Makefile")\`, no sanitizers"
	echo "- Libraries: libosmocore $(pkg-config --modversion libosmocore), SQLite $(pkg-config --modversion sqlite3), OpenSSL $(pkg-config --modversion libcrypto), pcsc-lite $(pkg-config --modversion libpcsclite), vpcd $(dpkg-query -W -f='${Version}' vsmartcard-vpcd 2>/dev/null || echo '?')"
	echo "- Source: $(git -C "$E2M_TOP" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git -C "$E2M_TOP" status --porcelain 2>/dev/null)" ] && echo ' with uncommitted changes')"
	echo "- Durable store: a file in $tmp ($(df -T "$tmp" | awk 'NR == 2 { print $2 " on " $1 }'))"
	echo
	read -r flush_us flush_p99 <<<"$("$TESTS/bench_fsync" "$tmp" 2000)"
	echo "- Disk flush floor: one 4 KiB pwrite + fdatasync over allocated blocks of a file in $tmp, 2000 times: median $flush_us µs, p99 $flush_p99 µs"
	echo
	echo "### 1. E2M AUTHENTICATE in process, one thread (usim_card_apdu, no sockets)"
	echo
} | tee "$out"

echo "Running the in-process benchmark ..." >&2
"$TESTS/bench_auth" --dir "$tmp" --seconds "$seconds" --min-ops "$min_ops" \
	--min-ops-durable "$min_ops_durable" | tee -a "$out" || rc=1
{
	echo
	echo "Every row: at least $seconds s and $min_ops operations in memory, $min_ops_durable durable; every answer checked ('DB', RES = XRES, '9000'). AVs made before each timed loop with SQN increasing. \"Per second\" is wall-clock time and is what the target is checked against; \"per CPU-second\" counts this thread's CPU time only. The AuC rows are the network side (f1..f5, one AV) on the same K, OPc and RAND, for reference."
	echo
} | tee -a "$out"

echo "Running pcscd + vpcd (tools/pcsc-env.sh --readers 8) ..." >&2
flush_us=$(sed -n 's/^- Disk flush floor: .*median \([0-9.]*\) µs.*/\1/p' "$out")
"$E2M_TOP/tools/pcsc-env.sh" --readers 8 -- "$0" --pcsc-part "$tmp" "$count" "$flush_us" | tee -a "$out" || rc=1

{
	echo
	echo "- Load average at end: $(cut -d' ' -f1-3 /proc/loadavg); processes using >= 5 % CPU: $(busy_processes)"
	echo
	echo "### Targets"
	echo
	echo "| Figure | Value | Target | Result |"
	echo "|---|---:|---|---|"
	awk -F' *\\| *' '
		/^### 1\./ { s = 1 } /^### 2\./ { s = 2 } /^### 3\./ { s = 3 } /^### 4\./ { s = 4 }
		s == 1 && $10 ~ /^>=/ { print "| E2M AUTHENTICATE in process, " $2 ", store " $4 " | " $7 "/s | " $10 " | " $11 " |" }
		s == 2 && $15 ~ /median/ { print "| " $2 ", " $3 ", median ratio to its floor | " $13 " | " $15 " | " $16 " |" }
		s == 4 && $8 ~ /one card/ { print "| E2M AUTHENTICATE/s, durable, 16 cards at once against one card | " $6 " (" $5 "/s) | " $8 " | " $9 " |" }
		s == 3 && $5 ~ /KiB/ { print "| memory per served card | " $3 " KiB | " $5 " | " $6 " |" }
	' "$out"
} | tee -a "$out.targets"
cat "$out.targets" >>"$out"
cp "$out" "$E2M_BUILD/bench-report.md"
echo "(report also in $E2M_BUILD/bench-report.md)" >&2
if [ "$rc" != 0 ]; then
	echo
	echo "**NOT A VALID RUN: wrong answers (rows marked INVALID) or a part that failed; see stderr.**"
fi
exit $rc
