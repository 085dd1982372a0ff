#define _GNU_SOURCE
#include "topo_build.h"
#include "cleanup.h"
#include "clock.h"
#include "relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../netns/ip.h"
#include "../netns/link.h"
#include "../netns/ns.h"
#include "../netns/sysctl.h"

/* The first link end's interface index: past lo and what a case adds (ifb). */
#define TOPO_IFINDEX0 1000

/* One host's share of the build, done on a thread inside its namespace. */
struct host_job {
	const struct topo *t;
	const int *ns;
	const int *relay_ns; /* per link: its relay's namespace, or -1 (NULL: none) */
	int h;
	char why[256];
};

#define JOB_FAIL(j, err, ...) (snprintf((j)->why, sizeof((j)->why), __VA_ARGS__), (err))

/* Before any link exists: lo up, IPv6 quiet on new devices, forwarding. */
static int host_prepare(void *arg)
{
	struct host_job *j = arg;
	const struct topo_host *H = &j->t->hosts[j->h];
	int err = link_set(NS_CURRENT, "lo", 1, 0);

	if (err)
		return JOB_FAIL(j, err, "host %s: lo up: %s", H->name, strerror(-err));
	/* IPv6 on veth without DAD or router solicitations on the wire */
	sysctl_set(NS_CURRENT, "net.ipv6.conf.default.accept_dad", "0");
	sysctl_set(NS_CURRENT, "net.ipv6.conf.default.router_solicitations", "0");
	if (H->nlinks >= 2) {
		err = sysctl_set(NS_CURRENT, "net.ipv4.ip_forward", "1");
		if (!err)
			err = sysctl_set(NS_CURRENT, "net.ipv6.conf.all.forwarding", "1");
		if (err)
			return JOB_FAIL(j, err, "host %s: enable forwarding: %s", H->name,
					strerror(-err));
	}
	return 0;
}

/*
 * Link l with a relay in its middle: host a's end paired with the relay's
 * RELAY_END_A, the relay's RELAY_END_B with host b's end (v as for a
 * plain link, the peer left down for the caller), offloads off on all
 * four ends so that every frame the relay moves is one segment with its
 * checksum done.
 */
static int relayed_link(struct host_job *j, int l, const struct link_veth *v)
{
	const struct topo_link *L = &j->t->links[l];
	int R = j->relay_ns[l];
	struct link_veth a = *v, b = *v;
	int err;

	a.ns_b = R;
	a.name_b = RELAY_END_A;
	a.mac_b = NULL;
	a.mtu_b = L->mtu[0];
	a.ifindex_b = 0;
	a.peer_up_by_caller = 0;
	b.ns_a = R;
	b.name_a = RELAY_END_B;
	b.mac_a = NULL;
	b.mtu = L->mtu[1];
	b.ifindex_a = 0;
	err = link_veth_add(&a);
	if (!err)
		err = link_veth_add(&b);
	if (!err)
		err = link_offloads_set(NS_CURRENT, L->ifname[0], 0);
	if (!err)
		err = link_offloads_set(R, RELAY_END_A, 0);
	if (!err)
		err = link_offloads_set(R, RELAY_END_B, 0);
	if (!err)
		err = link_offloads_set(j->ns[L->b], L->ifname[1], 0);
	return err;
}

/* The veth pairs whose first end is this host's, each peer straight into its namespace. */
static int host_links(void *arg)
{
	struct host_job *j = arg;
	const struct topo *t = j->t;

	for (int l = 0; l < t->nlinks; l++) {
		const struct topo_link *L = &t->links[l];
		struct link_veth v = {
		    .ns_a = NS_CURRENT,
		    .ns_b = j->ns[L->b],
		    .name_a = L->ifname[0],
		    .name_b = L->ifname[1],
		    .mac_a = L->mac[0],
		    .mac_b = L->mac[1],
		    .mtu = L->mtu[0],
		    .mtu_b = L->mtu[1],
		    .peer_up_by_caller = 1,
		    /* unequal, so the kernel activates both ends at once (link.h) */
		    .ifindex_a = TOPO_IFINDEX0 + 2 * l,
		    .ifindex_b = TOPO_IFINDEX0 + 2 * l + 1,
		};
		int err;

		if (L->a != j->h)
			continue;
		if (j->relay_ns && j->relay_ns[l] >= 0)
			err = relayed_link(j, l, &v);
		else
			err = link_veth_add(&v);
		if (err)
			return JOB_FAIL(j, err, "link %s %s: %s", t->hosts[L->a].name,
					t->hosts[L->b].name, strerror(-err));
	}
	return 0;
}

