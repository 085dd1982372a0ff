#define _GNU_SOURCE
#include "units.h"
#include "kevent_kind.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int units_duration_parse(const char *s, unsigned *ms)
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
	if (!(v >= 0))
		return -EINVAL;
	if (v > 24.0 * 3600 * 1000)
		return -ERANGE;
	*ms = (unsigned)(v + 0.5);
	return 0;
}

static const char *const ops[] = {
    [FILTER_EQ] = "==", [FILTER_NE] = "!=", [FILTER_LT] = "<",
    [FILTER_LE] = "<=", [FILTER_GT] = ">",  [FILTER_GE] = ">=",
};

const char *units_op_name(enum filter_cmp op)
{
	return (unsigned)op < ARRAY_SIZE(ops) ? ops[op] : "?";
}

int units_op_parse(const char *s, enum filter_cmp *op)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++)
		if (!strcmp(s, ops[i])) {
			*op = (enum filter_cmp)i;
			return 0;
		}
	return -EINVAL;
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
    {"ENODATA", ENODATA},
};

const char *units_errno_name(int e)
{
	for (unsigned i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	return NULL;
}

const char *units_errno_name_at(unsigned i)
{
	return i < ARRAY_SIZE(errnos) ? errnos[i].name : NULL;
}

int units_errno_parse(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(errnos); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].e;
	return -ENOENT;
}

/* Kernel event kinds: counted by events(KIND ...), or in the logs only. */
static const struct {
	const char *name;
	int kind, counted;
} events[] = {
    {"retransmit", KEV_RETRANS, 1},
    {"synack-retransmit", KEV_SYNACK_RETRANS, 1},
    {"reset-sent", KEV_RST_SENT, 1},
    {"reset-received", KEV_RST_RECV, 1},
    {"state", KEV_STATE, 1},
    {"drop", KEV_DROP, 1},
    {"timewait-handover", KEV_TIMEWAIT, 0},
    {"retransmit-failed", KEV_RETRANS_FAIL, 0},
};

const char units_event_names[] = "retransmit, synack-retransmit, reset-sent, reset-received, "
				 "state STATE, drop [REASON]";

const char *units_event_name(int kind)
{
	for (unsigned i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i].kind == kind)
			return events[i].name;
	return NULL;
}

int units_event_parse(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i].counted && !strcmp(events[i].name, name))
			return events[i].kind;
	return -ENOENT;
}

/* Skips a bracket expression from its '['; returns what follows its ']'.
 * A ']' first (after an optional '^') is a member, and so is anything in
 * [:class:], [=x=] and [.x.]. */
static const char *bracket_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++)
		if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			const char *q = strchr(p + 2, p[1]);

			while (q && q[1] != ']')
				q = strchr(q + 1, p[1]);
			p = q ? q + 1 : p + strlen(p) - 1;
		}
	return *p ? p + 1 : p;
}

/* The bound "{m}", "{m,}", "{m,n}" or glibc's "{,n}" (m = 0) at *pp: how
 * many copies of the atom the regex compiler makes (max(m, n), m + 1 for
 * {m,}) and how many of those are optional (n - m, each one a nested "?";
 * the star of {m,}; all of them when m is 0).  0 when it is not a bound. */
static int bound_parse(const char **pp, double *copies, double *optional)
{
	char *end = (char *)*pp + 1;
	const char *p = end;
	double m = 0, n;

	if (*p >= '0' && *p <= '9')
		m = strtod(p, &end);
	else if (*p != ',')
		return 0;
	n = m;
	if (*end == ',') {
		p = end + 1;
		n = *p >= '0' && *p <= '9' ? strtod(p, &end) : m + 1;
		if (*p < '0' || *p > '9')
			end = (char *)p;
	}
	if (*end != '}')
		return 0;
	*pp = end;
	*copies = (m > n ? m : n) < 1 ? 1 : (m > n ? m : n);
	*optional = m < 1 ? *copies : n > m ? n - m : 0;
	return 1;
}

/* One group level: its size in copies, how many of those copies can match
 * the empty string (anchors, starred atoms, empty groups: regcomp's closure
 * over them grows quadratically and faster), the same two for its last
 * atom, and whether the branch so far (pre, then the last atom) or an earlier
 * branch can match the empty string. */
struct re_frame {
	double total, last, nul, lastnul;
	int pre, lastn, anyn;
	unsigned alts; /* its branches: regcomp's closure over them is quadratic */
};

struct re_walk {
	struct re_frame f[UNITS_REGEX_DEPTH + 1];
	unsigned d;
};

