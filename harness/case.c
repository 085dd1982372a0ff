#define _GNU_SOURCE
#include "case.h"

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

struct cur {
	const char *file, *line, *p;
	int lineno;
	struct case_error *err;
	struct case_model *m;
};

static int fail_at(struct cur *c, const char *at, const char *fmt, ...)
{
	int n = snprintf(c->err->msg, sizeof(c->err->msg), "%s:%d:%d: ", c->file, c->lineno,
			 (int)(at - c->line) + 1);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err->msg + n, sizeof(c->err->msg) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static int at_end(struct cur *c)
{
	ws(c);
	return !*c->p;
}

/* The next blank-separated word (not consumed); its length. */
static size_t peekw(struct cur *c, char *buf, size_t len)
{
	const char *s;
	size_t n;

	ws(c);
	s = c->p;
	n = strcspn(s, " \t");
	snprintf(buf, len, "%.*s", (int)n, s);
	return n;
}

/* Read a word into buf; fail naming what was expected if there is none. */
static int word(struct cur *c, char *buf, size_t len, const char *what)
{
	size_t n = peekw(c, buf, len);

	if (!n)
		return fail_at(c, c->p, "expected %s", what);
	if (n >= len)
		return fail_at(c, c->p, "%s is too long", what);
	c->p += n;
	return 0;
}

/* Strip a trailing ':' from w; returns 1 if there was one. */
static int strip_colon(char *w)
{
	size_t n = strlen(w);

	if (n && w[n - 1] == ':') {
		w[n - 1] = '\0';
		return 1;
	}
	return 0;
}

static int need_end(struct cur *c)
{
	if (!at_end(c))
		return fail_at(c, c->p, "unexpected '%.*s' at the end of the statement",
			       (int)strcspn(c->p, " \t"), c->p);
	return 0;
}

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

static int duration(struct cur *c, unsigned *ms, int *colon)
{
	char w[64];
	const char *at;
	int err;

	ws(c);
	at = c->p;
	err = word(c, w, sizeof(w), "a duration such as 500ms, 2s or 1m");
	if (err)
		return err;
	if (colon)
		*colon = strip_colon(w);
	if (case_duration_parse(w, ms))
		return fail_at(c, at, "'%s' is not a duration (expected a number with ms, s or m)",
			       w);
	return 0;
}

static int number(struct cur *c, long long *v, long long min, long long max, const char *what)
{
	char w[64], *end;
	const char *at;
	int err;

	ws(c);
	at = c->p;
	err = word(c, w, sizeof(w), what);
	if (err)
		return err;
	errno = 0;
	*v = strtoll(w, &end, 10);
	if (*end || errno || *v < min || *v > max)
		return fail_at(c, at, "expected %s, found '%s'", what, w);
	return 0;
}

static int host_ref(struct cur *c, int *h, int colon_ok, int *colon)
{
	char w[64];
	const char *at;
	int err, had;

	ws(c);
	at = c->p;
	err = word(c, w, sizeof(w), "a host name");
	if (err)
		return err;
	had = strip_colon(w);
	if (had && !colon_ok)
		return fail_at(c, at + strlen(w), "unexpected ':'");
	if (colon)
		*colon = had;
	*h = topo_host_find(&c->m->topo, w);
	if (*h < 0)
		return fail_at(c, at, "unknown host '%s' (declare it first with 'host %s')", w, w);
	return 0;
}

static int actor_find(const struct case_model *m, const char *name)
{
	for (int i = 0; i < m->nactors; i++)
		if (!strcmp(m->actors[i].name, name))
			return i;
	return -1;
}

static int actor_ref(struct cur *c, int *a)
{
	char w[64];
	const char *at;
	int err;

	ws(c);
	at = c->p;
	err = word(c, w, sizeof(w), "an actor name");
	if (err)
		return err;
	*a = actor_find(c->m, w);
	if (*a < 0)
		return fail_at(
		    c, at, "unknown actor '%s' (start it first with 'start %s: HOST ...')", w, w);
	return 0;
}

/* A quoted string ("..." with \" \\ \n \t escapes) or one word. */
static int text_arg(struct cur *c, char **out, const char *what)
{
	char buf[4096];
	size_t n = 0;

	ws(c);
	if (*c->p != '"') {
		const char *at = c->p;
		int err = word(c, buf, sizeof(buf), what);

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
				return fail_at(c, c->p - 2,
					       "unknown escape '\\%c' (use \\\" \\\\ \\n \\t \\r)",
					       ch ? ch : ' ');
		}
		if (n + 1 >= sizeof(buf))
			return fail_at(c, start, "string too long");
		buf[n++] = ch;
	}
	if (*c->p != '"')
		return fail_at(c, start, "unterminated string (missing closing '\"')");
	c->p++;
	buf[n] = '\0';
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static struct step *new_step(struct cur *c, enum step_kind kind)
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

static int st_host(struct cur *c)
{
	char w[64];
	const char *at;
	int err, h;

	do {
		ws(c);
		at = c->p;
		err = word(c, w, sizeof(w), "a host name");
		if (err)
			return err;
		if (!strcmp(w, "packets"))
			return fail_at(c, at, "'packets' is reserved; name the host otherwise");
		h = topo_host_add(&c->m->topo, w);
		if (h == -EEXIST)
			return fail_at(c, at, "host '%s' is already declared", w);
		if (h == -E2BIG)
			return fail_at(c, at, "too many hosts (at most %d)", TOPO_MAX_HOSTS);
		if (h < 0)
			return fail_at(c, at,
				       "bad host name '%s' (letters, digits, '-' and '_', "
				       "at most %d characters)",
				       w, TOPO_NAME_MAX - 1);
	} while (!at_end(c));
	return 0;
}

static int st_link(struct cur *c)
{
	long long mtu = 0;
	char w[32];
	const char *at;
	int a, b, err, l;

	ws(c);
	at = c->p;
	if ((err = host_ref(c, &a, 0, NULL)) || (err = host_ref(c, &b, 0, NULL)))
		return err;
	if (peekw(c, w, sizeof(w)) && !strcmp(w, "mtu")) {
		c->p += 3;
		if ((err = number(c, &mtu, 68, 65535, "an MTU from 68 to 65535")))
			return err;
	}
	if ((err = need_end(c)))
		return err;
	l = topo_link_add(&c->m->topo, a, b, (unsigned)mtu);
	if (l == -EINVAL)
		return fail_at(c, at, "a link needs two different hosts");
	if (l == -EEXIST)
		return fail_at(c, at, "these hosts are already linked");
	if (l < 0)
		return fail_at(c, at, "too many links (at most %d)", TOPO_MAX_LINKS);
	return 0;
}

static int st_timeout(struct cur *c)
{
	int err = duration(c, &c->m->timeout_ms, NULL);

	return err ? err : need_end(c);
}

static int st_sysctl(struct cur *c)
{
	struct step *s;
	const char *at, *eq;
	char *val;
	int h, err;

	if ((err = host_ref(c, &h, 0, NULL)))
		return err;
	ws(c);
	at = c->p;
	eq = strchr(c->p, '=');
	if (!eq || eq == c->p || memchr(c->p, ' ', eq - c->p))
		return fail_at(c, at, "expected KEY=VALUE (net.ipv4.tcp_syncookies=0)");
	if (strncmp(at, "net.", 4))
		return fail_at(c, at,
			       "only net.* keys can be set in a host (they are per namespace)");
	s = new_step(c, STEP_SYSCTL);
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
		return fail_at(c, eq + 1, "expected a value after '='");
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

	if ((err = host_ref(c, &h, 0, NULL)))
		return err;
	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "a timer profile ('fast')")))
		return err;
	if (strcmp(w, "fast"))
		return fail_at(c, at, "unknown timer profile '%s' (expected 'fast')", w);
	if ((err = need_end(c)))
		return err;
	s = new_step(c, STEP_TIMERS);
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

	ws(c);
	at = c->p;
	if ((err = host_ref(c, &a, 0, NULL)) || (err = host_ref(c, &b, 0, NULL)) ||
	    (err = need_end(c)))
		return err;
	if (a == b)
		return fail_at(c, at, "expected two different hosts");
	if (need_link && topo_link_find(&c->m->topo, a, b) < 0)
		return fail_at(c, at, "no link between '%s' and '%s' (add 'link %s %s')",
			       c->m->topo.hosts[a].name, c->m->topo.hosts[b].name,
			       c->m->topo.hosts[a].name, c->m->topo.hosts[b].name);
	s = new_step(c, k);
	if (!s)
		return -ENOMEM;
	s->host = a;
	s->peer = b;
	return 0;
}

