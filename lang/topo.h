/*
 * topo: hosts and links turned into namespaces, veth pairs, addresses,
 * routes and permanent neighbour entries.
 *
 * Addressing: link k (0-based) is 198.(18 + k / 256).(k % 256).0/24 up to
 * k = 511, then 100.(64 + (k - 512) / 256).(k % 256).0/24 (RFC 6598's shared
 * space, as unrouted as RFC 2544's benchmark range), and fd00:6e63:0:k::/64;
 * its first host gets .1 / ::1, its second .2 / ::2.
 * Interfaces are named "v<k>-<peer>" (cut to 15 characters), MACs are
 * 02:6e:63:<k / 256>:<k % 256>:01|02.  Hosts with two or more links forward;
 * every host gets routes to every link through the shortest path.  The
 * model is pure data (the language's); harness/topo_build.h turns it into
 * namespaces.
 */
#ifndef NETCASE_TOPO_H
#define NETCASE_TOPO_H

#include <stddef.h>
#include <stdint.h>

#define TOPO_NAME_MAX 32
/* The address plan's room: one /24 per link, TOPO_PLAN_LINKS of them in
 * 198.18.0.0/15 and as many in 100.64.0.0/15. */
#define TOPO_PLAN_LINKS 512
#define TOPO_MAX_LINKS	(2 * TOPO_PLAN_LINKS)

struct topo_host {
	char name[TOPO_NAME_MAX];
	int nlinks;
};

struct topo_link {
	int a, b;	 /* host indexes */
	unsigned mtu[2]; /* each end's (a, b); 0: the kernel default */
	char ifname[2][16];
	uint8_t mac[2][6];
	char v4[2][16], v6[2][48]; /* without prefix length */
};

/* Pure data: what the case declared.  Namespaces built from it belong to
 * whoever called topo_build() (the runner keeps them in struct run). */
struct topo {
	struct topo_host *hosts;
	struct topo_link *links;
	int nhosts, nlinks;
	int cap_hosts, cap_links;
};

void topo_init(struct topo *t);

/* Release the model's arrays (not namespaces: see topo_teardown()). */
void topo_fini(struct topo *t);

/* Declare a host; returns its index, -EEXIST, -ENOMEM or -EINVAL (bad name). */
int topo_host_add(struct topo *t, const char *name);

/* Index of a host by name, or -ENOENT. */
int topo_host_find(const struct topo *t, const char *name);

/* Declare a link (mtu for both ends, 0 for the default); returns its index, -E2BIG (over
 * TOPO_MAX_LINKS), -ENOMEM, -EINVAL (a == b) or -EEXIST. */
int topo_link_add(struct topo *t, int a, int b, unsigned mtu);

/* Index of the link between a and b (either order), or -ENOENT. */
int topo_link_find(const struct topo *t, int a, int b);

/*
 * The routes host h gets: each sends 2^bits consecutive links, from link
 * `link` on, through link `via` (one route per family).  Link k's prefixes
 * are the k-th /24 of the plan's IPv4 ranges and the k-th /64 of
 * fd00:6e63:0::/48, so aligned blocks of links are single prefixes: the host
 * sends the whole plan (bits 9, one route per range of TOPO_PLAN_LINKS)
 * through the next hop that carries most links and one route
 * per aligned block for the others - O(log n) routes per host on a line or
 * a star instead of one per link.  Connected links need none (their prefix
 * is more specific); with an unreachable link there is no plan-wide route,
 * so an address outside every path stays unreachable.  *out is malloc'd.
 */
struct topo_route {
	int link, bits, via;
};
int topo_routes(const struct topo *t, int h, struct topo_route **out, int *n);

/* A route's destination prefix in one family ("198.18.4.0/22"). */
void topo_route_prefix(const struct topo_route *r, int family, char *buf, size_t len);

/*
 * The address of host `to` as seen from host `from` (the address on the
 * first link of the path from `from`); family AF_INET or AF_INET6.
 * Returns the text or NULL if unreachable.
 */
const char *topo_addr_from(const struct topo *t, int from, int to, int family);

/* The next hop: index of the link `from` uses to reach `to`; -EHOSTUNREACH
 * without a path, -EINVAL when from == to or either is out of range. */
int topo_next_link(const struct topo *t, int from, int to);

/* Which side (0 or 1) of link l host h is on, or -ENOENT. */
int topo_link_side(const struct topo *t, int l, int h);

/*
 * Host h's addresses, one per call: link by link, each link's IPv4 then its
 * IPv6 address (family AF_UNSPEC), or one family's.  *it starts at 0;
 * returns the text, NULL after the last.  The one walk every list of a
 * host's addresses (pcap filters, nftables sets, socket filters) takes.
 */
const char *topo_host_addr_next(const struct topo *t, int h, int family, int *it);

#endif
