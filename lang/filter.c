#define _GNU_SOURCE
#include "filter.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <ctype.h>
#include <limits.h>
#include <netdb.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_node.h"

#define ST(x)	   (1u << (x))
#define ALL_STATES (0xfffu << 1)
/* the kernel's TCP_NEW_SYN_RECV (a request socket), not in glibc's list */
#define NEW_SYN_RECV 12

static const struct {
	const char *name;
	unsigned mask;
} states[] = {
    {"established", ST(TCP_ESTABLISHED)},
    {"estab", ST(TCP_ESTABLISHED)},
    {"syn-sent", ST(TCP_SYN_SENT)},
    {"syn-recv", ST(TCP_SYN_RECV) | ST(NEW_SYN_RECV)},
    {"fin-wait-1", ST(TCP_FIN_WAIT1)},
    {"fin-wait-2", ST(TCP_FIN_WAIT2)},
    {"time-wait", ST(TCP_TIME_WAIT)},
    {"closed", ST(TCP_CLOSE)},
    {"unconn", ST(TCP_CLOSE)},
    {"close-wait", ST(TCP_CLOSE_WAIT)},
    {"last-ack", ST(TCP_LAST_ACK)},
    {"listening", ST(TCP_LISTEN)},
    {"listen", ST(TCP_LISTEN)},
    {"closing", ST(TCP_CLOSING)},
    {"all", ALL_STATES},
    {"connected", ALL_STATES & ~(ST(TCP_LISTEN) | ST(TCP_CLOSE))},
    {"synchronized", ALL_STATES & ~(ST(TCP_LISTEN) | ST(TCP_CLOSE) | ST(TCP_SYN_SENT))},
    {"bucket", ST(TCP_SYN_RECV) | ST(NEW_SYN_RECV) | ST(TCP_TIME_WAIT)},
    {"big", ALL_STATES & ~(ST(TCP_SYN_RECV) | ST(NEW_SYN_RECV) | ST(TCP_TIME_WAIT))},
};

struct parser {
	const char *text, *p;
	filter_resolve_fn resolve;
	void *ctx;
	struct filter_error *err;
	char tok[256];
	int tokcol;
	int depth; /* of nested terms: bounded, so no input exhausts the stack */
};

#define FILTER_DEPTH_MAX      200
#define FILTER_DEPTH_MAX_TEXT "200"

static int fail(struct parser *ps, int col, const char *fmt, const char *arg)
{
	ps->err->col = col;
	snprintf(ps->err->msg, sizeof(ps->err->msg), fmt, arg);
	return -EINVAL;
}

/* Read the next token into ps->tok; returns its length (0 at the end). */
static size_t peek(struct parser *ps)
{
	const char *p = ps->p;
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	ps->tokcol = (int)(p - ps->text) + 1;
	if (!*p) {
		ps->tok[0] = '\0';
		return 0;
	}
	if (*p == '(' || *p == ')') {
		n = 1;
	} else if (strchr("=!<>&|", *p)) {
		n = 1;
		if ((p[1] == '=' && *p != '&' && *p != '|') || (p[0] == '&' && p[1] == '&') ||
		    (p[0] == '|' && p[1] == '|') || (p[0] == '=' && p[1] == '='))
			n = 2;
	} else {
		while (p[n] && !isspace((unsigned char)p[n]) && !strchr("()=!<>&|", p[n]))
			n++;
		/* Keep "!=" out of words but let IPv6 "[::1]" through. */
	}
	if (n >= sizeof(ps->tok))
		n = sizeof(ps->tok) - 1;
	memcpy(ps->tok, p, n);
	ps->tok[n] = '\0';
	return n;
}

static void take(struct parser *ps)
{
	const char *p = ps->p;

	while (isspace((unsigned char)*p))
		p++;
	ps->p = p + strlen(ps->tok);
}

static int is(struct parser *ps, const char *a, const char *b)
{
	return !strcmp(ps->tok, a) || (b && !strcmp(ps->tok, b));
}

static struct filter *node(enum node_kind k, struct filter *l, struct filter *r)
{
	struct filter *f = calloc(1, sizeof(*f));

