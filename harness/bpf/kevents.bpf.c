// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own record of a case: state changes, retransmissions,
 * resets and drops of the case's namespaces, into one ring buffer.
 *
 * BTF-typed tracepoints (tp_btf) take the tracepoints' arguments, which
 * are steadier across kernels than their event records; the few kernel
 * types read are declared here with preserve_access_index, so CO-RE
 * relocates every field against the running kernel's BTF.  Two variants
 * exist where the arguments changed (kfree_skb gained rx_sk, and
 * tcp_retransmit_skb err, after 6.1): userspace loads the one that fits.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "../kevent_wire.h"

#define AF_INET	    2
#define AF_INET6    10
#define IPPROTO_TCP 6
#define ETH_P_IP    0x0800
#define ETH_P_IPV6  0x86DD
#define TCP_LISTEN  10

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} __attribute__((preserve_access_index)) possible_net_t;

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} __attribute__((preserve_access_index));

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct request_sock {
	struct sock_common __req_common;
} __attribute__((preserve_access_index));

struct net_device {
	possible_net_t nd_net;
} __attribute__((preserve_access_index));

struct sk_buff {
	char cb[48];
	struct sock *sk;
	struct net_device *dev;
	unsigned char *head;
	__u16 network_header;
	__be16 protocol;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* The case's namespaces: inode -> host index. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} netns_hosts SEC(".maps");

/* Events the ring buffer had no room for: the case fails loudly. */
__u64 lost = 0;

static __always_inline __u32 sk_netns(const struct sock_common *c)
{
	return c ? BPF_CORE_READ(c, skc_net.net, ns.inum) : 0;
}

static __always_inline int ours(__u32 netns)
{
	return netns && bpf_map_lookup_elem(&netns_hosts, &netns);
}

static __always_inline struct kev_wire *reserve(__u32 netns, __u16 kind)
{
	struct kev_wire *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->netns = netns;
	e->kind = kind;
	return e;
}

/* A socket's endpoints, its own end first. */
static __always_inline void from_sock(struct kev_wire *e, const struct sock_common *c)
{
	e->family = BPF_CORE_READ(c, skc_family);
	e->sport = BPF_CORE_READ(c, skc_num);
	e->dport = __builtin_bswap16(BPF_CORE_READ(c, skc_dport));
	if (e->family == AF_INET) {
		BPF_CORE_READ_INTO((__be32 *)e->saddr, c, skc_rcv_saddr);
		BPF_CORE_READ_INTO((__be32 *)e->daddr, c, skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)e->saddr, c, skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)e->daddr, c, skc_v6_daddr);
	}
}

/* A packet's endpoints, source first, from its IP and TCP/UDP headers. */
static __always_inline void from_skb(struct kev_wire *e, const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 proto = __builtin_bswap16(BPF_CORE_READ(skb, protocol));
	unsigned char *ip = head + nh, *l4 = 0;
	__u8 b0 = 0;

	e->flags |= KEV_F_PACKET;
	if (!head || nh == (__u16)~0U)
		return;
	bpf_probe_read_kernel(&b0, 1, ip);
	if (proto == ETH_P_IP && (b0 >> 4) == 4) {
		e->family = AF_INET;
		bpf_probe_read_kernel(&e->l4proto, 1, ip + 9);
		bpf_probe_read_kernel(e->saddr, 4, ip + 12);
		bpf_probe_read_kernel(e->daddr, 4, ip + 16);
		l4 = ip + (b0 & 0xf) * 4;
	} else if (proto == ETH_P_IPV6 && (b0 >> 4) == 6) {
		e->family = AF_INET6;
		bpf_probe_read_kernel(&e->l4proto, 1, ip + 6);
		bpf_probe_read_kernel(e->saddr, 16, ip + 8);
		bpf_probe_read_kernel(e->daddr, 16, ip + 24);
		l4 = ip + 40;
	}
	if (l4 && (e->l4proto == IPPROTO_TCP || e->l4proto == 17)) {
		__be16 ports[2] = {0, 0};

		bpf_probe_read_kernel(ports, sizeof(ports), l4);
		e->sport = __builtin_bswap16(ports[0]);
		e->dport = __builtin_bswap16(ports[1]);
	}
}

/* Where a packet is: the receiving socket's namespace, else its device's
 * (a frame that crossed a veth is in the namespace it arrived in, though
 * skb->sk is still its sender's until ip_rcv_core() orphans it: an early
 * drop such as OTHERHOST belongs to the receiver), else its socket's. */
static __always_inline __u32 skb_netns(const struct sk_buff *skb, const struct sock *rx_sk)
{
	const struct net_device *dev;
	const struct sock *sk;

	if (rx_sk)
		return sk_netns(&rx_sk->__sk_common);
	dev = BPF_CORE_READ(skb, dev);
	if (dev)
		return BPF_CORE_READ(dev, nd_net.net, ns.inum);
	sk = BPF_CORE_READ(skb, sk);
	return sk ? sk_netns(&sk->__sk_common) : 0;
}

/* A record of kind for the socket whose common part is c, in the ring
 * buffer, if its namespace is one of the case's (sk: what identifies it). */
