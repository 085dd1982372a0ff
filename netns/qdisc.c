#define _GNU_SOURCE
#include "qdisc.h"
#include "nlsock.h"
#include "ns.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <linux/if_ether.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <arpa/inet.h>

/* libnl's TC_HANDLE() shifts a signed int (0xffff << 16 overflows it) */
#define QDISC_HANDLE(maj, min) (((uint32_t)(maj) << 16) | ((uint32_t)(min)&0xffff))

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
	rtnl_tc_set_handle(TC_CAST(q), QDISC_HANDLE(0xfee, 0));
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

uint32_t qdisc_prob_from_ppm(unsigned ppm)
{
	if (ppm >= 1000000)
		return UINT32_MAX;
	return (uint32_t)((uint64_t)ppm * UINT32_MAX / 1000000);
}

struct netem_op {
	const char *dev, *to_dev;
	const struct qdisc_netem *p;
	unsigned long long rate_bps;
};

static int has_netem(const struct qdisc_netem *p)
{
	return p->delay_us || p->jitter_us || p->loss || p->duplicate || p->reorder || p->corrupt;
}

static int add_netem(struct nl_sock *sk, int idx, const struct qdisc_netem *p)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int err;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), idx);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), QDISC_HANDLE(1, 0));
	err = nlsock_errno(rtnl_tc_set_kind(TC_CAST(q), "netem"));
	if (!err) {
		rtnl_netem_set_limit(q, p->limit ? (int)p->limit : 10000);
		if (p->gap)
			rtnl_netem_set_gap(q, (int)p->gap);
		if (p->delay_us)
			rtnl_netem_set_delay(q, (int)p->delay_us);
		if (p->jitter_us)
			rtnl_netem_set_jitter(q, (int)p->jitter_us);
		if (p->loss)
			rtnl_netem_set_loss(q, (int)p->loss);
		if (p->duplicate)
			rtnl_netem_set_duplicate(q, (int)p->duplicate);
		if (p->reorder)
			rtnl_netem_set_reorder_probability(q, (int)p->reorder);
		if (p->corrupt)
			rtnl_netem_set_corruption_probability(q, (int)p->corrupt);
		err = nlsock_errno(rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE));
	}
	rtnl_qdisc_put(q);
	return err;
}

static int add_tbf(struct nl_sock *sk, int idx, uint32_t parent, unsigned long long rate_bps)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	unsigned long long bytes = rate_bps / 8;
	int bucket = bytes / 100 > 16384 ? (int)(bytes / 100) : 16384, err;

	if (!q)
		return -ENOMEM;
	if (bytes > INT32_MAX)
		bytes = INT32_MAX;
	rtnl_tc_set_ifindex(TC_CAST(q), idx);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), QDISC_HANDLE(10, 0));
	err = nlsock_errno(rtnl_tc_set_kind(TC_CAST(q), "tbf"));
	if (!err) {
		rtnl_qdisc_tbf_set_rate(q, (int)bytes, bucket, 0);
		err = nlsock_errno(rtnl_qdisc_tbf_set_limit_by_latency(q, 50000));
	}
	if (!err)
		err = nlsock_errno(rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_qdisc_put(q);
	return err;
}

static int do_impair(void *arg)
{
	struct netem_op *op = arg;
	struct nl_sock *sk;
	int err = 0, idx = if_nametoindex(op->dev), netem = has_netem(op->p);

	if (!idx)
		return -ENODEV;
	sk = nlsock_route(&err);
	if (!sk)
		return err;
	if (netem)
		err = add_netem(sk, idx, op->p);
	if (!err && op->rate_bps)
		err = add_tbf(sk, idx, netem ? QDISC_HANDLE(1, 1) : TC_H_ROOT, op->rate_bps);
	return err;
}

int qdisc_impair_add(int ns, const char *dev, const struct qdisc_netem *p,
		     unsigned long long rate_bps)
{
	struct netem_op op = {.dev = dev, .p = p, .rate_bps = rate_bps};

	return ns_call(ns, do_impair, &op);
}

