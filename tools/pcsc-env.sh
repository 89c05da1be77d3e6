#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a command next to a private pcscd with the vpcd driver, inside new
# mount, network and PID namespaces (as root): /run/pcscd is a private tmpfs,
# vpcd's ports are on a private loopback, and when the command ends every
# process started in here ends with it. So several can run side by side, and
# nothing is left behind.
#
#   tools/pcsc-env.sh [--readers N] -- COMMAND [ARGS...]
#
# The command finds in its environment E2M_PCSC_LOG (pcscd's log) and
# E2M_PCSC_CONF (its reader configuration, to restart it with). vpcd slot n
# listens on 127.0.0.1:(35963 + n). Each vpcd reader has two slots (PC/SC
# readers "Virtual PCD 00 00" and "... 00 01"); --readers N configures N
# vpcd readers (default 1), so 2N slots on ports 35963 .. 35963 + 2N - 1.
set -euo pipefail

if [ "${E2M_PCSC_ENV_INSIDE:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "pcsc-env.sh: needs root (unshare of mount and network namespaces)" >&2
		exit 2
	fi
	export E2M_PCSC_ENV_INSIDE=1
	exec unshare --mount --net --pid --fork --mount-proc --propagation private -- "$0" "$@"
fi

readers=1
while [ $# -gt 0 ]; do
	case "$1" in
	--readers)
		[[ "${2:-}" =~ ^[1-8]$ ]] || { echo "pcsc-env.sh: --readers takes 1 to 8" >&2; exit 2; }
		readers=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "pcsc-env.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: pcsc-env.sh [--readers N] -- COMMAND [ARGS...]" >&2; exit 2; }

driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
[ -e "$driver" ] || { echo "pcsc-env.sh: $driver missing (package vsmartcard-vpcd)" >&2; exit 2; }

work=$(mktemp -d /tmp/e2msim-pcsc.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/reader.conf.d"
# pcscd keeps at most 16 readers (PCSCLITE_MAX_READERS_CONTEXTS): 8 vpcd
# readers. Names must differ: pcscd numbers each vpcd reader's slots 00 00
# and 00 01 alike. And each needs its own copy of the driver: vpcd keeps its
# connections in a global array indexed by slot alone, which a second reader
# of the same loaded driver would overwrite.
for i in $(seq 0 $((readers - 1))); do
	channel=$(printf '0x%X' $((0x8C7B + 2 * i)))
	lib=$driver
	if [ "$i" -gt 0 ]; then
		lib="$work/libifdvpcd-$i.so"
		cp "$driver" "$lib"
	fi
	cat <<CONF
FRIENDLYNAME "Virtual PCD${i#0}"
DEVICENAME   /dev/null:$channel
LIBPATH      $lib
CHANNELID    $channel

CONF
done > "$work/reader.conf.d/vpcd"

ip link set lo up
mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755 tmpfs /run/pcscd

export E2M_PCSC_LOG="$work/pcscd.log" E2M_PCSC_CONF="$work/reader.conf.d"
pcscd --foreground --info --config "$E2M_PCSC_CONF" >>"$E2M_PCSC_LOG" 2>&1 &

# Ready when the socket exists and vpcd listens on the first port of its
# last reader (8C7B with one reader).
last_port=$(printf '%04X' $((0x8C7B + 2 * (readers - 1))))
for _ in $(seq 1 100); do
	if [ -S /run/pcscd/pcscd.comm ] &&
	   grep -qi ":$last_port 00000000:0000 0A" /proc/net/tcp /proc/net/tcp6; then
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
