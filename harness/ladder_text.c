/* The ladder as data (ladder.tsv) and as plain text (netcase report --text). */
#define _GNU_SOURCE
#include "ladder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {
    [LADDER_PACKET] = "packet", [LADDER_STATE] = "state", [LADDER_STEP] = "step",
    [LADDER_DROP] = "drop",	[LADDER_MARK] = "mark",	  [LADDER_EXPECT] = "expect",
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Tabs and newlines would break a line: labels carry neither. */
static void tsv_field(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

void ladder_tsv_write(FILE *f, const char *const *hosts, int nhosts, const struct ladder_event *ev,
		      int n)
{
	fputs("#hosts", f);
	for (int h = 0; h < nhosts; h++) {
		fputc('\t', f);
		tsv_field(f, hosts[h]);
	}
	fputc('\n', f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%.6f\t%s\t%d\t%d\t%s\t%d\t", ev[i].t, kinds[ev[i].kind], ev[i].from,
			ev[i].to, ev[i].cls[0] ? ev[i].cls : "-", ev[i].retrans);
		tsv_field(f, ev[i].label);
		fputc('\n', f);
	}
}

static int tsv_hosts(char *line, char ***hosts, int *nhosts)
{
	char *save, *tok;

	strtok_r(line, "\t\n", &save);
	while ((tok = strtok_r(NULL, "\t\n", &save))) {
		char **v = realloc(*hosts, (*nhosts + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		*hosts = v;
		if (!(v[(*nhosts)++] = strdup(tok)))
			return -ENOMEM;
	}
	return 0;
}

/* One event line; 0 or -EINVAL. */
static int tsv_event(char *line, int nhosts, struct ladder_event *e)
{
	char kind[16], cls[8];
	int off = 0;
	unsigned k;

	memset(e, 0, sizeof(*e));
	if (sscanf(line, "%lf\t%15[^\t]\t%d\t%d\t%7[^\t]\t%d\t%n", &e->t, kind, &e->from, &e->to,
		   cls, &e->retrans, &off) != 6 ||
	    !off)
		return -EINVAL;
	for (k = 0; k < NKINDS && strcmp(kind, kinds[k]); k++)
		;
	if (k == NKINDS || e->from < -1 || e->from >= nhosts || e->to < -1 || e->to >= nhosts)
		return -EINVAL;
	e->kind = (enum ladder_kind)k;
	snprintf(e->cls, sizeof(e->cls), "%s", strcmp(cls, "-") ? cls : "");
	line[strcspn(line, "\n")] = '\0';
	snprintf(e->label, sizeof(e->label), "%s", line + off);
	return 0;
}

int ladder_tsv_read(FILE *f, char ***hosts, int *nhosts, struct ladder_event **ev, int *n,
		    char *why, size_t len)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, err = 0, room = 0;

	*hosts = NULL;
	*ev = NULL;
	*nhosts = *n = 0;
	while (!err && getline(&line, &cap, f) > 0) {
		lineno++;
		if (lineno == 1) {
			if (strncmp(line, "#hosts", 6))
				err = -EINVAL;
			else
				err = tsv_hosts(line, hosts, nhosts);
			continue;
		}
		if (*n == room) {
			void *v = realloc(*ev, (room = room ? room * 2 : 256) * sizeof(**ev));
			if (!v) {
				err = -ENOMEM;
				break;
			}
			*ev = v;
		}
		err = tsv_event(line, *nhosts, &(*ev)[*n]);
		if (!err)
			(*n)++;
	}
	free(line);
	if (!err && !lineno)
		err = -EINVAL;
	if (err)
		snprintf(why, len, "line %d: %s", lineno,
			 err == -ENOMEM ? "out of memory" : "not a ladder.tsv line");
	return err;
}

#define TCOL  24 /* columns between two lifelines */
#define TLEFT 10

/* Put s centred at [a, b) of buf, within bounds. */
static void put_mid(char *buf, int len, int a, int b, const char *s)
{
	int n = (int)strlen(s), at = a + ((b - a) - n) / 2;

	if (at < a)
		at = a;
	for (int i = 0; i < n && at + i < len; i++)
		buf[at + i] = s[i];
}

static void text_row(FILE *f, const struct ladder_event *e, int nhosts, int width)
{
	int len = TLEFT + (nhosts ? nhosts - 1 : 0) * TCOL + 2;
	char row[4096], tail[160] = "";

	if (len > (int)sizeof(row) - 1)
		len = sizeof(row) - 1;
	memset(row, ' ', len);
	row[len] = '\0';
	for (int h = 0; h < nhosts && TLEFT + h * TCOL < len; h++)
		row[TLEFT + h * TCOL] = '|';
	if ((e->kind == LADDER_PACKET || e->kind == LADDER_DROP) && e->to >= 0) {
		int from = e->from >= 0 ? e->from : e->to;
		int x1 = TLEFT + from * TCOL, x2 = TLEFT + e->to * TCOL;
		int lo = x1 < x2 ? x1 : x2, hi = x1 < x2 ? x2 : x1;

		for (int x = lo + 1; x < hi && x < len; x++)
			row[x] = e->kind == LADDER_DROP ? '.' : e->retrans ? '=' : '-';
		if (e->kind == LADDER_DROP) {
			if (x2 < len)
				row[x2] = 'X';
		} else if (x2 > x1 && x2 - 1 < len)
			row[x2 - 1] = '>';
		else if (x2 < x1)
			row[x2 + 1] = '<';
		if (hi - lo > 2)
			put_mid(row, len, lo + 2, hi - 1, e->cls[0] ? e->cls : "");
		snprintf(tail, sizeof(tail), "%s%s", e->kind == LADDER_DROP ? "DROP " : "",
			 e->label);
	} else if ((e->kind == LADDER_STATE || e->kind == LADDER_MARK) && e->from >= 0) {
		snprintf(tail, sizeof(tail), "%s[%s]", e->kind == LADDER_MARK ? "kernel " : "",
			 e->label);
		put_mid(row, len, TLEFT + e->from * TCOL - 1, TLEFT + e->from * TCOL + 2, "*");
	} else
		snprintf(tail, sizeof(tail), "%s %s", e->kind == LADDER_EXPECT ? "==" : "--",
			 e->label);
	fprintf(f, "%9.3f %s  %.*s\n", e->t, row, width > 0 ? width : 160, tail);
}

void ladder_text(FILE *f, const char *const *hosts, int nhosts, const struct ladder_event *ev,
		 int n, int width)
{
	char head[4096];
	int len = TLEFT + (nhosts ? nhosts - 1 : 0) * TCOL + TCOL / 2;

	if (len > (int)sizeof(head) - 1)
		len = sizeof(head) - 1;
	memset(head, ' ', len);
	head[len] = '\0';
	for (int h = 0; h < nhosts; h++)
		put_mid(head, len, TLEFT + h * TCOL - TCOL / 2 + 1, TLEFT + h * TCOL + TCOL / 2,
			hosts[h]);
	fprintf(f, "%9s %s\n", "time", head);
	for (int i = 0; i < n; i++) {
		if (i && ev[i].t - ev[i - 1].t > 1.0)
			fprintf(f, "%9s %*s~ %.3f s without events ~\n", "", TLEFT, "",
				ev[i].t - ev[i - 1].t);
		text_row(f, &ev[i], nhosts, width);
	}
}
