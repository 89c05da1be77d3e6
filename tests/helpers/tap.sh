# SPDX-License-Identifier: GPL-2.0-or-later
# Minimal TAP producer for shell tests: source it, call tap_ok/tap_fail/
# tap_check, end with tap_done (the plan is printed last, as TAP allows).
tap_n=0
tap_failed=0
tap_ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
tap_fail() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
# tap_check DESCRIPTION COMMAND...: ok when the command succeeds.
tap_check() {
	local desc=$1; shift
	if "$@"; then tap_ok "$desc"; else tap_fail "$desc"; fi
}
# tap_relay PREFIX: re-number TAP lines of a nested producer into ours.
tap_relay() {
	local prefix=$1 line
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"*) tap_skip "$prefix ${line#*# SKIP }" ;;
		"ok "*) tap_ok "$prefix ${line#ok * - }" ;;
		"not ok "*) tap_fail "$prefix ${line#not ok * - }" ;;
		"Bail out!"*) tap_fail "$prefix $line" ;;
		"#"*) echo "$line" ;;
		esac
	done
}
tap_done() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