/* ---- actors ---- */

static int endpoint(struct cur *c, struct actor_spec *a, int listen)
{
	char w[128], *colon;
	const char *at;
	long port;
	char *end;
	int err;

	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), listen ? "[ADDR]:PORT" : "HOST:PORT")))
		return err;
	if (listen && strspn(w, "0123456789") == strlen(w)) {
		/* `listen 8888` means `listen :8888` */
		memmove(w + 1, w, strlen(w) + 1);
		w[0] = ':';
	}
	colon = strrchr(w, ':');
	if (!colon)
		return fail_at(c, at, "expected %s, found '%s'",
			       listen ? "[ADDR]:PORT" : "HOST:PORT", w);
	*colon = '\0';
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < (listen ? 0 : 1) || port > 65535)
		return fail_at(c, colon + 1 - w + at, "bad port '%s'", colon + 1);
	a->port = (int)port;
	char *host = w;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		host++;
	}
	a->target_host = -1;
	if (listen || strchr(host, '.') || strchr(host, ':')) {
		struct in6_addr tmp;
		if (*host && !inet_pton(AF_INET, host, &tmp) && !inet_pton(AF_INET6, host, &tmp)) {
			int h = topo_host_find(&c->m->topo, host);
			if (h < 0 || !listen)
				return fail_at(c, at, "'%s' is neither an address nor a host",
					       host);
			a->target_host = h;
		} else {
			snprintf(a->addr, sizeof(a->addr), "%s", host);
		}
		return 0;
	}
	a->target_host = topo_host_find(&c->m->topo, host);
	if (a->target_host < 0)
		return fail_at(c, at, "unknown host '%s' (declare it first with 'host %s')", host,
			       host);
	return 0;
}

static int socket_option(struct cur *c, struct actor_spec *a, const char *w, int *used)
{
	long long v;
	unsigned ms;
	int err = 0;

	*used = 1;
	if (!strcmp(w, "keepalive")) {
		unsigned idle, intvl;
		if ((err = duration(c, &idle, NULL)) || (err = duration(c, &intvl, NULL)) ||
		    (err = number(c, &v, 1, 127, "a probe count from 1 to 127")))
			return err;
		if (idle < 1000 || intvl < 1000)
			return fail_at(c, c->p,
				       "keepalive idle and interval are whole seconds, "
				       "at least 1s");
		a->keepalive = 1;
		a->ka_idle = idle / 1000;
		a->ka_intvl = intvl / 1000;
		a->ka_cnt = (int)v;
	} else if (!strcmp(w, "user-timeout")) {
		if (!(err = duration(c, &ms, NULL)))
			a->user_timeout_ms = (int)ms;
	} else if (!strcmp(w, "rcvbuf") || !strcmp(w, "sndbuf")) {
		if (!(err = number(c, &v, 1, 1 << 30, "a buffer size in bytes")))
			*(w[0] == 'r' ? &a->rcvbuf : &a->sndbuf) = (int)v;
	} else if (!strcmp(w, "linger")) {
		if (!(err = duration(c, &ms, NULL)))
			a->linger_s = (int)(ms / 1000);
	} else if (!strcmp(w, "nodelay")) {
		a->nodelay = 1;
	} else if (!strcmp(w, "bind")) {
		char b[128], *colon, *end;
		const char *at;
		ws(c);
		at = c->p;
		if ((err = word(c, b, sizeof(b), "ADDR:PORT")))
			return err;
		colon = strrchr(b, ':');
		if (!colon)
			return fail_at(c, at, "expected ADDR:PORT after bind");
		*colon = '\0';
		a->bind_port = (int)strtol(colon + 1, &end, 10);
		if (*end || a->bind_port < 0 || a->bind_port > 65535)
			return fail_at(c, at, "bad port in '%s'", colon + 1);
		char *h = b;
		if (h[0] == '[' && h[strlen(h) - 1] == ']') {
			h[strlen(h) - 1] = '\0';
			h++;
		}
		snprintf(a->bind_addr, sizeof(a->bind_addr), "%s", h);
	} else {
		*used = 0;
	}
	return err;
}

