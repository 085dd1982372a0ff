/*
 * expect_syntax: the conditions of the kinds of expectation as a case
 * writes them (the part after "expect SUBJECT [within T | throughout T]:"),
 * parsed into struct expectation.  How each kind is observed in a running
 * case is the engine's (harness/expect.h).
 */
#define _GNU_SOURCE
#include "expect_syntax.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture_filter.h"
#include "nearest.h"
#include "timing.h"
#include "units.h"

#define MODES_ALL	     ((1u << EXPECT_ONCE) | (1u << EXPECT_WITHIN) | (1u << EXPECT_THROUGHOUT))
#define MODES_NOT_THROUGHOUT ((1u << EXPECT_ONCE) | (1u << EXPECT_WITHIN))

/* ---- what the kinds share ---- */

int expect_op_parse(struct cur *c, enum filter_cmp *op)
{
	char w[8];
	const char *at;

	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, w, sizeof(w), "a comparison (== != < <= > >=)"))
		return -EINVAL;
	if (!units_op_parse(w, op))
		return 0;
	if (!strcmp(w, "="))
		return caselex_fail(c, at, "use '==' to compare, not '='");
	return caselex_fail(c, at, "expected a comparison (== != < <= > >=), found '%s'", w);
}

/* "OP N" with N from min on, then the end of the statement. */
int expect_op_value(struct cur *c, struct expectation *e, long long min)
{
	int err;

	if ((err = expect_op_parse(c, &e->op)) ||
	    (err = caselex_number(c, &e->value, min, LLONG_MAX, "a number")))
		return err;
	return caselex_need_end(c);
}

/* "since MARK", optional: the mark's index + 1 into *since (0 if absent). */
static int expect_since_parse(struct cur *c, int *since)
{
	char w[32];
	const char *at;
	int mark, err;

	caselex_ws(c);
	*since = 0;
	if (!caselex_peek(c, w, sizeof(w)) || strcmp(w, "since"))
		return 0;
	c->p += strlen("since");
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a mark's name after 'since'")))
		return err;
	if ((mark = caselex_mark_find(c->m, w)) < 0)
		return caselex_fail(c, at,
				    "no mark '%s' before this line (add 'mark %s' where the count "
				    "should begin)",
				    w, w);
	*since = mark + 1;
	return 0;
}

/* "fn(" ... ")" with balanced parentheses; *inner is malloc'd; 1 if absent. */
int expect_call_args(struct cur *c, const char *fn, char **inner, const char **inner_at)
{
	size_t n = strlen(fn);
	int depth = 0;
	const char *s;

	caselex_ws(c);
	if (strncmp(c->p, fn, n) || c->p[n] != '(')
		return 1;
	s = c->p + n + 1;
	for (const char *q = s; *q; q++) {
		if (*q == '(')
			depth++;
		else if (*q == ')' && depth-- == 0) {
			*inner = strndup(s, q - s);
			*inner_at = s;
			c->p = q + 1;
			return *inner ? 0 : -ENOMEM;
		}
	}
	return caselex_fail(c, s - 1, "missing ')' to close %s(", fn);
}

int expect_resolve_host(void *ctx, const char *name, struct filter_addr *out, int max)
{
	const struct topo *t = ctx;
	int h = topo_host_find(t, name), n = 0;
	const char *a;

	if (h < 0)
		return 0;
	for (int it = 0; (a = topo_host_addr_next(t, h, AF_UNSPEC, &it)); n++)
		if (out && n < max) {
			out[n].family = strchr(a, ':') ? AF_INET6 : AF_INET;
			inet_pton(out[n].family, a, out[n].bytes);
		}
	return out && n > max ? max : n;
}

/* count(...), times(...) or gaps(...): which, into e->agg; 1 if none. */
int expect_timing_call(struct cur *c, struct expectation *e, const char *count_fn,
		       const char **inner_at)
{
	int err = expect_call_args(c, count_fn, &e->text, inner_at);

	e->agg = AGG_COUNT;
	if (err == 1 && !(err = expect_call_args(c, "times", &e->text, inner_at)))
		e->agg = AGG_TIMES;
	if (err == 1 && !(err = expect_call_args(c, "gaps", &e->text, inner_at)))
		e->agg = AGG_GAPS;
	e->timing.gaps = e->agg == AGG_GAPS;
	if (!err && e->agg != AGG_COUNT && e->mode == EXPECT_THROUGHOUT)
		return caselex_fail(c, *inner_at,
				    "times and gaps are judged once or within T, not "
				    "throughout");
	return err;
}

