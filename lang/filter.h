/*
 * filter: ss's filter language, parsed into a tree and evaluated against
 * socket-diag entries; pure code.
 *
 *   state established and ( sport = :8888 or dport = :8888 )
 *   not state listening and dst server and rq > 0 and timer = keepalive
 *
 * Terms: `state S` / `exclude S` (S a state or a group: all, connected,
 * synchronized, bucket, big), `sport|dport OP :PORT`, `src|dst [OP] ADDR`
 * (ADDR is an address, prefix, `*`, or a host name given to the resolver,
 * optionally with :PORT; IPv6 in brackets with a port), and the fields
 * `rq wq retrans probes` compared with numbers, `timer` compared with
 * on|keepalive|timewait|persist|off, `expires` (the time left on the
 * timer) and `rtt` (tcp_info's smoothed round-trip time) with a duration
 * (500ms, 50s), tcp_info's fields as ss -i names them, socket memory as
 * ss -m shows it (rmem_alloc rcvbuf wmem_alloc sndbuf fwd_alloc
 * wmem_queued optmem backlog drops), and `tcp` or `udp` for the protocol
 * (`state unconn` is an unconnected UDP socket).  OP is = == eq != ne neq < lt <= le
 * > gt >= ge.  `and`/`&&`, `or`/`||`, `not`/`!`, parentheses; adjacent
 * terms are joined with `and`.  filter_parse() allocates the tree;
 * filter_free() releases it.
 */
#ifndef NETCASE_FILTER_H
#define NETCASE_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "../netns/sockdiag.h"

struct filter;

/* A comparison, in filters and in expectations. */
enum filter_cmp { FILTER_EQ, FILTER_NE, FILTER_LT, FILTER_LE, FILTER_GT, FILTER_GE };

int filter_cmp_eval(long long a, enum filter_cmp op, long long b);

struct filter_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

/*
 * Resolve a host name to up to max addresses into out; returns how many, 0
 * if the name is unknown.  With out NULL: how many the host has (the filter
 * asks first, so a host with any number of links is matched whole).
 */
typedef int (*filter_resolve_fn)(void *ctx, const char *name, struct filter_addr *out, int max);

struct filter_error {
	int col; /* 1-based column in the filter text */
	char msg[600];
};

/* Returns 0 and *out, or -EINVAL and err filled in. */
int filter_parse(const char *text, filter_resolve_fn resolve, void *ctx, struct filter **out,
		 struct filter_error *err);

/* 1 if s matches (a NULL filter matches everything). */
int filter_match(const struct filter *f, const struct sockdiag_sock *s);

/* Accepts NULL; returns NULL. */
struct filter *filter_free(struct filter *f);

/* The states (bit 1 << state) a socket may be in to match: a mask to ask
 * the kernel with, so it sends nothing the filter would reject. */
unsigned filter_states(const struct filter *f);

/*
 * Compile the port comparisons that must hold for f to match (those joined
 * by `and` at the top) into inet_diag bytecode (INET_DIAG_REQ_BYTECODE),
 * so the kernel skips sockets the filter would reject.  The bytecode
 * accepts a superset; filter_match() still decides.  Returns its length
 * (0: nothing to compile) or -ENOSPC if buf is too small.
 */
int filter_bytecode(const struct filter *f, void *buf, size_t len);

/*
 * Fill req to ask the kernel for what f may match: the states, tcp_info if
 * f needs it (or what has SOCKDIAG_INFO), and port bytecode in bc (bclen
 * bytes of room).  Pure.
 */
#define FILTER_BC_MAX 256
void filter_sockdiag_req(const struct filter *f, unsigned what, struct sockdiag_req *req, void *bc,
			 size_t bclen);

/* Whether matching needs tcp_info (the fields retrans and probes). */
int filter_needs_info(const struct filter *f);

/* What the dump must ask for besides the sockets: SOCKDIAG_INFO, _MEM. */
unsigned filter_needs(const struct filter *f);

/* The tables to dump for f: SOCKDIAG_TCP unless f names udp (`udp and
 * sport = :53` is UDP alone, `tcp or udp` both). */
unsigned filter_protocols(const struct filter *f);

/* The value of `retrans`/`probes` for a socket, as the filter sees it. */
unsigned filter_sock_retrans(const struct sockdiag_sock *s);
unsigned filter_sock_probes(const struct sockdiag_sock *s);

#endif
