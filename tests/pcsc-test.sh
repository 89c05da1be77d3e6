# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced first by every test that needs pcscd + vpcd: finds the source and
# build trees (from the test harness, or from the script's place), moves the
# test into a private pcscd (tools/pcsc-env.sh: it runs again in there), and
# brings in the TAP helpers.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
if [ "${E2M_PCSC_ENV_INSIDE:-}" != 1 ]; then
	exec "$top_srcdir/tools/pcsc-env.sh" -- "$0" "$@"
fi
. "$top_srcdir/tests/tap.sh"
