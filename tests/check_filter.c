/* The ss filter language: parsing, error columns, evaluation. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <linux/inet_diag.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lang/filter.h"
#include "suites.h"

static struct sockdiag_sock sock4(unsigned state, const char *src, unsigned sport, const char *dst,
				  unsigned dport)
{
	struct sockdiag_sock s = {.family = AF_INET, .protocol = 6, .state = state};

	inet_pton(AF_INET, src, s.src);
	inet_pton(AF_INET, dst, s.dst);
	s.sport = sport;
	s.dport = dport;
	return s;
}

static int resolve(void *ctx, const char *name, struct filter_addr *out, int max)
{
	(void)ctx;
	if (!strcmp(name, "hub")) {
		/* a host with 40 links: 198.18.k.1 for each */
		for (int k = 0; out && k < 40 && k < max; k++) {
			char a[32];
			snprintf(a, sizeof(a), "198.18.%d.1", k);
			out[k].family = AF_INET;
			inet_pton(AF_INET, a, out[k].bytes);
		}
		return out && max < 40 ? max : 40;
	}
	if (strcmp(name, "server"))
		return 0;
	if (!out)
		return 2;
	if (max < 2)
		return 0;
	out[0].family = AF_INET;
	inet_pton(AF_INET, "198.18.0.2", out[0].bytes);
	out[1].family = AF_INET6;
	inet_pton(AF_INET6, "fd00:6e63::2", out[1].bytes);
	return 2;
}

static const struct {
	const char *filter;
	int want; /* against an ESTAB 198.18.0.1:40000 -> 198.18.0.2:8888, rq 12, wq 0 */
} match_cases[] = {
    {"", 1},
    {"state established", 1},
    {"state estab", 1},
    {"state listening", 0},
    {"state connected", 1},
    {"state synchronized", 1},
    {"state bucket", 0},
    {"exclude established", 0},
    {"sport = :40000", 1},
    {"sport == :40000", 1},
    {"sport eq :40000", 1},
    {"dport = :8888", 1},
    {"dport != :8888", 0},
    {"dport > :8000", 1},
    {"dport gt :9000", 0},
    {"dport <= :8888", 1},
    {"dport < 8888", 0},
    {"sport >= :40000 and dport le :8888", 1},
    {"state established and ( sport = :1 or dport = :8888 )", 1},
    {"state established and (sport = :1 or dport = :1)", 0},
    {"not state listening", 1},
    {"! dport = :8888", 0},
    {"state listening or dport = :8888", 1},
    {"state listening || dport = :8888", 1},
    {"state established && dport = :8888", 1},
    {"state established dport = :8888", 1},
    {"dst 198.18.0.2", 1},
    {"dst 198.18.0.2:8888", 1},
    {"dst 198.18.0.2:8889", 0},
    {"dst 198.18.0.0/24", 1},
    {"dst 198.18.1.0/24", 0},
    {"dst server", 1},
    {"dst server:8888", 1},
    {"dst = server", 1},
    {"dst != server", 0},
    {"src server", 0},
    {"src 198.18.0.1:*", 1},
    {"dst *:8888", 1},
    {"rq = 12", 1},
    {"rq > 12", 0},
    {"rq >= 12 and wq = 0", 1},
    {"timer = off", 1},
    {"timer = keepalive", 0},
    {"timer != on", 1},
    {"retrans = 0", 1},
    {"probes > 0", 0},
    {"state established and not (rq = 0)", 1},
    {"expires > 1s", 1},
    {"expires >= 1500ms and expires < 1501", 1},
    {"expires > 2s", 0},
    {"expires = 1.5s", 1},
    {"rtt > 40ms", 1},
    {"rtt < 50ms", 1},
    {"rtt >= 46ms", 0},
    {"bytes_received > 3000000000", 1},
    {"bytes_acked = 12", 1},
};

