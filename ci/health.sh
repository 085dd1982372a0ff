#!/bin/sh
# Code health, measured: no source file over 800 lines, no function over 80
# (kernel style, so a body runs from a "{" in column 1 to the next "}" in
# column 1), and the layers stay layered: nothing in libnetns.a calls into
# libharness.a.  Run from the top of the tree, after a build (for the nm part;
# BUILD=dir when the build is elsewhere).
set -eu
status=0
# the sources, not what the build generates (the BPF skeleton)
files=$(ls harness/*.[ch] harness/bpf/*.c netns/*.[ch] tests/*.[ch] bench/*.[ch] | grep -v "\.skel\.h$")
for f in $files; do
	n=$(wc -l <"$f")
	if [ "$n" -gt 800 ]; then
		echo "health: $f has $n lines (at most 800)"
		status=1
	fi
done
# shellcheck disable=SC2086
long=$(awk -v max=80 '
	/^[a-zA-Z].*\(/ { sig = $0; sigline = FNR }
	/^\{/ { start = FNR; name = sig }
	/^\}/ && start { n = FNR - start + 1
		if (n > max) print FILENAME ":" sigline ": " n " lines: " name
		start = 0 }' $files)
if [ -n "$long" ]; then
	echo "$long" | sed 's/^/health: function over 80 lines: /'
	status=1
fi
build=${BUILD:-.}
if [ -f "$build/libnetns.a" ] && [ -f "$build/libharness.a" ]; then
	nm -g --defined-only "$build/libharness.a" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"${TMPDIR:-/tmp}/health.$$.h"
	nm -u "$build/libnetns.a" 2>/dev/null | awk '{ print $NF }' | sort -u >"${TMPDIR:-/tmp}/health.$$.u"
	up=$(comm -12 "${TMPDIR:-/tmp}/health.$$.h" "${TMPDIR:-/tmp}/health.$$.u")
	rm -f "${TMPDIR:-/tmp}/health.$$.h" "${TMPDIR:-/tmp}/health.$$.u"
	if [ -n "$up" ]; then
		echo "health: libnetns.a calls up into libharness.a:" $up
		status=1
	fi
fi
nfiles=$(echo "$files" | wc -w)
[ $status -eq 0 ] && echo "health: $nfiles files under 800 lines, every function under 80, layers clean"
exit $status
