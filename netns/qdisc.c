#define _GNU_SOURCE
#include "qdisc.h"
#include "nlsock.h"
#include "ns.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/tc.h>

static int do_probe(void *arg)
{
	struct rtnl_qdisc *q;
	struct nl_sock *sk;
	int err;

	(void)arg;
	sk = nlsock_route(&err);
	if (!sk)
		return err;
	q = rtnl_qdisc_alloc();
	if (!q) {
		return -ENOMEM;
	}
	rtnl_tc_set_ifindex(TC_CAST(q), 1); /* lo */
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(0xfee, 0));
	err = nlsock_errno(rtnl_tc_set_kind(TC_CAST(q), "netem"));
	if (!err) {
		rtnl_netem_set_delay(q, 1000);
		err = nlsock_errno(rtnl_qdisc_add(sk, q, NLM_F_CREATE));
	}
	if (!err) {
		rtnl_qdisc_delete(sk, q);
		err = 1;
	} else if (err == -ENOENT || err == -EOPNOTSUPP) {
		err = 0; /* "Specified qdisc kind is unknown" */
	}
	rtnl_qdisc_put(q);
	return err;
}

int qdisc_netem_available(int ns)
{
	return ns_call(ns, do_probe, NULL);
}
