/*
 * caselex: the cursor the case parser reads a statement with, and the
 * pieces every statement is made of (words, durations, numbers, host and
 * actor names, quoted strings), each failing with file:line:column and what
 * was expected.  Internal to the parser (case.c, case_actor.c,
 * case_expect.c, case_net.c); pure.
 */
#ifndef NETCASE_CASELEX_H
#define NETCASE_CASELEX_H

#include <stddef.h>

#include "case.h"

struct cur {
	const char *file, *line, *p;
	int lineno;
	struct case_error *err;
	struct case_model *m;
};

/* Fill c->err with "file:line:col: " and the message at position at; -EINVAL. */
int caselex_fail(struct cur *c, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void caselex_ws(struct cur *c);
int caselex_at_end(struct cur *c);
/* The next blank-separated word, not consumed; its length. */
size_t caselex_peek(struct cur *c, char *buf, size_t len);
/* Read a word; fails naming what was expected when there is none. */
int caselex_word(struct cur *c, char *buf, size_t len, const char *what);

/* "2%", "0.5%" (0 to 100) into parts per million; 0 or -EINVAL. */
int caselex_percent(struct cur *c, unsigned *ppm);
/* Strip a trailing ':' from w; 1 if there was one. */
int caselex_strip_colon(char *w);
/* "NAME:" (the colon attached or apart) into buf; noun names it in errors. */
int caselex_label(struct cur *c, char *buf, size_t len, const char *noun);
int caselex_need_end(struct cur *c);
/* The next word must be want; -EINVAL "expected WHAT, found '...'" otherwise. */
int caselex_keyword(struct cur *c, const char *want, const char *what);
int caselex_duration(struct cur *c, unsigned *ms, int *colon);
int caselex_number(struct cur *c, long long *v, long long min, long long max, const char *what);
int caselex_host(struct cur *c, int *h, int colon_ok, int *colon);
int caselex_actor_find(const struct case_model *m, const char *name);
/* The index of the mark called name among m's marks so far, or -1. */
int caselex_mark_find(const struct case_model *m, const char *name);

/* " - did you mean 'NAME'?" for an unknown w: the nearest of m's hosts
 * (CASELEX_HOSTS) and actors (CASELEX_ACTORS), or "" when none is near. */
enum { CASELEX_HOSTS = 1, CASELEX_ACTORS = 2 };
const char *caselex_hint(const struct case_model *m, const char *w, unsigned what, char *buf,
			 size_t len);
int caselex_actor(struct cur *c, int *a);
/* A quoted string (escapes \" \\ \n \t \r) or one word; *out is malloc'd. */
int caselex_text(struct cur *c, char **out, const char *what);
/* Append a step for the statement being read. */
struct step *caselex_step(struct cur *c, enum step_kind kind);
/* A signal name (STOP, SIGSTOP, ...). */
int caselex_signal(struct cur *c, int *sig);

#endif
