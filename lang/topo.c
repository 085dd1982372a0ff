#define _GNU_SOURCE
#include "topo.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Link k's IPv4 /24 without its last byte ("198.18.4."): the k-th of
 * 198.18.0.0/15, then of 100.64.0.0/15 (TOPO_PLAN_LINKS each). */
static void plan_v4(unsigned k, char *buf, size_t len)
{
	unsigned r = k % TOPO_PLAN_LINKS;

	if (k < TOPO_PLAN_LINKS)
		snprintf(buf, len, "198.%u.%u.", 18 + r / 256, r % 256);
	else
		snprintf(buf, len, "100.%u.%u.", 64 + r / 256, r % 256);
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

		uint8_t mac[6] = {
		    0x02, 0x6e, 0x63, (uint8_t)(k >> 8), (uint8_t)(k & 255), (uint8_t)(s + 1)};

		/* "v<k>-<peer>", the peer cut to fit IFNAMSIZ (k keeps it unique) */
		int n = snprintf(l->ifname[s], sizeof(l->ifname[s]), "v%d-", k);
		snprintf(l->ifname[s] + n, sizeof(l->ifname[s]) - n, "%.*s", 15 - n, peer);
		memcpy(l->mac[s], mac, 6);
		plan_v4((unsigned)k, l->v4[s], sizeof(l->v4[s]));
		snprintf(l->v4[s] + strlen(l->v4[s]), sizeof(l->v4[s]) - strlen(l->v4[s]), "%d",
			 s + 1);
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
 * t->nhosts entries; -ENOMEM if the queue cannot be had.  O(hosts + links):
 * each host's links are gathered once (adj[off[h]..off[h + 1]-1]).
 */
static int paths(const struct topo *t, int from, int *first)
{
	int n = t->nhosts, m = t->nlinks, head = 0, tail = 0;
	int *queue = calloc(n + 1, sizeof(int)), *off = calloc(n + 2, sizeof(int));
	int *adj = calloc(2 * m + 1, sizeof(int));

	if (!queue || !off || !adj) {
		free(queue);
		free(off);
		free(adj);
		return -ENOMEM;
	}
	for (int l = 0; l < m; l++) {
		off[t->links[l].a + 2]++;
		off[t->links[l].b + 2]++;
	}
	for (int h = 0; h < n; h++)
		off[h + 2] += off[h + 1];
	for (int l = 0; l < m; l++) {
		adj[off[t->links[l].a + 1]++] = l;
		adj[off[t->links[l].b + 1]++] = l;
	}
	for (int i = 0; i < n; i++)
		first[i] = -1;
	queue[tail++] = from;
	while (head < tail) {
		int h = queue[head++];

		for (int i = off[h]; i < off[h + 1]; i++) {
			int l = adj[i], o = t->links[l].a == h ? t->links[l].b : t->links[l].a;

			if (o == from || first[o] >= 0)
				continue;
			first[o] = h == from ? l : first[h];
			queue[tail++] = o;
		}
	}
	free(queue);
	free(off);
	free(adj);
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
		/* the whole plan: one route per range of TOPO_PLAN_LINKS (bits 9) */
		err = 0;
		for (int k = 0; k < t->nlinks && major >= 0 && !err; k += TOPO_PLAN_LINKS)
			err = route_push(&v, &n, &cap, k, 9, major);
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

	if (family == AF_INET) {
		plan_v4(k, buf, len);
		snprintf(buf + strlen(buf), len - strlen(buf), "0/%d", 24 - r->bits);
	} else
		snprintf(buf, len, "fd00:6e63:0:%x::/%d", k, 64 - r->bits);
}
