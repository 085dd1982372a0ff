#!/bin/sh
# Configure and build in the source tree (CI: warnings are errors).
set -eu
cd "$(dirname "$0")/.."
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
	autoreconf -fi >/dev/null
[ -f Makefile ] && [ Makefile -nt Makefile.am ] && [ config.status -nt configure ] ||
	./configure -q --enable-werror
make -j"$(nproc)" >/dev/null
