/*
 * The case parser: every file in tests/data/bad/ must be refused with the
 * message its first line gives ("# expect-error: LINE:COL: text"), and
 * well-formed statements must produce the model they describe.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lang/case.h"
#include "../lang/nearest.h"
#include "../lang/units.h"
#include "suites.h"

static char **bad_files;
static int nbad;

static void list_bad(void)
{
	struct dirent **ents;
	int n = scandir(TEST_DATA "/bad", &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		if (strstr(ents[i]->d_name, ".case")) {
			bad_files = realloc(bad_files, (nbad + 1) * sizeof(char *));
			bad_files[nbad++] = strdup(ents[i]->d_name);
		}
		free(ents[i]);
	}
	free(ents);
}

START_TEST(t_bad)
{
	char name[300], *text, *want, *nl;
	struct case_model *m = NULL;
	struct case_error e;

	snprintf(name, sizeof(name), "bad/%s", bad_files[_i]);
	text = test_data_read(name, NULL);
	ck_assert_msg(!strncmp(text, "# expect-error: ", 16), "%s has no expect-error line", name);
	want = strndup(text + 16, strcspn(text + 16, "\n"));
	ck_assert_int_eq(case_parse(name, text, &m, &e), -EINVAL);
	ck_assert_ptr_null(m);
	nl = e.msg + strlen(name) + 1;
	ck_assert_msg(!strncmp(e.msg, name, strlen(name)) && e.msg[strlen(name)] == ':',
		      "%s: message does not start with the file: %s", name, e.msg);
	ck_assert_msg(!strcmp(nl, want), "%s:\n  got  %s\n  want %s", name, nl, want);
	free(want);
	free(text);
}
END_TEST

START_TEST(t_corpus_size)
{
	ck_assert_int_ge(nbad, 30);
}
END_TEST

START_TEST(t_middleboxes)
{
	static const char text[] = "host c gw r s\n"
				   "link c gw mtu 1500/1400\nlink gw s\nlink c r\nlink r s\n"
				   "nat gw masquerade towards s ports 40000-40001\n"
				   "nat gw masquerade towards c\n"
				   "mss-clamp gw\nmss-clamp gw 1200\nmss-clamp r pmtu\n"
				   "route s to c via r\n"
				   "firewall gw idle-timeout 3s expired drop pickup\n"
				   "firewall r idle-timeout 2s expired rst inside c flows 5\n"
				   "flush gw\n";
	struct case_model *m;
	struct case_error e;
	const struct step *s;

	ck_assert_msg(case_parse("t.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(m->topo.links[0].mtu[0], 1500);
	ck_assert_uint_eq(m->topo.links[0].mtu[1], 1400);
	ck_assert_uint_eq(m->topo.links[1].mtu[0], 0);
	ck_assert_int_eq(m->nsteps, 9);
	s = m->steps;
	ck_assert(s[0].kind == STEP_NAT && s[0].host == 1 && s[0].peer == 3);
	ck_assert(s[0].port_lo == 40000 && s[0].port_hi == 40001);
	ck_assert(s[1].kind == STEP_NAT && s[1].peer == 0 && s[1].port_hi == 0);
	ck_assert(s[2].kind == STEP_MSSCLAMP && s[2].mss == 0);
	ck_assert(s[3].kind == STEP_MSSCLAMP && s[3].mss == 1200);
	ck_assert(s[4].kind == STEP_MSSCLAMP && s[4].host == 2 && s[4].mss == 0);
	ck_assert(s[5].kind == STEP_ROUTE && s[5].host == 3 && s[5].peer == 0 && s[5].via == 2);
	ck_assert(s[6].kind == STEP_FIREWALL && s[6].pickup && !s[6].reject);
	ck_assert(s[6].peer == -1 && s[6].flows == 0); /* no inside, no limit */
	ck_assert_uint_eq(s[6].duration_ms, 3000);
	ck_assert(s[7].kind == STEP_FIREWALL && !s[7].pickup && s[7].reject);
	ck_assert(s[7].peer == 0 && s[7].flows == 5);
	ck_assert(s[8].kind == STEP_FLUSH && s[8].host == 1);
	case_free(m);
}
END_TEST

