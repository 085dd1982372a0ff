/*
 * counters: a namespace's SNMP and netstat counters (/proc/net/snmp,
 * /proc/net/netstat, /proc/net/snmp6) read directly, under the names nstat
 * prints ("TcpExtListenOverflows", "TcpActiveOpens", "Ip6InReceives").
 * The set owns its array: free it with counters_free().  0 or -errno.
 */
#ifndef NETCASE_COUNTERS_H
#define NETCASE_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

struct counter {
	char name[64];
	int64_t value;
};

struct counters {
	struct counter *v;
	size_t n, cap;
};

void counters_free(struct counters *c);

/* Read all counters of namespace ns into c (appending). */
int counters_read(int ns, struct counters *c);

/*
 * Parse the text of /proc/net/snmp or /proc/net/netstat (pairs of header
 * and value lines, "TcpExt: A B" then "TcpExt: 1 2") or of /proc/net/snmp6
 * ("Ip6InReceives 12" lines); pure.  -EPROTO for malformed text.
 */
int counters_parse(const char *text, struct counters *c);

/* Look a counter up by nstat name; -ENOENT if absent. */
int counters_get(const struct counters *c, const char *name, int64_t *value);

#endif