	if (f) {
		f->kind = k;
		f->l = l;
		f->r = r;
	}
	return f;
}

struct filter *filter_free(struct filter *f)
{
	if (f) {
		filter_free(f->l);
		filter_free(f->r);
		if (f->addr != &f->one)
			free(f->addr);
		free(f);
	}
	return NULL;
}

static int parse_or(struct parser *ps, struct filter **out);

static int parse_cmp(struct parser *ps, enum filter_cmp *c, int optional)
{
	static const struct {
		const char *a, *b, *c;
		enum filter_cmp v;
	} ops[] = {
	    {"=", "==", "eq", FILTER_EQ}, {"!=", "ne", "neq", FILTER_NE},
	    {"<", "lt", NULL, FILTER_LT}, {"<=", "le", NULL, FILTER_LE},
	    {">", "gt", NULL, FILTER_GT}, {">=", "ge", NULL, FILTER_GE},
	};

	peek(ps);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (is(ps, ops[i].a, ops[i].b) || (ops[i].c && is(ps, ops[i].c, NULL))) {
			*c = ops[i].v;
			take(ps);
			return 0;
		}
	if (optional) {
		*c = FILTER_EQ;
		return 0;
	}
	return fail(ps, ps->tokcol, "expected a comparison (= != < <= > >=), found '%s'",
		    ps->tok[0] ? ps->tok : "end of filter");
}

static int parse_number(struct parser *ps, const char *s, long *v, long max)
{
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return fail(ps, ps->tokcol, "expected a number, found '%s'", s);
	errno = 0;
	*v = strtol(s, &end, 10);
	if (*end || errno || *v > max)
		return fail(ps, ps->tokcol, "'%s' is not a valid number here", s);
	return 0;
}

static int parse_port(struct parser *ps, struct filter *f)
{
	long v;

	if (!peek(ps))
		return fail(ps, ps->tokcol, "expected a port such as :8888, found %s",
			    "end of filter");
	const char *s = ps->tok[0] == ':' ? ps->tok + 1 : ps->tok;
	struct servent *se;
	if (!strcmp(s, "*")) {
		f->value = -1;
	} else if (isalpha((unsigned char)*s) && (se = getservbyname(s, "tcp"))) {
		f->value = ntohs(se->s_port); /* a service name, as ss takes :ssh */
	} else {
		int err = parse_number(ps, s, &v, 65535);
		if (err)
			return fail(ps, ps->tokcol, "expected a port such as :8888, found '%s'",
				    ps->tok);
		f->value = v;
	}
	take(ps);
	return 0;
}

static int parse_addr(struct parser *ps, struct filter *f)
{
	char host[256], *port = NULL, *slash;
	int col;

	if (!peek(ps))
		return fail(ps, ps->tokcol, "expected an address or host, found %s",
			    "end of filter");
	col = ps->tokcol;
	snprintf(host, sizeof(host), "%s", ps->tok);
	take(ps);
	f->plen = -1;
	f->value = -1;
	if (host[0] == '[') {
		char *close = strchr(host, ']');

		if (!close)
			return fail(ps, col, "missing ']' in '%s'", host);
		*close = '\0';
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return fail(ps, col, "unexpected text after ']' in '%s'", ps->tok);
		memmove(host, host + 1, strlen(host));
	} else if (strchr(host, ':') == strrchr(host, ':') && strchr(host, ':')) {
		port = strchr(host, ':');
		*port++ = '\0';
	}
	if (port && strcmp(port, "*")) {
		long v;
		char *end;

		v = strtol(port, &end, 10);
		if (!*port || *end || v < 0 || v > 65535)
			return fail(ps, col, "bad port in '%s'", ps->tok);
		f->value = v;
	}
	slash = strchr(host, '/');
	if (slash) {
		char *end;
		*slash++ = '\0';
		f->plen = (int)strtol(slash, &end, 10);
		if (!*slash || *end || f->plen < 0 || f->plen > 128)
			return fail(ps, col, "bad prefix length in '%s'", host);
	}
	if (!strcmp(host, "*") || !host[0]) {
		f->naddr = 0;
		return 0;
	}
	f->addr = &f->one;
	if (inet_pton(AF_INET, host, f->one.bytes) == 1) {
		f->one.family = AF_INET;
		f->naddr = 1;
	} else if (inet_pton(AF_INET6, host, f->one.bytes) == 1) {
		f->one.family = AF_INET6;
		f->naddr = 1;
	} else {
		/* a host name: as many addresses as it has (asked for twice) */
		int n = ps->resolve ? ps->resolve(ps->ctx, host, NULL, 0) : 0;
		if (n <= 0)
			return fail(ps, col, "unknown host or address '%s'", host);
		f->addr = calloc(n, sizeof(*f->addr));
		if (!f->addr)
			return -ENOMEM;
		f->naddr = ps->resolve(ps->ctx, host, f->addr, n);
	}
	if (f->plen > (f->addr[0].family == AF_INET ? 32 : 128))
		return fail(ps, col, "prefix length too long for '%s'", host);
	return 0;
}

