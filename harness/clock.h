/*
 * clock: the monotonic clock every wait and deadline of netcase reads.
 */
#ifndef NETCASE_CLOCK_H
#define NETCASE_CLOCK_H

#include <math.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, read as nearly together as can be: of
 * a few tries, the one whose two monotonic reads around the wall clock's
 * were closest (a preemption between two reads would skew the pair). */
static inline double clock_real_offset(void)
{
	double best = 0, width = INFINITY;

	for (int i = 0; i < 5; i++) {
		struct timespec rt;
		double m0 = clock_now(), m1;

		clock_gettime(CLOCK_REALTIME, &rt);
		m1 = clock_now();
		if (m1 - m0 < width) {
			width = m1 - m0;
			best = rt.tv_sec + rt.tv_nsec / 1e9 - (m0 + m1) / 2;
		}
	}
	return best;
}

#endif
