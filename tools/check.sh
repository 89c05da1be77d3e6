#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what is missing, builds with warnings as errors and ASan + UBSan,
# runs every test (unit, APDU scripts, pcscd + vpcd integration; the crash
# test with E2M_CRASH_KILLS (40) kills), then the fuzzers (tools/fuzz.sh):
# their corpora and E2M_FUZZ_SECONDS (5) of search each, then the packages
# (tools/package-test.sh: make distcheck, the Debian packages built, checked
# by lintian, installed, used and purged), and ends with "N passed, N
# failed, N skipped". The long runs (200 kills, an hour of fuzzing) are
# `make check-long`.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

e2m_install_deps || { echo "0 passed, 1 failed"; exit 1; }

# A clone stands on its own: no tracked file may read or cite the team's
# folder beside the checkout (its vectors are in tests/vectors/, its E2M
# profile is doc/e2m-profile.md). The patterns are written so that they do
# not match this file.
standalone_passed=0 standalone_failed=0
if git -C "$E2M_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	outside=$(git -C "$E2M_TOP" grep -n -e '\.\.[/]shared' -e 'SPEC[-]E2M' || true)
	if [ -n "$outside" ]; then
		echo "not ok - tracked files refer to a folder outside the repository:"
		sed 's/^/#   /' <<<"$outside"
		standalone_failed=1
	else
		echo "ok - no tracked file refers to a folder outside the repository"
		standalone_passed=1
	fi
fi
if ! e2m_build --enable-werror --enable-sanitize; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

E2M_CRASH_KILLS=${E2M_CRASH_KILLS:-40} make -C "$E2M_BUILD" -j"$(nproc)" check >"$E2M_BUILD/check.out" 2>&1
rc=$?
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$E2M_BUILD/check.out" | grep -v '^PASS:' || true
for log in $(find "$E2M_BUILD" -name '*.log' -path '*tests*' ! -name test-suite.log); do
	if grep -q '^not ok' "$log"; then
		echo "--- $log"
		cat "$log"
	fi
done

count() { grep -h "^# $1:" "$E2M_BUILD"/tests/test-suite.log 2>/dev/null | awk '{s += $3} END {print s + 0}'; }
passed=$(count PASS)
failed=$(($(count FAIL) + $(count ERROR) + $(count XPASS)))
skipped=$(count SKIP)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	tail -30 "$E2M_BUILD/check.out"
	failed=1
fi

# run_tap COMMAND...: runs a TAP producer, prints its output and adds its
# "ok" and "not ok" lines to passed and failed; a failed exit without a
# "not ok" line counts as one failure.
run_tap() {
	local out rc ok bad
	out=$("$@")
	rc=$?
	echo "$out"
	ok=$(grep -c '^ok ' <<<"$out")
	bad=$(grep -c '^not ok ' <<<"$out")
	[ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	passed=$((passed + ok))
	failed=$((failed + bad))
}
passed=$((passed + standalone_passed))
failed=$((failed + standalone_failed))

# The libFuzzer targets (tools/fuzz.sh, clang): E2M_FUZZ_SECONDS (5) each
# after their corpora, one TAP line each; 0 replays the corpora only.
run_tap "$(dirname "$0")/fuzz.sh" "${E2M_FUZZ_SECONDS:-5}"
# The packages (tools/package-test.sh): make distcheck, dpkg-buildpackage,
# lintian, install, the key agreement with the installed programs, purge;
# one TAP line each.
run_tap "$(dirname "$0")/package-test.sh"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
