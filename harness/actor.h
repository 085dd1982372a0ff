/*
 * actor: the built-in socket behaviours (listen, connect) and exec, each
 * run in its own process inside its host's namespace.
 *
 * The supervisor forks with actor_spawn(); the child enters the namespace
 * and runs the behaviour as an event loop that takes commands from the
 * supervisor over a SOCK_SEQPACKET control socket ("close", "shutdown",
 * "abort", "send TEXT") and reports back ("result ok", "result error
 * ECONNRESET").  The process never returns from the child side.
 */
#ifndef NETCASE_ACTOR_H
#define NETCASE_ACTOR_H

#include <sys/types.h>

#include "../lang/case.h"

/* A connection a connect actor made: its local port, and when connect()
 * was called and seen done on the actor's clock (CLOCK_MONOTONIC seconds). */
struct actor_conn {
	unsigned port;
	double begun, done;
};

struct actor_run {
	pid_t pid;
	int ctl;	  /* supervisor's end of the control socket, -1 when done */
	int exited;	  /* reaped */
	int status;	  /* wait status */
	char result[128]; /* "ok", "error ECONNRESET", "status 3", "signal KILL" */
	char event[128];  /* the last report: "listening", "connected", "result ..." */
	double started, ended;
	int proc_pid; /* its pid in /proc as mounted (the root PID namespace), 0 until known */
	/* connect actors: each connection made, in order (malloc'd: the
	 * owner frees it; actor_spawn() starts the record afresh) */
	struct actor_conn *conns;
	char said[160]; /* a request actor's summary ("requests 50 of 50 ..."), */
	int said_new;	/* not yet on the timeline */
	int nconns, capconns;
};

/*
 * Fork the actor into namespace ns.  target is the address to connect to
 * (connect actors; NULL otherwise).  An exec actor's standard output and
 * error go to files->out (stdin is /dev/null); it runs in a mount namespace
 * of its own where files->hosts in the folder files->dir is bind-mounted on
 * /etc/hosts (every host name of the case, as seen from its host), in
 * a->dir with a->env added, and its arguments are taken as they are (the
 * caller expanded the variables).  The descriptors stay the caller's; no
 * path but the name in files->dir is resolved.  0 or -errno.
 */
struct actor_files {
	int out;	   /* open for writing */
	int dir;	   /* the folder of hosts */
	const char *hosts; /* a file name */
};
int actor_spawn(const struct actor_spec *a, int ns, const char *target,
		const struct actor_files *files, struct actor_run *run);

/*
 * Fork a child with a control socket (SOCK_SEQPACKET): in the child sp[1]
 * is its end, it dies with its parent (PR_SET_PDEATHSIG) and its signals
 * are at their defaults; in the parent sp[0] is its end.  The child's pid,
 * 0 in the child, or -errno.  actor_spawn() and relay_spawn() start here.
 */
pid_t actor_fork(int sp[2]);

/* In a child the supervisor forked (an actor, a relay): every signal at
 * its default and none blocked, but SIGPIPE ignored. */
void actor_child_signals(void);

/* Send a command ("close", "shutdown", "abort", or "send" with text). */
int actor_command(struct actor_run *run, const char *cmd, const char *text);

/* Read pending reports from the actor (non-blocking); 1 if any arrived,
 * the last in run->event. */
int actor_poll(struct actor_run *run);

/* Record a wait status for a reaped actor and fill run->result if empty. */
void actor_reaped(struct actor_run *run, int status, double now);

#endif
