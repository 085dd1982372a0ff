#define _GNU_SOURCE
#include "case_stmt.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rule_active(const struct case_model *m, const char *name)
{
	int active = 0;

	for (int i = 0; i < m->nsteps; i++)
		if ((m->steps[i].kind == STEP_RULE || m->steps[i].kind == STEP_REMOVE) &&
		    !strcmp(m->steps[i].rule.name, name))
			active = m->steps[i].kind == STEP_RULE;
	return active;
}

int case_net_flag_list(struct cur *c, const char *w, const char *at, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} flags[] = {{"fin", TCPF_FIN}, {"syn", TCPF_SYN}, {"rst", TCPF_RST}, {"psh", TCPF_PSH},
		     {"ack", TCPF_ACK}, {"urg", TCPF_URG}, {"ecn", TCPF_ECN}, {"cwr", TCPF_CWR}};
	char tmp[128], *save, *f;

	snprintf(tmp, sizeof(tmp), "%s", w);
	*out = 0;
	for (f = strtok_r(tmp, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		unsigned bit = 0;
		for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (!strcasecmp(f, flags[i].name))
				bit = flags[i].bit;
		if (!bit)
			return caselex_fail(c, at,
					    "unknown tcp flag '%s' (fin, syn, rst, psh, ack, urg, "
					    "ecn, cwr; several joined with ',')",
					    f);
		*out |= bit;
	}
	if (!*out)
		return caselex_fail(c, at, "expected tcp flags such as syn or ack,fin");
	return 0;
}

int case_net_port_range(struct cur *c, int *lo, int *hi)
{
	char w[32], *end;
	const char *at;
	long a, b;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a port or a range such as 8000-8100")))
		return err;
	errno = 0;
	a = strtol(w, &end, 10);
	b = a;
	if (end != w && *end == '-')
		b = strtol(end + 1, &end, 10);
	if (end == w || *end || errno || a < 0 || b < a || b > 65535)
		return caselex_fail(c, at,
				    "expected a port or a range such as 8000-8100, found '%s'", w);
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

/* "tcp flags [==] F [/ M]" after the word tcp. */
static int match_tcp_flags(struct cur *c, struct rule_spec *r)
{
	char w[128];
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "'flags'")))
		return err;
	if (strcmp(w, "flags"))
		return caselex_fail(c, at, "expected 'flags' after tcp, found '%s'", w);
	if (r->flags_mode != FLAGS_NONE)
		return caselex_fail(c, at, "only one 'tcp flags' match per rule");
	r->flags_mode = FLAGS_ANY;
	caselex_peek(c, w, sizeof(w));
	if (!strcmp(w, "==")) {
		r->flags_mode = FLAGS_EXACT;
		c->p += 2;
	}
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "tcp flags")) ||
	    (err = case_net_flag_list(c, w, at, &r->flags)))
		return err;
	caselex_peek(c, w, sizeof(w));
	if (strcmp(w, "/"))
		return 0;
	if (r->flags_mode == FLAGS_EXACT)
		return caselex_fail(c, c->p, "use either '==' or '/ MASK', not both");
	c->p += 1;
	r->flags_mode = FLAGS_MASK;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "the flags to examine")))
		return err;
	return case_net_flag_list(c, w, at, &r->mask);
}

/* "after N packets|bytes" after the word after. */
static int match_after(struct cur *c, struct rule_spec *r)
{
	char w[32];
	const char *at;
	int err;

	if ((err = caselex_number(c, &r->after, 0, 2000000000, "a number")))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "'packets' or 'bytes'")))
		return err;
	if (!strcmp(w, "packets"))
		r->after_unit = AFTER_PACKETS;
	else if (!strcmp(w, "bytes"))
		r->after_unit = AFTER_BYTES;
	else
		return caselex_fail(c, at, "expected 'packets' or 'bytes', found '%s'", w);
	return 0;
}

static int match_proto(struct cur *c, struct rule_spec *r)
{
	char w[32];
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "tcp, udp or icmp")))
		return err;
	if (!strcmp(w, "tcp"))
		r->proto = RULE_PROTO_TCP;
	else if (!strcmp(w, "udp"))
		r->proto = RULE_PROTO_UDP;
	else if (!strcmp(w, "icmp"))
		r->proto = RULE_PROTO_ICMP;
	else
		return caselex_fail(c, at, "expected tcp, udp or icmp, found '%s'", w);
	return 0;
}

