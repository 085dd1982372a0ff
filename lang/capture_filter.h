/*
 * capture_filter: a tcpdump filter as a case writes it - host names become
 * the hosts' addresses, a TCP flags match reads IPv6 segments too - compiled
 * once for Ethernet frames (libpcap, no capture needed), and the state of
 * counting it through a capture (harness/capture.h counts, this keeps).
 */
#ifndef NETCASE_CAPTURE_FILTER_H
#define NETCASE_CAPTURE_FILTER_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "tcpseq.h"
#include "topo.h"

#define CAPTURE_SNAPLEN	  262
#define CAPTURE_CONN_CMPS 8 /* seq and ack comparisons in one filter */

/* A tcpdump filter compiled once, and how far through a capture it has
 * counted (capture_filter_count() advances seen, count and stamps). */
struct capture_filter {
	struct bpf_program prog;
	size_t seen; /* the capture's packets looked at so far */
	long count;
	double last;	 /* the last matching packet's time */
	double *stamps;	 /* every matching packet's time, count of them */
	uint64_t *flows; /* and its conversation (pkt_conversation()), as many */
	long cap;
	/* netcase's connection terms, joined to the tcpdump filter with `and`:
	 * retransmission, seq OP N, ack OP N (relative, tcpseq.h) */
	struct capture_conn {
		int any, retrans, n;
		struct capture_conn_cmp {
			char what; /* 's' seq, 'a' ack */
			enum filter_cmp op;
			long long v;
		} cmp[CAPTURE_CONN_CMPS];
	} conn;
	struct tcpseq track; /* the conversations so far, for conn */
};

/*
 * A tcpdump filter with host names replaced by the hosts' addresses,
 * compiled once (Ethernet link type), and netcase's connection terms taken
 * out of it: `retransmission`, `seq OP N`, `ack OP N`, each joined to the
 * rest with `and` at the top level.  0, or -EINVAL / -ENOMEM with why
 * filled in.  capture_filter_free() accepts NULL and returns NULL.
 */
int capture_filter_new(const struct topo *t, const char *text, struct capture_filter **out,
		       char *why, size_t len);
struct capture_filter *capture_filter_free(struct capture_filter *f);

/* Only check that text compiles; 0 or -EINVAL with why filled in. */
int capture_filter_compile(const struct topo *t, const char *text, char *why, size_t len);

/* Whether f matches one frame (pure: for recorded captures and tests).
 * A flags match (tcp[13], tcp[tcpflags]) reads IPv6 segments too. */
int capture_filter_match(const struct capture_filter *f, const struct pcap_pkthdr *h,
			 const unsigned char *data);

/*
 * The connection terms for the next packet in capture order: s is its TCP
 * segment (NULL: not TCP, which no connection term matches).  Every packet
 * must come through, matched by the tcpdump filter or not, so that each
 * conversation's numbers are known.  1 if the terms hold (or there are
 * none), else 0.
 */
int capture_filter_conn(struct capture_filter *f, const struct tcpseq_seg *s);

/* The stamps of the packets capture_filter_count() counted, in order. */
const double *capture_filter_stamps(const struct capture_filter *f);

/* Their conversations, in the same order (pkt_conversation()). */
const uint64_t *capture_filter_flows(const struct capture_filter *f);

#endif