/* An atom of size copies, inner of them nullable; a nullable atom counts whole. */
static void re_atom(struct re_frame *f, double size, int nullable, double inner)
{
	f->pre &= f->lastn;
	f->lastn = nullable;
	f->last = size;
	f->lastnul = nullable ? size : inner;
	f->total += size;
	f->nul += f->lastnul;
}

/* The last atom repeated: copies of it, optional of them (those can match
 * empty whatever the atom is; the others keep its own nullable copies). */
static void re_repeat(struct re_frame *f, double copies, double optional)
{
	double lastnul = f->lastnul * (copies - optional) + f->last * optional;

	if (optional >= copies)
		f->lastn = 1;
	f->total += f->last * (copies - 1);
	f->last *= copies;
	f->nul += lastnul - f->lastnul;
	f->lastnul = lastnul;
}

static void re_open(struct re_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->pre = f->lastn = 1;
}

/* One character (or escape, or bracket expression) of the regex at *pp. */
static int re_step(struct re_walk *w, const char **pp, unsigned max_depth)
{
	struct re_frame *f = &w->f[w->d];
	const char *p = *pp;
	double fac, opt;
	int null;

	switch (*p) {
	case '(':
		if (++w->d > max_depth)
			return -ELOOP;
		re_open(&w->f[w->d]);
		return 0;
	case ')':
		if (!w->d)
			break; /* a literal ')' in ERE */
		null = f->anyn || (f->pre && f->lastn);
		fac = f->total < 1 ? 1 : f->total;
		re_atom(&w->f[--w->d], fac, null, f->nul);
		return 0;
	case '|':
		if (++f->alts >= UNITS_REGEX_ALTS)
			return -E2BIG;
		f->anyn |= f->pre && f->lastn;
		f->pre = f->lastn = 1;
		f->last = f->lastnul = 0;
		return 0;
	case '*':
	case '?':
		/* on what can match empty already: an epsilon loop or another
		 * empty wrapper, which regcomp's closure may take exponential
		 * time over ((a*)*, a??, and so on, nested) */
		if (f->lastn)
			return -EDOM;
		re_repeat(f, 1, 1); /* one copy, optional: a? is a{0,1}, a* its loop */
		return 0;
	case '+':
		if (f->lastn)
			return -EDOM;
		re_repeat(f, 2, 1); /* x+ is x x* */
		return 0;
	case '{':
		if (!bound_parse(pp, &fac, &opt))
			break;
		if (f->lastn && (*pp)[-1] == ',')
			return -EDOM; /* {m,}: unbounded, a loop */
		re_repeat(f, fac, opt);
		return 0;
	case '^':
	case '$':
		re_atom(f, 1, 1, 0);
		return 0;
	case '[':
		*pp = bracket_end(p) - 1;
		break;
	case '\\':
		if (p[1])
			++*pp;
		break;
	}
	re_atom(f, 1, 0, 0);
	return 0;
}

int units_regex_bounded(const char *re, unsigned max_depth, double max_size)
{
	struct re_walk *w = malloc(sizeof(*w));
	int err = 0;

	if (!w)
		return -ENOMEM;
	if (max_depth > UNITS_REGEX_DEPTH)
		max_depth = UNITS_REGEX_DEPTH;
	w->d = 0;
	re_open(&w->f[0]);
	for (const char *p = re; *p && !err; p++) {
		err = re_step(w, &p, max_depth);
		if (!err && (w->f[w->d].total > max_size || w->f[w->d].nul > max_size / 100))
			err = -E2BIG;
	}
	free(w);
	return err;
}

int units_kernel_version(const char *release)
{
	int maj = 0, min = 0;

	if (sscanf(release, "%d.%d", &maj, &min) != 2)
		return -EINVAL;
	return maj * 1000 + min;
}

static const char *const tcp_state_names[] = {
    [TCP_ESTABLISHED] = "established",
    [TCP_SYN_SENT] = "syn-sent",
    [TCP_SYN_RECV] = "syn-recv",
    [TCP_FIN_WAIT1] = "fin-wait-1",
    [TCP_FIN_WAIT2] = "fin-wait-2",
    [TCP_TIME_WAIT] = "time-wait",
    [TCP_CLOSE] = "closed",
    [TCP_CLOSE_WAIT] = "close-wait",
    [TCP_LAST_ACK] = "last-ack",
    [TCP_LISTEN] = "listening",
    [TCP_CLOSING] = "closing",
};

const char *units_tcp_state_name(int state)
{
	return state > 0 && state <= TCP_CLOSING ? tcp_state_names[state] : NULL;
}

int units_tcp_state_parse(const char *name)
{
	for (int i = 1; i <= TCP_CLOSING; i++)
		if (!strcmp(name, tcp_state_names[i]))
			return i;
	return -EINVAL;
}
