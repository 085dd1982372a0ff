/*
 * link: network devices inside namespaces (veth pairs, ifb), their state
 * and their offloads.  Everything goes through rtnetlink (libnl-route-3)
 * or the ethtool ioctl on a socket opened inside the namespace.
 * Return 0 or a negative errno; nothing here prints.
 */
#ifndef NETCASE_LINK_H
#define NETCASE_LINK_H

#include <stddef.h>
#include <stdint.h>

struct link_veth {
	int ns_a, ns_b; /* namespaces each end is created in */
	const char *name_a, *name_b;
	const uint8_t *mac_a, *mac_b; /* 6 bytes each, or NULL for random */
	unsigned mtu;		      /* 0: the kernel default */
	unsigned mtu_b;		      /* b's end; 0: the same as a's */
	int peer_up_by_caller;	      /* leave end b down: the caller ups it in a batch */
	int ifindex_a, ifindex_b;     /* each end's interface index; 0: the kernel's choice */
};

/*
 * Create a veth pair with each end straight inside its namespace, end a up
 * and end b up too unless peer_up_by_caller.  (IFF_UP cannot travel with
 * the request for an end created in another namespace: the kernel answers
 * ENOTCONN, as `ip link add ... peer ... up` shows.)
 *
 * Give the ends different interface indexes where namespaces are fresh:
 * the kernel's link-watch work treats a veth's carrier change as urgent
 * only when its ifindex differs from its peer's, and defers it by up to a
 * second otherwise - a second in which the end sends into noop_qdisc.
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

/*
 * Readiness.  A device that says UP may still transmit through noop_qdisc,
 * which drops everything, until the kernel's link-watch work attaches its
 * real qdisc (a veth does so when its carrier comes on, and under load that
 * work runs late).  link_watch_open() returns a non-blocking rtnetlink
 * socket in ns subscribed to link changes (the link-watch work announces
 * each activation with RTM_NEWLINK): open it first, then ask
 * link_unready(), then poll the socket for the next change, so that no
 * change is missed.  link_watch_drain() empties it.
 *
 * link_unready(): 0 when every device of ns that is administratively up
 * (loopback aside) is operationally up (or unknown, as an ifb is) and has
 * its real qdisc attached; 1 with "NAME: WHAT IT LACKS" in what otherwise;
 * or -errno.
 */
int link_watch_open(int ns);
void link_watch_drain(int fd);
int link_unready(int ns, char *what, size_t len);

/* Switch tso, gso, gro and tx checksumming on (on != 0) or off together. */
int link_offloads_set(int ns, const char *name, int on);

#endif
