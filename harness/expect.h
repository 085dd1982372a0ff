/*
 * expect: the expectation engine, the fourth stage of the data path
 * (case -> topology -> actors -> observers -> verdict).
 *
 * One ops entry per kind of expectation, in the spirit of packetdrill's
 * netdev_ops: how its condition is parsed (the part after "expect SUBJECT
 * [within T | throughout T]:"), which modes it takes, how it is observed in
 * a running case and what it adds to a failure report.  Adding a kind is
 * an enum value in case.h, its entry here and its subject in case_expect.c.
 *
 * An observation may keep state between ticks (a compiled pcap filter and
 * how far it has counted): expect_run() keeps it in the run, per step, and
 * the kind's release frees it when the case ends (expect_release()).
 */
#ifndef NETCASE_EXPECT_H
#define NETCASE_EXPECT_H

#include <stdio.h>

#include "case.h"
#include "caselex.h"
#include "run.h"

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

enum expect_colon { COLON_REQUIRED, COLON_OPTIONAL, COLON_NONE };

struct expect_ops {
	const char *name; /* in messages: "counter expectations take ..." */
	unsigned modes;	  /* bit (1 << enum expect_mode) for each mode it takes */
	enum expect_colon colon;
	/* the condition, from the cursor to the end of the statement */
	int (*parse)(struct cur *c, struct expectation *e);
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

/* The ops of a kind. */
const struct expect_ops *expect_ops_of(enum expect_kind kind);

/* The comparison at the cursor (== != < <= > >=); 0 or -EINVAL. */
int expect_op_parse(struct cur *c, enum filter_cmp *op);

/* Shared by the kinds' parsers: "OP N" (N >= min) to the end; "fn(...)"
 * with balanced parentheses (*inner malloc'd; 1 if absent); host names in
 * filters (ctx: the topology). */
int expect_op_value(struct cur *c, struct expectation *e, long long min);
int expect_call_args(struct cur *c, const char *fn, char **inner, const char **inner_at);
int expect_resolve_host(void *ctx, const char *name, struct filter_addr *out, int max);

/* The kernel-event kinds (expect_kernel.c). */
int expect_history_parse(struct cur *c, struct expectation *e);
int expect_history_observe(struct run *r, const struct expectation *e, void **state,
			   struct obs *ob);
void expect_history_describe(struct run *r, const struct expectation *e, FILE *out);
int expect_events_parse(struct cur *c, struct expectation *e);
int expect_events_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob);
void expect_events_release(void *state);

/* count_fn(...), times(...) or gaps(...) at the cursor: e->agg and e->text
 * set; 0, 1 when none, or -errno. */
int expect_timing_call(struct cur *c, struct expectation *e, const char *count_fn,
		       const char **inner_at);

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
