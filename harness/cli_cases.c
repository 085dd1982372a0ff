/* Finding cases: by path, by folder, by name in the catalogue; shards. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_cases.h"

const char *catalogue_dir(void)
{
	const char *env = getenv("NETCASE_CATALOGUE");
	struct stat st;

	if (env && *env)
		return env;
	return stat("cases", &st) == 0 && S_ISDIR(st.st_mode) ? "cases" : NETCASE_CATALOGUE;
}

static int path_add(struct paths *p, const char *s)
{
	char **v = realloc(p->v, (p->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->v = v;
	p->v[p->n] = strdup(s);
	return p->v[p->n++] ? 0 : -ENOMEM;
}

/* 1 if the folder was walked already, else remember it; -ENOMEM. */
static int dir_seen(struct paths *p, const struct stat *st)
{
	struct dirid *v;

	for (int i = 0; i < p->ndirs; i++)
		if (p->dirs[i].dev == st->st_dev && p->dirs[i].ino == st->st_ino)
			return 1;
	v = realloc(p->dirs, (p->ndirs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->dirs = v;
	p->dirs[p->ndirs++] = (struct dirid){st->st_dev, st->st_ino};
	return 0;
}

static int collect(struct paths *p, const char *path);

/* A name that is no path: the catalogue's NAME.case, else its folder NAME
 * (accept/overflow, accept); a name that climbs out of it is not looked up. */
static int collect_named(struct paths *p, const char *name)
{
	const char *cat = catalogue_dir();
	char file[4096];
	struct stat st;

	if (name[0] != '/' && strncmp(name, "./", 2) && !strstr(name, "..")) {
		snprintf(file, sizeof(file), "%s/%s.case", cat, name);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
			return path_add(p, file);
		snprintf(file, sizeof(file), "%s/%s", cat, name);
		if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
			return collect(p, file);
	}
	fprintf(stderr, "netcase: %s: no such file, folder or case in the catalogue (%s)\n", name,
		cat);
	return -ENOENT;
}

/* One entry of a folder: a folder below, or a *.case file. */
static int collect_entry(struct paths *p, const char *dir, const char *nm)
{
	char sub[4096];
	struct stat st;
	size_t len = strlen(nm);

	if (nm[0] == '.')
		return 0;
	snprintf(sub, sizeof(sub), "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", nm);
	if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
		return collect(p, sub);
	if (len > 5 && !strcmp(nm + len - 5, ".case"))
		return path_add(p, sub);
	return 0;
}

/* Add a file, or every *.case below a folder, in sorted order. */
static int collect(struct paths *p, const char *path)
{
	struct stat st;
	struct dirent **ents;
	int n, err;

	if (stat(path, &st) < 0) {
		err = -errno;
		if (err == -ENOENT)
			return collect_named(p, path);
		fprintf(stderr, "netcase: %s: %s\n", path, strerror(-err));
		return err;
	}
	if (!S_ISDIR(st.st_mode))
		return path_add(p, path);
	err = dir_seen(p, &st);
	if (err)
		return err < 0 ? err : 0;
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		err = -errno;
		fprintf(stderr, "netcase: %s: %s\n", path, strerror(-err));
		return err;
	}
	for (int i = 0; i < n; i++) {
		if (!err)
			err = collect_entry(p, path, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return err;
}

int collect_all(struct paths *p, char **args, int n)
{
	int err = 0;

	for (int i = 0; i < n && !err; i++)
		err = collect(p, args[i]);
	if (!err && !p->n) {
		fprintf(stderr, "netcase: no case files (*.case) in");
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %s", args[i]);
		fprintf(stderr, "\n");
		err = -ENOENT;
	}
	return err;
}

void paths_free(struct paths *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	free(p->dirs);
}

int shard_arg(const char *cmd, const char *s, int *k, int *n)
{
	char end;

	if (sscanf(s, "%d/%d%c", k, n, &end) != 2 || *n < 1 || *k < 1 || *k > *n) {
		fprintf(stderr, "netcase %s: --shard takes K/N with 1 <= K <= N, not '%s'\n", cmd,
			s);
		return -1;
	}
	return 0;
}
