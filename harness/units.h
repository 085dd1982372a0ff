/*
 * units: the small vocabularies every part of the case language shares -
 * durations, comparison operators and errno names - as pure conversions
 * between text and values.  A leaf module: it depends on nothing of netcase.
 */
#ifndef NETCASE_UNITS_H
#define NETCASE_UNITS_H

#include "filter.h"

/* Duration text ("250ms", "1.5s", "2m", "3" = seconds) to ms; -EINVAL if
 * bad, -ERANGE if over 24 hours. */
int units_duration_parse(const char *s, unsigned *ms);

/* "==", "!=", "<", "<=", ">", ">=". */
const char *units_op_name(enum filter_cmp op);

/* The operator spelled by s, or -EINVAL. */
int units_op_parse(const char *s, enum filter_cmp *op);

/* Errno names as the actors report them ("ECONNRESET"); NULL if unknown. */
const char *units_errno_name(int e);

/* The errno a name stands for, or -ENOENT. */
int units_errno_parse(const char *name);

#endif
