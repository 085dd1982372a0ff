#!/bin/sh
# bench_memory: peak memory of a case with 1,000 connections, beside the
# same case with one (the baseline).  Two hosts; a listener and a client
# actor with `connections N`, each sending 100 bytes; the link captured and
# the kernel's events observed as every case is; the case holds the
# connections established for 2 s.  Two figures for each:
#   largest process  ru_maxrss of the biggest process of the run, exact
#                    (GNU time's %M: netcase, its supervisor, the actors);
#   whole run        the sum of every process's PSS (proportional set size:
#                    shared pages split, not counted twice), sampled every
#                    20 ms from /proc; the largest sum seen.
# Usage: sh bench/bench_memory.sh [NETCASE]   (root; default ./netcase)
set -eu
nc=${1:-./netcase}
[ "$(id -u)" = 0 ] || { echo "bench_memory: needs root" >&2; exit 77; }
command -v /usr/bin/time >/dev/null || { echo "bench_memory: needs GNU time (apt-get install time)" >&2; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The case with n connections.
write_case() { # N
	cat >"$dir/conns-$1.case" <<EOF
# $1 connections held established for 2 s (bench/bench_memory.sh)
timeout 60s
host client server
link client server
capture client server
start srv: server listen :8888 backlog 4096
start c: client connect server:8888 send 100 bytes connections $1
expect server within 20s: count(state established and sport = :8888) == $1
expect client throughout 2s: count(state established and dport = :8888) == $1
EOF
}

# The sum of PSS (kB) of pid and all its descendants now.
tree_pss() { # PID
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END {
			n = 1; q[1] = root; sum = 0
			for (i = 1; i <= n; i++) {
				f = "/proc/" q[i] "/smaps_rollup"
				while ((getline line < f) > 0)
					if (line ~ /^Pss:/) { split(line, w, " "); sum += w[2] }
				close(f)
				c = split(kids[q[i]], k, " ")
				for (j = 1; j <= c; j++) q[++n] = k[j]
			}
			print sum
		}'
}

measure() { # N: prints "largest-kB whole-kB verdict"
	write_case "$1"
	/usr/bin/time -f %M -o "$dir/time-$1" "$nc" run -j 1 "$dir/conns-$1.case" >"$dir/out-$1" 2>&1 &
	pid=$!
	peak=0
	while kill -0 "$pid" 2>/dev/null; do
		p=$(tree_pss "$pid")
		[ "${p:-0}" -gt "$peak" ] && peak=$p
		sleep 0.02
	done
	wait "$pid" || true
	verdict=$(awk '/^(PASS|FAIL|ERROR|SKIP) /{print $1; exit}' "$dir/out-$1")
	[ "$verdict" = PASS ] || { cat "$dir/out-$1" >&2; echo "bench_memory: conns-$1 did not pass" >&2; exit 1; }
	echo "$(tail -1 "$dir/time-$1") $peak $verdict"
}

set -- $(measure 1)
b_max=$1 b_pss=$2
set -- $(measure 1000)
echo "| connections | largest process | whole run (PSS, sampled) |"
echo "| --- | --- | --- |"
echo "| 1 (baseline) | $((b_max / 1024)) MiB | $((b_pss / 1024)) MiB |"
awk -v a="$1" -v b="$2" -v ba="$b_max" -v bb="$b_pss" 'BEGIN {
	printf "| 1,000 | %d MiB (x%.1f) | %d MiB (x%.1f) |\n", a / 1024, a / ba, b / 1024, b / bb }'
