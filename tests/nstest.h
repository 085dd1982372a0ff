/*
 * nstest.h: what nstest.c's fixture shares with the tests in other files
 * (nstest_udp.c): the client-server topology of every test, and helpers.
 */
#ifndef NETCASE_NSTEST_H
#define NETCASE_NSTEST_H

#include <sys/socket.h>

#include <check.h>

#include "../lang/topo.h"

extern struct topo T;
extern int NS[2]; /* the namespaces of client and server */
extern int C, S;  /* host indexes */

void sa_make(struct sockaddr_storage *ss, socklen_t *len, const char *ip, int port);
/* sockets of host matching a filter (ss's language) */
int count(int host, const char *text);
/* a command's output in host's namespace (static buffer), NULL on failure */
char *run_in(int host, char *const argv[]);

/* nstest_udp.c */
const TTest *nstest_udpmem(void);
const TTest *nstest_burst(void);

#endif