/* Remove dev's ingress qdisc (and with it its filters) in the current namespace. */
static int ingress_del(struct nl_sock *sk, int idx)
{
	struct rtnl_qdisc *ing = rtnl_qdisc_alloc();
	int err;

	if (!ing)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(ing), idx);
	rtnl_tc_set_parent(TC_CAST(ing), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(ing), QDISC_HANDLE(0xffff, 0));
	err = nlsock_errno(rtnl_tc_set_kind(TC_CAST(ing), "ingress"));
	if (!err)
		err = nlsock_errno(rtnl_qdisc_delete(sk, ing));
	rtnl_qdisc_put(ing);
	return err;
}

static int do_redirect(void *arg)
{
	struct netem_op *op = arg;
	struct rtnl_qdisc *ing = NULL;
	struct rtnl_cls *cls = NULL;
	struct rtnl_act *act = NULL;
	struct nl_sock *sk;
	int err, idx = if_nametoindex(op->dev), to = if_nametoindex(op->to_dev), added = 0;

	if (!idx || !to)
		return -ENODEV;
	sk = nlsock_route(&err);
	if (!sk)
		return err;
	ing = rtnl_qdisc_alloc();
	cls = rtnl_cls_alloc();
	act = rtnl_act_alloc();
	if (!ing || !cls || !act) {
		err = -ENOMEM;
		goto cleanup;
	}
	rtnl_tc_set_ifindex(TC_CAST(ing), idx);
	rtnl_tc_set_parent(TC_CAST(ing), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(ing), QDISC_HANDLE(0xffff, 0));
	err = nlsock_errno(rtnl_tc_set_kind(TC_CAST(ing), "ingress"));
	if (!err)
		err = nlsock_errno(rtnl_qdisc_add(sk, ing, NLM_F_CREATE));
	if (err)
		goto cleanup;
	added = 1;
	rtnl_tc_set_ifindex(TC_CAST(cls), idx);
	rtnl_tc_set_parent(TC_CAST(cls), QDISC_HANDLE(0xffff, 0));
	err = nlsock_errno(rtnl_tc_set_kind(TC_CAST(cls), "u32"));
	if (err)
		goto cleanup;
	rtnl_cls_set_protocol(cls, ETH_P_ALL);
	rtnl_cls_set_prio(cls, 1);
	err = nlsock_errno(rtnl_u32_add_key_uint32(cls, 0, 0, 0, 0)); /* match all */
	if (!err) /* as tc does for a filter with an action; without it nothing is redirected */
		err = nlsock_errno(rtnl_u32_set_cls_terminal(cls));
	if (err)
		goto cleanup;
	err = nlsock_errno(rtnl_tc_set_kind(TC_CAST(act), "mirred"));
	if (err)
		goto cleanup;
	rtnl_mirred_set_action(act, TCA_EGRESS_REDIR);
	rtnl_mirred_set_policy(act, TC_ACT_STOLEN);
	rtnl_mirred_set_ifindex(act, (uint32_t)to);
	err = nlsock_errno(rtnl_u32_add_action(cls, act));
	if (!err)
		err = nlsock_errno(rtnl_cls_add(sk, cls, NLM_F_CREATE));
cleanup:
	if (err && added)
		ingress_del(sk, idx); /* no ingress qdisc left half made */
	if (act)
		rtnl_act_put(act);
	if (cls)
		rtnl_cls_put(cls);
	if (ing)
		rtnl_qdisc_put(ing);
	return err;
}

int qdisc_ingress_redirect(int ns, const char *dev, const char *to_dev)
{
	struct netem_op op = {.dev = dev, .to_dev = to_dev};

	return ns_call(ns, do_redirect, &op);
}

static int do_ingress_del(void *arg)
{
	struct netem_op *op = arg;
	int err, idx = if_nametoindex(op->dev);
	struct nl_sock *sk;

	if (!idx)
		return -ENODEV;
	sk = nlsock_route(&err);
	return sk ? ingress_del(sk, idx) : err;
}

int qdisc_ingress_del(int ns, const char *dev)
{
	struct netem_op op = {.dev = dev};

	return ns_call(ns, do_ingress_del, &op);
}
