#!/bin/sh
# libFuzzer (clang, with ASan and UBSan) on the four pure parsers and
# decoders: the case parser, the ss filter (parser, evaluator, kernel
# translation), the captured-frame decoder and the socket-diag decoder.
# First every input kept in tests/fuzz/corpus/TARGET/ (crashers found before,
# now regression inputs) must run clean; then each target fuzzes for
# FUZZ_SECONDS (default 60), seeded from cases/, tests/data/ and the corpus,
# with tests/fuzz/case.dict for the case parser.  The random seed is fixed
# (FUZZ_SEED, default 1) so that CI's verdict follows the code, not the luck
# of one run; long runs for finding new bugs set FUZZ_SEED=0 (libFuzzer then
# picks one) and FUZZ_SECONDS=600.  A new crasher fails the
# run; its input is left in build-fuzz/ - add it to the corpus with the fix.
# Builds a clean copy of the sources (make distdir) out of tree.  Needs clang
# and libclang-rt-14-dev (ci/deps.sh installs them).
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
seed=${FUZZ_SEED:-1}
top=$(pwd)
b="$top/build-fuzz"
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
sh ci/oot-build.sh "$b" "-g -O1 -fno-omit-frame-pointer $san" "" --enable-fuzz \
	tests/fuzz/fuzz_case tests/fuzz/fuzz_filter tests/fuzz/fuzz_pktdecode tests/fuzz/fuzz_sockdiag
# seeds: every case and malformed case; the filters the catalogue uses; the
# recorded pcap and socket dump
mkdir -p "$b/seeds/case" "$b/seeds/filter" "$b/seeds/pktdecode" "$b/seeds/sockdiag"
find cases tests/data/bad -name '*.case' | while read -r f; do
	cp "$f" "$b/seeds/case/$(echo "$f" | tr / _)"
done
grep -rhoE '(count|any|none)\([^#]*\)' cases | sed -E 's/^(count|any|none)\(//; s/\)[^)]*$//' |
	sort -u | awk -v d="$b/seeds/filter" '{ f = d "/f" NR; printf "%s", $0 > f; close(f) }'
cp tests/data/overflow-client-server.pcap "$b/seeds/pktdecode/"
cp tests/data/sockdiag-client.nl "$b/seeds/sockdiag/"
status=0
for t in case filter pktdecode sockdiag; do
	fz="$b/obj/tests/fuzz/fuzz_$t"
	reg="$top/tests/fuzz/corpus/$t"
	dict=""
	[ "$t" = case ] && dict="-dict=$top/tests/fuzz/case.dict"
	# the regression inputs, each once
	if ! "$fz" -runs=0 "$reg" >"$b/$t-regress.log" 2>&1; then
		echo "fuzz $t: a regression input crashes again:"
		tail -n 30 "$b/$t-regress.log"
		status=1
		continue
	fi
	mkdir -p "$b/work/$t"
	# shellcheck disable=SC2086
	if ! "$fz" -max_total_time="$secs" -seed="$seed" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$b/crash-$t-" $dict "$b/work/$t" "$b/seeds/$t" "$reg" \
		>"$b/$t.log" 2>&1; then
		echo "fuzz $t: CRASH (input kept as $(ls "$b"/crash-"$t"-* 2>/dev/null | head -n 1))"
		grep -A 25 -m 1 'ERROR\|runtime error' "$b/$t.log" || tail -n 30 "$b/$t.log"
		status=1
		continue
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b/$t.log")
	cov=$(grep -oE 'cov: [0-9]+' "$b/$t.log" | tail -n 1)
	echo "fuzz $t: ${secs}s, $runs executions, $cov, no crash"
done
exit $status
