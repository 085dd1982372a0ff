/*
 * nstest: integration tests of the netns/ layer in real namespaces.
 *
 *   client (v0-server) ---- 198.18.0.0/24, fd00:6e63:0:0::/64 ---- (v0-client) server
 *
 * A Check suite, one TCase per subcommand, each test on a fresh topology
 * built by a checked fixture: sockets [RAWFILE] (sockets in known states,
 * and the dump sees exactly them; optionally record the client's raw dump),
 * sysctl (per-namespace sysctls), compare (our dump against iproute2's
 * `ss -tanoH` in the same namespace), burst (capture), links (links, routes
 * and neighbours as iproute2 sees them).  `nstest NAME` runs one; exit 0
 * pass, 1 fail, 77 skip: without the privilege to make namespaces (or the
 * iproute2 a comparison needs) the program skips, naming why, before any
 * test runs; a fixture that still meets EPERM fails its test, never passes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "../harness/actor.h"
#include "../harness/capture.h"
#include "../harness/clock.h"
#include "../lang/case.h"
#include "../lang/filter.h"
#include "../harness/ssfmt.h"
#include "../lang/topo.h"
#include "../harness/topo_build.h"
#include "../netns/counters.h"
#include "../netns/ip.h"
#include "../netns/link.h"
#include "../netns/ns.h"
#include "../netns/qdisc.h"
#include "../netns/sockdiag.h"
#include "../netns/sysctl.h"
#include "nstest.h"

struct topo T;
int NS[2]; /* the namespaces of client and server */
int C, S;  /* host indexes */

static const char *raw_path; /* sockets: record the client's raw dump here */

/* The checked fixture: a fresh client-server topology for every test. */
static void setup(void)
{
	char why[256];
	int err;

	topo_init(&T);
	C = topo_host_add(&T, "client");
	S = topo_host_add(&T, "server");
	topo_link_add(&T, C, S, 0);
	err = topo_build(&T, NS, why, sizeof(why));
	ck_assert_msg(!err, "topology: %s", why);
}

static void teardown(void)
{
	topo_teardown(NS, 2);
	topo_fini(&T);
}

static int tcp_socket(int host, int family)
{
	int fd = ns_socket(NS[host], family, SOCK_STREAM, 0);

	ck_assert_msg(fd >= 0, "socket: %s", strerror(-fd));
	return fd;
}

void sa_make(struct sockaddr_storage *ss, socklen_t *len, const char *ip, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (void *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, ip, &s4->sin_addr);
		*len = sizeof(*s4);
	}
}

static int listen_on(int host, const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd = tcp_socket(host, strchr(ip, ':') ? AF_INET6 : AF_INET);

	sa_make(&ss, &len, ip, port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_msg(!bind(fd, (void *)&ss, len) && !listen(fd, 8), "listen on %s:%d: %s", ip,
		      port, strerror(errno));
	return fd;
}

static int connect_to(int host, const char *ip, int port, int block)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = tcp_socket(host, strchr(ip, ':') ? AF_INET6 : AF_INET);

	sa_make(&ss, &len, ip, port);
	if (!block)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	ck_assert_msg(!connect(fd, (void *)&ss, len) || errno == EINPROGRESS,
		      "connect to %s:%d: %s", ip, port, strerror(errno));
	return fd;
}

/* Count sockets in host matching filter text. */
int count(int host, const char *text)
{
	struct sockdiag_list l = {0};
	struct filter *f;
	struct filter_error fe;
	struct sockdiag_req req;
	char bc[FILTER_BC_MAX];
	int n = 0, err;

	ck_assert_msg(!filter_parse(text, NULL, NULL, &f, &fe), "bad filter '%s': %s", text,
		      fe.msg);
	filter_sockdiag_req(f, filter_protocols(f), &req, bc, sizeof(bc));
	err = sockdiag_dump_req(NS[host], &req, &l, NULL);
	ck_assert_msg(!err, "dump: %s", strerror(-err));
	for (size_t i = 0; i < l.n; i++)
		n += filter_match(f, &l.v[i]);
	sockdiag_list_free(&l);
	filter_free(f);
	return n;
}

