/*
 * relay: impairments in user space, on every kernel.  A link the case
 * impairs through the relay is built with a namespace of its own in its
 * middle (harness/topo_build.h): each host's end is paired with an end in
 * the relay's namespace, and the relay - a process under the supervisor,
 * like an actor - moves every Ethernet frame from one of its ends to the
 * other over AF_PACKET, so the link stays one L2 segment (addresses, MACs,
 * neighbour entries, captures on the hosts' ends as they were).
 *
 * Until told otherwise it passes every frame at once.  `impair` sets one
 * direction's delay, jitter (uniform), loss, duplication, reordering
 * (sent at once, ahead of the delayed), corruption (one bit after the IP
 * header), rate and queue limit.  Each decision is drawn from a PRNG keyed
 * on what stays the same from run to run: (seed, direction, the flow's
 * order of appearance, the TCP sequence and acknowledgement numbers
 * relative to each side's first, the length, the flags, and how many
 * times that key was seen) - never on ports, initial sequence numbers or
 * times - so a seeded case drops the same segments every run.  Every
 * decision is a line of its log; a frame released later than it was due
 * by more than the lateness budget is reported to the supervisor.
 */
#ifndef NETCASE_RELAY_H
#define NETCASE_RELAY_H

#include <stdint.h>
#include <sys/types.h>

#include "../lang/case.h"

/* The relay's ends in its namespace: end 0 is paired with the link's host
 * a, end 1 with host b.  Direction 0 moves frames from a to b. */
#define RELAY_END_A "ra"
#define RELAY_END_B "rb"

/* SCHED_FIFO priority of a relay: above every normal task, below the
 * kernel's own real-time threads (50 for threaded interrupts). */
#define RELAY_RT_PRIORITY 10

struct relay_run {
	pid_t pid;
	int ctl; /* the supervisor's end of the control socket, -1 when done */
	int exited;
	char event[160]; /* the last report: "ready real-time", "impairing 0", ... */
	char error[160]; /* its first "error ..." report, or "" */
	char late[160];	 /* its "late ..." report (once, over the budget), or "" */
	double late_ms;	 /* how late that release was */
};

/*
 * Fork the relay into namespace ns (its two ends up, offloads off).  t0:
 * the case's start (CLOCK_MONOTONIC seconds), for the log's times; log_fd:
 * where its decisions go (a file of the evidence; the relay writes, the
 * caller keeps its own descriptor).  Returns once the relay's ends are
 * open (it passes every frame from then on); 0 or -errno.
 */
int relay_spawn(int ns, double t0, int log_fd, struct relay_run *out);

/* Impair direction dir (0: a to b) as n says, every decision drawn from
 * seed, from now on; 0 or -errno. */
int relay_impair(struct relay_run *rr, int dir, const struct netem_spec *n, uint64_t seed);

/* A frame the relay dropped (LOSS, LIMIT), as it tells the supervisor. */
struct relay_drop {
	char why[16];
	int dir;
	double t; /* seconds since the case began */
	unsigned sport, dport;
	char proto[8]; /* tcp, udp, icmp, icmp6, ip, other */
};

/* Read pending reports (non-blocking): each drop goes to dropped (may be
 * NULL), the rest into rr; 1 if any report other than a drop arrived. */
int relay_poll(struct relay_run *rr, void (*dropped)(void *ctx, const struct relay_drop *d),
	       void *ctx);

/* One decision in words, for the log: pure (tests/check_relay.c). */
struct relay_key {
	uint8_t dir, proto, flags;
	uint32_t flow, seq, ack, len, occ;
};
uint64_t relay_hash(uint64_t seed, const struct relay_key *k, unsigned what);

/* A uniform draw in [0, 1) from a hash. */
static inline double relay_uniform(uint64_t h)
{
	return (h >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * Parse an Ethernet frame into the parts of its key that do not depend on
 * the run: the flow's 5-tuple (written to tuple: address length, protocol,
 * two addresses, two ports, the lower address's end first; *side: which
 * end sent it), TCP seq/ack/flags and the payload length.  0, or -EINVAL
 * for a frame that is not IPv4/IPv6.
 */
#define RELAY_TUPLE 38
int relay_parse(const uint8_t *frame, size_t len, uint8_t tuple[RELAY_TUPLE], int *side,
		struct relay_key *k);

#endif
