/*
 * filter_node: the parsed ss filter as a tree, private to filter.c (the
 * parser and the evaluator) and filter_kernel.c (what the kernel is asked
 * for).  Nobody else sees inside a struct filter.
 */
#ifndef NETCASE_FILTER_NODE_H
#define NETCASE_FILTER_NODE_H

#include "filter.h"

enum node_kind { N_AND, N_OR, N_NOT, N_STATE, N_PORT, N_ADDR, N_FIELD, N_INFO, N_PROTO };
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
	long value; /* N_PORT port or -1; N_FIELD value; N_PROTO IPPROTO_TCP or _UDP */
	enum field field;
	int info;		  /* N_INFO: index into filter_info_fields[] */
	int naddr;		  /* N_ADDR: 0 means any address */
	struct filter_addr one;	  /* a literal address */
	struct filter_addr *addr; /* &one, or a host's addresses (malloc'd) */
	int plen;		  /* prefix length, -1 for a full match */
};

/* The tcp_info fields `ss -i` prints, by its names, compared in its units,
 * and the socket memory `ss -m` prints (INET_DIAG_SKMEMINFO). */
enum info_unit {
	INFO_COUNT, /* a number as it is */
	INFO_US,    /* the kernel's microseconds; written as a duration (ms if bare) */
	INFO_MS,    /* the kernel's milliseconds; written as a duration */
	INFO_RATE,  /* the kernel's bytes per second; written in bits per second */
};

struct info_field {
	const char *name;
	enum info_unit unit;
	size_t offset, size; /* in struct sockdiag_sock */
	unsigned need;	     /* SOCKDIAG_INFO or SOCKDIAG_MEM: what the dump must ask for */
};

extern const struct info_field filter_info_fields[];
extern const int filter_ninfo_fields;

/* The field's value in the socket (its kernel unit). */
unsigned long long filter_info_value(const struct info_field *f, const struct sockdiag_sock *s);

#endif
