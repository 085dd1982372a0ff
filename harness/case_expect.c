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

#include "capture.h"
#include "units.h"

static int op_parse(struct cur *c, enum filter_cmp *op)
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


/* "fn(" ... ")" with balanced parentheses; *inner is malloc'd. */
static int call_args(struct cur *c, const char *fn, char **inner, const char **inner_at)
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

static int resolve_host(void *ctx, const char *name, struct filter_addr *out, int max)
{
	const struct topo *t = ctx;
	int h = topo_host_find(t, name), n = 0;

	if (h < 0)
		return 0;
	for (int l = 0; l < t->nlinks && n + 1 < max; l++) {
		int s = topo_link_side(t, l, h);
		if (s < 0)
			continue;
		out[n].family = AF_INET;
		inet_pton(AF_INET, t->links[l].v4[s], out[n++].bytes);
		out[n].family = AF_INET6;
		inet_pton(AF_INET6, t->links[l].v6[s], out[n++].bytes);
	}
	return n;
}

static int expect_mode(struct cur *c, struct expectation *e, int *colon)
{
	char w[32];

	caselex_peek(c, w, sizeof(w));
	caselex_strip_colon(w);
	if (!strcmp(w, "within") || !strcmp(w, "throughout")) {
		e->mode = w[0] == 'w' ? EXPECT_WITHIN : EXPECT_THROUGHOUT;
		c->p += strlen(w);
		return caselex_duration(c, &e->duration_ms, colon);
	}
	return 0;
}

static int need_colon(struct cur *c, int had)
{
	if (had)
		return 0;
	caselex_ws(c);
	if (*c->p != ':')
		return caselex_fail(c, c->p, "expected ':' before the condition");
	c->p++;
	return 0;
}

static int counter_tail(struct cur *c, struct expectation *e, const char *at)
{
	char w[64];
	int err;

	c->p += strlen("counter");
	e->kind = EXPECT_COUNTER;
	if (e->mode == EXPECT_THROUGHOUT)
		return caselex_fail(c, at, "counter expectations take 'within', not 'throughout'");
	caselex_ws(c);
	const char *nat = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a counter name (TcpExtListenOverflows)")))
		return err;
	if (!isupper((unsigned char)w[0]))
		return caselex_fail(c, nat,
				    "'%s' is not a counter name (nstat names such as "
				    "TcpExtListenOverflows)",
				    w);
	e->text = strdup(w);
	if ((err = op_parse(c, &e->op)) ||
	    (err = caselex_number(c, &e->value, LLONG_MIN, LLONG_MAX, "a number")))
		return err;
	return caselex_need_end(c);
}