/* ---- sockets: count(FILTER) OP N | any(FILTER) | none(FILTER) ---- */

static int sockets_parse(struct cur *c, struct expectation *e)
{
	static const char *const aggs[] = {
	    [AGG_COUNT] = "count", [AGG_ANY] = "any", [AGG_NONE] = "none"};
	struct filter_error fe;
	const char *inner_at;
	int err = 1;

	for (int a = AGG_COUNT; a <= AGG_NONE && err == 1; a++) {
		err = expect_call_args(c, aggs[a], &e->text, &inner_at);
		e->agg = a;
	}
	if (err == 1)
		return caselex_fail(c, c->p,
				    "expected count(FILTER), any(FILTER), none(FILTER) or "
				    "counter NAME");
	if (err)
		return err;
	if (filter_parse(e->text, expect_resolve_host, &c->m->topo, &e->filter, &fe))
		return caselex_fail(c, inner_at + fe.col - 1, "%s", fe.msg);
	if (e->agg == AGG_COUNT)
		return expect_op_value(c, e, 0);
	return caselex_need_end(c);
}

/* ---- counter NAME [since MARK] OP N | OP [F *] [HOST:]NAME [since MARK] ---- */

/* A counter's name: nstat's, which begin with a capital. */
static int counter_name(struct cur *c, const char *at, const char *w, char **out)
{
	if (!isupper((unsigned char)w[0]))
		return caselex_fail(c, at,
				    "'%s' is not a counter name (nstat names such as "
				    "TcpExtListenOverflows)",
				    w);
	*out = strdup(w);
	return *out ? 0 : -ENOMEM;
}

/* The right side of a comparison between counters: "[F *] [HOST:]NAME
 * [since MARK]", with the expectation's host when none is named. */
static int counter_rhs(struct cur *c, struct expectation *e)
{
	char w[96], *colon, *end;
	const char *at;
	int err;

	e->factor = 1;
	caselex_ws(c);
	at = c->p;
	caselex_peek(c, w, sizeof(w));
	if (isdigit((unsigned char)w[0]) || w[0] == '.') {
		e->factor = strtod(w, &end);
		if (*end || !(e->factor > 0) || e->factor > 1e9)
			return caselex_fail(c, at,
					    "expected a factor above 0 (3 * NAME), found '%s'", w);
		c->p += strlen(w);
		caselex_ws(c);
		if (*c->p != '*')
			return caselex_fail(c, c->p, "expected '*' after the factor %s", w);
		c->p++;
		caselex_ws(c);
		at = c->p;
	}
	if ((err = caselex_word(c, w, sizeof(w), "a counter ([HOST:]NAME)")))
		return err;
	e->rhs.host = e->host;
	if ((colon = strchr(w, ':'))) {
		*colon = '\0';
		char hint[96];
		if ((e->rhs.host = topo_host_find(&c->m->topo, w)) < 0)
			return caselex_fail(
			    c, at, "unknown host '%s'%s (HOST:NAME)", w,
			    caselex_hint(c->m, w, CASELEX_HOSTS, hint, sizeof(hint)));
	}
	if ((err = counter_name(c, colon ? at + (colon + 1 - w) : at, colon ? colon + 1 : w,
				&e->rhs.name)) ||
	    (err = expect_since_parse(c, &e->rhs.since)))
		return err;
	return caselex_need_end(c);
}

static int counter_parse(struct cur *c, struct expectation *e)
{
	char w[64];
	const char *at;
	int err;

	caselex_ws(c);
	c->p += strlen("counter");
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a counter name (TcpExtListenOverflows)")) ||
	    (err = counter_name(c, at, w, &e->text)) || (err = expect_since_parse(c, &e->since)) ||
	    (err = expect_op_parse(c, &e->op)))
		return err;
	caselex_ws(c);
	if (isdigit((unsigned char)*c->p) || *c->p == '-') {
		const char *num = c->p;
		caselex_peek(c, w, sizeof(w));
		/* "3 * NAME" and "0.5 * NAME" are factors; a lone number is the value */
		const char *after = c->p + strlen(w);
		while (*after == ' ' || *after == '\t')
			after++;
		if (*after != '*') {
			if (strspn(w + (w[0] == '-'), "0123456789") != strlen(w + (w[0] == '-')))
				return caselex_fail(c, num,
						    "expected a number, or a factor and '*' (%s * "
						    "NAME), found '%s'",
						    w, w);
			if ((err = caselex_number(c, &e->value, LLONG_MIN, LLONG_MAX, "a number")))
				return err;
			return caselex_need_end(c);
		}
		c->p = num;
	}
	return counter_rhs(c, e);
}

