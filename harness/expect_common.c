/*
 * expect_common: what the kinds of expectation share (expect.c and
 * expect_kernel.c): the comparison, "fn(...)" arguments, host names in
 * filters, the count/times/gaps call and the timing judge.
 */
#define _GNU_SOURCE
#include "expect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing.h"
#include "units.h"

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

void expect_timing_judge(struct run *r, const struct expectation *e, const double *s, int n,
			 struct obs *ob)
{
	struct timing_tol tol = {r->m->tol_abs, r->m->tol_frac, r->slow};
	char why[200];

	ob->value = n;
	ob->ok = timing_judge(&e->timing, &tol, s, n, why, sizeof(why));
	snprintf(ob->text, sizeof(ob->text), "%s", why);
	if (ob->ok && n)
		ob->stamp = s[n - 1];
}