/* Wait up to 3 s for count(host, text) == want; returns the last count. */
static int wait_count(int host, const char *text, int want)
{
	double end = clock_now() + 3;
	int n;

	while ((n = count(host, text)) != want && clock_now() < end)
		poll(NULL, 0, 10);
	return n;
}

static void make_states(int *keep, int *nkeep)
{
	int lfd = listen_on(S, "198.18.0.2", 8888), l6 = listen_on(S, "fd00:6e63:0:0::2", 8889);
	int c1, c2, c3, c4, s2, s3, syn;

	c1 = connect_to(C, "198.18.0.2", 8888, 1);
	c2 = connect_to(C, "198.18.0.2", 8888, 1);
	c3 = connect_to(C, "198.18.0.2", 8888, 1);
	c4 = connect_to(C, "fd00:6e63:0:0::2", 8889, 1);
	/* 198.18.0.3 answers at the server's MAC but the server does not own
	 * it and does not forward: every SYN is dropped there. */
	static const uint8_t smac[6] = {0x02, 0x6e, 0x63, 0x00, 0x00, 0x02};
	ip_neigh_add(NS[C], T.links[0].ifname[0], "198.18.0.3", smac);
	syn = connect_to(C, "198.18.0.3", 9, 0);
	/* accept order is connection order */
	int a1 = accept(lfd, NULL, NULL);
	s2 = accept(lfd, NULL, NULL);
	s3 = accept(lfd, NULL, NULL);
	close(c2); /* client FIN-WAIT-2, server CLOSE-WAIT */
	shutdown(c3, SHUT_WR);
	wait_count(S, "state close-wait", 2);
	close(s3); /* client TIME-WAIT after the server's FIN */
	close(c3);
	int k = 0;
	keep[k++] = lfd;
	keep[k++] = l6;
	keep[k++] = c1;
	keep[k++] = c4;
	keep[k++] = s2;
	keep[k++] = syn;
	keep[k++] = a1;
	*nkeep = k;
}

START_TEST(t_sockets)
{
	const char *raw = raw_path;
	int keep[16], nkeep;

	make_states(keep, &nkeep);
	ck_assert_msg(wait_count(C, "state time-wait and dport = :8888", 1) == 1,
		      "client TIME-WAIT");
	ck_assert_msg(wait_count(C, "state fin-wait-2 and dport = :8888", 1) == 1,
		      "client FIN-WAIT-2");
	ck_assert_msg(wait_count(C, "state syn-sent and dst 198.18.0.3:9", 1) == 1,
		      "client SYN-SENT");
	ck_assert_msg(wait_count(C, "state established and dport = :8888", 1) == 1,
		      "client v4 ESTAB");
	ck_assert_msg(wait_count(C, "state established and dst [fd00:6e63::2]:8889", 1) == 1,
		      "client v6 ESTAB");
	ck_assert_msg(wait_count(C, "state all", 5) == 5, "client has exactly 5 sockets, saw %d",
		      count(C, "state all"));
	ck_assert_msg(count(C, "state listening") == 0, "no listener on the client");
	ck_assert_msg(wait_count(S, "state listening", 2) == 2, "server listeners");
	ck_assert_msg(wait_count(S, "state close-wait and sport = :8888", 1) == 1,
		      "server CLOSE-WAIT");
	ck_assert_msg(wait_count(S, "state established", 2) == 2, "server ESTAB v4+v6");
	ck_assert_msg(wait_count(S, "state all", 5) == 5, "server has exactly 5 sockets, saw %d",
		      count(S, "state all"));
	ck_assert_msg(count(C, "state time-wait and timer = timewait") == 1,
		      "TIME-WAIT has its timer");
	if (raw) {
		FILE *f = fopen(raw, "we");
		struct sockdiag_list l = {0};
		if (!f || sockdiag_dump(NS[C], SOCKDIAG_TCP | SOCKDIAG_INFO, &l, f))
			ck_assert_msg(0, "recording %s", raw);
		if (f)
			fclose(f);
		sockdiag_list_free(&l);
	}
	for (int i = 0; i < nkeep; i++)
		close(keep[i]);
}
END_TEST

