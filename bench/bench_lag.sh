#!/bin/sh
# bench_lag: how late a verdict comes after the kernel event that decides it,
# in a line of 2, 20 and 200 hosts (listen on the last host and expect it
# listening; connect from the first and expect the connection established).
# The lag is the time the timeline logs "expect ... passed" minus the
# kernel's own stamp of the state change (BPF, so run it as root).
#
#   sh bench/bench_lag.sh [BASELINE]      # BASELINE: another netcase binary,
#                                         # run side by side (e.g. the last release)
#
# Prints, per line length, the median lag of each expectation over RUNS runs
# (default 5), and the ratio baseline / this tree when a baseline is given.
set -eu
cd "$(dirname "$0")/.."
here=$PWD/netcase
base=${1:-}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

line() { # N -> a case on stdout
	n=$1 last=$(($1 - 1)) i=0
	echo "# a line of $n hosts"
	echo "timeout 60s"
	printf 'host'
	while [ $i -lt "$n" ]; do printf ' h%d' $i; i=$((i + 1)); done
	echo
	i=0
	while [ $i -lt $last ]; do echo "link h$i h$((i + 1))"; i=$((i + 1)); done
	echo "sysctl h0 net.ipv4.ip_default_ttl=255"
	echo "sysctl h$last net.ipv4.ip_default_ttl=255"
	echo "start srv: h$last listen :8888"
	echo "expect h$last within 10s: count(state listening and sport = :8888) == 1"
	echo "start c: h0 connect h$last:8888"
	echo "expect h0 within 10s: count(state established and dport = :8888) == 1"
}

lags() { # BINARY CASE -> "listen_ms estab_ms", or "- -" when the case did not pass
	(cd "$work" && "$1" run -v "$2" 2>&1) | awk '
		/CLOSE -> LISTEN \[kernel/ { s = $NF; gsub(/[^0-9.]/, "", s); listen = s }
		/SYN-SENT -> ESTAB \[kernel/ && !est { s = $NF; gsub(/[^0-9.]/, "", s); est = s }
		/expect \(line [0-9]+\) passed/ { n++; if (n == 1) p1 = $1; else p2 = $1 }
		END {
			if (listen == "" || est == "" || n < 2) print "- -"
			else printf "%.1f %.1f\n", (p1 - listen) * 1000, (p2 - est) * 1000
		}'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print NR ? (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) : "-" }'; }

measure() { # BINARY N -> "listen estab" medians
	: >"$work/l" && : >"$work/e"
	i=0
	while [ $i -lt "$runs" ]; do
		lags "$1" "$work/line$2.case" >"$work/one"
		read -r l e <"$work/one"
		[ "$l" = - ] || { echo "$l" >>"$work/l"; echo "$e" >>"$work/e"; }
		i=$((i + 1))
	done
	echo "$(median <"$work/l") $(median <"$work/e")"
}

printf '%-6s %-22s %-22s\n' hosts "listen lag ms" "established lag ms"
for n in 2 20 200; do
	line $n >"$work/line$n.case"
	read -r hl he <<EOF
$(measure "$here" $n)
EOF
	if [ -n "$base" ]; then
		read -r bl be <<EOF
$(measure "$base" $n)
EOF
		printf '%-6s %-22s %-22s\n' "$n" "$hl (baseline $bl)" "$he (baseline $be)"
		awk -v a="$bl" -v b="$hl" -v c="$be" -v d="$he" 'BEGIN {
			if (a + 0 > 0 && b + 0 > 0) printf "       ratio baseline/this: listen %.1fx, established %.1fx\n", a / b, c / (d > 0 ? d : 0.1) }'
	else
		printf '%-6s %-22s %-22s\n' "$n" "$hl" "$he"
	fi
done
