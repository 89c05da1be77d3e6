#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The layout of doc/architecture.md holds: no include circle between files
# or between the library folders, the card holds no algorithm, AuC or E2M
# code and no file table (fs/ does: one table for the card and the tools),
# the network programs include nothing of the card, e2msim-card links no
# TLS, HTTP or PostgreSQL library, e2msim-probe and e2msim-compare link the
# file table but nothing of the card, and the E2M rules live in e2m/ only.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/helpers/tap.sh"
cd "$top_srcdir" || exit 1

libs="common apdu fs aka e2m usim probe bridge keyd hse gsup"
work=$(mktemp -d)

# "FILE HEADER" for every project include of every library source
for d in $libs; do
	for f in "$d"/*.[ch]; do
		sed -n 's/^#include "\([a-z0-9]*\/[a-z0-9_]*\.h\)".*/\1/p' "$f" | sed "s|^|$f |"
	done
done >"$work/includes"

# tsort reports a loop on stderr
tap_check "no include circle between files" \
	bash -c "tsort <'$work/includes' >/dev/null 2>'$work/tsort-files' && ! [ -s '$work/tsort-files' ]"
awk '{ split($1, a, "/"); split($2, b, "/"); if (a[1] != b[1]) print a[1], b[1] }' "$work/includes" |
	sort -u >"$work/folders"
tap_check "no include circle between folders ($(tr '\n' ',' <"$work/folders" | sed 's/,$//'))" \
	bash -c "tsort <'$work/folders' >/dev/null 2>'$work/tsort-dirs' && ! [ -s '$work/tsort-dirs' ]"
for d in common apdu aka e2m; do
	tap_check "$d/ includes nothing of the card, the bridge or the key service" \
		bash -c "! grep -q '^$d/[^ ]* \(usim\|bridge\|keyd\)/' '$work/includes'"
done

tap_check "usim/ holds no algorithm, AuC or E2M file" \
	bash -c "! ls usim | grep -Eq '^(milenage|tuak|keccak|xor|comp128|auth_alg|auc|sqn|e2m_)'"
tap_check "usim/ holds no file table: fs/ is the one the card and the tools share" \
	bash -c "! ls usim | grep -Eq '^fs' && [ -f fs/fs_uicc.c ]"
tap_check "fs/ is pure data: it includes nothing of another folder" \
	bash -c "! grep -q '^fs/[^ ]* [^f]' '$work/includes'"
tap_check "probe/ includes nothing of the card, its algorithms or E2M (only fs/, apdu/, common/)" \
	bash -c "! grep -q '^probe/[^ ]* \(usim\|aka\|e2m\|bridge\|keyd\)/' '$work/includes'"
tap_check "keyd/, bridge/, hse/ and e2msim-hse include nothing from usim/" \
	bash -c "! grep -l '#include \"usim/' keyd/*.[ch] bridge/*.[ch] hse/*.[ch] tools/e2msim-hse.c"
# the confidentiality and EID rules: only e2m/policy.c walks their lists
tap_check "the E2M rules are applied in e2m/ only" \
	bash -c "! grep -n 'no_confidentiality\.plmn\[\|no_conf\.plmn\[[a-z]\]\.id\|->eids\[i\]\|\.eids\[i\]' \
		*/*.c tests/*/*.c | grep -v '^e2m/'"

card="$top_builddir/usim/e2msim-card"
if [ -x "$card" ]; then
	readelf -d "$card" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >"$work/needed"
	tap_check "e2msim-card links no libcurl, GnuTLS, libmicrohttpd or libpq ($(tr '\n' ' ' <"$work/needed"))" \
		bash -c "! grep -Eq 'curl|gnutls|microhttpd|libpq|osmoabis|gsup-client' '$work/needed'"
else
	tap_fail "e2msim-card is built"
fi
for prog in e2msim-probe e2msim-compare; do
	bin="$top_builddir/probe/$prog"
	if [ -x "$bin" ]; then
		tap_check "$prog links the file table (fs_get) and nothing of the card (usim_*)" \
			bash -c "nm '$bin' | grep -q ' T fs_get$' && ! nm '$bin' | grep -q ' T usim_'"
	else
		tap_fail "$prog is built"
	fi
done
rm -rf "$work"
tap_done