START_TEST(t_sysctl)
{
	char v[256], root[256];
	int err, rootfd = open("/proc/sys/net/ipv4/tcp_fin_timeout", O_RDONLY);
	ssize_t n = read(rootfd, root, sizeof(root) - 1);

	close(rootfd);
	root[n > 0 ? n - 1 : 0] = '\0';
	err = sysctl_set(NS[C], "net.ipv4.tcp_fin_timeout", "7");
	ck_assert_msg(!err, "set tcp_fin_timeout: %s", strerror(-err));
	err = sysctl_get(NS[C], "net.ipv4.tcp_fin_timeout", v, sizeof(v));
	ck_assert_msg(!err && !strcmp(v, "7"), "client tcp_fin_timeout is %s", v);
	err = sysctl_get(NS[S], "net.ipv4.tcp_fin_timeout", v, sizeof(v));
	ck_assert_msg(!err && !strcmp(v, "60"), "server keeps the default, saw %s", v);
	rootfd = open("/proc/sys/net/ipv4/tcp_fin_timeout", O_RDONLY);
	n = read(rootfd, v, sizeof(v) - 1);
	close(rootfd);
	v[n > 0 ? n - 1 : 0] = '\0';
	ck_assert_msg(!strcmp(v, root), "root namespace value unchanged (%s, was %s)", v, root);
	err = sysctl_set(NS[C], "net.ipv4.no_such_key", "1");
	ck_assert_msg(err == -ENOENT, "unknown key gives ENOENT, got %s", strerror(-err));
	err = sysctl_set(NS[C], "net.core.rmem_max", "1000000");
	ck_assert_msg(err == -EACCES || err == -EPERM, "read-only key refused, got %s",
		      strerror(-err));
	err = sysctl_get(NS[C], "net.ipv4.tcp_rmem", v, sizeof(v));
	ck_assert_msg(!err && strchr(v, ' ') && !strchr(v, '\t'), "tabs become spaces: '%s'", v);
}
END_TEST

/* Run a command in a host's namespace, return its output. */
char *run_in(int host, char *const argv[])
{
	static char out[65536];
	int p[2], st;
	size_t n = 0;
	pid_t pid;

	if (pipe(p))
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		if (setns(NS[host], CLONE_NEWNET))
			_exit(98);
		execvp(argv[0], argv);
		_exit(97);
	}
	close(p[1]);
	for (ssize_t r; (r = read(p[0], out + n, sizeof(out) - 1 - n)) > 0;)
		n += r;
	close(p[0]);
	out[n] = '\0';
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		return NULL;
	}
	return out;
}

/* "STATE rq wq local peer timerkind,count" of one of our entries. */
static void key_of(const struct sockdiag_sock *s, char *buf, size_t len)
{
	static const char *tn[] = {"off", "on", "keepalive", "timewait", "persist"};
	char l[64], p[64];

	ssfmt_endpoint(s->family, s->src, s->sport, l, sizeof(l));
	ssfmt_endpoint(s->family, s->dst, s->dport, p, sizeof(p));
	snprintf(buf, len, "%s %u %u %s %s %s,%u", sockdiag_state_name(s->state), s->rq, s->wq, l,
		 p, s->timer || s->expires_ms ? tn[s->timer % 5] : "off",
		 s->timer || s->expires_ms ? s->retrans : 0);
}

/* Whether two dumps show the same sockets with the same states, queues and timers. */
static int same_dumps(const struct sockdiag_list *a, const struct sockdiag_list *b)
{
	char x[256], y[256];

	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		key_of(&a->v[i], x, sizeof(x));
		key_of(&b->v[i], y, sizeof(y));
		if (strcmp(x, y))
			return 0;
	}
	return 1;
}