/* "state S" or "exclude S" into f (a node already of kind N_STATE); *out
 * becomes f, or a NOT over it for exclude. */
static int term_state(struct parser *ps, struct filter *f, struct filter **out)
{
	int excl = is(ps, "exclude", NULL);
	unsigned i;

	take(ps);
	peek(ps);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcasecmp(ps->tok, states[i].name))
			break;
	if (i == sizeof(states) / sizeof(states[0]))
		return fail(ps, ps->tokcol,
			    "unknown state '%s' (established, syn-sent, "
			    "syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, "
			    "last-ack, listening, closing, or a group: all, connected, "
			    "synchronized, bucket, big)",
			    ps->tok[0] ? ps->tok : "");
	take(ps);
	f->states = states[i].mask;
	*out = excl ? node(N_NOT, f, NULL) : f;
	return *out ? 0 : -ENOMEM;
}

static int term_port(struct parser *ps, struct filter *f)
{
	int err;

	f->kind = N_PORT;
	f->dst = is(ps, "dport", NULL);
	take(ps);
	err = parse_cmp(ps, &f->cmp, 1);
	return err ? err : parse_port(ps, f);
}

static int term_addr(struct parser *ps, struct filter *f, int col)
{
	int err;

	f->kind = N_ADDR;
	f->dst = is(ps, "dst", NULL);
	take(ps);
	err = parse_cmp(ps, &f->cmp, 1);
	if (!err && f->cmp != FILTER_EQ && f->cmp != FILTER_NE)
		err = fail(ps, col, "%s takes only = or != ", f->dst ? "dst" : "src");
	return err ? err : parse_addr(ps, f);
}

static const char *const field_names[] = {
    [F_RQ] = "rq",
    [F_WQ] = "wq",
    [F_RETRANS] = "retrans",
    [F_PROBES] = "probes",
    [F_TIMER] = "timer",
    [F_EXPIRES] = "expires",
    [F_RTT] = "rtt",
    [F_BYTES_ACKED] = "bytes_acked",
    [F_BYTES_RECEIVED] = "bytes_received",
};

#define NFIELDS ((int)(sizeof(field_names) / sizeof(field_names[0])))

static int field_find(struct parser *ps)
{
	for (int i = 0; i < NFIELDS; i++)
		if (is(ps, field_names[i], NULL))
			return i;
	return -ENOENT;
}

static int field_timer(struct parser *ps, struct filter *f)
{
	static const char *t[] = {"off", "on", "keepalive", "timewait", "persist"};

	for (unsigned i = 0; i < 5; i++)
		if (is(ps, t[i], NULL)) {
			f->value = i;
			return 0;
		}
	return fail(ps, ps->tokcol,
		    "expected a timer (on, keepalive, timewait, persist, off), found '%s'",
		    ps->tok[0] ? ps->tok : "end of filter");
}

/* A duration: 500ms, 50s, 1m, or plain milliseconds; expires counts
 * milliseconds, rtt microseconds. */
