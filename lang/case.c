#define _GNU_SOURCE
#include "case_stmt.h"

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
		if (!strcmp(w, "packets") || !strcmp(w, "rule"))
			return caselex_fail(c, at, "'%s' is reserved; name the host otherwise", w);
		h = topo_host_add(&c->m->topo, w);
		if (h == -EEXIST)
			return caselex_fail(c, at, "host '%s' is already declared", w);
		if (h == -ENOMEM)
			return -ENOMEM;
		if (h < 0)
			return caselex_fail(c, at,
					    "bad host name '%s' (letters, digits, '-' and '_', "
					    "at most %d characters)",
					    w, TOPO_NAME_MAX - 1);
	} while (!caselex_at_end(c));
	return 0;
}

/* "mtu N" (both ends) or "mtu N/M" (a's end N, b's end M: a mismatched pair). */
static int link_mtu(struct cur *c, long long *a, long long *b)
{
	char w[64], *end;
	const char *at;
	int err;

	c->p += 3;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "an MTU from 68 to 65535 (or N/M)")))
		return err;
	errno = 0;
	*a = strtoll(w, &end, 10);
	*b = *a;
	if (end != w && *end == '/' && end[1] >= '0' && end[1] <= '9')
		*b = strtoll(end + 1, &end, 10);
	if (end == w || *end || errno || *a < 68 || *a > 65535 || *b < 68 || *b > 65535)
		return caselex_fail(c, at,
				    "expected an MTU from 68 to 65535, or N/M for each end, found "
				    "'%s'",
				    w);
	return 0;
}

static int st_link(struct cur *c)
{
	long long mtu = 0, mtu_b = 0;
	char w[32];
	const char *at;
	int a, b, err, l;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_host(c, &a, 0, NULL)) || (err = caselex_host(c, &b, 0, NULL)))
		return err;
	if (caselex_peek(c, w, sizeof(w)) && !strcmp(w, "mtu") && (err = link_mtu(c, &mtu, &mtu_b)))
		return err;
	if ((err = caselex_need_end(c)))
		return err;
	l = topo_link_add(&c->m->topo, a, b, (unsigned)mtu);
	if (l == -EINVAL)
		return caselex_fail(c, at, "a link needs two different hosts");
	if (l == -EEXIST)
		return caselex_fail(c, at, "these hosts are already linked");
	if (l == -E2BIG)
		return caselex_fail(c, at,
				    "too many links (the address plan, 198.18.0.0/15 and "
				    "100.64.0.0/15 in /24s, has room for %d)",
				    TOPO_MAX_LINKS);
	if (l < 0)
		return l;
	c->m->topo.links[l].mtu[1] = (unsigned)mtu_b;
	return 0;
}

static int st_timeout(struct cur *c)
{
	int err = caselex_duration(c, &c->m->timeout_ms, NULL);

	return err ? err : caselex_need_end(c);
}

/* tolerance [DURATION] [PERCENT%]: of timing assertions. */
static int st_tolerance(struct cur *c)
{
	int n = 0;

	while (!caselex_at_end(c)) {
		size_t len;
		unsigned ms, ppm;
		int err;

		caselex_ws(c);
		if (n++ == 2)
			return caselex_fail(c, c->p,
					    "tolerance takes a duration and a percentage, "
					    "no more");
		len = strcspn(c->p, " \t#");
		if (memchr(c->p, '%', len)) {
			if ((err = caselex_percent(c, &ppm)))
				return err;
			c->m->tol_frac = ppm / 1e6;
		} else {
			if ((err = caselex_duration(c, &ms, NULL)))
				return err;
			c->m->tol_abs = ms / 1000.0;
		}
	}
	return n ? 0 : caselex_fail(c, c->p, "tolerance takes a duration, a percentage or both");
}

/* "6.8" into 6008; -EINVAL. */
static int kernel_version(const char *s, int *v)
{
	char *end;
	long maj, min;

	errno = 0;
	maj = strtol(s, &end, 10);
	if (end == s || *end != '.' || maj < 2 || maj > 99)
		return -EINVAL;
	s = end + 1;
	min = strtol(s, &end, 10);
	if (end == s || *end || errno || min < 0 || min > 999)
		return -EINVAL;
	*v = (int)(maj * 1000 + min);
	return 0;
}

