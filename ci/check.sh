#!/bin/sh
# The test command: install dependencies, build, run every test (unit
# suites, namespace integration tests, and every case of the catalogue),
# check formatting and code health (file and function sizes, layering),
# the trust checks (fuzzing, sanitizers and valgrind, soak with signals,
# the catalogue under load), and that a distribution tarball builds and
# passes out of tree (distcheck is the VPATH build: configure and make check
# in a folder of their own), and that the Debian package builds, installs,
# runs a case and purges cleanly.  NETCASE_TRUST=0, NETCASE_DISTCHECK=0,
# NETCASE_PACKAGE=0 and NETCASE_QEMU=0 leave parts out while iterating.
set -eu
cd "$(dirname "$0")/.."
# each stage's wall time, on one line, for the closing summary
began=$(date +%s)
t0=$began
timed() { # NAME: the time since the last stage ended
	now=$(date +%s)
	stages="${stages:-}${stages:+, }$1 $((now - t0)) s"
	echo "time: $1 $((now - t0)) s"
	t0=$now
}
sh ci/deps.sh
sh ci/build.sh
timed "deps and build"
status=0
make -j"$(nproc)" check || status=$?
timed "make check"
if [ $status -ne 0 ]; then
	for f in tests/*.log cases/*/*.log; do
		[ -f "$f" ] || continue
		grep -qE '^:test-result: (FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null && { echo "==== $f"; cat "$f"; }
	done
	exit $status
fi
sh ci/format.sh
sh ci/health.sh
timed "format and health"
if [ "${NETCASE_TRUST:-1}" = 1 ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-60} sh ci/fuzz.sh
	timed fuzz
	sh ci/sanitize.sh
	timed sanitize
	SOAK_RUNS=${SOAK_RUNS:-30} SOAK_SIGNALS=${SOAK_SIGNALS:-10} sh ci/soak.sh
	timed soak
	sh ci/stress.sh
	timed stress
fi
if [ "${NETCASE_DISTCHECK:-1}" = 1 ]; then
	make -j"$(nproc)" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >/dev/null
	echo "distcheck: passed"
	timed distcheck
fi
# the Debian package from the dist tarball: build, lintian, install, a case, purge
if [ "${NETCASE_PACKAGE:-1}" = 1 ]; then
	sh ci/package.sh
	timed package
fi
# netcase's netem probe against a kernel that has netem (Debian's, in qemu)
if [ "${NETCASE_QEMU:-1}" = 1 ]; then
	sh ci/kernel-matrix.sh
	timed "kernel matrix"
fi
echo "time: $(($(date +%s) - began)) s in all ($stages)"
# the closing line, from automake's summary of `make check` above
n() { sed -n "s/^# $1: *//p" test-suite.log; }
echo "tests: $(n PASS) passed, $(( $(n FAIL) + $(n ERROR) + $(n XPASS) )) failed, $(n SKIP) skipped"
