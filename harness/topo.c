#define _GNU_SOURCE
#include "topo.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../netns/ip.h"
#include "../netns/link.h"
#include "../netns/ns.h"
#include "../netns/sysctl.h"

void topo_init(struct topo *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < TOPO_MAX_HOSTS; i++)
		t->hosts[i].ns = -1;
}

int topo_host_find(const struct topo *t, const char *name)
{
	for (int i = 0; i < t->nhosts; i++)
		if (!strcmp(t->hosts[i].name, name))
			return i;
	return -ENOENT;
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
	if (t->nhosts == TOPO_MAX_HOSTS)
		return -E2BIG;
	strcpy(t->hosts[t->nhosts].name, name);
	t->hosts[t->nhosts].ns = -1;
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
	return -1;
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
	l = &t->links[k];
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->b = b;
	l->mtu = mtu;
	for (int s = 0; s < 2; s++) {
		const char *peer = t->hosts[s ? a : b].name;

		snprintf(l->ifname[s], sizeof(l->ifname[s]), "v%d-%.*s", k, 12, peer);
		uint8_t mac[6] = {0x02, 0x6e, 0x63, 0x00, (uint8_t)k, (uint8_t)(s + 1)};
		memcpy(l->mac[s], mac, 6);
		snprintf(l->v4[s], sizeof(l->v4[s]), "198.18.%d.%d", k, s + 1);
		snprintf(l->v6[s], sizeof(l->v6[s]), "fd00:6e63:0:%x::%d", k, s + 1);
	}
	t->hosts[a].nlinks++;
	t->hosts[b].nlinks++;
	t->nlinks++;
	return k;
}

/* Breadth-first search from `from`; first[h] is the link leaving `from`. */
static void paths(const struct topo *t, int from, int *first)
{
	int queue[TOPO_MAX_HOSTS], head = 0, tail = 0, seen[TOPO_MAX_HOSTS] = {0};

	for (int i = 0; i < t->nhosts; i++)
		first[i] = -1;
	queue[tail++] = from;
	seen[from] = 1;
	while (head < tail) {
		int h = queue[head++];

		for (int l = 0; l < t->nlinks; l++) {
			int s = topo_link_side(t, l, h), o;

			if (s < 0)
				continue;
			o = s ? t->links[l].a : t->links[l].b;
			if (seen[o])
				continue;
			seen[o] = 1;
			first[o] = h == from ? l : first[h];
			queue[tail++] = o;
		}
	}
}

int topo_next_link(const struct topo *t, int from, int to)
{
	int first[TOPO_MAX_HOSTS];

	if (from == to)
		return -1;
	paths(t, from, first);
	return first[to];
}

const char *topo_addr_from(const struct topo *t, int from, int to, int family)
{
	int first[TOPO_MAX_HOSTS], l;

	if (from == to) {
		/* Any address of the host itself: its first link's. */
		for (l = 0; l < t->nlinks; l++) {
			int s = topo_link_side(t, l, to);
			if (s >= 0)
				return family == AF_INET ? t->links[l].v4[s] : t->links[l].v6[s];
		}
		return NULL;
	}
	paths(t, to, first);
	l = first[from]; /* the link `to` uses towards `from`: its address there */
	if (l < 0)
		return NULL;
	/* The path from `to` to `from` leaves `to` on link l; from's view of
	 * `to` is that address, reachable through routing. */
	int s = topo_link_side(t, l, to);
	return family == AF_INET ? t->links[l].v4[s] : t->links[l].v6[s];
}

#define FAIL(fmt, ...)                                                                             \
	do {                                                                                       \
		snprintf(why, len, fmt, __VA_ARGS__);                                              \
		return err;                                                                        \
	} while (0)

