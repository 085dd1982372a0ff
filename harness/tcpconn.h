/*
 * tcpconn: one TCP connection's state as a link's capture saw it - each
 * direction's initial sequence number, the end of the furthest segment, the
 * highest acknowledgment, the latest window and timestamp - from which
 * `inject` computes sequence numbers relative to the receiving end's live
 * state.  Pure: fed with decoded frames (pktdecode.h) in capture order.
 *
 * The link end is the host the forged segment leaves from: direction 0 is
 * the frames it sent (source MAC = its MAC), direction 1 those it received,
 * i.e. the segments of the receiving end.  So the receiving end's rcv_nxt
 * is the highest ack of direction 1, its snd_nxt the end of direction 1's
 * furthest segment, its snd_una the highest ack of direction 0.
 */
#ifndef NETCASE_TCPCONN_H
#define NETCASE_TCPCONN_H

#include <stdint.h>

#include "../lang/case.h"
#include "pktdecode.h"

struct tcp_dir {
	long frames;
	int syn, has_ack, has_ts;
	uint32_t isn;	/* the SYN's sequence number (when syn) */
	uint32_t nxt;	/* the end of the furthest segment: seq + length (+1 SYN, +1 FIN) */
	uint32_t ack;	/* the highest acknowledgment */
	uint32_t tsval; /* the highest TSval */
	uint16_t window;
	struct pkt_info last; /* its latest frame: MACs, addresses, ports */
	double stamp;	      /* and when it was seen */
};

struct tcp_conn {
	uint8_t mac[6]; /* the link end's */
	uint16_t port[2];
	struct tcp_dir d[2];
};

void tcp_conn_init(struct tcp_conn *c, const uint8_t mac[6], uint16_t port_a, uint16_t port_b);

/* Take a frame seen at stamp t; others than the connection's are ignored. */
void tcp_conn_add(struct tcp_conn *c, const struct pkt_info *pi, double t);

/* Both directions seen, and the receiving end has acknowledged something. */
int tcp_conn_ready(const struct tcp_conn *c);

/* v resolved against the receiving end's state (ready() first). */
uint32_t tcp_conn_value(const struct tcp_conn *c, const struct inject_val *v);

/* Sequence space the other side sent that this side has not acknowledged
 * yet, as the capture saw it: unacked[0], what the link end sent beyond the
 * receiving end's rcv_nxt; unacked[1], what the receiving end sent beyond
 * its snd_una.  Both 0 on a quiet connection, where every value is exact. */
void tcp_conn_unacked(const struct tcp_conn *c, uint32_t unacked[2]);

#endif
