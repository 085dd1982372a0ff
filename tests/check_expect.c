/* The expectation engine (expect.c): its ops table, the modes and colons
 * each kind takes, and judging exits and running against a run whose
 * actors are set by hand (no kernel, no process). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lang/case.h"
#include "../lang/caselex.h"
#include "../harness/expect.h"
#include "../harness/run.h"
#include "../lang/timing.h"
#include "suites.h"

START_TEST(t_ops_table)
{
	for (int k = 0; k < EXPECT_KINDS; k++) {
		const struct expect_syntax *s = expect_syntax_of(k);
		const struct expect_observer *o = expect_observer_of(k);
		ck_assert_msg(s && s->name && s->parse, "kind %d has a syntax", k);
		ck_assert_msg(o && o->observe, "kind %d has an observer", k);
		ck_assert_msg(s->modes & (1u << EXPECT_ONCE), "kind %d can be checked once", k);
	}
	ck_assert_ptr_null(expect_syntax_of(EXPECT_KINDS));
	ck_assert_ptr_null(expect_observer_of(EXPECT_KINDS));
}
END_TEST

/* Statements after a fixed preamble: 0 to parse, or the error's tail. */
static const struct {
	const char *stmt;
	enum expect_kind kind;
	enum expect_mode mode;
	const char *err; /* NULL: parses */
} stmts[] = {
    {"expect b within 2s: count(state established) == 1", EXPECT_SOCKETS, EXPECT_WITHIN, NULL},
    {"expect b throughout 1s: none(state syn-recv)", EXPECT_SOCKETS, EXPECT_THROUGHOUT, NULL},
    {"expect b: any(sport = :80)", EXPECT_SOCKETS, EXPECT_ONCE, NULL},
    {"expect b counter TcpExtListenOverflows >= 2", EXPECT_COUNTER, EXPECT_ONCE, NULL},
    {"expect b within 1s: counter TcpExtListenDrops > 0", EXPECT_COUNTER, EXPECT_WITHIN, NULL},
    {"expect b within 1s counter TcpExtListenDrops > 0", EXPECT_COUNTER, EXPECT_WITHIN, NULL},
    {"expect b throughout 1s counter TcpExtListenDrops > 0", EXPECT_COUNTER, EXPECT_THROUGHOUT,
     "8:8: counter expectations take 'within', not 'throughout'"},
    {"expect packets a b within 1s: count(tcp) >= 1", EXPECT_PACKETS, EXPECT_WITHIN, NULL},
    {"expect packets a b throughout 1s: count(tcp) == 0", EXPECT_PACKETS, EXPECT_THROUGHOUT, NULL},
    {"expect packets a b: flows(udp and port 53) == 3", EXPECT_PACKETS, EXPECT_ONCE, NULL},
    {"expect packets a b throughout 1s: flows(tcp) <= 1", EXPECT_PACKETS, EXPECT_THROUGHOUT, NULL},
    {"expect packets a b: flows(udp and port) == 3", EXPECT_PACKETS, EXPECT_ONCE,
     /* a grammar error, not a misspelt keyword: "prot" would be a host name,
      * looked up, and its message would depend on the machine's resolver */
     "8:27: bad packet filter: can't parse filter expression: syntax error"},
    {"expect packets a b: flow(udp) == 3", EXPECT_PACKETS, EXPECT_ONCE,
     "8:21: expected count(PCAP-FILTER), flows(PCAP-FILTER), times(PCAP-FILTER) or "
     "gaps(PCAP-FILTER)"},
    {"expect c exits within 3s: error ECONNREFUSED", EXPECT_EXITS, EXPECT_WITHIN, NULL},
    {"expect c exits: signal KILL", EXPECT_EXITS, EXPECT_ONCE, NULL},
    {"expect c exits throughout 1s: ok", EXPECT_EXITS, EXPECT_THROUGHOUT,
     "8:8: exit expectations take 'within', not 'throughout'"},
    {"expect c running", EXPECT_RUNNING, EXPECT_ONCE, NULL},
    {"expect c prints: \"hello\"", EXPECT_PRINTS, EXPECT_ONCE, NULL},
    {"expect c prints within 2s: /^a\\/b [0-9]+$/", EXPECT_PRINTS, EXPECT_WITHIN, NULL},
    {"expect c prints throughout 2s: \"x\"", EXPECT_PRINTS, EXPECT_THROUGHOUT,
     "8:8: prints expectations take 'within', not 'throughout'"},
    {"expect c prints: /a(/", EXPECT_PRINTS, EXPECT_ONCE,
     "8:18: bad regular expression: Unmatched ( or \\("}, /* glibc's words */
    {"expect c prints: /abc", EXPECT_PRINTS, EXPECT_ONCE,
     "8:18: unterminated /REGEX/ (a slash inside is \\/)"},
    {"expect c exits between 1s and 3s: ok", EXPECT_EXITS, EXPECT_WITHIN, NULL},
    {"expect c exits between 3s and 1s: ok", EXPECT_EXITS, EXPECT_WITHIN,
     "8:24: between T1 and T2 needs T1 < T2"},
    {"expect c running within 1s", EXPECT_RUNNING, EXPECT_ONCE,
     "8:18: unexpected 'within' at the end of the statement"},
    {"expect b count(state established) == 1", EXPECT_SOCKETS, EXPECT_ONCE,
     "8:10: expected ':' before the condition"},
    {"expect c exits ok", EXPECT_EXITS, EXPECT_ONCE, "8:16: expected ':' before the condition"},
    {"expect packets a b: gaps(tcp) == 1s 2s x2", EXPECT_PACKETS, EXPECT_ONCE, NULL},
    {"expect packets a b within 9s: times(tcp) == 0s 1s 3s", EXPECT_PACKETS, EXPECT_WITHIN, NULL},
    {"expect a: gaps(retransmit and dport = :80) == 200ms x2", EXPECT_EVENTS, EXPECT_ONCE, NULL},
    {"expect a within 5s: times(synack-retransmit) == 0s 2s", EXPECT_EVENTS, EXPECT_WITHIN, NULL},
    {"expect packets a b throughout 1s: gaps(tcp) == 1s", EXPECT_PACKETS, EXPECT_THROUGHOUT,
     "8:40: times and gaps are judged once or within T, not throughout"},
    {"expect packets a b: times(tcp) == 1s 2s", EXPECT_PACKETS, EXPECT_ONCE,
     "8:32: times are counted from the first match: the first is 0s"},
    {"expect a: gaps(retransmit) == x2 1s", EXPECT_EVENTS, EXPECT_ONCE,
     "8:31: a ratio (x2) follows a gap: gaps(...) == 1s x2"},
    {"expect a: gaps(retransmit) >= 1s", EXPECT_EVENTS, EXPECT_ONCE,
     "8:28: times and gaps are compared with '==', found '>='"},
    {"expect a: gaps(retransmit) == 1q", EXPECT_EVENTS, EXPECT_ONCE,
     "8:31: expected a time (1s, 200ms) or a ratio (x2), found '1q'"},
    /* when a connection was made */
    {"expect c connected", EXPECT_CONNECTED, EXPECT_ONCE, NULL},
    {"expect c connected within 2s", EXPECT_CONNECTED, EXPECT_WITHIN, NULL},
    {"expect c connected between 1s and 1100ms", EXPECT_CONNECTED, EXPECT_WITHIN, NULL},
    {"expect c connected throughout 1s", EXPECT_CONNECTED, EXPECT_THROUGHOUT,
     "8:8: connected expectations take 'within', not 'throughout'"},
    {"expect s connected within 1s", EXPECT_CONNECTED, EXPECT_WITHIN,
     "8:1: 's' is not a connect actor ('connected' is for connect actors)"},
    {"expect b between 1s and 2s: count(state established) == 1", EXPECT_SOCKETS, EXPECT_ONCE,
     "8:10: 'between T1 and T2' is for 'exits' and 'connected' only"},
    /* marks, counts since them, and counters compared with counters */
    {"mark m1\nexpect b counter TcpExtDelayedACKs since m1 >= 30", EXPECT_COUNTER, EXPECT_ONCE,
     NULL},
    {"mark m1\nexpect a: events(retransmit) since m1 == 0", EXPECT_EVENTS, EXPECT_ONCE, NULL},
    {"mark m1\nexpect packets a b within 2s: count(tcp) since m1 >= 1", EXPECT_PACKETS,
     EXPECT_WITHIN, NULL},
    {"expect b counter TcpExtDelayedACKs since m1 >= 30", EXPECT_COUNTER, EXPECT_ONCE,
     "8:42: no mark 'm1' before this line (add 'mark m1' where the count should begin)"},
    {"mark m1\nmark m1", EXPECT_COUNTER, EXPECT_ONCE,
     "9:6: mark 'm1' is set twice (give each a name of its own)"},
    {"mark a/b", EXPECT_COUNTER, EXPECT_ONCE,
     "8:6: a mark's name is letters, digits, '_' and '-', not 'a/b'"},
    {"expect a counter TcpExtTCPTimeouts > 3 * b:TcpExtTCPTimeouts", EXPECT_COUNTER, EXPECT_ONCE,
     NULL},
    {"expect a within 1s: counter TcpRetransSegs > TcpRetransSegs since m1", EXPECT_COUNTER,
     EXPECT_WITHIN,
     "8:67: no mark 'm1' before this line (add 'mark m1' where the count should "
     "begin)"},
    {"expect a counter TcpRetransSegs > 3 * c:TcpRetransSegs", EXPECT_COUNTER, EXPECT_ONCE,
     "8:39: unknown host 'c' (HOST:NAME)"},
    {"expect a counter TcpRetransSegs > 0 * b:TcpRetransSegs", EXPECT_COUNTER, EXPECT_ONCE,
     "8:35: expected a factor above 0 (3 * NAME), found '0'"},
    {"expect a counter TcpRetransSegs > 3 b:TcpRetransSegs", EXPECT_COUNTER, EXPECT_ONCE,
     "8:37: unexpected 'b:TcpRetransSegs' at the end of the statement"},
    {"expect a counter TcpRetransSegs > 2 * b:retrans", EXPECT_COUNTER, EXPECT_ONCE,
     "8:41: 'retrans' is not a counter name (nstat names such as TcpExtListenOverflows)"},
};

