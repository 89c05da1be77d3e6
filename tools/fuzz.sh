#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/fuzz.sh [SECONDS [FUZZER...]]: builds the libFuzzer targets of
# tests/fuzz/ in build-fuzz/ (clang, --enable-fuzz: coverage, ASan, UBSan)
# and runs each for SECONDS (default 60) over a copy of its checked-in corpus
# (tests/fuzz/corpus/NAME, with tests/fuzz/NAME.dict where there is one).
# Prints TAP, one line per fuzzer, "ok" when it found no crash, leak, timeout
# or memory blow-up; exits non-zero on any finding. A finding's input stays
# in build-fuzz/fuzz-run/fuzz_NAME/ (crash-*, leak-*, timeout-*, oom-*),
# printed in hex with the end of the log; replay it with
#   build-fuzz/tests/fuzz/fuzz_NAME build-fuzz/fuzz-run/fuzz_NAME/crash-...
# SECONDS 0 only replays the corpus. tools/check.sh runs it for
# E2M_FUZZ_SECONDS (60). Before a release, or after changing a parser or the
# card, fuzz longer: tools/fuzz.sh 3600.
# Up to E2M_FUZZ_JOBS (default: the number of CPUs) fuzzers run at once.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

seconds=${1:-60}
case "$seconds" in
*[!0-9]* | "") echo "usage: $0 [SECONDS [card|profile|vpcd|atcsim|keyset|e2m_msg|edp...]]" >&2; exit 2 ;;
esac
shift $(($# > 0 ? 1 : 0))
fuzzers=("$@")
[ ${#fuzzers[@]} -gt 0 ] || fuzzers=(card profile vpcd atcsim keyset e2m_msg edp)
jobs_max=${E2M_FUZZ_JOBS:-$(nproc)}
E2M_BUILD="$E2M_TOP/build-fuzz"	# e2m_build builds there
run_dir="$E2M_BUILD/fuzz-run"
src="$E2M_TOP/tests/fuzz"

for f in "${fuzzers[@]}"; do
	if [ ! -d "$src/corpus/$f" ]; then
		echo "Bail out! no fuzzer $f (tests/fuzz/corpus/$f)"
		exit 1
	fi
done
echo "1..${#fuzzers[@]}"
if ! e2m_install_deps || ! CC=clang CFLAGS="-g -O1" e2m_build --enable-fuzz; then
	for i in "${!fuzzers[@]}"; do
		echo "not ok $((i + 1)) - fuzz_${fuzzers[i]}: the fuzz build failed (clang with libFuzzer?)"
	done
	exit 1
fi

# run_one NAME: one fuzzer, its verdict as a TAP line in its directory.
run_one() {
	local name=$1 dir="$run_dir/fuzz_$1" rc opts=()
	rm -rf "$dir"
	mkdir -p "$dir/corpus"
	cp "$src/corpus/$name"/* "$dir/corpus/"
	[ -f "$src/$name.dict" ] && opts+=(-dict="$src/$name.dict")
	# -max_total_time=0 would be no limit at all
	if [ "$seconds" -gt 0 ]; then opts+=(-max_total_time="$seconds"); else opts+=(-runs=0); fi
	UBSAN_OPTIONS=print_stacktrace=1 "$E2M_BUILD/tests/fuzz/fuzz_$name" "${opts[@]}" \
		-timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/" "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	local findings stats what="${seconds}s"
	[ "$seconds" -gt 0 ] || what="corpus replay"
	findings=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \))
	stats=$(awk '/^#[0-9]+.*(DONE|pulse|NEW|REDUCE)/ { last = $0 }
		/stat::number_of_executed_units/ { runs = $2 }
		/stat::average_exec_per_sec/ { eps = $2 }
		END { match(last, /cov: [0-9]+ ft: [0-9]+ corp: [^ ]+/)
		      printf "%s runs, %s exec/s, %s", runs, eps, substr(last, RSTART, RLENGTH) }' \
		"$dir/log")
	if [ "$rc" -eq 0 ] && [ -z "$findings" ]; then
		echo "ok - fuzz_$name $what: $stats" >"$dir/result"
		return
	fi
	{
		echo "not ok - fuzz_$name $what: exit $rc, $stats"
		for f in $findings; do
			echo "# finding $f:"
			{ od -An -v -tx1 "$f" | tr -d ' \n' | fold -w 64; echo; } | sed 's/^/#   /'
		done
		echo "# end of $dir/log:"
		grep -v '^#[0-9]' "$dir/log" | tail -40 | sed 's/^/#   /'
	} >"$dir/result"
}

for f in "${fuzzers[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
	run_one "$f" &
done
wait

failed=0
for i in "${!fuzzers[@]}"; do
	result="$run_dir/fuzz_${fuzzers[i]}/result"
	[ -f "$result" ] || echo "not ok - fuzz_${fuzzers[i]}: no verdict" >"$result"
	sed "1s/^\(ok\|not ok\) - /\1 $((i + 1)) - /" "$result"
	grep -q '^ok' "$result" || failed=1
done
exit "$failed"
