/*
 * bench_dump: dump and filter 1,000, 10,000 and 100,000 TCP sockets (half
 * as many loopback connections, both ends) with netcase's socket diag and
 * ss filter - as a running case does, on a socket held open in the
 * namespace - against, in the same namespace, side by side:
 *   the floor    the same requests (families, states, the filter's kernel
 *                bytecode) on a plain netlink socket, the replies received
 *                and only their headers walked: the kernel's own cost;
 *   ss           iproute2's `ss -tanH` with the same filter;
 *   libnl-idiag  libnl's cache of every socket, filtered in a foreach.
 * Prints a Markdown table of medians and ratios.
 * Usage: bench_dump [ITERATIONS]   (root; default 20, 5 at 100,000)
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
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
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
#include "../netns/sysctl.h"

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

/* The floor: req's dumps on a plain netlink socket, only the headers
 * walked; the number of sockets, or -errno. */
static int raw_dump(int fd, const struct sockdiag_req *r)
{
	static const int fams[] = {AF_INET, AF_INET6};
	static char buf[256 * 1024];
	int count = 0;

	for (int f = 0; f < 2; f++) {
		struct {
			struct nlmsghdr h;
			struct inet_diag_req_v2 r;
			struct nlattr a;
			char bc[FILTER_BC_MAX];
		} m = {
		    .h = {.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		    .r = {.sdiag_family = fams[f],
			  .sdiag_protocol = IPPROTO_TCP,
			  .idiag_states = r->states},
		    .a = {.nla_len = NLA_HDRLEN + r->bytecode_len,
			  .nla_type = INET_DIAG_REQ_BYTECODE},
		};
		int done = 0;

		memcpy(m.bc, r->bytecode, r->bytecode_len);
		m.h.nlmsg_len =
		    NLMSG_LENGTH(sizeof(m.r)) + (r->bytecode_len ? NLA_ALIGN(m.a.nla_len) : 0);
		if (send(fd, &m, m.h.nlmsg_len, 0) < 0)
			return -errno;
		while (!done) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			struct nlmsghdr *h = (void *)buf;

			if (n <= 0)
				return n ? -errno : -EPROTO;
			for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
				if (h->nlmsg_type == NLMSG_ERROR)
					return -EPROTO;
				if (h->nlmsg_type == NLMSG_DONE)
					done = 1;
				else
					count++;
			}
		}
	}
	return count;
}

/* Connections each holder process makes: two descriptors each, under the
 * 20,000 a container may cap a process at (RLIMIT_NOFILE without
 * CAP_SYS_RESOURCE to raise it). */
#define PER_HOLDER 9000

/* A process that makes n connections to lfd's listener (ns), says so on
 * ready, and holds them until hold reaches end of file. */
static pid_t holder(int ns, int lfd, int n, int ready, const int *hold)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	pid_t p = fork();
	char b = 1;

	if (p)
		return p;
	close(hold[1]); /* or its own copy would keep the end of file away */
	getsockname(lfd, (void *)&sa, &sl);
	for (int i = 0; i < n; i++) {
		int c = ns_socket(ns, AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (void *)&sa, sizeof(sa)) || accept(lfd, NULL, NULL) < 0) {
			perror("bench_dump: connect");
			_exit(1);
		}
	}
	if (write(ready, &b, 1) != 1 || read(hold[0], &b, 1) < 0)
		_exit(1);
	_exit(0);
}

/* A namespace with a listener and conns connections to it, held by child
 * processes until *hold (a pipe's write end) is closed; the ns fd or -1. */
static int populate(int conns, int *hold)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(7000)};
	int ns = ns_new(), lfd, one = 1, rp[2], hp[2], ok = 1;
	char b;

	if (ns < 0 || link_set(ns, "lo", 1, 0) ||
	    sysctl_set(ns, "net.ipv4.ip_local_port_range", "1024 65535") || pipe(rp) || pipe(hp)) {
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
	fflush(stdout);
	for (int left = conns; left > 0; left -= PER_HOLDER)
		holder(ns, lfd, left < PER_HOLDER ? left : PER_HOLDER, rp[1], hp);
	for (int left = conns; left > 0 && ok; left -= PER_HOLDER)
		ok = read(rp[0], &b, 1) == 1 && b == 1;
	close(rp[0]);
	close(rp[1]);
	close(hp[0]);
	close(lfd);
	*hold = hp[1];
	return ok ? ns : -1;
}

