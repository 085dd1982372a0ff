/*
 * bench_topo: the topology builder itself (harness/topo_build.c, what every case
 * runs) against the same work done with `ip`, side by side in one run.
 *
 * Part 1: a 2-host topology - two namespaces, lo up, IPv6 quiet on new
 * devices, a veth pair with fixed MACs, IPv4 and IPv6 addresses, four
 * permanent neighbour entries - built and torn down by topo_build() and
 * topo_teardown(), by `ip` one process per command, and by `ip -batch`.
 * Part 2: how topo_build() scales - lines of 2, 20 and 200 hosts and a
 * 100-leaf star, each with its routes end to end.  Prints medians and ratios.
 * Usage: bench_topo [ITERATIONS]   (root)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "../lang/topo.h"
#include "../harness/topo_build.h"

/* A line of n hosts, or a star of n - 1 leaves around host 0. */
static int model(struct topo *t, int n, int star)
{
	char name[16];

	topo_init(t);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		if (topo_host_add(t, name) < 0)
			return -ENOMEM;
	}
	for (int i = 1; i < n; i++)
		if (topo_link_add(t, star ? 0 : i - 1, i, 0) < 0)
			return -ENOMEM;
	return 0;
}

static int run_netcase(const struct topo *t)
{
	char why[256];
	int *ns = calloc(t->nhosts, sizeof(*ns)), err;

	if (!ns)
		return -ENOMEM;
	err = topo_build(t, ns, why, sizeof(why));
	if (err)
		fprintf(stderr, "bench_topo: %s\n", why);
	topo_teardown(ns, t->nhosts);
	free(ns);
	return err;
}

/* The same 2-host work with ip; batch: one `ip -batch` per namespace. */
static int run_ip(int i, int batch)
{
	char a[32], b[32], c[4096];
	int p = getpid();
	const char *q = "net.ipv6.conf.default";

	snprintf(a, sizeof(a), "ncb%d-%da", p, i);
	snprintf(b, sizeof(b), "ncb%d-%db", p, i);
	if (!batch)
		snprintf(
		    c, sizeof(c),
		    "ip netns add %1$s && ip netns add %2$s && ip -n %1$s link set lo up && "
		    "ip -n %2$s link set lo up && "
		    "ip netns exec %1$s sysctl -qw %3$s.accept_dad=0 %3$s.router_solicitations=0 "
		    "&& "
		    "ip netns exec %2$s sysctl -qw %3$s.accept_dad=0 %3$s.router_solicitations=0 "
		    "&& "
		    "ip -n %1$s link add v0-b address 02:6e:63:00:00:01 type veth peer name v0-a "
		    "address 02:6e:63:00:00:02 netns %2$s && "
		    "ip -n %1$s link set v0-b up && ip -n %2$s link set v0-a up && "
		    "ip -n %1$s addr add 198.18.0.1/24 dev v0-b && "
		    "ip -n %1$s addr add fd00:6e63::1/64 dev v0-b nodad && "
		    "ip -n %2$s addr add 198.18.0.2/24 dev v0-a && "
		    "ip -n %2$s addr add fd00:6e63::2/64 dev v0-a nodad && "
		    "ip -n %1$s neigh add 198.18.0.2 lladdr 02:6e:63:00:00:02 dev v0-b nud "
		    "permanent && "
		    "ip -n %1$s neigh add fd00:6e63::2 lladdr 02:6e:63:00:00:02 dev v0-b nud "
		    "permanent && "
		    "ip -n %2$s neigh add 198.18.0.1 lladdr 02:6e:63:00:00:01 dev v0-a nud "
		    "permanent && "
		    "ip -n %2$s neigh add fd00:6e63::1 lladdr 02:6e:63:00:00:01 dev v0-a nud "
		    "permanent && "
		    "ip netns del %1$s && ip netns del %2$s",
		    a, b, q);
	else
		snprintf(
		    c, sizeof(c),
		    "printf 'netns add %1$s\\nnetns add %2$s\\n' | ip -batch - && "
		    "ip netns exec %1$s sh -c 'echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad; "
		    "echo 0 >/proc/sys/net/ipv6/conf/default/router_solicitations' && "
		    "ip netns exec %2$s sh -c 'echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad; "
		    "echo 0 >/proc/sys/net/ipv6/conf/default/router_solicitations' && "
		    "printf 'link set lo up\\nlink add v0-b address 02:6e:63:00:00:01 type veth "
		    "peer "
		    "name v0-a address 02:6e:63:00:00:02 netns %2$s\\nlink set v0-b up\\n"
		    "addr add 198.18.0.1/24 dev v0-b\\naddr add fd00:6e63::1/64 dev v0-b nodad\\n"
		    "neigh add 198.18.0.2 lladdr 02:6e:63:00:00:02 dev v0-b nud permanent\\n"
		    "neigh add fd00:6e63::2 lladdr 02:6e:63:00:00:02 dev v0-b nud permanent\\n' | "
		    "ip -n %1$s -batch - && "
		    "printf 'link set lo up\\nlink set v0-a up\\n"
		    "addr add 198.18.0.2/24 dev v0-a\\naddr add fd00:6e63::2/64 dev v0-a nodad\\n"
		    "neigh add 198.18.0.1 lladdr 02:6e:63:00:00:01 dev v0-a nud permanent\\n"
		    "neigh add fd00:6e63::1 lladdr 02:6e:63:00:00:01 dev v0-a nud permanent\\n' | "
		    "ip -n %2$s -batch - && "
		    "printf 'netns del %1$s\\nnetns del %2$s\\n' | ip -batch -",
		    a, b);
	if (system(c) == 0)
		return 0;
	/* a failed iteration removes its named namespaces */
	snprintf(c, sizeof(c), "ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", a, b);
	return system(c) < 0 ? -errno : -EIO;
}

