/*
 * watch: the observer of a running case, and the one loop every wait of the
 * timeline goes through (an expectation, a sleep, a listener getting ready).
 * Each round it reaps the actors that ended, reads their reports and the
 * kernel's events, and logs each socket that appeared, changed state or
 * vanished on the hosts where sockets are watched, onto the timeline and
 * the ladder page; then it sleeps until the kernel or an actor has
 * something to say, TICK_MS at most.  Without the kernel's events, socket
 * states are samples: what lasts less than a round is not seen, and the
 * timeline says "sampled".  With them, a host's sockets are dumped only
 * after an event there (or while it holds mini-sockets), so a round costs
 * the same in a line of 200 hosts as in a pair.
 */
#ifndef NETCASE_WATCH_H
#define NETCASE_WATCH_H

#include "run.h"

/* Reap ended actors and read pending reports from the live ones. */
void watch_actors(struct run *r);

/* Log every socket change on the watched hosts since the last call. */
void watch_sockets(struct run *r);

/* Read the kernel's events written since the last look (if observed):
 * into the run's record, events.log and the timeline. */
void watch_kernel(struct run *r);

/*
 * Whether a host's kernel counted more retransmitted segments that went out
 * (TcpRetransSegs less TcpExtTCPRetransFail) than the record holds, once
 * the ring buffer had WATCH_CATCHUP_MS to deliver those in flight: then
 * why says which host and how many, and 1 is returned.  Measured on 6.18
 * under load: about one run in 40 of timing/rto-doubling at -j 8 loses one
 * retransmission's tcp_retransmit_skb event (and at times the receiver's
 * kfree_skb of the same packet), and bpftrace's own tracepoint probe loses
 * the same one - a loss before any probe runs, which only the counter shows.
 */
#define WATCH_CATCHUP_MS 500
int watch_record_short(struct run *r, char *why, size_t len);

/* Everything above, once. */
void watch_observe(struct run *r);

/* Asked after each round: 0 to go on, anything else to stop with it. */
typedef int (*watch_done_fn)(struct run *r, void *ctx);

/*
 * Observe round after round until done (may be NULL) returns non-zero,
 * the time end (CLOCK_MONOTONIC seconds) has come, or the case's deadline
 * (then r->timed_out is set).  There is always one round, so an end in the
 * past observes once.  Returns done's last value (0 at the end).
 */
int watch_until(struct run *r, double end, watch_done_fn done, void *ctx);

#endif