/* This host's end of link l: up (the peer end), addresses, neighbours. */
static int host_link_end(struct host_job *j, int l, int s)
{
	const struct topo_link *L = &j->t->links[l];
	char cidr[64];
	int err = s ? link_set(NS_CURRENT, L->ifname[s], 1, 0) : 0;

	snprintf(cidr, sizeof(cidr), "%s/24", L->v4[s]);
	if (!err)
		err = ip_addr_add(NS_CURRENT, L->ifname[s], cidr);
	snprintf(cidr, sizeof(cidr), "%s/64", L->v6[s]);
	if (!err)
		err = ip_addr_add(NS_CURRENT, L->ifname[s], cidr);
	if (!err)
		err = ip_neigh_add(NS_CURRENT, L->ifname[s], L->v4[!s], L->mac[!s]);
	if (!err)
		err = ip_neigh_add(NS_CURRENT, L->ifname[s], L->v6[!s], L->mac[!s]);
	if (err)
		return JOB_FAIL(j, err, "link %s %s: addresses on %s: %s", j->t->hosts[L->a].name,
				j->t->hosts[L->b].name, j->t->hosts[j->h].name, strerror(-err));
	return 0;
}

/* Install one route (both families) in the current namespace. */
static int host_route(struct host_job *j, const struct topo_route *rt)
{
	const struct topo_link *V = &j->t->links[rt->via];
	int vs = topo_link_side(j->t, rt->via, j->h), err;
	char dst[64];
	struct ip_route r = {.dst = dst, .dev = V->ifname[vs], .gateway = V->v4[!vs]};

	topo_route_prefix(rt, AF_INET, dst, sizeof(dst));
	err = ip_route_add(NS_CURRENT, &r);
	if (!err) {
		topo_route_prefix(rt, AF_INET6, dst, sizeof(dst));
		r.gateway = V->v6[!vs];
		err = ip_route_add(NS_CURRENT, &r);
	}
	if (err)
		return JOB_FAIL(j, err, "host %s: route to %s: %s", j->t->hosts[j->h].name, dst,
				strerror(-err));
	return 0;
}

static int host_routes(struct host_job *j)
{
	struct topo_route *v;
	int n, err = topo_routes(j->t, j->h, &v, &n);

	if (err)
		return JOB_FAIL(j, err, "host %s: routes: %s", j->t->hosts[j->h].name,
				strerror(-err));
	for (int i = 0; i < n && !err; i++)
		err = host_route(j, &v[i]);
	free(v);
	return err;
}

/* Once every link exists: this host's link ends, then its routes. */
static int host_configure(void *arg)
{
	struct host_job *j = arg;
	const struct topo *t = j->t;
	int err = 0;

	for (int l = 0; l < t->nlinks && !err; l++) {
		int s = topo_link_side(t, l, j->h);
		if (s >= 0)
			err = host_link_end(j, l, s);
	}
	return err ? err : host_routes(j);
}

/* Run one phase on every host at once; the first failure's message. */
static int phase(struct host_job *jobs, const int *ns, int n, int (*fn)(void *), void **args,
		 char *why, size_t len)
{
	int err = ns_call_each(ns, n, fn, args);

	if (!err)
		return 0;
	for (int h = 0; h < n; h++)
		if (jobs[h].why[0]) {
			snprintf(why, len, "%s", jobs[h].why);
			return err;
		}
	snprintf(why, len, "%s", strerror(-err));
	return err;
}

/* A namespace for each relayed link, IPv6 off in it before any device
 * exists (its ends have no addresses and must send nothing of their own). */
static int relays_make(const struct topo *t, int *relay_ns, char *why, size_t len)
{
	int err = 0;

	/* the marks first become -1, so a failure half way closes only fds */
	for (int l = 0; l < t->nlinks; l++)
		relay_ns[l] = relay_ns[l] >= 0 ? -2 : -1;
	for (int l = 0; l < t->nlinks && !err; l++) {
		if (relay_ns[l] == -1)
			continue;
		relay_ns[l] = ns_new();
		err = relay_ns[l] < 0 ? relay_ns[l] : 0;
		if (err)
			relay_ns[l] = -1;
		if (!err)
			err = sysctl_set(relay_ns[l], "net.ipv6.conf.default.disable_ipv6", "1");
		if (!err)
			err = sysctl_set(relay_ns[l], "net.ipv6.conf.all.disable_ipv6", "1");
		if (err)
			snprintf(why, len, "the relay of link %s %s: %s",
				 t->hosts[t->links[l].a].name, t->hosts[t->links[l].b].name,
				 strerror(-err));
	}
	for (int l = 0; l < t->nlinks; l++)
		if (relay_ns[l] == -2)
			relay_ns[l] = -1;
	return err;
}

int topo_build(const struct topo *t, int *ns, char *why, size_t len)
{
	return topo_build_relayed(t, ns, NULL, why, len);
}

