#define _GNU_SOURCE
#include "conntrack.h"
#include "nlsock.h"
#include "ns.h"

#include <errno.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

static int do_dump(void *arg)
{
	FILE *f = arg;
	struct nl_dump_params dp = {.dp_type = NL_DUMP_DETAILS, .dp_fd = f};
	struct nl_cache *cache = NULL;
	struct nl_sock *sk;
	int err, n;

	sk = nlsock_open(NETLINK_NETFILTER, &err);
	if (!sk)
		return err;
	err = nlsock_errno(nfnl_ct_alloc_cache(sk, &cache));
	if (err) {
		nl_socket_free(sk);
		return err;
	}
	n = nl_cache_nitems(cache);
	nl_cache_dump(cache, &dp);
	nl_cache_free(cache);
	nl_socket_free(sk);
	return n;
}

int conntrack_dump(int ns, FILE *f)
{
	return ns_call(ns, do_dump, f);
}

/* An IPCTNL_MSG_CT_DELETE without a tuple empties the family's table, as
 * `conntrack -F` does; both families, each acknowledged. */
static int do_flush(void *arg)
{
	static const uint8_t families[] = {AF_INET, AF_INET6};
	struct nl_sock *sk;
	int err = 0;

	(void)arg;
	sk = nlsock_open(NETLINK_NETFILTER, &err);
	if (!sk)
		return err;
	for (unsigned i = 0; i < sizeof(families) && !err; i++) {
		err = nlsock_errno(nfnl_send_simple(sk, NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_DELETE,
						    NLM_F_ACK, families[i], 0));
		if (!err)
			err = nlsock_errno(nl_wait_for_ack(sk));
	}
	nl_socket_free(sk);
	return err;
}

int conntrack_flush(int ns)
{
	return ns_call(ns, do_flush, NULL);
}
