/* The ss -tanoi formatter. */
#include <arpa/inet.h>
#include <string.h>

#include "../harness/ssfmt.h"
#include "../netns/procsock.h"
#include "suites.h"

static const struct {
	unsigned ms;
	const char *want;
} durations[] = {
    {0, "0ms"},	      {248, "248ms"},	  {999, "999ms"},    {1000, "1.000s"},
    {1248, "1.248s"}, {59000, "59.000s"}, {60000, "1min0s"}, {123456, "2min3s"},
};

START_TEST(t_duration)
{
	char buf[32];

	ssfmt_duration(durations[_i].ms, buf, sizeof(buf));
	ck_assert_str_eq(buf, durations[_i].want);
}
END_TEST

START_TEST(t_sock_line)
{
	struct sockdiag_sock s = {.family = AF_INET,
				  .protocol = 6,
				  .state = 1,
				  .rq = 12,
				  .wq = 3,
				  .timer = SOCKDIAG_TIMER_KEEPALIVE,
				  .expires_ms = 1248,
				  .retrans = 2,
				  .inode = 77,
				  .sport = 40000,
				  .dport = 8888};
	char buf[512];

	inet_pton(AF_INET, "198.18.0.1", s.src);
	inet_pton(AF_INET, "198.18.0.2", s.dst);
	ssfmt_sock(&s, "users:((\"srv\",pid=7,fd=3))", buf, sizeof(buf));
	ck_assert_msg(!strncmp(buf, "ESTAB        12     3      198.18.0.1:40000", 43), "%s", buf);
	ck_assert_msg(strstr(buf, "198.18.0.2:8888"), "%s", buf);
	ck_assert_msg(strstr(buf, "timer:(keepalive,1.248s,2)"), "true units: %s", buf);
	ck_assert_msg(strstr(buf, "ino:77"), "%s", buf);
	ck_assert_msg(
	    strstr(buf, "198.18.0.2:8888                          users:((\"srv\",pid=7,fd=3)) "
			"timer:"),
	    "process column: %s", buf);
	ck_assert_msg(!strchr(buf, '\n'), "no info line without tcp_info");
}
END_TEST

START_TEST(t_endpoints)
{
	unsigned char a[16] = {0};
	char buf[64];

	ssfmt_endpoint(AF_INET, a, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.0.0.0:*");
	ssfmt_endpoint(AF_INET6, a, 8888, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[::]:8888");
	inet_pton(AF_INET6, "fd00:6e63::2", a);
	ssfmt_endpoint(AF_INET6, a, 80, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[fd00:6e63::2]:80");
}
END_TEST

START_TEST(t_truncation)
{
	struct sockdiag_sock s = {.family = AF_INET, .state = 10};
	char small[8], big[512];
	int need = ssfmt_sock(&s, NULL, small, sizeof(small));

	ck_assert_int_eq((int)strlen(small), 7);
	ck_assert_int_eq(ssfmt_sock(&s, NULL, big, sizeof(big)), need);
	ck_assert_int_eq((int)strlen(big), need);
}
END_TEST

START_TEST(t_procsock)
{
	struct procsock v[] = {{.inode = 7, .pid = 10, .fd = 3, .comm = "srv"},
			       {.inode = 8, .pid = 11, .fd = 4, .comm = "c1"},
			       {.inode = 7, .pid = 12, .fd = 5, .comm = "fork"}};
	struct procsock_list l = {.v = v, .n = 3, .cap = 3};
	char buf[128];

	ck_assert_uint_eq(procsock_inode_parse("socket:[12345]"), 12345);
	ck_assert_uint_eq(procsock_inode_parse("pipe:[12345]"), 0);
	ck_assert_uint_eq(procsock_inode_parse("socket:[12x]"), 0);
	procsock_format(&l, 7, buf, sizeof(buf));
	ck_assert_str_eq(buf, "users:((\"srv\",pid=10,fd=3),(\"fork\",pid=12,fd=5))");
	ck_assert_int_eq(procsock_format(&l, 9, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

Suite *ssfmt_suite(void)
{
	Suite *s = suite_create("ssfmt");
	TCase *tc = tcase_create("ssfmt");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, t_duration, 0, sizeof(durations) / sizeof(durations[0]));
	tcase_add_test(tc, t_sock_line);
	tcase_add_test(tc, t_endpoints);
	tcase_add_test(tc, t_truncation);
	tcase_add_test(tc, t_procsock);
	suite_add_tcase(s, tc);
	return s;
}
