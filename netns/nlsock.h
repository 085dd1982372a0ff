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
 * The errno behind a libnftables error message.  libnftables reports a
 * kernel refusal only as text, made with strerror() in this process
 * ("Could not process rule: Operation not permitted"), so the message is
 * compared with strerror() of each errno the kernel answers nftables
 * commands with - in the process's own locale, never with fixed English
 * text.  A message naming none of them (a syntax error) is -EINVAL.
 */
int nlsock_nft_errno(const char *msg);

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
