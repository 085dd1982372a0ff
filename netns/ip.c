#define _GNU_SOURCE
#include "ip.h"
#include "nlsock.h"
#include "ns.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <string.h>

struct ip_op {
	const char *dev, *cidr, *ip;
	const uint8_t *mac;
	const struct ip_route *route;
	int del; /* delete the route instead */
};

static int family_of(const char *s)
{
	return strchr(s, ':') ? AF_INET6 : AF_INET;
}

static int do_addr(void *p)
{
	struct ip_op *op = p;
	struct rtnl_addr *a = NULL;
	struct nl_addr *local = NULL;
	struct nl_sock *sk;
	int err, idx;

	idx = if_nametoindex(op->dev);
	if (!idx)
		return -ENODEV;
	sk = nlsock_route(&err);
	if (!sk)
		return err;
	err = nlsock_errno(nl_addr_parse(op->cidr, family_of(op->cidr), &local));
	if (err)
		goto cleanup;
	a = rtnl_addr_alloc();
	if (!a) {
		err = -ENOMEM;
		goto cleanup;
	}
	rtnl_addr_set_ifindex(a, idx);
	err = nlsock_errno(rtnl_addr_set_local(a, local));
	if (err)
		goto cleanup;
	if (family_of(op->cidr) == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	err = nlsock_errno(rtnl_addr_add(sk, a, 0));
cleanup:
	if (a)
		rtnl_addr_put(a);
	if (local)
		nl_addr_put(local);
	return err;
}

int ip_addr_add(int ns, const char *dev, const char *cidr)
{
	struct ip_op op = {.dev = dev, .cidr = cidr};

	return ns_call(ns, do_addr, &op);
}

static int do_route(void *p)
{
	const struct ip_op *op = p;
	const struct ip_route *r = op->route;
	int fam = family_of(r->gateway ? r->gateway : r->dst);
	struct nl_addr *dst = NULL, *gw = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct rtnl_route *rt = NULL;
	struct nl_sock *sk;
	int err;

	sk = nlsock_route(&err);
	if (!sk)
		return err;
	rt = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!rt || !nh) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = nlsock_errno(nl_addr_parse(r->dst, fam, &dst));
	if (err)
		goto cleanup;
	rtnl_route_set_family(rt, fam);
	err = nlsock_errno(rtnl_route_set_dst(rt, dst));
	if (err)
		goto cleanup;
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, r->gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	if (r->gateway) {
		err = nlsock_errno(nl_addr_parse(r->gateway, fam, &gw));
		if (err)
			goto cleanup;
		rtnl_route_nh_set_gateway(nh, gw);
	}
	if (r->dev) {
		int idx = if_nametoindex(r->dev);

		if (!idx) {
			err = -ENODEV;
			goto cleanup;
		}
		rtnl_route_nh_set_ifindex(nh, idx);
	}
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL;
	if (r->rto_min_ms) {
		rtnl_route_set_metric(rt, RTAX_RTO_MIN, r->rto_min_ms);
		rtnl_route_set_metric(rt, RTAX_LOCK, 1u << RTAX_RTO_MIN);
	}
	if (op->del)
		err = nlsock_errno(rtnl_route_delete(sk, rt, 0));
	else
		err = nlsock_errno(
		    rtnl_route_add(sk, rt, NLM_F_CREATE | (r->replace ? NLM_F_REPLACE : 0)));
cleanup:
	if (nh)
		rtnl_route_nh_free(nh);
	if (rt)
		rtnl_route_put(rt);
	if (dst)
		nl_addr_put(dst);
	if (gw)
		nl_addr_put(gw);
	return err;
}

int ip_route_add(int ns, const struct ip_route *r)
{
	struct ip_op op = {.route = r};

	return ns_call(ns, do_route, &op);
}

int ip_route_del(int ns, const struct ip_route *r)
{
	struct ip_op op = {.route = r, .del = 1};

	return ns_call(ns, do_route, &op);
}

static int do_neigh(void *p)
{
	struct ip_op *op = p;
	struct nl_addr *dst = NULL, *ll = NULL;
	struct rtnl_neigh *n = NULL;
	struct nl_sock *sk;
	int err, idx;

	idx = if_nametoindex(op->dev);
	if (!idx)
		return -ENODEV;
	sk = nlsock_route(&err);
	if (!sk)
		return err;
	err = nlsock_errno(nl_addr_parse(op->ip, family_of(op->ip), &dst));
	if (err)
		goto cleanup;
	ll = nl_addr_build(AF_LLC, op->mac, 6);
	n = rtnl_neigh_alloc();
	if (!ll || !n) {
		err = -ENOMEM;
		goto cleanup;
	}
	rtnl_neigh_set_ifindex(n, idx);
	rtnl_neigh_set_family(n, family_of(op->ip));
	err = nlsock_errno(rtnl_neigh_set_dst(n, dst));
	if (err)
		goto cleanup;
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	err = nlsock_errno(rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE));
cleanup:
	if (n)
		rtnl_neigh_put(n);
	if (dst)
		nl_addr_put(dst);
	if (ll)
		nl_addr_put(ll);
	return err;
}

int ip_neigh_add(int ns, const char *dev, const char *ip, const uint8_t *mac)
{
	struct ip_op op = {.dev = dev, .ip = ip, .mac = mac};

	return ns_call(ns, do_neigh, &op);
}
