/*
 * Decoding a recorded SOCK_DIAG_BY_FAMILY dump (tests/data/sockdiag-client.nl,
 * recorded by `tests/nstest sockets FILE`: the client side of nstest's
 * sockets: ESTAB v4 and v6, FIN-WAIT-2, TIME-WAIT, SYN-SENT).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../lang/filter.h"
#include "../netns/sockdiag.h"
#include "suites.h"

static int count_state(const struct sockdiag_list *l, unsigned state)
{
	int n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].state == state;
	return n;
}

START_TEST(t_recorded)
{
	struct sockdiag_list l = {0};
	size_t len, off = 0;
	char *buf = test_data_read("sockdiag-client.nl", &len);
	int r = 0, dones = 0;

	/* Four dumps (v4, v6 for TCP) back to back: decode each up to its DONE. */
	while (off < len) {
		const struct nlmsghdr *h = (const void *)(buf + off);
		r = sockdiag_decode(h, NLMSG_ALIGN(h->nlmsg_len), &l);
		ck_assert_int_ge(r, 0);
		dones += r == 1;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	ck_assert_int_eq(dones, 2);
	ck_assert_uint_eq(l.n, 5);
	ck_assert_int_eq(count_state(&l, 1), 2); /* ESTAB */
	ck_assert_int_eq(count_state(&l, 2), 1); /* SYN-SENT */
	ck_assert_int_eq(count_state(&l, 5), 1); /* FIN-WAIT-2 */
	ck_assert_int_eq(count_state(&l, 6), 1); /* TIME-WAIT */
	for (size_t i = 0; i < l.n; i++) {
		const struct sockdiag_sock *s = &l.v[i];
		char a[64];

		inet_ntop(s->family, s->dst, a, sizeof(a));
		if (s->state == 2) {
			ck_assert_str_eq(a, "198.18.0.3");
			ck_assert_uint_eq(s->dport, 9);
			ck_assert_uint_eq(s->timer, SOCKDIAG_TIMER_ON);
			ck_assert(s->has_info);
		}
		if (s->state == 6) {
			ck_assert_uint_eq(s->timer, SOCKDIAG_TIMER_TIMEWAIT);
			ck_assert(!s->has_info);
			ck_assert_uint_le(s->expires_ms, 60000);
		}
		if (s->family == AF_INET6) {
			ck_assert_str_eq(a, "fd00:6e63::2");
			ck_assert_uint_eq(s->dport, 8889);
		}
	}
	sockdiag_list_free(&l);
	free(buf);
}
END_TEST

START_TEST(t_error_and_truncation)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} err = {.h = {.nlmsg_len = sizeof(err), .nlmsg_type = NLMSG_ERROR},
		 .e = {.error = -EPERM}};
	struct sockdiag_list l = {0};
	size_t len;
	char *buf = test_data_read("sockdiag-client.nl", &len);

	ck_assert_int_eq(sockdiag_decode(&err, sizeof(err), &l), -EPERM);
	/* a cut message is malformed, never read past its end */
	ck_assert_int_eq(sockdiag_decode(buf, 40, &l), -EPROTO);
	ck_assert_uint_eq(l.n, 0);
	sockdiag_list_free(&l);
	free(buf);
}
END_TEST

START_TEST(t_state_names)
{
	ck_assert_str_eq(sockdiag_state_name(1), "ESTAB");
	ck_assert_str_eq(sockdiag_state_name(10), "LISTEN");
	ck_assert_str_eq(sockdiag_state_name(8), "CLOSE-WAIT");
	ck_assert_str_eq(sockdiag_state_name(99), "UNKNOWN");
}
END_TEST

/* One inet_diag message carrying info (len bytes of a struct tcp_info). */
static size_t diag_msg(unsigned char *buf, const struct tcp_info *info, size_t len)
{
	struct nlmsghdr *h = (void *)buf;
	struct inet_diag_msg *m = NLMSG_DATA(h);
	struct rtattr *a = (void *)(m + 1);

	memset(buf, 0, NLMSG_SPACE(sizeof(*m)) + RTA_SPACE(sizeof(*info)));
	m->idiag_family = AF_INET;
	m->idiag_state = 1;
	m->id.idiag_sport = htons(40000);
	m->id.idiag_dport = htons(8888);
	a->rta_type = INET_DIAG_INFO;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), info, len);
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*m)) + RTA_ALIGN(a->rta_len);
	return NLMSG_ALIGN(h->nlmsg_len);
}

/* Every field netcase keeps comes from its own place in the kernel's struct
 * tcp_info (the UAPI header, not netcase's copy of it). */