static int actor_listen(struct cur *c, struct actor_spec *a)
{
	char w[64];
	const char *at;
	long long v;
	int err, used;

	if ((err = endpoint(c, a, 1)))
		return err;
	while (!at_end(c)) {
		at = c->p;
		word(c, w, sizeof(w), "an option");
		if (!strcmp(w, "backlog")) {
			if ((err = number(c, &v, 0, 65535, "a backlog from 0 to 65535")))
				return err;
			a->backlog = (int)v;
		} else if (!strcmp(w, "accept") || !strcmp(w, "noaccept")) {
			a->accept = w[0] == 'a';
		} else if (!strcmp(w, "read") || !strcmp(w, "noread")) {
			a->read = w[0] == 'r';
			char n[32];
			if (a->read && peekw(c, n, sizeof(n)) && isdigit((unsigned char)n[0])) {
				/* read N every T: a slow reader */
				if ((err = number(c, &v, 1, 1 << 30, "a number of bytes")))
					return err;
				a->read_chunk = (long)v;
				ws(c);
				const char *eat = c->p;
				if ((err = word(c, n, sizeof(n), "'every'")))
					return err;
				if (strcmp(n, "every"))
					return fail_at(
					    c, eat, "expected 'every' (read N every T), found '%s'",
					    n);
				if ((err = duration(c, &a->read_every_ms, NULL)))
					return err;
				if (!a->read_every_ms)
					return fail_at(c, eat, "the read interval must be above 0");
			}
		} else if (!strcmp(w, "eof")) {
			const char *at2;
			ws(c);
			at2 = c->p;
			if ((err = word(c, w, sizeof(w), "'close' or 'hold' after eof")))
				return err;
			if (strcmp(w, "close") && strcmp(w, "hold"))
				return fail_at(
				    c, at2, "expected 'close' or 'hold' after eof, found '%s'", w);
			a->eof_close = w[0] == 'c';
		} else {
			if ((err = socket_option(c, a, w, &used)))
				return err;
			if (!used)
				return fail_at(c, at,
					       "unknown listen option '%s' (backlog, accept, "
					       "noaccept, read, noread, eof, keepalive, "
					       "user-timeout, rcvbuf, sndbuf, linger, nodelay, "
					       "bind)",
					       w);
		}
	}
	return 0;
}

static int actor_connect(struct cur *c, struct actor_spec *a)
{
	char w[64];
	const char *at;
	int err, used;

	if ((err = endpoint(c, a, 0)))
		return err;
	while (!at_end(c)) {
		at = c->p;
		word(c, w, sizeof(w), "an option");
		if (!strcmp(w, "send")) {
			char n[64];
			ws(c);
			const char *at2 = c->p;
			size_t len = peekw(c, n, sizeof(n));
			if (a->send || a->send_bytes)
				return fail_at(c, at, "only one 'send' per actor");
			if (*c->p != '"' && len && isdigit((unsigned char)n[0])) {
				char *end;
				long long v = strtoll(n, &end, 10);
				char b[16];
				c->p += len;
				if (*end || v <= 0 || (peekw(c, b, sizeof(b)), strcmp(b, "bytes")))
					return fail_at(c, at2,
						       "expected 'send N bytes' or "
						       "'send \"TEXT\"'");
				c->p += strlen(" bytes") - 1 + (c->p[0] == ' ');
				ws(c);
				a->send_bytes = v;
			} else if ((err = text_arg(c, &a->send, "the text to send"))) {
				return err;
			}
		} else if (!strcmp(w, "recv")) {
			a->recv = 1;
		} else if (!strcmp(w, "stream")) {
			a->stream = 1;
		} else if (!strcmp(w, "ipv6")) {
			a->ipv6 = 1;
		} else if (!strcmp(w, "connections")) {
			long long v;
			if ((err = number(c, &v, 1, 10000,
					  "a number of connections from 1 to 10000")))
				return err;
			a->connections = (int)v;
		} else {
			if ((err = socket_option(c, a, w, &used)))
				return err;
			if (!used)
				return fail_at(
				    c, at,
				    "unknown connect option '%s' (send, recv, stream, "
				    "ipv6, connections, keepalive, user-timeout, rcvbuf, sndbuf, "
				    "linger, nodelay, bind)",
				    w);
		}
	}
	return 0;
}

static int actor_exec(struct cur *c, struct actor_spec *a)
{
	int n = 0, err;

	while (!at_end(c)) {
		char **v = realloc(a->argv, (n + 2) * sizeof(char *));
		if (!v)
			return -ENOMEM;
		a->argv = v;
		a->argv[n + 1] = NULL;
		if ((err = text_arg(c, &a->argv[n], "an argument")))
			return err;
		a->argv[++n] = NULL;
	}
	if (!n)
		return fail_at(c, c->p, "expected a command after exec");
	return 0;
}

