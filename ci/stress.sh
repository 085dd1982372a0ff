#!/bin/sh
# The catalogue's verdicts do not depend on load: run it at -j 1 (the
# reference), at -j 8, and at -j 2 under `stress-ng --cpu 2`, and compare each
# case's verdict with the reference.  Under load the deadlines are widened by
# NETCASE_SLOW=3 (see netcase(1)); windows and kernel timers are not.
set -eu
cd "$(dirname "$0")/.."
sh ci/build.sh
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
run() { # NAME JOBS [env...]
	name=$1 jobs=$2
	shift 2
	start=$(date +%s)
	(cd "$work" && env "$@" "$OLDPWD/netcase" run -j "$jobs" "$OLDPWD/cases" >"$work/$name.log" 2>&1) || true
	verdicts "$work/$name.log" >"$work/$name.v"
	echo "stress: $name: $(tail -n 1 "$work/$name.log") in $(($(date +%s) - start)) s"
}
run j1 1 NETCASE_SLOW=1
run j8 8 NETCASE_SLOW=1
if command -v stress-ng >/dev/null 2>&1; then
	stress-ng --cpu 2 --timeout 600 --quiet &
	stress_pid=$!
	run cpu-stress 2 NETCASE_SLOW=3
	kill "$stress_pid" 2>/dev/null || true
	wait "$stress_pid" 2>/dev/null || true
	stress_pid=""
else
	echo "stress: stress-ng not installed; the loaded run is left out"
	cp "$work/j1.v" "$work/cpu-stress.v"
fi
status=0
[ -s "$work/j1.v" ] || { echo "stress: the reference run gave no verdicts"; cat "$work/j1.log"; exit 1; }
for name in j8 cpu-stress; do
	if ! diff -u "$work/j1.v" "$work/$name.v" >"$work/$name.diff"; then
		echo "stress: verdicts at $name differ from -j 1:"
		cat "$work/$name.diff"
		grep -A 12 '^FAIL ' "$work/$name.log" | head -n 60
		status=1
	fi
done
[ $status -eq 0 ] && echo "stress: $(wc -l <"$work/j1.v") cases, the same verdict at -j 1, -j 8 and under CPU load"
exit $status
