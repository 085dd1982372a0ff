/*
 * filter_node: the parsed ss filter as a tree, private to filter.c (the
 * parser and the evaluator) and filter_kernel.c (what the kernel is asked
 * for).  Nobody else sees inside a struct filter.
 */
#ifndef NETCASE_FILTER_NODE_H
#define NETCASE_FILTER_NODE_H

#include "filter.h"

enum node_kind { N_AND, N_OR, N_NOT, N_STATE, N_PORT, N_ADDR, N_FIELD };
enum field {
	F_RQ,
	F_WQ,
	F_RETRANS,
	F_PROBES,
	F_TIMER,
	F_EXPIRES,
	F_RTT,
	F_BYTES_ACKED,
	F_BYTES_RECEIVED
};

struct filter {
	enum node_kind kind;
	struct filter *l, *r;
	unsigned states; /* N_STATE: bit per kernel state */
	int dst;	 /* N_PORT, N_ADDR: 1 for the remote side */
	enum filter_cmp cmp;
	long value; /* N_PORT port or -1; N_FIELD value */
	enum field field;
	int naddr;		  /* N_ADDR: 0 means any address */
	struct filter_addr one;	  /* a literal address */
	struct filter_addr *addr; /* &one, or a host's addresses (malloc'd) */
	int plen;		  /* prefix length, -1 for a full match */
};

#endif
