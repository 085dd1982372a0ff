#define _GNU_SOURCE
#include "actor.h"
#include "actor_child.h"
#include "clock.h"
#include "../lang/units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

struct lconn {
	int fd;
	long long unanswered; /* bytes read that no reply answered yet (reply N per M) */
	int eof;	      /* the peer's FIN was read (eof hold keeps the socket) */
	int idle;	      /* nothing more to watch: hung up without an error */
};

/* A connection of the listener ended with error e: the actor's result, or
 * with keep-going an event of the timeline and the listener goes on. */
static void lconn_error(const struct actor_spec *a, int ctl, struct lconn *c, int e)
{
	char what[64];
	const char *name = units_errno_name(e);

	if (!a->keep_going)
		actor_finish_err(ctl, e);
	snprintf(what, sizeof(what), "%s", name ? name : strerror(e));
	actor_report(ctl, "connection ended: error %s", what);
	close(c->fd);
	c->fd = -1;
}

/* Read what there is (at most max bytes) from c; ends the actor on an error. */
static void lconn_read(const struct actor_spec *a, int ctl, struct lconn *c, size_t max)
{
	static char buf[65536];
	ssize_t r = recv(c->fd, buf, max < sizeof(buf) ? max : sizeof(buf), MSG_DONTWAIT);

	if (r < 0 && errno != EAGAIN) {
		lconn_error(a, ctl, c, errno);
		return;
	}
	if (r > 0)
		actor_read_done(a, c->fd);
	if (r > 0 && a->reply) {
		static char answer[65536];
		c->unanswered += r;
		for (; c->unanswered >= a->reply_per; c->unanswered -= a->reply_per)
			for (long left = a->reply; left > 0; left -= (long)sizeof(answer))
				actor_write_all(ctl, c->fd, answer,
						left < (long)sizeof(answer) ? (size_t)left
									    : sizeof(answer));
	}
	if (r == 0) {
		c->eof = 1;
		if (a->eof_close) {
			close(c->fd);
			c->fd = -1;
		}
	}
}

/* Room for one more accepted connection (and its pollfd); -ENOMEM. */
static int lconn_room(struct lconn **cs, struct pollfd **pf, int n, int *cap)
{
	void *v;
	int ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	v = reallocarray(*cs, ncap, sizeof(**cs));
	if (!v)
		return -ENOMEM;
	*cs = v;
	v = reallocarray(*pf, ncap + 2, sizeof(**pf));
	if (!v)
		return -ENOMEM;
	*pf = v;
	*cap = ncap;
	return 0;
}

/* Accept one queued connection if there is one; 1 if accepted, 0 if none. */
static int lconn_accept(int lfd, int ctl, struct lconn **cs, struct pollfd **pf, int *nc, int *cap)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return 0;
	if (lconn_room(cs, pf, *nc, cap))
		actor_finish_err(ctl, ENOMEM);
	(*cs)[(*nc)++] = (struct lconn){.fd = fd};
	return 1;
}

/* The listening socket, dual-stack when IPv6; ends the actor on failure. */
static int listen_socket(const struct actor_spec *a, int ctl)
{
	struct sockaddr_storage ss;
	int lfd, one = 1, v6 = 0, err;
	socklen_t len;

	if (actor_make_addr(a->addr, a->port, &ss, &len))
		actor_finish_err(ctl, EINVAL);
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		actor_finish_err(ctl, errno);
	if (!a->noreuseaddr)
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof(v6));
	err = actor_apply_options(a, lfd);
	if (err)
		actor_finish_err(ctl, -err);
	if (bind(lfd, (void *)&ss, len) < 0 || listen(lfd, a->backlog) < 0)
		actor_finish_err(ctl, errno);
	/* accept NAME N takes what is queued without waiting for more */
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	return lfd;
}

