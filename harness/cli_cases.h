/*
 * cli_cases: the cases a command names - files, folders walked in sorted
 * order, or names in the catalogue (accept/overflow, accept) - and the
 * shards of that list that `run --shard` and `list --shard` take.
 */
#ifndef NETCASE_CLI_CASES_H
#define NETCASE_CLI_CASES_H

#include <sys/types.h>

/* $(pkgdatadir)/cases, from the build (Makefile.am) */
#ifndef NETCASE_CATALOGUE
#define NETCASE_CATALOGUE "/usr/local/share/netcase/cases"
#endif

struct paths {
	char **v;
	int n;
	struct dirid {
		dev_t dev;
		ino_t ino;
	} * dirs; /* folders already walked: a symlink loop is walked once */
	int ndirs;
};

/* The catalogue: $NETCASE_CATALOGUE when set, else ./cases when it is a
 * folder (a source tree), else the installed one, $(pkgdatadir)/cases. */
const char *catalogue_dir(void);

/* Every case named by args, in order; -ENOENT (said on stderr) when there
 * is none: a mistyped folder in CI must not pass green.  An argument that
 * is no path is looked up in the catalogue, as NAME.case or a folder NAME. */
int collect_all(struct paths *p, char **args, int n);
void paths_free(struct paths *p);

/* --shard K/N of `netcase CMD` into *k, *n: 0, or -1 (message printed). */
int shard_arg(const char *cmd, const char *s, int *k, int *n);

/* Shard K of N holds the cases at 0-based positions K-1, K-1+N, ... of the
 * list: fixed by K, N and the list, each case in exactly one shard. */
static inline int in_shard(int i, int k, int n)
{
	return i % n == k - 1;
}

#endif