static const char preamble[] = "host a\nhost b\nlink a b\ncapture a b\n"
			       "start s: b listen :80\nstart c: a connect b:80\n# -\n";

static struct case_model *parse_one(const char *stmt, struct case_error *e, int *err)
{
	char text[512];
	struct case_model *m = NULL;

	snprintf(text, sizeof(text), "%s%s\n", preamble, stmt);
	*err = case_parse("t.case", text, &m, e);
	return m;
}

START_TEST(t_kinds_and_modes)
{
	struct case_error e;
	struct case_model *m;
	int err;

	m = parse_one(stmts[_i].stmt, &e, &err);
	if (stmts[_i].err) {
		ck_assert_int_eq(err, -EINVAL);
		ck_assert_str_eq(e.msg + strlen("t.case:"), stmts[_i].err);
		return;
	}
	ck_assert_msg(err == 0, "%s: %s", stmts[_i].stmt, e.msg);
	const struct expectation *x = &m->steps[m->nsteps - 1].expect;
	ck_assert_int_eq(x->kind, stmts[_i].kind);
	ck_assert_int_eq(x->mode, stmts[_i].mode);
	case_free(m);
}
END_TEST

/* What a comparison between counters, and a count since a mark, keep. */
START_TEST(t_marks_and_comparisons)
{
	struct case_error e;
	struct case_model *m;
	int err;

	m = parse_one("mark m0\nmark m1\nexpect a counter TcpRetransSegs since m1 > 1.5 * "
		      "b:TcpRetransSegs since m0",
		      &e, &err);
	ck_assert_msg(err == 0, "%s", e.msg);
	ck_assert_int_eq(m->nmarks, 2);
	ck_assert_int_eq(caselex_mark_find(m, "m1"), 1);
	const struct expectation *x = &m->steps[m->nsteps - 1].expect;
	ck_assert_int_eq(x->since, 2);
	ck_assert_str_eq(x->text, "TcpRetransSegs");
	ck_assert_str_eq(x->rhs.name, "TcpRetransSegs");
	ck_assert_int_eq(x->rhs.host, topo_host_find(&m->topo, "b"));
	ck_assert_int_eq(x->rhs.since, 1);
	ck_assert(x->factor == 1.5);
	ck_assert_int_eq(x->op, FILTER_GT);
	case_free(m);
	/* the right side on the expectation's own host, factor 1 */
	m = parse_one("expect a counter TcpExtTCPKeepAlive >= TcpExtTCPAbortOnTimeout", &e, &err);
	ck_assert_msg(err == 0, "%s", e.msg);
	x = &m->steps[m->nsteps - 1].expect;
	ck_assert_int_eq(x->rhs.host, x->host);
	ck_assert(x->factor == 1);
	ck_assert_int_eq(x->since, 0);
	case_free(m);
}
END_TEST