struct icmp_name {
	const char *name;
	int value;
};

/* nftables' names for ICMP and ICMPv6 types and codes (nft describe icmp_type). */
static const struct icmp_name icmp_types[] = {
    {"echo-reply", 0},		 {"destination-unreachable", 3},
    {"source-quench", 4},	 {"redirect", 5},
    {"echo-request", 8},	 {"router-advertisement", 9},
    {"router-solicitation", 10}, {"time-exceeded", 11},
    {"parameter-problem", 12},	 {"timestamp-request", 13},
    {"timestamp-reply", 14},	 {"info-request", 15},
    {"info-reply", 16},		 {"address-mask-request", 17},
    {"address-mask-reply", 18},	 {NULL, 0}};
static const struct icmp_name icmp_codes[] = {
    {"net-unreachable", 0},  {"host-unreachable", 1},  {"prot-unreachable", 2},
    {"port-unreachable", 3}, {"frag-needed", 4},       {"net-prohibited", 9},
    {"host-prohibited", 10}, {"admin-prohibited", 13}, {NULL, 0}};
static const struct icmp_name icmp6_types[] = {
    {"destination-unreachable", 1}, {"packet-too-big", 2},
    {"time-exceeded", 3},	    {"parameter-problem", 4},
    {"echo-request", 128},	    {"echo-reply", 129},
    {"mld-listener-query", 130},    {"mld-listener-report", 131},
    {"mld-listener-done", 132},	    {"nd-router-solicit", 133},
    {"nd-router-advert", 134},	    {"nd-neighbor-solicit", 135},
    {"nd-neighbor-advert", 136},    {"nd-redirect", 137},
    {"router-renumbering", 138},    {NULL, 0}};
static const struct icmp_name icmp6_codes[] = {{"no-route", 0},
					       {"admin-prohibited", 1},
					       {"addr-unreachable", 3},
					       {"port-unreachable", 4},
					       {"policy-fail", 5},
					       {"reject-route", 6},
					       {NULL, 0}};

/* A name of the table or a number 0-255 into *v. */
static int icmp_value(struct cur *c, const struct icmp_name *names, const char *what, int *v)
{
	char w[64], list[512], *end;
	const char *at;
	size_t n = 0;
	long x;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), what)))
		return err;
	for (const struct icmp_name *i = names; i->name; i++)
		if (!strcmp(w, i->name)) {
			*v = i->value;
			return 0;
		}
	errno = 0;
	x = strtol(w, &end, 10);
	if (end != w && !*end && !errno && x >= 0 && x <= 255) {
		*v = (int)x;
		return 0;
	}
	for (const struct icmp_name *i = names; i->name && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", i->name);
	return caselex_fail(c, at, "unknown %s '%s' (%s, or a number 0-255)", what, w, list);
}

/* "icmp|icmpv6 type T [code C]" after the word icmp or icmpv6. */
static int match_icmp(struct cur *c, struct rule_spec *r, int v6)
{
	char w[32];
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_keyword(c, "type", v6 ? "'type' after icmpv6" : "'type' after icmp")))
		return err;
	if (r->proto != RULE_PROTO_ANY || r->flags_mode != FLAGS_NONE || r->sport_hi || r->dport_hi)
		return caselex_fail(c, at, "an icmp type match goes with 'after' only");
	r->proto = v6 ? RULE_PROTO_ICMPV6 : RULE_PROTO_ICMPV4;
	r->icmp_code = -1;
	if ((err = icmp_value(c, v6 ? icmp6_types : icmp_types, v6 ? "icmpv6 type" : "icmp type",
			      &r->icmp_type)))
		return err;
	if (!caselex_peek(c, w, sizeof(w)) || strcmp(w, "code"))
		return 0;
	c->p += 4;
	return icmp_value(c, v6 ? icmp6_codes : icmp_codes, v6 ? "icmpv6 code" : "icmp code",
			  &r->icmp_code);
}