/* ---- packets A B: count(PCAP-FILTER) OP N ---- */

static int packets_parse(struct cur *c, struct expectation *e)
{
	const char *inner_at;
	char why[256];
	int err = expect_call_args(c, "flows", &e->text, &inner_at);

	if (!err)
		e->agg = AGG_FLOWS;
	else if (err == 1)
		err = expect_timing_call(c, e, "count", &inner_at);
	if (err == 1)
		return caselex_fail(c, c->p,
				    "expected count(PCAP-FILTER), flows(PCAP-FILTER), "
				    "times(PCAP-FILTER) or gaps(PCAP-FILTER)");
	if (err)
		return err;
	if (capture_filter_compile(&c->m->topo, e->text, why, sizeof(why)))
		return caselex_fail(c, inner_at, "bad packet filter: %s", why);
	if (e->agg == AGG_TIMES || e->agg == AGG_GAPS)
		return timing_parse(c, &e->timing);
	if ((err = expect_since_parse(c, &e->since)))
		return err;
	return expect_op_value(c, e, 0);
}

/* ---- NAME exits: ok | error ERRNO | status N | signal SIG ---- */

static int exits_parse(struct cur *c, struct expectation *e)
{
	char w[64];
	const char *at;
	long long v;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "ok, error ERRNO, status N or signal SIG")))
		return err;
	if (!strcmp(w, "ok")) {
		e->exit_want = EXIT_OK;
	} else if (!strcmp(w, "error")) {
		e->exit_want = EXIT_ERROR;
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_word(c, w, sizeof(w), "an errno name (ECONNRESET, ETIMEDOUT)")))
			return err;
		e->exit_errno = units_errno_parse(w);
		if (e->exit_errno <= 0) {
			struct nearest nr;
			char hint[96];
			nearest_init(&nr, w);
			for (unsigned i = 0; units_errno_name_at(i); i++)
				nearest_try(&nr, units_errno_name_at(i));
			return caselex_fail(c, at,
					    "unknown errno name '%s'%s (ECONNRESET, ETIMEDOUT, "
					    "ECONNREFUSED, EPIPE, EHOSTUNREACH, ...)",
					    w, nearest_hint(&nr, hint, sizeof(hint)));
		}
	} else if (!strcmp(w, "status")) {
		e->exit_want = EXIT_STATUS;
		if ((err = caselex_number(c, &v, 0, 255, "an exit status from 0 to 255")))
			return err;
		e->exit_status = (int)v;
	} else if (!strcmp(w, "signal")) {
		e->exit_want = EXIT_SIGNAL;
		if ((err = caselex_signal(c, &e->exit_status)))
			return err;
	} else {
		return caselex_fail(
		    c, at, "expected ok, error ERRNO, status N or signal SIG, found '%s'", w);
	}
	return caselex_need_end(c);
}

/* Limits that keep regcomp() in a few MiB and well inside the stack. */
#define EXPECT_REGEX_DEPTH 100
#define EXPECT_REGEX_SIZE  10000

