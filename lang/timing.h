/*
 * timing: assertions on when things happened, in the spirit of
 * packetdrill's "+1.0~+1.2" (netcase.case(5), "Timing assertions").
 *
 *   times(...) == 0s 1s 3s      each match's time after the first match
 *   gaps(...) == 1s 2s 4s       each gap between successive matches
 *   gaps(...) == 200ms x2 x2    a gap N times the gap observed before it
 *   gaps(...) == * x2 x2        any first gap (the live RTO), then doubling
 *
 * An expected time E is met by an observed one within its tolerance: the
 * larger of abs and frac times the expected gap (packetdrill: 4 ms and
 * 12.5%, the timer wheel's worst case), times a widening factor.  Pure:
 * the observed stamps come from the caller.
 */
#ifndef NETCASE_TIMING_H
#define NETCASE_TIMING_H

#include <stddef.h>

#include "case.h"
#include "caselex.h"

/* The tolerance rule: abs seconds or frac of the expected gap, times widen. */
struct timing_tol {
	double abs, frac, widen;
};

#define TIMING_TOL_DEFAULT ((struct timing_tol){0.004, 0.125, 1})

/* "== E E ..." to the end of the statement; 0 or -EINVAL (error at c). */
int timing_parse(struct cur *c, struct timing *t);

/* The matches that t wants (gaps: one more than its entries). */
int timing_wanted(const struct timing *t);

/*
 * Judge the stamps s[0..ns) (seconds, ascending) against t: 1 when they
 * meet it; 0 otherwise, with what is wrong in why ("match 3 expected at
 * 2.000s (1.000s after the one before), happened at 2.300s; tolerance
 * 0.125s", or too few / too many matches).
 */
int timing_judge(const struct timing *t, const struct timing_tol *tol, const double *s, int ns,
		 char *why, size_t len);

/* t as written ("1s 2s x2"), for messages. */
void timing_format(const struct timing *t, char *buf, size_t len);

#endif
