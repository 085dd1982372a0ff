/*
 * ns: anonymous network namespaces held by file descriptors.
 *
 * A namespace exists while some descriptor (or process) holds it; netcase
 * never mounts one under /run/netns except for --keep.  Work inside a
 * namespace happens on a short-lived thread that setns()es, so the caller's
 * own thread never changes namespace.  All functions return 0 (or a
 * descriptor) on success and a negative errno on failure; none prints.
 * The caller owns every descriptor returned and closes it.
 */
#ifndef NETCASE_NS_H
#define NETCASE_NS_H

#include <stddef.h>

/* Create a new network namespace; returns an O_CLOEXEC fd holding it. */
int ns_new(void);

/*
 * Create n namespaces at once (one thread each, so the kernel's per-netns
 * setup runs in parallel); fds[i] holds each.  On failure none is left open.
 */
int ns_new_many(int *fds, int n);

/*
 * Run fn(args[i]) inside nsfds[i] for every i, concurrently; returns 0 or
 * the first error by index.
 */
int ns_call_each(const int *nsfds, int n, int (*fn)(void *arg), void **args);

/*
 * Open a namespace named by a path (/run/netns/X, /proc/PID/ns/net), a pid
 * ("1234") or a name under /run/netns ("X"); -ENOENT if there is none.
 */
int ns_open(const char *spec);

/*
 * The caller's own namespace, for any nsfd argument: no thread, no setns.
 * Inside an ns_call() function it means "this namespace", so a caller can
 * batch many operations on one namespace into one ns_call().
 */
#define NS_CURRENT (-100)

/* Run fn(arg) on a thread inside namespace nsfd; returns fn's result. */
int ns_call(int nsfd, int (*fn)(void *arg), void *arg);

/* socket(2) created inside nsfd; the socket stays bound to it. */
int ns_socket(int nsfd, int domain, int type, int protocol);

/*
 * Make namespace creation possible for this process: nothing to do as root
 * (CAP_SYS_ADMIN); otherwise enter a new user namespace mapping our uid to
 * root.  Must run before any thread starts.  On failure returns -errno and
 * writes the reason into why.
 */
int ns_privilege_setup(char *why, size_t len);

#endif