/* A run of model m as run_init() makes it, with nothing built: enough for
 * the actor kinds (no namespace, so socket watching has nothing to dump). */
struct fake {
	struct run r;
	struct runner_opts o;
	struct case_result res;
	FILE *outf;
	char *out;
	size_t outlen;
};

static void fake_init(struct fake *f, const struct case_model *m)
{
	memset(f, 0, sizeof(*f));
	f->outf = open_memstream(&f->out, &f->outlen);
	ck_assert(f->outf);
	ck_assert_int_eq(run_init(&f->r, m, &f->o, f->outf, &f->res), 0);
}

static void fake_fini(struct fake *f)
{
	expect_release(&f->r);
	run_fini(&f->r);
	fclose(f->outf);
	free(f->out);
}

/* The tolerance rule and its messages, on recorded stamps (SYN backoff). */
START_TEST(t_timing_judged)
{
	struct case_error e;
	int err;
	struct case_model *m = parse_one("expect packets a b: gaps(tcp) == 1s 1s 2s x2", &e, &err);
	const struct timing *t = &m->steps[m->nsteps - 1].expect.timing;
	struct timing_tol tol = TIMING_TOL_DEFAULT;
	/* measured on 6.18: 1.024 s gaps (jiffies), then 2.016 s, 4.256 s */
	const double ok[] = {0.168, 1.192, 2.216, 4.232, 8.488};
	const double late[] = {0.168, 1.192, 2.216, 4.600};
	char why[200];

	ck_assert_msg(err == 0, "%s", e.msg);
	ck_assert_int_eq(timing_wanted(t), 5);
	ck_assert_msg(timing_judge(t, &tol, ok, 5, why, sizeof(why)), "%s", why);
	/* 12.5% of 2 s is 0.25 s: 2.384 s is too late */
	ck_assert(!timing_judge(t, &tol, late, 4, why, sizeof(why)));
	ck_assert_str_eq(why, "match 4 expected at 4.216s (2.000s after the one before), happened "
			      "at 4.600s; tolerance 0.250s");
	/* x2: twice the gap observed before (2.016 s), not the one written */
	const double ratio[] = {0.168, 1.192, 2.216, 4.232, 7.0};
	ck_assert(!timing_judge(t, &tol, ratio, 5, why, sizeof(why)));
	ck_assert_msg(strstr(why, "match 5 expected at 8.264s (4.032s after"), "%s", why);
	ck_assert(!timing_judge(t, &tol, ok, 3, why, sizeof(why)));
	ck_assert_str_eq(why, "3 matches of the 5 wanted");
	const double more[] = {0.168, 1.192, 2.216, 4.232, 8.488, 16.9};
	ck_assert(!timing_judge(t, &tol, more, 6, why, sizeof(why)));
	ck_assert_str_eq(why, "6 matches where 5 were wanted: one more at 16.900s");
	/* widened (NETCASE_SLOW=2): 0.5 s */
	tol.widen = 2;
	ck_assert_msg(timing_judge(t, &tol, late, 4, why, sizeof(why)) == 0 &&
			  !strstr(why, "tolerance"),
		      "%s", why);
	/* the abs floor: 4 ms around a 10 ms gap */
	struct timing small = {.gaps = 1, .n = 1, .v = {0.010}};
	tol = TIMING_TOL_DEFAULT;
	ck_assert(timing_judge(&small, &tol, (const double[]){1.0, 1.0135}, 2, why, sizeof(why)));
	ck_assert(!timing_judge(&small, &tol, (const double[]){1.0, 1.0145}, 2, why, sizeof(why)));
	case_free(m);
}
END_TEST

