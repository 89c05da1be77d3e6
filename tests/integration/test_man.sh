#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every manual page in doc/man/ (NAME.SECTION) agrees with its program: the
# long and short options the program's --help lists are exactly the ones the
# page's OPTIONS section documents (a ".TP" followed by the option line:
# \fB\-v\fR, \fB\-\-verbose\fR ...). The pages are found by globbing, the
# program by its name in the build tree (then in the source tree, for
# scripts); a page whose program is not built here is skipped, named. Each
# page also has the sections of a manual page, the section its file name
# says, and renders without warnings.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/helpers/tap.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# find_program NAME: the path of the program NAME: built (anywhere in the
# build tree), or a script in a folder of the source tree (not in its
# build directories).
find_program() {
	local p
	p=$(find "$top_builddir" -name .libs -prune -o -type f -perm -u+x -name "$1" -print \
		2>/dev/null | head -1)
	[ -n "$p" ] || p=$(find "$top_srcdir" -maxdepth 2 -path "$top_srcdir/build*" -prune -o \
		-type f -perm -u+x -name "$1" -print 2>/dev/null | head -1)
	[ -n "$p" ] && echo "$p"
}

# options: the option words at the start of each line read, one a line:
# "-v, --verbose  text" gives -v and --verbose, "--vpcd HOST:PORT" --vpcd.
options() {
	awk '{
		for (i = 1; i <= NF; i++) {
			w = $i; sub(/,$/, "", w); sub(/=.*/, "", w)
			if (w !~ /^--?[A-Za-z0-9][A-Za-z0-9-]*$/) break
			print w
		}
	}' | sort -u
}

# help_options PROGRAM: the options of its --help, from the lines that
# begin (after blanks) with an option.
help_options() {
	"$1" --help 2>&1 | grep -E '^[[:space:]]+-' | options
}

# page_options PAGE: the options of the lines after ".TP" in OPTIONS.
page_options() {
	awk '/^\.SH / { in_opts = ($0 ~ /^\.SH "?OPTIONS"?$/) } in_opts && tp { print; tp = 0 }
	     in_opts && /^\.TP/ { tp = 1 }' "$1" |
		sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' | options
}

pages=("$top_srcdir"/doc/man/*.[1-8])
[ -e "${pages[0]}" ] || { tap_fail "no manual pages in doc/man/"; tap_done; exit; }

checked=0
for page in "${pages[@]}"; do
	file=$(basename "$page")
	name=${file%.*} section=${file##*.}

	missing=
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
		grep -Eq "^\.SH \"?$s\"?\$" "$page" || missing="$missing '$s'"
	done
	if [ -z "$missing" ]; then
		tap_ok "$file: has every section"
	else
		tap_fail "$file: lacks the sections$missing"
	fi
	tap_check "$file: .TH names $name in section $section" \
		grep -Eq "^\.TH \"?${name^^}\"? $section " "$page"
	# man's --warnings: groff's warnings on stderr (bad requests, escapes)
	if LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" >/dev/null 2>"$work/warn" &&
	   ! [ -s "$work/warn" ]; then
		tap_ok "$file: renders without warnings"
	else
		tap_fail "$file: renders with warnings: $(tr '\n' ' ' <"$work/warn")"
	fi

	if ! prog=$(find_program "$name"); then
		tap_skip "$file: no program $name in the build tree ($top_builddir) or the source tree"
		continue
	fi
	checked=$((checked + 1))
	help_options "$prog" >"$work/help"
	page_options "$page" >"$work/page"
	if ! [ -s "$work/help" ]; then
		tap_fail "$file: $prog --help lists no option"
		continue
	fi
	only_help=$(comm -23 "$work/help" "$work/page" | tr '\n' ' ')
	only_page=$(comm -13 "$work/help" "$work/page" | tr '\n' ' ')
	if [ -z "$only_help$only_page" ]; then
		tap_ok "$file: documents the $(wc -l <"$work/help") options of $name --help"
	else
		tap_fail "$file: differs from $name --help:${only_help:+ only in --help: $only_help}${only_page:+ only in the page: $only_page}"
	fi
	# and the program's parser (getopt_long) knows each documented option:
	# given alone it may want an argument or other options, but getopt
	# does not call it unrecognized
	[ "$(head -c4 "$prog" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
	unknown=
	while read -r opt; do
		timeout 5 "$prog" "$opt" </dev/null 2>&1 >/dev/null |
			grep -Eq "(unrecognized|invalid) option" && unknown="$unknown $opt"
	done <"$work/page"
	if [ -z "$unknown" ]; then
		tap_ok "$file: $name accepts every option the page documents"
	else
		tap_fail "$file: $name does not know the documented options$unknown"
	fi
done
# a page may lack its program (another branch's, not built here), not all
tap_check "the options of $checked of ${#pages[@]} pages compared with their programs" \
	test "$checked" -gt 0
tap_done
