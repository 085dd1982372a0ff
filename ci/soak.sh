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
# the first six last 3 s or more, so a signal sent within 2.5 s lands mid-case
set -- "$top/cases/syn/blackhole.case" "$top/cases/middlebox/idle-timeout-rst.case" \
	"$top/cases/keepalive/dead-peer.case" "$top/cases/retrans/peer-vanished.case" \
	"$top/cases/accept/overflow.case" "$top/cases/syn/flood-no-cookies.case" \
	"$top/cases/close/four-way.case" "$top/cases/handshake/states.case" \
	"$top/cases/impair/loss.case" "$top/cases/scale/star-100.case" "$work/fails.case"
ncases=$#
nlong=6

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
# (signalled runs spread over the run, each on a case long enough to be hit)
awk -v n="$runs" -v s="$signals" -v c="$ncases" -v long="$nlong" -v seed="$seed" 'BEGIN {
	srand(seed)
	every = s ? n / s : n + 1
	for (i = 0; i < n; i++) {
		hit = s && i % every < 1 && done < s
		if (hit) {
			done++
			sig = substr("KILLTERMINT ", 1 + 4 * int(rand() * 3), 4)
			printf "%d %s %d\n", 1 + int(rand() * long), sig, 50 + int(rand() * 2450)
		} else {
			printf "%d - 0\n", 1 + int(rand() * c)
		}
	}
}' | sed 's/ *$//' >"$work/plan"
kept=0 sent=0
while read -r k sig delay; do
	eval "case_file=\${$k}"
	sig=$(echo "$sig" | tr -d ' ')
	rm -f "$work/pid"
	# netcase runs as the grandchild (its pid in a file); the subshell's own
	# "Killed" when it reaps it is expected, so its stderr goes nowhere
	(cd "$work" && sh -c 'echo $$ >pid; exec "$0" run --keep "$1" >run.log 2>&1' \
		"$top/netcase" "$case_file"; true) 2>/dev/null &
	job=$!
	if [ "$sig" != "-" ]; then
		sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
		pid=$(cat "$work/pid" 2>/dev/null || true)
		[ -n "$pid" ] && kill -s "$sig" "$pid" 2>/dev/null && sent=$((sent + 1))
	fi
	wait "$job" || true
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