static int field_duration(struct parser *ps, struct filter *f)
{
	char *end;
	double v = strtod(ps->tok, &end);
	double mul = !*end || !strcmp(end, "ms") ? 1
		     : !strcmp(end, "s")	 ? 1000
		     : !strcmp(end, "m")	 ? 60000
						 : -1;

	if (end == ps->tok || mul < 0 || !(v >= 0) || !isdigit((unsigned char)ps->tok[0]))
		return fail(ps, ps->tokcol, "expected a duration such as 500ms or 50s, found '%s'",
			    ps->tok[0] ? ps->tok : "end of filter");
	v *= mul * (f->field == F_RTT ? 1000 : 1);
	if (v > (double)LONG_MAX / 2)
		return fail(ps, ps->tokcol, "'%s' is too large", ps->tok);
	f->value = (long)(v + 0.5);
	return 0;
}

/* "FIELD OP VALUE" with the value in the field's own unit. */
static int term_field(struct parser *ps, struct filter *f)
{
	int err;

	f->kind = N_FIELD;
	f->field = field_find(ps);
	take(ps);
	err = parse_cmp(ps, &f->cmp, 0);
	if (err)
		return err;
	peek(ps);
	if (f->field == F_TIMER)
		err = field_timer(ps, f);
	else if (f->field == F_EXPIRES || f->field == F_RTT)
		err = field_duration(ps, f);
	else
		err = parse_number(ps, ps->tok, &f->value, LONG_MAX);
	if (!err)
		take(ps);
	return err;
}

static int info_find(struct parser *ps)
{
	for (int i = 0; i < filter_ninfo_fields; i++)
		if (is(ps, filter_info_fields[i].name, NULL))
			return i;
	return -ENOENT;
}

/* A rate in bits per second ("10mbit", "1.5Gbps", "800000") into bytes per second. */
static int info_rate(struct parser *ps, struct filter *f)
{
	char *end;
	double v = strtod(ps->tok, &end), mul = -1;
	static const struct {
		const char *unit;
		double mul;
	} units[] = {{"", 1},	    {"bit", 1},	   {"bps", 1},	  {"kbit", 1e3}, {"Kbps", 1e3},
		     {"mbit", 1e6}, {"Mbps", 1e6}, {"gbit", 1e9}, {"Gbps", 1e9}};

	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit))
			mul = units[i].mul;
	if (end == ps->tok || mul < 0 || !(v >= 0) || v * mul > 1e15)
		return fail(ps, ps->tokcol, "expected a rate such as 10mbit or 1.5Gbps, found '%s'",
			    ps->tok[0] ? ps->tok : "end of filter");
	f->value = (long)(v * mul / 8 + 0.5);
	return 0;
}

/* "FIELD OP VALUE" for a tcp_info field, in ss's units. */
static int term_info(struct parser *ps, struct filter *f)
{
	const struct info_field *fi;
	int err;

	f->kind = N_INFO;
	f->info = info_find(ps);
	fi = &filter_info_fields[f->info];
	take(ps);
	err = parse_cmp(ps, &f->cmp, 0);
	if (err)
		return err;
	peek(ps);
	if (fi->unit == INFO_COUNT) {
		err = parse_number(ps, ps->tok, &f->value, LONG_MAX);
	} else if (fi->unit == INFO_RATE) {
		err = info_rate(ps, f);
	} else {
		f->field = F_EXPIRES; /* a duration in ms ... */
		err = field_duration(ps, f);
		if (!err && fi->unit == INFO_US && f->value > LONG_MAX / 1000)
			err = fail(ps, ps->tokcol, "'%s' is too large", ps->tok);
		else if (!err && fi->unit == INFO_US)
			f->value *= 1000; /* ... the kernel counts microseconds */
	}
	if (!err)
		take(ps);
	return err;
}

/* "( EXPR )" */
static int term_group(struct parser *ps, struct filter **out)
{
	int err;

	take(ps);
	err = parse_or(ps, out);
	if (err)
		return err;
	peek(ps);
	if (!is(ps, ")", NULL)) {
		filter_free(*out);
		*out = NULL;
		return fail(ps, ps->tokcol, "expected ')', found '%s'",
			    ps->tok[0] ? ps->tok : "end of filter");
	}
	take(ps);
	return 0;
}

