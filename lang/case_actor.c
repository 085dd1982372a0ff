#define _GNU_SOURCE
#include "case_stmt.h"
#include "nearest.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int endpoint(struct cur *c, struct actor_spec *a, int listen)
{
	char w[128], *colon;
	const char *at;
	long port;
	char *end;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), listen ? "[ADDR]:PORT" : "HOST:PORT")))
		return err;
	if (listen && strspn(w, "0123456789") == strlen(w)) {
		/* `listen 8888` means `listen :8888` */
		memmove(w + 1, w, strlen(w) + 1);
		w[0] = ':';
	}
	colon = strrchr(w, ':');
	if (!colon)
		return caselex_fail(c, at, "expected %s, found '%s'",
				    listen ? "[ADDR]:PORT" : "HOST:PORT", w);
	*colon = '\0';
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < (listen ? 0 : 1) || port > 65535)
		return caselex_fail(c, colon + 1 - w + at, "bad port '%s'", colon + 1);
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
				return caselex_fail(c, at, "'%s' is neither an address nor a host",
						    host);
			a->target_host = h;
		} else {
			snprintf(a->addr, sizeof(a->addr), "%s", host);
		}
		return 0;
	}
	a->target_host = topo_host_find(&c->m->topo, host);
	if (a->target_host < 0) {
		char hint[96];
		return caselex_fail(
		    c, at, "unknown host '%s'%s (declare it first with 'host %s')", host,
		    caselex_hint(c->m, host, CASELEX_HOSTS, hint, sizeof(hint)), host);
	}
	return 0;
}

/* "linger2 T" (TCP_LINGER2 in seconds) or "linger2 -1" (reset on close). */
static int linger2(struct cur *c, struct actor_spec *a)
{
	char w[32];
	long long v;
	unsigned ms;
	int err;

	caselex_peek(c, w, sizeof(w));
	if (w[0] == '-') {
		if ((err = caselex_number(c, &v, -1, -1, "-1 (reset on close)")))
			return err;
		a->linger2_s = -1;
	} else {
		if ((err = caselex_duration(c, &ms, NULL)))
			return err;
		a->linger2_s = (int)((ms + 999) / 1000);
	}
	a->has_linger2 = 1;
	return 0;
}

/* The options that take one number into one int field of the spec. */
static const struct {
	const char *name;
	size_t field;
	long long min, max;
	const char *what;
} numeric_options[] = {
    {"rcvbuf", offsetof(struct actor_spec, rcvbuf), 1, 1 << 30, "a buffer size in bytes"},
    {"sndbuf", offsetof(struct actor_spec, sndbuf), 1, 1 << 30, "a buffer size in bytes"},
    {"syncnt", offsetof(struct actor_spec, syncnt), 1, 127, "a SYN count from 1 to 127"},
    {"maxseg", offsetof(struct actor_spec, maxseg), 88, 65535, "an MSS from 88 to 65535"},
    {"notsent-lowat", offsetof(struct actor_spec, notsent_lowat), 1, 1 << 30, "a number of bytes"},
};

/* "keepalive IDLE INTVL CNT" */
static int opt_keepalive(struct cur *c, struct actor_spec *a)
{
	unsigned idle, intvl;
	long long v;
	int err;

	if ((err = caselex_duration(c, &idle, NULL)) || (err = caselex_duration(c, &intvl, NULL)) ||
	    (err = caselex_number(c, &v, 1, 127, "a probe count from 1 to 127")))
		return err;
	if (idle < 1000 || intvl < 1000)
		return caselex_fail(c, c->p,
				    "keepalive idle and interval are whole seconds, at least 1s");
	a->keepalive = 1;
	a->ka_idle = idle / 1000;
	a->ka_intvl = intvl / 1000;
	a->ka_cnt = (int)v;
	return 0;
}

/* "linger T": the kernel keeps l_linger in whole seconds (sk_lingertime = s * HZ). */
static int opt_linger(struct cur *c, struct actor_spec *a)
{
	const char *at;
	unsigned ms;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_duration(c, &ms, NULL)))
		return err;
	if (ms % 1000)
		return caselex_fail(c, at,
				    "SO_LINGER counts whole seconds: 0s (an abortive close) or 1s "
				    "and more");
	a->linger_s = (int)(ms / 1000);
	return 0;
}