static void run_listen(const struct actor_spec *a, int ctl)
{
	struct lconn *cs = NULL;
	struct pollfd *pf = calloc(2, sizeof(*pf));
	int nc = 0, cap = 0, lfd, paced = a->read && a->read_every_ms > 0;
	long long next_read = actor_now_ms() + a->read_every_ms;
	char cmd[4096];

	if (!pf)
		actor_finish_err(ctl, ENOMEM);
	lfd = listen_socket(a, ctl);
	actor_report(ctl, "listening%s", "");
	for (;;) {
		/* connections accepted while handling this round have no revents yet */
		int timeout = -1, polled = nc;

		pf[0] = (struct pollfd){ctl, POLLIN, 0};
		pf[1] = (struct pollfd){lfd, a->accept ? POLLIN : 0, 0};
		for (int i = 0; i < nc; i++)
			pf[i + 2] =
			    (struct pollfd){cs[i].fd < 0 || cs[i].idle ? -1 : cs[i].fd,
					    a->read && !paced && !cs[i].eof ? POLLIN : 0, 0};
		if (paced) {
			long long left = next_read - actor_now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		if (poll(pf, nc + 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			actor_finish_err(ctl, errno);
		}
		if (pf[0].revents) {
			actor_read_command(ctl, cmd, sizeof(cmd));
			if (!strncmp(cmd, "accept ", 7)) {
				/* accept NAME N: take N queued connections now */
				for (long k = strtol(cmd + 7, NULL, 10); k > 0; k--)
					if (lconn_accept(lfd, ctl, &cs, &pf, &nc, &cap) <= 0)
						break;
				continue;
			}
			/* a connection the kernel has established but poll() has not
			 * yet shown is one of the listener's too: take the queue
			 * first, so a command never races the accept */
			while (a->accept && lconn_accept(lfd, ctl, &cs, &pf, &nc, &cap))
				;
			for (int i = 0; i < nc; i++)
				if (cs[i].fd >= 0)
					actor_command_apply(ctl, cmd, cs[i].fd);
			if (actor_command_ends(cmd)) {
				close(lfd);
				actor_finish_ok(ctl);
			}
		}
		for (int i = 0; i < polled; i++) {
			struct lconn *c = &cs[i];
			short re = pf[i + 2].revents;

			if (c->fd < 0 || !re)
				continue;
			if (re & POLLERR) {
				int e = actor_sock_error(c->fd);
				if (e) {
					lconn_error(a, ctl, c, e);
					continue;
				}
			}
			if (re & POLLIN)
				lconn_read(a, ctl, c, SIZE_MAX);
			else if (re & (POLLHUP | POLLERR))
				c->idle = 1; /* hung up without an error: nothing left to see */
		}
		if (paced && actor_now_ms() >= next_read) {
			next_read += a->read_every_ms;
			for (int i = 0; i < nc; i++)
				if (cs[i].fd >= 0 && !cs[i].eof)
					lconn_read(a, ctl, &cs[i], (size_t)a->read_chunk);
		}
		if (pf[1].revents & POLLIN)
			lconn_accept(lfd, ctl, &cs, &pf, &nc, &cap);
	}
}

/*
 * In the exec actor's child: the case's names through a private /etc/hosts
 * (a mount namespace of its own, made private first so nothing propagates
 * back to the machine's), the folder and the environment.  The hosts file
 * is opened after the unshare, from the working folder that the unshare
 * moved into the new namespace: a bind mount's source must be one of the
 * namespace's own mounts.  A failure is reported as the actor's result and
 * ends it.
 */
static void exec_prepare(const struct actor_spec *a, int dir, const char *hosts, int ctl)
{
	if (dir >= 0) {
		char cwd[PATH_MAX], src[32];
		int back = getcwd(cwd, sizeof(cwd)) != NULL, fd = -1;

		if (fchdir(dir) < 0 || unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    (fd = open(hosts, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    snprintf(src, sizeof(src), "/proc/self/fd/%d", fd) < 0 ||
		    mount(src, "/etc/hosts", NULL, MS_BIND, NULL) < 0) {
			actor_report(ctl, "result exec failed: the case's /etc/hosts: %s",
				     strerror(errno));
			_exit(127);
		}
		close(fd);
		close(dir);
		if (back && chdir(cwd) < 0) {
			actor_report(ctl, "result exec failed: back in %s", cwd);
			_exit(127);
		}
	}
	if (a->dir && chdir(a->dir) < 0) {
		actor_report(ctl, "result exec failed: in %s", a->dir);
		_exit(127);
	}
	for (char **e = a->env; e && *e; e++)
		putenv(*e);
}

/* In the child: every signal at its default and none blocked, whatever
 * the forking process had (a `signal` step must do what the signal does;
 * a test harness's SIGTERM handler once killed its own process group from
 * a listener), but SIGPIPE, which a built-in actor sees as EPIPE. */
void actor_child_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* In the child: ctl as fd 3, an exec actor's output as stdout and stderr
 * and the folder of its hosts file as fd 4; nothing else of the
 * supervisor's. */
static int child_fds(int ctl, int out, int *dir)
{
	if (out >= 0 && (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0))
		return -1;
	/* out of the way of 3 and 4 before they are taken */
	if (*dir >= 0 && (*dir = fcntl(*dir, F_DUPFD_CLOEXEC, 10)) < 0)
		return -1;
	if (ctl != 3 && dup2(ctl, 3) < 0)
		return -1;
	fcntl(3, F_SETFD, FD_CLOEXEC); /* an exec'd program does not get it */
	if (*dir >= 0) {
		if (dup3(*dir, 4, O_CLOEXEC) < 0)
			return -1;
		*dir = 4;
	}
	close_range(*dir >= 0 ? 5 : 4, ~0U, 0);
	return 0;
}

pid_t actor_fork(int sp[2])
{
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(sp[0]);
		close(sp[1]);
		return e;
	}
	if (pid == 0) {
		close(sp[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		actor_child_signals();
	} else {
		close(sp[1]);
	}
	return pid;
}

int actor_spawn(const struct actor_spec *a, int ns, const char *target,
		const struct actor_files *files, struct actor_run *run)
{
	int dir = files ? files->dir : -1;
	int sp[2];
	pid_t pid = actor_fork(sp);

	if (pid < 0)
		return (int)pid;
	if (pid == 0) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max; /* room for `connections N` */
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		/* /proc is the root PID namespace's: say which pid we are there */
		char self[32];
		ssize_t sl = readlink("/proc/self", self, sizeof(self) - 1);
		if (sl > 0) {
			self[sl] = '\0';
			actor_report(sp[1], "procpid %s", self);
		}
		if (setns(ns, CLONE_NEWNET) < 0)
			actor_finish_err(sp[1], errno);
		/* keep only stdio and the control socket (as fd 3): nothing of the
		 * supervisor's - namespaces, other actors' sockets - leaks in */
		if (child_fds(sp[1], files ? files->out : -1, &dir) < 0)
			actor_finish_err(sp[1], errno);
		sp[1] = 3;
		if (a->kind == ACTOR_EXEC) {
			int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (in >= 0)
				dup2(in, STDIN_FILENO);
			signal(SIGPIPE, SIG_DFL);
			exec_prepare(a, dir, files ? files->hosts : NULL, sp[1]);
			execvp(a->argv[0], a->argv);
			actor_report(sp[1], "result exec failed: %s", strerror(errno));
			_exit(127);
		}
		if (a->udp && a->kind == ACTOR_LISTEN)
			actor_run_udp_listen(a, sp[1]);
		if (a->udp)
			actor_run_udp_connect(a, target, sp[1]);
		if (a->kind == ACTOR_LISTEN)
			run_listen(a, sp[1]);
		actor_run_connect(a, target, sp[1]);
		_exit(0);
	}
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	memset(run, 0, sizeof(*run));
	run->pid = pid;
	run->ctl = sp[0];
	return 0;
}

int actor_command(struct actor_run *run, const char *cmd, const char *text)
{
	char buf[4096];
	int n;

	if (run->ctl < 0 || run->exited)
		return -ESRCH;
	n = snprintf(buf, sizeof(buf), "%s%s%s", cmd, text ? " " : "", text ? text : "");
	if (n >= (int)sizeof(buf))
		return -E2BIG;
	return write(run->ctl, buf, n) < 0 ? -errno : 0;
}

/* "P BEGUN DONE" of a connection into run->conns (dropped without memory). */
static void actor_conn_add(struct actor_run *run, const char *text)
{
	struct actor_conn c;

	if (sscanf(text, "%u %lf %lf", &c.port, &c.begun, &c.done) != 3)
		return;
	if (run->nconns == run->capconns) {
		int cap = run->capconns ? 2 * run->capconns : 4;
		struct actor_conn *v = realloc(run->conns, cap * sizeof(*v));
		if (!v)
			return;
		run->conns = v;
		run->capconns = cap;
	}
	run->conns[run->nconns++] = c;
}

int actor_poll(struct actor_run *run)
{
	char buf[128];
	int got = 0;
	ssize_t n = -1;

	while (run->ctl >= 0 && (n = read(run->ctl, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (!strncmp(buf, "procpid ", 8)) {
			run->proc_pid = atoi(buf + 8);
			continue;
		}
		if (!strncmp(buf, "port ", 5)) {
			actor_conn_add(run, buf + 5);
			continue;
		}
		if (!strncmp(buf, "requests ", 9)) {
			/* whatever else comes in the same batch, it reaches the timeline */
			snprintf(run->said, sizeof(run->said), "%s", buf);
			run->said_new = 1;
			continue;
		}
		snprintf(run->event, sizeof(run->event), "%s", buf);
		if (!strncmp(buf, "result ", 7))
			snprintf(run->result, sizeof(run->result), "%s", buf + 7);
		got = 1;
	}
	if (run->ctl >= 0 && n == 0) {
		/* its end is closed (an exec'd program's, or the actor is gone):
		 * nothing more comes, and a loop polling it would only spin */
		close(run->ctl);
		run->ctl = -1;
	}
	return got;
}

void actor_reaped(struct actor_run *run, int status, double now)
{
	actor_poll(run);
	run->exited = 1;
	run->status = status;
	run->ended = now;
	if (run->ctl >= 0) {
		close(run->ctl);
		run->ctl = -1;
	}
	if (run->result[0])
		return;
	if (WIFEXITED(status))
		snprintf(run->result, sizeof(run->result), WEXITSTATUS(status) ? "status %d" : "ok",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(run->result, sizeof(run->result), "signal %s",
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
}
