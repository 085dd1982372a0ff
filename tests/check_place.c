/* Where a condition on A -> B acts (place.c) and how a rule reads in
 * nftables (place_rule_format), from the topology and the model alone. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lang/case.h"
#include "../harness/netcond.h"
#include "../lang/place.h"
#include "suites.h"

/* test_chain() plus an island with no link (host 4). */
static void chain(struct topo *t)
{
	test_chain(t);
	ck_assert_int_eq(topo_host_add(t, "island"), 4);
}

static const struct {
	int a, b, err, host, forward, in_link, out_link;
} paths[] = {
    {0, 2, 0, 1, 1, 0, 1},  /* client -> server: the router forwards, out on link 1 */
    {2, 0, 0, 1, 1, 1, 0},  /* and back */
    {0, 1, 0, 1, 0, 0, -1}, /* client -> router: the router's own input */
    {1, 0, 0, 0, 0, 0, -1}, /* router -> client: the client's input, never the router's egress */
    {2, 3, 0, 1, 1, 1, 2},  /* server -> db through the router */
    {0, 4, -EHOSTUNREACH, 0, 0, 0, 0}, /* no path */
    {0, 0, -EINVAL, 0, 0, 0, 0},       /* a host to itself */
    {0, 9, -EINVAL, 0, 0, 0, 0},       /* out of range */
};

START_TEST(t_place_path)
{
	struct topo t;
	struct place p;

	chain(&t);
	ck_assert_int_eq(place_path(&t, paths[_i].a, paths[_i].b, &p), paths[_i].err);
	if (!paths[_i].err) {
		ck_assert_int_eq(p.host, paths[_i].host);
		ck_assert_int_eq(p.forward, paths[_i].forward);
		ck_assert_int_eq(p.in_link, paths[_i].in_link);
		ck_assert_int_eq(p.out_link, paths[_i].out_link);
	}
	topo_fini(&t);
}
END_TEST

static char *match_text(const struct topo *t, int a, int b, int family)
{
	struct place p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(place_path(t, a, b, &p), 0);
	place_match(t, a, b, &p, family, f);
	fclose(f);
	return buf;
}

START_TEST(t_place_match)
{
	struct topo t;
	char *m;

	chain(&t);
	m = match_text(&t, 0, 2, AF_INET);
	ck_assert_str_eq(m, "ip saddr { 198.18.0.1 } ip daddr { 198.18.1.2 }");
	free(m);
	m = match_text(&t, 1, 0, AF_INET6);
	ck_assert_str_eq(m, "ip6 saddr { fd00:6e63:0:0::2, fd00:6e63:0:1::1, fd00:6e63:0:2::1 }");
	free(m);
	topo_fini(&t);
}
END_TEST

static const struct {
	const char *rule, *nft;
} rules[] = {
    {"rule r: a -> b drop tcp flags == ack",
     "meta l4proto tcp tcp flags & (fin|syn|rst|psh|ack|urg) == ack counter drop"},
    {"rule r: on a in drop tcp flags ack / ack,fin",
     "meta l4proto tcp tcp flags & (fin|ack) == ack counter drop"},
    {"rule r: a -> b reject tcp flags syn,fin",
     "meta l4proto tcp tcp flags & (fin|syn) != 0 counter reject with tcp reset"},
    {"rule r: a -> b drop sport 40002 tcp flags ack",
     "meta l4proto tcp tcp flags & (ack) != 0 tcp sport 40002 counter drop"},
    {"rule r: a -> b drop dport 8000-8100 after 3 packets",
     "meta l4proto tcp tcp dport 8000-8100 numgen inc mod 2147483647 >= 3 counter drop"},
    {"rule r: a -> b drop proto udp after 100 bytes",
     "meta l4proto udp quota over 100 bytes counter drop"},
    {"rule r: on a out reject proto icmp", "meta l4proto { icmp, ipv6-icmp } counter reject"},
    {"rule r: a -> b drop", " counter drop"},
    {"rule r: on a out drop icmp type destination-unreachable code frag-needed",
     "icmp type 3 icmp code 4 counter drop"},
    {"rule r: on a out drop icmpv6 type packet-too-big", "icmpv6 type 2 counter drop"},
    {"rule r: a -> b drop icmp type 11 code 0 after 2 packets",
     "icmp type 11 icmp code 0 numgen inc mod 2147483647 >= 2 counter drop"},
    {"rule r: on b in reject icmpv6 type echo-request", "icmpv6 type 128 counter reject"},
};

START_TEST(t_rule_format)
{
	char text[256], *buf = NULL;
	struct case_model *m;
	struct case_error e;
	size_t len = 0;
	FILE *f;

	snprintf(text, sizeof(text), "host a\nhost b\nlink a b\n%s\n", rules[_i].rule);
	ck_assert_msg(case_parse("t.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(m->steps[m->nsteps - 1].kind, STEP_RULE);
	f = open_memstream(&buf, &len);
	place_rule_format(&m->steps[m->nsteps - 1].rule, f);
	fclose(f);
	ck_assert_str_eq(buf, rules[_i].nft);
	free(buf);
	case_free(m);
}
END_TEST

Suite *place_suite(void)
{
	Suite *s = suite_create("place");
	TCase *tc = tcase_create("paths and rules");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, t_place_path, 0, sizeof(paths) / sizeof(paths[0]));
	tcase_add_test(tc, t_place_match);
	tcase_add_loop_test(tc, t_rule_format, 0, sizeof(rules) / sizeof(rules[0]));
	suite_add_tcase(s, tc);
	return s;
}
