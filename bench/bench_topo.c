/*
 * bench_topo: set up and tear down a 2-host topology (two namespaces, a veth
 * pair, IPv4 and IPv6 addresses, links up, 5 sysctls) with netcase's netns/
 * layer, against the same built with `ip` one process per command, and with
 * `ip -batch`, side by side in one run.  Prints medians and ratios.
 * Usage: bench_topo [ITERATIONS]   (root)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "../netns/ip.h"
#include "../netns/link.h"
#include "../netns/ns.h"
#include "../netns/sysctl.h"

static const char *sysctls[5][2] = {
    {"net.ipv4.tcp_syncookies", "0"},	  {"net.ipv4.tcp_synack_retries", "2"},
    {"net.ipv4.tcp_fin_timeout", "3"},	  {"net.ipv4.tcp_keepalive_time", "2"},
    {"net.ipv4.tcp_rto_min_us", "10000"},
};

struct side {
	const char *dev, *v4, *v6;
	int first; /* sysctls[first], sysctls[first + 2], ... */
};

/* Runs inside one host's namespace: all its work in one ns_call(). */
static int setup_side(void *p)
{
	const struct side *sd = p;
	int err = link_set(NS_CURRENT, sd->dev, 1, 0);

	if (!err)
		err = ip_addr_add(NS_CURRENT, sd->dev, sd->v4);
	if (!err)
		err = ip_addr_add(NS_CURRENT, sd->dev, sd->v6);
	for (int i = sd->first; i < 5 && !err; i += 2)
		err = sysctl_set(NS_CURRENT, sysctls[i][0], sysctls[i][1]);
	return err;
}

static int run_netcase(void)
{
	struct side sa = {"va", "198.18.0.1/24", "fd00:6e63::1/64", 0};
	struct side sb = {"vb", "198.18.0.2/24", "fd00:6e63::2/64", 1};
	void *args[2] = {&sa, &sb};
	int ns[2], err;

	err = ns_new_many(ns, 2);
	if (err)
		return err;
	struct link_veth v = {
	    .ns_a = ns[0], .ns_b = ns[1], .name_a = "va", .name_b = "vb", .peer_up_by_caller = 1};
	err = link_veth_add(&v);
	if (!err)
		err = ns_call_each(ns, 2, setup_side, args);
	close(ns[0]);
	close(ns[1]);
	return err;
}

/* Run one baseline iteration; on failure remove its named namespaces. */
static int sh(const char *cmd, int i)
{
	char undo[128];

	if (system(cmd) == 0)
		return 0;
	snprintf(undo, sizeof(undo),
		 "ip netns del ncb%d-%da 2>/dev/null; ip netns del ncb%d-%db 2>/dev/null",
		 (int)getpid(), i, (int)getpid(), i);
	if (system(undo) < 0)
		return -EIO;
	return -EIO;
}

static int run_ip(int i)
{
	char c[4096];
	int p = getpid();

	snprintf(c, sizeof(c),
		 "ip netns add ncb%d-%da && ip netns add ncb%d-%db && "
		 "ip -n ncb%d-%da link add va type veth peer name vb netns ncb%d-%db && "
		 "ip -n ncb%d-%da addr add 198.18.0.1/24 dev va && "
		 "ip -n ncb%d-%db addr add 198.18.0.2/24 dev vb && "
		 "ip -n ncb%d-%da addr add fd00:6e63::1/64 dev va nodad && "
		 "ip -n ncb%d-%db addr add fd00:6e63::2/64 dev vb nodad && "
		 "ip -n ncb%d-%da link set va up && ip -n ncb%d-%db link set vb up && "
		 "ip netns exec ncb%d-%da sysctl -qw %s=%s && ip netns exec ncb%d-%db sysctl -qw "
		 "%s=%s && "
		 "ip netns exec ncb%d-%da sysctl -qw %s=%s && ip netns exec ncb%d-%db sysctl -qw "
		 "%s=%s && "
		 "ip netns exec ncb%d-%da sysctl -qw %s=%s && "
		 "ip netns del ncb%d-%da && ip netns del ncb%d-%db",
		 p, i, p, i, p, i, p, i, p, i, p, i, p, i, p, i, p, i, p, i, p, i, sysctls[0][0],
		 sysctls[0][1], p, i, sysctls[1][0], sysctls[1][1], p, i, sysctls[2][0],
		 sysctls[2][1], p, i, sysctls[3][0], sysctls[3][1], p, i, sysctls[4][0],
		 sysctls[4][1], p, i, p, i);
	return sh(c, i);
}

static int run_batch(int i)
{
	char c[4096];
	int p = getpid();

	snprintf(c, sizeof(c),
		 "printf 'netns add ncb%d-%da\\nnetns add ncb%d-%db\\n' | ip -batch - && "
		 "printf 'link add va type veth peer name vb netns ncb%d-%db\\n"
		 "addr add 198.18.0.1/24 dev va\\naddr add fd00:6e63::1/64 dev va nodad\\n"
		 "link set va up\\n' | ip -n ncb%d-%da -batch - && "
		 "printf 'addr add 198.18.0.2/24 dev vb\\naddr add fd00:6e63::2/64 dev vb nodad\\n"
		 "link set vb up\\n' | ip -n ncb%d-%db -batch - && "
		 "ip netns exec ncb%d-%da sh -c 'echo %s >/proc/sys/%s; echo %s >/proc/sys/%s; "
		 "echo %s >/proc/sys/%s' && "
		 "ip netns exec ncb%d-%db sh -c 'echo %s >/proc/sys/%s; echo %s >/proc/sys/%s' && "
		 "printf 'netns del ncb%d-%da\\nnetns del ncb%d-%db\\n' | ip -batch -",
		 p, i, p, i, p, i, p, i, p, i, p, i, sysctls[0][1], "net/ipv4/tcp_syncookies",
		 sysctls[2][1], "net/ipv4/tcp_fin_timeout", sysctls[4][1],
		 "net/ipv4/tcp_rto_min_us", p, i, sysctls[1][1], "net/ipv4/tcp_synack_retries",
		 sysctls[3][1], "net/ipv4/tcp_keepalive_time", p, i, p, i);
	return sh(c, i);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 30;
	double *t[3];
	const char *names[3] = {"netcase netns/ (netlink, fds)", "ip, one process per command",
				"ip -batch"};
	double med[3];

	if (geteuid()) {
		fprintf(stderr, "bench_topo: needs root\n");
		return 77;
	}
	for (int k = 0; k < 3; k++)
		t[k] = calloc(n, sizeof(double));
	/* One method at a time: namespace teardown is asynchronous in the
	 * kernel, and interleaving would bill one method for another's. */
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < n; i++) {
			double s = bench_now_ms();
			int err = k == 0 ? run_netcase() : k == 1 ? run_ip(i) : run_batch(i);

			t[k][i] = bench_now_ms() - s;
			if (err) {
				fprintf(stderr, "bench_topo: %s failed: %s\n", names[k],
					strerror(-err));
				return 1;
			}
		}
	}
	printf("2-host topology setup+teardown (2 netns, veth, 4 addresses, up, 5 sysctls), "
	       "%d runs, medians:\n",
	       n);
	for (int k = 0; k < 3; k++) {
		med[k] = bench_median(t[k], n);
		printf("  %-34s %8.2f ms   x%.1f of netcase\n", names[k], med[k], med[k] / med[0]);
	}
	printf("target: netcase <= 2 ms and >= 10x faster than one-call ip: %s\n",
	       med[0] <= 2 && med[1] / med[0] >= 10 ? "met" : "NOT met");
	return 0;
}
