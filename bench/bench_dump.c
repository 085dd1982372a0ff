/*
 * bench_dump: dump and filter 10,000 TCP sockets (5,000 loopback
 * connections) with netcase's socket diag and ss filter, against iproute2's
 * `ss -tanH` with the same filter, in the same namespace, side by side.
 * Usage: bench_dump [ITERATIONS]   (root)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_IDIAG
#include <netlink/cache.h>
#include <netlink/idiag/idiagnl.h>
#include <netlink/idiag/msg.h>
#include <netlink/netlink.h>
#endif

#include "bench.h"
#include "../lang/filter.h"
#include "../netns/link.h"
#include "../netns/ns.h"
#include "../netns/sockdiag.h"

#define CONNS  5000
#define FILTER "state established and ( dport = :7000 )"

static int run_ss(int ns)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (setns(ns, CLONE_NEWNET) || !freopen("/dev/null", "w", stdout))
			_exit(98);
		execlp("ss", "ss", "-tanH", "state", "established", "( dport = :7000 )", NULL);
		_exit(97);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

#ifdef HAVE_IDIAG
/* libnl-idiag's cache of the namespace, filtered in a foreach like ours. */
struct idiag_arg {
	int matched;
};

static void idiag_cb(struct nl_object *o, void *arg)
{
	struct idiagnl_msg *m = (struct idiagnl_msg *)o;

	/* libnl-idiag hands the port over in network byte order */
	((struct idiag_arg *)arg)->matched +=
	    idiagnl_msg_get_state(m) == 1 && ntohs(idiagnl_msg_get_dport(m)) == 7000;
}

static int do_idiag(void *arg)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *c = NULL;
	int err;

	if (!sk)
		return -ENOMEM;
	err = idiagnl_connect(sk);
	if (!err)
		err = idiagnl_msg_alloc_cache(sk, AF_INET, IDIAGNL_SS_ALL, &c);
	if (!err) {
		nl_cache_foreach(c, idiag_cb, arg);
		nl_cache_free(c);
	}
	nl_socket_free(sk);
	return err < 0 ? -EIO : 0;
}
#endif

/* A namespace with a listener and CONNS connections to it; the ns fd or -1. */
static int populate(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(7000)};
	int ns = ns_new(), lfd, one = 1;

	if (ns < 0 || link_set(ns, "lo", 1, 0)) {
		fprintf(stderr, "bench_dump: namespace setup failed\n");
		return -1;
	}
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	lfd = ns_socket(ns, AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (void *)&sa, sizeof(sa)) || listen(lfd, 4096)) {
		perror("listen");
		return -1;
	}
	for (int i = 0; i < CONNS; i++) {
		int c = ns_socket(ns, AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (void *)&sa, sizeof(sa)) || accept(lfd, NULL, NULL) < 0) {
			perror("connect");
			return -1;
		}
	}
	return ns;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20, ns, matched = 0;
	struct rlimit rl = {20000, 20000};
	struct filter *f;
	struct filter_error fe;
	double *a, *b, *c, ma, mb, mc = 0;

	if (geteuid() || setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "bench_dump: needs root\n");
		return 77;
	}
	ns = populate();
	if (ns < 0)
		return 1;
	filter_parse(FILTER, NULL, NULL, &f, &fe);
	a = calloc(n, sizeof(double));
	b = calloc(n, sizeof(double));
	c = calloc(n, sizeof(double));
	for (int i = 0; i < n; i++) {
		struct sockdiag_list l = {0};
		struct sockdiag_req req;
		char bc[FILTER_BC_MAX];
		double s = bench_now_ms();

		filter_sockdiag_req(f, SOCKDIAG_TCP, &req, bc, sizeof(bc));
		if (sockdiag_dump_req(ns, &req, &l, NULL))
			return 1;
		matched = 0;
		for (size_t k = 0; k < l.n; k++)
			matched += filter_match(f, &l.v[k]);
		a[i] = bench_now_ms() - s;
		sockdiag_list_free(&l);
		s = bench_now_ms();
		if (run_ss(ns)) {
			fprintf(stderr, "bench_dump: ss failed\n");
			return 1;
		}
		b[i] = bench_now_ms() - s;
#ifdef HAVE_IDIAG
		struct idiag_arg ia = {0};
		s = bench_now_ms();
		if (ns_call(ns, do_idiag, &ia) || ia.matched != matched) {
			fprintf(stderr, "bench_dump: libnl-idiag failed or disagrees (%d)\n",
				ia.matched);
			return 1;
		}
		c[i] = bench_now_ms() - s;
#endif
	}
	ma = bench_median(a, n);
	mb = bench_median(b, n);
	mc = bench_median(c, n);
	printf("dump + filter of %d TCP sockets ('%s' matched %d), %d runs, medians:\n",
	       2 * CONNS + 1, FILTER, matched, n);
	printf("  %-34s %8.2f ms\n", "netcase sockdiag + filter", ma);
	printf("  %-34s %8.2f ms   x%.1f of netcase\n", "ss -tanH with the same filter", mb,
	       mb / ma);
#ifdef HAVE_IDIAG
	printf("  %-34s %8.2f ms   x%.1f of netcase\n", "libnl-idiag cache + foreach", mc, mc / ma);
#else
	(void)mc;
#endif
	printf("target: >= 2x faster than ss: %s\n", mb / ma >= 2 ? "met" : "NOT met");
	filter_free(f);
	free(a);
	free(b);
	free(c);
	close(ns);
	return 0;
}