static int st_start(struct cur *c)
{
	char name[64], kind[32];
	const char *at;
	struct actor_spec *a;
	struct step *s;
	int h, err, colon;
	void *v;

	ws(c);
	at = c->p;
	if ((err = word(c, name, sizeof(name), "an actor name followed by ':'")))
		return err;
	colon = strip_colon(name);
	if (!colon) {
		ws(c);
		if (*c->p != ':')
			return fail_at(c, c->p, "expected ':' after the actor name");
		c->p++;
	}
	if (!*name || strlen(name) >= sizeof(a->name) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
		strlen(name))
		return fail_at(c, at, "bad actor name '%s'", name);
	if (actor_find(c->m, name) >= 0)
		return fail_at(c, at, "actor '%s' is already started", name);
	if (topo_host_find(&c->m->topo, name) >= 0)
		return fail_at(c, at, "'%s' is a host name; name the actor otherwise", name);
	if ((err = host_ref(c, &h, 0, NULL)))
		return err;
	ws(c);
	at = c->p;
	if ((err = word(c, kind, sizeof(kind), "listen, connect or exec")))
		return err;
	v = realloc(c->m->actors, (c->m->nactors + 1) * sizeof(*c->m->actors));
	if (!v)
		return -ENOMEM;
	c->m->actors = v;
	a = &c->m->actors[c->m->nactors];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->host = h;
	a->backlog = 128;
	a->accept = a->read = a->eof_close = 1;
	a->target_host = -1;
	if (!strcmp(kind, "listen")) {
		a->kind = ACTOR_LISTEN;
		err = actor_listen(c, a);
	} else if (!strcmp(kind, "connect")) {
		a->kind = ACTOR_CONNECT;
		err = actor_connect(c, a);
	} else if (!strcmp(kind, "exec")) {
		a->kind = ACTOR_EXEC;
		err = actor_exec(c, a);
	} else {
		return fail_at(c, at, "unknown actor kind '%s' (listen, connect or exec)", kind);
	}
	c->m->nactors++; /* counted even on error, so case_free() releases it */
	if (err)
		return err;
	s = new_step(c, STEP_START);
	if (!s)
		return -ENOMEM;
	s->actor = c->m->nactors - 1;
	s->host = h;
	return 0;
}

/* A signal name (STOP, SIGSTOP, ...) into *sig. */
static int signal_arg(struct cur *c, int *sig)
{
	static const struct {
		const char *n;
		int s;
	} sigs[] = {{"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"TERM", SIGTERM},
		    {"KILL", SIGKILL}, {"INT", SIGINT},	  {"HUP", SIGHUP}};
	const char *at;
	char w[32];
	int err;

	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "a signal (STOP, CONT, TERM, KILL, INT, HUP)")))
		return err;
	*sig = 0;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcasecmp(w, sigs[i].n) ||
		    (!strncasecmp(w, "SIG", 3) && !strcasecmp(w + 3, sigs[i].n)))
			*sig = sigs[i].s;
	if (!*sig)
		return fail_at(c, at, "unknown signal '%s' (STOP, CONT, TERM, KILL, INT, HUP)", w);
	return 0;
}

static int st_actor_step(struct cur *c, enum step_kind k)
{
	struct step *s;
	int a, err, sig = 0;
	char w[32];
	const char *at;

	if ((err = actor_ref(c, &a)))
		return err;
	if (k == STEP_SIGNAL && (err = signal_arg(c, &sig)))
		return err;
	if (k == STEP_SHUTDOWN) {
		ws(c);
		at = c->p;
		if ((err = word(c, w, sizeof(w), "'wr'")))
			return err;
		if (strcmp(w, "wr"))
			return fail_at(c, at, "expected 'wr' (shutdown NAME wr), found '%s'", w);
	}
	if (k != STEP_SEND && (err = need_end(c)))
		return err;
	s = new_step(c, k);
	if (!s)
		return -ENOMEM;
	s->actor = a;
	s->signal = sig;
	if (k == STEP_SEND) {
		if ((err = text_arg(c, &s->value, "the text to send")) || (err = need_end(c)))
			return err;
		if (c->m->actors[a].kind == ACTOR_EXEC)
			return fail_at(c, c->line,
				       "'send' works on listen and connect actors only");
	}
	if (k != STEP_SIGNAL && c->m->actors[a].kind == ACTOR_EXEC)
		return fail_at(c, c->line, "exec actors take signals only, not this step");
	return 0;
}

static int st_sleep(struct cur *c)
{
	struct step *s = new_step(c, STEP_SLEEP);
	int err;

	if (!s)
		return -ENOMEM;
	err = duration(c, &s->duration_ms, NULL);
	return err ? err : need_end(c);
}

/* ---- expectations ---- */

static int op_parse(struct cur *c, enum filter_cmp *op)
{
	static const char *ops[] = {"==", "!=", "<", "<=", ">", ">="};
	char w[8];
	const char *at;

	ws(c);
	at = c->p;
	if (word(c, w, sizeof(w), "a comparison (== != < <= > >=)"))
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		if (!strcmp(w, ops[i])) {
			*op = i;
			return 0;
		}
	if (!strcmp(w, "="))
		return fail_at(c, at, "use '==' to compare, not '='");
	return fail_at(c, at, "expected a comparison (== != < <= > >=), found '%s'", w);
}

const char *case_op_name(enum filter_cmp op)
{
	static const char *ops[] = {"==", "!=", "<", "<=", ">", ">="};
	return ops[op];
}

