/* nstest's UDP tests: socket memory and drops against ss -m, and a burst
 * the capture must account for. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../harness/capture.h"
#include "../harness/clock.h"
#include "../harness/ssfmt.h"
#include "../lang/capture_filter.h"
#include "../netns/counters.h"
#include "../netns/ns.h"
#include "../netns/sockdiag.h"
#include "nstest.h"

/* A UDP receiver that never reads, 100 datagrams into 2 KiB: once the
 * burst is over, `ss -uamnH` shows netcase's skmem:(...); its drops are the
 * namespace's UdpRcvbufErrors. */
static int udp_pair(struct sockaddr_storage *ss, socklen_t len, int rcvbuf, int *sfd)
{
	int fd = ns_socket(NS[C], AF_INET, SOCK_DGRAM, 0);

	*sfd = ns_socket(NS[S], AF_INET, SOCK_DGRAM, 0);
	if (rcvbuf)
		setsockopt(*sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	ck_assert(!bind(*sfd, (void *)ss, len) && !connect(fd, (void *)ss, len));
	return fd;
}

/* A datagram from fd read at sfd within 5 s: sent every 100 ms, or once. */
static int udp_through(int fd, int sfd, int again)
{
	struct pollfd pf = {.fd = sfd, .events = POLLIN};
	double end = clock_now() + 5;
	char b[16];

	while (send(fd, "m", 1, 0),
	       poll(&pf, 1, again ? 100 : 5000) != 1 && again && clock_now() < end)
		;
	return (pf.revents & POLLIN) && recv(sfd, b, sizeof(b), 0) == 1;
}

START_TEST(t_udpmem)
{
	struct sockdiag_list l = {0};
	struct sockaddr_storage ss;
	socklen_t len;
	int sfd, mfd, fd, marker;
	char want[160], line[1024], *out;
	static char payload[1000];
	struct counters c = {0};
	int64_t errs = -1;
	cpu_set_t was, one;

	sa_make(&ss, &len, "198.18.0.2", 7000);
	fd = udp_pair(&ss, len, 1024, &sfd);
	sa_make(&ss, &len, "198.18.0.2", 7001);
	marker = udp_pair(&ss, len, 0, &mfd);
	/* the path first (an up link, a resolved neighbour: under load the
	 * burst raced both); then the burst and a marker behind it, all from
	 * one CPU so that they wait in one backlog in order: when the marker
	 * is read, the kernel has taken or dropped every datagram before it */
	ck_assert_msg(udp_through(marker, mfd, 1), "no datagram through the link within 5 s");
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ck_assert(!sched_getaffinity(0, sizeof(was), &was) &&
		  !sched_setaffinity(0, sizeof(one), &one));
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(send(fd, payload, sizeof(payload), 0), sizeof(payload));
	ck_assert_msg(udp_through(marker, mfd, 0), "the marker behind the burst within 5 s");
	ck_assert(!sched_setaffinity(0, sizeof(was), &was));
	close(marker), close(mfd);
	ck_assert(!counters_read(NS[S], &c) && !counters_get(&c, "UdpRcvbufErrors", &errs));
	counters_free(&c);
	ck_assert(!sockdiag_dump(NS[S], SOCKDIAG_UDP | SOCKDIAG_MEM, &l, NULL));
	ck_assert_msg(l.n == 1 && l.v[0].has_mem && l.v[0].mem[8] > 0, "a drop counted");
	const uint32_t *m = l.v[0].mem;
	out = run_in(S, (char *const[]){"ss", "-uamnH", "sport", "=", ":7000", NULL});
	ck_assert_msg(out && strstr(out, "skmem:(") && strchr(strstr(out, "skmem:("), ')'),
		      "ss -m");
	snprintf(want, sizeof(want), "%.*s", (int)strcspn(strstr(out, "skmem:("), ")") + 1,
		 strstr(out, "skmem:("));
	ssfmt_sock(&l.v[0], NULL, line, sizeof(line));
	ck_assert_msg(strstr(line, want), "ss -m says %s; netcase %s", want, line);
	ck_assert_msg(errs == m[8], "UdpRcvbufErrors %lld, the socket's drops %u", (long long)errs,
		      m[8]);
	snprintf(line, sizeof(line), "udp and state unconn and sport = :7000 and drops = %u", m[8]);
	ck_assert_msg(count(S, line) == 1 && count(S, "sport = :7000") == 0, "%s; TCP's", line);
	printf("udpmem: %s, UdpRcvbufErrors %lld\n", want, (long long)errs);
	sockdiag_list_free(&l);
	close(fd), close(sfd);
}
END_TEST

/*
 * A burst of 100,000 UDP datagrams as fast as sendmmsg() goes, captured on
 * the server's end: every datagram must be either captured or counted as a
 * drop by libpcap - none may vanish quietly.
 */
START_TEST(t_burst)
{
	enum { N = 100000, BATCH = 256 };
	struct sockaddr_storage ss;
	struct capture *cap;
	socklen_t len;
	char why[256], path[] = "/tmp/nstest-burst-XXXXXX";
	unsigned rcv = 0, drop = 0;
	long seen = 0;
	int fd, sfd, tmp = mkstemp(path), err;

	err = capture_start(NS[S], T.links[0].ifname[1], fdopen(tmp, "w"), clock_real_offset(),
			    &cap, why, sizeof(why));
	ck_assert_msg(!err, "capture: %s", why);
	if (err)
		return;
	sa_make(&ss, &len, "198.18.0.2", 9);
	fd = udp_pair(&ss, len, 0, &sfd); /* a receiver: no ICMP unreachable comes back */
	static char payload[18] = "netcase burst";
	struct iovec iov = {payload, sizeof(payload)};
	struct mmsghdr msgs[BATCH];
	for (int i = 0; i < BATCH; i++)
		msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
	double t0 = clock_now();
	int sent = 0;
	while (sent < N) {
		int n = sendmmsg(fd, msgs, N - sent < BATCH ? N - sent : BATCH, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN) {
			ck_assert_msg(0, "sendmmsg: %s", strerror(errno));
			break;
		}
		sent += n > 0 ? n : 0;
	}
	double secs = clock_now() - t0;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	/* wait (at most 5 s) until the capture says it holds every packet
	 * stamped before the last send returned */
	double end = clock_now() + 5, until = wall.tv_sec + wall.tv_nsec / 1e9, stamp;
	int complete = 0;
	struct capture_filter *cf;
	ck_assert_msg(!capture_filter_new(&T, "udp and dst port 9", &cf, why, sizeof(why)),
		      "filter: %s", why);
	while (cf && clock_now() < end) {
		seen = capture_filter_count(cap, cf, until, &stamp, &complete);
		if (complete)
			break;
		poll(NULL, 0, 10);
	}
	ck_assert_msg(complete, "the capture caught up with the burst's end");
	ck_assert_msg(seen == 0 || stamp <= until, "only packets stamped up to the end counted");
	capture_filter_free(cf);
	capture_stop(cap, &rcv, &drop);
	printf("burst: %d datagrams in %.3f s (%.0f packets/s); captured %ld, libpcap counted "
	       "%u received and %u dropped\n",
	       sent, secs, sent / secs, seen, rcv, drop);
	ck_assert_msg(sent == N, "sent %d of %d", sent, N);
	ck_assert_msg(sent / secs >= 100000, "the burst reached only %.0f packets/s", sent / secs);
	ck_assert_msg(seen + (long)drop >= sent, "%ld datagrams vanished without a reported drop",
		      sent - seen - (long)drop);
	capture_free(cap);
	unlink(path);
	close(fd), close(sfd);
}
END_TEST

const TTest *nstest_udpmem(void)
{
	return t_udpmem;
}

const TTest *nstest_burst(void)
{
	return t_burst;
}
