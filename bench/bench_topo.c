/*
 * bench_topo: the topology builder itself (harness/topo_build.c, what every
 * case runs) against the same work done with iproute2, side by side.
 *
 * For each shape - lines of 2, 20, 200 and 250 hosts (TTL and hop limit stop
 * a longer line), stars of 20, 200 and 1,000 hosts, and a tree of 1,000
 * (every host's parent is (i - 1) / 10) - the same model is built and torn
 * down three ways:
 *   netcase    topo_build() and topo_teardown(): netlink, namespace fds;
 *   ip         a shell script of `ip` commands, one process per command;
 *   ip -batch  one `ip -batch` for the namespaces, one `ip -n NS -batch`
 *              per host and phase.
 * The work is the same: namespaces, lo up, the IPv6 and forwarding sysctls,
 * veth pairs with fixed MACs, both families' addresses, permanent
 * neighbours and every host's routes (topo_routes()).  The ip scripts are
 * written from the model onto a pipe to sh, so nothing is stored; their
 * /run/netns lives in a tmpfs of this process's own mount namespace, so
 * nothing is left in the root's either.  Prints a Markdown table of
 * medians and ratios.
 * Usage: bench_topo [RUNS]   (root; RUNS for the small shapes, default 10;
 *        shapes of 200 hosts or more run RUNS / 3 times, 1,000 once)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "../lang/topo.h"
#include "../harness/topo_build.h"

enum shape { LINE, STAR, TREE };

static const struct {
	const char *name;
	enum shape shape;
	int hosts;
} shapes[] = {
    {"line", LINE, 2},	{"line", LINE, 20},  {"line", LINE, 200},  {"line", LINE, 250},
    {"star", STAR, 20}, {"star", STAR, 200}, {"star", STAR, 1000}, {"tree of 10", TREE, 1000},
};

static int model(struct topo *t, enum shape s, int n)
{
	char name[16];

	topo_init(t);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		if (topo_host_add(t, name) < 0)
			return -ENOMEM;
	}
	for (int i = 1; i < n; i++) {
		int parent = s == LINE ? i - 1 : s == STAR ? 0 : (i - 1) / 10;
		if (topo_link_add(t, parent, i, 0) < 0)
			return -ENOMEM;
	}
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

static void mac(char *b, const uint8_t *m)
{
	sprintf(b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* One command: a line of its own, or in batch mode a line of a here-document. */
#define CMD(f, batch, ...) (fputs((batch) ? "" : "ip ", (f)), fprintf((f), __VA_ARGS__))

/* Host h's sysctls, as `sysctl` arguments. */
static const char *sysctls(const struct topo *t, int h)
{
	return t->hosts[h].nlinks >= 2
		   ? "net.ipv6.conf.default.accept_dad=0 "
		     "net.ipv6.conf.default.router_solicitations=0 net.ipv4.ip_forward=1 "
		     "net.ipv6.conf.all.forwarding=1"
		   : "net.ipv6.conf.default.accept_dad=0 "
		     "net.ipv6.conf.default.router_solicitations=0";
}

/* The veth pairs host h is the first end of (ip: `-n NS` given, batch: the batch's). */
static void script_links(FILE *f, const struct topo *t, int h, int batch)
{
	char ns[24] = "", ma[20], mb[20];

	if (!batch)
		snprintf(ns, sizeof(ns), "-n nb%d ", h);
	for (int l = 0; l < t->nlinks; l++) {
		const struct topo_link *L = &t->links[l];
		if (L->a != h)
			continue;
		mac(ma, L->mac[0]);
		mac(mb, L->mac[1]);
		CMD(f, batch,
		    "%slink add %s address %s type veth peer name %s address %s netns nb%d\n", ns,
		    L->ifname[0], ma, L->ifname[1], mb, L->b);
	}
}

/* Host h's link ends (up, addresses, neighbours), then its routes. */
static void script_config(FILE *f, const struct topo *t, int h, int batch)
{
	char ns[24] = "", m[20], dst[64];
	struct topo_route *v;
	int n;

	if (!batch)
		snprintf(ns, sizeof(ns), "-n nb%d ", h);
	for (int l = 0; l < t->nlinks; l++) {
		const struct topo_link *L = &t->links[l];
		int s = topo_link_side(t, l, h);
		if (s < 0)
			continue;
		mac(m, L->mac[!s]);
		CMD(f, batch, "%slink set %s up\n", ns, L->ifname[s]);
		CMD(f, batch, "%saddr add %s/24 dev %s\n", ns, L->v4[s], L->ifname[s]);
		CMD(f, batch, "%saddr add %s/64 dev %s nodad\n", ns, L->v6[s], L->ifname[s]);
		CMD(f, batch, "%sneigh add %s lladdr %s dev %s nud permanent\n", ns, L->v4[!s], m,
		    L->ifname[s]);
		CMD(f, batch, "%sneigh add %s lladdr %s dev %s nud permanent\n", ns, L->v6[!s], m,
		    L->ifname[s]);
	}
	if (topo_routes(t, h, &v, &n))
		return;
	for (int i = 0; i < n; i++) {
		const struct topo_link *V = &t->links[v[i].via];
		int vs = topo_link_side(t, v[i].via, h);

		topo_route_prefix(&v[i], AF_INET, dst, sizeof(dst));
		CMD(f, batch, "%sroute add %s via %s dev %s\n", ns, dst, V->v4[!vs], V->ifname[vs]);
		topo_route_prefix(&v[i], AF_INET6, dst, sizeof(dst));
		CMD(f, batch, "%sroute add %s via %s dev %s\n", ns, dst, V->v6[!vs], V->ifname[vs]);
	}
	free(v);
}

