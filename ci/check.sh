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
# Each stage's wall time against its budget, on one line for the closing
# summary.  The budgets (seconds, on this project's 2-core CI machine with
# the packages installed: BENCHMARKS.md has the measured times) add up to
# 40 minutes; a stage over its own is named, the whole over 40 minutes fails.
began=$(date +%s)
t0=$began
over=""
timed() { # NAME BUDGET: the time since the last stage ended
	now=$(date +%s)
	took=$((now - t0))
	stages="${stages:-}${stages:+, }$1 $took s"
	echo "time: $1 $took s (budget $2 s)"
	[ "$took" -le "$2" ] || over="${over}${over:+, }$1 ($took s of $2)"
	t0=$now
}
sh ci/deps.sh
sh ci/build.sh
timed "deps and build" 210
status=0
make -j"$(nproc)" check || status=$?
timed "make check" 360
if [ $status -ne 0 ]; then
	for f in tests/*.log cases/*/*.log; do
		[ -f "$f" ] || continue
		grep -qE '^:test-result: (FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null && { echo "==== $f"; cat "$f"; }
	done
	exit $status
fi
sh ci/format.sh
sh ci/health.sh
timed "format and health" 30
if [ "${NETCASE_TRUST:-1}" = 1 ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-60} sh ci/fuzz.sh
	timed fuzz 330
	sh ci/sanitize.sh
	timed sanitize 240
	SOAK_RUNS=${SOAK_RUNS:-30} SOAK_SIGNALS=${SOAK_SIGNALS:-10} sh ci/soak.sh
	timed soak 150
	sh ci/stress.sh
	timed stress 510
fi
if [ "${NETCASE_DISTCHECK:-1}" = 1 ]; then
	make -j"$(nproc)" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >/dev/null
	echo "distcheck: passed"
	timed distcheck 330
fi
# the Debian package from the dist tarball: build, lintian, install, a case, purge
if [ "${NETCASE_PACKAGE:-1}" = 1 ]; then
	sh ci/package.sh
	timed package 90
fi
# netcase's netem probe against a kernel that has netem (Debian's, in qemu)
if [ "${NETCASE_QEMU:-1}" = 1 ]; then
	sh ci/kernel-matrix.sh
	timed "kernel matrix" 150
fi
total=$(($(date +%s) - began))
echo "time: $total s in all, budget 2400 s ($stages)"
[ -z "$over" ] || echo "time: over budget: $over"
if [ "$total" -gt 2400 ]; then
	echo "time: the test command took $total s, over its 40 minutes" >&2
	exit 1
fi
# the closing line, from automake's summary of `make check` above
n() { sed -n "s/^# $1: *//p" test-suite.log; }
echo "tests: $(n PASS) passed, $(( $(n FAIL) + $(n ERROR) + $(n XPASS) )) failed, $(n SKIP) skipped"
