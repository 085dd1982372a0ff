/*
 * bench_events: what the kernel-event observer costs and carries.
 *
 * Two hosts (topo_build); a client process in one connects to a listener
 * in the other and closes, as fast as it can, for S seconds, while this
 * process reads the ring buffer every 10 ms as a running case does.  Each
 * connection is 10 state changes (and a drop or two of the teardown).
 * Prints the connections made with and without the observer attached
 * (the baseline: the same loop, nothing attached), the events read per
 * second, and the events lost (must be 0).  Needs root.
 *   bench/bench_events [SECONDS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "../harness/kevents.h"
#include "../lang/topo.h"
#include "../harness/topo_build.h"

static long events;

static void count(void *ctx, const struct kev_wire *e, int host)
{
	events++;
}

/* In namespace ns: listen on 198.18.0.2:9000 and accept and close forever. */
static pid_t server(int ns)
{
	pid_t p = fork();

	if (p)
		return p;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9000)};
	int one = 1, s;

	if (setns(ns, CLONE_NEWNET))
		_exit(1);
	s = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 4096))
		_exit(1);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

/* In namespace ns: connect and close for secs seconds; the count in *out. */
static pid_t client(int ns, double secs, int pipefd)
{
	pid_t p = fork();

	if (p)
		return p;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9000)};
	struct linger lg = {1, 0};
	double end = bench_now_ms() + secs * 1e3;
	long n = 0;

	if (setns(ns, CLONE_NEWNET))
		_exit(1);
	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	while (bench_now_ms() < end) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (void *)&a, sizeof(a)) == 0)
			n++;
		/* every 4th an abortive close, so resets are part of the load and
		 * the ephemeral ports do not all sit in TIME-WAIT */
		if (n % 4 == 0)
			setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s);
	}
	if (write(pipefd, &n, sizeof(n)) != sizeof(n))
		_exit(1);
	_exit(0);
}

/* One run: connections made, events read and lost; 0 or -1. */
static int run(const int *ns, double secs, int observe, long *conns, long *got, uint64_t *lost)
{
	struct kevents *k = NULL;
	char why[512];
	int fds[2], st;
	pid_t s, c;

	if (observe && !(k = kevents_open(ns, 2, why, sizeof(why)))) {
		fprintf(stderr, "bench_events: %s\n", why);
		return -1;
	}
	if (pipe(fds))
		return -1;
	events = 0;
	s = server(ns[1]);
	usleep(50000); /* the listener binds */
	c = client(ns[0], secs, fds[1]);
	while (waitpid(c, &st, WNOHANG) == 0) {
		if (k)
			kevents_poll(k, count, NULL);
		poll(NULL, 0, 10);
	}
	if (k)
		kevents_poll(k, count, NULL);
	kill(s, SIGKILL);
	waitpid(s, NULL, 0);
	if (read(fds[0], conns, sizeof(*conns)) != sizeof(*conns))
		*conns = 0;
	close(fds[0]);
	close(fds[1]);
	*got = events;
	*lost = k ? kevents_lost(k) : 0;
	kevents_close(k);
	return 0;
}

/* A run on a topology of its own: the last one's TIME-WAITs would slow it. */
static int fresh_run(struct topo *t, double secs, int observe, long *conns, long *got,
		     uint64_t *lost)
{
	char why[256];
	int ns[2], err;

	if (topo_build(t, ns, why, sizeof(why))) {
		fprintf(stderr, "bench_events: topology: %s\n", why);
		return -1;
	}
	err = run(ns, secs, observe, conns, got, lost);
	topo_teardown(ns, 2);
	return err;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3;
	struct topo t;
	long c0, c1, got, none;
	uint64_t lost, l0;

	topo_init(&t);
	if (topo_host_add(&t, "client") < 0 || topo_host_add(&t, "server") < 0 ||
	    topo_link_add(&t, 0, 1, 0) < 0)
		return 1;
	if (fresh_run(&t, secs, 0, &c0, &none, &l0) || fresh_run(&t, secs, 1, &c1, &got, &lost))
		return 1;
	printf("connect+close loop between two namespaces, %.1f s each:\n", secs);
	printf("  %-32s %8.0f connections/s\n", "no observer (baseline)", c0 / secs);
	printf("  %-32s %8.0f connections/s   x%.2f of the baseline\n", "BPF observer attached",
	       c1 / secs, c0 ? (double)c1 / c0 : 0);
	printf("  events read: %ld (%.0f per second, %.1f per connection), lost: %llu\n", got,
	       got / secs, c1 ? (double)got / c1 : 0, (unsigned long long)lost);
	topo_fini(&t);
	return lost ? 1 : 0;
}
