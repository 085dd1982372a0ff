#define _GNU_SOURCE
#include "procsock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void procsock_list_free(struct procsock_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

uint32_t procsock_inode_parse(const char *link)
{
	unsigned long v;
	char *end;

	if (strncmp(link, "socket:[", 8))
		return 0;
	v = strtoul(link + 8, &end, 10);
	return *end == ']' && end[1] == '\0' ? (uint32_t)v : 0;
}

static void comm_of(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		n = 0;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

static int scan_one(int pid, struct procsock_list *out)
{
	char dir[64], path[320], link[64], comm[32] = "";
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		uint32_t ino;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		ino = procsock_inode_parse(link);
		if (!ino)
			continue;
		if (!comm[0])
			comm_of(pid, comm, sizeof(comm));
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 64;
			void *v = realloc(out->v, cap * sizeof(*out->v));
			if (!v) {
				closedir(d);
				return -ENOMEM;
			}
			out->v = v;
			out->cap = cap;
		}
		struct procsock *p = &out->v[out->n++];
		p->inode = ino;
		p->pid = pid;
		p->fd = atoi(e->d_name);
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	}
	closedir(d);
	return 0;
}

int procsock_scan(int pid, struct procsock_list *out)
{
	struct dirent *e;
	DIR *d;

	if (pid > 0)
		return scan_one(pid, out);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		int p = atoi(e->d_name);
		if (p > 0)
			scan_one(p, out); /* processes come and go; skip the vanished */
	}
	closedir(d);
	return 0;
}

int procsock_format(const struct procsock_list *l, uint32_t inode, char *buf, size_t len)
{
	size_t n = 0;
	int any = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; inode && i < l->n; i++) {
		const struct procsock *p = &l->v[i];
		int r;

		if (p->inode != inode)
			continue;
		r = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0,
			     "%s(\"%s\",pid=%d,fd=%d)", any ? "," : "users:(", p->comm, p->pid,
			     p->fd);
		n += r > 0 ? (size_t)r : 0;
		any = 1;
	}
	if (any) {
		int r = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, ")");
		n += r > 0 ? (size_t)r : 0;
	}
	return (int)n;
}