START_TEST(t_tcp_info_fields)
{
	static unsigned char buf[1024];
	struct tcp_info ti = {0};
	struct sockdiag_list l = {0};
	const struct sockdiag_tcp_info *o;

	ti.tcpi_retransmits = 3;
	ti.tcpi_probes = 4;
	ti.tcpi_backoff = 5;
	ti.tcpi_rto = 204000;
	ti.tcpi_ato = 40000;
	ti.tcpi_snd_mss = 1448;
	ti.tcpi_rcv_mss = 536;
	ti.tcpi_unacked = 7;
	ti.tcpi_lost = 2;
	ti.tcpi_retrans = 1;
	ti.tcpi_rtt = 1362;
	ti.tcpi_rttvar = 693;
	ti.tcpi_snd_cwnd = 11;
	ti.tcpi_total_retrans = 9;
	ti.tcpi_rcv_space = 14480;
	ti.tcpi_bytes_acked = 1ull << 33;
	ti.tcpi_bytes_received = 12;
	ti.tcpi_snd_wnd = 65536;
	ck_assert_int_eq(sockdiag_decode(buf, diag_msg(buf, &ti, sizeof(ti)), &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert(l.v[0].has_info);
	o = &l.v[0].info;
	ck_assert_uint_eq(o->retransmits, 3);
	ck_assert_uint_eq(o->probes, 4);
	ck_assert_uint_eq(o->backoff, 5);
	ck_assert_uint_eq(o->rto, 204000);
	ck_assert_uint_eq(o->ato, 40000);
	ck_assert_uint_eq(o->snd_mss, 1448);
	ck_assert_uint_eq(o->rcv_mss, 536);
	ck_assert_uint_eq(o->unacked, 7);
	ck_assert_uint_eq(o->lost, 2);
	ck_assert_uint_eq(o->retrans, 1);
	ck_assert_uint_eq(o->rtt, 1362);
	ck_assert_uint_eq(o->rttvar, 693);
	ck_assert_uint_eq(o->snd_cwnd, 11);
	ck_assert_uint_eq(o->total_retrans, 9);
	ck_assert_uint_eq(o->rcv_space, 14480);
	ck_assert_uint_eq(o->bytes_acked, 1ull << 33);
	ck_assert_uint_eq(o->bytes_received, 12);
	ck_assert_uint_eq(o->snd_wnd, 65536);
	sockdiag_list_free(&l);
}
END_TEST

/* An older kernel sends a shorter struct: what it lacks reads 0, the rest
 * is still right. */
START_TEST(t_tcp_info_short)
{
	static unsigned char buf[1024];
	struct tcp_info ti = {0};
	struct sockdiag_list l = {0};
	size_t upto_rcv_space = offsetof(struct tcp_info, tcpi_rcv_space) + 4;

	ti.tcpi_rto = 1000;
	ti.tcpi_rcv_space = 100;
	ti.tcpi_bytes_acked = 77;
	ti.tcpi_snd_wnd = 555;
	ck_assert_int_eq(sockdiag_decode(buf, diag_msg(buf, &ti, upto_rcv_space), &l), 0);
	ck_assert_uint_eq(l.v[0].info.rto, 1000);
	ck_assert_uint_eq(l.v[0].info.rcv_space, 100);
	ck_assert_uint_eq(l.v[0].info.bytes_acked, 0);
	ck_assert_uint_eq(l.v[0].info.snd_wnd, 0);
	sockdiag_list_free(&l);
}
END_TEST

/* In the recorded dump, the established IPv4 socket over a 1500-byte veth. */
START_TEST(t_tcp_info_recorded)
{
	struct sockdiag_list l = {0};
	size_t len, off = 0;
	char *buf = test_data_read("sockdiag-client.nl", &len);
	int seen = 0;

	while (off < len) {
		const struct nlmsghdr *h = (const void *)(buf + off);
		ck_assert_int_ge(sockdiag_decode(h, NLMSG_ALIGN(h->nlmsg_len), &l), 0);
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct sockdiag_sock *s = &l.v[i];
		if (s->state != 1 || s->family != AF_INET)
			continue;
		seen++;
		ck_assert(s->has_info);
		ck_assert_uint_eq(s->info.snd_mss, 1448);
		ck_assert_uint_eq(s->info.snd_cwnd, 10);
		ck_assert_uint_ge(s->info.rto, 200000); /* at least tcp_rto_min, in us */
		ck_assert_uint_gt(s->info.rcv_space, 0);
	}
	/* the filter's tcp_info fields, in ss's units, on the recorded sockets */
	{
		struct filter_error fe;
		struct filter *f;
		int n = 0;

		ck_assert_int_eq(filter_parse("state established and cwnd = 10 and mss = 1448 and "
					      "rto >= 200 and pmtu = 1500 and minrtt < 1s",
					      NULL, NULL, &f, &fe),
				 0);
		for (size_t i = 0; i < l.n; i++)
			n += filter_match(f, &l.v[i]);
		filter_free(f);
		ck_assert_int_eq(n, 1); /* the IPv4 one; IPv6 over the same veth has mss 1428 */
	}
	ck_assert_int_eq(seen, 1);
	sockdiag_list_free(&l);
	free(buf);
}
END_TEST

Suite *sockdiag_suite(void)
{
	Suite *s = suite_create("sockdiag");
	TCase *tc = tcase_create("decode");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_recorded);
	tcase_add_test(tc, t_error_and_truncation);
	tcase_add_test(tc, t_state_names);
	tcase_add_test(tc, t_tcp_info_fields);
	tcase_add_test(tc, t_tcp_info_short);
	tcase_add_test(tc, t_tcp_info_recorded);
	suite_add_tcase(s, tc);
	return s;
}