/* "bind ADDR:PORT" */
static int opt_bind(struct cur *c, struct actor_spec *a)
{
	char b[128], *colon, *end, *h = b;
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, b, sizeof(b), "ADDR:PORT")))
		return err;
	colon = strrchr(b, ':');
	if (!colon)
		return caselex_fail(c, at, "expected ADDR:PORT after bind");
	*colon = '\0';
	a->bind_port = (int)strtol(colon + 1, &end, 10);
	if (*end || a->bind_port < 0 || a->bind_port > 65535)
		return caselex_fail(c, at, "bad port in '%s'", colon + 1);
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		h[strlen(h) - 1] = '\0';
		h++;
	}
	snprintf(a->bind_addr, sizeof(a->bind_addr), "%s", h);
	return 0;
}

/* A duration option: user-timeout (ms) or defer-accept (whole seconds, up). */
static int opt_duration(struct cur *c, struct actor_spec *a, const char *w)
{
	unsigned ms;
	int err = caselex_duration(c, &ms, NULL);

	if (err)
		return err;
	if (!strcmp(w, "user-timeout"))
		a->user_timeout_ms = (int)ms;
	else
		a->defer_accept_s = (int)((ms + 999) / 1000);
	return 0;
}

static int socket_option(struct cur *c, struct actor_spec *a, const char *w, int *used)
{
	long long v;
	int err;

	*used = 1;
	for (unsigned i = 0; i < sizeof(numeric_options) / sizeof(numeric_options[0]); i++) {
		if (strcmp(w, numeric_options[i].name))
			continue;
		err = caselex_number(c, &v, numeric_options[i].min, numeric_options[i].max,
				     numeric_options[i].what);
		if (!err)
			*(int *)((char *)a + numeric_options[i].field) = (int)v;
		return err;
	}
	if (!strcmp(w, "keepalive"))
		return opt_keepalive(c, a);
	if (!strcmp(w, "linger"))
		return opt_linger(c, a);
	if (!strcmp(w, "linger2"))
		return linger2(c, a);
	if (!strcmp(w, "bind"))
		return opt_bind(c, a);
	if (!strcmp(w, "user-timeout") || !strcmp(w, "defer-accept"))
		return opt_duration(c, a, w);
	if (!strcmp(w, "congestion"))
		return caselex_word(c, a->congestion, sizeof(a->congestion),
				    "a congestion control name (cubic, reno)");
	static const struct {
		const char *name;
		size_t field;
	} flags[] = {
	    {"nodelay", offsetof(struct actor_spec, nodelay)},
	    {"reuseport", offsetof(struct actor_spec, reuseport)},
	    {"noreuseaddr", offsetof(struct actor_spec, noreuseaddr)},
	    {"bind-no-port", offsetof(struct actor_spec, bind_no_port)},
	    {"quickack", offsetof(struct actor_spec, quickack)},
	    {"cork", offsetof(struct actor_spec, cork)},
	};
	for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcmp(w, flags[i].name)) {
			*(int *)((char *)a + flags[i].field) = 1;
			return 0;
		}
	if (!strcmp(w, "fastopen")) {
		/* a listener's queue of requests with data (16 unless given) */
		char n[16];
		a->fastopen = a->kind == ACTOR_LISTEN ? 16 : 1;
		if (a->kind == ACTOR_LISTEN && caselex_peek(c, n, sizeof(n)) &&
		    isdigit((unsigned char)n[0]) &&
		    (err = caselex_number(c, &v, 1, 65535, "a queue length from 1 to 65535")))
			return err;
		if (a->kind == ACTOR_LISTEN && isdigit((unsigned char)n[0]))
			a->fastopen = (int)v;
		return 0;
	}
	*used = 0;
	return 0;
}