/* "fn(" ... ")" with balanced parentheses; *inner is malloc'd. */
static int call_args(struct cur *c, const char *fn, char **inner, const char **inner_at)
{
	size_t n = strlen(fn);
	int depth = 0;
	const char *s;

	ws(c);
	if (strncmp(c->p, fn, n) || c->p[n] != '(')
		return 1;
	s = c->p + n + 1;
	for (const char *q = s; *q; q++) {
		if (*q == '(')
			depth++;
		else if (*q == ')' && depth-- == 0) {
			*inner = strndup(s, q - s);
			*inner_at = s;
			c->p = q + 1;
			return *inner ? 0 : -ENOMEM;
		}
	}
	return fail_at(c, s - 1, "missing ')' to close %s(", fn);
}

static int resolve_host(void *ctx, const char *name, struct filter_addr *out, int max)
{
	const struct topo *t = ctx;
	int h = topo_host_find(t, name), n = 0;

	if (h < 0)
		return 0;
	for (int l = 0; l < t->nlinks && n + 1 < max; l++) {
		int s = topo_link_side(t, l, h);
		if (s < 0)
			continue;
		out[n].family = AF_INET;
		inet_pton(AF_INET, t->links[l].v4[s], out[n++].bytes);
		out[n].family = AF_INET6;
		inet_pton(AF_INET6, t->links[l].v6[s], out[n++].bytes);
	}
	return n;
}

static int expect_mode(struct cur *c, struct expectation *e, int *colon)
{
	char w[32];

	peekw(c, w, sizeof(w));
	strip_colon(w);
	if (!strcmp(w, "within") || !strcmp(w, "throughout")) {
		e->mode = w[0] == 'w' ? EXPECT_WITHIN : EXPECT_THROUGHOUT;
		c->p += strlen(w);
		return duration(c, &e->duration_ms, colon);
	}
	return 0;
}

static int need_colon(struct cur *c, int had)
{
	if (had)
		return 0;
	ws(c);
	if (*c->p != ':')
		return fail_at(c, c->p, "expected ':' before the condition");
	c->p++;
	return 0;
}

static int counter_tail(struct cur *c, struct expectation *e, const char *at)
{
	char w[64];
	int err;

	c->p += strlen("counter");
	e->kind = EXPECT_COUNTER;
	if (e->mode == EXPECT_THROUGHOUT)
		return fail_at(c, at, "counter expectations take 'within', not 'throughout'");
	ws(c);
	const char *nat = c->p;
	if ((err = word(c, w, sizeof(w), "a counter name (TcpExtListenOverflows)")))
		return err;
	if (!isupper((unsigned char)w[0]))
		return fail_at(c, nat,
			       "'%s' is not a counter name (nstat names such as "
			       "TcpExtListenOverflows)",
			       w);
	e->text = strdup(w);
	if ((err = op_parse(c, &e->op)) ||
	    (err = number(c, &e->value, LLONG_MIN, LLONG_MAX, "a number")))
		return err;
	return need_end(c);
}

static int st_expect(struct cur *c)
{
	struct case_model *m = c->m;
	struct step *s = new_step(c, STEP_EXPECT);
	struct expectation *e;
	char w[64], w2[32];
	const char *at;
	int err, colon = 0;

	if (!s)
		return -ENOMEM;
	e = &s->expect;
	e->host = e->link = e->actor = -1;
	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "a host, an actor or 'packets'")))
		return err;
	colon = strip_colon(w);
	if (!strcmp(w, "packets") && !colon) {
		int a, b;
		const char *inner_at, *lat;
		char *pf = NULL;
		e->kind = EXPECT_PACKETS;
		ws(c);
		lat = c->p;
		if ((err = host_ref(c, &a, 0, NULL)) || (err = host_ref(c, &b, 1, &colon)))
			return err;
		e->link = topo_link_find(&m->topo, a, b);
		if (e->link < 0)
			return fail_at(c, lat, "no link between these hosts to capture");
		if (!colon && (err = expect_mode(c, e, &colon)))
			return err;
		if (e->mode == EXPECT_THROUGHOUT)
			return fail_at(c, lat,
				       "packet expectations take 'within', not 'throughout'");
		if ((err = need_colon(c, colon)))
			return err;
		err = call_args(c, "count", &e->text, &inner_at);
		if (err == 1)
			return fail_at(c, c->p, "expected count(PCAP-FILTER)");
		if (err)
			return err;
		char why[256];
		int captured = 0;
		for (int i = 0; i < m->nsteps; i++)
			captured |=
			    m->steps[i].kind == STEP_CAPTURE &&
			    topo_link_find(&m->topo, m->steps[i].host, m->steps[i].peer) == e->link;
		if (!captured)
			return fail_at(c, lat,
				       "that link is not captured (add 'capture %s %s' before)",
				       m->topo.hosts[a].name, m->topo.hosts[b].name);
		if (capture_filter_compile(&m->topo, e->link, e->text, &pf, why, sizeof(why))) {
			free(pf);
			return fail_at(c, inner_at, "bad packet filter: %s", why);
		}
		free(pf);
		if ((err = op_parse(c, &e->op)) ||
		    (err = number(c, &e->value, 0, LLONG_MAX, "a number")))
			return err;
		return need_end(c);
	}
	int actor = colon ? -1 : actor_find(m, w);
	peekw(c, w2, sizeof(w2));
	if (actor >= 0 &&
	    (!strcmp(w2, "exits") || !strcmp(w2, "running") || !strcmp(w2, "exits:"))) {
		e->actor = actor;
		if (!strcmp(w2, "running")) {
			e->kind = EXPECT_RUNNING;
			c->p += strlen(w2);
			return need_end(c);
		}
		e->kind = EXPECT_EXITS;
		c->p += strlen(w2);
		colon = w2[strlen(w2) - 1] == ':';
		if (!colon && (err = expect_mode(c, e, &colon)))
			return err;
		if (e->mode == EXPECT_THROUGHOUT)
			return fail_at(c, at, "exit expectations take 'within', not 'throughout'");
		if ((err = need_colon(c, colon)))
			return err;
		ws(c);
		at = c->p;
		if ((err = word(c, w, sizeof(w), "ok, error ERRNO, status N or signal SIG")))
			return err;
		if (!strcmp(w, "ok")) {
			e->exit_want = EXIT_OK;
		} else if (!strcmp(w, "error")) {
			e->exit_want = EXIT_ERROR;
			ws(c);
			at = c->p;
			if ((err = word(c, w, sizeof(w), "an errno name (ECONNRESET, ETIMEDOUT)")))
				return err;
			e->exit_errno = case_errno_parse(w);
			if (e->exit_errno <= 0)
				return fail_at(c, at,
					       "unknown errno name '%s' (ECONNRESET, ETIMEDOUT, "
					       "ECONNREFUSED, EPIPE, EHOSTUNREACH, ...)",
					       w);
		} else if (!strcmp(w, "status")) {
			long long v;
			e->exit_want = EXIT_STATUS;
			if ((err = number(c, &v, 0, 255, "an exit status from 0 to 255")))
				return err;
			e->exit_status = (int)v;
		} else if (!strcmp(w, "signal")) {
			e->exit_want = EXIT_SIGNAL;
			if ((err = signal_arg(c, &e->exit_status)))
				return err;
		} else {
			return fail_at(
			    c, at, "expected ok, error ERRNO, status N or signal SIG, found '%s'",
			    w);
		}
		return need_end(c);
	}
	e->host = topo_host_find(&m->topo, w);
	if (e->host < 0)
		return fail_at(c, at, "unknown host or actor '%s'", w);
	if (!colon && (err = expect_mode(c, e, &colon)))
		return err;
	/* "expect H counter N OP V", with or without a colon before counter */
	peekw(c, w2, sizeof(w2));
	if (strcmp(w2, "counter") && (err = need_colon(c, colon)))
		return err;
	peekw(c, w2, sizeof(w2));
	if (!strcmp(w2, "counter"))
		return counter_tail(c, e, at);
	e->kind = EXPECT_SOCKETS;
	const char *inner_at;
	if (!(err = call_args(c, "count", &e->text, &inner_at))) {
		e->agg = AGG_COUNT;
	} else if (err == 1 && !(err = call_args(c, "any", &e->text, &inner_at))) {
		e->agg = AGG_ANY;
	} else if (err == 1 && !(err = call_args(c, "none", &e->text, &inner_at))) {
		e->agg = AGG_NONE;
	}
	if (err == 1)
		return fail_at(c, c->p,
			       "expected count(FILTER), any(FILTER), none(FILTER) or "
			       "counter NAME");
	if (err)
		return err;
	struct filter_error fe;
	if (filter_parse(e->text, resolve_host, &m->topo, &e->filter, &fe))
		return fail_at(c, inner_at + fe.col - 1, "%s", fe.msg);
	if (e->agg == AGG_COUNT) {
		if ((err = op_parse(c, &e->op)) ||
		    (err = number(c, &e->value, 0, LLONG_MAX, "a number")))
			return err;
	}
	return need_end(c);
}

