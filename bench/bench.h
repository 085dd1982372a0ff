/*
 * bench: what the benchmark programs share - a clock in milliseconds and
 * the median of a sample.
 */
#ifndef NETCASE_BENCH_H
#define NETCASE_BENCH_H

#include <stdlib.h>

#include "../harness/clock.h"

static inline double bench_now_ms(void)
{
	return clock_now() * 1e3;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n-1] (sorts v). */
static inline double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