/* A socket option, or an error listing the kind's own options and the common ones. */
static int other_option(struct cur *c, struct actor_spec *a, const char *w, const char *at,
			const char *kind, const char *own)
{
	int used, err = socket_option(c, a, w, &used);

	if (err)
		return err;
	if (!used) {
		static const char common[] =
		    "keepalive, user-timeout, rcvbuf, sndbuf, linger, linger2, nodelay, bind, "
		    "syncnt, defer-accept, maxseg, congestion, reuseport, noreuseaddr, "
		    "notsent-lowat, bind-no-port, quickack, cork, fastopen";
		char all[512], hint[96], *save = NULL;
		struct nearest nr;

		snprintf(all, sizeof(all), "%s, %s", own, common);
		nearest_init(&nr, w);
		for (char *t = strtok_r(all, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			nearest_try(&nr, t);
		/* the hint points into all: made before all is used again */
		nearest_hint(&nr, hint, sizeof(hint));
		return caselex_fail(c, at, "unknown %s option '%s'%s (%s, %s)", kind, w, hint, own,
				    common);
	}
	return 0;
}

static int actor_listen(struct cur *c, struct actor_spec *a)
{
	char w[64];
	const char *at;
	long long v;
	int err;

	if ((err = endpoint(c, a, 1)))
		return err;
	while (!caselex_at_end(c)) {
		at = c->p;
		caselex_word(c, w, sizeof(w), "an option");
		if (!strcmp(w, "backlog")) {
			if ((err = caselex_number(c, &v, 0, 65535, "a backlog from 0 to 65535")))
				return err;
			a->backlog = (int)v;
		} else if (!strcmp(w, "accept") || !strcmp(w, "noaccept")) {
			a->accept = w[0] == 'a';
		} else if (!strcmp(w, "keep-going")) {
			a->keep_going = 1;
		} else if (!strcmp(w, "read") || !strcmp(w, "noread")) {
			a->read = w[0] == 'r';
			char n[32];
			if (a->read && caselex_peek(c, n, sizeof(n)) &&
			    isdigit((unsigned char)n[0])) {
				/* read N every T: a slow reader */
				if ((err = caselex_number(c, &v, 1, 1 << 30, "a number of bytes")))
					return err;
				a->read_chunk = (long)v;
				caselex_ws(c);
				const char *eat = c->p;
				if ((err = caselex_word(c, n, sizeof(n), "'every'")))
					return err;
				if (strcmp(n, "every"))
					return caselex_fail(
					    c, eat, "expected 'every' (read N every T), found '%s'",
					    n);
				if ((err = caselex_duration(c, &a->read_every_ms, NULL)))
					return err;
				if (!a->read_every_ms)
					return caselex_fail(c, eat,
							    "the read interval must be above 0");
			}
		} else if (!strcmp(w, "eof")) {
			const char *at2;
			caselex_ws(c);
			at2 = c->p;
			if ((err = caselex_word(c, w, sizeof(w), "'close' or 'hold' after eof")))
				return err;
			if (strcmp(w, "close") && strcmp(w, "hold"))
				return caselex_fail(
				    c, at2, "expected 'close' or 'hold' after eof, found '%s'", w);
			a->eof_close = w[0] == 'c';
		} else if (!strcmp(w, "reply")) {
			/* reply N per M: N bytes back for every M read */
			char n[16];
			if ((err = caselex_number(c, &v, 1, 1 << 30, "a number of bytes from 1")))
				return err;
			a->reply = (long)v;
			caselex_ws(c);
			if (!caselex_peek(c, n, sizeof(n)) || strcmp(n, "per"))
				return caselex_fail(c, c->p,
						    "expected 'per M' (reply N per M: N bytes back "
						    "for every M read)");
			c->p += strlen("per");
			if ((err = caselex_number(c, &v, 1, 1 << 30, "a number of bytes from 1")))
				return err;
			a->reply_per = (long)v;
		} else if ((err = other_option(c, a, w, at, "listen",
					       "backlog, accept, noaccept, read, noread, eof, "
					       "keep-going, reply"))) {
			return err;
		}
	}
	if (a->reply && !a->read)
		return caselex_fail(c, c->line,
				    "'reply N per M' answers what it reads: not with 'noread'");
	return 0;
}

/* "send "TEXT"" or "send N bytes" */
static int opt_send(struct cur *c, struct actor_spec *a, const char *at)
{
	char n[64];
	int err;

	caselex_ws(c);
	const char *at2 = c->p;
	size_t len = caselex_peek(c, n, sizeof(n));
	if (a->send || a->send_bytes)
		return caselex_fail(c, at, "only one 'send' per actor");
	if (*c->p != '"' && len && isdigit((unsigned char)n[0])) {
		char *end;
		long long v = strtoll(n, &end, 10);
		char b[16];
		c->p += len;
		if (*end || v <= 0 || (caselex_peek(c, b, sizeof(b)), strcmp(b, "bytes")))
			return caselex_fail(c, at2, "expected 'send N bytes' or 'send \"TEXT\"'");
		c->p += strlen(" bytes") - 1 + (c->p[0] == ' ');
		caselex_ws(c);
		a->send_bytes = v;
	} else if ((err = caselex_text(c, &a->send, "the text to send"))) {
		return err;
	}
	return 0;
}

/* "request "A" ["B" ...] reply N [repeat K]": each part one write(), then N
 * bytes read back, K times. */
static int request_option(struct cur *c, struct actor_spec *a, const char *at)
{
	char w[32];
	long long v;
	int n = 0, err;

	if (a->request)
		return caselex_fail(c, at, "only one 'request' per actor");
	for (caselex_ws(c); *c->p == '"'; caselex_ws(c)) {
		char **more = realloc(a->request, (n + 2) * sizeof(*more));
		if (!more)
			return -ENOMEM;
		a->request = more;
		a->request[n + 1] = NULL;
		if ((err = caselex_text(c, &a->request[n], "a part of the request")))
			return err;
		if (!*a->request[n++])
			return caselex_fail(c, at, "a part of a request is not empty");
		if (n > 16)
			return caselex_fail(c, at, "at most 16 parts in a request");
	}
	if (!n)
		return caselex_fail(c, c->p,
				    "expected the request's parts: request \"A\" \"B\" reply N");
	if (!caselex_peek(c, w, sizeof(w)) || strcmp(w, "reply"))
		return caselex_fail(c, c->p,
				    "expected 'reply N' (the bytes read back per request)");
	c->p += strlen("reply");
	if ((err = caselex_number(c, &v, 1, 1 << 30, "a number of bytes from 1")))
		return err;
	a->reply = (long)v;
	caselex_ws(c);
	if (caselex_peek(c, w, sizeof(w)) && !strcmp(w, "repeat")) {
		c->p += strlen("repeat");
		if ((err = caselex_number(c, &v, 1, 1000000, "a number of requests from 1")))
			return err;
		a->repeat = (long)v;
	}
	return 0;
}

/* What a request actor cannot also do. */
static int request_alone(struct cur *c, const struct actor_spec *a, const char *at)
{
	const char *with = a->send || a->send_bytes ? "send"
			   : a->stream		    ? "stream"
			   : a->recv		    ? "recv"
			   : a->connections > 1	    ? "connections"
						    : NULL;

	if (a->request && with)
		return caselex_fail(
		    c, at, "'request' reads its replies on one connection: not with '%s'", with);
	return 0;
}

static int actor_connect(struct cur *c, struct actor_spec *a)
{
	const char *opts;
	char w[64];
	const char *at;
	int err;

	if ((err = endpoint(c, a, 0)))
		return err;
	caselex_ws(c);
	opts = c->p;
	while (!caselex_at_end(c)) {
		at = c->p;
		caselex_word(c, w, sizeof(w), "an option");
		if (!strcmp(w, "send")) {
			if ((err = opt_send(c, a, at)))
				return err;
		} else if (!strcmp(w, "recv")) {
			a->recv = 1;
		} else if (!strcmp(w, "stream")) {
			a->stream = 1;
		} else if (!strcmp(w, "ipv6")) {
			a->ipv6 = 1;
		} else if (!strcmp(w, "connections")) {
			long long v;
			if ((err = caselex_number(c, &v, 1, 10000,
						  "a number of connections from 1 to 10000")))
				return err;
			a->connections = (int)v;
		} else if (!strcmp(w, "request")) {
			if ((err = request_option(c, a, at)))
				return err;
		} else if ((err = other_option(c, a, w, at, "connect",
					       "send, recv, stream, ipv6, connections, request"))) {
			return err;
		}
	}
	if (a->fastopen && !a->send && !a->send_bytes && !a->request && !a->stream)
		return caselex_fail(c, opts,
				    "with fastopen the SYN leaves with the first write: give the "
				    "actor something to send (send, request or stream)");
	if (a->bind_no_port && !a->bind_addr[0])
		return caselex_fail(c, opts,
				    "bind-no-port leaves the port of 'bind ADDR:0' to connect(): "
				    "give bind");
	return request_alone(c, a, opts);
}

/*
 * `listen udp [ADDR]:PORT [echo | reply N | silent] [delay T] [noread]` and `connect udp
 * HOST:PORT send ... [times K] [every T] [recv [within T]] [unconnected]`,
 * with rcvbuf, sndbuf, reuseport, noreuseaddr, bind (connect) and ipv6.
 */
static int actor_udp(struct cur *c, struct actor_spec *a)
{
	int listen = a->kind == ACTOR_LISTEN, err, used;
	const char *at;
	long long v;
	char w[64];

	a->udp = 1;
	a->within_ms = 1000;
	if ((err = endpoint(c, a, listen)))
		return err;
	while (!caselex_at_end(c)) {
		caselex_ws(c);
		at = c->p;
		caselex_word(c, w, sizeof(w), "an option");
		if (listen && (!strcmp(w, "echo") || !strcmp(w, "silent"))) {
			a->echo = w[0] == 'e';
		} else if (listen && !strcmp(w, "reply")) {
			err = caselex_number(c, &v, 1, 65507, "a datagram size from 1 to 65507");
			a->reply = (long)v;
		} else if (listen && !strcmp(w, "delay")) {
			err = caselex_duration(c, &a->delay_ms, NULL);
		} else if (listen && (!strcmp(w, "read") || !strcmp(w, "noread"))) {
			a->read = w[0] == 'r';
		} else if (!listen && !strcmp(w, "send")) {
			err = opt_send(c, a, at);
		} else if (!listen && !strcmp(w, "times")) {
			err = caselex_number(c, &v, 1, 1000000, "a count from 1");
			a->repeat = (long)v;
		} else if (!listen && !strcmp(w, "every")) {
			err = caselex_duration(c, &a->every_ms, NULL);
		} else if (!listen && !strcmp(w, "recv")) {
			char n[16];
			a->recv = 1;
			if (caselex_peek(c, n, sizeof(n)) && !strcmp(n, "within")) {
				caselex_word(c, n, sizeof(n), "within");
				err = caselex_duration(c, &a->within_ms, NULL);
			}
		} else if (!listen && (!strcmp(w, "unconnected") || !strcmp(w, "ipv6"))) {
			*(w[0] == 'u' ? &a->unconnected : &a->ipv6) = 1;
		} else if (!strcmp(w, "rcvbuf") || !strcmp(w, "sndbuf") ||
			   !strcmp(w, "reuseport") || !strcmp(w, "noreuseaddr") ||
			   (!listen && !strcmp(w, "bind"))) {
			err = socket_option(c, a, w, &used);
		} else {
			return caselex_fail(
			    c, at, "unknown UDP %s option '%s' (%s)", listen ? "listen" : "connect",
			    w,
			    listen ? "echo, reply N, silent, delay T, read, noread, rcvbuf, "
				     "sndbuf, reuseport, noreuseaddr"
				   : "send, times, every, recv, unconnected, ipv6, "
				     "rcvbuf, sndbuf, reuseport, noreuseaddr, bind");
		}
		if (err)
			return err;
	}
	if (!listen && !a->send && !a->send_bytes)
		return caselex_fail(c, c->line,
				    "a UDP connect actor sends: give send \"TEXT\" or "
				    "send N bytes");
	if (a->send_bytes > 65507)
		return caselex_fail(c, c->line, "a datagram holds at most 65507 bytes");
	return 0;
}

/* ${casedir} and ${evidence} are the only variables; anything else named
 * ${...} is an error at parse time, not an empty string at run time. */
static int check_vars(struct cur *c, const char *at, const char *text)
{
	for (const char *p = strstr(text, "${"); p; p = strstr(p + 2, "${")) {
		size_t n = strcspn(p + 2, "}");
		if (p[2 + n] != '}')
			return caselex_fail(c, at, "unterminated '${' in '%s'", text);
		if ((n != 7 || strncmp(p + 2, "casedir", 7)) &&
		    (n != 8 || strncmp(p + 2, "evidence", 8)))
			return caselex_fail(c, at,
					    "unknown variable '${%.*s}' (${casedir}, ${evidence})",
					    (int)n, p + 2);
	}
	return 0;
}

/* Append a word (text) to a NULL-terminated vector. */
static int vec_push(struct cur *c, char ***vec, int *n, const char *what)
{
	char **v = realloc(*vec, (*n + 2) * sizeof(char *));
	const char *at;
	int err;

	if (!v)
		return -ENOMEM;
	*vec = v;
	v[*n] = v[*n + 1] = NULL; /* case_free() sees a whole vector */
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_text(c, &v[*n], what)))
		return err;
	if ((err = check_vars(c, at, v[*n])))
		return err;
	v[++*n] = NULL;
	return 0;
}

