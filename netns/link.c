#define _GNU_SOURCE
#include "link.h"
#include "nlsock.h"
#include "ns.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct link_op {
	const struct link_veth *veth;
	const char *name;
	const char *kind;
	int up;
	unsigned mtu;
	int on;
};

static int set_mac(struct rtnl_link *l, const uint8_t *mac)
{
	struct nl_addr *a;

	if (!mac)
		return 0;
	a = nl_addr_build(AF_LLC, mac, 6);
	if (!a)
		return -ENOMEM;
	rtnl_link_set_addr(l, a);
	nl_addr_put(a);
	return 0;
}

static int do_veth(void *p)
{
	const struct link_veth *v = ((struct link_op *)p)->veth;
	struct rtnl_link *l = NULL, *peer;
	struct nl_sock *sk;
	int err;

	sk = nlsock_open(NETLINK_ROUTE, &err);
	if (!sk)
		return err;
	l = rtnl_link_veth_alloc();
	if (!l) {
		err = -ENOMEM;
		goto cleanup;
	}
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(l, v->name_a);
	rtnl_link_set_name(peer, v->name_b);
	rtnl_link_set_ns_fd(peer, v->ns_b);
	if (v->mtu) {
		rtnl_link_set_mtu(l, v->mtu);
		rtnl_link_set_mtu(peer, v->mtu);
	}
	err = set_mac(l, v->mac_a);
	if (!err)
		err = set_mac(peer, v->mac_b);
	if (err)
		goto cleanup;
	rtnl_link_set_flags(l, IFF_UP);
	rtnl_link_set_flags(peer, IFF_UP);
	err = nlsock_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
cleanup:
	if (l)
		rtnl_link_veth_release(l);
	nl_socket_free(sk);
	return err;
}

int link_veth_add(const struct link_veth *v)
{
	struct link_op op = {.veth = v};

	if (!v->name_a || !v->name_b || strlen(v->name_a) >= IFNAMSIZ ||
	    strlen(v->name_b) >= IFNAMSIZ)
		return -EINVAL;
	return ns_call(v->ns_a, do_veth, &op);
}

static int do_simple_add(void *p)
{
	struct link_op *op = p;
	struct rtnl_link *l;
	struct nl_sock *sk;
	int err;

	sk = nlsock_open(NETLINK_ROUTE, &err);
	if (!sk)
		return err;
	l = rtnl_link_alloc();
	if (!l) {
		nl_socket_free(sk);
		return -ENOMEM;
	}
	rtnl_link_set_name(l, op->name);
	err = nlsock_errno(rtnl_link_set_type(l, op->kind));
	if (!err) {
		rtnl_link_set_flags(l, IFF_UP);
		err = nlsock_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
	}
	rtnl_link_put(l);
	nl_socket_free(sk);
	return err;
}

int link_ifb_add(int ns, const char *name)
{
	struct link_op op = {.name = name, .kind = "ifb"};

	return ns_call(ns, do_simple_add, &op);
}

static int do_del(void *p)
{
	struct link_op *op = p;
	struct rtnl_link *l;
	struct nl_sock *sk;
	int err;

	sk = nlsock_open(NETLINK_ROUTE, &err);
	if (!sk)
		return err;
	l = rtnl_link_alloc();
	if (!l) {
		nl_socket_free(sk);
		return -ENOMEM;
	}
	rtnl_link_set_name(l, op->name);
	err = nlsock_errno(rtnl_link_delete(sk, l));
	rtnl_link_put(l);
	nl_socket_free(sk);
	return err;
}

int link_del(int ns, const char *name)
{
	struct link_op op = {.name = name};

	return ns_call(ns, do_del, &op);
}

static int do_set(void *p)
{
	struct link_op *op = p;
	struct rtnl_link *orig = NULL, *chg = NULL;
	struct nl_sock *sk;
	int err;

	sk = nlsock_open(NETLINK_ROUTE, &err);
	if (!sk)
		return err;
	err = nlsock_errno(rtnl_link_get_kernel(sk, 0, op->name, &orig));
	if (err)
		goto cleanup;
	chg = rtnl_link_alloc();
	if (!chg) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (op->up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	if (op->mtu)
		rtnl_link_set_mtu(chg, op->mtu);
	err = nlsock_errno(rtnl_link_change(sk, orig, chg, 0));
cleanup:
	if (chg)
		rtnl_link_put(chg);
	if (orig)
		rtnl_link_put(orig);
	nl_socket_free(sk);
	return err;
}

int link_set(int ns, const char *name, int up, unsigned mtu)
{
	struct link_op op = {.name = name, .up = up, .mtu = mtu};

	return ns_call(ns, do_set, &op);
}

static int do_index(void *p)
{
	unsigned idx = if_nametoindex(((struct link_op *)p)->name);

	return idx ? (int)idx : -errno;
}

int link_index(int ns, const char *name)
{
	struct link_op op = {.name = name};

	return ns_call(ns, do_index, &op);
}

static int do_offloads(void *p)
{
	struct link_op *op = p;
	static const unsigned cmds[] = {ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO,
					ETHTOOL_STXCSUM};
	struct ethtool_value ev;
	struct ifreq ifr;
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && !err; i++) {
		memset(&ifr, 0, sizeof(ifr));
		strncpy(ifr.ifr_name, op->name, IFNAMSIZ - 1);
		ev.cmd = cmds[i];
		ev.data = op->on ? 1 : 0;
		ifr.ifr_data = (void *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

int link_offloads_set(int ns, const char *name, int on)
{
	struct link_op op = {.name = name, .on = on};

	return ns_call(ns, do_offloads, &op);
}
