/*
 * nearest: "did you mean ...?" for a name that is not known - the known
 * name a typo away from it, as git suggests a command.  Pure.
 */
#ifndef NETCASE_NEAREST_H
#define NETCASE_NEAREST_H

#include <stddef.h>

struct nearest {
	const char *word; /* the unknown name */
	const char *best; /* the nearest candidate so far, or NULL */
	int dist;	  /* its distance */
};

/* Start looking for names near word. */
void nearest_init(struct nearest *nr, const char *word);

/* Consider one known name (kept by pointer: it must outlive nr). */
void nearest_try(struct nearest *nr, const char *name);

/* The nearest name if it is near enough to be a typo of the word (an edit
 * - a letter added, dropped, changed, or two neighbours swapped, case
 * aside - per four letters of the word, at least one; none for words of
 * one or two letters), else NULL. */
const char *nearest_best(const struct nearest *nr);

/* " - did you mean 'NAME'?" into buf, or "" when nothing is near; buf. */
const char *nearest_hint(const struct nearest *nr, char *buf, size_t len);

/* Edit distance between a and b (optimal string alignment, case ignored). */
int nearest_distance(const char *a, const char *b);

#endif