/* One KEY=VALUE of env (VALUE a word or a quoted string) onto a->env. */
static int env_pair(struct cur *c, struct actor_spec *a, int *n, size_t klen)
{
	char key[256], *val = NULL, **v;
	const char *at = c->p;
	int err;

	snprintf(key, sizeof(key), "%.*s", (int)klen, c->p);
	c->p += klen + 1;
	if (*c->p == ' ' || *c->p == '\t' || !*c->p)
		val = strdup("");
	else if ((err = caselex_text(c, &val, "a value")) || (err = check_vars(c, at, val))) {
		free(val);
		return err;
	}
	v = realloc(a->env, (*n + 2) * sizeof(char *));
	if (!v || !val) {
		free(val);
		return -ENOMEM;
	}
	a->env = v;
	v[*n + 1] = NULL;
	if (asprintf(&v[*n], "%s=%s", key, val) < 0)
		v[*n] = NULL;
	free(val);
	return v[(*n)++] ? 0 : -ENOMEM;
}

/* "env KEY=VALUE ..." before the command. */
static int exec_env(struct cur *c, struct actor_spec *a)
{
	char w[256];
	int n = 0, err;

	c->p += strlen("env");
	while (caselex_peek(c, w, sizeof(w)) && strchr(w, '=')) {
		size_t k = strcspn(w, "=");
		if (!k || k >= sizeof(w) - 1 ||
		    strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") <
			k)
			return caselex_fail(c, c->p, "bad environment variable in '%s' (KEY=VALUE)",
					    w);
		if ((err = env_pair(c, a, &n, k)))
			return err;
	}
	if (!n)
		return caselex_fail(c, c->p, "expected KEY=VALUE after env");
	return 0;
}