/* "*": any gap, and the ratio after it judged against what was observed
 * (zero-window probes on 6.18: the handshake's ACK, then probes 2 RTOs,
 * 4, 8 and 16 apart from an RTO of about 218 ms). */
START_TEST(t_timing_any_gap)
{
	struct case_error e;
	int err;
	struct case_model *m = parse_one("expect packets a b: gaps(tcp) == * * x2 x2 x2", &e, &err);
	const struct timing *t = &m->steps[m->nsteps - 1].expect.timing;
	struct timing_tol tol = TIMING_TOL_DEFAULT;
	const double probes[] = {0.189, 0.657, 1.093, 1.957, 3.653, 7.205};
	const double flat[] = {0.189, 0.657, 1.093, 1.529, 1.965, 2.401};
	char why[200], text[64];

	ck_assert_msg(err == 0, "%s", e.msg);
	ck_assert_int_eq(timing_wanted(t), 6);
	ck_assert_msg(timing_judge(t, &tol, probes, 6, why, sizeof(why)), "%s", why);
	ck_assert(!timing_judge(t, &tol, flat, 6, why, sizeof(why)));
	ck_assert_str_eq(why, "match 4 expected at 1.965s (0.872s after the one before), happened "
			      "at 1.529s; tolerance 0.109s");
	timing_format(t, text, sizeof(text));
	ck_assert_str_eq(text, "* * x2 x2 x2");
	case_free(m);
	m = parse_one("expect packets a b: times(tcp) == 0s *", &e, &err);
	ck_assert_int_ne(err, 0);
	ck_assert_msg(strstr(e.msg, "'*' is any gap"), "%s", e.msg);
}
END_TEST

