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
#include "runopts.h"
#include "verdict.h"

/* Run m; detailed report lines go to out.  Returns the verdict. */
int runner_run(const struct case_model *m, const struct runner_opts *o, FILE *out,
	       struct case_result *res);

#endif