static int actor_exec(struct cur *c, struct actor_spec *a)
{
	char w[32];
	const char *at;
	int n = 0, err;

	if (caselex_peek(c, w, sizeof(w)) && !strcmp(w, "env") && (err = exec_env(c, a)))
		return err;
	if (caselex_peek(c, w, sizeof(w)) && !strcmp(w, "in")) {
		c->p += 2;
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_text(c, &a->dir, "a folder after 'in'")) ||
		    (err = check_vars(c, at, a->dir)))
			return err;
	}
	while (!caselex_at_end(c))
		if ((err = vec_push(c, &a->argv, &n, "an argument")))
			return err;
	if (!n)
		return caselex_fail(c, c->p, "expected a command after exec");
	return 0;
}

int case_actor_start(struct cur *c)
{
	char name[64], kind[32];
	const char *at;
	struct actor_spec *a;
	struct step *s;
	int h, err;
	void *v;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_label(c, name, sizeof(name), "actor")))
		return err;
	if (!*name || strlen(name) >= sizeof(a->name) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
		strlen(name))
		return caselex_fail(c, at, "bad actor name '%s'", name);
	if (caselex_actor_find(c->m, name) >= 0)
		return caselex_fail(c, at, "actor '%s' is already started", name);
	if (topo_host_find(&c->m->topo, name) >= 0)
		return caselex_fail(c, at, "'%s' is a host name; name the actor otherwise", name);
	if ((err = caselex_host(c, &h, 0, NULL)))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, kind, sizeof(kind), "listen, connect or exec")))
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
	a->linger_s = -1;
	a->accept = a->read = a->eof_close = 1;
	a->target_host = -1;
	if (!strcmp(kind, "listen") || !strcmp(kind, "connect")) {
		char u[8];
		a->kind = kind[0] == 'l' ? ACTOR_LISTEN : ACTOR_CONNECT;
		if (caselex_peek(c, u, sizeof(u)) && !strcmp(u, "udp")) {
			caselex_word(c, u, sizeof(u), "udp");
			err = actor_udp(c, a);
		} else {
			err = a->kind == ACTOR_LISTEN ? actor_listen(c, a) : actor_connect(c, a);
		}
	} else if (!strcmp(kind, "exec")) {
		a->kind = ACTOR_EXEC;
		err = actor_exec(c, a);
	} else {
		return caselex_fail(c, at, "unknown actor kind '%s' (listen, connect or exec)",
				    kind);
	}
	c->m->nactors++; /* counted even on error, so case_free() releases it */
	if (err)
		return err;
	s = caselex_step(c, STEP_START);
	if (!s)
		return -ENOMEM;
	s->actor = c->m->nactors - 1;
	s->host = h;
	return 0;
}

/* A signal name (STOP, SIGSTOP, ...) into *sig. */