static int build_routes(struct topo *t, int h, char *why, size_t len)
{
	int first[TOPO_MAX_HOSTS], err;

	paths(t, h, first);
	for (int l = 0; l < t->nlinks; l++) {
		struct topo_link *dl = &t->links[l];
		int via, vs, other;
		char dst[64];

		if (topo_link_side(t, l, h) >= 0)
			continue; /* connected */
		/* Reach link l through the first hop towards its nearer end. */
		via = first[dl->a] >= 0 ? first[dl->a] : first[dl->b];
		if (via < 0)
			continue; /* unreachable island */
		vs = topo_link_side(t, via, h);
		other = !vs;
		struct ip_route r = {.dst = dst, .dev = t->links[via].ifname[vs]};

		snprintf(dst, sizeof(dst), "198.18.%d.0/24", l);
		r.gateway = t->links[via].v4[other];
		err = ip_route_add(t->hosts[h].ns, &r);
		if (err)
			FAIL("host %s: route to %s: %s", t->hosts[h].name, dst, strerror(-err));
		snprintf(dst, sizeof(dst), "fd00:6e63:0:%x::/64", l);
		r.gateway = t->links[via].v6[other];
		err = ip_route_add(t->hosts[h].ns, &r);
		if (err)
			FAIL("host %s: route to %s: %s", t->hosts[h].name, dst, strerror(-err));
	}
	return 0;
}

int topo_build(struct topo *t, char *why, size_t len)
{
	char cidr[64];
	int err;

	for (int h = 0; h < t->nhosts; h++) {
		struct topo_host *H = &t->hosts[h];

		err = ns_new();
		if (err < 0)
			FAIL("host %s: cannot create a network namespace: %s", H->name,
			     strerror(-err));
		H->ns = err;
		err = link_set(H->ns, "lo", 1, 0);
		if (err)
			FAIL("host %s: lo up: %s", H->name, strerror(-err));
		/* IPv6 on veth without DAD or router solicitations on the wire */
		sysctl_set(H->ns, "net.ipv6.conf.default.accept_dad", "0");
		sysctl_set(H->ns, "net.ipv6.conf.default.router_solicitations", "0");
		if (H->nlinks >= 2) {
			err = sysctl_set(H->ns, "net.ipv4.ip_forward", "1");
			if (!err)
				err = sysctl_set(H->ns, "net.ipv6.conf.all.forwarding", "1");
			if (err)
				FAIL("host %s: enable forwarding: %s", H->name, strerror(-err));
		}
	}
	for (int l = 0; l < t->nlinks; l++) {
		struct topo_link *L = &t->links[l];
		int hs[2] = {L->a, L->b};
		struct link_veth v = {
		    .ns_a = t->hosts[L->a].ns,
		    .ns_b = t->hosts[L->b].ns,
		    .name_a = L->ifname[0],
		    .name_b = L->ifname[1],
		    .mac_a = L->mac[0],
		    .mac_b = L->mac[1],
		    .mtu = L->mtu,
		};

		err = link_veth_add(&v);
		if (err)
			FAIL("link %s %s: %s", t->hosts[L->a].name, t->hosts[L->b].name,
			     strerror(-err));
		for (int s = 0; s < 2; s++) {
			int ns = t->hosts[hs[s]].ns;

			snprintf(cidr, sizeof(cidr), "%s/24", L->v4[s]);
			err = ip_addr_add(ns, L->ifname[s], cidr);
			if (!err) {
				snprintf(cidr, sizeof(cidr), "%s/64", L->v6[s]);
				err = ip_addr_add(ns, L->ifname[s], cidr);
			}
			if (!err)
				err = ip_neigh_add(ns, L->ifname[s], L->v4[!s], L->mac[!s]);
			if (!err)
				err = ip_neigh_add(ns, L->ifname[s], L->v6[!s], L->mac[!s]);
			if (err)
				FAIL("link %s %s: addresses on %s: %s", t->hosts[L->a].name,
				     t->hosts[L->b].name, t->hosts[hs[s]].name, strerror(-err));
		}
	}
	for (int h = 0; h < t->nhosts; h++) {
		err = build_routes(t, h, why, len);
		if (err)
			return err;
	}
	return 0;
}

void topo_free(struct topo *t)
{
	for (int h = 0; h < t->nhosts; h++)
		if (t->hosts[h].ns >= 0) {
			close(t->hosts[h].ns);
			t->hosts[h].ns = -1;
		}
}