START_TEST(t_match)
{
	struct sockdiag_sock s = sock4(1, "198.18.0.1", 40000, "198.18.0.2", 8888);
	struct filter_error e = {0};
	struct filter *f = NULL;
	int r;

	s.rq = 12;
	s.expires_ms = 1500;
	s.has_info = 1;
	s.info.rtt = 45500; /* microseconds */
	s.info.bytes_received = 5000000000ULL;
	s.info.bytes_acked = 12;
	r = filter_parse(match_cases[_i].filter, resolve, NULL, &f, &e);
	ck_assert_msg(r == 0, "parse '%s': col %d %s", match_cases[_i].filter, e.col, e.msg);
	ck_assert_msg(filter_match(f, &s) == match_cases[_i].want, "'%s' should %smatch",
		      match_cases[_i].filter, match_cases[_i].want ? "" : "not ");
	filter_free(f);
}
END_TEST

static const struct {
	const char *filter;
	int col;
	const char *msg_part;
} bad_cases[] = {
    {"state establishe", 7, "unknown state 'establishe'"},
    {"sport = 8888x", 9, "expected a port"},
    {"sport = ", 9, "expected a port"},
    {"( state established", 20, "expected ')'"},
    {"state established )", 19, "unexpected ')'"},
    {"bogus", 1, "expected a filter term"},
    {"rq 12", 4, "expected a comparison"},
    {"rq > x", 6, "expected a number"},
    {"timer = sometimes", 9, "expected a timer"},
    {"dst nosuchhost", 5, "unknown host or address 'nosuchhost'"},
    {"dst 1.2.3.4/40", 5, "prefix length too long"},
    {"dst [fd00::1:80", 5, "missing ']'"},
    {"state established and", 22, "expected a filter term"},
    {"dst < 1.2.3.4", 1, "dst takes only = or !="},
    {"expires > soon", 11, "expected a duration"},
};

START_TEST(t_errors)
{
	struct filter_error e = {0};
	struct filter *f = NULL;
	int r = filter_parse(bad_cases[_i].filter, resolve, NULL, &f, &e);

	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(f);
	ck_assert_msg(e.col == bad_cases[_i].col, "'%s': column %d, expected %d (%s)",
		      bad_cases[_i].filter, e.col, bad_cases[_i].col, e.msg);
	ck_assert_msg(strstr(e.msg, bad_cases[_i].msg_part), "'%s': message '%s' lacks '%s'",
		      bad_cases[_i].filter, e.msg, bad_cases[_i].msg_part);
}
END_TEST

START_TEST(t_ipv6_and_mapped)
{
	struct sockdiag_sock s = {.family = AF_INET6, .state = 10, .sport = 8889};
	struct filter_error e;
	struct filter *f;

	inet_pton(AF_INET6, "fd00:6e63::2", s.src);
	ck_assert_int_eq(filter_parse("src [fd00:6e63::2]:8889", NULL, NULL, &f, &e), 0);
	ck_assert(filter_match(f, &s));
	filter_free(f);
	ck_assert_int_eq(filter_parse("src server and state listening", resolve, NULL, &f, &e), 0);
	ck_assert(filter_match(f, &s));
	filter_free(f);
	inet_pton(AF_INET6, "::ffff:198.18.0.2", s.src);
	ck_assert_int_eq(filter_parse("src 198.18.0.2", NULL, NULL, &f, &e), 0);
	ck_assert_msg(filter_match(f, &s), "IPv4-mapped address matches its IPv4 form");
	filter_free(f);
}
END_TEST

START_TEST(t_fields_from_info)
{
	struct sockdiag_sock s = {.family = AF_INET,
				  .state = 1,
				  .timer = SOCKDIAG_TIMER_KEEPALIVE,
				  .retrans = 2,
				  .has_info = 1};
	struct filter_error e;
	struct filter *f;

	s.info.probes = 2;
	ck_assert_uint_eq(filter_sock_probes(&s), 2);
	ck_assert_int_eq(
	    filter_parse("timer = keepalive and probes = 2 and retrans = 0", NULL, NULL, &f, &e),
	    0);
	ck_assert(filter_match(f, &s));
	filter_free(f);
	s.timer = SOCKDIAG_TIMER_ON;
	s.retrans = 3;
	ck_assert_uint_eq(filter_sock_retrans(&s), 3);
	/* syn-recv covers request sockets (NEW_SYN_RECV) as well */
	s.state = 12;
	ck_assert_int_eq(filter_parse("state syn-recv", NULL, NULL, &f, &e), 0);
	ck_assert(filter_match(f, &s));
	filter_free(f);
}
END_TEST

