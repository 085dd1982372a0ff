#define _GNU_SOURCE
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
};

const char *units_errno_name(int e)
{
	for (unsigned i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	return NULL;
}

int units_errno_parse(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(errnos); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].e;
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

/* The copy count of "{m}", "{m,}" or "{m,n}" at p (how many times the regex
 * compiler duplicates the atom); 0 when p is not a valid bound. */
static double bound_factor(const char **pp)
{
	char *end;
	const char *p = *pp + 1;
	double m, n;

	if (*p < '0' || *p > '9')
		return 0;
	m = strtod(p, &end);
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
	return (m > n ? m : n) < 1 ? 1 : (m > n ? m : n);
}

int units_regex_bounded(const char *re, unsigned max_depth, double max_size)
{
	double total[UNITS_REGEX_DEPTH + 1] = {0}, last[UNITS_REGEX_DEPTH + 1] = {0}, f;
	unsigned d = 0;

	if (max_depth > UNITS_REGEX_DEPTH)
		max_depth = UNITS_REGEX_DEPTH;
	for (const char *p = re; *p; p++) {
		switch (*p) {
		case '(':
			if (++d > max_depth)
				return -ELOOP;
			total[d] = last[d] = 0;
			continue;
		case ')':
			if (!d)
				break; /* a literal ')' in ERE */
			f = total[d] < 1 ? 1 : total[d];
			d--;
			last[d] = f;
			total[d] += f;
			goto check;
		case '|':
			last[d] = 0;
			continue;
		case '*':
		case '?':
			continue;
		case '+':
			f = 2;
			goto repeat;
		case '{':
			if (!(f = bound_factor(&p)))
				break;
		repeat:
			total[d] += last[d] * (f - 1);
			last[d] *= f;
			goto check;
		case '[':
			p = bracket_end(p) - 1;
			break;
		case '\\':
			if (p[1])
				p++;
			break;
		}
		last[d] = 1;
		total[d] += 1;
	check:
		if (total[d] > max_size)
			return -E2BIG;
	}
	return 0;
}
