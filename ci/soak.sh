#!/bin/sh
# Soak: SOAK_RUNS (default 30) runs of catalogue cases, SOAK_SIGNALS (default
# 10) of them hit mid-case by a random SIGKILL, SIGTERM or SIGINT, every run
# with --keep and a failing case among them (so something is pinned), then
# `netcase clean`.  Afterwards the machine must equal its baseline: no
# process in a network namespace that was not there before, no namespace held
# by any fd, no mount or /run/netns entry of netcase's, no BPF program, and
# the root namespace's links, addresses, routes, rules, net.* sysctls and
# nftables ruleset as they were.  SOAK_SEED makes a run repeatable.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
. "$top/tests/lib.sh"
sh ci/build.sh
runs=${SOAK_RUNS:-30}
signals=${SOAK_SIGNALS:-10}
seed=${SOAK_SEED:-$$}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a case that fails on purpose: --keep pins its namespaces
cat >"$work/fails.case" <<'CASE'
# fails on purpose, so --keep has something to pin
host a
host b
link a b
start srv: b listen :80
expect a within 200ms: count(state established) == 1
CASE
set -- "$top/cases/close/four-way.case" "$top/cases/handshake/states.case" \
	"$top/cases/syn/flood-cookies.case" "$top/cases/accept/overflow-abort.case" \
	"$top/cases/impair/loss.case" "$top/cases/close/time-wait.case" \
	"$top/cases/syn/blackhole.case" "$top/cases/middlebox/idle-timeout-rst.case" \
	"$top/cases/scale/star-100.case" "$work/fails.case"
ncases=$#

# What must not change: namespaces of processes and fds, mounts, BPF, root.
machine() {
	for p in /proc/[0-9]*; do
		readlink "$p/ns/net" 2>/dev/null
		ls -l "$p/fd" 2>/dev/null | grep -o 'net:\[[0-9]*\]'
	done | sort -u
	grep -E 'netns|nsfs' /proc/self/mountinfo | awk '{print $5}' | sort
	ls /run/netns 2>/dev/null | grep '^netcase-' || true
	if command -v bpftool >/dev/null 2>&1; then bpftool prog list 2>/dev/null | grep -c . || true; fi
	root_snapshot
}
machine >"$work/before"
# random numbers from awk, seeded: one line per run, "CASE SIGNAL DELAY-MS"
awk -v n="$runs" -v s="$signals" -v c="$ncases" -v seed="$seed" 'BEGIN {
	srand(seed)
	for (i = 0; i < n; i++) {
		sig = i < s ? substr("KILLTERMINT ", 1 + 4 * int(rand() * 3), 4) : "-"
		printf "%d %s %d\n", 1 + int(rand() * c), sig, 50 + int(rand() * 1500)
	}
}' | sed 's/ *$//' >"$work/plan"
kept=0 sent=0
while read -r k sig delay; do
	eval "case_file=\${$k}"
	sig=$(echo "$sig" | tr -d ' ')
	(cd "$work" && exec "$top/netcase" run --keep "$case_file" >"$work/run.log" 2>&1) &
	pid=$!
	if [ "$sig" != "-" ]; then
		sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
		kill -s "$sig" "$pid" 2>/dev/null && sent=$((sent + 1))
	fi
	wait "$pid" || true
	grep -q 'kept: ip netns exec' "$work/run.log" && kept=$((kept + 1))
	"$top/netcase" clean >/dev/null
done <"$work/plan"
# namespace teardown is asynchronous: wait (at most 10 s) for it to settle
end=$(($(date +%s) + 10))
while :; do
	machine >"$work/after"
	cmp -s "$work/before" "$work/after" && break
	[ "$(date +%s)" -ge "$end" ] && break
	sleep 0.2
done
if ! diff -u "$work/before" "$work/after"; then
	echo "soak: the machine differs from its baseline after $runs runs (seed $seed)"
	exit 1
fi
echo "soak: $runs runs (seed $seed), $sent signals mid-case, $kept kept and cleaned;" \
	"processes, namespaces, mounts, /run/netns, BPF and the root namespace equal the baseline" \
	"($(wc -l <"$work/before") lines)"
