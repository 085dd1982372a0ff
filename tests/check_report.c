/* Report formatters: table, TAP, JUnit, and the run's exit status. */
#include <stdlib.h>
#include <string.h>

#include "../harness/report.h"
#include "suites.h"

static struct report_entry entries[3] = {
    {.id = "accept/overflow", .res = {.verdict = VERDICT_PASS, .nexpect = 6, .seconds = 3.05}},
    {.id = "syn/blackhole",
     .res = {.verdict = VERDICT_FAIL,
	     .nexpect = 5,
	     .nfailed = 1,
	     .seconds = 3.1,
	     .reason = "x.case:3: expect c exits: ok (observed: \"<error>\" & more)"}},
    {.id = "netem/loss", .res = {.verdict = VERDICT_SKIP, .reason = "no sch_netem"}},
};

static char *render(void (*fn)(FILE *, const struct report_entry *, int), int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, entries, n);
	fclose(f);
	return buf;
}

START_TEST(t_table)
{
	char *t = render(report_table, 3);

	ck_assert_msg(strstr(t, "accept/overflow  PASS      3.05s  6/6"), "%s", t);
	ck_assert_msg(strstr(t, "syn/blackhole    FAIL      3.10s  4/5  x.case:3"), "%s", t);
	ck_assert_msg(strstr(t, "\n1 passed, 1 failed, 1 skipped\n"), "closing line: %s", t);
	free(t);
}
END_TEST

START_TEST(t_tap)
{
	char *t = render(report_tap, 3);

	ck_assert_msg(strstr(t, "1..3\nok 1 - accept/overflow\nnot ok 2 - syn/blackhole\n"), "%s",
		      t);
	ck_assert_msg(strstr(t, "ok 3 - netem/loss # SKIP no sch_netem"), "%s", t);
	free(t);
}
END_TEST

START_TEST(t_junit)
{
	char *t = render(report_junit, 3);

	ck_assert_msg(strstr(t, "tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), "%s", t);
	ck_assert_msg(strstr(t, "&quot;&lt;error&gt;&quot; &amp; more"), "escaped: %s", t);
	ck_assert_msg(strstr(t, "<skipped message=\"no sch_netem\"/>"), "%s", t);
	free(t);
}
END_TEST

START_TEST(t_status)
{
	ck_assert_int_eq(report_status(entries, 1), 0);
	ck_assert_int_eq(report_status(entries, 3), 1);
	ck_assert_int_eq(report_status(entries + 2, 1), 77);
	struct report_entry err = {.res = {.verdict = VERDICT_ERROR}};
	ck_assert_int_eq(report_status(&err, 1), 99);
}
END_TEST

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_table);
	tcase_add_test(tc, t_tap);
	tcase_add_test(tc, t_junit);
	tcase_add_test(tc, t_status);
	suite_add_tcase(s, tc);
	return s;
}
