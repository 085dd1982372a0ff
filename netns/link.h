/*
 * link: network devices inside namespaces (veth pairs, ifb), their state
 * and their offloads.  Everything goes through rtnetlink (libnl-route-3)
 * or the ethtool ioctl on a socket opened inside the namespace.
 * Return 0 or a negative errno; nothing here prints.
 */
#ifndef NETCASE_LINK_H
#define NETCASE_LINK_H

#include <stdint.h>

struct link_veth {
	int ns_a, ns_b; /* namespaces each end is created in */
	const char *name_a, *name_b;
	const uint8_t *mac_a, *mac_b; /* 6 bytes each, or NULL for random */
	unsigned mtu;		      /* 0: the kernel default */
	unsigned mtu_b;		      /* b's end; 0: the same as a's */
	int peer_up_by_caller;	      /* leave end b down: the caller ups it in a batch */
};

/*
 * Create a veth pair with each end straight inside its namespace, end a up
 * and end b up too unless peer_up_by_caller.  (IFF_UP cannot travel with
 * the request for an end created in another namespace: the kernel answers
 * ENOTCONN, as `ip link add ... peer ... up` shows.)
 */
int link_veth_add(const struct link_veth *v);

/* Create an ifb device named name in ns, up. */
int link_ifb_add(int ns, const char *name);

/* Delete a device (a veth deletes its peer too). */
int link_del(int ns, const char *name);

/* Bring a device up (up != 0) or down; set mtu when mtu != 0. */
int link_set(int ns, const char *name, int up, unsigned mtu);

/* Interface index of name in ns (> 0), or -errno. */
int link_index(int ns, const char *name);

/* Switch tso, gso, gro and tx checksumming on (on != 0) or off together. */
int link_offloads_set(int ns, const char *name, int on);

#endif