/* ---- rules, impairments, the middlebox ---- */

static int rule_active(const struct case_model *m, const char *name)
{
	int active = 0;

	for (int i = 0; i < m->nsteps; i++)
		if ((m->steps[i].kind == STEP_RULE || m->steps[i].kind == STEP_REMOVE) &&
		    m->steps[i].key && !strcmp(m->steps[i].key, name))
			active = m->steps[i].kind == STEP_RULE;
	return active;
}

/* "syn,ack" into "syn|ack"; -EINVAL naming the bad flag. */
static int flag_list(struct cur *c, const char *w, const char *at, char *out, size_t len)
{
	static const char *flags[] = {"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr", NULL};
	char tmp[128], *save, *f;
	size_t n = 0;

	snprintf(tmp, sizeof(tmp), "%s", w);
	out[0] = '\0';
	for (f = strtok_r(tmp, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		int ok = 0;
		for (int i = 0; flags[i]; i++)
			ok |= !strcasecmp(f, flags[i]);
		if (!ok)
			return fail_at(c, at,
				       "unknown tcp flag '%s' (fin, syn, rst, psh, ack, urg, "
				       "ecn, cwr; several joined with ',')",
				       f);
		n += snprintf(out + n, len - n, "%s%s", n ? "|" : "", f);
		for (char *q = out; *q; q++)
			*q = (char)tolower((unsigned char)*q);
	}
	if (!n)
		return fail_at(c, at, "expected tcp flags such as syn or ack,fin");
	return 0;
}

static int port_range(struct cur *c, char *out, size_t len)
{
	char w[32], *end, *dash;
	const char *at;
	long a, b;
	int err;

	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "a port or a range such as 8000-8100")))
		return err;
	a = strtol(w, &end, 10);
	dash = end;
	b = a;
	if (*dash == '-')
		b = strtol(dash + 1, &end, 10);
	if (end == w || *end || a < 0 || b < a || b > 65535)
		return fail_at(c, at, "expected a port or a range such as 8000-8100, found '%s'",
			       w);
	if (a == b)
		snprintf(out, len, "%ld", a);
	else
		snprintf(out, len, "%ld-%ld", a, b);
	return 0;
}

