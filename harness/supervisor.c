#define _GNU_SOURCE
#include "supervisor.h"
#include "clock.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child: PID 1 of the case's PID namespace; never returns. */
static void supervise(struct supervised *s, const struct runner_opts *o) __attribute__((noreturn));

int supervisor_start(struct supervised *s, const struct runner_opts *o)
{
	int err;

	s->report_fd = -1;
	s->res =
	    mmap(NULL, sizeof(*s->res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->res == MAP_FAILED) {
		s->res = NULL;
		return -errno;
	}
	memset(s->res, 0, sizeof(*s->res));
	s->res->verdict = VERDICT_ERROR;
	s->report_fd = memfd_create("netcase-report", MFD_CLOEXEC);
	if (s->report_fd < 0)
		goto fail;
	fflush(NULL);
	s->started = clock_now();
	/* fork into a new PID namespace: the child is its PID 1 */
	s->pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	if (s->pid < 0)
		goto fail;
	if (s->pid == 0)
		supervise(s, o);
	s->deadline = clock_now() + s->model->timeout_ms / 1000.0 * (o->slow ? o->slow : 1) + 20;
	return 0;
fail:
	/* what was made goes again: the caller has nothing to free */
	err = -errno;
	s->pid = 0;
	supervisor_free(s);
	return err;
}

static void supervise(struct supervised *s, const struct runner_opts *o)
{
	FILE *out;
	int v;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the parent is outside our PID namespace: getppid() says 0, so
	 * check by the pipe-free way - our parent's death signal is armed
	 * now; if it died before, we were reparented and must not run */
	if (getppid() != 0)
		_exit(VERDICT_ERROR);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	out = fdopen(dup(s->report_fd), "w");
	if (!out)
		_exit(VERDICT_ERROR);
	v = runner_run(s->model, o, out, s->res);
	fclose(out);
	_exit(v);
}

char *supervisor_finish(struct supervised *s, int status)
{
	off_t len = lseek(s->report_fd, 0, SEEK_END);
	char *text = calloc(1, len > 0 ? len + 1 : 1);

	s->done = 1;
	s->res->wall_s = clock_now() - s->started;
	if (text && len > 0 && pread(s->report_fd, text, len, 0) != len)
		text[0] = '\0';
	if (WIFSIGNALED(status)) {
		s->res->verdict = VERDICT_ERROR;
		case_failure_set(&s->res->failure, VERDICT_ERROR, s->path,
				 "supervisor killed by signal %s%s", sigabbrev_np(WTERMSIG(status)),
				 WTERMSIG(status) == SIGKILL ? " (hard timeout or interrupted)"
							     : "");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != s->res->verdict) {
		s->res->verdict = WEXITSTATUS(status);
	}
	return text;
}

void supervisor_free(struct supervised *s)
{
	if (!s)
		return;
	if (s->report_fd >= 0)
		close(s->report_fd);
	if (s->res)
		munmap(s->res, sizeof(*s->res));
	s->res = NULL;
	s->report_fd = -1;
}