static __always_inline struct kev_wire *sock_reserve(const struct sock_common *c, __u16 kind,
						     __u64 sk)
{
	__u32 netns = sk_netns(c);
	struct kev_wire *e;

	if (!ours(netns))
		return 0;
	e = reserve(netns, kind);
	if (e)
		e->sk = sk;
	return e;
}

/* An event of socket sk: old and new state given, or (-1) its state now;
 * reason as the kind defines it (0 for most). */
static __always_inline int sock_event(const struct sock *sk, __u16 kind, int oldstate, int newstate,
				      __u32 reason)
{
	const struct sock_common *c;
	struct kev_wire *e;

	if (!sk)
		return 0;
	c = &sk->__sk_common;
	e = sock_reserve(c, kind, (__u64)sk);
	if (!e)
		return 0;
	e->oldstate = oldstate >= 0 ? oldstate : BPF_CORE_READ(c, skc_state);
	e->newstate = newstate >= 0 ? newstate : BPF_CORE_READ(c, skc_state);
	e->reason = reason;
	from_sock(e, c);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(set_state, struct sock *sk, int oldstate, int newstate)
{
	return sock_event(sk, KEV_STATE, oldstate, newstate, 0);
}

/* A retransmission: its segments are TCP_SKB_CB(skb)->tcp_gso_segs, the
 * 16 bits after seq and end_seq in skb->cb (the layout since 2.6), which
 * TcpRetransSegs adds up: the run checks its record against that counter. */
static __always_inline int retrans_event(const struct sock *sk, const struct sk_buff *skb,
					 __u16 kind, __u32 reason)
{
	struct kev_wire *e;
	__u16 segs = 0;

	if (!sk)
		return 0;
	e = sock_reserve(&sk->__sk_common, kind, (__u64)sk);
	if (!e)
		return 0;
	e->newstate = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->reason = reason;
	if (skb)
		bpf_probe_read_kernel(&segs, sizeof(segs), (const char *)skb->cb + 8);
	e->segs = segs ? segs : 1;
	from_sock(e, &sk->__sk_common);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* 6.1: (sk, skb), fired only for a segment that went out. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit2, const struct sock *sk, const struct sk_buff *skb)
{
	return retrans_event(sk, skb, KEV_RETRANS, 0);
}

/* Later: (sk, skb, err), fired for failed attempts too: those are a kind
 * of their own, with the error (a local drop: the segment did not leave,
 * or left a device that then dropped it; the kernel tries again). */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit3, const struct sock *sk, const struct sk_buff *skb, int err)
{
	return retrans_event(sk, skb, err ? KEV_RETRANS_FAIL : KEV_RETRANS, err < 0 ? -err : err);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct kev_wire *e;

	if (!sk || !req)
		return 0;
	e = sock_reserve(&sk->__sk_common, KEV_SYNACK_RETRANS, (__u64)req);
	if (!e)
		return 0;
	from_sock(e, &req->__req_common);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* A reset the stack sends: for a socket, or (no socket, or a listener's)
 * in answer to the packet skb, whose endpoints it then carries. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	int own = sk && BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_LISTEN;
	__u32 netns;
	struct kev_wire *e;

	if (!sk && !skb)
		return 0;
	netns = sk ? sk_netns(&sk->__sk_common) : skb_netns(skb, 0);
	if (!ours(netns))
		return 0;
	e = reserve(netns, KEV_RST_SENT);
	if (!e)
		return 0;
	e->sk = (__u64)sk;
	if (own) {
		e->newstate = BPF_CORE_READ(sk, __sk_common.skc_state);
		from_sock(e, &sk->__sk_common);
	} else if (skb)
		from_skb(e, skb);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(receive_reset, struct sock *sk)
{
	return sock_event(sk, KEV_RST_RECV, 0, -1, 0);
}

static __always_inline int drop(const struct sk_buff *skb, __u32 reason, const struct sock *rx_sk)
{
	__u32 netns;
	struct kev_wire *e;

	if (!skb)
		return 0;
	netns = skb_netns(skb, rx_sk);
	if (!ours(netns))
		return 0;
	e = reserve(netns, KEV_DROP);
	if (!e)
		return 0;
	e->reason = reason;
	e->sk = (__u64)(rx_sk ? rx_sk : BPF_CORE_READ(skb, sk));
	from_skb(e, skb);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* 6.1: (skb, location, reason) */
SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb3, struct sk_buff *skb, void *location, int reason)
{
	return drop(skb, reason, 0);
}

/* Later: (skb, location, reason, rx_sk): drops inside TCP have no device */
SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb4, struct sk_buff *skb, void *location, int reason, struct sock *rx_sk)
{
	return drop(skb, reason, rx_sk);
}

/* No tracepoint marks it: a full socket hands over to a TIME-WAIT (or an
 * orphaned FIN-WAIT-2) mini-socket, just before its own ->CLOSE. */
SEC("fentry/tcp_time_wait")
int BPF_PROG(time_wait, struct sock *sk, int state, int timeo)
{
	return sock_event(sk, KEV_TIMEWAIT, -1, state, 0);
}

char LICENSE[] SEC("license") = "GPL";