static int st_kernel(struct cur *c)
{
	char w[32];
	const char *at;
	enum filter_cmp op;
	int v, err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a comparison (>= 6.8, < 6.1)")))
		return err;
	if (units_op_parse(w, &op))
		return caselex_fail(c, at, "expected a comparison (== != < <= > >=), found '%s'",
				    w);
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a kernel version such as 6.8")))
		return err;
	if (kernel_version(w, &v))
		return caselex_fail(
		    c, at, "expected a kernel version MAJOR.MINOR such as 6.8, found '%s'", w);
	if (c->m->nkernel == (int)(sizeof(c->m->kernel) / sizeof(c->m->kernel[0])))
		return caselex_fail(c, at, "at most 4 kernel statements (a range needs two)");
	c->m->kernel[c->m->nkernel++] = (struct kernel_req){op, v};
	return caselex_need_end(c);
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
	s->value = val = strdup(eq + 1);
	if (!s->key || !val)
		return -ENOMEM;
	/* strip trailing blanks and optional quotes: tcp_rmem="4096 4096 4096" */
	for (size_t n = strlen(val); n && isspace((unsigned char)val[n - 1]); n--)
		val[n - 1] = '\0';
	if (val[0] == '"' && strlen(val) >= 2 && val[strlen(val) - 1] == '"') {
		memmove(val, val + 1, strlen(val));
		val[strlen(val) - 1] = '\0';
	}
	if (!*val)
		return caselex_fail(c, eq + 1, "expected a value after '='");
	c->p += strlen(c->p);
	return 0;
}

/* `timers HOST fast`: sysctl steps, each optional (the newest keys are
 * missing from older kernels: 6.1 lacks tcp_rto_min_us, tcp_rto_max_ms and
 * tcp_syn_linear_timeouts). */
static const char *const fast_timers[][2] = {
    {"net.ipv4.tcp_rto_min_us", "10000"},
    {"net.ipv4.tcp_rto_max_ms", "1000"},
    {"net.ipv4.tcp_syn_linear_timeouts", "0"},
    {"net.ipv4.tcp_syn_retries", "2"},
    {"net.ipv4.tcp_synack_retries", "2"},
    {"net.ipv4.tcp_orphan_retries", "1"},
    {"net.ipv4.tcp_retries2", "3"},
    {"net.ipv4.tcp_fin_timeout", "3"},
    {"net.ipv4.tcp_keepalive_time", "2"},
    {"net.ipv4.tcp_keepalive_intvl", "1"},
    {"net.ipv4.tcp_keepalive_probes", "3"},
};

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
	for (size_t i = 0; i < sizeof(fast_timers) / sizeof(fast_timers[0]); i++) {
		if (!(s = caselex_step(c, STEP_SYSCTL)))
			return -ENOMEM;
		s->host = h;
		s->optional = 1;
		s->key = strdup(fast_timers[i][0]);
		s->value = strdup(fast_timers[i][1]);
		if (!s->key || !s->value)
			return -ENOMEM;
	}
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

/* "mark NAME": a point on the timeline that counts can begin at. */
static int st_mark(struct cur *c)
{
	char name[32];
	const char *at;
	struct step *s;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, name, sizeof(name), "a mark's name (mark m1)")))
		return err;
	for (const char *q = name; *q; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-')
			return caselex_fail(c, at,
					    "a mark's name is letters, digits, '_' and '-', "
					    "not '%s'",
					    name);
	if (caselex_mark_find(c->m, name) >= 0)
		return caselex_fail(c, at, "mark '%s' is set twice (give each a name of its own)",
				    name);
	if ((err = caselex_need_end(c)))
		return err;
	if (!(s = caselex_step(c, STEP_MARK)) || !(s->key = strdup(name)))
		return -ENOMEM;
	s->mark = c->m->nmarks++;
	return 0;
}

