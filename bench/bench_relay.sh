#!/bin/sh
# bench_relay: how accurate the relay (--impair relay) is, each figure beside
# what the case configured or, for its own cost, beside a plain veth link
# measured in the same run:
#   - RTT with 1, 10 and 100 ms one way (both directions delayed), against
#     2 x delay;
#   - jitter: 10 ms +- 5 ms one way, the spread of RTTs against a uniform
#     distribution's (5 / sqrt 3 ms standard deviation, range 5..15 ms);
#   - loss at 1% and 10% over 10,000 pings, against the configured rate;
#   - the throughput of one TCP stream for 2 s (the bytes IP received)
#     through the relay without delay and with 10 ms, against the plain link
#     (which keeps its offloads: the relay's link has none);
#   - the latency the relay adds at zero delay, against the plain link.
# ping does the measuring (iputils-ping, IPv4), netcase runs each case in
# its namespaces.  Run as root from the top of a built tree:
#
#   sh bench/bench_relay.sh            # prints the table BENCHMARKS.md keeps
#   BENCH_IMPAIR=netem sh bench/bench_relay.sh   # the same through the qdiscs
#
# netem needs sch_netem, which this machine's kernel lacks: the kernel
# matrix's guest runs both backends one after the other in one boot
# (MATRIX_BENCH=1 sh ci/kernel-matrix.sh).
set -eu
cd "$(dirname "$0")/.."
nc=$PWD/netcase
impair=${BENCH_IMPAIR:-relay}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CASE-NAME NETEM-LINES ACTOR-LINE TIMEOUT -> runs it, its evidence in $work/ev
run_case() {
	{
		echo "timeout $4"
		echo "host client"
		echo "host server"
		echo "link client server"
		printf '%s\n' "$2"
		echo "$3"
	} >"$work/$1.case"
	rm -rf "$work/ev" && mkdir -p "$work/ev"
	(cd "$work" && "$nc" run --impair "$impair" --artifacts "$work/ev" "$1.case" >"$work/$1.out" 2>&1) ||
		{ echo "bench_relay: $1 did not pass:" >&2; cat "$work/$1.out" >&2; exit 1; }
}

# NAME NETEM-LINES COUNT INTERVAL -> "min avg max mdev loss%" of ping from
# client to server: iputils' summary (to the microsecond), or else computed
# from each reply's time= (busybox's ping, which the guest's sh prefers,
# prints no mdev; its awk has no sqrt(), hence Newton's)
ping_case() {
	run_case "$1" "$2" "start p: client exec sh -c \"ping -4 -n -c $3 -i $4 server; true\"
expect p exits within 120s: ok" 150s
	out=$(find "$work/ev" -name p.out)
	awk -v sent="$3" '/ time=/ { sub(/.* time=/, ""); t = $1 + 0; n++; s += t; ss += t * t
			if (n == 1 || t < min) min = t; if (t > max) max = t }
		/^rtt min\/avg\/max\/mdev = / { split($4, r, "/") }
		END { if (!n) exit 1; avg = s / n; v = ss / n - avg * avg; sd = 0
			if (v > 0) { sd = v; for (k = 0; k < 60; k++) sd = (sd + v / sd) / 2 }
			if (4 in r) { min = r[1]; avg = r[2]; max = r[3]; sd = r[4] }
			printf "%.3f %.3f %.3f %.3f %.2f\n", min, avg, max, sd, 100 * (sent - n) / sent }' "$out" ||
		{ echo "bench_relay: $1: no ping replies in ${out:-(no p.out)}:" >&2; cat "$work/$1.out" ${out:+"$out"} >&2; exit 1; }
}

# NAME NETEM-LINES -> MB/s the server received in 2 s of one stream
stream_case() {
	run_case "$1" "$2" "start srv: server listen :8888
start c: client connect server:8888 stream
sleep 2s" 20s
	awk '$1 == "IpExtInOctets" { printf "%.1f\n", $2 / 2 / 1e6 }' "$(find "$work/ev" -name counters-server.txt)"
}

echo "backend: $impair"
printf '%-34s %-22s %-22s %s\n' figure "configured / baseline" measured ratio
plain=$(ping_case plain "" 200 0.01)
zero=$(ping_case zero "netem client -> server delay 0ms
netem server -> client delay 0ms" 200 0.01)
set -- $plain
pavg=$2
set -- $zero
printf '%-34s %-22s %-22s %s\n' "RTT, $impair without delay" "plain veth $pavg ms" "$2 ms" \
	"+$(awk -v a="$2" -v b="$pavg" 'BEGIN { printf "%.3f ms", a - b }')"
for d in 1 10 100; do
	set -- $(ping_case "rtt$d" "netem client -> server delay ${d}ms
netem server -> client delay ${d}ms" 50 0.05)
	printf '%-34s %-22s %-22s %s\n' "RTT, ${d} ms each way" "$((2 * d)) ms" \
		"$2 ms (min $1, max $3)" "$(awk -v a="$2" -v b=$((2 * d)) 'BEGIN { printf "%.3fx", a / b }')"
done
set -- $(ping_case jitter "netem client -> server delay 10ms jitter 5ms" 1000 0.005)
printf '%-34s %-22s %-22s %s\n' "jitter 10 ms +- 5 ms one way" "sd 2.887 ms, 5..15" \
	"mdev $4 ms, $1..$3" "$(awk -v a="$4" 'BEGIN { printf "%.2fx", a / 2.887 }')"
for p in 1 10; do
	set -- $(ping_case "loss$p" "netem client -> server loss ${p}% seed 1" 10000 0.001)
	printf '%-34s %-22s %-22s %s\n' "loss ${p}% of 10000 pings" "$p%" "$5%" \
		"$(awk -v a="$5" -v b="$p" 'BEGIN { printf "%.2fx", a / b }')"
done
base=$(stream_case tplain "")
for d in 0 10; do
	mbs=$(stream_case "t$d" "netem client -> server delay ${d}ms")
	printf '%-34s %-22s %-22s %s\n' "one TCP stream, ${d} ms one way" "plain veth $base MB/s" \
		"$mbs MB/s" "$(awk -v a="$mbs" -v b="$base" 'BEGIN { printf "%.2fx", a / b }')"
done
echo "machine: $(nproc) cores, $(uname -r); $(date -u +%Y-%m-%d)"