static int compare(int n)
{
	const char *names[3] = {"netcase topo_build (netlink, fds)", "ip, one process per command",
				"ip -batch per namespace"};
	double *t[3], med[3];
	struct topo two;
	int err = model(&two, 2, 0);

	for (int k = 0; k < 3 && !err; k++) {
		t[k] = calloc(n, sizeof(double));
		if (!t[k])
			return -ENOMEM;
		/* One method at a time: namespace teardown is asynchronous in the
		 * kernel, and interleaving would bill one method for another's. */
		for (int i = 0; i < n && !err; i++) {
			double s = bench_now_ms();
			err = k == 0 ? run_netcase(&two) : run_ip(i, k == 2);
			t[k][i] = bench_now_ms() - s;
			if (err)
				fprintf(stderr, "bench_topo: %s failed: %s\n", names[k],
					strerror(-err));
		}
	}
	topo_fini(&two);
	if (err)
		return err;
	printf("2-host topology build+teardown (2 netns, lo, 4 sysctls, veth, 4 addresses, "
	       "4 neighbours), %d runs, medians:\n",
	       n);
	for (int k = 0; k < 3; k++) {
		med[k] = bench_median(t[k], n);
		printf("  %-34s %8.2f ms   x%.1f of netcase\n", names[k], med[k], med[k] / med[0]);
		free(t[k]);
	}
	return 0;
}

static int scaling(int n)
{
	static const struct {
		int hosts, star;
	} shapes[] = {{2, 0}, {20, 0}, {200, 0}, {101, 1}};

	printf("topo_build scaling (build, routes end to end, teardown), %d runs, medians:\n", n);
	for (unsigned s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		double *v = calloc(n, sizeof(double)), med;
		struct topo t;
		int err = v ? model(&t, shapes[s].hosts, shapes[s].star) : -ENOMEM;

		for (int i = 0; i < n && !err; i++) {
			double st = bench_now_ms();
			err = run_netcase(&t);
			v[i] = bench_now_ms() - st;
		}
		topo_fini(&t);
		if (err) {
			free(v);
			return err;
		}
		med = bench_median(v, n);
		printf("  %-5s of %3d hosts, %3d links  %8.2f ms   %6.3f ms per host\n",
		       shapes[s].star ? "star" : "line", shapes[s].hosts, shapes[s].hosts - 1, med,
		       med / shapes[s].hosts);
		free(v);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 30;

	if (geteuid()) {
		fprintf(stderr, "bench_topo: needs root\n");
		return 77;
	}
	if (n < 1)
		n = 1;
	if (compare(n) || scaling(n > 5 ? 5 : n))
		return 1;
	return 0;
}
