/* Report formatters: table, TAP, JUnit, and the run's exit status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
	     .late_ms = 12.5,
	     .late_line = 7,
	     .failure = {.verdict = VERDICT_FAIL,
			 .line = 3,
			 .file = "x.case",
			 .what = "expect c exits: ok (observed: \"<error>\" & more)"}}},
    {.id = "netem/loss",
     .res = {.verdict = VERDICT_SKIP,
	     .failure = {.verdict = VERDICT_SKIP, .file = "y.case", .what = "no sch_netem"}}},
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

/* --repeat: two runs of two cases, one flaky */
START_TEST(t_rates)
{
	struct report_entry e[4] = {
	    {.id = "a/steady", .res = {.verdict = VERDICT_PASS}},
	    {.id = "b/flaky", .res = {.verdict = VERDICT_PASS}},
	    {.id = "a/steady", .res = {.verdict = VERDICT_PASS}},
	    {.id = "b/flaky", .res = {.verdict = VERDICT_ERROR}},
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_rates(f, e, 2, 2);
	fclose(f);
	ck_assert_msg(strstr(buf, "case      runs  pass  fail error  skip  pass rate\n"), "%s",
		      buf);
	ck_assert_msg(strstr(buf, "a/steady     2     2     0     0     0  100%\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "b/flaky      2     1     0     1     0  50%\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "\n2 runs of 2 cases; 1 case passed some runs and not others\n"),
		      "%s", buf);
	free(buf);
}
END_TEST

START_TEST(t_table)
{
	char *t = render(report_table, 3);

	ck_assert_msg(strstr(t, "accept/overflow  PASS      3.05s     0.0ms  6/6"), "%s", t);
	ck_assert_msg(strstr(t, "syn/blackhole    FAIL      3.10s    12.5ms  4/5  x.case:3"), "%s",
		      t);
	ck_assert_msg(strstr(t, "latest step: 12.5 ms after it was due (syn/blackhole line 7; "
				"budget 250 ms)\n"),
		      "%s", t);
	ck_assert_msg(strstr(t, "\n1 passed, 1 failed, 1 skipped\n"), "closing line: %s", t);
	ck_assert_msg(!strstr(t, "congestion"), "no note when every case chose: %s", t);
	free(t);
	/* a case that ran with the machine's default congestion control is noted once */
	snprintf(entries[0].res.cc_default, sizeof(entries[0].res.cc_default), "bbr");
	t = render(report_table, 3);
	entries[0].res.cc_default[0] = '\0';
	ck_assert_msg(strstr(t, "\nnote: 1 case ran with this machine's default congestion control "
				"bbr, not the kernel's built-in cubic (a case chooses with sysctl "
				"HOST net.ipv4.tcp_congestion_control=NAME)\n"),
		      "%s", t);
	ck_assert_msg(!strstr(t, "harness:"), "no harness line without wall times: %s", t);
	free(t);
	/* netcase's own time: wall minus scenario, median over cases whose
	 * scenario ran (the skipped one's did not) */
	entries[0].res.wall_s = 3.3;
	entries[0].res.scenario_s = 3.0;
	entries[1].res.wall_s = 3.5;
	entries[1].res.scenario_s = 2.9;
	entries[2].res.wall_s = 0.2;
	t = render(report_table, 3);
	for (int i = 0; i < 3; i++)
		entries[i].res.wall_s = entries[i].res.scenario_s = 0;
	ck_assert_msg(strstr(t, "\nharness: 450 ms per case beyond its scenario (median of 2; most "
				"600 ms, syn/blackhole): namespaces, kernel events, captures, "
				"evidence and teardown\n"),
		      "%s", t);
	free(t);
}
END_TEST

START_TEST(t_tap)
{
	char *t = render(report_tap, 3);

	ck_assert_msg(strstr(t, "1..3\nok 1 - accept/overflow\nnot ok 2 - syn/blackhole\n"), "%s",
		      t);
	ck_assert_msg(strstr(t, "ok 3 - netem/loss # SKIP y.case: no sch_netem"), "%s", t);
	free(t);
}
END_TEST

START_TEST(t_junit)
{
	char *t = render(report_junit, 3);

	ck_assert_msg(strstr(t, "tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""), "%s", t);
	ck_assert_msg(strstr(t, "&quot;&lt;error&gt;&quot; &amp; more"), "escaped: %s", t);
	ck_assert_msg(strstr(t, "<skipped message=\"y.case: no sch_netem\"/>"), "%s", t);
	free(t);
}
END_TEST

/* One table turns an operation's errno into a verdict. */
START_TEST(t_verdict_table)
{
	struct case_failure f = {0};
	char buf[600];

	ck_assert_int_eq(verdict_of(VOP_EXPECT, 0), VERDICT_FAIL);
	ck_assert_int_eq(verdict_of(VOP_NFT, -EPERM), VERDICT_SKIP);
	ck_assert_int_eq(verdict_of(VOP_NFT, EPERM), VERDICT_SKIP); /* either sign */
	ck_assert_int_eq(verdict_of(VOP_SYSCTL, -EPERM), VERDICT_ERROR);
	ck_assert_int_eq(verdict_of(VOP_SYSCTL, -ENOENT), VERDICT_SKIP);
	ck_assert_int_eq(verdict_of(VOP_IFB, -EOPNOTSUPP), VERDICT_SKIP);
	ck_assert_int_eq(verdict_of(VOP_QDISC, -EOPNOTSUPP), VERDICT_ERROR);
	ck_assert_int_eq(verdict_of(VOP_NETEM, -EOPNOTSUPP), VERDICT_SKIP);
	ck_assert_int_eq(verdict_of(VOP_NAMESPACE, -EACCES), VERDICT_SKIP);
	ck_assert_int_eq(verdict_of(VOP_NAMESPACE, -ETIMEDOUT), VERDICT_ERROR);
	ck_assert_int_eq(verdict_of(VOP_SOCKDIAG, -ENOENT), VERDICT_SKIP);
	ck_assert_int_eq(verdict_of(VOP_OBSERVE, -ENOENT), VERDICT_ERROR);
	ck_assert_int_eq(verdict_of(VOP_KERNEL, 0), VERDICT_SKIP);
	ck_assert_int_eq(verdict_of(VOP_TIMEOUT, -ETIMEDOUT), VERDICT_FAIL);
	ck_assert_int_eq(verdict_of(VOP_UNDECIDED, 0), VERDICT_ERROR);
	ck_assert_int_eq(verdict_of(VOP_HARNESS, -ENOMEM), VERDICT_ERROR);
	ck_assert_str_eq(case_failure_text(&f, buf, sizeof(buf)), "");
	case_failure_set(&f, VERDICT_ERROR, "a.case", "killed by %s", "SIGKILL");
	ck_assert_str_eq(case_failure_text(&f, buf, sizeof(buf)), "a.case: killed by SIGKILL");
	f.line = 12;
	ck_assert_str_eq(case_failure_text(&f, buf, sizeof(buf)), "a.case:12: killed by SIGKILL");
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

/* Drops, kernel marks, verdicts and a quiet stretch, on the page and as text. */
static struct ladder_event ev2[] = {
    {.t = 0.1, .kind = LADDER_PACKET, .from = 0, .to = 1, .label = "SYN", .cls = "syn"},
    {.t = 0.2, .kind = LADDER_DROP, .from = 0, .to = 1, .label = "NETFILTER_DROP :40000>:80"},
    {.t = 3.5,
     .kind = LADDER_PACKET,
     .from = 0,
     .to = 1,
     .label = "RETRANS SYN",
     .cls = "syn",
     .retrans = 1},
    {.t = 3.5, .kind = LADDER_MARK, .from = 0, .to = -1, .label = "retransmit :40000"},
    {.t = 3.6,
     .kind = LADDER_EXPECT,
     .from = -1,
     .to = -1,
     .label = "FAIL line 9: x",
     .cls = "fail"},
    {.t = 3.7, .kind = LADDER_DROP, .from = -1, .to = 1, .label = "NO_SOCKET\twith a tab"},
};

START_TEST(t_ladder_kernel)
{
	const char *hosts[] = {"client", "server"};
	char *buf = NULL, **h2, why[64];
	struct ladder_event *back;
	size_t len = 0;
	int nh, n;
	FILE *f = open_memstream(&buf, &len);

	ladder_render(f, "k.case", hosts, 2, ev2, 6, 100);
	fclose(f);
	ck_assert_int_eq(count(buf, "class=\"drop\""), 2);
	ck_assert_int_eq(count(buf, "class=\"cross\""), 2);
	ck_assert_int_eq(count(buf, "class=\"syn retrans\""), 1);
	ck_assert_int_eq(count(buf, "class=\"mark\""), 1);
	ck_assert_int_eq(count(buf, "class=\"expect fail\""), 1);
	ck_assert_msg(strstr(buf, "~ 3.300 s without events ~"), "the idle break");
	free(buf);
	/* the same events through ladder.tsv and back */
	buf = NULL;
	f = open_memstream(&buf, &len);
	ladder_tsv_write(f, hosts, 2, ev2, 6);
	fclose(f);
	f = fmemopen(buf, len, "r");
	ck_assert_int_eq(ladder_tsv_read(f, &h2, &nh, &back, &n, why, sizeof(why)), 0);
	fclose(f);
	ck_assert_int_eq(nh, 2);
	ck_assert_int_eq(n, 6);
	ck_assert_str_eq(h2[1], "server");
	ck_assert(back[2].retrans && back[2].kind == LADDER_PACKET && back[1].kind == LADDER_DROP);
	ck_assert_str_eq(back[5].label, "NO_SOCKET with a tab");
	ck_assert_int_eq(back[5].from, -1);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ladder_text(f, (const char *const *)h2, nh, back, n, 100);
	fclose(f);
	ck_assert_msg(strstr(buf, "syn") && strstr(buf, "->|   SYN"), "%s", buf);
	ck_assert_msg(strstr(buf, "X   DROP NETFILTER_DROP"), "%s", buf);
	ck_assert_msg(strstr(buf, "=====") && strstr(buf, "RETRANS SYN"), "%s", buf);
	ck_assert_msg(strstr(buf, "~ 3.300 s without events ~"), "%s", buf);
	ck_assert_msg(strstr(buf, "== FAIL line 9: x"), "%s", buf);
	free(buf);
	for (int i = 0; i < nh; i++)
		free(h2[i]);
	free(h2);
	free(back);
	/* not a ladder.tsv */
	f = fmemopen("nonsense\n", 9, "r");
	ck_assert_int_eq(ladder_tsv_read(f, &h2, &nh, &back, &n, why, sizeof(why)), -EINVAL);
	fclose(f);
	ck_assert_str_eq(why, "line 1: not a ladder.tsv line");
	free(h2);
	free(back);
}
END_TEST

/* tcpdump's relative numbers, and a retransmission told by its range. */
START_TEST(t_ladder_flows)
{
	struct ladder_flows fl = {0};
	struct pkt_info syn = {.family = AF_INET,
			       .sport = 40000,
			       .dport = 80,
			       .flags = PKT_SYN,
			       .seq = 1000},
			synack = {.family = AF_INET,
				  .sport = 80,
				  .dport = 40000,
				  .flags = PKT_SYN | PKT_ACK,
				  .seq = 5000,
				  .ack = 1001},
			data = {.family = AF_INET,
				.sport = 40000,
				.dport = 80,
				.flags = PKT_ACK,
				.seq = 1001,
				.ack = 5001,
				.payload = 100};
	uint32_t seq, ack;

	syn.src[0] = data.src[0] = synack.dst[0] = 1;
	syn.dst[0] = data.dst[0] = synack.src[0] = 2;
	ck_assert_int_eq(ladder_flow_seq(&fl, &syn, &seq, &ack), 0);
	ck_assert(seq == 0 && ack == 0);
	ck_assert_int_eq(ladder_flow_seq(&fl, &syn, &seq, &ack), 1); /* the SYN again */
	ck_assert_int_eq(ladder_flow_seq(&fl, &synack, &seq, &ack), 0);
	ck_assert(seq == 0 && ack == 1);
	ck_assert_int_eq(ladder_flow_seq(&fl, &data, &seq, &ack), 0);
	ck_assert(seq == 1 && ack == 1);
	ck_assert_int_eq(ladder_flow_seq(&fl, &data, &seq, &ack), 1);
	data.seq += 100;
	ck_assert_int_eq(ladder_flow_seq(&fl, &data, &seq, &ack), 0);
	ck_assert_uint_eq(seq, 101);
	data.payload = 0; /* a pure ACK is never a retransmission */
	data.seq -= 1;
	ck_assert_int_eq(ladder_flow_seq(&fl, &data, &seq, &ack), 0);
	ladder_flows_free(&fl);
}
END_TEST

Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_table);
	tcase_add_test(tc, t_rates);
	tcase_add_test(tc, t_tap);
	tcase_add_test(tc, t_junit);
	tcase_add_test(tc, t_status);
	tcase_add_test(tc, t_verdict_table);
	tcase_add_test(tc, t_ladder);
	tcase_add_test(tc, t_ladder_kernel);
	tcase_add_test(tc, t_ladder_flows);
	suite_add_tcase(s, tc);
	return s;
}
