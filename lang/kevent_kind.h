/*
 * kevent_kind: the kinds of kernel event the BPF observer records, one
 * enum for the wire (kevent_wire.h), the case model (events(KIND ...)) and
 * the logs; their names are in units.c (units_event_name()).  No types, so
 * both the BPF program and user space include it.
 */
#ifndef NETCASE_KEVENT_KIND_H
#define NETCASE_KEVENT_KIND_H

enum kev_kind {
	KEV_STATE = 1,	    /* sock:inet_sock_set_state: oldstate -> newstate */
	KEV_RETRANS,	    /* tcp:tcp_retransmit_skb that succeeded */
	KEV_SYNACK_RETRANS, /* tcp:tcp_retransmit_synack */
	KEV_RST_SENT,	    /* tcp:tcp_send_reset */
	KEV_RST_RECV,	    /* tcp:tcp_receive_reset */
	KEV_DROP,	    /* skb:kfree_skb, with its reason */
	KEV_TIMEWAIT,	    /* tcp_time_wait(): a mini-socket takes over, newstate its state */
	KEV_RETRANS_FAIL,   /* tcp:tcp_retransmit_skb that failed (6.10+): reason is -err */
};

#endif
