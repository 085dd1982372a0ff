/*
 * units: the small vocabularies every part of the case language shares -
 * durations, comparison operators, errno names and kernel event kinds - as pure conversions
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

/* The i-th errno name netcase knows, NULL past the last (for hints). */
const char *units_errno_name_at(unsigned i);

/* A kernel event kind's name ("retransmit", "drop"; kevent_kind.h), NULL
 * if unknown. */
const char *units_event_name(int kind);

/* The kind a name stands for among those events(KIND ...) counts, or
 * -ENOENT; the names as a list for messages in units_event_names. */
int units_event_parse(const char *name);
extern const char units_event_names[];

/* Whether the regex compiler can build this POSIX extended regex in bounded
 * memory and stack: glibc's regcomp() recurses once per group and copies an
 * atom once per count of a bound, so nested bounds multiply ("a{300}{300}"
 * is 90,000 copies), and copies of what can match the empty string cost it
 * quadratic time and memory or worse ("(){100}{100}" takes 1.5 GB, 2000
 * '^' in a row 10 GB).  0, -ELOOP when groups nest deeper than max_depth (at
 * most UNITS_REGEX_DEPTH), -E2BIG when the copies exceed max_size, those
 * that can match empty max_size / 100, or a group's alternatives
 * UNITS_REGEX_ALTS (9000 of them take 624 MB), and -EDOM when '*', '?', '+'
 * or an unbounded {m,} applies to what can already match empty (nested, such
 * loops cost regcomp() exponential time: a 282-byte case took minutes). */
#define UNITS_REGEX_DEPTH 200
#define UNITS_REGEX_ALTS  1000
int units_regex_bounded(const char *re, unsigned max_depth, double max_size);

/* A kernel release ("6.1.0-28-amd64", uname -r) as major * 1000 + minor
 * (6001), the form `kernel >= 6.1` is compared in; -EINVAL. */
int units_kernel_version(const char *release);

/* A TCP state's name in a history, as ss names it ("syn-sent", kernel
 * numbering: TCP_SYN_SENT), or NULL. */
const char *units_tcp_state_name(int state);

/* The state a name stands for (1-11), or -EINVAL. */
int units_tcp_state_parse(const char *name);

#endif
