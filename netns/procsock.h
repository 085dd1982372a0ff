/*
 * procsock: which processes hold which sockets - the /proc/PID/fd links
 * "socket:[INODE]" that `ss -p` reads.  The list owns its array: free it
 * with procsock_list_free().  0 or -errno; nothing prints.
 */
#ifndef NETCASE_PROCSOCK_H
#define NETCASE_PROCSOCK_H

#include <stddef.h>
#include <stdint.h>

struct procsock {
	uint32_t inode;
	int pid, fd;
	char comm[32];
};

struct procsock_list {
	struct procsock *v;
	size_t n, cap;
};

/* Append the sockets of process pid, or of every process when pid <= 0. */
int procsock_scan(int pid, struct procsock_list *out);

/* Parse one fd link target; the socket's inode or 0 if it is no socket.  Pure. */
uint32_t procsock_inode_parse(const char *link);

/* Format the holders of inode as ss does: users:(("comm",pid=1,fd=3),...)
 * into buf; empty when nobody holds it.  Pure; returns the length. */
int procsock_format(const struct procsock_list *l, uint32_t inode, char *buf, size_t len);

void procsock_list_free(struct procsock_list *l);

#endif
