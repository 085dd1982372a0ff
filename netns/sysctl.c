#define _GNU_SOURCE
#include "sysctl.h"
#include "ns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct sysctl_op {
	const char *key;
	const char *value;
	char *buf;
	size_t len;
};

int sysctl_path_format(const char *key, char *path, size_t len)
{
	size_t n = strlen("/proc/sys/");

	if (!*key || strstr(key, "..") || key[0] == '/' || strlen(key) + n >= len)
		return -EINVAL;
	memcpy(path, "/proc/sys/", n);
	for (const char *k = key; *k; k++)
		path[n++] = *k == '.' ? '/' : *k;
	path[n] = '\0';
	return 0;
}

static int do_set(void *p)
{
	struct sysctl_op *op = p;
	char path[512];
	int fd, err = 0;

	err = sysctl_path_format(op->key, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, op->value, strlen(op->value)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int sysctl_set(int ns, const char *key, const char *value)
{
	struct sysctl_op op = {.key = key, .value = value};

	return ns_call(ns, do_set, &op);
}

static int do_get(void *p)
{
	struct sysctl_op *op = p;
	char path[512];
	ssize_t n;
	int fd, err;

	err = sysctl_path_format(op->key, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, op->buf, op->len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	while (n > 0 && op->buf[n - 1] == '\n')
		n--;
	op->buf[n] = '\0';
	for (char *c = op->buf; *c; c++)
		if (*c == '\t')
			*c = ' ';
	return 0;
}

int sysctl_get(int ns, const char *key, char *buf, size_t len)
{
	struct sysctl_op op = {.key = key, .buf = buf, .len = len};

	if (len < 2)
		return -EINVAL;
	return ns_call(ns, do_get, &op);
}

static int do_siblings(void *p)
{
	struct sysctl_op *op = p;
	char path[512], *slash;
	size_t used = 0, dirlen;
	struct dirent *d;
	DIR *dir;
	int err = sysctl_path_format(op->key, path, sizeof(path));

	if (err)
		return err;
	if (!(slash = strrchr(path, '/')))
		return -EINVAL;
	*slash = '\0';
	if (!(dir = opendir(path)))
		return -errno;
	op->buf[0] = '\0';
	dirlen = (size_t)(strrchr(op->key, '.') ? strrchr(op->key, '.') - op->key : 0);
	while ((d = readdir(dir)) && used + 1 < op->len) {
		if (d->d_name[0] == '.')
			continue;
		int n = snprintf(op->buf + used, op->len - used, "%.*s.%s\n", (int)dirlen, op->key,
				 d->d_name);
		if (n < 0 || (size_t)n >= op->len - used)
			break;
		used += (size_t)n;
	}
	op->buf[used] = '\0';
	closedir(dir);
	return 0;
}

int sysctl_siblings(int ns, const char *key, char *buf, size_t len)
{
	struct sysctl_op op = {.key = key, .buf = buf, .len = len};

	if (!len)
		return -EINVAL;
	return ns_call(ns, do_siblings, &op);
}
