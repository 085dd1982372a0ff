#include "report.h"

#include <stdlib.h>
#include <string.h>

const char *report_verdict_name(int v)
{
	switch (v) {
	case VERDICT_PASS:
		return "PASS";
	case VERDICT_FAIL:
		return "FAIL";
	case VERDICT_SKIP:
		return "SKIP";
	default:
		return "ERROR";
	}
}

static void counts(const struct report_entry *e, int n, int *p, int *f, int *s, int *x)
{
	*p = *f = *s = *x = 0;
	for (int i = 0; i < n; i++) {
		int v = e[i].res.verdict;
		*(v == VERDICT_PASS ? p : v == VERDICT_FAIL ? f : v == VERDICT_SKIP ? s : x) += 1;
	}
}

/* One line when cases ran with the machine's default congestion control
 * instead of the kernel's built-in one without choosing it themselves. */
static void cc_note(FILE *f, const struct report_entry *e, int n)
{
	const char *cc = NULL;
	int k = 0;

	for (int i = 0; i < n; i++)
		if (e[i].res.cc_default[0]) {
			cc = e[i].res.cc_default;
			k++;
		}
	if (k)
		fprintf(f,
			"note: %d case%s ran with this machine's default congestion control %s, "
			"not the kernel's built-in cubic (a case chooses with sysctl HOST "
			"net.ipv4.tcp_congestion_control=NAME)\n",
			k, k == 1 ? "" : "s", cc);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One line: what netcase itself took per case, beyond the scenarios - the
 * wall time of each case whose scenario ran, minus the scenario's own. */
static void overhead_note(FILE *f, const struct report_entry *e, int n)
{
	double *v = calloc(n ? n : 1, sizeof(*v)), most = -1;
	int k = 0, at = 0;

	for (int i = 0; v && i < n; i++) {
		if (e[i].res.wall_s <= 0 || e[i].res.scenario_s <= 0)
			continue;
		v[k] = e[i].res.wall_s - e[i].res.scenario_s;
		if (v[k] > most) {
			most = v[k];
			at = i;
		}
		k++;
	}
	if (k) {
		qsort(v, k, sizeof(*v), cmp_double);
		fprintf(
		    f,
		    "harness: %.0f ms per case beyond its scenario (median of %d; most %.0f ms, "
		    "%s): namespaces, kernel events, captures, evidence and teardown\n",
		    (k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2) * 1e3, k, most * 1e3,
		    e[at].id);
	}
	free(v);
}

void report_table(FILE *f, const struct report_entry *e, int n)
{
	int p, fl, s, x, w = 4, late = 0;

	for (int i = 0; i < n; i++)
		if ((int)strlen(e[i].id) > w)
			w = (int)strlen(e[i].id);
	fprintf(f, "\n%-*s  %-6s %8s %9s  %s\n", w, "case", "result", "time", "late",
		"expectations");
	for (int i = 0; i < n; i++) {
		const struct case_result *r = &e[i].res;
		char why[900];

		case_failure_text(&r->failure, why, sizeof(why));
		fprintf(f, "%-*s  %-6s %7.2fs %7.1fms  %d/%d", w, e[i].id,
			report_verdict_name(r->verdict), r->seconds, r->late_ms,
			r->nexpect - r->nfailed, r->nexpect);
		if (r->late_ms > e[late].res.late_ms)
			late = i;
		if (r->verdict != VERDICT_PASS && why[0])
			fprintf(f, "  %s", why);
		fputc('\n', f);
	}
	counts(e, n, &p, &fl, &s, &x);
	fprintf(f, "\n%d passed, %d failed, %d skipped", p, fl + x, s);
	if (x)
		fprintf(f, " (%d of the failures are errors)", x);
	fputc('\n', f);
	if (n && e[late].res.late_ms > 0)
		fprintf(f, "latest step: %.1f ms after it was due (%s line %d; budget %d ms)\n",
			e[late].res.late_ms, e[late].id, e[late].res.late_line,
			RUNNER_LATE_BUDGET_MS);
	overhead_note(f, e, n);
	cc_note(f, e, n);
}

void report_rates(FILE *f, const struct report_entry *e, int n, int reps)
{
	int w = 4, flaky = 0;

	for (int i = 0; i < n; i++)
		if ((int)strlen(e[i].id) > w)
			w = (int)strlen(e[i].id);
	fprintf(f, "\n%-*s  %4s %5s %5s %5s %5s  %s\n", w, "case", "runs", "pass", "fail", "error",
		"skip", "pass rate");
	for (int i = 0; i < n; i++) {
		int c[4];

		counts(e + i, 1, &c[0], &c[1], &c[2], &c[3]);
		for (int k = 1; k < reps; k++) {
			int d[4];
			counts(e + (size_t)k * n + i, 1, &d[0], &d[1], &d[2], &d[3]);
			for (int j = 0; j < 4; j++)
				c[j] += d[j];
		}
		fprintf(f, "%-*s  %4d %5d %5d %5d %5d  ", w, e[i].id, reps, c[0], c[1], c[3], c[2]);
		if (c[0] + c[1] + c[3])
			fprintf(f, "%.0f%%\n", 100.0 * c[0] / (c[0] + c[1] + c[3]));
		else
			fprintf(f, "-\n");
		flaky += c[0] && c[1] + c[3];
	}
	fprintf(f, "\n%d run%s of %d case%s; %d case%s passed some runs and not others\n", reps,
		reps == 1 ? "" : "s", n, n == 1 ? "" : "s", flaky, flaky == 1 ? "" : "s");
}

void report_tap(FILE *f, const struct report_entry *e, int n)
{
	fprintf(f, "TAP version 13\n1..%d\n", n);
	for (int i = 0; i < n; i++) {
		const struct case_result *r = &e[i].res;
		const char *res =
		    r->verdict == VERDICT_PASS || r->verdict == VERDICT_SKIP ? "ok" : "not ok";
		char why[900];

		case_failure_text(&r->failure, why, sizeof(why));
		fprintf(f, "%s %d - %s", res, i + 1, e[i].id);
		if (r->verdict == VERDICT_SKIP)
			fprintf(f, " # SKIP %s", why);
		fputc('\n', f);
		if (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_ERROR)
			fprintf(f, "  ---\n  message: \"%s\"\n  ...\n", why);
	}
}

void report_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

void report_junit(FILE *f, const struct report_entry *e, int n)
{
	int p, fl, s, x;
	double total = 0;

	counts(e, n, &p, &fl, &s, &x);
	for (int i = 0; i < n; i++)
		total += e[i].res.seconds;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuite name=\"netcase\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
		"skipped=\"%d\" time=\"%.3f\">\n",
		n, fl, x, s, total);
	for (int i = 0; i < n; i++) {
		const struct case_result *r = &e[i].res;
		char why[900];

		fprintf(f, "  <testcase classname=\"netcase\" name=\"");
		report_escape(f, e[i].id);
		fprintf(f, "\" time=\"%.3f\"", r->seconds);
		if (r->verdict == VERDICT_PASS) {
			fprintf(f, "/>\n");
			continue;
		}
		fprintf(f, ">\n    <%s message=\"",
			r->verdict == VERDICT_FAIL   ? "failure"
			: r->verdict == VERDICT_SKIP ? "skipped"
						     : "error");
		report_escape(f, case_failure_text(&r->failure, why, sizeof(why)));
		fprintf(f, "\"/>\n  </testcase>\n");
	}
	fprintf(f, "</testsuite>\n");
}

int report_status(const struct report_entry *e, int n)
{
	int p, f, s, x;

	counts(e, n, &p, &f, &s, &x);
	if (f)
		return 1;
	if (x)
		return 99;
	if (n && s == n)
		return 77;
	return 0;
}
