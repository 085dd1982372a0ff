/*
 * kevents: the kernel's own record of a case (netcase.case(5), "Kernel
 * events"): BPF programs on the state-change, retransmission, reset and
 * drop tracepoints, filtered in the kernel to the case's namespaces and
 * read from one ring buffer, in time order.  Attached through links held
 * as file descriptors, so nothing outlives the process (SIGKILL included).
 *
 * Needs root, BTF and the tracepoints; kevents_open() says which is
 * missing otherwise, and the caller falls back to polling.
 */
#ifndef NETCASE_KEVENTS_H
#define NETCASE_KEVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/types.h>

#include "kevent_wire.h"

struct kevents;

/* Copy libbpf's messages to a stream the command chose (NETCASE_BPF_DEBUG:
 * its stderr), or not (NULL). */
void kevents_debug(FILE *to);

/* Observe the namespaces ns[0..n) (host i is ns[i]).  NULL with the reason
 * in why (what is missing, and what to do) when it cannot. */
struct kevents *kevents_open(const int *ns, int n, char *why, size_t len);

/* Hand every event written since the last call to cb, in order, with the
 * host it happened in; returns how many, or -errno. */
typedef void (*kevents_cb)(void *ctx, const struct kev_wire *e, int host);
int kevents_poll(struct kevents *k, kevents_cb cb, void *ctx);

/* A descriptor that polls readable when events are waiting (the ring
 * buffer's epoll fd), so a loop can sleep until the kernel writes one. */
int kevents_fd(const struct kevents *k);

/* Events of the case's namespaces the ring buffer had no room for. */
uint64_t kevents_lost(const struct kevents *k);

/* Tracepoint hits the observer's programs did not run for (the kernel's
 * recursion_misses: a program already running on that CPU), in any
 * namespace - so possibly, not surely, the case's. */
uint64_t kevents_missed(const struct kevents *k);

/* Whether the TIME-WAIT hand-over probe is attached (exact mini-socket
 * births), or only the tracepoints. */
int kevents_exact_timewait(const struct kevents *k);

/* The running kernel's name of drop reason v ("NO_SOCKET"), or NULL. */
const char *kevents_reason_name(const struct kevents *k, unsigned v);

/* The value of a drop reason name on the running kernel, or -ENOENT. */
int kevents_reason_value(const struct kevents *k, const char *name);

/* The i-th drop reason name of this kernel, NULL past the last (hints). */
const char *kevents_reason_at(const struct kevents *k, int i);

/* Detach and free; accepts NULL; returns NULL. */
struct kevents *kevents_close(struct kevents *k);

#endif
