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

#include "capture.h"

int case_duration_parse(const char *s, unsigned *ms)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	v = strtod(s, &end);
	if (!strcmp(end, "ms"))
		;
	else if (!strcmp(end, "s") || !*end)
		v *= 1000;
	else if (!strcmp(end, "m"))
		v *= 60000;
	else
		return -EINVAL;
	if (v < 0 || v > 24.0 * 3600 * 1000)
		return -EINVAL;
	*ms = (unsigned)(v + 0.5);
	return 0;
}

static int st_host(struct cur *c)
{
	char w[64];
	const char *at;
	int err, h;

	do {
		caselex_ws(c);
		at = c->p;
		err = caselex_word(c, w, sizeof(w), "a host name");
		if (err)
			return err;
		if (!strcmp(w, "packets"))
			return caselex_fail(c, at,
					    "'packets' is reserved; name the host otherwise");
		h = topo_host_add(&c->m->topo, w);
		if (h == -EEXIST)
			return caselex_fail(c, at, "host '%s' is already declared", w);
		if (h == -E2BIG)
			return caselex_fail(c, at, "too many hosts (at most %d)", TOPO_MAX_HOSTS);
		if (h < 0)
			return caselex_fail(c, at,
					    "bad host name '%s' (letters, digits, '-' and '_', "
					    "at most %d characters)",
					    w, TOPO_NAME_MAX - 1);
	} while (!caselex_at_end(c));
	return 0;
}

static int st_link(struct cur *c)
{
	long long mtu = 0;
	char w[32];
	const char *at;
	int a, b, err, l;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_host(c, &a, 0, NULL)) || (err = caselex_host(c, &b, 0, NULL)))
		return err;
	if (caselex_peek(c, w, sizeof(w)) && !strcmp(w, "mtu")) {
		c->p += 3;
		if ((err = caselex_number(c, &mtu, 68, 65535, "an MTU from 68 to 65535")))
			return err;
	}
	if ((err = caselex_need_end(c)))
		return err;
	l = topo_link_add(&c->m->topo, a, b, (unsigned)mtu);
	if (l == -EINVAL)
		return caselex_fail(c, at, "a link needs two different hosts");
	if (l == -EEXIST)
		return caselex_fail(c, at, "these hosts are already linked");
	if (l < 0)
		return caselex_fail(c, at, "too many links (at most %d)", TOPO_MAX_LINKS);
	return 0;
}

static int st_timeout(struct cur *c)
{
	int err = caselex_duration(c, &c->m->timeout_ms, NULL);

	return err ? err : caselex_need_end(c);
}

static int st_sysctl(struct cur *c)
{
	struct step *s;
	const char *at, *eq;
	char *val;
	int h, err;

	if ((err = caselex_host(c, &h, 0, NULL)))
		return err;
	caselex_ws(c);
	at = c->p;
	eq = strchr(c->p, '=');
	if (!eq || eq == c->p || memchr(c->p, ' ', eq - c->p))
		return caselex_fail(c, at, "expected KEY=VALUE (net.ipv4.tcp_syncookies=0)");
	if (strncmp(at, "net.", 4))
		return caselex_fail(
		    c, at, "only net.* keys can be set in a host (they are per namespace)");
	s = caselex_step(c, STEP_SYSCTL);
	if (!s)
		return -ENOMEM;
	s->host = h;
	s->key = strndup(at, eq - at);
	val = strdup(eq + 1);
	/* strip trailing blanks and optional quotes: tcp_rmem="4096 4096 4096" */
	for (size_t n = strlen(val); n && isspace((unsigned char)val[n - 1]); n--)
		val[n - 1] = '\0';
	if (val[0] == '"' && strlen(val) >= 2 && val[strlen(val) - 1] == '"') {
		memmove(val, val + 1, strlen(val));
		val[strlen(val) - 1] = '\0';
	}
	if (!*val)
		return caselex_fail(c, eq + 1, "expected a value after '='");
	s->value = val;
	c->p += strlen(c->p);
	return 0;
}

static int st_timers(struct cur *c)
{
	char w[32];
	const char *at;
	struct step *s;
	int h, err;

	if ((err = caselex_host(c, &h, 0, NULL)))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a timer profile ('fast')")))
		return err;
	if (strcmp(w, "fast"))
		return caselex_fail(c, at, "unknown timer profile '%s' (expected 'fast')", w);
	if ((err = caselex_need_end(c)))
		return err;
	s = caselex_step(c, STEP_TIMERS);
	if (!s)
		return -ENOMEM;
	s->host = h;
	return 0;
}

