/*
 * watch: the polling observer of a running case.  Every tick (TICK_MS) it
 * reaps the actors that ended, reads their reports, and logs each socket
 * that appeared, changed state or vanished on any host since the last
 * look (socket diag), onto the timeline and the ladder page.  What lasts
 * less than a tick is not seen: the timeline says "sampled".
 */
#ifndef NETCASE_WATCH_H
#define NETCASE_WATCH_H

#include "run.h"

/* Reap ended actors and read pending reports from the live ones. */
void watch_actors(struct run *r);

/* Log every socket change on every host since the last call. */
void watch_sockets(struct run *r);

/* One tick of the timeline clock: watch, then wait TICK_MS (or mark the
 * case timed out at its deadline). */
/* Read the kernel's events written since the last look (if observed):
 * into the run's record, events.log and the timeline. */
void watch_kernel(struct run *r);

/* Everything above, once. */
void watch_observe(struct run *r);

void watch_tick(struct run *r);

#endif
