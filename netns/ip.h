/*
 * ip: addresses, routes and neighbour entries inside a namespace, through
 * rtnetlink (libnl-route-3).  Addresses are text ("198.18.0.1/30",
 * "fd00::1/64", "default").  Return 0 or a negative errno; never print.
 */
#ifndef NETCASE_IP_H
#define NETCASE_IP_H

#include <stdint.h>

/* Add an address with prefix to dev; IPv6 addresses skip DAD (nodad). */
int ip_addr_add(int ns, const char *dev, const char *cidr);

struct ip_route {
	const char *dst;     /* "198.18.0.4/30", "fd00:1::/64" or "default" */
	const char *gateway; /* NULL for a directly connected route */
	const char *dev;     /* NULL to let the kernel choose from the gateway */
	unsigned
	    rto_min_ms; /* 0: none; otherwise locked RTAX_RTO_MIN, like `ip route ... rto_min` */
	int replace;	/* replace an existing route to dst */
};

int ip_route_add(int ns, const struct ip_route *r);

/* Delete the route r describes (its destination, gateway and device);
 * -ESRCH when there is none. */
int ip_route_del(int ns, const struct ip_route *r);

/* A permanent neighbour entry: ip is reached at mac (6 bytes) on dev. */
int ip_neigh_add(int ns, const char *dev, const char *ip, const uint8_t *mac);

#endif
