#!/bin/sh
# The catalogue's verdicts do not depend on load: run it at -j 1 (the
# reference), at -j 8, and twice at -j 8 under `stress-ng --cpu 2` - with
# the deadlines as written (no NETCASE_SLOW) - and compare each case's
# verdict with the reference; a case written to fail must FAIL (never
# ERROR) in each of ten copies under the same load.  A failing case prints
# its timeline and verdicts (--explain) into the log.  Budget for the
# stage: about 5 minutes on 2 cores; over STRESS_BUDGET seconds (900) fails.
set -eu
cd "$(dirname "$0")/.."
sh ci/build.sh
budget=${STRESS_BUDGET:-900}
began=$(date +%s)
work=$(mktemp -d)
stress_pid=""
cleanup() {
	[ -n "$stress_pid" ] && kill "$stress_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
verdicts() { # LOG -> "case VERDICT" lines, sorted
	sed -nE 's/^(PASS|FAIL|SKIP|ERROR) +([^ ]+) \(.*/\2 \1/p' "$1" | sort
}
run() { # NAME JOBS DIR
	name=$1 jobs=$2 dir=$3
	start=$(date +%s)
	(cd "$work" && "$OLDPWD/netcase" run --explain -j "$jobs" "$dir" >"$work/$name.log" 2>&1) || true
	verdicts "$work/$name.log" >"$work/$name.v"
	echo "stress: $name: $(grep -E '^[0-9]+ passed' "$work/$name.log" | tail -n 1)" \
		"$(grep '^latest step' "$work/$name.log" || true) in $(($(date +%s) - start)) s"
}
loaded() { # start the CPU load
	stress-ng --cpu 2 --timeout 900 --quiet &
	stress_pid=$!
}
unloaded() {
	kill "$stress_pid" 2>/dev/null || true
	wait "$stress_pid" 2>/dev/null || true
	stress_pid=""
}
run j1 1 "$PWD/cases"
run j8 8 "$PWD/cases"
# ten copies of a case written to fail
mkdir "$work/fail"
for i in 1 2 3 4 5 6 7 8 9 10; do
	cp tests/data/fail/closed-in-window.case "$work/fail/closed-in-window-$i.case"
done
names="j8"
if command -v stress-ng >/dev/null 2>&1; then
	loaded
	run load-1 8 "$PWD/cases"
	run load-2 8 "$PWD/cases"
	run load-fail 8 "$work/fail"
	unloaded
	names="j8 load-1 load-2"
else
	echo "stress: stress-ng not installed; the loaded runs are left out"
	run load-fail 8 "$work/fail"
fi
status=0
[ -s "$work/j1.v" ] || { echo "stress: the reference run gave no verdicts"; cat "$work/j1.log"; exit 1; }
for name in $names; do
	if ! diff -u "$work/j1.v" "$work/$name.v" >"$work/$name.diff"; then
		echo "stress: verdicts at $name differ from -j 1:"
		cat "$work/$name.diff"
		# each case that differs: its failure and its timeline, from the run
		# where it failed (the loaded one, or the reference at -j 1)
		sed -nE 's/^([-+])([^ ]+) (FAIL|ERROR)$/\1 \2/p' "$work/$name.diff" | while read -r side id; do
			log="$work/$name.log"
			[ "$side" = - ] && log="$work/j1.log"
			awk -v id="$id" '$2 == id && ($1 == "FAIL" || $1 == "ERROR") { p = 1; print; next }
				p && /^(PASS|FAIL|SKIP|ERROR) +[^ ]+ \(/ { p = 0 }
				p && /^case +result/ { p = 0 }
				p' "$log"
		done
		status=1
	fi
done
if [ "$(awk '$2 == "FAIL"' "$work/load-fail.v" | wc -l)" != 10 ]; then
	echo "stress: the case written to fail did not FAIL in each of 10 copies under load:"
	cat "$work/load-fail.v"
	status=1
fi
took=$(($(date +%s) - began))
if [ "$took" -gt "$budget" ]; then
	echo "stress: the stage took $took s, over its budget of $budget s"
	status=1
fi
[ $status -eq 0 ] && echo "stress: $(wc -l <"$work/j1.v") cases, the same verdict at -j 1, -j 8 and twice at -j 8 under CPU load; the case written to fail failed 10 of 10 under load; $took s"
exit $status
