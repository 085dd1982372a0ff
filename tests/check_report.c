/* Report formatters: table, TAP, JUnit, and the run's exit status. */
#include <stdlib.h>
#include <string.h>

#include "../harness/ladder.h"
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

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

START_TEST(t_ladder)
{
	struct ladder_event ev[] = {
	    {.t = 0.30,
	     .kind = LADDER_PACKET,
	     .from = 1,
	     .to = 0,
	     .label = "SYN,ACK",
	     .cls = "syn"},
	    {.t = 0.10, .kind = LADDER_STEP, .from = -1, .to = -1, .label = "3: start c: x <y>"},
	    {.t = 0.20, .kind = LADDER_PACKET, .from = 0, .to = 1, .label = "SYN", .cls = "syn"},
	    {.t = 0.20, .kind = LADDER_STATE, .from = 0, .to = -1, .label = ":4000 SYN-SENT"},
	    {.t = 0.40, .kind = LADDER_PACKET, .from = 0, .to = 1, .label = "ACK", .cls = "ack"},
	};
	const char *hosts[] = {"client", "server&co"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ladder_sort(ev, 5);
	ck_assert_str_eq(ev[0].label, "3: start c: x <y>");
	ck_assert_str_eq(ev[1].label, "SYN"); /* equal times keep their order */
	ck_assert_str_eq(ev[2].label, ":4000 SYN-SENT");
	f = open_memstream(&buf, &len);
	ladder_render(f, "t.case", hosts, 2, ev, 5, 4);
	fclose(f);
	ck_assert_msg(strstr(buf, ">client</text>") && strstr(buf, ">server&amp;co</text>"), "%s",
		      buf);
	ck_assert_int_eq(count(buf, "marker-end="), 2); /* the ACK is beyond max_rows */
	ck_assert_msg(strstr(buf, "x &lt;y&gt;"), "escaped step");
	ck_assert_msg(strstr(buf, "the first 4 are drawn; 1 left out"), "%s", buf);
	ck_assert_int_eq(count(buf, "class=\"state\""), 1);
	free(buf);
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
	tcase_add_test(tc, t_ladder);
	suite_add_tcase(s, tc);
	return s;
}