/* One size: medians of n runs of each, printed as a table row; 0 or -1. */
static int size(int conns, int n)
{
	struct sockdiag_req req;
	struct filter *f;
	struct filter_error fe;
	char bc[FILTER_BC_MAX];
	double *v[4], med[4] = {0};
	int hold = -1, ns = populate(conns, &hold), err = 0, matched = 0, floor_n = 0, rawfd;
	struct nl_sock *sk = ns < 0 ? NULL : sockdiag_open(ns, &err);

	if (!sk) {
		close(hold);
		return -1;
	}
	rawfd = ns_socket(ns, AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
	filter_parse(FILTER, NULL, NULL, &f, &fe);
	filter_sockdiag_req(f, SOCKDIAG_TCP, &req, bc, sizeof(bc));
	for (int k = 0; k < 4; k++)
		v[k] = calloc(n, sizeof(double));
	for (int i = 0; i < n && !err && rawfd >= 0; i++) {
		struct sockdiag_list l = {0};
		double s = bench_now_ms();

		floor_n = raw_dump(rawfd, &req);
		v[0][i] = bench_now_ms() - s;
		s = bench_now_ms();
		err = floor_n < 0 || sockdiag_dump_sock(sk, &req, &l, NULL);
		matched = 0;
		for (size_t k = 0; k < l.n; k++)
			matched += filter_match(f, &l.v[k]);
		v[1][i] = bench_now_ms() - s;
		sockdiag_list_free(&l);
		s = bench_now_ms();
		err = err || run_ss(ns);
		v[2][i] = bench_now_ms() - s;
#ifdef HAVE_IDIAG
		struct idiag_arg ia = {0};
		s = bench_now_ms();
		if (!err && (ns_call(ns, do_idiag, &ia) || ia.matched != matched)) {
			fprintf(stderr, "bench_dump: libnl-idiag failed or disagrees (%d)\n",
				ia.matched);
			err = 1;
		}
		v[3][i] = bench_now_ms() - s;
#endif
	}
	if (!err && rawfd >= 0 && floor_n == matched) {
		for (int k = 0; k < 4; k++)
			med[k] = bench_median(v[k], n);
		printf("| %d | %d | %d | %.2f | %.2f (x%.1f) | %.2f (x%.1f) | ", 2 * conns + 1,
		       matched, n, med[0], med[1], med[1] / med[0], med[2], med[2] / med[1]);
#ifdef HAVE_IDIAG
		printf("%.2f (x%.1f) |\n", med[3], med[3] / med[1]);
#else
		printf("not built |\n");
#endif
		fflush(stdout);
	} else {
		fprintf(stderr, "bench_dump: %d sockets: a dump failed (floor %d, netcase %d)\n",
			2 * conns + 1, floor_n, matched);
		err = 1;
	}
	for (int k = 0; k < 4; k++)
		free(v[k]);
	filter_free(f);
	sockdiag_close(sk);
	if (rawfd >= 0)
		close(rawfd);
	close(ns);
	close(hold); /* the holders end */
	while (wait(NULL) > 0)
		;
	return err ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const int conns[] = {500, 5000, 50000};
	int n = argc > 1 ? atoi(argv[1]) : 20;
	if (geteuid()) {
		fprintf(stderr, "bench_dump: needs root\n");
		return 77;
	}
	if (n < 1)
		n = 1;
	printf("Filter '%s', medians in ms; netcase's ratio is to the floor, the others' to "
	       "netcase.\n\n",
	       FILTER);
	printf("| sockets | matched | runs | floor (raw dump) | netcase | ss -tanH | libnl-idiag "
	       "|\n| --- | --- | --- | --- | --- | --- | --- |\n");
	for (unsigned i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		if (size(conns[i], conns[i] >= 50000 ? (n + 3) / 4 : n))
			return 1;
	return 0;
}
