/*
 * ladder: a case's timeline page - a ladder diagram with a lifeline per
 * host, an arrow per captured packet between the hosts of its link, each
 * socket state change on its host's lifeline and the timeline's steps in
 * the margin, the way textbooks draw the handshake.  A pure formatter:
 * events in, one self-contained HTML page (inline SVG) out.
 */
#ifndef NETCASE_LADDER_H
#define NETCASE_LADDER_H

#include <stdint.h>
#include <stdio.h>

#include "pktdecode.h"

enum ladder_kind {
	LADDER_PACKET, /* a captured packet: from -> to */
	LADDER_STATE,  /* a socket state change on host `from` */
	LADDER_STEP,   /* a step of the case */
	LADDER_DROP,   /* a packet from `from` (-1: unknown) dropped by host `to` */
	LADDER_MARK,   /* a kernel event on host `from`: a retransmission, a reset */
	LADDER_EXPECT, /* an expectation's verdict (cls "pass" or "fail") */
};

struct ladder_event {
	double t; /* seconds since the case began (captures and kernel events on one clock) */
	enum ladder_kind kind;
	int from, to; /* see the kinds */
	char label[112];
	char cls[8]; /* packet colour class: syn, fin, rst, data, ack, other */
	int retrans; /* a packet: a retransmission (its sequence range was sent before) */
};

/*
 * TCP flows as tcpdump shows them: sequence numbers relative to each
 * direction's first one, and a segment marked a retransmission when what
 * it carries (data, SYN or FIN) was sent before.  Pure.
 */
struct ladder_flow {
	int family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t isn, next; /* first sequence number, highest end sent */
};
struct ladder_flows {
	struct ladder_flow *v;
	int n, cap;
};
/* rseq/rack relative (rack 0 without ACK or before the reverse flow's first
 * segment); returns 1 for a retransmission, 0 if not, -ENOMEM. */
int ladder_flow_seq(struct ladder_flows *fl, const struct pkt_info *p, uint32_t *rseq,
		    uint32_t *rack);
void ladder_flows_free(struct ladder_flows *fl);

/* Events as tab-separated lines (ladder.tsv): "#hosts\tA\tB...", then
 * "t kind from to cls retrans label"; and back (0, or -EINVAL naming the
 * line in why).  *ev and *hosts are malloc'd. */
void ladder_tsv_write(FILE *f, const char *const *hosts, int nhosts, const struct ladder_event *ev,
		      int n);
int ladder_tsv_read(FILE *f, char ***hosts, int *nhosts, struct ladder_event **ev, int *n,
		    char *why, size_t len);

/* The same ladder in plain text, for CI logs: a column per host, arrows
 * of '-', drops ending in 'X', states in [ ], steps and verdicts between. */
void ladder_text(FILE *f, const char *const *hosts, int nhosts, const struct ladder_event *ev,
		 int n, int width);

/* Sort events by time (stable for equal times). */
void ladder_sort(struct ladder_event *ev, int n);

/*
 * Write the page: title, host names, events (sorted).  At most max_rows
 * events are drawn; the page says how many were left out.
 */
void ladder_render(FILE *f, const char *title, const char *const *hosts, int nhosts,
		   const struct ladder_event *ev, int n, int max_rows);

#endif
