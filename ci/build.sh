#!/bin/sh
# Configure and build in the source tree (CI: warnings are errors).
set -eu
cd "$(dirname "$0")/.."
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
	autoreconf -fi >/dev/null
# re-configure when the build files or the set of cases changed
stale=$(find Makefile.am configure cases -newer config.status 2>/dev/null | head -n 1)
[ -f Makefile ] && [ -z "$stale" ] || ./configure -q --enable-werror
make -j"$(nproc)" >/dev/null