/* A simple term: state, a port, an address or a field. */
static int term_simple(struct parser *ps, struct filter **out, int col)
{
	struct filter *f = node(N_STATE, NULL, NULL);
	int err;

	if (!f)
		return -ENOMEM;
	if (is(ps, "state", "exclude")) {
		err = term_state(ps, f, out);
		if (err)
			filter_free(f);
		return err;
	}
	if (is(ps, "tcp", "udp")) {
		f->kind = N_PROTO;
		f->value = is(ps, "udp", NULL) ? IPPROTO_UDP : IPPROTO_TCP;
		take(ps);
		err = 0;
	} else if (is(ps, "sport", "dport"))
		err = term_port(ps, f);
	else if (is(ps, "src", "dst"))
		err = term_addr(ps, f, col);
	else if (field_find(ps) >= 0)
		err = term_field(ps, f);
	else if (info_find(ps) >= 0)
		err = term_info(ps, f);
	else
		err = fail(
		    ps, col,
		    "expected a filter term (state, exclude, tcp, udp, sport, dport, src, dst, "
		    "rq, wq, timer, expires, rtt, bytes_acked, bytes_received, retrans, "
		    "probes, a tcp_info field as ss -i names it (cwnd, rto, mss, ...), socket "
		    "memory as ss -m shows it (drops, rcvbuf, ...), not, "
		    "'('), found '%s'",
		    ps->tok);
	if (err) {
		filter_free(f);
		return err;
	}
	*out = f;
	return 0;
}

static int parse_term(struct parser *ps, struct filter **out)
{
	struct filter *f = NULL;
	int err, col;

	if (!peek(ps))
		return fail(ps, ps->tokcol, "expected a filter term, found %s", "end of filter");
	col = ps->tokcol;
	if (++ps->depth > FILTER_DEPTH_MAX)
		return fail(ps, col, "the filter nests too deeply (at most %s levels)",
			    FILTER_DEPTH_MAX_TEXT);
	if (is(ps, "not", "!")) {
		take(ps);
		err = parse_term(ps, &f);
		if (!err && !(*out = node(N_NOT, f, NULL))) {
			filter_free(f);
			err = -ENOMEM;
		}
	} else if (is(ps, "(", NULL)) {
		err = term_group(ps, out);
	} else {
		err = term_simple(ps, out, col);
	}
	ps->depth--;
	return err;
}

static int parse_and(struct parser *ps, struct filter **out)
{
	struct filter *l = NULL, *r = NULL, *n;
	int err = parse_term(ps, &l);

	while (!err) {
		peek(ps);
		if (!ps->tok[0] || is(ps, ")", NULL) || is(ps, "or", "||"))
			break;
		if (is(ps, "and", "&&"))
			take(ps);
		err = parse_term(ps, &r);
		if (err)
			break;
		n = node(N_AND, l, r);
		if (!n) {
			filter_free(r);
			err = -ENOMEM;
			break;
		}
		l = n;
	}
	if (err) {
		filter_free(l);
		return err;
	}
	*out = l;
	return 0;
}