START_TEST(t_compare)
{
	int keep[16], nkeep, matched = 0, lines = 0;
	struct sockdiag_list l = {0}, after = {0};
	char *out = NULL, *save, *line;

	make_states(keep, &nkeep);
	wait_count(C, "state all", 5);
	/* Let queues settle: wait until no socket has unacked data. */
	wait_count(C, "wq > 0", 0);
	/* ss between two equal dumps: nothing changed while it looked (the
	 * SYN-SENT socket's retransmission count moves on under load) */
	for (int tries = 0; tries < 10; tries++) {
		sockdiag_list_free(&l);
		sockdiag_list_free(&after);
		ck_assert_msg(!sockdiag_dump(NS[C], SOCKDIAG_TCP, &l, NULL), "dump");
		out = run_in(C, (char *const[]){"ss", "-tanoH", NULL});
		ck_assert_msg(out != NULL, "ss ran");
		ck_assert_msg(!sockdiag_dump(NS[C], SOCKDIAG_TCP, &after, NULL), "dump");
		if (same_dumps(&l, &after))
			break;
	}
	sockdiag_list_free(&after);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char st[32], loc[80], peer[80], rest[256] = "", kind[32] = "off", want[256];
		unsigned rq, wq, cnt = 0;
		int found = 0;

		if (sscanf(line, "%31s %u %u %79s %79s %255[^\n]", st, &rq, &wq, loc, peer, rest) <
		    5)
			continue;
		lines++;
		char *t = strstr(rest, "timer:(");
		if (t) {
			char *c1 = strchr(t, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
			snprintf(kind, sizeof(kind), "%.*s", (int)(c1 - t - 7), t + 7);
			cnt = c2 ? (unsigned)atoi(c2 + 1) : 0;
		}
		snprintf(want, sizeof(want), "%s %u %u %s %s %s,%u", st, rq, wq, loc, peer, kind,
			 cnt);
		for (size_t i = 0; i < l.n && !found; i++) {
			char ours[256];
			key_of(&l.v[i], ours, sizeof(ours));
			found = !strcmp(ours, want);
		}
		ck_assert_msg(found, "iproute2 line not seen by netcase: %s", want);
		matched += found;
	}
	ck_assert_msg(lines == (int)l.n && lines == 5, "ss shows %d sockets, netcase %zu", lines,
		      l.n);
	printf("compare: %d of %d ss lines matched\n", matched, lines);
	sockdiag_list_free(&l);
	for (int i = 0; i < nkeep; i++)
		close(keep[i]);
}
END_TEST

/*
 * tcp_info fields as iproute2's `ss -ti` prints them for the established
 * client socket: each integer field ss shows under a name netcase's filter
 * knows must match there ("cwnd:10" -> "cwnd = 10"), in ss's units.
 */
START_TEST(t_info)
{
	static const char *const names[] = {
	    "cwnd",	  "ssthresh",	"rto",	      "ato",	       "mss",
	    "pmtu",	  "rcvmss",	"advmss",     "rcv_space",     "rcv_ssthresh",
	    "snd_wnd",	  "unacked",	"lost",	      "sacked",	       "reordering",
	    "notsent",	  "segs_out",	"segs_in",    "data_segs_out", "data_segs_in",
	    "delivered",  "backoff",	"bytes_sent", "bytes_retrans", "dsack_dups",
	    "reord_seen", "rcv_ooopack"};
	int keep[16], nkeep, checked = 0;
	char *out, *save, *tok;

	make_states(keep, &nkeep);
	wait_count(C, "state established and dport = :8888", 1);
	wait_count(C, "wq > 0", 0);
	out = run_in(
	    C, (char *const[]){"ss", "-tinH", "state", "established", "dport", "=", ":8888", NULL});
	ck_assert_msg(out != NULL, "ss -ti ran");
	for (tok = strtok_r(out, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		char name[64], want[160];
		long v;

		if (sscanf(tok, "%63[a-z_]:%ld", name, &v) != 2 || strchr(tok, '/') ||
		    strchr(tok, '.'))
			continue; /* rtt:1.2/0.6, retrans:0/1 and the like are not one integer */
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcmp(name, names[i]))
				continue;
			snprintf(want, sizeof(want),
				 "%s = %ld and state established and dport = :8888", name, v);
			ck_assert_msg(count(C, want) == 1,
				      "ss -ti says %s, netcase's filter '%s' does not match", tok,
				      want);
			checked++;
		}
	}
	ck_assert_msg(checked >= 6, "only %d of ss's fields compared", checked);
	printf("info: %d tcp_info fields of ss -ti matched by netcase's filter\n", checked);
	for (int i = 0; i < nkeep; i++)
		close(keep[i]);
}
END_TEST