int topo_build_relayed(const struct topo *t, int *ns, int *relay_ns, char *why, size_t len)
{
	int n = t->nhosts, err;
	_cleanup_free_ struct host_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	_cleanup_free_ void **args = calloc(n ? n : 1, sizeof(*args));

	for (int h = 0; h < n; h++)
		ns[h] = -1;
	if (!jobs || !args) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	for (int h = 0; h < n; h++) {
		jobs[h] = (struct host_job){.t = t, .ns = ns, .relay_ns = relay_ns, .h = h};
		args[h] = &jobs[h];
	}
	err = ns_new_many(ns, n);
	if (err) {
		snprintf(why, len, "cannot create %d network namespaces: %s", n, strerror(-err));
		return err;
	}
	err = relay_ns ? relays_make(t, relay_ns, why, len) : 0;
	if (!err)
		err = phase(jobs, ns, n, host_prepare, args, why, len);
	if (!err)
		err = phase(jobs, ns, n, host_links, args, why, len);
	if (!err)
		err = phase(jobs, ns, n, host_configure, args, why, len);
	/* a build that fails halfway leaves nothing: the namespaces go with all in them */
	if (err) {
		topo_teardown(ns, n);
		if (relay_ns)
			topo_teardown(relay_ns, t->nlinks);
	}
	return err;
}

/* Host h's devices ready (1), not yet (0, why says what), or -errno. */
static int host_ready(const struct topo *t, const int *ns, int h, char *why, size_t len)
{
	char what[128];
	int err = link_unready(ns[h], what, sizeof(what));

	if (err > 0)
		snprintf(why, len, "host %s: %s", t->hosts[h].name, what);
	else if (err < 0)
		snprintf(why, len, "host %s: devices: %s", t->hosts[h].name, strerror(-err));
	return err < 0 ? err : !err;
}

/* Look at host h again after a change (or the deadline): 1 when it left the wait. */
static int ready_again(const struct topo *t, const int *ns, int h, struct pollfd *pf, int *err,
		       char *why, size_t len)
{
	int ok = host_ready(t, ns, h, why, len);

	if (ok < 0)
		*err = ok;
	if (ok > 0)
		pf->fd = -1; /* poll() skips it from now on */
	return ok > 0;
}

int topo_wait_ready(const struct topo *t, const int *ns, double timeout_s, char *why, size_t len)
{
	int n = t->nhosts, err = 0, left = n;
	_cleanup_free_ struct pollfd *pf = calloc(n ? n : 1, sizeof(*pf));
	_cleanup_free_ int *fds = calloc(n ? n : 1, sizeof(*fds));
	double end = clock_now() + timeout_s;
	char first[256];

	if (!pf || !fds)
		return -ENOMEM;
	/* subscribe first, then look: a change after the look wakes the poll */
	for (int h = 0; h < n; h++) {
		fds[h] = link_watch_open(ns[h]);
		pf[h] = (struct pollfd){.fd = fds[h], .events = POLLIN};
		if (fds[h] < 0 && !err) {
			err = fds[h];
			snprintf(why, len, "host %s: link notifications: %s", t->hosts[h].name,
				 strerror(-err));
		}
	}
	for (int h = 0; h < n && !err; h++)
		left -= ready_again(t, ns, h, &pf[h], &err, why, len);
	snprintf(first, sizeof(first), "%s", left ? why : "");
	while (!err && left) {
		double wait = end - clock_now();
		int k = wait > 0 ? poll(pf, n, (int)(wait * 1000) + 1) : 0;

		if (k < 0 && errno != EINTR)
			err = -errno;
		for (int h = 0; h < n && k > 0 && !err; h++) {
			if (pf[h].fd < 0 || !(pf[h].revents & POLLIN))
				continue;
			link_watch_drain(pf[h].fd);
			left -= ready_again(t, ns, h, &pf[h], &err, why, len);
		}
		if (k == 0 && !err) {
			/* the deadline: name the first host still waiting, as it is now */
			for (int h = 0; h < n && !err; h++)
				if (pf[h].fd >= 0 && !ready_again(t, ns, h, &pf[h], &err, why, len))
					err = -ETIMEDOUT;
			left = 0;
		}
	}
	for (int h = 0; h < n; h++)
		if (fds[h] >= 0)
			close(fds[h]);
	if (!err)
		snprintf(why, len, "%s", first);
	return err;
}

int topo_wait_ns_ready(int ns, double timeout_s, char *why, size_t len)
{
	double end = clock_now() + timeout_s;
	int fd = link_watch_open(ns), err;

	if (fd < 0) {
		snprintf(why, len, "link notifications: %s", strerror(-fd));
		return fd;
	}
	while ((err = link_unready(ns, why, len)) > 0 && clock_now() < end) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (poll(&pf, 1, (int)((end - clock_now()) * 1000) + 1) > 0)
			link_watch_drain(fd);
	}
	close(fd);
	if (err < 0)
		snprintf(why, len, "devices: %s", strerror(-err));
	return err > 0 ? -ETIMEDOUT : err;
}

void topo_teardown(int *ns, int n)
{
	for (int h = 0; h < n; h++)
		if (ns[h] >= 0) {
			close(ns[h]);
			ns[h] = -1;
		}
}
