/*
 * conntrack: a namespace's connection-tracking table, read through
 * ctnetlink (libnl-nf-3).  0 or -errno; nothing prints.
 */
#ifndef NETCASE_CONNTRACK_H
#define NETCASE_CONNTRACK_H

#include <stdio.h>

/* Write every entry of ns's table to f, one a line; returns how many. */
int conntrack_dump(int ns, FILE *f);

/* Forget every entry of ns's table (IPv4 and IPv6), as `conntrack -F`. */
int conntrack_flush(int ns);

#endif
