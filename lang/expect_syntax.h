/*
 * expect_syntax: one entry per kind of expectation - its name in messages,
 * the modes it takes and how its condition is parsed (the part after
 * "expect SUBJECT [within T | throughout T]:").  The engine's half - how a
 * kind is observed and reported - is harness/expect.h; both tables are
 * indexed by enum expect_kind up to the sentinel EXPECT_KINDS.  Adding a
 * kind is an enum value in case.h, an entry in each table and its subject
 * in case_expect.c.
 */
#ifndef NETCASE_EXPECT_SYNTAX_H
#define NETCASE_EXPECT_SYNTAX_H

#include "case.h"
#include "caselex.h"

enum expect_colon { COLON_REQUIRED, COLON_OPTIONAL, COLON_NONE };

struct expect_syntax {
	const char *name; /* in messages: "counter expectations take ..." */
	unsigned modes;	  /* bit (1 << enum expect_mode) for each mode it takes */
	enum expect_colon colon;
	/* the condition, from the cursor to the end of the statement */
	int (*parse)(struct cur *c, struct expectation *e);
};

/* The syntax of a kind; NULL from EXPECT_KINDS on. */
const struct expect_syntax *expect_syntax_of(enum expect_kind kind);

/* The comparison at the cursor (== != < <= > >=); 0 or -EINVAL. */
int expect_op_parse(struct cur *c, enum filter_cmp *op);

/* Shared by the kinds' parsers: "OP N" (N >= min) to the end; "fn(...)"
 * with balanced parentheses (*inner malloc'd; 1 if absent); host names in
 * filters (ctx: the topology). */
int expect_op_value(struct cur *c, struct expectation *e, long long min);
int expect_call_args(struct cur *c, const char *fn, char **inner, const char **inner_at);
int expect_resolve_host(void *ctx, const char *name, struct filter_addr *out, int max);

/* count_fn(...), times(...) or gaps(...) at the cursor: e->agg and e->text
 * set; 0, 1 when none, or -errno. */
int expect_timing_call(struct cur *c, struct expectation *e, const char *count_fn,
		       const char **inner_at);

#endif