/* The protocol (`udp`, `tcp`: what the dump asks for, TCP unless udp is
 * named), unconnected UDP sockets (`state unconn`), and socket memory as ss
 * -m shows it, which only a socket dumped with SOCKDIAG_MEM has. */
START_TEST(t_udp_and_memory)
{
	static const struct {
		const char *filter;
		unsigned protocols, needs;
		int want; /* against an unconnected UDP socket that dropped 3 */
	} cases[] = {
	    {"udp and drops = 3", SOCKDIAG_UDP, SOCKDIAG_MEM, 1},
	    {"udp and state unconn and rcvbuf >= 2304", SOCKDIAG_UDP, SOCKDIAG_MEM, 1},
	    {"tcp", SOCKDIAG_TCP, 0, 0},
	    {"sport = :53", SOCKDIAG_TCP, 0, 1},
	    {"tcp or udp", SOCKDIAG_TCP | SOCKDIAG_UDP, 0, 1},
	    {"udp or sport = :1", SOCKDIAG_TCP | SOCKDIAG_UDP, 0, 1},
	    {"not udp", SOCKDIAG_TCP, 0, 0},
	    {"not tcp and sport = :53", SOCKDIAG_UDP, 0, 1},
	    {"udp and cwnd > 0", SOCKDIAG_UDP, SOCKDIAG_INFO, 0},
	    {"drops > 3", SOCKDIAG_TCP, SOCKDIAG_MEM, 0},
	};
	struct sockdiag_sock s = sock4(7, "198.18.0.2", 53, "0.0.0.0", 0);
	struct sockdiag_req req;
	struct filter_error e;
	struct filter *f;
	char bc[FILTER_BC_MAX];

	s.protocol = 17;
	s.has_mem = 1;
	s.mem[1] = 2304;
	s.mem[8] = 3;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(filter_parse(cases[i].filter, NULL, NULL, &f, &e) == 0, "%s: %s",
			      cases[i].filter, e.msg);
		ck_assert_msg(filter_protocols(f) == cases[i].protocols, "%s", cases[i].filter);
		filter_sockdiag_req(f, filter_protocols(f), &req, bc, sizeof(bc));
		ck_assert_msg(req.what == (cases[i].protocols | cases[i].needs), "%s: what %u",
			      cases[i].filter, req.what);
		ck_assert_msg(filter_match(f, &s) == cases[i].want, "%s", cases[i].filter);
		filter_free(f);
	}
	s.has_mem = 0; /* dumped without SOCKDIAG_MEM: no memory field matches */
	ck_assert_int_eq(filter_parse("drops = 3", NULL, NULL, &f, &e), 0);
	ck_assert(!filter_match(f, &s));
	filter_free(f);
}
END_TEST

START_TEST(t_service_names)
{
	struct sockdiag_sock s = sock4(1, "198.18.0.1", 40000, "198.18.0.2", 22);
	struct filter_error e;
	struct filter *f;

	/* Without an ssh entry in the services database (no netbase) the name
	 * must be refused, naming it; with one it must match port 22. */
	if (!getservbyname("ssh", "tcp")) {
		ck_assert_int_eq(filter_parse("dport = :ssh", NULL, NULL, &f, &e), -EINVAL);
		ck_assert_msg(strstr(e.msg, "ssh") != NULL, "error names the service: %s", e.msg);
	} else {
		ck_assert_int_eq(filter_parse("dport = :ssh", NULL, NULL, &f, &e), 0);
		ck_assert(filter_match(f, &s));
		filter_free(f);
	}
	ck_assert_int_eq(filter_parse("dport = :nosuchservice", NULL, NULL, &f, &e), -EINVAL);
}
END_TEST

