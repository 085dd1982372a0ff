/*
 * The supervisor's side of an actor's control protocol (actor.h) over a
 * socketpair: commands out, reports in ("procpid", events, "result"), the
 * end of the socket, and the result a reaped actor gets from its status.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness/actor.h"
#include "suites.h"

/* run's end of a fresh SOCK_SEQPACKET pair, as actor_spawn() makes it; *peer is the actor's. */
static void pair(struct actor_run *run, int *peer)
{
	int sp[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	memset(run, 0, sizeof(*run));
	run->pid = 4242;
	run->ctl = sp[0];
	*peer = sp[1];
}

static void say(int peer, const char *msg)
{
	ck_assert_int_eq(write(peer, msg, strlen(msg)), (ssize_t)strlen(msg));
}

START_TEST(t_commands)
{
	struct actor_run run;
	char buf[64];
	int peer;
	ssize_t n;

	pair(&run, &peer);
	ck_assert_int_eq(actor_command(&run, "send", "hello world"), 0);
	n = read(peer, buf, sizeof(buf) - 1);
	ck_assert_int_eq(n, 16);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "send hello world"); /* one message per command */
	ck_assert_int_eq(actor_command(&run, "close", NULL), 0);
	n = read(peer, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	ck_assert_str_eq(buf, "close");
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(actor_command(&run, "send", big), -E2BIG);
	close(peer);
	ck_assert_int_eq(actor_command(&run, "close", NULL), -EPIPE); /* SIGPIPE ignored below */
	run.exited = 1;
	ck_assert_int_eq(actor_command(&run, "close", NULL), -ESRCH);
	close(run.ctl);
}
END_TEST

START_TEST(t_reports)
{
	struct actor_run run;
	int peer;

	pair(&run, &peer);
	ck_assert_int_eq(actor_poll(&run), 0); /* nothing yet: no wait */
	say(peer, "procpid 777");
	ck_assert_int_eq(actor_poll(&run), 0); /* not an event */
	ck_assert_int_eq(run.proc_pid, 777);
	say(peer, "listening");
	say(peer, "connection ended: error ECONNRESET");
	ck_assert_int_eq(actor_poll(&run), 1);
	ck_assert_str_eq(run.event, "connection ended: error ECONNRESET"); /* the last */
	ck_assert_str_eq(run.result, "");
	say(peer, "result error ETIMEDOUT");
	close(peer);
	ck_assert_int_eq(actor_poll(&run), 1);
	ck_assert_str_eq(run.result, "error ETIMEDOUT");
	ck_assert_int_eq(run.ctl, -1); /* its end closed: nothing more comes */
	actor_reaped(&run, 0, 1.5);
	ck_assert_str_eq(run.result, "error ETIMEDOUT"); /* its own word stands */
	ck_assert(run.exited && run.ended == 1.5);
}
END_TEST

/* Without a result of its own, the wait status says how it ended. */
START_TEST(t_reaped)
{
	static const struct {
		int status;
		const char *result;
	} st[] = {{0, "ok"}, {3 << 8, "status 3"}, {SIGKILL, "signal KILL"}};
	struct actor_run run;
	int peer;

	for (unsigned i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		pair(&run, &peer);
		close(peer);
		actor_reaped(&run, st[i].status, 2.0);
		ck_assert_str_eq(run.result, st[i].result);
		ck_assert_int_eq(run.ctl, -1);
	}
}
END_TEST

Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("protocol");

	signal(SIGPIPE, SIG_IGN); /* as the supervisor: a write to a gone actor is EPIPE */
	tcase_add_test(tc, t_commands);
	tcase_add_test(tc, t_reports);
	tcase_add_test(tc, t_reaped);
	suite_add_tcase(s, tc);
	return s;
}
