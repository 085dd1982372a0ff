#define _GNU_SOURCE
#include "caselex.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nearest.h"
#include "units.h"

/* Copy src into dst (len bytes) with control bytes and bytes above 0x7e
 * written as \xNN: what a case contains never reaches a terminal raw. */
static void escape(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)src; *p && n + 5 < len; p++)
		if (*p < 0x20 || *p > 0x7e)
			n += snprintf(dst + n, len - n, "\\x%02x", *p);
		else
			dst[n++] = (char)*p;
	dst[n] = '\0';
}

int caselex_fail(struct cur *c, const char *at, const char *fmt, ...)
{
	char raw[sizeof(c->err->msg)];
	int n = snprintf(c->err->msg, sizeof(c->err->msg), "%s:%d:%d: ", c->file, c->lineno,
			 (int)(at - c->line) + 1);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	escape(c->err->msg + n, sizeof(c->err->msg) - n, raw);
	return -EINVAL;
}

void caselex_ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

int caselex_at_end(struct cur *c)
{
	caselex_ws(c);
	return !*c->p;
}

/* The next blank-separated word (not consumed); its length. */
size_t caselex_peek(struct cur *c, char *buf, size_t len)
{
	const char *s;
	size_t n;

	caselex_ws(c);
	s = c->p;
	n = strcspn(s, " \t");
	snprintf(buf, len, "%.*s", (int)n, s);
	return n;
}

/* Read a word into buf; fail naming what was expected if there is none. */
int caselex_word(struct cur *c, char *buf, size_t len, const char *what)
{
	size_t n = caselex_peek(c, buf, len);

	if (!n)
		return caselex_fail(c, c->p, "expected %s", what);
	if (n >= len)
		return caselex_fail(c, c->p, "%s is too long", what);
	c->p += n;
	return 0;
}

/* Strip a trailing ':' from w; returns 1 if there was one. */
int caselex_strip_colon(char *w)
{
	size_t n = strlen(w);

	if (n && w[n - 1] == ':') {
		w[n - 1] = '\0';
		return 1;
	}
	return 0;
}

int caselex_keyword(struct cur *c, const char *want, const char *what)
{
	char w[32];
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), what)))
		return err;
	if (strcmp(w, want))
		return caselex_fail(c, at, "expected %s, found '%s'", what, w);
	return 0;
}

int caselex_need_end(struct cur *c)
{
	if (!caselex_at_end(c))
		return caselex_fail(c, c->p, "unexpected '%.*s' at the end of the statement",
				    (int)strcspn(c->p, " \t"), c->p);
	return 0;
}

int caselex_duration(struct cur *c, unsigned *ms, int *colon)
{
	char w[64];
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	err = caselex_word(c, w, sizeof(w), "a duration such as 500ms, 2s or 1m");
	if (err)
		return err;
	if (colon)
		*colon = caselex_strip_colon(w);
	err = units_duration_parse(w, ms);
	if (err == -ERANGE)
		return caselex_fail(c, at, "'%s' is too large (at most 24h)", w);
	if (err)
		return caselex_fail(
		    c, at, "'%s' is not a duration (expected a number with ms, s or m)", w);
	return 0;
}

int caselex_number(struct cur *c, long long *v, long long min, long long max, const char *what)
{
	char w[64], *end;
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	err = caselex_word(c, w, sizeof(w), what);
	if (err)
		return err;
	errno = 0;
	*v = strtoll(w, &end, 10);
	if (*end || errno || *v < min || *v > max)
		return caselex_fail(c, at, "expected %s, found '%s'", what, w);
	return 0;
}

int caselex_host(struct cur *c, int *h, int colon_ok, int *colon)
{
	char w[64];
	const char *at;
	int err, had;

	caselex_ws(c);
	at = c->p;
	err = caselex_word(c, w, sizeof(w), "a host name");
	if (err)
		return err;
	had = caselex_strip_colon(w);
	if (had && !colon_ok)
		return caselex_fail(c, at + strlen(w), "unexpected ':'");
	if (colon)
		*colon = had;
	*h = topo_host_find(&c->m->topo, w);
	if (*h < 0) {
		char hint[96];
		return caselex_fail(c, at, "unknown host '%s'%s (declare it first with 'host %s')",
				    w, caselex_hint(c->m, w, CASELEX_HOSTS, hint, sizeof(hint)), w);
	}
	return 0;
}

const char *caselex_hint(const struct case_model *m, const char *w, unsigned what, char *buf,
			 size_t len)
{
	struct nearest nr;

	nearest_init(&nr, w);
	for (int i = 0; (what & CASELEX_HOSTS) && i < m->topo.nhosts; i++)
		nearest_try(&nr, m->topo.hosts[i].name);
	for (int i = 0; (what & CASELEX_ACTORS) && i < m->nactors; i++)
		nearest_try(&nr, m->actors[i].name);
	return nearest_hint(&nr, buf, len);
}