static int two_hosts(struct cur *c, enum step_kind k, int need_link)
{
	const char *at;
	struct step *s;
	int a, b, err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_host(c, &a, 0, NULL)) || (err = caselex_host(c, &b, 0, NULL)) ||
	    (err = caselex_need_end(c)))
		return err;
	if (a == b)
		return caselex_fail(c, at, "expected two different hosts");
	if (need_link && topo_link_find(&c->m->topo, a, b) < 0)
		return caselex_fail(c, at, "no link between '%s' and '%s' (add 'link %s %s')",
				    c->m->topo.hosts[a].name, c->m->topo.hosts[b].name,
				    c->m->topo.hosts[a].name, c->m->topo.hosts[b].name);
	s = caselex_step(c, k);
	if (!s)
		return -ENOMEM;
	s->host = a;
	s->peer = b;
	return 0;
}

/* ---- actors ---- */

static int st_actor_step(struct cur *c, enum step_kind k)
{
	struct step *s;
	int a, err, sig = 0;
	char w[32];
	const char *at;

	if ((err = caselex_actor(c, &a)))
		return err;
	if (k == STEP_SIGNAL && (err = caselex_signal(c, &sig)))
		return err;
	if (k == STEP_SHUTDOWN) {
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_word(c, w, sizeof(w), "'wr'")))
			return err;
		if (strcmp(w, "wr"))
			return caselex_fail(c, at, "expected 'wr' (shutdown NAME wr), found '%s'",
					    w);
	}
	if (k != STEP_SEND && (err = caselex_need_end(c)))
		return err;
	s = caselex_step(c, k);
	if (!s)
		return -ENOMEM;
	s->actor = a;
	s->signal = sig;
	if (k == STEP_SEND) {
		if ((err = caselex_text(c, &s->value, "the text to send")) ||
		    (err = caselex_need_end(c)))
			return err;
		if (c->m->actors[a].kind == ACTOR_EXEC)
			return caselex_fail(c, c->line,
					    "'send' works on listen and connect actors only");
	}
	if (k != STEP_SIGNAL && c->m->actors[a].kind == ACTOR_EXEC)
		return caselex_fail(c, c->line, "exec actors take signals only, not this step");
	return 0;
}

static int st_sleep(struct cur *c)
{
	struct step *s = caselex_step(c, STEP_SLEEP);
	int err;

	if (!s)
		return -ENOMEM;
	err = caselex_duration(c, &s->duration_ms, NULL);
	return err ? err : caselex_need_end(c);
}

/* ---- expectations ---- */

static const struct {
	const char *kw;
	int (*fn)(struct cur *c);
} statements[] = {
    {"host", st_host},
    {"link", st_link},
    {"timeout", st_timeout},
    {"sysctl", st_sysctl},
    {"timers", st_timers},
    {"start", case_actor_start},
    {"expect", case_expect_parse},
    {"sleep", st_sleep},
    {"rule", case_net_rule},
    {"remove", case_net_remove},
    {"netem", case_net_netem},
    {"firewall", case_net_firewall},
};

static int statement(struct cur *c)
{
	char kw[32];
	const char *at;

	caselex_ws(c);
	at = c->p;
	caselex_word(c, kw, sizeof(kw), "a statement");
	for (unsigned i = 0; i < sizeof(statements) / sizeof(statements[0]); i++)
		if (!strcmp(kw, statements[i].kw))
			return statements[i].fn(c);
	if (!strcmp(kw, "capture"))
		return two_hosts(c, STEP_CAPTURE, 1);
	if (!strcmp(kw, "cut"))
		return two_hosts(c, STEP_CUT, 0);
	if (!strcmp(kw, "restore"))
		return two_hosts(c, STEP_RESTORE, 0);
	if (!strcmp(kw, "signal"))
		return st_actor_step(c, STEP_SIGNAL);
	if (!strcmp(kw, "close"))
		return st_actor_step(c, STEP_CLOSE);
	if (!strcmp(kw, "shutdown"))
		return st_actor_step(c, STEP_SHUTDOWN);
	if (!strcmp(kw, "abort"))
		return st_actor_step(c, STEP_ABORT);
	if (!strcmp(kw, "send"))
		return st_actor_step(c, STEP_SEND);
	return caselex_fail(c, at,
			    "unknown statement '%s' (host, link, sysctl, timers, capture, "
			    "timeout, start, expect, signal, close, shutdown, abort, send, "
			    "sleep, cut, restore)",
			    kw);
}