static int st_rule(struct cur *c)
{
	char name[64], w[128], flags[128], mask[128], ports[48], nft[1024] = "";
	const char *at;
	struct step *s;
	int a = -1, b = -1, err, tcp = 0, colon;
	enum rule_dir dir = RULE_PATH;
	size_t n = 0;
	int reject;

	ws(c);
	at = c->p;
	if ((err = word(c, name, sizeof(name), "a rule name followed by ':'")))
		return err;
	colon = strip_colon(name);
	if (!colon) {
		ws(c);
		if (*c->p != ':')
			return fail_at(c, c->p, "expected ':' after the rule name");
		c->p++;
	}
	if (!*name ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
		strlen(name) ||
	    strlen(name) > 24)
		return fail_at(c, at, "bad rule name '%s' (letters, digits and '_', at most 24)",
			       name);
	if (rule_active(c->m, name))
		return fail_at(c, at, "rule '%s' is already in place (remove it first)", name);
	peekw(c, w, sizeof(w));
	if (!strcmp(w, "on")) {
		c->p += 2;
		if ((err = host_ref(c, &a, 0, NULL)))
			return err;
		ws(c);
		at = c->p;
		if ((err = word(c, w, sizeof(w), "'in' or 'out'")))
			return err;
		if (strcmp(w, "in") && strcmp(w, "out"))
			return fail_at(c, at, "expected 'in' or 'out' after 'on HOST', found '%s'",
				       w);
		dir = w[0] == 'i' ? RULE_ON_IN : RULE_ON_OUT;
	} else {
		if ((err = host_ref(c, &a, 0, NULL)))
			return err;
		ws(c);
		at = c->p;
		if (strncmp(c->p, "->", 2))
			return fail_at(
			    c, at, "expected '->' between the hosts (A -> B), or 'on HOST in|out'");
		c->p += 2;
		if ((err = host_ref(c, &b, 0, NULL)))
			return err;
		if (a == b)
			return fail_at(c, at, "expected two different hosts");
	}
	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "drop or reject")))
		return err;
	if (strcmp(w, "drop") && strcmp(w, "reject"))
		return fail_at(c, at, "expected drop or reject, found '%s'", w);
	reject = w[0] == 'r';
	char tail[128] = "";
	while (!at_end(c)) {
		ws(c);
		at = c->p;
		word(c, w, sizeof(w), "a match");
		if (!strcmp(w, "tcp")) {
			ws(c);
			const char *fat = c->p;
			if ((err = word(c, w, sizeof(w), "'flags'")))
				return err;
			if (strcmp(w, "flags"))
				return fail_at(c, fat, "expected 'flags' after tcp, found '%s'", w);
			int exact = 0;
			peekw(c, w, sizeof(w));
			if (!strcmp(w, "==")) {
				exact = 1;
				c->p += 2 + (c->p[2] == ' ');
			}
			ws(c);
			fat = c->p;
			if ((err = word(c, w, sizeof(w), "tcp flags")) ||
			    (err = flag_list(c, w, fat, flags, sizeof(flags))))
				return err;
			peekw(c, w, sizeof(w));
			if (!strcmp(w, "/")) {
				if (exact)
					return fail_at(c, c->p,
						       "use either '==' or '/ MASK', not both");
				c->p += 1;
				ws(c);
				fat = c->p;
				if ((err = word(c, w, sizeof(w), "the flags to examine")) ||
				    (err = flag_list(c, w, fat, mask, sizeof(mask))))
					return err;
				n += snprintf(nft + n, sizeof(nft) - n, " tcp flags & (%s) == %s",
					      mask, flags);
			} else if (exact) {
				n +=
				    snprintf(nft + n, sizeof(nft) - n,
					     " tcp flags & (fin|syn|rst|psh|ack|urg) == %s", flags);
			} else {
				n += snprintf(nft + n, sizeof(nft) - n, " tcp flags & (%s) != 0",
					      flags);
			}
			tcp = 1;
		} else if (!strcmp(w, "sport") || !strcmp(w, "dport")) {
			if ((err = port_range(c, ports, sizeof(ports))))
				return err;
			n += snprintf(nft + n, sizeof(nft) - n, " tcp %s %s", w, ports);
			tcp = 1;
		} else if (!strcmp(w, "after")) {
			long long v;
			if ((err = number(c, &v, 0, 2000000000, "a number")))
				return err;
			ws(c);
			const char *uat = c->p;
			if ((err = word(c, w, sizeof(w), "'packets' or 'bytes'")))
				return err;
			if (!strcmp(w, "packets"))
				snprintf(tail, sizeof(tail), " numgen inc mod 2147483647 >= %lld",
					 v);
			else if (!strcmp(w, "bytes"))
				snprintf(tail, sizeof(tail), " quota over %lld bytes", v);
			else
				return fail_at(c, uat, "expected 'packets' or 'bytes', found '%s'",
					       w);
		} else if (!strcmp(w, "proto")) {
			ws(c);
			const char *pat = c->p;
			if ((err = word(c, w, sizeof(w), "tcp, udp or icmp")))
				return err;
			if (strcmp(w, "tcp") && strcmp(w, "udp") && strcmp(w, "icmp"))
				return fail_at(c, pat, "expected tcp, udp or icmp, found '%s'", w);
			if (!strcmp(w, "tcp"))
				tcp = 1;
			else
				n += snprintf(nft + n, sizeof(nft) - n, " meta l4proto %s",
					      w[0] == 'u' ? "udp" : "{ icmp, ipv6-icmp }");
		} else {
			return fail_at(c, at,
				       "unknown match '%s' (tcp flags, sport, dport, proto, "
				       "after N packets|bytes)",
				       w);
		}
	}
	s = new_step(c, STEP_RULE);
	if (!s)
		return -ENOMEM;
	s->key = strdup(name);
	s->host = a;
	s->peer = b;
	s->dir = dir;
	s->reject = reject;
	if (asprintf(&s->value, "%s%s%s counter %s", tcp ? "meta l4proto tcp" : "", nft, tail,
		     !reject ? "drop"
		     : tcp   ? "reject with tcp reset"
			     : "reject") < 0)
		return -ENOMEM;
	return 0;
}

static int st_remove(struct cur *c)
{
	char name[64];
	const char *at;
	struct step *s;
	int err;

	ws(c);
	at = c->p;
	if ((err = word(c, name, sizeof(name), "a rule name")) || (err = need_end(c)))
		return err;
	if (!rule_active(c->m, name))
		return fail_at(c, at, "no rule '%s' is in place", name);
	s = new_step(c, STEP_REMOVE);
	if (!s)
		return -ENOMEM;
	s->key = strdup(name);
	return 0;
}

