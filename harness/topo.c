#define _GNU_SOURCE
#include "topo.h"
#include "cleanup.h"
#include "clock.h"

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

void topo_init(struct topo *t)
{
	memset(t, 0, sizeof(*t));
}

void topo_fini(struct topo *t)
{
	free(t->hosts);
	free(t->links);
	memset(t, 0, sizeof(*t));
}

int topo_host_find(const struct topo *t, const char *name)
{
	for (int i = 0; i < t->nhosts; i++)
		if (!strcmp(t->hosts[i].name, name))
			return i;
	return -ENOENT;
}

/* Room for one more element of an array that doubles as it grows. */
static int grow(void **v, int *cap, int n, size_t size)
{
	void *nv;
	int ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = reallocarray(*v, ncap, size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int topo_host_add(struct topo *t, const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= TOPO_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
		return -EINVAL;
	if (topo_host_find(t, name) >= 0)
		return -EEXIST;
	if (grow((void **)&t->hosts, &t->cap_hosts, t->nhosts, sizeof(*t->hosts)))
		return -ENOMEM;
	memset(&t->hosts[t->nhosts], 0, sizeof(t->hosts[0]));
	strcpy(t->hosts[t->nhosts].name, name);
	return t->nhosts++;
}

int topo_link_find(const struct topo *t, int a, int b)
{
	for (int i = 0; i < t->nlinks; i++)
		if ((t->links[i].a == a && t->links[i].b == b) ||
		    (t->links[i].a == b && t->links[i].b == a))
			return i;
	return -ENOENT;
}

int topo_link_side(const struct topo *t, int l, int h)
{
	if (t->links[l].a == h)
		return 0;
	if (t->links[l].b == h)
		return 1;
	return -ENOENT;
}

const char *topo_host_addr_next(const struct topo *t, int h, int family, int *it)
{
	while (*it < 2 * t->nlinks) {
		int l = *it / 2, v6 = *it % 2, s = topo_link_side(t, l, h);

		(*it)++;
		if (s < 0 || (family == AF_INET && v6) || (family == AF_INET6 && !v6))
			continue;
		return v6 ? t->links[l].v6[s] : t->links[l].v4[s];
	}
	return NULL;
}

int topo_link_add(struct topo *t, int a, int b, unsigned mtu)
{
	struct topo_link *l;
	int k = t->nlinks;

	if (a == b || a < 0 || b < 0 || a >= t->nhosts || b >= t->nhosts)
		return -EINVAL;
	if (topo_link_find(t, a, b) >= 0)
		return -EEXIST;
	if (k == TOPO_MAX_LINKS)
		return -E2BIG;
	if (grow((void **)&t->links, &t->cap_links, t->nlinks, sizeof(*t->links)))
		return -ENOMEM;
	l = &t->links[k];
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->b = b;
	l->mtu[0] = l->mtu[1] = mtu;
	for (int s = 0; s < 2; s++) {
		const char *peer = t->hosts[s ? a : b].name;

		unsigned hi = (unsigned)k >> 8 & 1, lo = (unsigned)k & 255;
		uint8_t mac[6] = {0x02, 0x6e, 0x63, (uint8_t)hi, (uint8_t)lo, (uint8_t)(s + 1)};

		/* "v<k>-<peer>", the peer cut to fit IFNAMSIZ (k keeps it unique) */
		int n = snprintf(l->ifname[s], sizeof(l->ifname[s]), "v%d-", k);
		snprintf(l->ifname[s] + n, sizeof(l->ifname[s]) - n, "%.*s", 15 - n, peer);
		memcpy(l->mac[s], mac, 6);
		snprintf(l->v4[s], sizeof(l->v4[s]), "198.%u.%u.%d", 18 + hi, lo, s + 1);
		snprintf(l->v6[s], sizeof(l->v6[s]), "fd00:6e63:0:%x::%d", k, s + 1);
	}
	t->hosts[a].nlinks++;
	t->hosts[b].nlinks++;
	t->nlinks++;
	return k;
}

/*
 * Breadth-first search from `from`: first[h] is the link leaving `from`
 * on a shortest path to h (-1: h is `from` or unreachable).  first has
 * t->nhosts entries; -ENOMEM if the queue cannot be had.
 */
static int paths(const struct topo *t, int from, int *first)
{
	int *queue = calloc(t->nhosts ? t->nhosts : 1, sizeof(*queue)), head = 0, tail = 0;

	if (!queue)
		return -ENOMEM;
	for (int i = 0; i < t->nhosts; i++)
		first[i] = -1;
	queue[tail++] = from;
	while (head < tail) {
		int h = queue[head++];

		for (int l = 0; l < t->nlinks; l++) {
			int s = topo_link_side(t, l, h), o;

			if (s < 0)
				continue;
			o = s ? t->links[l].a : t->links[l].b;
			if (o == from || first[o] >= 0)
				continue;
			first[o] = h == from ? l : first[h];
			queue[tail++] = o;
		}
	}
	free(queue);
	return 0;
}

int topo_next_link(const struct topo *t, int from, int to)
{
	int *first, l = -EHOSTUNREACH;

	if (from == to || from < 0 || to < 0 || from >= t->nhosts || to >= t->nhosts)
		return -EINVAL;
	first = calloc(t->nhosts, sizeof(*first));
	if (!first)
		return -ENOMEM;
	if (paths(t, from, first))
		l = -ENOMEM;
	else if (first[to] >= 0)
		l = first[to];
	free(first);
	return l;
}

const char *topo_addr_from(const struct topo *t, int from, int to, int family)
{
	int l, s;

	if (from == to) {
		/* Any address of the host itself: its first link's. */
		for (l = 0; l < t->nlinks; l++) {
			s = topo_link_side(t, l, to);
			if (s >= 0)
				return family == AF_INET ? t->links[l].v4[s] : t->links[l].v6[s];
		}
		return NULL;
	}
	/* from's view of `to` is the address on the link `to` uses towards
	 * from, reachable through routing. */
	l = topo_next_link(t, to, from);
	if (l < 0)
		return NULL;
	s = topo_link_side(t, l, to);
	return family == AF_INET ? t->links[l].v4[s] : t->links[l].v6[s];
}

/* ---- building ---- */

/* One host's share of the build, done on a thread inside its namespace. */
struct host_job {
	const struct topo *t;
	const int *ns;
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

#define VIA_CONNECTED (-2)
#define VIA_NONE      (-1)

/* Room for one more route. */
static int route_push(struct topo_route **v, int *n, int *cap, int k, int bits, int via)
{
	if (grow((void **)v, cap, *n, sizeof(**v)))
		return -ENOMEM;
	(*v)[(*n)++] = (struct topo_route){.link = k, .bits = bits, .via = via};
	return 0;
}

/* Links lo..hi through via, as aligned blocks. */
static int route_range(struct topo_route **v, int *n, int *cap, int lo, int hi, int via)
{
	int err = 0;

	while (lo <= hi && !err) {
		int bits = 0;

		while (bits < 9 && !(lo & ((2 << bits) - 1)) && lo + (2 << bits) - 1 <= hi)
			bits++;
		err = route_push(v, n, cap, lo, bits, via);
		lo += 1 << bits;
	}
	return err;
}

/* via[l]: the link host h reaches link l through. */
static int route_vias(const struct topo *t, int h, int *via)
{
	int *first = calloc(t->nhosts, sizeof(*first));

	if (!first || paths(t, h, first)) {
		free(first);
		return -ENOMEM;
	}
	for (int l = 0; l < t->nlinks; l++) {
		const struct topo_link *L = &t->links[l];
		/* through the first hop towards the link's nearer end */
		int v = first[L->a] >= 0 ? first[L->a] : first[L->b];

		via[l] = topo_link_side(t, l, h) >= 0 ? VIA_CONNECTED : v >= 0 ? v : VIA_NONE;
	}
	free(first);
	return 0;
}

/* The next hop most links go through; VIA_NONE if some link is unreachable. */
static int major_via(const struct topo *t, const int *via, int *count)
{
	int best = VIA_NONE, nbest = 0;

	for (int l = 0; l < t->nlinks; l++) {
		if (via[l] == VIA_NONE)
			return VIA_NONE;
		count[l] = 0;
	}
	for (int l = 0; l < t->nlinks; l++)
		if (via[l] >= 0 && ++count[via[l]] > nbest) {
			nbest = count[via[l]];
			best = via[l];
		}
	return best;
}

/* The blocks of links through each next hop but the major one. */
static int route_blocks(const struct topo *t, const int *via, int major, struct topo_route **v,
			int *n, int *cap)
{
	int err = 0;

	for (int l = 0; l < t->nlinks && !err;) {
		int hop = via[l], hi = l;

		if (hop < 0 || hop == major) {
			l++;
			continue;
		}
		while (hi + 1 < t->nlinks && (via[hi + 1] == hop || via[hi + 1] == VIA_CONNECTED))
			hi++;
		while (via[hi] == VIA_CONNECTED)
			hi--;
		err = route_range(v, n, cap, l, hi, hop);
		l = hi + 1;
	}
	return err;
}

int topo_routes(const struct topo *t, int h, struct topo_route **out, int *nout)
{
	int *via = calloc(t->nlinks + 1, sizeof(*via)), *count = calloc(t->nlinks + 1, sizeof(int));
	struct topo_route *v = NULL;
	int n = 0, cap = 0, major, err = -ENOMEM;

	if (via && count && !route_vias(t, h, via)) {
		major = major_via(t, via, count);
		err = major >= 0 ? route_push(&v, &n, &cap, 0, 9, major) : 0;
		if (!err)
			err = route_blocks(t, via, major, &v, &n, &cap);
	}
	free(via);
	free(count);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*nout = n;
	return 0;
}

void topo_route_prefix(const struct topo_route *r, int family, char *buf, size_t len)
{
	unsigned k = (unsigned)r->link;

	if (family == AF_INET)
		snprintf(buf, len, "198.%u.%u.0/%d", 18 + (k >> 8 & 1), k & 255, 24 - r->bits);
	else
		snprintf(buf, len, "fd00:6e63:0:%x::/%d", k, 64 - r->bits);
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

int topo_build(const struct topo *t, int *ns, char *why, size_t len)
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
		jobs[h] = (struct host_job){.t = t, .ns = ns, .h = h};
		args[h] = &jobs[h];
	}
	err = ns_new_many(ns, n);
	if (err) {
		snprintf(why, len, "cannot create %d network namespaces: %s", n, strerror(-err));
		return err;
	}
	err = phase(jobs, ns, n, host_prepare, args, why, len);
	if (!err)
		err = phase(jobs, ns, n, host_links, args, why, len);
	if (!err)
		err = phase(jobs, ns, n, host_configure, args, why, len);
	/* a build that fails halfway leaves nothing: the namespaces go with all in them */
	if (err)
		topo_teardown(ns, n);
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

void topo_teardown(int *ns, int n)
{
	for (int h = 0; h < n; h++)
		if (ns[h] >= 0) {
			close(ns[h]);
			ns[h] = -1;
		}
}