int case_expect_parse(struct cur *c)
{
	struct case_model *m = c->m;
	struct step *s = caselex_step(c, STEP_EXPECT);
	struct expectation *e;
	char w[64], w2[32];
	const char *at;
	int err, colon = 0;

	if (!s)
		return -ENOMEM;
	e = &s->expect;
	e->host = e->link = e->actor = -1;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a host, an actor or 'packets'")))
		return err;
	colon = caselex_strip_colon(w);
	if (!strcmp(w, "packets") && !colon) {
		int a, b;
		const char *inner_at, *lat;
		char *pf = NULL;
		e->kind = EXPECT_PACKETS;
		caselex_ws(c);
		lat = c->p;
		if ((err = caselex_host(c, &a, 0, NULL)) || (err = caselex_host(c, &b, 1, &colon)))
			return err;
		e->link = topo_link_find(&m->topo, a, b);
		if (e->link < 0)
			return caselex_fail(c, lat, "no link between these hosts to capture");
		if (!colon && (err = expect_mode(c, e, &colon)))
			return err;
		if (e->mode == EXPECT_THROUGHOUT)
			return caselex_fail(c, lat,
					    "packet expectations take 'within', not 'throughout'");
		if ((err = need_colon(c, colon)))
			return err;
		err = call_args(c, "count", &e->text, &inner_at);
		if (err == 1)
			return caselex_fail(c, c->p, "expected count(PCAP-FILTER)");
		if (err)
			return err;
		char why[256];
		int captured = 0;
		for (int i = 0; i < m->nsteps; i++)
			captured |=
			    m->steps[i].kind == STEP_CAPTURE &&
			    topo_link_find(&m->topo, m->steps[i].host, m->steps[i].peer) == e->link;
		if (!captured)
			return caselex_fail(
			    c, lat, "that link is not captured (add 'capture %s %s' before)",
			    m->topo.hosts[a].name, m->topo.hosts[b].name);
		if (capture_filter_compile(&m->topo, e->link, e->text, &pf, why, sizeof(why))) {
			free(pf);
			return caselex_fail(c, inner_at, "bad packet filter: %s", why);
		}
		free(pf);
		if ((err = op_parse(c, &e->op)) ||
		    (err = caselex_number(c, &e->value, 0, LLONG_MAX, "a number")))
			return err;
		return caselex_need_end(c);
	}
	int actor = colon ? -1 : caselex_actor_find(m, w);
	caselex_peek(c, w2, sizeof(w2));
	if (actor >= 0 &&
	    (!strcmp(w2, "exits") || !strcmp(w2, "running") || !strcmp(w2, "exits:"))) {
		e->actor = actor;
		if (!strcmp(w2, "running")) {
			e->kind = EXPECT_RUNNING;
			c->p += strlen(w2);
			return caselex_need_end(c);
		}
		e->kind = EXPECT_EXITS;
		c->p += strlen(w2);
		colon = w2[strlen(w2) - 1] == ':';
		if (!colon && (err = expect_mode(c, e, &colon)))
			return err;
		if (e->mode == EXPECT_THROUGHOUT)
			return caselex_fail(c, at,
					    "exit expectations take 'within', not 'throughout'");
		if ((err = need_colon(c, colon)))
			return err;
		caselex_ws(c);
		at = c->p;
		if ((err =
			 caselex_word(c, w, sizeof(w), "ok, error ERRNO, status N or signal SIG")))
			return err;
		if (!strcmp(w, "ok")) {
			e->exit_want = EXIT_OK;
		} else if (!strcmp(w, "error")) {
			e->exit_want = EXIT_ERROR;
			caselex_ws(c);
			at = c->p;
			if ((err = caselex_word(c, w, sizeof(w),
						"an errno name (ECONNRESET, ETIMEDOUT)")))
				return err;
			e->exit_errno = units_errno_parse(w);
			if (e->exit_errno <= 0)
				return caselex_fail(
				    c, at,
				    "unknown errno name '%s' (ECONNRESET, ETIMEDOUT, "
				    "ECONNREFUSED, EPIPE, EHOSTUNREACH, ...)",
				    w);
		} else if (!strcmp(w, "status")) {
			long long v;
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
			    c, at, "expected ok, error ERRNO, status N or signal SIG, found '%s'",
			    w);
		}
		return caselex_need_end(c);
	}
	e->host = topo_host_find(&m->topo, w);
	if (e->host < 0)
		return caselex_fail(c, at, "unknown host or actor '%s'", w);
	if (!colon && (err = expect_mode(c, e, &colon)))
		return err;
	/* "expect H counter N OP V", with or without a colon before counter */
	caselex_peek(c, w2, sizeof(w2));
	if (strcmp(w2, "counter") && (err = need_colon(c, colon)))
		return err;
	caselex_peek(c, w2, sizeof(w2));
	if (!strcmp(w2, "counter"))
		return counter_tail(c, e, at);
	e->kind = EXPECT_SOCKETS;
	const char *inner_at;
	if (!(err = call_args(c, "count", &e->text, &inner_at))) {
		e->agg = AGG_COUNT;
	} else if (err == 1 && !(err = call_args(c, "any", &e->text, &inner_at))) {
		e->agg = AGG_ANY;
	} else if (err == 1 && !(err = call_args(c, "none", &e->text, &inner_at))) {
		e->agg = AGG_NONE;
	}
	if (err == 1)
		return caselex_fail(c, c->p,
				    "expected count(FILTER), any(FILTER), none(FILTER) or "
				    "counter NAME");
	if (err)
		return err;
	struct filter_error fe;
	if (filter_parse(e->text, resolve_host, &m->topo, &e->filter, &fe))
		return caselex_fail(c, inner_at + fe.col - 1, "%s", fe.msg);
	if (e->agg == AGG_COUNT) {
		if ((err = op_parse(c, &e->op)) ||
		    (err = caselex_number(c, &e->value, 0, LLONG_MAX, "a number")))
			return err;
	}
	return caselex_need_end(c);
}

/* ---- rules, impairments, the middlebox ---- */
