/*
 * actor_child: the pieces an actor's child is made of, shared by the
 * listener (actor.c) and the connector (actor_connect.c): its reports on
 * the control socket ("connected", "result ok", ...), its end, the
 * supervisor's commands on a connection, addresses and socket options.
 * Inside the harness only; each runs in the child, never the supervisor.
 */
#ifndef NETCASE_ACTOR_CHILD_H
#define NETCASE_ACTOR_CHILD_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "../lang/case.h"

/* One report: fmt with one string argument. */
void actor_report(int ctl, const char *fmt, const char *arg);

/* The actor's end: "result error ENAME" (exit 1) or "result ok" (exit 0). */
void actor_finish_err(int ctl, int e) __attribute__((noreturn));
void actor_finish_ok(int ctl) __attribute__((noreturn));

/* ip (empty: any) and port into ss; 0, or 1 if ip is not an address. */
int actor_make_addr(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len);

/* a's socket options on fd; 0 or -errno. */
int actor_apply_options(const struct actor_spec *a, int fd);

/* After a read on fd: quickack set again (the kernel leaves quick-ACK mode
 * on its own; applications that want it set it after every read). */
void actor_read_done(const struct actor_spec *a, int fd);

/* Close fd with an RST (SO_LINGER 0). */
void actor_abort_fd(int fd);

/* fd's pending error (SO_ERROR), 0 for none. */
int actor_sock_error(int fd);

/* Read one command into buf; the actor ends when the supervisor is gone. */
ssize_t actor_read_command(int ctl, char *buf, size_t len);

/* Write all of p to fd, waiting for room; an error ends the actor. */
void actor_write_all(int ctl, int fd, const char *p, size_t n);

/* A supervisor command (close, abort, shutdown, send TEXT) on one
 * connection; close and abort end the actor once applied to every one. */
void actor_command_apply(int ctl, const char *cmd, int fd);
int actor_command_ends(const char *cmd);

/* Milliseconds on CLOCK_MONOTONIC. */
long long actor_now_ms(void);

/* The connect actor: connects to target, does what a says; never returns. */
void actor_run_connect(const struct actor_spec *a, const char *target, int ctl)
    __attribute__((noreturn));

/* The UDP actors (actor_udp.c); never return. */
void actor_run_udp_listen(const struct actor_spec *a, int ctl) __attribute__((noreturn));
void actor_run_udp_connect(const struct actor_spec *a, const char *target, int ctl)
    __attribute__((noreturn));

#endif
