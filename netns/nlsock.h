/*
 * nlsock: libnl sockets for the calling thread's namespace, and the one
 * place where libnl's -NLE_* codes become -errno.
 */
#ifndef NETCASE_NLSOCK_H
#define NETCASE_NLSOCK_H

struct nl_sock;

/* Map a libnl return (>= 0, or -NLE_*) to 0 or a negative errno. */
int nlsock_errno(int nlerr);

/*
 * A connected libnl socket for protocol (NETLINK_ROUTE, ...) in the calling
 * thread's namespace; NULL with *err set on failure.  Free with
 * nl_socket_free().
 */
struct nl_sock *nlsock_open(int protocol, int *err);

/*
 * The calling thread's NETLINK_ROUTE socket, opened on first use and
 * closed when the thread ends: a batch of rtnetlink calls inside one
 * ns_call() shares one socket.  NULL with *err set on failure; the caller
 * must not free it.
 */
struct nl_sock *nlsock_route(int *err);

#endif