/* ethtool's view of one offload of dev in the client namespace */
static int offload(const char *dev, unsigned cmd)
{
	struct ethtool_value ev = {.cmd = cmd};
	struct ifreq ifr = {0};
	int fd = ns_socket(NS[C], AF_INET, SOCK_DGRAM, 0), r;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&ev;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return r < 0 ? -errno : (int)ev.data;
}

/* Links and routes as iproute2 sees them after netns/ made them. */
START_TEST(t_links)
{
	const char *dev = T.links[0].ifname[0];
	struct ip_route r = {.dst = "203.0.113.0/24", .gateway = "198.18.0.2", .rto_min_ms = 10};
	char *out, what[128];
	int err;

	/* ready: both ends up with a qdisc; unequal indexes; a down peer is seen */
	err = topo_wait_ready(&T, NS, 5, what, sizeof(what));
	ck_assert_msg(!err, "ready: %s", what);
	ck_assert_int_eq(link_index(NS[C], dev), 1000);
	ck_assert_int_eq(link_index(NS[S], T.links[0].ifname[1]), 1001);
	/* the peer's carrier reaches this end through link-watch, which runs
	 * late under load: wait for the change, woken by its notification */
	int wfd = link_watch_open(NS[C]);
	ck_assert_int_ge(wfd, 0);
	err = link_set(NS[S], T.links[0].ifname[1], 0, 0);
	ck_assert_msg(!err, "down: %s", strerror(-err));
	for (double end = clock_now() + 5;
	     (err = link_unready(NS[C], what, sizeof(what))) == 0 && clock_now() < end;) {
		struct pollfd pf = {.fd = wfd, .events = POLLIN};
		poll(&pf, 1, 100);
		link_watch_drain(wfd);
	}
	close(wfd);
	ck_assert_msg(err == 1 && strstr(what, dev) && strstr(what, "not operationally up"),
		      "a veth whose peer is down is not ready within 5 s: %d %s", err, what);
	err = link_set(NS[S], T.links[0].ifname[1], 1, 0);
	ck_assert_msg(!err, "up: %s", strerror(-err));
	err = topo_wait_ready(&T, NS, 5, what, sizeof(what));
	ck_assert_msg(!err, "ready again: %s", what);
	ck_assert_int_eq(link_unready(NS[C], what, sizeof(what)), 0);
	out = run_in(C, (char *const[]){"ip", "-o", "link", "show", "dev", (char *)dev, NULL});
	ck_assert_msg(out && strstr(out, "qdisc noqueue") && strstr(out, "state UP"), "ip link: %s",
		      out);

	err = link_ifb_add(NS[C], "ifbtest");
	ck_assert_msg(!err && link_index(NS[C], "ifbtest") > 0, "ifb: %s", strerror(-err));
	err = link_set(NS[C], dev, 1, 1400);
	ck_assert_msg(!err, "mtu: %s", strerror(-err));
	err = ip_route_add(NS[C], &r);
	ck_assert_msg(!err, "route: %s", strerror(-err));
	out = run_in(C, (char *const[]){"ip", "-o", "link", "show", NULL});
	ck_assert_msg(out && strstr(out, "ifbtest") && strstr(out, "mtu 1400"), "ip link: %s", out);
	out = run_in(C, (char *const[]){"ip", "route", "show", "203.0.113.0/24", NULL});
	ck_assert_msg(out && strstr(out, "via 198.18.0.2") && strstr(out, "rto_min lock 10ms"),
		      "ip route: %s", out);
	out = run_in(C, (char *const[]){"ip", "neigh", "show", "198.18.0.2", NULL});
	ck_assert_msg(out && strstr(out, "02:6e:63:00:00:02") && strstr(out, "PERMANENT"),
		      "ip neigh: %s", out);
	out = run_in(C, (char *const[]){"ip", "-6", "addr", "show", "dev", (char *)dev, NULL});
	ck_assert_msg(out && strstr(out, "fd00:6e63::1/64") && !strstr(out, "tentative"),
		      "ip -6 addr: %s", out);
	ck_assert_msg(offload(dev, ETHTOOL_GTSO) == 1, "tso on by default");
	err = link_offloads_set(NS[C], dev, 0);
	ck_assert_msg(!err, "offloads off: %s", strerror(-err));
	ck_assert_msg(offload(dev, ETHTOOL_GTSO) == 0 && offload(dev, ETHTOOL_GGSO) == 0 &&
			  offload(dev, ETHTOOL_GGRO) == 0 && offload(dev, ETHTOOL_GTXCSUM) == 0,
		      "tso gso gro tx off");
	/* the ingress redirect and its undo, as a failed impairment takes it back */
	err = qdisc_ingress_redirect(NS[C], dev, "ifbtest");
	ck_assert_msg(!err, "ingress redirect: %s", strerror(-err));
	out = run_in(C, (char *const[]){"tc", "qdisc", "show", "dev", (char *)dev, NULL});
	ck_assert_msg(out && strstr(out, "qdisc ingress ffff:"), "tc qdisc: %s", out);
	err = qdisc_ingress_del(NS[C], dev);
	ck_assert_msg(!err, "ingress removed: %s", strerror(-err));
	out = run_in(C, (char *const[]){"tc", "qdisc", "show", "dev", (char *)dev, NULL});
	ck_assert_msg(out && !strstr(out, "ingress"), "tc qdisc after: %s", out);
	ck_assert_int_ne(qdisc_ingress_del(NS[C], dev), 0); /* none left to remove */
	err = ip_route_del(NS[C], &r);
	ck_assert_msg(!err, "route deleted: %s", strerror(-err));
	out = run_in(C, (char *const[]){"ip", "route", "show", "203.0.113.0/24", NULL});
	ck_assert_msg(out && !strstr(out, "via"), "ip route after: %s", out);
	ck_assert_int_ne(ip_route_del(NS[C], &r), 0);
	err = link_del(NS[C], "ifbtest");
	ck_assert_msg(!err && link_index(NS[C], "ifbtest") == -ENODEV, "ifb deleted");
	err = link_set(NS[C], "nosuchdev", 1, 0);
	ck_assert_msg(err == -ENODEV || err == -ENOENT, "a missing device is an error: %s",
		      strerror(-err));
}
END_TEST

