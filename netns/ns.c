#define _GNU_SOURCE
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct ns_job {
	int nsfd; /* -1: a new namespace */
	int (*fn)(void *);
	void *arg;
	int ret;
};

static void *ns_thread(void *p)
{
	struct ns_job *job = p;

	if (job->nsfd < 0) {
		if (unshare(CLONE_NEWNET) < 0) {
			job->ret = -errno;
			return NULL;
		}
	} else if (setns(job->nsfd, CLONE_NEWNET) < 0) {
		job->ret = -errno;
		return NULL;
	}
	job->ret = job->fn(job->arg);
	return NULL;
}

static int ns_job_run(struct ns_job *job)
{
	pthread_t t;
	int r;

	job->ret = -EINTR;
	r = pthread_create(&t, NULL, ns_thread, job);
	if (r)
		return -r;
	pthread_join(t, NULL);
	return job->ret;
}

int ns_call(int nsfd, int (*fn)(void *arg), void *arg)
{
	struct ns_job job = {.nsfd = nsfd, .fn = fn, .arg = arg};

	if (nsfd == NS_CURRENT)
		return fn(arg);
	if (nsfd < 0)
		return -EBADF;
	return ns_job_run(&job);
}

static int open_self_ns(void *arg)
{
	(void)arg;
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int ns_new(void)
{
	struct ns_job job = {.nsfd = -1, .fn = open_self_ns};

	return ns_job_run(&job);
}

static int run_many(struct ns_job *jobs, int n)
{
	pthread_t *t = calloc(n, sizeof(*t));
	int err = 0, started = 0;

	if (!t)
		return -ENOMEM;
	for (; started < n; started++) {
		jobs[started].ret = -EINTR;
		if (pthread_create(&t[started], NULL, ns_thread, &jobs[started]))
			break;
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < n && !err; i++)
		err = i < started ? (jobs[i].ret < 0 ? jobs[i].ret : 0) : -EAGAIN;
	free(t);
	return err;
}

int ns_new_many(int *fds, int n)
{
	struct ns_job *jobs = calloc(n, sizeof(*jobs));
	int err;

	if (!jobs)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		jobs[i] = (struct ns_job){.nsfd = -1, .fn = open_self_ns};
	err = run_many(jobs, n);
	for (int i = 0; i < n; i++) {
		fds[i] = -1;
		if (jobs[i].ret >= 0) {
			if (err)
				close(jobs[i].ret);
			else
				fds[i] = jobs[i].ret;
		}
	}
	free(jobs);
	return err;
}

int ns_call_each(const int *nsfds, int n, int (*fn)(void *arg), void **args)
{
	struct ns_job *jobs = calloc(n, sizeof(*jobs));
	int err;

	if (!jobs)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		jobs[i] = (struct ns_job){.nsfd = nsfds[i], .fn = fn, .arg = args[i]};
	err = run_many(jobs, n);
	free(jobs);
	return err;
}

int ns_open(const char *spec)
{
	char path[256];
	const char *p = spec;
	int fd;

	if (!spec || !*spec)
		return -EINVAL;
	if (strspn(spec, "0123456789") == strlen(spec)) {
		snprintf(path, sizeof(path), "/proc/%s/ns/net", spec);
		p = path;
	} else if (!strchr(spec, '/')) {
		snprintf(path, sizeof(path), "/run/netns/%s", spec);
		p = path;
	}
	fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

struct sock_args {
	int domain, type, protocol;
};

static int make_socket(void *p)
{
	struct sock_args *a = p;
	int fd = socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol);

	return fd < 0 ? -errno : fd;
}

int ns_socket(int nsfd, int domain, int type, int protocol)
{
	struct sock_args a = {domain, type, protocol};

	return ns_call(nsfd, make_socket, &a);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

static int have_sys_admin(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return !!(d[0].effective & (1u << 21)); /* CAP_SYS_ADMIN */
}

int ns_privilege_setup(char *why, size_t len)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int err;

	if (have_sys_admin())
		return 0;
	if (unshare(CLONE_NEWUSER) < 0) {
		err = -errno;
		snprintf(why, len,
			 "not root (no CAP_SYS_ADMIN) and cannot create a user namespace (%s); "
			 "run as root or "
			 "allow unprivileged user namespaces",
			 strerror(-err));
		return err;
	}
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	err = write_file("/proc/self/setgroups", "deny");
	if (!err)
		err = write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (!err)
		err = write_file("/proc/self/gid_map", map);
	if (err)
		snprintf(why, len, "cannot map uid %u in a user namespace: %s", (unsigned)uid,
			 strerror(-err));
	return err;
}