static int parse_or(struct parser *ps, struct filter **out)
{
	struct filter *l = NULL, *r = NULL, *n;
	int err = parse_and(ps, &l);

	while (!err) {
		peek(ps);
		if (!is(ps, "or", "||"))
			break;
		take(ps);
		err = parse_and(ps, &r);
		if (err)
			break;
		n = node(N_OR, l, r);
		if (!n) {
			filter_free(r);
			err = -ENOMEM;
			break;
		}
		l = n;
	}
	if (err) {
		filter_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int filter_parse(const char *text, filter_resolve_fn resolve, void *ctx, struct filter **out,
		 struct filter_error *err)
{
	struct parser ps = {.text = text, .p = text, .resolve = resolve, .ctx = ctx, .err = err};
	int r;

	*out = NULL;
	if (!peek(&ps)) {
		*out = node(N_STATE, NULL, NULL);
		if (!*out)
			return -ENOMEM;
		(*out)->states = ALL_STATES;
		return 0;
	}
	r = parse_or(&ps, out);
	if (r)
		return r;
	if (peek(&ps)) {
		filter_free(*out);
		*out = NULL;
		return fail(&ps, ps.tokcol,
			    "unexpected '%s' (unbalanced ')' or missing 'and'/'or'?)", ps.tok);
	}
	return 0;
}

unsigned filter_sock_retrans(const struct sockdiag_sock *s)
{
	if (s->timer == SOCKDIAG_TIMER_ON)
		return s->retrans;
	return s->has_info ? s->info.retransmits : 0;
}

unsigned filter_sock_probes(const struct sockdiag_sock *s)
{
	if (s->has_info)
		return s->info.probes;
	return s->timer == SOCKDIAG_TIMER_KEEPALIVE || s->timer == SOCKDIAG_TIMER_PERSIST
		   ? s->retrans
		   : 0;
}

int filter_cmp_eval(long long a, enum filter_cmp op, long long b)
{
	switch (op) {
	case FILTER_EQ:
		return a == b;
	case FILTER_NE:
		return a != b;
	case FILTER_LT:
		return a < b;
	case FILTER_LE:
		return a <= b;
	case FILTER_GT:
		return a > b;
	case FILTER_GE:
		return a >= b;
	}
	return 0;
}

static int prefix_eq(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return 0;
	if (!rest)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

static int addr_match(const struct filter *f, const struct sockdiag_sock *s)
{
	const uint8_t *a = f->dst ? s->dst : s->src;
	uint16_t port = f->dst ? s->dport : s->sport;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	int hit = f->naddr == 0;

	for (int i = 0; i < f->naddr && !hit; i++) {
		const struct filter_addr *fa = &f->addr[i];
		int full = fa->family == AF_INET ? 32 : 128;
		int bits = f->plen < 0 ? full : f->plen;

		if (fa->family == s->family)
			hit = prefix_eq(a, fa->bytes, bits);
		else if (fa->family == AF_INET && s->family == AF_INET6 && !memcmp(a, mapped, 12))
			hit = prefix_eq(a + 12, fa->bytes, bits);
	}
	if (hit && f->value >= 0)
		hit = port == f->value;
	return f->cmp == FILTER_NE ? !hit : hit;
}

int filter_match(const struct filter *f, const struct sockdiag_sock *s)
{
	if (!f)
		return 1;
	switch (f->kind) {
	case N_AND:
		return filter_match(f->l, s) && filter_match(f->r, s);
	case N_OR:
		return filter_match(f->l, s) || filter_match(f->r, s);
	case N_NOT:
		return !filter_match(f->l, s);
	case N_STATE:
		return s->state < 32 && (f->states & (1u << s->state));
	case N_PORT:
		if (f->value < 0)
			return 1;
		return filter_cmp_eval(f->dst ? s->dport : s->sport, f->cmp, f->value);
	case N_ADDR:
		return addr_match(f, s);
	case N_FIELD:
		switch (f->field) {
		case F_RQ:
			return filter_cmp_eval(s->rq, f->cmp, f->value);
		case F_WQ:
			return filter_cmp_eval(s->wq, f->cmp, f->value);
		case F_RETRANS:
			return filter_cmp_eval(filter_sock_retrans(s), f->cmp, f->value);
		case F_PROBES:
			return filter_cmp_eval(filter_sock_probes(s), f->cmp, f->value);
		case F_TIMER:
			return filter_cmp_eval(s->timer, f->cmp, f->value);
		case F_EXPIRES:
			return filter_cmp_eval(s->expires_ms, f->cmp, f->value);
		case F_RTT:
			return s->has_info && filter_cmp_eval(s->info.rtt, f->cmp, f->value);
		case F_BYTES_ACKED:
			return s->has_info &&
			       filter_cmp_eval((long long)s->info.bytes_acked, f->cmp, f->value);
		case F_BYTES_RECEIVED:
			return s->has_info &&
			       filter_cmp_eval((long long)s->info.bytes_received, f->cmp, f->value);
		}
		return 0;
	case N_INFO:
		return (filter_info_fields[f->info].need == SOCKDIAG_MEM ? s->has_mem
									 : s->has_info) &&
		       filter_cmp_eval(
			   (long long)filter_info_value(&filter_info_fields[f->info], s), f->cmp,
			   f->value);
	case N_PROTO:
		return s->protocol == f->value;
	}
	return 0;
}
