/*
 * clock: the monotonic clock every wait and deadline of netcase reads.
 */
#ifndef NETCASE_CLOCK_H
#define NETCASE_CLOCK_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