/* One match of the rule's tail. */
static int rule_match(struct cur *c, struct rule_spec *r)
{
	char w[128];
	const char *at;

	caselex_ws(c);
	at = c->p;
	caselex_word(c, w, sizeof(w), "a match");
	if ((r->proto == RULE_PROTO_ICMPV4 || r->proto == RULE_PROTO_ICMPV6) && strcmp(w, "after"))
		return caselex_fail(c, at, "an icmp type match goes with 'after' only, not '%s'",
				    w);
	if (!strcmp(w, "tcp"))
		return match_tcp_flags(c, r);
	if (!strcmp(w, "sport"))
		return case_net_port_range(c, &r->sport_lo, &r->sport_hi);
	if (!strcmp(w, "dport"))
		return case_net_port_range(c, &r->dport_lo, &r->dport_hi);
	if (!strcmp(w, "after"))
		return match_after(c, r);
	if (!strcmp(w, "proto"))
		return match_proto(c, r);
	if (!strcmp(w, "icmp") || !strcmp(w, "icmpv6"))
		return match_icmp(c, r, w[4] == 'v');
	return caselex_fail(c, at,
			    "unknown match '%s' (tcp flags, sport, dport, proto, icmp type, "
			    "icmpv6 type, after N packets|bytes)",
			    w);
}

/* "NAME:", checked. */
static int rule_name(struct cur *c, struct rule_spec *r)
{
	const char *at;
	char name[sizeof(r->name)];
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_label(c, name, sizeof(name), "rule")))
		return err;
	if (!*name ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
		strlen(name) ||
	    strlen(name) > 24)
		return caselex_fail(
		    c, at, "bad rule name '%s' (letters, digits and '_', at most 24)", name);
	if (rule_active(c->m, name))
		return caselex_fail(c, at, "rule '%s' is already in place (remove it first)", name);
	snprintf(r->name, sizeof(r->name), "%s", name);
	return 0;
}

/* "on HOST in|out" or "A -> B". */
static int rule_where(struct cur *c, struct rule_spec *r, int *a, int *b)
{
	char w[32];
	const char *at;
	int err;

	caselex_peek(c, w, sizeof(w));
	if (!strcmp(w, "on")) {
		c->p += 2;
		if ((err = caselex_host(c, a, 0, NULL)))
			return err;
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_word(c, w, sizeof(w), "'in' or 'out'")))
			return err;
		if (strcmp(w, "in") && strcmp(w, "out"))
			return caselex_fail(
			    c, at, "expected 'in' or 'out' after 'on HOST', found '%s'", w);
		r->dir = w[0] == 'i' ? RULE_ON_IN : RULE_ON_OUT;
		return 0;
	}
	if ((err = caselex_host(c, a, 0, NULL)))
		return err;
	caselex_ws(c);
	at = c->p;
	if (strncmp(c->p, "->", 2))
		return caselex_fail(
		    c, at, "expected '->' between the hosts (A -> B), or 'on HOST in|out'");
	c->p += 2;
	if ((err = caselex_host(c, b, 0, NULL)))
		return err;
	if (*a == *b)
		return caselex_fail(c, at, "expected two different hosts");
	r->dir = RULE_PATH;
	return 0;
}

int case_net_rule(struct cur *c)
{
	struct rule_spec r = {0};
	char w[32];
	const char *at;
	struct step *s;
	int a = -1, b = -1, err;

	if ((err = rule_name(c, &r)) || (err = rule_where(c, &r, &a, &b)))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "drop or reject")))
		return err;
	if (strcmp(w, "drop") && strcmp(w, "reject"))
		return caselex_fail(c, at, "expected drop or reject, found '%s'", w);
	r.reject = w[0] == 'r';
	while (!caselex_at_end(c))
		if ((err = rule_match(c, &r)))
			return err;
	s = caselex_step(c, STEP_RULE);
	if (!s)
		return -ENOMEM;
	s->host = a;
	s->peer = b;
	s->rule = r;
	return 0;
}

int case_net_remove(struct cur *c)
{
	char name[sizeof(((struct rule_spec *)0)->name)];
	const char *at;
	struct step *s;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, name, sizeof(name), "a rule name")) ||
	    (err = caselex_need_end(c)))
		return err;
	if (!rule_active(c->m, name))
		return caselex_fail(c, at, "no rule '%s' is in place", name);
	s = caselex_step(c, STEP_REMOVE);
	if (!s)
		return -ENOMEM;
	snprintf(s->rule.name, sizeof(s->rule.name), "%s", name);
	return 0;
}

