/*
 * supervisor: runs one case in a process of its own that is PID 1 of a new
 * PID namespace and dies with netcase (PR_SET_PDEATHSIG), so every actor
 * and every namespace of the case goes away whatever happens.  The parent
 * collects the verdict and the report text after it exits.
 */
#ifndef NETCASE_SUPERVISOR_H
#define NETCASE_SUPERVISOR_H

#include <sys/types.h>

#include "runner.h"

struct supervised {
	const char *path;
	struct case_model *model; /* owned by the caller */
	pid_t pid;
	int report_fd;		 /* memfd with the report text */
	struct case_result *res; /* shared with the child */
	double deadline;	 /* kill the supervisor after this (monotonic s) */
	double started;		 /* when it was forked (monotonic s) */
	int done;
	int reruns; /* runs again after a void one (res->incomplete) */
};

/* Fork the supervisor for s->model; 0 or -errno. */
int supervisor_start(struct supervised *s, const struct runner_opts *o);

/*
 * After waitpid() said s->pid ended with status: fill s->res (a supervisor
 * killed or crashed is a hard error) and return the report text (malloc'd).
 */
char *supervisor_finish(struct supervised *s, int status);

void supervisor_free(struct supervised *s);

#endif
