#!/bin/sh
# A clean copy of the sources (make distdir) built out of tree with clang:
#   sh ci/oot-build.sh DIR "CFLAGS" "LDFLAGS" "CONFIGURE-ARGS" TARGET...
# leaves DIR/src (the copy) and DIR/obj (the build); prints the build log on
# failure.  Used by ci/fuzz.sh and ci/sanitize.sh.
set -eu
cd "$(dirname "$0")/.."
b=$1 cflags=$2 ldflags=$3 args=$4
shift 4
sh ci/build.sh
rm -rf "$b"
mkdir -p "$b/obj"
make -s distdir distdir="$b/src" >/dev/null
# shellcheck disable=SC2086
(cd "$b/obj" && "$b/src/configure" -q CC=clang CFLAGS="$cflags" LDFLAGS="$ldflags" $args &&
	make -s -j"$(nproc)" "$@" >/dev/null 2>"$b/build.log") || { cat "$b/build.log"; exit 1; }