/* "accept NAME [N]": a listener takes N queued connections now. */
static int st_accept(struct cur *c)
{
	struct step *s;
	long long n = 1;
	const char *at;
	int a, err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_actor(c, &a)))
		return err;
	if (c->m->actors[a].kind != ACTOR_LISTEN)
		return caselex_fail(c, at, "'%s' is not a listener (accept takes a listen actor)",
				    c->m->actors[a].name);
	if (!caselex_at_end(c) &&
	    (err = caselex_number(c, &n, 1, 1000000, "a number of connections from 1")))
		return err;
	if ((err = caselex_need_end(c)))
		return err;
	s = caselex_step(c, STEP_ACCEPT);
	if (!s)
		return -ENOMEM;
	s->actor = a;
	if (asprintf(&s->value, "%lld", n) < 0) {
		s->value = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int st_capture(struct cur *c)
{
	return two_hosts(c, STEP_CAPTURE, 1);
}

static int st_cut(struct cur *c)
{
	return two_hosts(c, STEP_CUT, 0);
}

static int st_restore(struct cur *c)
{
	return two_hosts(c, STEP_RESTORE, 0);
}

static int st_signal(struct cur *c)
{
	return st_actor_step(c, STEP_SIGNAL);
}

static int st_close(struct cur *c)
{
	return st_actor_step(c, STEP_CLOSE);
}

static int st_shutdown(struct cur *c)
{
	return st_actor_step(c, STEP_SHUTDOWN);
}

static int st_abort(struct cur *c)
{
	return st_actor_step(c, STEP_ABORT);
}

static int st_send(struct cur *c)
{
	return st_actor_step(c, STEP_SEND);
}

/*
 * Every statement of the language: its keyword, its parser and what it is
 * for (netcase.case(5) has the full syntax).  The table drives dispatch and
 * the list an unknown statement's error offers; adding a statement is one
 * entry here and its parser.
 */
static const struct statement {
	const char *name;
	int (*parse)(struct cur *c);
	const char *purpose;
} statements[] = {
    {"host", st_host, "declare hosts (network namespaces)"},
    {"link", st_link, "a veth pair between two hosts"},
    {"timeout", st_timeout, "bound the whole case"},
    {"tolerance", st_tolerance, "of timing assertions: tolerance 10ms 25% (4ms 12.5%)"},
    {"kernel", st_kernel, "the kernels a case holds for (kernel >= 6.8): SKIP elsewhere"},
    {"sysctl", st_sysctl, "set a net.* sysctl in a host"},
    {"timers", st_timers, "a profile of short TCP timers"},
    {"capture", st_capture, "record a link to pcap"},
    {"start", case_actor_start, "start an actor (listen, connect, exec)"},
    {"expect", case_expect_parse, "an expectation"},
    {"signal", st_signal, "send an actor a signal"},
    {"close", st_close, "close an actor's socket"},
    {"shutdown", st_shutdown, "shut down the write side of an actor's socket"},
    {"abort", st_abort, "close an actor's socket with an RST"},
    {"send", st_send, "make an actor send text"},
    {"accept", st_accept, "make a listener accept N queued connections now"},
    {"sleep", st_sleep, "let time pass"},
    {"mark", st_mark, "a point on the timeline: counters, events, packets since it"},
    {"cut", st_cut, "drop every packet between two hosts"},
    {"restore", st_restore, "lift a cut"},
    {"rule", case_net_rule, "an nftables drop or reject rule"},
    {"remove", case_net_remove, "lift a rule"},
    {"netem", case_net_netem, "impair a path (delay, loss, rate, ...)"},
    {"firewall", case_net_firewall, "a conntrack middlebox with an idle timeout"},
    {"nat", case_mbox_nat, "a router masquerades what it forwards towards a host"},
    {"mss-clamp", case_mbox_mss_clamp, "a router rewrites the MSS of SYNs it forwards"},
    {"route", case_mbox_route, "send a host's packets for another host via a neighbour"},
    {"flush", case_mbox_flush, "a middlebox forgets every flow (failover, reboot)"},
    {"inject", case_inject, "forge a segment into a live connection from a link end"},
};

#define NSTATEMENTS (sizeof(statements) / sizeof(statements[0]))

static int unknown_statement(struct cur *c, const char *at, const char *kw)
{
	char names[512], hint[96];
	struct nearest nr;
	size_t n = 0;

	nearest_init(&nr, kw);
	for (unsigned i = 0; i < NSTATEMENTS && n < sizeof(names); i++) {
		n += snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
			      statements[i].name);
		nearest_try(&nr, statements[i].name);
	}
	return caselex_fail(c, at, "unknown statement '%s'%s (%s)", kw,
			    nearest_hint(&nr, hint, sizeof(hint)), names);
}

static int statement(struct cur *c)
{
	char kw[32];
	const char *at;

	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, kw, sizeof(kw), "a statement"))
		return -EINVAL;
	for (unsigned i = 0; i < NSTATEMENTS; i++)
		if (!strcmp(kw, statements[i].name))
			return statements[i].parse(c);
	return unknown_statement(c, at, kw);
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

/* Cut a line at a '#' outside quotes (a comment); carriage returns become blanks. */
static void strip_comment(char *line)
{
	int inq = 0;

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
}

