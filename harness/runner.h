/*
 * runner: executes one parsed case - builds its topology, runs its
 * timeline (actors, network steps, expectations) and writes the report and
 * evidence.  It runs inside the case's supervisor process (PID 1 of a new
 * PID namespace, see supervisor.h), so every process it starts dies with it.
 */
#ifndef NETCASE_RUNNER_H
#define NETCASE_RUNNER_H

#include <stdio.h>

#include "../lang/case.h"
#include "safefs.h"

struct runner_opts {
	const char *artifacts; /* evidence root; NULL: "netcase-artifacts", kept on failure only */
	int keep;	       /* pin a failed case's namespaces under /run/netns */
	int verbose;
	int explain;	    /* a failed or errored case prints its timeline (--explain) */
	const char *run_id; /* names kept namespaces: netcase-<run_id>-<host> */
	const char *subdir; /* evidence below the root in this folder (--repeat: "repeat-K") */
	/* from the environment, read once by the command (netcase(1)) */
	double slow;	/* NETCASE_SLOW (runner_slow_parse()); 0 means 1 */
	int no_kevents; /* NETCASE_KEVENTS=0: sample socket states, no BPF */
	int bpf_debug;	/* NETCASE_BPF_DEBUG: libbpf's messages on stderr */
	int realtime;	/* NETCASE_REALTIME=1: the supervisor at SCHED_RR (run_realtime()) */
	struct safefs_owner owner; /* SUDO_UID/SUDO_GID: whose the evidence is */
};

/* Verdicts, as automake's test driver reads exit codes. */
enum { VERDICT_PASS = 0, VERDICT_FAIL = 1, VERDICT_SKIP = 77, VERDICT_ERROR = 99 };

struct case_result {
	int verdict;
	int nexpect, nfailed;
	double seconds;
	double late_ms;	  /* the latest a step began after it was due */
	int late_line;	  /* that step's line */
	char reason[512]; /* first failure, skip or error, one line */
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

/* Run m; detailed report lines go to out.  Returns the verdict. */
int runner_run(const struct case_model *m, const struct runner_opts *o, FILE *out,
	       struct case_result *res);

/*
 * The tolerance factor NETCASE_SLOW (a number >= 1, default 1; s is the
 * variable's text or NULL): on a slow machine it widens every deadline
 * netcase sets - `within` deadlines, a listener's start, the case timeout
 * and its supervisor's hard limit - but never a `throughout` window, a
 * `sleep`, a kernel timer or the lateness budget.
 */
double runner_slow_parse(const char *s);

#endif
