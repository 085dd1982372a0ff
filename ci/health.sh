#!/bin/sh
# Code health, measured: no source file over 800 lines, no function over 80
# (kernel style, so a body runs from a "{" in column 1 to the next "}" in
# column 1), and the layers stay layered: nothing in libnetns.a calls into
# libharness.a, nothing in liblang.a (the case language) calls into either
# or includes their headers but netns/'s plain data types, and no files of
# lang/, harness/ and netns/ use each other in a circle.  Run from the top of
# the tree, after a build (for the nm part; BUILD=dir when the build is
# elsewhere).
set -eu
status=0
# the sources, not what the build generates (the BPF skeleton)
files=$(ls lang/*.[ch] harness/*.[ch] harness/bpf/*.c netns/*.[ch] tests/*.[ch] bench/*.[ch] | grep -v "\.skel\.h$")
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
# calls up: the symbols a lower library needs that a higher one defines
calls_up() {
	nm -g --defined-only "$build/$2" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"${TMPDIR:-/tmp}/health.$$.h"
	nm -u "$build/$1" 2>/dev/null | awk '{ print $NF }' | sort -u >"${TMPDIR:-/tmp}/health.$$.u"
	comm -12 "${TMPDIR:-/tmp}/health.$$.h" "${TMPDIR:-/tmp}/health.$$.u"
	rm -f "${TMPDIR:-/tmp}/health.$$.h" "${TMPDIR:-/tmp}/health.$$.u"
}
for pair in "libnetns.a libharness.a" "liblang.a libharness.a" "liblang.a libnetns.a"; do
	# shellcheck disable=SC2086
	set -- $pair
	if [ -f "$build/$1" ] && [ -f "$build/$2" ]; then
		up=$(calls_up "$1" "$2")
		if [ -n "$up" ]; then
			echo "health: $1 calls up into $2:" "$up"
			status=1
		fi
	fi
done
# the language includes nothing of the engine (netns/'s data types only)
inc=$(grep -n '#include "\.\./' lang/*.[ch] | grep -v '"\.\./netns/sockdiag\.h"' || true)
if [ -n "$inc" ]; then
	echo "$inc" | sed 's/^/health: the language includes the engine: /'
	status=1
fi
# the files of lang/, harness/ and netns/ form an acyclic graph by use: A uses B
# when A's object refers to a symbol B's defines (calls, and the addresses
# of callbacks taken, as in expect.c's ops table); the command (main.c,
# cli_*.c) sits on top and is left out.  Files are peeled off while some
# uses no file left or no file left uses it; what remains lies on a circle.
objs=$(ls "$build"/lang/*.o "$build"/harness/*.o "$build"/netns/*.o 2>/dev/null | grep -v -e '/main\.o$' -e '/cli_[a-z_]*\.o$' -e '\.bpf\.o$' || true)
if [ -n "$objs" ]; then
	cyc=$(for o in $objs; do
		f=$(basename "$o" .o)
		nm --defined-only "$o" 2>/dev/null | awk -v f="$f" '$2 ~ /^[TDBRC]$/ { print "D", f, $3 }'
		nm -u "$o" 2>/dev/null | awk -v f="$f" '{ print "U", f, $NF }'
	done | awk '
		$1 == "D" { def[$3] = $2; files[$2] = 1; next }
		{ use[NR] = $2 " " $3 }
		END {
			for (i in use) { split(use[i], u, " ")
				if ((u[2] in def) && def[u[2]] != u[1]) edge[u[1] SUBSEP def[u[2]]] = 1 }
			do { changed = 0
				for (f in files) { out = 0; inc = 0
					for (e in edge) { split(e, p, SUBSEP)
						if (p[1] == f && (p[2] in files)) out = 1
						if (p[2] == f && (p[1] in files)) inc = 1 }
					if (!out || !inc) { delete files[f]; changed = 1 } }
			} while (changed)
			for (f in files) printf "%s ", f
		}')
	if [ -n "$cyc" ]; then
		echo "health: these files use each other in a circle: $cyc"
		status=1
	fi
fi
# Files are written as root only through safefs.c (or by openat with O_NOFOLLOW and O_EXCL):
# no path-based write that a planted link could redirect.
unsafe=$(grep -nE 'fopen\([^)]*"[wa]|pcap_dump_open\(|[^_]creat\(|O_CREAT' harness/*.c netns/*.c |
	grep -v -e '^harness/safefs\.c:' -e 'O_CREAT | O_EXCL | O_NOFOLLOW' || true)
if [ -n "$unsafe" ]; then
	echo "$unsafe" | sed 's/^/health: a write by path (use safefs.h): /'
	status=1
fi
nfiles=$(echo "$files" | wc -w)
[ $status -eq 0 ] && echo "health: $nfiles files under 800 lines, every function under 80, layers clean, no circle of uses, no write by path"
exit $status