static int parse_lines(struct cur *c, const char *text)
{
	const char *p = text;
	int r = 0;

	for (c->lineno = 1; *p && !r; c->lineno++) {
		const char *e = strchrnul(p, '\n');
		char *line = strndup(p, e - p);

		if (!line)
			return -ENOMEM;
		strip_comment(line);
		c->line = c->p = line;
		if (!caselex_at_end(c))
			r = statement(c);
		free(line);
		p = *e ? e + 1 : e;
	}
	return r;
}

int case_parse(const char *file, const char *text, struct case_model **out, struct case_error *err)
{
	struct case_model *m = calloc(1, sizeof(*m));
	struct cur c = {.file = file, .err = err, .m = m};
	int r;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	topo_init(&m->topo);
	m->file = strdup(file);
	m->intent = intent_of(text);
	m->timeout_ms = 60000;
	m->tol_abs = 0.004; /* packetdrill's: 4 ms or 12.5% of the gap */
	m->tol_frac = 0.125;
	r = m->file && m->intent ? parse_lines(&c, text) : -ENOMEM;
	if (r == -ENOMEM)
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", file);
	if (!r && !m->topo.nhosts) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s:1:1: a case needs at least one host ('host NAME')", file);
		r = -EINVAL;
	}
	if (r) {
		case_free(m);
		return r;
	}
	*out = m;
	return 0;
}

/* Fill err for a file that cannot be a case; the error. */
static int load_fail(struct case_error *err, const char *path, int r, const char *why)
{
	snprintf(err->msg, sizeof(err->msg), "%s: %s", path, why ? why : strerror(-r));
	return r;
}

/* Read a regular file of at most CASE_MAX_BYTES into *text (NUL-terminated). */
static int read_case_file(const char *path, char **text, size_t *len, struct case_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	ssize_t n = 0;
	char *buf;

	if (fd < 0)
		return load_fail(err, path, -errno, NULL);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return load_fail(err, path, -EINVAL,
				 "not a regular file (a case is a text file; FIFOs, devices "
				 "and folders are refused)");
	}
	buf = malloc(CASE_MAX_BYTES + 2);
	if (!buf) {
		close(fd);
		return load_fail(err, path, -ENOMEM, NULL);
	}
	*len = 0;
	while (*len <= CASE_MAX_BYTES && (n = read(fd, buf + *len, CASE_MAX_BYTES + 1 - *len)) > 0)
		*len += n;
	close(fd);
	if (n < 0 || *len > CASE_MAX_BYTES) {
		free(buf);
		return load_fail(err, path, n < 0 ? -errno : -EFBIG,
				 n < 0 ? NULL : "larger than 1 MiB; a case file is at most 1 MiB");
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

int case_load(const char *path, struct case_model **out, struct case_error *err)
{
	char *text = NULL, *nul;
	size_t len = 0;
	int r;

	*out = NULL;
	r = read_case_file(path, &text, &len, err);
	if (r)
		return r;
	nul = memchr(text, '\0', len);
	if (nul) {
		/* a NUL would silently end the case there */
		const char *line = text;
		int lineno = 1;
		for (const char *q = text; q < nul; q++)
			if (*q == '\n') {
				lineno++;
				line = q + 1;
			}
		snprintf(err->msg, sizeof(err->msg),
			 "%s:%d:%d: a NUL byte (a case is text; is this a binary file?)", path,
			 lineno, (int)(nul - line) + 1);
		free(text);
		return -EINVAL;
	}
	r = case_parse(path, text, out, err);
	free(text);
	return r;
}

struct case_model *case_free(struct case_model *m)
{
	if (!m)
		return NULL;
	for (int i = 0; i < m->nactors; i++) {
		free(m->actors[i].send);
		for (char **a = m->actors[i].argv; a && *a; a++)
			free(*a);
		free(m->actors[i].argv);
		for (char **q = m->actors[i].request; q && *q; q++)
			free(*q);
		free(m->actors[i].request);
		for (char **a = m->actors[i].env; a && *a; a++)
			free(*a);
		free(m->actors[i].env);
		free(m->actors[i].dir);
	}
	for (int i = 0; i < m->nsteps; i++) {
		struct step *s = &m->steps[i];
		free(s->source);
		free(s->key);
		free(s->value);
		free(s->expect.text);
		free(s->expect.rhs.name);
		filter_free(s->expect.filter);
	}
	free(m->actors);
	free(m->steps);
	topo_fini(&m->topo);
	free(m->file);
	free(m->intent);
	free(m);
	return NULL;
}
