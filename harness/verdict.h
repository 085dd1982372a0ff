/*
 * verdict: what a case ends in, and the one table that turns a refusal of
 * the kernel into a verdict.  A failure travels as a structured entry
 * (struct case_failure) from the statement that met it to the command and
 * the report, the only places that print it.
 */
#ifndef NETCASE_VERDICT_H
#define NETCASE_VERDICT_H

#include <stddef.h>

/* Verdicts, as automake's test driver reads exit codes. */
enum { VERDICT_PASS = 0, VERDICT_FAIL = 1, VERDICT_SKIP = 77, VERDICT_ERROR = 99 };

/* What netcase was doing when something failed: the row of the table. */
enum verdict_op {
	VOP_EXPECT,    /* an expectation did not hold: FAIL */
	VOP_UNDECIDED, /* nothing decided an expectation (the harness, not the kernel) */
	VOP_SOCKDIAG,  /* reading sockets by socket diag for an expectation */
	VOP_OBSERVE,   /* reading counters, rules, captures, output for an expectation */
	VOP_KERNEL,    /* the case does not hold for this kernel (version, drop reason) */
	VOP_KEVENTS,   /* the kernel's record (BPF) is needed and unavailable */
	VOP_NAMESPACE, /* building the topology */
	VOP_SYSCTL,    /* setting a sysctl */
	VOP_NFT,       /* an nftables rule, cut, firewall or NAT */
	VOP_IFB,       /* an ifb device to impair ingress */
	VOP_QDISC,     /* a qdisc: netem, tbf, pfifo */
	VOP_NETEM,     /* netem itself (sch_netem) */
	VOP_LINK,      /* a link's settings (offloads, mtu) */
	VOP_ROUTE,     /* a route */
	VOP_CAPTURE,   /* a capture */
	VOP_ACTOR,     /* starting or driving an actor */
	VOP_INJECT,    /* forging a segment (the connection's state, AF_PACKET) */
	VOP_EVIDENCE,  /* the evidence folder and its files */
	VOP_TIMEOUT,   /* the case ran past its timeout: FAIL */
	VOP_HARNESS,   /* the harness itself: memory, its clock, its record */
};

/* A case's deciding failure, skip or error. */
struct case_failure {
	int verdict;	/* VERDICT_FAIL, _SKIP or _ERROR; 0: none */
	int op;		/* enum verdict_op */
	int err;	/* the errno behind it (positive), 0 if none */
	int line;	/* the statement's line; 0: the case as a whole */
	char file[256]; /* the case file */
	char what[512]; /* what failed, one line, without file:line */
};

struct case_result {
	int verdict;
	int nexpect, nfailed;
	double seconds;
	/* the scenario's own time, its first step to its last verdict, and the
	 * whole case as the command ran it (fork to reaped: namespaces, BPF,
	 * captures, evidence and teardown too); the difference is netcase's */
	double scenario_s, wall_s;
	double late_ms; /* the latest a step began after it was due */
	int late_line;	/* that step's line */
	struct case_failure failure;
	/* the congestion control the case's TCP used without choosing one, when
	 * it is the machine's default rather than the kernel's built-in cubic */
	char cc_default[16];
	/* the kernel's record proved incomplete: the verdict is void, and the
	 * command runs the case again, once */
	int incomplete;
};

/* The verdict of op failing with errno err (negative or positive; 0: no
 * errno, e.g. an expectation that did not hold). */
int verdict_of(enum verdict_op op, int err);

/* The failure in one line, "FILE:LINE: WHAT" ("FILE: WHAT" for the case
 * as a whole); "" when there is none. */
const char *case_failure_text(const struct case_failure *f, char *buf, size_t len);

/* Set the case's failure (file, line 0) when the harness decided it from
 * outside the case (its supervisor was killed, could not start). */
void case_failure_set(struct case_failure *f, int verdict, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
