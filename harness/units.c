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