START_TEST(t_inject)
{
	static const char text[] =
	    "host c s\nlink c s\ncapture c s\n"
	    "start srv: s listen :80\nstart k: c connect s:80\n"
	    "inject s -> c into k: rst,ack seq rcv_nxt+1 ack snd_una-2 window 100 "
	    "ts old\n"
	    "inject c -> s into k: psh,ack data \"hi\"\n"
	    "inject c -> s into k: ack 10 bytes seq 123 ts none\n"
	    "inject s -> c into k: icmp frag-needed mtu 1280 seq snd_una+5\n";
	struct case_model *m;
	struct case_error e;
	const struct step *s;

	ck_assert_msg(case_parse("t.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(m->nsteps, 7);
	s = m->steps + 3;
	ck_assert(s[0].kind == STEP_INJECT && s[0].host == 1 && s[0].peer == 0 && s[0].actor == 1);
	ck_assert_uint_eq(s[0].inject.flags, TCPF_RST | TCPF_ACK);
	ck_assert(s[0].inject.seq.ref == INJ_RCV_NXT && s[0].inject.seq.off == 1);
	ck_assert(s[0].inject.ack.ref == INJ_SND_UNA && s[0].inject.ack.off == -2);
	ck_assert(s[0].inject.window == 100 && s[0].inject.ts == INJ_TS_OLD);
	ck_assert(!s[0].value && !s[0].inject.payload);
	ck_assert(s[1].host == 0 && s[1].peer == 1 && !strcmp(s[1].value, "hi"));
	ck_assert(s[1].inject.seq.ref == INJ_UNSET && s[1].inject.window == -1);
	ck_assert(s[1].inject.ts == INJ_TS_AUTO);
	ck_assert(s[2].inject.payload == 10 && s[2].inject.seq.ref == INJ_ABS);
	ck_assert(s[2].inject.seq.off == 123 && s[2].inject.ts == INJ_TS_NONE);
	ck_assert(s[2].inject.icmp_mtu == 0 && s[3].inject.icmp_mtu == 1280);
	ck_assert(s[3].inject.seq.ref == INJ_SND_UNA && s[3].inject.seq.off == 5);
	case_free(m);
}
END_TEST

/* `timers HOST fast` is expanded when parsed: optional sysctl steps of
 * its line, in the profile's order. */
START_TEST(t_timers_expanded)
{
	static const char text[] = "host a\nhost b\nlink a b\ntimers b fast\nsleep 1s\n";
	struct case_model *m;
	struct case_error e;

	ck_assert_msg(case_parse("t.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(m->nsteps, 12);
	for (int i = 0; i < 11; i++) {
		ck_assert_int_eq(m->steps[i].kind, STEP_SYSCTL);
		ck_assert_int_eq(m->steps[i].host, 1);
		ck_assert_int_eq(m->steps[i].line, 4);
		ck_assert(m->steps[i].optional);
	}
	ck_assert_str_eq(m->steps[0].key, "net.ipv4.tcp_rto_min_us");
	ck_assert_str_eq(m->steps[0].value, "10000");
	ck_assert_str_eq(m->steps[10].key, "net.ipv4.tcp_keepalive_probes");
	ck_assert_int_eq(m->steps[11].kind, STEP_SLEEP);
	case_free(m);
	ck_assert_msg(case_parse("t.case", "host a\nsysctl a net.ipv4.tcp_ecn=1\n", &m, &e) == 0,
		      "%s", e.msg);
	ck_assert(!m->steps[0].optional); /* a sysctl of its own is not */
	case_free(m);
}
END_TEST

START_TEST(t_model)
{
	static const char text[] =
	    "# intent line one\n# and two\n"
	    "timeout 12s\n"
	    "host client\nhost router\nhost server\n"
	    "link client router mtu 1400\nlink router server\n"
	    "sysctl server net.ipv4.tcp_rmem=\"4096 4096 4096\"\n"
	    "start srv: server listen [::]:8888 backlog 3 noaccept noread eof hold keepalive 2s 1s "
	    "3\n"
	    "start c: client connect server:8888 send 1000 bytes stream ipv6 user-timeout 1500ms "
	    "bind 198.18.0.1:4000 nodelay\n"
	    "start t: client connect 198.18.1.2:80 send \"a \\\"quoted\\\" # not a comment\"\n"
	    "start x: client exec sh -c \"exit 3\"\n"
	    "expect server within 1.5s: count(state established and src server) >= 2 # c\n"
	    "expect server throughout 500ms: none(state syn-recv)\n"
	    "expect client counter TcpExtTCPKeepAlive >= 3\n"
	    "expect client within 2s: counter TcpExtTCPAbortOnTimeout == 1\n"
	    "expect x exits within 2s: status 3\n"
	    "expect c exits: error ECONNRESET\n"
	    "expect srv running\n"
	    "signal srv SIGSTOP\nshutdown c wr\nabort c\nsend srv \"bye\"\nsleep 2m\n"
	    "cut client server\nrestore client server\ncapture client router\n"
	    "expect packets client router within 1s: count(tcp and dst host server) > 0\n";
	struct case_model *m;
	struct case_error e;
	const struct actor_spec *a;

	ck_assert_msg(case_parse("t.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(m->intent, "intent line one and two");
	ck_assert_uint_eq(m->timeout_ms, 12000);
	ck_assert_int_eq(m->topo.nhosts, 3);
	ck_assert_int_eq(m->topo.nlinks, 2);
	ck_assert_uint_eq(m->topo.links[0].mtu[0], 1400);
	ck_assert_uint_eq(m->topo.links[0].mtu[1], 1400);
	ck_assert_int_eq(m->nactors, 4);
	a = &m->actors[0];
	ck_assert_str_eq(a->addr, "::");
	ck_assert_int_eq(a->backlog, 3);
	ck_assert(!a->accept && !a->read && !a->eof_close);
	ck_assert(a->keepalive && a->ka_idle == 2 && a->ka_intvl == 1 && a->ka_cnt == 3);
	a = &m->actors[1];
	ck_assert_int_eq(a->target_host, 2);
	ck_assert_int_eq(a->send_bytes, 1000);
	ck_assert(a->stream && a->ipv6 && a->nodelay);
	ck_assert_int_eq(a->user_timeout_ms, 1500);
	ck_assert_str_eq(a->bind_addr, "198.18.0.1");
	ck_assert_int_eq(a->bind_port, 4000);
	ck_assert_str_eq(m->actors[2].send, "a \"quoted\" # not a comment");
	ck_assert_str_eq(m->actors[2].addr, "198.18.1.2");
	ck_assert_str_eq(m->actors[3].argv[2], "exit 3");
	ck_assert_ptr_null(m->actors[3].argv[3]);
	ck_assert_int_eq(m->steps[0].kind, STEP_SYSCTL);
	ck_assert_str_eq(m->steps[0].value, "4096 4096 4096");
	const struct expectation *x = &m->steps[5].expect;
	ck_assert_int_eq(x->kind, EXPECT_SOCKETS);
	ck_assert_int_eq(x->mode, EXPECT_WITHIN);
	ck_assert_uint_eq(x->duration_ms, 1500);
	ck_assert_int_eq(x->op, FILTER_GE);
	ck_assert_int_eq(m->steps[6].expect.mode, EXPECT_THROUGHOUT);
	ck_assert_int_eq(m->steps[6].expect.agg, AGG_NONE);
	ck_assert_int_eq(m->steps[7].expect.kind, EXPECT_COUNTER);
	ck_assert_str_eq(m->steps[8].expect.text, "TcpExtTCPAbortOnTimeout");
	ck_assert_int_eq(m->steps[9].expect.exit_want, EXIT_STATUS);
	ck_assert_int_eq(m->steps[10].expect.exit_errno, ECONNRESET);
	ck_assert_int_eq(m->steps[11].expect.kind, EXPECT_RUNNING);
	ck_assert_int_eq(m->steps[16].duration_ms, 120000);
	ck_assert_int_eq(m->steps[m->nsteps - 1].expect.kind, EXPECT_PACKETS);
	case_free(m);
}
END_TEST

static const struct {
	const char *in;
	int ok;
	unsigned ms;
} durations[] = {
    {"250ms", 1, 250}, {"2s", 1, 2000}, {"1.5s", 1, 1500}, {"3m", 1, 180000}, {"7", 1, 7000},
    {"s", 0, 0},       {"-1s", 0, 0},	{"2h", 0, 0},	   {"1.5", 1, 1500},
};

START_TEST(t_durations)
{
	unsigned ms = 0;
	int r = units_duration_parse(durations[_i].in, &ms);

	ck_assert_msg((r == 0) == durations[_i].ok, "'%s'", durations[_i].in);
	if (r == 0)
		ck_assert_uint_eq(ms, durations[_i].ms);
}
END_TEST

static const struct {
	const char *re;
	int err;
} regexes[] = {
    {"^a.*b$", 0},
    {"(x|y){3}[0-9]+", 0},
    {"a{10000}", 0},
    {"a{10001}", -E2BIG},
    {"a{100}{101}", -E2BIG},
    {"(a{100}){101}", -E2BIG},
    {"(ab){5000}", 0},
    {"(ab){5001}", -E2BIG},
    {"a{9999,}", 0},
    {"a{2,10001}", -E2BIG},
    {"x{1,101}", 0},
    {"x{1,102}", -E2BIG}, /* 101 optional copies: x{1,10000} takes 771 MB */
    {"(ab){1,5000}", -E2BIG},
    {"x{5000,5050}", 0},
    {"a{,100}", 0},		/* glibc's {,n}: at most n, each copy optional */
    {"a{,101}", -E2BIG},	/* a{,10000} takes 771 MB */
    {"(a{,861}){200}", -E2BIG}, /* found by fuzzing: 2 GB in regcomp */
    {"(ab{,}){100}", 0},
    {"[{]{20000}", -E2BIG},
    {"[]{]*{100000", 0}, /* '{' not closed: a literal, as regcomp takes it */
    {"[[:alpha:]]{10000}", 0},
    {"\\\\{50000}", -E2BIG}, /* an escaped backslash, repeated */
    {"\\{50000}", 0},	     /* an escaped '{': a literal character */
    {"((((a))))", 0},
    {"a)b{20000}", -E2BIG},
    /* copies of what can match empty: quadratic or worse in regcomp, at most 100 */
    {"(){100}{100}", -E2BIG},
    {"(){100}", 0},
    {"(){101}", -E2BIG},
    {"a?{101}", -E2BIG},
    {"(a|){101}", -E2BIG},
    {"(a|b){600}", 0},
    {"(ab?){100}", 0},
    {"(ab?){101}", -E2BIG}, /* each copy's b? */
    {"(a*b*){25}{2}", 0},
    {"(a*b*){26}{2}", -E2BIG},
    {"(^){101}", -E2BIG},
    {"x*y*z*(ab)?", 0},
    {"^.*(foo|bar)?[0-9]+ ms$", 0},
    {"(ab)?{50}", 0}, /* 2 copies each */
    {"(ab)?{51}", -E2BIG},
    /* '*', '?', '+', {m,} on what can match empty: nested, exponential */
    {"(a*)*", -EDOM},
    {"a??", -EDOM},
    {"a*?", -EDOM}, /* a lazy quantifier from PCRE: ERE has none */
    {"(x|)+", -EDOM},
    {"^*", -EDOM},
    {"(a?){3,}", -EDOM},
    {"(a?){3}", 0},
    {"(a*b)*", 0},
    {"a+?", 0},
    {"(ab?)+", 0},
};

START_TEST(t_regex_bounded)
{
	char deep[512];

	ck_assert_msg(units_regex_bounded(regexes[_i].re, 100, 10000) == regexes[_i].err, "'%s'",
		      regexes[_i].re);
	memset(deep, '(', 101);
	deep[101] = 'a';
	memset(deep + 102, ')', 101);
	deep[203] = '\0';
	ck_assert_int_eq(units_regex_bounded(deep, 100, 10000), -ELOOP);
	ck_assert_int_eq(units_regex_bounded(deep + 1, 100, 10000), 0);
}
END_TEST

/* One group's alternatives: regcomp's closure over them is quadratic. */
START_TEST(t_regex_alternatives)
{
	char alts[2 * UNITS_REGEX_ALTS + 4];
	size_t n = 0;

	for (int i = 0; i < UNITS_REGEX_ALTS - 1; i++) {
		alts[n++] = 'a';
		alts[n++] = '|';
	}
	alts[n++] = 'a';
	alts[n] = '\0';
	ck_assert_int_eq(units_regex_bounded(alts, 100, 10000), 0);
	strcpy(alts + n, "|a");
	ck_assert_int_eq(units_regex_bounded(alts, 100, 10000), -E2BIG);
}
END_TEST

START_TEST(t_rules)
{
	static const char text[] =
	    "host a\nhost fw\nhost b\nlink a fw\nlink fw b\n"
	    "rule noack: on a in drop tcp flags ack / ack,fin\n"
	    "rule rst: a -> b reject tcp flags == syn,ack dport 8000-8100 after 3 packets\n"
	    "rule all: b -> a drop\n"
	    "rule big: a -> b drop after 1000 bytes\n"
	    "remove noack\n"
	    "rule noack: on a out drop tcp flags fin,rst\n"
	    "netem a -> b loss 2.5% seed 7\n"
	    "firewall fw idle-timeout 1500ms expired drop\n"
	    "netem b -> a delay 10ms jitter 2ms distribution normal reorder 25% gap 5 limit 500\n";
	struct case_model *m;
	struct case_error e;

	ck_assert_msg(case_parse("r.case", text, &m, &e) == 0, "%s", e.msg);
	/* a rule is fields in the model; netcond writes the nftables text */
	const struct rule_spec *r0 = &m->steps[0].rule, *r1 = &m->steps[1].rule;
	ck_assert_str_eq(r0->name, "noack");
	ck_assert_int_eq(r0->dir, RULE_ON_IN);
	ck_assert_int_eq(r0->flags_mode, FLAGS_MASK);
	ck_assert_uint_eq(r0->flags, TCPF_ACK);
	ck_assert_uint_eq(r0->mask, TCPF_ACK | TCPF_FIN);
	ck_assert_int_eq(r1->dir, RULE_PATH);
	ck_assert_int_eq(m->steps[1].peer, 2);
	ck_assert_int_eq(r1->reject, 1);
	ck_assert_int_eq(r1->flags_mode, FLAGS_EXACT);
	ck_assert_uint_eq(r1->flags, TCPF_SYN | TCPF_ACK);
	ck_assert_int_eq(r1->dport_lo, 8000);
	ck_assert_int_eq(r1->dport_hi, 8100);
	ck_assert_int_eq(r1->after_unit, AFTER_PACKETS);
	ck_assert_int_eq(r1->after, 3);
	ck_assert_int_eq(m->steps[2].rule.flags_mode, FLAGS_NONE);
	ck_assert_int_eq(m->steps[3].rule.after_unit, AFTER_BYTES);
	ck_assert_int_eq(m->steps[3].rule.after, 1000);
	ck_assert_int_eq(m->steps[4].kind, STEP_REMOVE);
	ck_assert_str_eq(m->steps[4].rule.name, "noack");
	ck_assert_int_eq(m->steps[5].rule.dir, RULE_ON_OUT);
	ck_assert_uint_eq(m->steps[5].rule.flags, TCPF_FIN | TCPF_RST);
	ck_assert_uint_eq(m->steps[6].netem.loss_ppm, 25000);
	ck_assert_int_eq(m->steps[6].netem.seed, 7);
	ck_assert_int_eq(m->steps[7].kind, STEP_FIREWALL);
	ck_assert_uint_eq(m->steps[7].duration_ms, 1500);
	ck_assert_int_eq(m->steps[7].reject, 0);
	ck_assert_int_eq(m->steps[6].netem.limit, 0); /* the default, 10000 */
	ck_assert(!m->steps[6].netem.jitter_normal);
	ck_assert_uint_eq(m->steps[8].netem.jitter_ms, 2);
	ck_assert(m->steps[8].netem.jitter_normal);
	ck_assert_uint_eq(m->steps[8].netem.reorder_ppm, 250000);
	ck_assert_uint_eq(m->steps[8].netem.reorder_gap, 5);
	ck_assert_uint_eq(m->steps[8].netem.limit, 500);
	case_free(m);
}
END_TEST

START_TEST(t_kernel)
{
	const char *text = "host a\nkernel >= 6.8\nkernel < 7.0\n";
	struct case_model *m;
	struct case_error e;

	ck_assert_msg(case_parse("k.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(m->nkernel, 2);
	ck_assert_int_eq(m->kernel[0].op, FILTER_GE);
	ck_assert_int_eq(m->kernel[0].version, 6008);
	ck_assert_int_eq(m->kernel[1].op, FILTER_LT);
	ck_assert_int_eq(m->kernel[1].version, 7000);
	case_free(m);
	ck_assert_int_eq(units_kernel_version("6.1.0-28-amd64"), 6001);
	ck_assert_int_eq(units_kernel_version("6.18.0"), 6018);
	ck_assert_int_eq(units_kernel_version("vmlinuz"), -EINVAL);
}
END_TEST

START_TEST(t_case_ids)
{
	char id[256], cwd[4096], path[4200];

	case_id("cases/accept/overflow.case", id, sizeof(id));
	ck_assert_str_eq(id, "accept/overflow");
	case_id("./cases/close/four-way.case", id, sizeof(id));
	ck_assert_str_eq(id, "close/four-way");
	case_id("/nowhere/at/all/x.case", id, sizeof(id));
	ck_assert_str_eq(id, "x");
	case_id("/nowhere/src/cases/close/x.case", id, sizeof(id));
	ck_assert_str_eq(id, "close/x");
	case_id("mine/y.case", id, sizeof(id));
	ck_assert_str_eq(id, "mine/y");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(path, sizeof(path), "%s/sub/z.case", cwd);
	case_id(path, id, sizeof(id));
	ck_assert_str_eq(id, "sub/z");
}
END_TEST

/* "did you mean": the distance, and what counts as a typo. */
START_TEST(t_nearest)
{
	static const char *const hosts[] = {"client", "server", "router", "c1"};
	struct nearest nr;
	char hint[96];

	ck_assert_int_eq(nearest_distance("clinet", "client"), 1); /* a swap */
	ck_assert_int_eq(nearest_distance("hots", "host"), 1);
	ck_assert_int_eq(nearest_distance("Server", "server"), 0); /* case aside */
	ck_assert_int_eq(nearest_distance("abc", ""), 3);
	ck_assert_int_eq(nearest_distance("kitten", "sitting"), 3);
	nearest_init(&nr, "sever");
	for (unsigned i = 0; i < 4; i++)
		nearest_try(&nr, hosts[i]);
	ck_assert_str_eq(nearest_best(&nr), "server");
	ck_assert_str_eq(nearest_hint(&nr, hint, sizeof(hint)), " - did you mean 'server'?");
	/* too far to be a typo: nothing */
	nearest_init(&nr, "database");
	for (unsigned i = 0; i < 4; i++)
		nearest_try(&nr, hosts[i]);
	ck_assert_ptr_null(nearest_best(&nr));
	ck_assert_str_eq(nearest_hint(&nr, hint, sizeof(hint)), "");
	/* one or two letters: any other name would be a guess */
	nearest_init(&nr, "c2");
	nearest_try(&nr, "c1");
	ck_assert_ptr_null(nearest_best(&nr));
	/* a long counter name takes an edit per four letters */
	nearest_init(&nr, "TcpExtListenOverflow");
	nearest_try(&nr, "TcpExtListenDrops");
	nearest_try(&nr, "TcpExtListenOverflows");
	ck_assert_str_eq(nearest_best(&nr), "TcpExtListenOverflows");
}
END_TEST

Suite *case_suite(void)
{
	Suite *s = suite_create("case");
	TCase *tc = tcase_create("parse");

	list_bad();
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, t_bad, 0, nbad);
	tcase_add_test(tc, t_corpus_size);
	tcase_add_test(tc, t_model);
	tcase_add_test(tc, t_inject);
	tcase_add_test(tc, t_timers_expanded);
	tcase_add_test(tc, t_middleboxes);
	tcase_add_test(tc, t_kernel);
	tcase_add_test(tc, t_case_ids);
	tcase_add_test(tc, t_rules);
	tcase_add_test(tc, t_nearest);
	tcase_add_loop_test(tc, t_regex_bounded, 0, sizeof(regexes) / sizeof(regexes[0]));
	tcase_add_test(tc, t_regex_alternatives);
	tcase_add_loop_test(tc, t_durations, 0, sizeof(durations) / sizeof(durations[0]));
	suite_add_tcase(s, tc);
	return s;
}