/* "2%", "0.5%" into parts per million. */
static int percent(struct cur *c, unsigned *ppm)
{
	char w[32], *end;
	const char *at;
	double v;
	int err;

	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "a percentage such as 2%")))
		return err;
	v = strtod(w, &end);
	if (end == w || strcmp(end, "%") || v < 0 || v > 100)
		return fail_at(c, at, "expected a percentage from 0%% to 100%%, found '%s'", w);
	*ppm = (unsigned)(v * 10000 + 0.5);
	return 0;
}

static int st_netem(struct cur *c)
{
	struct step *s;
	char w[32];
	const char *at;
	int a, b, err;

	if ((err = host_ref(c, &a, 0, NULL)))
		return err;
	ws(c);
	at = c->p;
	if (strncmp(c->p, "->", 2))
		return fail_at(c, at, "expected '->' between the hosts (netem A -> B ...)");
	c->p += 2;
	if ((err = host_ref(c, &b, 0, NULL)))
		return err;
	if (a == b)
		return fail_at(c, at, "expected two different hosts");
	s = new_step(c, STEP_NETEM);
	if (!s)
		return -ENOMEM;
	s->host = a;
	s->peer = b;
	s->netem.seed = -1;
	if (at_end(c))
		return fail_at(c, c->p,
			       "expected delay, jitter, loss, duplicate, reorder, corrupt, "
			       "rate or seed");
	while (!at_end(c)) {
		at = c->p;
		word(c, w, sizeof(w), "a netem parameter");
		if (!strcmp(w, "delay"))
			err = duration(c, &s->netem.delay_ms, NULL);
		else if (!strcmp(w, "jitter"))
			err = duration(c, &s->netem.jitter_ms, NULL);
		else if (!strcmp(w, "loss"))
			err = percent(c, &s->netem.loss_ppm);
		else if (!strcmp(w, "duplicate"))
			err = percent(c, &s->netem.duplicate_ppm);
		else if (!strcmp(w, "reorder"))
			err = percent(c, &s->netem.reorder_ppm);
		else if (!strcmp(w, "corrupt"))
			err = percent(c, &s->netem.corrupt_ppm);
		else if (!strcmp(w, "seed"))
			err = number(c, &s->netem.seed, 0, 0xffffffffLL, "a seed");
		else if (!strcmp(w, "rate")) {
			char r[32], *end;
			ws(c);
			const char *rat = c->p;
			if ((err = word(c, r, sizeof(r), "a rate such as 10mbit")))
				return err;
			double v = strtod(r, &end);
			double mul = !strcmp(end, "bit")    ? 1
				     : !strcmp(end, "kbit") ? 1e3
				     : !strcmp(end, "mbit") ? 1e6
				     : !strcmp(end, "gbit") ? 1e9
							    : -1;
			if (end == r || mul < 0 || v <= 0)
				return fail_at(c, rat,
					       "expected a rate such as 500kbit or 10mbit, "
					       "found '%s'",
					       r);
			s->netem.rate_bps = (unsigned long long)(v * mul);
		} else
			return fail_at(c, at,
				       "unknown netem parameter '%s' (delay, jitter, loss, "
				       "duplicate, reorder, corrupt, rate, seed)",
				       w);
		if (err)
			return err;
	}
	if (s->netem.jitter_ms && !s->netem.delay_ms)
		return fail_at(c, c->line, "jitter needs a delay");
	return 0;
}

static int st_firewall(struct cur *c)
{
	char w[32];
	const char *at, *hat;
	struct step *s;
	unsigned ms;
	int h, err;

	ws(c);
	hat = c->p;
	if ((err = host_ref(c, &h, 0, NULL)))
		return err;
	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "'idle-timeout'")))
		return err;
	if (strcmp(w, "idle-timeout"))
		return fail_at(c, at, "expected idle-timeout, found '%s'", w);
	ws(c);
	at = c->p;
	if ((err = duration(c, &ms, NULL)))
		return err;
	if (ms < 1000)
		return fail_at(c, at, "the idle timeout is at least 1s (conntrack counts seconds)");
	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "'expired rst' or 'expired drop'")))
		return err;
	if (strcmp(w, "expired"))
		return fail_at(c, at, "expected 'expired rst' or 'expired drop', found '%s'", w);
	ws(c);
	at = c->p;
	if ((err = word(c, w, sizeof(w), "rst or drop")))
		return err;
	if (strcmp(w, "rst") && strcmp(w, "drop"))
		return fail_at(c, at, "expected rst or drop after expired, found '%s'", w);
	if ((err = need_end(c)))
		return err;
	if (c->m->topo.hosts[h].nlinks < 2)
		return fail_at(c, hat,
			       "a firewall sits between hosts: '%s' needs two links (declare "
			       "them first)",
			       c->m->topo.hosts[h].name);
	s = new_step(c, STEP_FIREWALL);
	if (!s)
		return -ENOMEM;
	s->host = h;
	s->duration_ms = ms;
	s->reject = w[0] == 'r';
	return 0;
}

/* ---- the file ---- */

static const struct {
	const char *kw;
	int (*fn)(struct cur *c);
} statements[] = {
    {"host", st_host},	   {"link", st_link},	  {"timeout", st_timeout},
    {"sysctl", st_sysctl}, {"timers", st_timers}, {"start", st_start},
    {"expect", st_expect}, {"sleep", st_sleep},	  {"rule", st_rule},
    {"remove", st_remove}, {"netem", st_netem},	  {"firewall", st_firewall},
};

static int statement(struct cur *c)
{
	char kw[32];
	const char *at;

	ws(c);
	at = c->p;
	word(c, kw, sizeof(kw), "a statement");
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
	return fail_at(c, at,
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
		if (!at_end(&c))
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
