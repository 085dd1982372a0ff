#define _GNU_SOURCE
#include "conntrack.h"
#include "nlsock.h"
#include "ns.h"

#include <errno.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/netlink.h>

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