/* Wait (poll, with a deadline) until actor a reports something starting
 * with want, or its control socket closes; 1 if it did. */
static int actor_wait(struct actor_run *a, const char *want)
{
	double end = clock_now() + 5;

	while (clock_now() < end) {
		struct pollfd pf = {.fd = a->ctl, .events = POLLIN};

		if (a->ctl < 0)
			return !strncmp(a->event, want, strlen(want));
		poll(&pf, 1, 100);
		if (actor_poll(a) && !strncmp(a->event, want, strlen(want)))
			return 1;
	}
	return 0;
}

static void actor_end(struct actor_run *a)
{
	int status;

	ck_assert_int_eq(waitpid(a->pid, &status, 0), a->pid);
	actor_reaped(a, status, clock_now());
}

/* The built-in actors' loops driven over their control sockets: a listener
 * and a connector from the case language, commands in, reports and results
 * out, in the fixture's two namespaces. */
START_TEST(t_actors)
{
	static const char text[] = "host client\nhost server\nlink client server\n"
				   "start srv: server listen :9000\n"
				   "start c: client connect server:9000 send \"hi\"\n"
				   "start r: client connect server:9001\n";
	struct actor_run srv, cl, refused;
	struct case_model *m;
	struct case_error e;

	ck_assert_msg(case_parse("a.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(actor_spawn(&m->actors[0], NS[S], NULL, NULL, &srv), 0);
	ck_assert_msg(actor_wait(&srv, "listening"), "listener: %s", srv.event);
	ck_assert_msg(srv.proc_pid > 0, "the actor says its pid in /proc");
	ck_assert_int_eq(actor_spawn(&m->actors[1], NS[C], T.links[0].v4[1], NULL, &cl), 0);
	ck_assert_msg(actor_wait(&cl, "connected"), "connector: %s", cl.event);
	ck_assert_int_eq(actor_command(&cl, "send", "more"), 0);
	ck_assert_int_eq(actor_command(&cl, "close", NULL), 0);
	ck_assert_msg(actor_wait(&cl, "result ok"), "closed: %s", cl.event);
	actor_end(&cl);
	ck_assert_str_eq(cl.result, "ok");
	ck_assert_int_eq(actor_command(&cl, "close", NULL), -ESRCH); /* it has ended */

	ck_assert_int_eq(actor_spawn(&m->actors[2], NS[C], T.links[0].v4[1], NULL, &refused), 0);
	ck_assert_msg(actor_wait(&refused, "result"), "refused: %s", refused.event);
	actor_end(&refused);
	ck_assert_str_eq(refused.result, "error ECONNREFUSED");

	kill(srv.pid, SIGTERM); /* at its default, whatever Check's handler is */
	actor_end(&srv);
	ck_assert_str_eq(srv.result, "signal TERM");
	/* the connector named its connection's local port (for 'connected') */
	ck_assert_int_eq(cl.nconns, 1);
	ck_assert_int_gt(cl.conns[0].port, 0);
	ck_assert(cl.conns[0].done >= cl.conns[0].begun);
	free(cl.conns);
	case_free(m);
}
END_TEST

static const struct {
	const char *name;
	const TTest *const *test;  /* this file's, or */
	const TTest *(*get)(void); /* another's */
	int timeout;
	const char *needs; /* a program of iproute2 the test compares with */
} tests[] = {
    {"sockets", &t_sockets, NULL, 20, NULL}, {"sysctl", &t_sysctl, NULL, 10, NULL},
    {"compare", &t_compare, NULL, 20, "ss"}, {"burst", NULL, nstest_burst, 30, NULL},
    {"links", &t_links, NULL, 20, "ip"},     {"info", &t_info, NULL, 20, "ss"},
    {"actors", &t_actors, NULL, 20, NULL},   {"udpmem", NULL, nstest_udpmem, 20, "ss"},
};

static Suite *ns_suite(void)
{
	Suite *s = suite_create("ns");

	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		TCase *tc = tcase_create(tests[i].name);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, tests[i].timeout);
		tcase_add_test(tc, tests[i].test ? *tests[i].test : tests[i].get());
		suite_add_tcase(s, tc);
	}
	return s;
}

