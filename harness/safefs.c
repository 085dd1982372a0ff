#define _GNU_SOURCE
#include "safefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* How deep a removal or hand-over walks below a folder. */
#define WALK_DEPTH 32

static int parse_id(const char *s, unsigned long *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v > (unsigned long)INT_MAX ? -1 : 0;
}

void safefs_owner_init(struct safefs_owner *o, const char *sudo_uid, const char *sudo_gid)
{
	unsigned long u, g;

	o->uid = getuid();
	o->gid = getgid();
	o->give = 0;
	/* only root run through sudo: SUDO_UID names who asked */
	if (getuid() || geteuid() || parse_id(sudo_uid, &u) || !u)
		return;
	o->uid = u;
	o->gid = parse_id(sudo_gid, &g) ? o->gid : (gid_t)g;
	o->give = 1;
}

int safefs_dir_check(int dfd, const char *path, const struct safefs_owner *o, char *why, size_t len)
{
	struct stat st;

	if (fstat(dfd, &st) < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "%s is not a folder", path);
		return -ENOTDIR;
	}
	if (st.st_uid != o->uid && st.st_uid != geteuid()) {
		snprintf(why, len,
			 "%s belongs to uid %u, not to you (uid %u): netcase writes only into "
			 "folders of its user",
			 path, (unsigned)st.st_uid, (unsigned)o->uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len,
			 "%s is writable by others (mode %04o): netcase writes only into folders "
			 "no one else can change",
			 path, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* mkdir -p of a path the user named (its links are the user's). */
static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Below d's deepest folder, the folder name: made (and handed over) when
 * missing, opened without following a link, checked. */
static int dir_push(struct safefs_dir *d, const char *name, const char *path,
		    const struct safefs_owner *o, char *why, size_t len)
{
	int parent = safefs_dir_fd(d), made, fd, err;

	if (d->n == SAFEFS_DEPTH || strlen(name) >= sizeof(d->name[0])) {
		snprintf(why, len, "%s: too deep or too long a path", path);
		return -ENAMETOOLONG;
	}
	if (!strcmp(name, "..")) {
		snprintf(why, len, "%s: '..' in an evidence path", path);
		return -EINVAL;
	}
	made = mkdirat(parent, name, 0755) == 0;
	if (!made && errno != EEXIST) {
		err = -errno;
		snprintf(why, len, "cannot create %s: %s", path, strerror(-err));
		return err;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP || err == -ENOTDIR)
			snprintf(why, len,
				 "%s is a symbolic link or not a folder: netcase follows no link "
				 "it did not make",
				 path);
		else
			snprintf(why, len, "%s: %s", path, strerror(-err));
		return err;
	}
	if (made && o->give && fchown(fd, o->uid, o->gid) < 0) {
		err = -errno;
		snprintf(why, len, "cannot give %s to uid %u: %s", path, (unsigned)o->uid,
			 strerror(-err));
		close(fd);
		return err;
	}
	err = safefs_dir_check(fd, path, o, why, len);
	if (err) {
		close(fd);
		return err;
	}
	d->fd[d->n] = fd;
	snprintf(d->name[d->n], sizeof(d->name[0]), "%s", name);
	d->n++;
	return 0;
}

/* Each folder of rel ("a/b/c") pushed, path growing with it. */
static int dir_push_all(struct safefs_dir *d, const char *rel, char *path, size_t plen,
			const struct safefs_owner *o, char *why, size_t len)
{
	char *copy = strdup(rel ? rel : ""), *save = NULL;
	int err = copy ? 0 : -ENOMEM;

	for (char *c = copy ? strtok_r(copy, "/", &save) : NULL; c && !err;
	     c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		size_t at = strlen(path);
		snprintf(path + at, plen - at, "%s%s", at && path[at - 1] != '/' ? "/" : "", c);
		err = dir_push(d, c, path, o, why, len);
	}
	free(copy);
	return err;
}

int safefs_dir_open(struct safefs_dir *d, const char *root, const char *below,
		    const struct safefs_owner *o, char *why, size_t len)
{
	char copy[PATH_MAX], path[PATH_MAX] = "";
	const char *parent = ".", *base = copy;
	char *slash;
	int err;

	d->n = 0;
	if (!*root || snprintf(copy, sizeof(copy), "%s", root) >= (int)sizeof(copy)) {
		snprintf(why, len, "evidence folder '%s': not a usable path", root);
		return -EINVAL;
	}
	for (size_t n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
		copy[n - 1] = '\0';
	slash = strrchr(copy, '/');
	if (slash == copy) {
		parent = "/", base = copy + 1, snprintf(path, sizeof(path), "/");
	} else if (slash) {
		*slash = '\0', parent = copy, base = slash + 1;
		snprintf(path, sizeof(path), "%s", copy);
	}
	err = mkdirs(parent);
	d->fd[0] = err ? -1 : open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd[0] < 0) {
		err = err ? err : -errno;
		snprintf(why, len, "evidence folder %s: %s", parent, strerror(-err));
		return err;
	}
	d->n = 1;
	/* a folder made or opened here may be removed at once by another case
	 * that passed and removed the parents it emptied: then again */
	size_t plen = strlen(path);
	for (int tries = 0; tries < 20; tries++) {
		while (d->n > 1)
			close(d->fd[--d->n]);
		path[plen] = '\0';
		err = dir_push_all(d, base, path, sizeof(path), o, why, len);
		if (!err)
			err = dir_push_all(d, below, path, sizeof(path), o, why, len);
		if (err != -ENOENT)
			break;
	}
	if (!err && d->n < 2) {
		snprintf(why, len, "evidence folder '%s': not a folder netcase can make", root);
		err = -EINVAL;
	}
	if (err)
		safefs_dir_close(d);
	return err;
}

void safefs_dir_close(struct safefs_dir *d)
{
	for (int i = 0; i < d->n; i++)
		close(d->fd[i]);
	d->n = 0;
}

void safefs_dir_drop(struct safefs_dir *d)
{
	if (d->n < 2)
		return;
	safefs_empty(safefs_dir_fd(d));
	for (int i = d->n - 1; i >= 1; i--)
		if (unlinkat(d->fd[i - 1], d->name[i], AT_REMOVEDIR) < 0)
			break;
}

/* name in folder dfd, new (never an existing entry), for writing. */
static int create_new(int dfd, const char *name, const struct safefs_owner *o)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (o->give && fchown(fd, o->uid, o->gid) < 0) {
		int err = -errno;
		close(fd);
		unlinkat(dfd, name, 0);
		return err;
	}
	return fd;
}

int safefs_create(int dfd, const char *name, const struct safefs_owner *o)
{
	if (strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, "."))
		return -EINVAL;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return create_new(dfd, name, o);
}

