/*
 * expect: the expectation engine, the fourth stage of the data path
 * (case -> topology -> actors -> observers -> verdict).
 *
 * One observer per kind of expectation, in the spirit of packetdrill's
 * netdev_ops: how it is observed in a running case and what it adds to a
 * failure report.  Its syntax - name, modes, parser - is the language's
 * (lang/expect_syntax.h); both tables are indexed by enum expect_kind.
 *
 * An observation may keep state between ticks (a compiled pcap filter and
 * how far it has counted): expect_run() keeps it in the run, per step, and
 * the kind's release frees it when the case ends (expect_release()).
 */
#ifndef NETCASE_EXPECT_H
#define NETCASE_EXPECT_H

#include <stdio.h>

#include "../lang/case.h"
#include "run.h"
#include "../lang/expect_syntax.h"

/* What an observation saw: the value, whether the condition holds, in words. */
struct obs {
	long long value;
	int ok;
	int final; /* it can no longer come true (an actor ended otherwise): stop waiting */
	int wait;  /* stamped evidence up to r->until is not all in yet: look again */
	/* when it was seen: the round's interval [t0, t1] (set by the judge) and
	 * the stamp of the evidence that made it true (the kind's, or t1) */
	double t0, t1, stamp;
	char text[256];
};

struct expect_observer {
	/* 0 with ob filled in, or -errno when the observer itself failed */
	int (*observe)(struct run *r, const struct expectation *e, void **state, struct obs *ob);
	/* more context for a failure report (may be NULL) */
	void (*describe)(struct run *r, const struct expectation *e, FILE *out);
	void (*release)(void *state); /* may be NULL */
	/* judged by stamps: observe counts only evidence stamped up to
	 * r->until (the kernel's or the capture's clock), so a late look
	 * decides as an early one; others are samples, deciding only a window
	 * their round's interval lies in */
	int stamped;
};

/* The observer of a kind; NULL from EXPECT_KINDS on. */
const struct expect_observer *expect_observer_of(enum expect_kind kind);

/* The kernel-event kinds (expect_kernel.c). */
int expect_history_observe(struct run *r, const struct expectation *e, void **state,
			   struct obs *ob);
void expect_history_describe(struct run *r, const struct expectation *e, FILE *out);
int expect_events_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob);
int expect_connected_observe(struct run *r, const struct expectation *e, void **state,
			     struct obs *ob);
void expect_events_release(void *state);

/* Judge the stamps s[0..n) (run-relative, ascending) against e's timing. */
void expect_timing_judge(struct run *r, const struct expectation *e, const double *s, int n,
			 struct obs *ob);

/* The packets a listed nftables chain's counters counted; pure. */
long long expect_rule_packets(const char *listing);

/* Judge the expectation of step s (index idx) now, or by polling until its
 * deadline; a verdict (VERDICT_PASS when it held). */
int expect_run(struct run *r, const struct step *s, int idx);

/* Release every expectation's observation state. */
void expect_release(struct run *r);

#endif