/* 77 and the reason when namespaces cannot be made here, before any test. */
static void skip_unless_able(const char *needs)
{
	char why[256], cmd[128];
	int fd;

	if (ns_privilege_setup(why, sizeof(why))) {
		printf("SKIP: %s\n", why);
		exit(77);
	}
	fd = ns_new();
	if (fd == -EPERM || fd == -EACCES) {
		printf("SKIP: cannot create a network namespace: %s\n", strerror(-fd));
		exit(77);
	}
	if (fd >= 0)
		close(fd);
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", needs ? needs : "true");
	if (needs && system(cmd) != 0) {
		printf("SKIP: %s (iproute2) not installed\n", needs);
		exit(77);
	}
}

int main(int argc, char **argv)
{
	const char *tcase = argc > 1 ? argv[1] : NULL, *needs = NULL;
	SRunner *sr;
	int failed, known = !tcase;

	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (tcase && !strcmp(tcase, tests[i].name)) {
			known = 1;
			needs = tests[i].needs;
		}
	if (!known) {
		fprintf(stderr, "usage: nstest [sockets "
				"[RAWFILE]|sysctl|compare|burst|links|info|actors|udpmem]\n");
		return 2;
	}
	raw_path = tcase && !strcmp(tcase, "sockets") && argc > 2 ? argv[2] : NULL;
	skip_unless_able(tcase ? needs : "ss");
	sr = srunner_create(ns_suite());
	srunner_run(sr, NULL, tcase, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("%s: %s\n", tcase ? tcase : "all", failed ? "FAIL" : "PASS");
	return failed ? 1 : 0;
}