/* One netem parameter, its name in w (at: where it began), into s. */
static int netem_param(struct cur *c, struct step *s, const char *w, const char *at)
{
	int err = 0;

	if (!strcmp(w, "delay"))
		err = caselex_duration(c, &s->netem.delay_ms, NULL);
	else if (!strcmp(w, "jitter"))
		err = caselex_duration(c, &s->netem.jitter_ms, NULL);
	else if (!strcmp(w, "loss"))
		err = caselex_percent(c, &s->netem.loss_ppm);
	else if (!strcmp(w, "duplicate"))
		err = caselex_percent(c, &s->netem.duplicate_ppm);
	else if (!strcmp(w, "reorder"))
		err = caselex_percent(c, &s->netem.reorder_ppm);
	else if (!strcmp(w, "corrupt"))
		err = caselex_percent(c, &s->netem.corrupt_ppm);
	else if (!strcmp(w, "seed"))
		err = caselex_number(c, &s->netem.seed, 0, 0xffffffffLL, "a seed");
	else if (!strcmp(w, "limit") || !strcmp(w, "gap")) {
		long long v;
		err = caselex_number(c, &v, 1, 10000000, "a number of packets");
		if (!err)
			*(w[0] == 'l' ? &s->netem.limit : &s->netem.reorder_gap) = (unsigned)v;
	} else if (!strcmp(w, "distribution")) {
		char d[16];
		caselex_ws(c);
		const char *dat = c->p;
		if ((err = caselex_word(c, d, sizeof(d), "uniform or normal")))
			return err;
		if (strcmp(d, "uniform") && strcmp(d, "normal"))
			return caselex_fail(c, dat,
					    "unknown distribution '%s' (uniform or normal; "
					    "netem's pareto tables are not loaded)",
					    d);
		s->netem.jitter_normal = !strcmp(d, "normal");
	} else if (!strcmp(w, "rate")) {
		char r[32], *end;
		caselex_ws(c);
		const char *rat = c->p;
		if ((err = caselex_word(c, r, sizeof(r), "a rate such as 10mbit")))
			return err;
		double v = strtod(r, &end);
		double mul = !strcmp(end, "bit")    ? 1
			     : !strcmp(end, "kbit") ? 1e3
			     : !strcmp(end, "mbit") ? 1e6
			     : !strcmp(end, "gbit") ? 1e9
						    : -1;
		if (end == r || mul < 0 || !(v > 0))
			return caselex_fail(c, rat,
					    "expected a rate such as 500kbit or 10mbit, "
					    "found '%s'",
					    r);
		/* tbf takes 64-bit bytes per second: 100 Tbit/s is plenty */
		if (v * mul > 1e14)
			return caselex_fail(c, rat, "'%s' is too large (at most 100000gbit)", r);
		s->netem.rate_bps = (unsigned long long)(v * mul);
	} else
		return caselex_fail(c, at,
				    "unknown netem parameter '%s' (delay, jitter, "
				    "distribution, loss, duplicate, reorder, gap, corrupt, "
				    "rate, limit, seed)",
				    w);
	return err;
}

int case_net_netem(struct cur *c)
{
	struct step *s;
	char w[32];
	const char *at;
	int a, b, err;

	if ((err = caselex_host(c, &a, 0, NULL)))
		return err;
	caselex_ws(c);
	at = c->p;
	if (strncmp(c->p, "->", 2))
		return caselex_fail(c, at, "expected '->' between the hosts (netem A -> B ...)");
	c->p += 2;
	if ((err = caselex_host(c, &b, 0, NULL)))
		return err;
	if (a == b)
		return caselex_fail(c, at, "expected two different hosts");
	s = caselex_step(c, STEP_NETEM);
	if (!s)
		return -ENOMEM;
	s->host = a;
	s->peer = b;
	s->netem.seed = -1;
	if (caselex_at_end(c))
		return caselex_fail(c, c->p,
				    "expected delay, jitter, loss, duplicate, reorder, corrupt, "
				    "rate, limit or seed");
	while (!caselex_at_end(c)) {
		at = c->p;
		caselex_word(c, w, sizeof(w), "a netem parameter");
		err = netem_param(c, s, w, at);
		if (err)
			return err;
	}
	if (s->netem.jitter_ms && !s->netem.delay_ms)
		return caselex_fail(c, c->line, "jitter needs a delay");
	if (s->netem.jitter_normal && !s->netem.jitter_ms)
		return caselex_fail(c, c->line, "a distribution needs a jitter");
	if (s->netem.reorder_gap && !s->netem.reorder_ppm)
		return caselex_fail(c, c->line, "gap needs a reorder");
	return 0;
}
