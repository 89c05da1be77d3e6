#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark of what protection costs a device on the air
# (tests/bench/overhead.c): EDP against DTLS 1.2 (PSK, AES-128-CCM-8,
# measured live with GnuTLS on loopback) and rows computed from published
# sizes (DTLS 1.3, OSCORE with and without EDHOC, ESP), per reading for 1,
# 10, 100 and 1000 readings per key lifetime; CPU time per message. Prints
# the table (also saved to build-bench/overhead.md) and draws
# doc/overhead.png with gnuplot. Not a test: it judges nothing.
#
#   tools/overhead.sh [--reading OCTETS] [--lifetimes N,N,...] [--build DIR]
set -euo pipefail

# shellcheck source=tools/lib.sh
. "$(dirname "$0")/lib.sh"

reading=20 lifetimes=1,10,100,1000 build=""
while [ $# -gt 0 ]; do
	case "$1" in
	--reading) reading=$2; shift 2 ;;
	--lifetimes) lifetimes=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	-h|--help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "overhead.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

if [ -z "$build" ]; then
	e2m_install_deps
	E2M_BUILD="$E2M_TOP/build-bench"
	echo "Building in $E2M_BUILD (-g -O2, no sanitizers) ..." >&2
	unset CFLAGS CPPFLAGS LDFLAGS
	e2m_build --disable-sanitize --disable-werror	# the tree of tools/bench.sh
	make -C "$E2M_BUILD/tests" overhead >>"$E2M_BUILD/make.out" 2>&1 ||
		{ tail -30 "$E2M_BUILD/make.out"; exit 1; }
	build=$E2M_BUILD
fi
if ! command -v gnuplot >/dev/null; then
	[ "$(id -u)" = 0 ] || { echo "overhead.sh: gnuplot missing (Debian: gnuplot-nox)" >&2; exit 1; }
	apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
fi

data="$build/overhead.dat"
"$build/tests/overhead" --reading "$reading" --lifetimes "$lifetimes" --data "$data" |
	tee "$build/overhead.md"

# one line per protocol: octets per reading (with IPv4/UDP) against readings per key lifetime
cols=$(awk -F'\t' 'NR == 1 { print NF - 1 }' "$data")
plot=""
for i in $(seq 1 "$cols"); do
	plot+="${plot:+, }'$data' using 1:$((i + 1)) with linespoints title columnheader($((i + 1)))"
done
gnuplot <<GP
set datafile separator "\t"
set terminal pngcairo size 900,560 font ",10"
set output "$E2M_TOP/doc/overhead.png"
set title "Octets on the device's link per ${reading}-octet reading (IPv4/UDP headers included)"
set xlabel "readings per key lifetime"
set ylabel "octets per reading"
set logscale xy
set yrange [40:1200]
set grid
set key top right box opaque
plot $plot
GP
echo "Plot: doc/overhead.png" >&2
