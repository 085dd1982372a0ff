/*
 * Decoding a recorded SOCK_DIAG_BY_FAMILY dump (tests/data/sockdiag-client.nl,
 * recorded by `tests/nstest sockets FILE`: the client side of nstest's
 * sockets: ESTAB v4 and v6, FIN-WAIT-2, TIME-WAIT, SYN-SENT).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

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

Suite *sockdiag_suite(void)
{
	Suite *s = suite_create("sockdiag");
	TCase *tc = tcase_create("decode");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_recorded);
	tcase_add_test(tc, t_error_and_truncation);
	tcase_add_test(tc, t_state_names);
	suite_add_tcase(s, tc);
	return s;
}