/* The whole build and teardown as a script for sh, one ip per command. */
static void script_ip(FILE *f, const struct topo *t)
{
	int n = t->nhosts;

	for (int h = 0; h < n; h++)
		fprintf(f, "ip netns add nb%d\nip -n nb%d link set lo up\n", h, h);
	for (int h = 0; h < n; h++)
		fprintf(f, "ip netns exec nb%d sysctl -qw %s\n", h, sysctls(t, h));
	for (int h = 0; h < n; h++)
		script_links(f, t, h, 0);
	for (int h = 0; h < n; h++)
		script_config(f, t, h, 0);
	for (int h = 0; h < n; h++)
		fprintf(f, "ip netns del nb%d\n", h);
}

/* The same with ip -batch: here-documents, a phase per host at a time. */
static void script_batch(FILE *f, const struct topo *t)
{
	int n = t->nhosts;

	fputs("ip -batch - <<'E'\n", f);
	for (int h = 0; h < n; h++)
		fprintf(f, "netns add nb%d\n", h);
	for (int h = 0; h < n; h++)
		fprintf(f, "netns exec nb%d sysctl -qw %s\n", h, sysctls(t, h));
	fputs("E\n", f);
	for (int h = 0; h < n; h++) {
		fprintf(f, "ip -n nb%d -batch - <<'E'\nlink set lo up\n", h);
		script_links(f, t, h, 1);
		fputs("E\n", f);
	}
	for (int h = 0; h < n; h++) {
		fprintf(f, "ip -n nb%d -batch - <<'E'\n", h);
		script_config(f, t, h, 1);
		fputs("E\n", f);
	}
	fputs("ip -batch - <<'E'\n", f);
	for (int h = 0; h < n; h++)
		fprintf(f, "netns del nb%d\n", h);
	fputs("E\n", f);
}

static int run_ip(const struct topo *t, int batch)
{
	/* sh -e stops at the first failing command; the trap removes what is left */
	FILE *f = popen("exec sh -e >/dev/null", "w");

	if (!f)
		return -errno;
	fputs("trap 'ip -all netns del 2>/dev/null' EXIT\n", f);
	if (batch)
		script_batch(f, t);
	else
		script_ip(f, t);
	fputs("trap - EXIT\n", f);
	return pclose(f) == 0 ? 0 : -EIO;
}

static const char *methods[3] = {"netcase", "ip", "ip -batch"};

/* Median ms of runs of method k on t, or a negative errno. */
static double measure(const struct topo *t, int k, int runs)
{
	double *v = calloc(runs, sizeof(double)), med;
	int err = v ? 0 : -ENOMEM;

	for (int i = 0; i < runs && !err; i++) {
		double s = bench_now_ms();
		err = k == 0 ? run_netcase(t) : run_ip(t, k == 2);
		v[i] = bench_now_ms() - s;
	}
	if (err) {
		fprintf(stderr, "bench_topo: %s failed: %s\n", methods[k], strerror(-err));
		free(v);
		return err;
	}
	med = bench_median(v, runs);
	free(v);
	return med;
}

/* ip's /run/netns in a tmpfs of a mount namespace of our own. */
static int private_run(void)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755")) {
		perror("bench_topo: a private /run");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;

	if (geteuid()) {
		fprintf(stderr, "bench_topo: needs root\n");
		return 77;
	}
	if (private_run())
		return 1;
	if (n < 1)
		n = 1;
	printf("| shape | hosts | links | runs | netcase ms | ip ms | ip -batch ms | ms per host "
	       "(netcase) |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (unsigned s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		int h = shapes[s].hosts, runs = h >= 1000 ? 1 : h >= 200 ? (n + 2) / 3 : n;
		double med[3];
		struct topo t;

		if (model(&t, shapes[s].shape, h))
			return 1;
		/* one method at a time: namespace teardown is asynchronous in the
		 * kernel, and interleaving would bill one method for another's */
		for (int k = 0; k < 3; k++)
			if ((med[k] = measure(&t, k, runs)) < 0)
				return 1;
		printf("| %s | %d | %d | %d | %.1f | %.1f (x%.1f) | %.1f (x%.1f) | %.2f |\n",
		       shapes[s].name, h, t.nlinks, runs, med[0], med[1], med[1] / med[0], med[2],
		       med[2] / med[0], med[0] / h);
		fflush(stdout);
		topo_fini(&t);
	}
	return 0;
}
