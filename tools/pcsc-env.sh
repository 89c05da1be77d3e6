#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a command next to a private pcscd with the vpcd driver, inside new
# mount, network and PID namespaces (as root): /run/pcscd is a private tmpfs,
# vpcd's ports are on a private loopback, and when the command ends every
# process started in here ends with it. So several can run side by side, and
# nothing is left behind.
#
#   tools/pcsc-env.sh [--slots N] -- COMMAND [ARGS...]
#
# The command finds in its environment E2M_PCSC_LOG (pcscd's log) and
# E2M_PCSC_CONF (its reader configuration, to restart it with). vpcd slot n
# listens on 127.0.0.1:(35963 + n).
set -euo pipefail

if [ "${E2M_PCSC_ENV_INSIDE:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "pcsc-env.sh: needs root (unshare of mount and network namespaces)" >&2
		exit 2
	fi
	export E2M_PCSC_ENV_INSIDE=1
	exec unshare --mount --net --pid --fork --mount-proc --propagation private -- "$0" "$@"
fi

while [ $# -gt 0 ]; do
	case "$1" in
	--) shift; break ;;
	*) echo "pcsc-env.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: pcsc-env.sh -- COMMAND [ARGS...]" >&2; exit 2; }

driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
[ -e "$driver" ] || { echo "pcsc-env.sh: $driver missing (package vsmartcard-vpcd)" >&2; exit 2; }

work=$(mktemp -d /tmp/e2msim-pcsc.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/reader.conf.d"
cat > "$work/reader.conf.d/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      $driver
CHANNELID    0x8C7B
CONF

ip link set lo up
mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755 tmpfs /run/pcscd

export E2M_PCSC_LOG="$work/pcscd.log" E2M_PCSC_CONF="$work/reader.conf.d"
pcscd --foreground --info --config "$E2M_PCSC_CONF" >>"$E2M_PCSC_LOG" 2>&1 &

# Ready when the socket exists and vpcd listens on its first port (8C7B).
for _ in $(seq 1 100); do
	if [ -S /run/pcscd/pcscd.comm ] && grep -qi ':8C7B 00000000:0000 0A' /proc/net/tcp /proc/net/tcp6; then
		break
	fi
	sleep 0.1
done
if ! [ -S /run/pcscd/pcscd.comm ]; then
	echo "pcsc-env.sh: pcscd did not start; its log:" >&2
	cat "$E2M_PCSC_LOG" >&2
	exit 1
fi

"$@"