FILE *safefs_fopen(int dfd, const char *name, const struct safefs_owner *o)
{
	int fd = safefs_create(dfd, name, o);
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

/*
 * fn on every entry below folder dfd, a folder's contents before the
 * folder; folders on another filesystem (a mount) are neither entered nor
 * given to fn, and a link is an entry like any other, never followed.
 */
static void walk(int dfd, int depth, void (*fn)(int, const char *, const struct stat *, void *),
		 void *arg)
{
	struct stat top, st;
	struct dirent *e;
	DIR *dir;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &top) < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub;
			if (st.st_dev != top.st_dev || depth >= WALK_DEPTH)
				continue;
			sub =
			    openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			walk(sub, depth + 1, fn, arg);
			close(sub);
		}
		fn(dfd, e->d_name, &st, arg);
	}
	closedir(dir);
}

static void remove_entry(int dfd, const char *name, const struct stat *st, void *arg)
{
	(void)arg;
	unlinkat(dfd, name, S_ISDIR(st->st_mode) ? AT_REMOVEDIR : 0);
}

void safefs_empty(int dfd)
{
	walk(dfd, 0, remove_entry, NULL);
}

static void give_entry(int dfd, const char *name, const struct stat *st, void *arg)
{
	const struct safefs_owner *o = arg;

	(void)st;
	fchownat(dfd, name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW);
}

void safefs_give(int dfd, const struct safefs_owner *o)
{
	if (o->give)
		walk(dfd, 0, give_entry, (void *)o);
}

void safefs_clear(int dfd, struct safefs_cleared *c)
{
	struct stat st;
	struct dirent *e;
	DIR *dir;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	c->files = c->links = 0;
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir)))
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode) && unlinkat(dfd, e->d_name, 0) == 0)
			S_ISLNK(st.st_mode) ? c->links++ : c->files++;
	closedir(dir);
}

int safefs_out_open(struct safefs_out *s, const char *path, const struct safefs_owner *o)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd = -EEXIST;

	memset(s, 0, sizeof(*s));
	s->dfd = -1;
	if (slash && (size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? (slash == path ? "/" : path) : ".");
	if (snprintf(s->name, sizeof(s->name), "%s", slash ? slash + 1 : path) >=
		(int)sizeof(s->name) ||
	    !s->name[0])
		return -EINVAL;
	s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dfd < 0)
		return -errno;
	for (int i = 0; i < 100 && fd == -EEXIST; i++) {
		unsigned int rnd = 0;
		if (getrandom(&rnd, sizeof(rnd), 0) < 0)
			rnd = (unsigned)getpid() * 2654435761u + i;
		snprintf(s->tmp, sizeof(s->tmp), ".netcase-%08x.tmp", rnd);
		fd = create_new(s->dfd, s->tmp, o);
	}
	if (fd < 0 || !(s->f = fdopen(fd, "w"))) {
		int err = fd < 0 ? fd : -errno;
		if (fd >= 0) {
			close(fd);
			unlinkat(s->dfd, s->tmp, 0);
		}
		close(s->dfd);
		s->dfd = -1;
		return err;
	}
	return 0;
}

int safefs_out_close(struct safefs_out *s)
{
	int err = ferror(s->f) ? -EIO : 0;

	if (fclose(s->f) && !err)
		err = -errno;
	if (!err && renameat(s->dfd, s->tmp, s->dfd, s->name) < 0)
		err = -errno;
	if (err)
		unlinkat(s->dfd, s->tmp, 0);
	close(s->dfd);
	s->dfd = -1;
	return err;
}