static char *intent_of(const char *text)
{
	char buf[1024] = "";
	size_t n = 0;
	const char *p = text;

	while (*p == '#') {
		const char *e = strchrnul(p, '\n');
		const char *s = p + 1;
		while (*s == ' ')
			s++;
		if (e > s && n + (e - s) + 2 < sizeof(buf)) {
			if (n)
				buf[n++] = ' ';
			memcpy(buf + n, s, e - s);
			n += e - s;
			buf[n] = '\0';
		}
		p = *e ? e + 1 : e;
	}
	return strdup(buf);
}

int case_parse(const char *file, const char *text, struct case_model **out, struct case_error *err)
{
	struct case_model *m = calloc(1, sizeof(*m));
	struct cur c = {.file = file, .err = err};
	const char *p = text;
	int r = 0;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	topo_init(&m->topo);
	m->file = strdup(file);
	m->intent = intent_of(text);
	m->timeout_ms = 60000;
	c.m = m;
	for (c.lineno = 1; *p && !r; c.lineno++) {
		const char *e = strchrnul(p, '\n');
		char *line = strndup(p, e - p);
		int inq = 0;

		/* a '#' outside quotes starts a comment */
		for (char *q = line; *q; q++) {
			if (*q == '"' && (q == line || q[-1] != '\\'))
				inq = !inq;
			if (*q == '#' && !inq) {
				*q = '\0';
				break;
			}
			if (*q == '\r')
				*q = ' ';
		}
		c.line = c.p = line;
		if (!caselex_at_end(&c))
			r = statement(&c);
		free(line);
		p = *e ? e + 1 : e;
	}
	if (!r && !m->topo.nhosts) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s:1:1: a case needs at least one host "
			 "('host NAME')",
			 file);
		r = -EINVAL;
	}
	if (r) {
		case_free(m);
		return r;
	}
	*out = m;
	return 0;
}

int case_load(const char *path, struct case_model **out, struct case_error *err)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if (!f) {
		r = -errno;
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(-r));
		return r;
	}
	FILE *mem = open_memstream(&text, &len);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(f);
	fclose(mem);
	r = case_parse(path, text ? text : "", out, err);
	free(text);
	return r;
}

void case_free(struct case_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nactors; i++) {
		free(m->actors[i].send);
		for (char **a = m->actors[i].argv; a && *a; a++)
			free(*a);
		free(m->actors[i].argv);
	}
	for (int i = 0; i < m->nsteps; i++) {
		struct step *s = &m->steps[i];
		free(s->source);
		free(s->key);
		free(s->value);
		free(s->expect.text);
		filter_free(s->expect.filter);
	}
	free(m->actors);
	free(m->steps);
	free(m->file);
	free(m->intent);
	free(m);
}

static const struct {
	const char *name;
	int e;
} errnos[] = {
    {"ECONNRESET", ECONNRESET},
    {"ETIMEDOUT", ETIMEDOUT},
    {"ECONNREFUSED", ECONNREFUSED},
    {"EPIPE", EPIPE},
    {"EHOSTUNREACH", EHOSTUNREACH},
    {"ENETUNREACH", ENETUNREACH},
    {"ECONNABORTED", ECONNABORTED},
    {"EADDRINUSE", EADDRINUSE},
    {"EADDRNOTAVAIL", EADDRNOTAVAIL},
    {"EPROTO", EPROTO},
    {"ENOBUFS", ENOBUFS},
    {"EINTR", EINTR},
    {"EAGAIN", EAGAIN},
    {"ENOTCONN", ENOTCONN},
    {"EINVAL", EINVAL},
    {"EACCES", EACCES},
    {"EPERM", EPERM},
    {"ENOENT", ENOENT},
};

const char *case_errno_name(int e)
{
	for (unsigned i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	return NULL;
}

int case_errno_parse(const char *name)
{
	for (unsigned i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].e;
	return -1;
}
