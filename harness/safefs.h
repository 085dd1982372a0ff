/*
 * safefs: the files netcase writes as root, none through a link it did not
 * make.  Every file is created relative to a descriptor of a folder netcase
 * made itself or verified (a real directory, owned by the invoking user or
 * by the user netcase runs as, writable by no one else), with O_NOFOLLOW |
 * O_EXCL after the stale entry of that name was removed; a file the user
 * names (--junit FILE) is written beside it under a new name and renamed
 * into place.  Removing walks by descriptors too, never following a link
 * or entering another filesystem.
 */
#ifndef NETCASE_SAFEFS_H
#define NETCASE_SAFEFS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Who the files are for: run through sudo by root, SUDO_UID/SUDO_GID
 * (give: new files and folders are handed to them); else the user netcase
 * runs as. */
struct safefs_owner {
	uid_t uid;
	gid_t gid;
	int give;
};

/* o for this process; sudo_uid and sudo_gid are the variables' text or NULL. */
void safefs_owner_init(struct safefs_owner *o, const char *sudo_uid, const char *sudo_gid);

#define SAFEFS_DEPTH 16

/* A chain of folders held open: fd[0] is the parent of the root the user
 * named (resolved as any path), fd[1] that root, fd[n - 1] the deepest. */
struct safefs_dir {
	int n;
	int fd[SAFEFS_DEPTH];
	char name[SAFEFS_DEPTH][256];
};

/*
 * Open root/below (below: folders separated by '/', may be "" or NULL),
 * creating what is missing; every folder from root down must be a real
 * directory owned by o's user or netcase's, writable by no one else.  0, or
 * -errno with why naming the folder and what to do.
 */
int safefs_dir_open(struct safefs_dir *d, const char *root, const char *below,
		    const struct safefs_owner *o, char *why, size_t len);

/* The deepest folder's descriptor. */
static inline int safefs_dir_fd(const struct safefs_dir *d)
{
	return d->fd[d->n - 1];
}

/* Remove the deepest folder's contents, then each folder up to and
 * including the root while it is empty. */
void safefs_dir_drop(struct safefs_dir *d);

void safefs_dir_close(struct safefs_dir *d);

/* Whether the folder dfd may be trusted (see safefs_dir_open): 0, or -errno
 * with why saying what is wrong with it (named by path). */
int safefs_dir_check(int dfd, const char *path, const struct safefs_owner *o, char *why,
		     size_t len);

/* A new file name in folder dfd, for writing, replacing a stale entry of
 * that name (a file or a link, never followed); a descriptor or -errno. */
int safefs_create(int dfd, const char *name, const struct safefs_owner *o);

/* The same as a stream ("w"); NULL with errno. */
FILE *safefs_fopen(int dfd, const char *name, const struct safefs_owner *o);

/* Counts of what safefs_clear() removed. */
struct safefs_cleared {
	int files, links;
};

/* Remove the files and links in folder dfd (not its folders, which may be
 * another case's); links removed, not followed. */
void safefs_clear(int dfd, struct safefs_cleared *c);

/* Remove everything below folder dfd: no link followed, no other
 * filesystem entered. */
void safefs_empty(int dfd);

/* Hand everything below folder dfd to o's user when o->give (what programs
 * wrote through ${evidence} as root). */
void safefs_give(int dfd, const struct safefs_owner *o);

/* A file the user names, written to a new file beside it and renamed into
 * place on safefs_out_close(): never through an existing link. */
struct safefs_out {
	int dfd;
	FILE *f;
	char tmp[64];
	char name[256];
};

/* 0 with s->f open, or -errno. */
int safefs_out_open(struct safefs_out *s, const char *path, const struct safefs_owner *o);

/* Close and rename into place (or remove the new file after a write
 * error); 0 or -errno. */
int safefs_out_close(struct safefs_out *s);

#endif
