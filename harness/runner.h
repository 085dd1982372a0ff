/*
 * runner: executes one parsed case - builds its topology, runs its
 * timeline (actors, network steps, expectations) and writes the report and
 * evidence.  It runs inside the case's supervisor process (PID 1 of a new
 * PID namespace, see supervisor.h), so every process it starts dies with it.
 */
#ifndef NETCASE_RUNNER_H
#define NETCASE_RUNNER_H

#include <stdio.h>

#include "case.h"

struct runner_opts {
	const char *artifacts; /* evidence root; NULL: "netcase-artifacts", kept on failure only */
	int keep;	       /* pin a failed case's namespaces under /run/netns */
	int verbose;
	const char *run_id; /* names kept namespaces: netcase-<run_id>-<host> */
};

/* Verdicts, as automake's test driver reads exit codes. */
enum { VERDICT_PASS = 0, VERDICT_FAIL = 1, VERDICT_SKIP = 77, VERDICT_ERROR = 99 };

struct case_result {
	int verdict;
	int nexpect, nfailed;
	double seconds;
	char reason[512]; /* first failure, skip or error, one line */
};

/* Run m; detailed report lines go to out.  Returns the verdict. */
int runner_run(const struct case_model *m, const struct runner_opts *o, FILE *out,
	       struct case_result *res);

/* The case's id for reports and evidence: its path without ".case", with
 * the part up to "cases/" removed ("accept/overflow"); an absolute path is
 * taken relative to the current folder when below it, from a cases/
 * folder on it ("/src/cases/close/x.case" is "close/x"), else by its file
 * name ("/abs/path/x.case" is "x"). */
void runner_case_id(const char *path, char *buf, size_t len);

/*
 * The tolerance factor NETCASE_SLOW (a number >= 1, default 1): on a slow
 * machine it widens every deadline netcase sets - `within` deadlines, a
 * listener's start, the case timeout and its supervisor's hard limit - but
 * never a `throughout` window, a `sleep` or a kernel timer.
 */
double runner_slow(void);

/* "6.1.0-28-amd64" as major * 1000 + minor (6001); -EINVAL. */
int runner_kernel_version(const char *release);

/* The `timers HOST fast` profile: NULL-terminated {key, value} pairs. */
extern const char *const runner_fast_timers[][2];

#endif
