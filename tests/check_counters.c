/* Parsing /proc/net/{snmp,netstat,snmp6} (recorded in tests/data) into nstat names. */
#include <errno.h>
#include <stdlib.h>

#include "../netns/counters.h"
#include "suites.h"

START_TEST(t_recorded)
{
	static const char *files[] = {"snmp.txt", "netstat.txt", "snmp6.txt"};
	struct counters c = {0};
	int64_t v;

	for (int i = 0; i < 3; i++) {
		char *text = test_data_read(files[i], NULL);
		ck_assert_int_eq(counters_parse(text, &c), 0);
		free(text);
	}
	ck_assert_int_gt(c.n, 200);
	ck_assert_int_eq(counters_get(&c, "TcpExtListenOverflows", &v), 0);
	ck_assert_int_eq(counters_get(&c, "TcpActiveOpens", &v), 0);
	ck_assert_int_eq(counters_get(&c, "IpExtInOctets", &v), 0);
	ck_assert_int_eq(counters_get(&c, "Ip6InReceives", &v), 0);
	ck_assert_int_eq(counters_get(&c, "TcpRtoMin", &v), 0);
	ck_assert_int_eq(v, 200);
	ck_assert_int_eq(counters_get(&c, "NoSuchCounter", &v), -ENOENT);
	counters_free(&c);
}
END_TEST

START_TEST(t_values)
{
	struct counters c = {0};
	int64_t v;

	ck_assert_int_eq(counters_parse("TcpExt: SyncookiesSent ListenDrops\n"
					"TcpExt: 3 -1\n"
					"Tcp: MaxConn\nTcp: -1\n",
					&c),
			 0);
	ck_assert_int_eq(counters_get(&c, "TcpExtSyncookiesSent", &v), 0);
	ck_assert_int_eq(v, 3);
	ck_assert_int_eq(counters_get(&c, "TcpExtListenDrops", &v), 0);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(counters_get(&c, "TcpMaxConn", &v), 0);
	counters_free(&c);
}
END_TEST

START_TEST(t_malformed)
{
	static const char *bad[] = {
	    "TcpExt: A B\nTcpExt: 1\n", /* fewer values than names */
	    "TcpExt: A\nTcp: 1\n",	/* prefixes differ */
	    "TcpExt: A\n",		/* no value line */
	    "TcpExt: A\nTcpExt: x\n",	/* not a number */
	    "Ip6InReceives\n",		/* snmp6 line without value */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct counters c = {0};
		ck_assert_msg(counters_parse(bad[i], &c) == -EPROTO, "input %u accepted", i);
		counters_free(&c);
	}
}
END_TEST

Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_recorded);
	tcase_add_test(tc, t_values);
	tcase_add_test(tc, t_malformed);
	suite_add_tcase(s, tc);
	return s;
}
