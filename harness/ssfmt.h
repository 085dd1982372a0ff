/*
 * ssfmt: one socket as `ss -tanoi` prints it, with timer expiries in their
 * true units ("248ms", "1.248s"; ss itself labels seconds "ms").  Pure;
 * writes into a caller's buffer and returns the length ss would need
 * (like snprintf).
 */
#ifndef NETCASE_SSFMT_H
#define NETCASE_SSFMT_H

#include <stddef.h>
#include <stdio.h>

#include "../lang/filter.h"
#include "../netns/procsock.h"
#include "../netns/sockdiag.h"

/* The header line, without newline. */
int ssfmt_header(char *buf, size_t len);

/*
 * One socket: a line, and with tcp_info a second indented line.  process,
 * if not NULL or empty, goes in the Process column (`users:((...))`).
 */
int ssfmt_sock(const struct sockdiag_sock *s, const char *process, char *buf, size_t len);

/* The header and the sockets of l that flt matches (all without flt), each
 * with its processes from procs (may be NULL), like ss -tanoi(p); the one
 * listing `netcase ss`, failures and the evidence print. */
void ssfmt_list(FILE *f, const struct sockdiag_list *l, const struct filter *flt,
		const struct procsock_list *procs);

/* "address:port" with IPv6 in brackets and "*" for the wildcard. */
int ssfmt_endpoint(int family, const unsigned char *addr, unsigned port, char *buf, size_t len);

/* A duration in ms as "248ms", "1.248s" or "2min3s". */
int ssfmt_duration(unsigned ms, char *buf, size_t len);

#endif
