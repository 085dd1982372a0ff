# Sourced by sigkill.test and sigterm.test with $sig set: signal netcase in
# the middle of a case; its supervisor, every actor and every namespace of
# the case must be gone, with nothing left behind.
. "${top_srcdir:-.}/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to inspect other processes' namespaces"
netcase="$top_builddir/netcase"
case_file="$top_srcdir/cases/keepalive/dead-peer.case"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$netcase" run --artifacts "$out" "$case_file" >"$out/log" 2>&1 &
nc_pid=$!

descendants() { # pids below $1, depth-first
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
# wait (deadline 10 s) until the supervisor has started at least 4 actors
deadline=$(( $(date +%s) + 10 ))
while :; do
	pids=$(descendants "$nc_pid")
	[ "$(echo "$pids" | grep -c .)" -ge 5 ] && break
	[ "$(date +%s)" -lt "$deadline" ] || fail "the case did not start its actors: $(cat "$out/log")"
	sleep 0.05
done
nets=$(for p in $pids; do readlink /proc/"$p"/ns/net; done | sort -u | grep -vF "$(readlink /proc/self/ns/net)")
[ -n "$nets" ] || fail "no actor runs in a namespace of its own"
echo "netcase $nc_pid with $(echo "$pids" | wc -w) processes in $(echo "$nets" | wc -l) namespaces"

kill_ticks=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", $1 * hz}' /proc/uptime)
kill -"$sig" "$nc_pid"
wait "$nc_pid" 2>/dev/null

deadline=$(( $(date +%s) + 10 ))
for p in $pids; do
	while [ -d /proc/"$p" ] && ! grep -q '^State:.*Z' /proc/"$p"/status 2>/dev/null; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "process $p survived: $(cat /proc/"$p"/cmdline | tr '\0' ' ')"
		sleep 0.05
	done
done
# The namespaces were held only by those processes (by their fds and as
# their namespace) and would outlive them only if mounted.  Another test
# running in parallel may get a freed inode number again, so a holder counts
# only if it is a process that existed before the kill.
for n in $nets; do
	for f in /proc/[0-9]*/ns/net; do
		[ "$(readlink "$f" 2>/dev/null)" = "$n" ] || continue
		p=${f#/proc/}; p=${p%%/*}
		started=$(awk '{print $22}' /proc/"$p"/stat 2>/dev/null) || continue
		[ -n "$started" ] && [ "$started" -lt "$kill_ticks" ] &&
			fail "$n is still held by process $p, which existed before the kill"
	done
	ino=$(echo "$n" | tr -dc 0-9)
	grep -q "nsfs.*net:\[$ino\]" /proc/self/mountinfo && fail "$n is still mounted"
done
ip netns list 2>/dev/null | grep -q '^netcase-' && fail "a pinned namespace exists"
echo "after SIG$sig: all $(echo "$pids" | wc -w) processes and $(echo "$nets" | wc -l) namespaces are gone"
