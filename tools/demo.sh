#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job, end to end: installs what is missing, builds, starts a private
# pcscd with the vpcd driver and the e2msim card, and shows the card through
# PC/SC clients. Stops everything it started.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${E2M_PCSC_ENV_INSIDE:-}" != 1 ]; then
	e2m_install_deps
	e2m_build
	exec "$E2M_TOP/tools/pcsc-env.sh" -- "$0" "$@"
fi

b="$E2M_BUILD"
step() { printf '\n== %s\n' "$*"; }

step "Starting e2msim-card on vpcd slot 0 (127.0.0.1:35963)"
"$b/usim/e2msim-card" --profile "$E2M_TOP/usim/profiles/example.json" \
	--state "$b/demo.state" --repersonalize &
"$b/tests/pcsc-wait" 0 present 10

step "Readers, as any PC/SC client sees them"
"$b/tools/e2msim-apdu" --list

step "pcsc_scan: the card's ATR"
timeout 10 pcsc_scan -t 2 -n 2>/dev/null | grep -m1 -A1 "ATR:" || true

step "SELECT MF with its FCP ('61xx' then GET RESPONSE), then EF.ICCID and EF.DIR"
echo "> SELECT MF            00 A4 00 04 02 3F00"
echo "> SELECT EF.ICCID      00 A4 00 0C 02 2FE2"
echo "> READ BINARY          00 B0 00 00 0A"
echo "> READ RECORD EF.DIR 1 00 B2 01 F4 20"
"$b/tools/e2msim-apdu" --atr --reader 0 00A40004023F00 00A4000C022FE2 00B000000A 00B201F420

step "The same through scriptor (pcsc-tools)"
printf '00 A4 00 0C 02 2F E2\n00 B0 00 00 0A\nexit\n' | timeout 10 scriptor -r "Virtual PCD 00 00" 2>&1 |
	grep -E '^[<>]'

step "Done; stopping the card and pcscd"
