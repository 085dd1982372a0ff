#!/bin/sh
# bench_jobs: the catalogue's wall time at -j 1, 2, 4, 8 and 16 (cases mostly
# wait for kernel timers, so more cases than cores can run at once), each
# beside -j 1, the baseline; and whether any verdict changed with -j.  Run
# as root after a build, on an otherwise idle machine.
#
#   sh bench/bench_jobs.sh [JOBS...]       # default: 1 2 4 8 16
#
# Prints one row per -j: wall seconds, speed-up over -j 1, the latest step
# (how late the harness acted), netcase's own time per case (the run's
# "harness:" line: wall time minus the scenario's, median), and the cases
# whose verdict differs from -j 1's.  --artifacts keeps every case's
# evidence, so the harness time includes writing it.  RUNS (default 1) repeats each and keeps the median wall time.
set -eu
cd "$(dirname "$0")/.."
[ -x ./netcase ] || { echo "bench_jobs: build first (sh ci/build.sh)" >&2; exit 1; }
jobs=${*:-1 2 4 8 16}
runs=${RUNS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

verdicts() { # run output -> "case RESULT" lines from the summary table, sorted for join
	awk '/^case +result/ { t = 1; next } t && NF == 0 { exit } t { print $1, $2 }' "$1" |
		LC_ALL=C sort
}

echo "machine: $(nproc) cores, kernel $(uname -r), $(date -u +%F)"
echo "| -j | wall s (median of $runs) | speed-up over -j 1 | latest step | harness per case | not passed | verdicts unlike -j 1 |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
base=""
for j in $jobs; do
	i=0
	: >"$work/walls"
	while [ $i -lt "$runs" ]; do
		t0=$(date +%s.%N)
		rc=0
		./netcase run -j "$j" --artifacts "$work/ev" cases >"$work/out.$j" 2>&1 || rc=$?
		t1=$(date +%s.%N)
		echo "$t0 $t1" | awk '{ printf "%.1f\n", $2 - $1 }' >>"$work/walls"
		if [ $rc != 0 ]; then # a verdict that is not PASS: keep its evidence
			kept=$(mktemp -d /tmp/bench_jobs.XXXXXX)
			mv "$work/ev" "$work/out.$j" "$kept/"
			cp "$kept/out.$j" "$work/out.$j"
			echo "-j $j: not every case passed; output and evidence kept in $kept" >&2
		fi
		rm -rf "$work/ev"
		i=$((i + 1))
	done
	wall=$(sort -n "$work/walls" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	[ -n "$base" ] || { base=$wall; verdicts "$work/out.$j" >"$work/v.base"; }
	verdicts "$work/out.$j" >"$work/v.$j"
	diff=$(LC_ALL=C join "$work/v.base" "$work/v.$j" | awk '$2 != $3 { printf "%s%s %s->%s", s, $1, $2, $3; s = ", " }')
	late=$(sed -n 's/^latest step: \([0-9.]* ms\).*/\1/p' "$work/out.$j")
	harness=$(sed -n 's/^harness: \([0-9]*\) ms per case.*most \([0-9]*\) ms.*/\1 ms (most \2)/p' "$work/out.$j")
	bad=$(awk '$2 != "PASS" { printf "%s%s %s", s, $1, $2; s = ", " }' "$work/v.$j")
	summary=$(grep -E '^[0-9]+ passed' "$work/out.$j" || echo "no summary")
	echo "| $j | $wall | $(echo "$base $wall" | awk '{ printf "%.2fx", $1 / $2 }') | ${late:-?} | ${harness:-?} | ${bad:-none} | ${diff:-none} ($summary) |"
done
