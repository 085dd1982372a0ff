/*
 * topo_build: a topology model (lang/topo.h) turned into namespaces, veth
 * pairs, addresses, routes and permanent neighbour entries.
 * topo_build() hands the namespace fds to the caller, and closing them
 * (topo_teardown()) destroys everything it built.
 */
#ifndef NETCASE_TOPO_BUILD_H
#define NETCASE_TOPO_BUILD_H

#include <stddef.h>

#include "../lang/topo.h"

/*
 * Create a namespace per host (ns[i] for host i, the caller's array of
 * t->nhosts) and every link, address, neighbour entry, sysctl and route.
 * The work is batched per host: one trip into each namespace, all hosts in
 * parallel, so build time grows linearly with the topology.  On failure
 * returns -errno with a message in why and leaves nothing behind (every
 * ns[i] is -1).
 */
int topo_build(const struct topo *t, int *ns, char *why, size_t len);

/*
 * The same, and each link l whose relay_ns[l] is not -1 on entry is built
 * with a relay's namespace in its middle (relay.h): relay_ns[l] becomes
 * that namespace's fd, with the relay's two ends in it, up, and the
 * link's four ends without offloads.  On failure every namespace is gone.
 */
int topo_build_relayed(const struct topo *t, int *ns, int *relay_ns, char *why, size_t len);

/*
 * Wait until every device of the built topology carries packets (each
 * namespace's up devices operationally up with their real qdisc attached:
 * link_unready()), woken by the kernel's link notifications, for at most
 * timeout_s seconds.  0, with what was waited for first in why ("" when all
 * was ready at the first look); -ETIMEDOUT with "host H: DEVICE: what it
 * lacks" in why; or -errno.
 */
int topo_wait_ready(const struct topo *t, const int *ns, double timeout_s, char *why, size_t len);

/* The same wait for one namespace outside the hosts' (a relay's): 0,
 * -ETIMEDOUT with what is missing in why, or -errno. */
int topo_wait_ns_ready(int ns, double timeout_s, char *why, size_t len);

/* Close n namespaces (destroying everything built in them); each becomes -1. */
void topo_teardown(int *ns, int n);

#endif
