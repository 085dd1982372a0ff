/*
 * runopts: how a run is configured - the command's options and the
 * environment, read once by the command (netcase(1)) - and the harness's
 * own timing budget.  Every stage reads these; none reads the environment.
 */
#ifndef NETCASE_RUNOPTS_H
#define NETCASE_RUNOPTS_H

#include <stdio.h>

#include "safefs.h"

/* Which backend impairs a link (netcase.case(5), "Impairments"). */
enum impair_backend {
	IMPAIR_AUTO,  /* netem where the kernel has it, the relay for what it lacks */
	IMPAIR_NETEM, /* --impair netem: the kernel's qdiscs only */
	IMPAIR_RELAY, /* --impair relay: every netem statement through the relay */
};

struct runner_opts {
	const char *artifacts; /* evidence root; NULL: "netcase-artifacts", kept on failure only */
	int keep;	       /* pin a failed case's namespaces under /run/netns */
	enum impair_backend impair;
	int verbose;
	int explain;	    /* a failed or errored case prints its timeline (--explain) */
	const char *run_id; /* names kept namespaces: netcase-<run_id>-<host> */
	const char *subdir; /* evidence below the root in this folder (--repeat: "repeat-K") */
	/* from the environment, read once by the command (netcase(1)) */
	double slow;	 /* NETCASE_SLOW (runner_slow_parse()); 0 means 1 */
	int no_kevents;	 /* NETCASE_KEVENTS=0: sample socket states, no BPF */
	FILE *bpf_debug; /* NETCASE_BPF_DEBUG: where libbpf's messages go (the command's stderr) */
	int realtime;	 /* NETCASE_REALTIME=1: the supervisor at SCHED_RR (run_realtime()) */
	struct safefs_owner owner; /* SUDO_UID/SUDO_GID: whose the evidence is */
};

/*
 * Step lateness: how long after it was due (the stamp of what came before
 * it) a step began.  Logged on the timeline from RUNNER_LATE_LOG_MS; a step
 * later than RUNNER_LATE_BUDGET_MS before the case's first failure (or in
 * a case that passed) makes the verdict an ERROR: the harness's lateness,
 * not the kernel, may have decided it.  The budget is the harness's own,
 * not a timing tolerance, and NETCASE_SLOW does not widen it.
 */
#define RUNNER_LATE_LOG_MS    1
#define RUNNER_LATE_BUDGET_MS 250

/*
 * The tolerance factor NETCASE_SLOW (a number >= 1, default 1; s is the
 * variable's text or NULL): on a slow machine it widens every deadline
 * netcase sets - `within` deadlines, a listener's start, the case timeout
 * and its supervisor's hard limit - but never a `throughout` window, a
 * `sleep`, a kernel timer or the lateness budget.
 */
double runner_slow_parse(const char *s);

#endif
