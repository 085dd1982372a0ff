#define _GNU_SOURCE
#include "timing.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* One entry: a duration, "xN" with N > 0, or "*" (any gap). */
static int entry(struct cur *c, struct timing *t)
{
	const char *at;
	char w[32], *end;
	unsigned ms;
	double f;

	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, w, sizeof(w), "a time (1s, 200ms), a ratio (x2) or *"))
		return -EINVAL;
	if (t->n == TIMING_MAX)
		return caselex_fail(c, at, "at most %d times", TIMING_MAX);
	if (!strcmp(w, "*")) {
		if (!t->gaps)
			return caselex_fail(c, at, "'*' is any gap: gaps(...) == * x2 x2");
		t->any[t->n] = 1;
		t->v[t->n++] = 0;
		return 0;
	}
	if (w[0] == 'x') {
		f = strtod(w + 1, &end);
		if (end == w + 1 || *end || !(f > 0) || f > 1000)
			return caselex_fail(c, at, "expected a ratio like x2, found '%s'", w);
		if (!t->gaps || !t->n)
			return caselex_fail(c, at, "a ratio (%s) follows a gap: gaps(...) == 1s %s",
					    w, w);
		t->ratio[t->n] = 1;
		t->v[t->n++] = f;
		return 0;
	}
	if (units_duration_parse(w, &ms))
		return caselex_fail(c, at,
				    "expected a time (1s, 200ms) or a ratio (x2), found '%s'", w);
	t->v[t->n++] = ms / 1000.0;
	return 0;
}

int timing_parse(struct cur *c, struct timing *t)
{
	enum filter_cmp op;
	const char *at;
	char w[8];
	int err;

	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, w, sizeof(w), "'=='"))
		return -EINVAL;
	if (units_op_parse(w, &op) || op != FILTER_EQ)
		return caselex_fail(c, at, "times and gaps are compared with '==', found '%s'", w);
	t->n = 0;
	do {
		if ((err = entry(c, t)))
			return err;
	} while (!caselex_at_end(c));
	if (!t->gaps && t->v[0] != 0)
		return caselex_fail(c, at,
				    "times are counted from the first match: the first is 0s");
	for (int i = 1; !t->gaps && i < t->n; i++)
		if (t->v[i] < t->v[i - 1])
			return caselex_fail(c, at, "times must not go back (%.3fs after %.3fs)",
					    t->v[i], t->v[i - 1]);
	return 0;
}

int timing_wanted(const struct timing *t)
{
	return t->gaps ? t->n + 1 : t->n;
}

static double tolerance(const struct timing_tol *tol, double gap)
{
	double d = tol->frac * fabs(gap);

	return (d > tol->abs ? d : tol->abs) * tol->widen;
}

int timing_judge(const struct timing *t, const struct timing_tol *tol, const double *s, int ns,
		 char *why, size_t len)
{
	int want = timing_wanted(t);

	for (int i = 1; i < ns && i < want; i++) {
		if (t->gaps && t->any[i - 1])
			continue; /* any gap: the next ratio is judged against it */
		/* the expected gap before match i, and its expected time */
		double gap =
		    t->gaps ? (t->ratio[i - 1] ? t->v[i - 1] * (i >= 2 ? s[i - 1] - s[i - 2] : 0)
					       : t->v[i - 1])
			    : t->v[i] - t->v[i - 1];
		double expect = s[i - 1] + gap, d = tolerance(tol, gap);

		if (fabs(s[i] - expect) <= d)
			continue;
		snprintf(why, len,
			 "match %d expected at %.3fs (%.3fs after the one before), happened at "
			 "%.3fs; tolerance %.3fs",
			 i + 1, expect, gap, s[i], d);
		return 0;
	}
	if (ns == want) {
		snprintf(why, len, "%d matches at the times wanted", ns);
		return 1;
	}
	if (ns < want)
		snprintf(why, len, "%d match%s of the %d wanted", ns, ns == 1 ? "" : "es", want);
	else
		snprintf(why, len, "%d matches where %d were wanted: one more at %.3fs", ns, want,
			 s[want]);
	return 0;
}

void timing_format(const struct timing *t, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->n && n < len; i++) {
		int k = t->any[i]     ? snprintf(buf + n, len - n, "%s*", i ? " " : "")
			: t->ratio[i] ? snprintf(buf + n, len - n, "%sx%g", i ? " " : "", t->v[i])
				      : snprintf(buf + n, len - n, "%s%gs", i ? " " : "", t->v[i]);
		n += k > 0 ? (size_t)k : 0;
	}
}
