/*
 * report: the results of a run as a summary table, TAP and JUnit XML.
 * Pure formatters over an array of entries; they write to a FILE.
 */
#ifndef NETCASE_REPORT_H
#define NETCASE_REPORT_H

#include <stdio.h>

#include "runopts.h"
#include "verdict.h"

struct report_entry {
	char id[256];
	struct case_result res;
};

const char *report_verdict_name(int verdict);

/* Write s with < > & " escaped for XML and HTML. */
void report_escape(FILE *f, const char *s);

/* One line per case and the closing "N passed, N failed, N skipped" line. */
void report_table(FILE *f, const struct report_entry *e, int n);
void report_tap(FILE *f, const struct report_entry *e, int n);
void report_junit(FILE *f, const struct report_entry *e, int n);

/*
 * --repeat: e holds reps blocks of the same n cases; per case, its runs,
 * how many ended in each verdict and its pass rate (a skip is neither).
 */
void report_rates(FILE *f, const struct report_entry *e, int n, int reps);

/* The run's exit status: 0 all passed, 1 a failure, 99 an error, 77 all skipped. */
int report_status(const struct report_entry *e, int n);

#endif
