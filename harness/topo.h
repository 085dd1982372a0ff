/*
 * topo: hosts and links turned into namespaces, veth pairs, addresses,
 * routes and permanent neighbour entries.
 *
 * Addressing: link k (0-based) is 198.18.k.0/24 and fd00:6e63:0:k::/64;
 * its first host gets .1 / ::1, its second .2 / ::2.  Interfaces are
 * named "v<k>-<peer>" (cut to 15 characters), MACs are 02:6e:63:00:<k>:01|02.
 * Hosts with two or more links forward; every host gets routes to every
 * link through the shortest path.  The topo owns its namespace fds:
 * topo_free() closes them, which destroys everything it built.
 */
#ifndef NETCASE_TOPO_H
#define NETCASE_TOPO_H

#include <stddef.h>
#include <stdint.h>

#define TOPO_MAX_HOSTS 32
#define TOPO_MAX_LINKS 64
#define TOPO_NAME_MAX  32

struct topo_host {
	char name[TOPO_NAME_MAX];
	int ns; /* -1 until built */
	int nlinks;
};

struct topo_link {
	int a, b; /* host indexes */
	unsigned mtu;
	char ifname[2][16];
	uint8_t mac[2][6];
	char v4[2][16], v6[2][48]; /* without prefix length */
};

struct topo {
	struct topo_host hosts[TOPO_MAX_HOSTS];
	struct topo_link links[TOPO_MAX_LINKS];
	int nhosts, nlinks;
};

void topo_init(struct topo *t);

/* Declare a host; returns its index, -EEXIST, -E2BIG or -EINVAL (bad name). */
int topo_host_add(struct topo *t, const char *name);

/* Index of a host by name, or -ENOENT. */
int topo_host_find(const struct topo *t, const char *name);

/* Declare a link; returns its index, -E2BIG, -EINVAL (a == b) or -EEXIST. */
int topo_link_add(struct topo *t, int a, int b, unsigned mtu);

/* Index of the link between a and b (either order), or -ENOENT. */
int topo_link_find(const struct topo *t, int a, int b);

/*
 * Create every namespace and link.  On failure returns -errno with a
 * message in why; what was built is released by topo_free().
 */
int topo_build(struct topo *t, char *why, size_t len);

/* Close every namespace (destroying everything built). */
void topo_free(struct topo *t);

/*
 * The address of host `to` as seen from host `from` (the address on the
 * first link of the path from `from`); family AF_INET or AF_INET6.
 * Returns the text or NULL if unreachable.
 */
const char *topo_addr_from(const struct topo *t, int from, int to, int family);

/* The next hop: index of the link `from` uses to reach `to`, or -1. */
int topo_next_link(const struct topo *t, int from, int to);

/* Which side (0 or 1) of link l host h is on, or -1. */
int topo_link_side(const struct topo *t, int l, int h);

#endif