/* tcp_info fields by ss's names, in ss's units. */
START_TEST(t_info_fields)
{
	static const struct {
		const char *filter;
		int want;
	} cases[] = {
	    {"cwnd = 10", 1},
	    {"cwnd > 10", 0},
	    {"mss == 1448", 1},
	    {"rto >= 200", 1},
	    {"rto > 204", 0},
	    {"rto = 204ms", 1},
	    {"ato < 1s", 1},
	    {"minrtt < 100", 1},
	    {"pmtu = 1500", 1},
	    {"ssthresh > 1000", 1},
	    {"unacked = 2", 1},
	    {"lost = 0", 1},
	    {"notsent = 100", 1},
	    {"snd_wnd >= 65536", 1},
	    {"backoff = 3", 1},
	    {"lastsnd < 1s", 1},
	    {"lastsnd < 500ms", 0},
	    {"busy > 1s", 1},
	    {"rwnd_limited = 0", 1},
	    {"delivery_rate > 1mbit", 1},
	    {"delivery_rate > 1Gbps", 0},
	    {"pacing_rate = 16Mbps", 1},
	};
	struct sockdiag_sock s = sock4(1, "198.18.0.1", 40000, "198.18.0.2", 8888);
	struct filter_error e;
	struct filter *f;

	s.has_info = 1;
	s.info.snd_cwnd = 10;
	s.info.snd_mss = 1448;
	s.info.rto = 204000;
	s.info.ato = 40000;
	s.info.min_rtt = 30;
	s.info.pmtu = 1500;
	s.info.snd_ssthresh = 2147483647;
	s.info.unacked = 2;
	s.info.notsent_bytes = 100;
	s.info.snd_wnd = 65536;
	s.info.backoff = 3;
	s.info.last_data_sent = 600;
	s.info.busy_time = 2500000;
	s.info.delivery_rate = 1000000; /* 8 Mbit/s */
	s.info.pacing_rate = 2000000;	/* 16 Mbit/s */
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(filter_parse(cases[i].filter, NULL, NULL, &f, &e) == 0, "%s: %s",
			      cases[i].filter, e.msg);
		ck_assert(filter_needs_info(f));
		ck_assert_msg(filter_match(f, &s) == cases[i].want, "%s", cases[i].filter);
		filter_free(f);
	}
	/* without tcp_info (a TIME-WAIT socket) no info field matches */
	s.has_info = 0;
	ck_assert_int_eq(filter_parse("cwnd = 10", NULL, NULL, &f, &e), 0);
	ck_assert(!filter_match(f, &s));
	filter_free(f);
	ck_assert_int_eq(filter_parse("delivery_rate > fast", NULL, NULL, &f, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "expected a rate such as 10mbit or 1.5Gbps, found 'fast'");
	ck_assert_int_eq(filter_parse("cwnd > many", NULL, NULL, &f, &e), -EINVAL);
	/* found by fuzzing: milliseconds that overflow as microseconds */
	ck_assert_int_eq(filter_parse("minrtt > 01111111111111111111", NULL, NULL, &f, &e),
			 -EINVAL);
	ck_assert_str_eq(e.msg, "'01111111111111111111' is too large");
}
END_TEST

/* A host with many links is matched on every one of its addresses. */
START_TEST(t_many_addresses)
{
	struct sockdiag_sock s = sock4(1, "198.18.0.9", 40000, "198.18.39.1", 80);
	struct filter_error e;
	struct filter *f;

	ck_assert_int_eq(filter_parse("dst hub", resolve, NULL, &f, &e), 0);
	ck_assert(filter_match(f, &s));
	filter_free(f);
	s = sock4(1, "198.18.0.9", 40000, "198.18.40.1", 80);
	ck_assert_int_eq(filter_parse("dst hub", resolve, NULL, &f, &e), 0);
	ck_assert(!filter_match(f, &s));
	filter_free(f);
}
END_TEST