/* "/REGEX/" with \/ for a slash, into e->text; compiled once to check it. */
static int prints_regex(struct cur *c, struct expectation *e)
{
	const char *at = c->p, *q = c->p + 1;
	char *out = malloc(strlen(c->p) + 1), why[256];
	size_t n = 0;
	regex_t re;
	int err;

	if (!out)
		return -ENOMEM;
	for (; *q && *q != '/'; q++)
		out[n++] = *q == '\\' && q[1] == '/' ? *++q : *q;
	out[n] = '\0';
	e->text = out;
	if (*q != '/')
		return caselex_fail(c, at, "unterminated /REGEX/ (a slash inside is \\/)");
	c->p = q + 1;
	err = units_regex_bounded(out, EXPECT_REGEX_DEPTH, EXPECT_REGEX_SIZE);
	if (err == -ELOOP)
		return caselex_fail(c, at, "regular expression nests groups deeper than %d",
				    EXPECT_REGEX_DEPTH);
	if (err == -EDOM)
		return caselex_fail(c, at,
				    "regular expression repeats what can already match the empty "
				    "string (as in (a*)*, a??, (x|)+ or ^*): regcomp() may take "
				    "exponential time; drop the extra operator");
	if (err)
		return caselex_fail(c, at,
				    "regular expression too large: its repetitions expand to more "
				    "than %d copies (nested {N} bounds multiply), or more than %d "
				    "of what can match the empty string (anchors, starred atoms, "
				    "empty groups), or a group has more than %d alternatives",
				    EXPECT_REGEX_SIZE, EXPECT_REGEX_SIZE / 100, UNITS_REGEX_ALTS);
	err = regcomp(&re, out, REG_EXTENDED | REG_NOSUB);
	if (err) {
		regerror(err, &re, why, sizeof(why));
		return caselex_fail(c, at, "bad regular expression: %s", why);
	}
	regfree(&re);
	e->regex = 1;
	return 0;
}

static int prints_parse(struct cur *c, struct expectation *e)
{
	int err;

	caselex_ws(c);
	if (*c->p == '/')
		err = prints_regex(c, e);
	else if (*c->p == '"')
		err = caselex_text(c, &e->text, "the text");
	else
		err = caselex_fail(c, c->p, "expected \"TEXT\" or /REGEX/");
	return err ? err : caselex_need_end(c);
}

/* ---- rule NAME: matched OP N ---- */

static int rule_parse(struct cur *c, struct expectation *e)
{
	char w[32];
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "'matched'")))
		return err;
	if (strcmp(w, "matched"))
		return caselex_fail(c, at, "expected 'matched' (expect rule NAME: matched OP N)");
	return expect_op_value(c, e, 0);
}

/* ---- NAME running ---- */

static int running_parse(struct cur *c, struct expectation *e)
{
	return caselex_need_end(c);
}

/* ---- NAME connected [within T | between T1 and T2] ---- */

static int connected_parse(struct cur *c, struct expectation *e)
{
	const struct actor_spec *a = &c->m->actors[e->actor];

	if (a->kind != ACTOR_CONNECT)
		return caselex_fail(c, c->line,
				    "'%s' is not a connect actor ('connected' is for connect "
				    "actors)",
				    a->name);
	return caselex_need_end(c);
}

/* ---- the kernel's own record: history(FILTER) == | includes STATE ..., events(...) OP N ---- */

/* The states after "==" or "includes", to the end of the statement. */
static int history_states(struct cur *c, struct expectation *e)
{
	char w[32];
	const char *at;
	int st, err;

	caselex_ws(c);
	if (!strncmp(c->p, "==", 2) && strchr(" \t", c->p[2]))
		c->p += 2;
	else if (!strncmp(c->p, "includes", 8) && strchr(" \t", c->p[8])) {
		c->p += 8;
		e->includes = 1;
	} else
		return caselex_fail(c, c->p, "expected '==' or 'includes' after history(...)");
	while (!caselex_at_end(c)) {
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_word(c, w, sizeof(w), "a state")))
			return err;
		st = units_tcp_state_parse(w);
		if (st < 0)
			return caselex_fail(
			    c, at,
			    "unknown state '%s' (syn-sent, syn-recv, established, "
			    "fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, "
			    "closing, listening, closed)",
			    w);
		if (e->nstates == (int)sizeof(e->states))
			return caselex_fail(c, at, "at most %d states in a history",
					    (int)sizeof(e->states));
		e->states[e->nstates++] = (unsigned char)st;
	}
	if (!e->nstates)
		return caselex_fail(c, c->p, "expected the states of the history");
	return 0;
}

static int parse_filter(struct cur *c, struct expectation *e, const char *text, const char *at)
{
	struct filter_error fe;

	if (filter_parse(text, expect_resolve_host, &c->m->topo, &e->filter, &fe))
		return caselex_fail(c, at + fe.col - 1, "%s", fe.msg);
	return 0;
}

static int history_parse(struct cur *c, struct expectation *e)
{
	const char *inner_at;
	int err = expect_call_args(c, "history", &e->text, &inner_at);

	if (err)
		return err == 1 ? caselex_fail(c, c->p, "expected history(FILTER)") : err;
	if ((err = parse_filter(c, e, e->text, inner_at)))
		return err;
	return history_states(c, e);
}

