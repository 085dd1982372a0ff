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

#include "../lang/timing.h"
#include "../lang/units.h"

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