/* Deep nesting is refused with a message, not a stack overflow. */
START_TEST(t_depth_bounded)
{
	enum { N = 100000 };
	char *text = malloc(2 * N + 32);
	struct filter_error e;
	struct filter *f = NULL;

	ck_assert_ptr_nonnull(text);
	memset(text, '(', N);
	strcpy(text + N, "state established");
	memset(text + N + 17, ')', N);
	text[2 * N + 17] = '\0';
	ck_assert_int_eq(filter_parse(text, NULL, NULL, &f, &e), -EINVAL);
	ck_assert_ptr_null(f);
	ck_assert_str_eq(e.msg, "the filter nests too deeply (at most 200 levels)");
	ck_assert_int_eq(e.col, 201);
	/* 100 levels are fine, and so is a long chain of not */
	memset(text, '(', 100);
	strcpy(text + 100, "state established");
	memset(text + 117, ')', 100);
	text[217] = '\0';
	ck_assert_int_eq(filter_parse(text, NULL, NULL, &f, &e), 0);
	filter_free(f);
	free(text);
}
END_TEST

START_TEST(t_states_and_info)
{
	struct filter_error e;
	struct filter *f;

	ck_assert_int_eq(filter_parse("state established and dport = :1", NULL, NULL, &f, &e), 0);
	ck_assert_uint_eq(filter_states(f), 1u << 1);
	ck_assert(!filter_needs_info(f));
	filter_free(f);
	ck_assert_int_eq(filter_parse("state listening or state syn-sent", NULL, NULL, &f, &e), 0);
	ck_assert_uint_eq(filter_states(f), (1u << 10) | (1u << 2));
	filter_free(f);
	ck_assert_int_eq(filter_parse("not state listening", NULL, NULL, &f, &e), 0);
	ck_assert_uint_eq(filter_states(f), ~0u);
	filter_free(f);
	ck_assert_int_eq(filter_parse("state established and dport = :7000 and sport > :1023 and "
				      "(sport = :5 or dport = :6) and dport != :9",
				      NULL, NULL, &f, &e),
			 0);
	{
		struct inet_diag_bc_op op[16];
		int n = filter_bytecode(f, op, sizeof(op));

		/* dport >= 7000, dport <= 7000, sport >= 1024; or/!= stay in userspace */
		ck_assert_int_eq(n, 3 * 2 * (int)sizeof(op[0]));
		ck_assert_int_eq(op[0].code, INET_DIAG_BC_D_GE);
		ck_assert_int_eq(op[1].no, 7000);
		ck_assert_int_eq(op[0].yes, 8);
		ck_assert_int_eq(op[0].no, n + 4);
		ck_assert_int_eq(op[2].code, INET_DIAG_BC_D_LE);
		ck_assert_int_eq(op[2].no, n - 8 + 4);
		ck_assert_int_eq(op[4].code, INET_DIAG_BC_S_GE);
		ck_assert_int_eq(op[5].no, 1024);
		ck_assert_int_eq(filter_bytecode(f, op, 8), -ENOSPC);
	}
	filter_free(f);
	ck_assert_int_eq(filter_parse("state connected and probes > 0", NULL, NULL, &f, &e), 0);
	ck_assert(filter_needs_info(f));
	filter_free(f);
}
END_TEST

Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("filter");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, t_match, 0, sizeof(match_cases) / sizeof(match_cases[0]));
	tcase_add_loop_test(tc, t_errors, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, t_ipv6_and_mapped);
	tcase_add_test(tc, t_fields_from_info);
	tcase_add_test(tc, t_states_and_info);
	tcase_add_test(tc, t_service_names);
	tcase_add_test(tc, t_depth_bounded);
	tcase_add_test(tc, t_many_addresses);
	tcase_add_test(tc, t_info_fields);
	tcase_add_test(tc, t_udp_and_memory);
	suite_add_tcase(s, tc);
	return s;
}