START_TEST(t_exits_judged)
{
	struct case_error e;
	int err;
	struct case_model *m = parse_one("expect c exits: error ECONNRESET", &e, &err);
	const struct step *s = &m->steps[m->nsteps - 1];
	struct fake f;

	ck_assert_msg(err == 0, "%s", e.msg);
	fake_init(&f, m);
	/* c still running: the expectation fails and says why */
	f.r.actors[1].pid = 4242;
	ck_assert_int_eq(expect_run(&f.r, s, m->nsteps - 1), VERDICT_FAIL);
	fflush(f.outf);
	ck_assert_msg(strstr(f.out, "FAIL t.case:8: expect c exits: error ECONNRESET\n"), "%s",
		      f.out);
	ck_assert_msg(strstr(f.out, "  observed: still running\n"), "%s", f.out);
	ck_assert_int_eq(f.res.nexpect, 1);
	ck_assert_int_eq(f.res.nfailed, 1);
	/* exited with another result: still a failure */
	f.r.actors[1].exited = 1;
	snprintf(f.r.actors[1].result, sizeof(f.r.actors[1].result), "error ETIMEDOUT");
	ck_assert_int_eq(expect_run(&f.r, s, m->nsteps - 1), VERDICT_FAIL);
	/* the wanted result passes */
	snprintf(f.r.actors[1].result, sizeof(f.r.actors[1].result), "error ECONNRESET");
	ck_assert_int_eq(expect_run(&f.r, s, m->nsteps - 1), VERDICT_PASS);
	ck_assert_int_eq(f.res.nexpect, 3);
	ck_assert_int_eq(f.res.nfailed, 2);
	fake_fini(&f);
	case_free(m);
}
END_TEST

/* An exit with another result ends a `within` at once, and says so. */
START_TEST(t_exits_final)
{
	struct case_error e;
	int err;
	struct case_model *m = parse_one("expect c exits within 3s: ok", &e, &err);
	const struct step *s = &m->steps[m->nsteps - 1];
	struct fake f;

	ck_assert_msg(err == 0, "%s", e.msg);
	fake_init(&f, m);
	f.r.actors[1].pid = 4242;
	f.r.actors[1].exited = 1;
	snprintf(f.r.actors[1].result, sizeof(f.r.actors[1].result), "status 6");
	ck_assert_int_eq(expect_run(&f.r, s, m->nsteps - 1), VERDICT_FAIL);
	fflush(f.outf);
	ck_assert_msg(strstr(f.out, "  observed when it could no longer come true: "), "%s", f.out);
	ck_assert_msg(strstr(f.out, "status 6"), "%s", f.out);
	ck_assert_msg(!strstr(f.out, "at the deadline"), "%s", f.out);
	fake_fini(&f);
	case_free(m);
}
END_TEST