int caselex_mark_find(const struct case_model *m, const char *name)
{
	for (int i = 0; i < m->nsteps; i++)
		if (m->steps[i].kind == STEP_MARK && !strcmp(m->steps[i].key, name))
			return m->steps[i].mark;
	return -1;
}

int caselex_actor_find(const struct case_model *m, const char *name)
{
	for (int i = 0; i < m->nactors; i++)
		if (!strcmp(m->actors[i].name, name))
			return i;
	return -ENOENT;
}

int caselex_actor(struct cur *c, int *a)
{
	char w[64];
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	err = caselex_word(c, w, sizeof(w), "an actor name");
	if (err)
		return err;
	*a = caselex_actor_find(c->m, w);
	if (*a < 0) {
		char hint[96];
		return caselex_fail(
		    c, at, "unknown actor '%s'%s (start it first with 'start %s: HOST ...')", w,
		    caselex_hint(c->m, w, CASELEX_ACTORS, hint, sizeof(hint)), w);
	}
	return 0;
}

/* A quoted string ("..." with \" \\ \n \t escapes) or one word. */
int caselex_text(struct cur *c, char **out, const char *what)
{
	char buf[4096];
	size_t n = 0;

	*out = NULL;
	caselex_ws(c);
	if (*c->p != '"') {
		const char *at = c->p;
		int err = caselex_word(c, buf, sizeof(buf), what);

		if (err)
			return err;
		(void)at;
		*out = strdup(buf);
		return *out ? 0 : -ENOMEM;
	}
	const char *start = c->p++;
	while (*c->p && *c->p != '"') {
		char ch = *c->p++;

		if (ch == '\\') {
			ch = *c->p++;
			if (ch == 'n')
				ch = '\n';
			else if (ch == 't')
				ch = '\t';
			else if (ch == 'r')
				ch = '\r';
			else if (ch != '"' && ch != '\\')
				return caselex_fail(
				    c, c->p - 2,
				    "unknown escape '\\%c' (use \\\" \\\\ \\n \\t \\r)",
				    ch ? ch : ' ');
		}
		if (n + 1 >= sizeof(buf))
			return caselex_fail(c, start, "string too long");
		buf[n++] = ch;
	}
	if (*c->p != '"')
		return caselex_fail(c, start, "unterminated string (missing closing '\"')");
	c->p++;
	buf[n] = '\0';
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

struct step *caselex_step(struct cur *c, enum step_kind kind)
{
	struct case_model *m = c->m;
	struct step *s;
	void *v = realloc(m->steps, (m->nsteps + 1) * sizeof(*m->steps));

	if (!v)
		return NULL;
	m->steps = v;
	s = &m->steps[m->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->line = c->lineno;
	s->host = s->peer = s->actor = -1;
	s->source = strndup(c->line, strcspn(c->line, "#"));
	return s;
}

/* ---- declarations ---- */

int caselex_signal(struct cur *c, int *sig)
{
	static const struct {
		const char *n;
		int s;
	} sigs[] = {{"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"TERM", SIGTERM},
		    {"KILL", SIGKILL}, {"INT", SIGINT},	  {"HUP", SIGHUP}};
	const char *at;
	char w[32];
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a signal (STOP, CONT, TERM, KILL, INT, HUP)")))
		return err;
	*sig = 0;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcasecmp(w, sigs[i].n) ||
		    (!strncasecmp(w, "SIG", 3) && !strcasecmp(w + 3, sigs[i].n)))
			*sig = sigs[i].s;
	if (!*sig)
		return caselex_fail(c, at, "unknown signal '%s' (STOP, CONT, TERM, KILL, INT, HUP)",
				    w);
	return 0;
}

int caselex_label(struct cur *c, char *buf, size_t len, const char *noun)
{
	char what[64];
	int err;

	snprintf(what, sizeof(what), "a%s %s name followed by ':'", noun[0] == 'a' ? "n" : "",
		 noun);
	if ((err = caselex_word(c, buf, len, what)))
		return err;
	if (caselex_strip_colon(buf))
		return 0;
	caselex_ws(c);
	if (*c->p != ':')
		return caselex_fail(c, c->p, "expected ':' after the %s name", noun);
	c->p++;
	return 0;
}

/* "2%", "0.5%" into parts per million. */
int caselex_percent(struct cur *c, unsigned *ppm)
{
	char w[32], *end;
	const char *at;
	double v;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a percentage such as 2%")))
		return err;
	v = strtod(w, &end);
	if (end == w || strcmp(end, "%") || v < 0 || v > 100)
		return caselex_fail(c, at, "expected a percentage from 0%% to 100%%, found '%s'",
				    w);
	*ppm = (unsigned)(v * 10000 + 0.5);
	return 0;
}
