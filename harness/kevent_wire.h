/*
 * kevent_wire: one kernel event as the BPF observer (bpf/kevents.bpf.c)
 * writes it into its ring buffer and kevents.c reads it.  Shared by both
 * sides, so only fixed-size fields.
 */
#ifndef NETCASE_KEVENT_WIRE_H
#define NETCASE_KEVENT_WIRE_H

#include "../lang/kevent_kind.h"

/* Endpoints: from a socket (its own end first), or from a packet (source
 * first: KEV_F_PACKET), in network order; ports in host order. */
#define KEV_F_PACKET 1

struct kev_wire {
	__u64 ts_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 sk;      /* the socket (for a SYN-ACK retransmission, the request) */
	__u32 netns;   /* the namespace's inode */
	__u32 reason;  /* KEV_DROP: enum skb_drop_reason of the running kernel */
	__u16 kind;    /* enum kev_kind */
	__u16 family;  /* AF_INET, AF_INET6, 0 when unknown */
	__u8 oldstate; /* TCP states in the kernel's numbering */
	__u8 newstate;
	__u8 flags;
	__u8 l4proto; /* packets: IPPROTO_TCP, ... */
	__u16 sport, dport;
	__u8 saddr[16], daddr[16];
	__u16 segs; /* KEV_RETRANS, _FAIL: the segments retransmitted (tcp_skb_pcount) */
};

#endif