/* A drop reason as the kernel spells it: NO_SOCKET, TCP_OLD_SEQUENCE. */
static int is_reason(const char *w)
{
	if (!isupper((unsigned char)*w))
		return 0;
	for (; *w; w++)
		if (!isupper((unsigned char)*w) && !isdigit((unsigned char)*w) && *w != '_')
			return 0;
	return 1;
}

/* "KIND [STATE|REASON] [and FILTER]" inside events(...). */
static int events_inner(struct cur *c, struct expectation *e, const char *at)
{
	const char *p = e->text, *w0;
	char w[64];
	size_t n;
	int kind;

	p += strspn(p, " \t");
	w0 = p;
	n = strcspn(p, " \t");
	snprintf(w, sizeof(w), "%.*s", (int)n, p);
	if ((kind = units_event_parse(w)) < 0)
		return caselex_fail(c, at + (w0 - e->text), "unknown event kind '%s' (%s)", w,
				    units_event_names);
	e->ev_kind = kind;
	p += n;
	p += strspn(p, " \t");
	n = strcspn(p, " \t");
	snprintf(w, sizeof(w), "%.*s", (int)(n < sizeof(w) ? n : sizeof(w) - 1), p);
	if (e->ev_kind == KEV_STATE) {
		e->ev_state = units_tcp_state_parse(w);
		if (e->ev_state < 0)
			return caselex_fail(
			    c, at + (p - e->text),
			    "expected a state after 'state' (syn-sent, established, "
			    "...), found '%s'",
			    w);
		p += n;
	} else if (e->ev_kind == KEV_DROP && n && is_reason(w)) {
		snprintf(e->ev_reason, sizeof(e->ev_reason), "%s", w);
		p += n;
	}
	p += strspn(p, " \t");
	if (!*p)
		return 0;
	if (strncmp(p, "and", 3) || (p[3] != ' ' && p[3] != '\t'))
		return caselex_fail(c, at + (p - e->text), "expected 'and FILTER' after the kind");
	p += 4;
	return parse_filter(c, e, p, at + (p - e->text));
}

static int events_parse(struct cur *c, struct expectation *e)
{
	const char *inner_at;
	int err = expect_timing_call(c, e, "events", &inner_at);

	if (err)
		return err == 1
			   ? caselex_fail(c, c->p,
					  "expected events(KIND [and FILTER]), times(KIND [and "
					  "FILTER]) or gaps(KIND [and FILTER])")
			   : err;
	if ((err = events_inner(c, e, inner_at)))
		return err;
	if (e->agg != AGG_COUNT)
		return timing_parse(c, &e->timing);
	if ((err = expect_since_parse(c, &e->since)))
		return err;
	return expect_op_value(c, e, 0);
}

static const struct expect_syntax syntax[EXPECT_KINDS] = {
    [EXPECT_SOCKETS] = {"socket", MODES_ALL, COLON_REQUIRED, sockets_parse},
    [EXPECT_COUNTER] = {"counter", MODES_NOT_THROUGHOUT, COLON_OPTIONAL, counter_parse},
    [EXPECT_PACKETS] = {"packet", MODES_ALL, COLON_REQUIRED, packets_parse},
    [EXPECT_EXITS] = {"exit", MODES_NOT_THROUGHOUT, COLON_REQUIRED, exits_parse},
    [EXPECT_PRINTS] = {"prints", MODES_NOT_THROUGHOUT, COLON_REQUIRED, prints_parse},
    [EXPECT_RULE] = {"rule", MODES_ALL, COLON_REQUIRED, rule_parse},
    [EXPECT_RUNNING] = {"running", 1u << EXPECT_ONCE, COLON_NONE, running_parse},
    [EXPECT_HISTORY] = {"history", MODES_NOT_THROUGHOUT, COLON_REQUIRED, history_parse},
    [EXPECT_EVENTS] = {"events", MODES_ALL, COLON_REQUIRED, events_parse},
    [EXPECT_CONNECTED] = {"connected", MODES_NOT_THROUGHOUT, COLON_NONE, connected_parse},
};

const struct expect_syntax *expect_syntax_of(enum expect_kind kind)
{
	return (unsigned)kind < EXPECT_KINDS ? &syntax[kind] : NULL;
}
