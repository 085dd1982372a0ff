/*
 * tcpseq: TCP conversations as a capture shows them, segment by segment in
 * capture order - each direction's initial sequence number and the end of
 * the furthest segment it sent - so that a packet filter can ask what
 * tcpdump and Wireshark show: sequence and acknowledgment numbers relative
 * to each direction's initial one, and whether a segment is a
 * retransmission (its sequence range, or part of it, was sent before).
 *
 * The numbers are relative to the SYN's sequence number when the capture
 * saw the SYN (the first byte of data is 1), else to the first sequence
 * number it saw in that direction (0).  A SYN with a new sequence number on
 * a 4-tuple starts a new incarnation: the old one's numbers are forgotten.
 * A segment carries sequence space when it has data, SYN or FIN; one that
 * carries none (a pure ACK, a keepalive or window probe at snd_una - 1 with
 * no byte, an RST) is never a retransmission.  Pure: fed by the caller.
 */
#ifndef NETCASE_TCPSEQ_H
#define NETCASE_TCPSEQ_H

#include <stddef.h>
#include <stdint.h>

struct tcpseq_seg {
	int family; /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t flags;		/* the header's 13th byte */
	uint32_t seq, ack, len; /* len: payload bytes */
};

struct tcpseq_flow {
	int family;
	uint8_t a[16];
	uint16_t ap; /* direction 0 is the segments a:ap sent */
	uint8_t b[16];
	uint16_t bp;
	int started[2], syn[2];
	uint32_t isn[2], max[2];
};

struct tcpseq {
	struct tcpseq_flow *v;
	size_t n, cap;
};

/* What one segment is, seen in its conversation. */
struct tcpseq_view {
	int retrans;   /* its sequence range was sent before */
	uint32_t rseq; /* seq relative to its direction's initial one */
	int has_ack;   /* the ACK flag, and the other direction was seen */
	uint32_t rack; /* ack relative to the other direction's initial one */
};

/* Take the next segment; 0, or -ENOMEM (the segment is then not judged). */
int tcpseq_add(struct tcpseq *t, const struct tcpseq_seg *s, struct tcpseq_view *out);

void tcpseq_fini(struct tcpseq *t);

#endif
