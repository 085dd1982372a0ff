/*
 * nearest: the known name a typo away from an unknown one (nearest.h).
 */
#include "nearest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longer names are not compared: no typo of a word is that far from it. */
#define NEAREST_MAX 64

int nearest_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	int d[NEAREST_MAX + 1][NEAREST_MAX + 1];

	if (n > NEAREST_MAX || m > NEAREST_MAX)
		return NEAREST_MAX;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			int cost =
			    tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int v = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			/* two neighbours swapped: one edit */
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m];
}

void nearest_init(struct nearest *nr, const char *word)
{
	nr->word = word;
	nr->best = NULL;
	nr->dist = NEAREST_MAX + 1;
}

void nearest_try(struct nearest *nr, const char *name)
{
	int d;

	if (!name || !*name || !strcmp(name, nr->word))
		return;
	d = nearest_distance(nr->word, name);
	if (d < nr->dist) {
		nr->best = name;
		nr->dist = d;
	}
}

const char *nearest_best(const struct nearest *nr)
{
	size_t n = strlen(nr->word);
	int allowed = n < 3 ? 0 : n < 8 ? 1 : (int)(n / 4);

	return nr->best && nr->dist <= allowed ? nr->best : NULL;
}

const char *nearest_hint(const struct nearest *nr, char *buf, size_t len)
{
	const char *b = nearest_best(nr);

	if (b)
		snprintf(buf, len, " - did you mean '%s'?", b);
	else if (len)
		buf[0] = '\0';
	return buf;
}