START_TEST(t_running_judged)
{
	struct case_error e;
	int err;
	struct case_model *m = parse_one("expect c running", &e, &err);
	const struct expect_observer *k = expect_observer_of(EXPECT_RUNNING);
	const struct expectation *x = &m->steps[m->nsteps - 1].expect;
	struct obs ob;
	struct fake f;
	void *st = NULL;

	ck_assert_msg(err == 0, "%s", e.msg);
	fake_init(&f, m);
	ck_assert_int_eq(k->observe(&f.r, x, &st, &ob), 0);
	ck_assert(!ob.ok);
	ck_assert_str_eq(ob.text, "not started");
	f.r.actors[1].pid = 4242;
	ck_assert_int_eq(k->observe(&f.r, x, &st, &ob), 0);
	ck_assert(ob.ok);
	f.r.actors[1].exited = 1;
	snprintf(f.r.actors[1].result, sizeof(f.r.actors[1].result), "signal KILL");
	ck_assert_int_eq(k->observe(&f.r, x, &st, &ob), 0);
	ck_assert(!ob.ok);
	ck_assert_str_eq(ob.text, "exited: signal KILL");
	fake_fini(&f);
	case_free(m);
}
END_TEST

START_TEST(t_rule_kind)
{
	const char *text = "host a\nhost b\nlink a b\nrule r: a -> b drop tcp flags syn\n"
			   "expect rule r within 2s: matched >= 1\nremove r\n"
			   "expect rule r: matched == 3\n";
	const char *listing =
	    "table inet netcase_rules {\n chain r_r {\n  ip saddr { 198.18.0.1 } "
	    "meta l4proto tcp counter packets 3 bytes 180 drop\n  ip6 saddr { "
	    "fd00:6e63:0:0::1 } meta l4proto tcp counter packets 2 bytes 160 drop\n "
	    "}\n}\n";
	struct case_model *m;
	struct case_error e;

	ck_assert_msg(case_parse("r.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(m->steps[1].expect.kind, EXPECT_RULE);
	ck_assert_str_eq(m->steps[1].expect.text, "r");
	ck_assert_int_eq(m->steps[1].expect.mode, EXPECT_WITHIN);
	ck_assert_int_eq(m->steps[3].expect.value, 3);
	case_free(m);
	ck_assert_int_eq(expect_rule_packets(listing), 5);
	ck_assert_int_eq(expect_rule_packets("table inet x { }"), 0);
	text = "host a\nhost b\nlink a b\nexpect rule nope: matched == 0\n";
	ck_assert_int_eq(case_parse("r.case", text, &m, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "r.case:4:13: no rule 'nope' before this line");
	text = "host a\nhost b\nlink a b\nrule r: a -> b drop\nexpect rule r: packets == 0\n";
	ck_assert_int_eq(case_parse("r.case", text, &m, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "r.case:5:16: expected 'matched' (expect rule NAME: matched OP N)");
}
END_TEST

Suite *expect_suite(void)
{
	Suite *s = suite_create("expect");
	TCase *tc = tcase_create("engine");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_ops_table);
	tcase_add_loop_test(tc, t_kinds_and_modes, 0, sizeof(stmts) / sizeof(stmts[0]));
	tcase_add_test(tc, t_exits_judged);
	tcase_add_test(tc, t_timing_judged);
	tcase_add_test(tc, t_timing_any_gap);
	tcase_add_test(tc, t_exits_final);
	tcase_add_test(tc, t_running_judged);
	tcase_add_test(tc, t_rule_kind);
	tcase_add_test(tc, t_marks_and_comparisons);
	suite_add_tcase(s, tc);
	return s;
}
