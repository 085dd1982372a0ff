/*
 * actor_io: what an actor's child shares - its reports to the supervisor,
 * its end, its commands, addresses and socket options (actor_child.h).
 */
#define _GNU_SOURCE
#include "actor_child.h"
#include "../lang/units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void actor_report(int ctl, const char *fmt, const char *arg)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), fmt, arg);

	(void)!write(ctl, buf, n);
}

void actor_finish_err(int ctl, int e)
{
	const char *name = units_errno_name(e);
	char num[16];

	if (!name) {
		snprintf(num, sizeof(num), "E%d", e);
		name = num;
	}
	actor_report(ctl, "result error %s", name);
	_exit(1);
}

void actor_finish_ok(int ctl)
{
	actor_report(ctl, "result ok%s", "");
	_exit(0);
}

int actor_make_addr(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (void *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *s4 = (void *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	*len = sizeof(*s4);
	return inet_pton(AF_INET, *ip ? ip : "0.0.0.0", &s4->sin_addr) == 1 ? 0 : -EINVAL;
}

/* Socket options common to both kinds; returns 0 or -errno. */
int actor_apply_options(const struct actor_spec *a, int fd)
{
	int one = 1;

#define SET(level, opt, val)                                                                       \
	do {                                                                                       \
		int v_ = (val);                                                                    \
		if (setsockopt(fd, level, opt, &v_, sizeof(v_)) < 0)                               \
			return -errno;                                                             \
	} while (0)
	if (a->keepalive) {
		SET(SOL_SOCKET, SO_KEEPALIVE, 1);
		SET(IPPROTO_TCP, TCP_KEEPIDLE, a->ka_idle);
		SET(IPPROTO_TCP, TCP_KEEPINTVL, a->ka_intvl);
		SET(IPPROTO_TCP, TCP_KEEPCNT, a->ka_cnt);
	}
	if (a->user_timeout_ms)
		SET(IPPROTO_TCP, TCP_USER_TIMEOUT, a->user_timeout_ms);
	if (a->rcvbuf)
		SET(SOL_SOCKET, SO_RCVBUF, a->rcvbuf);
	if (a->sndbuf)
		SET(SOL_SOCKET, SO_SNDBUF, a->sndbuf);
	if (a->nodelay)
		SET(IPPROTO_TCP, TCP_NODELAY, 1);
	if (a->linger_s >= 0) {
		struct linger l = {1, a->linger_s};
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
			return -errno;
	}
	if (a->has_linger2)
		SET(IPPROTO_TCP, TCP_LINGER2, a->linger2_s);
	if (a->syncnt)
		SET(IPPROTO_TCP, TCP_SYNCNT, a->syncnt);
	if (a->defer_accept_s)
		SET(IPPROTO_TCP, TCP_DEFER_ACCEPT, a->defer_accept_s);
	if (a->maxseg)
		SET(IPPROTO_TCP, TCP_MAXSEG, a->maxseg);
	if (a->reuseport)
		SET(SOL_SOCKET, SO_REUSEPORT, 1);
	if (a->notsent_lowat)
		SET(IPPROTO_TCP, TCP_NOTSENT_LOWAT, a->notsent_lowat);
	if (a->bind_no_port)
		SET(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
	if (a->quickack)
		SET(IPPROTO_TCP, TCP_QUICKACK, 1);
	if (a->cork)
		SET(IPPROTO_TCP, TCP_CORK, 1);
	if (a->fastopen)
		SET(IPPROTO_TCP, a->kind == ACTOR_LISTEN ? TCP_FASTOPEN : TCP_FASTOPEN_CONNECT,
		    a->fastopen);
	if (a->congestion[0] &&
	    setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, a->congestion, strlen(a->congestion)) < 0)
		return -errno;
	(void)one;
#undef SET
	return 0;
}

void actor_read_done(const struct actor_spec *a, int fd)
{
	int one = 1;

	if (a->quickack)
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

void actor_abort_fd(int fd)
{
	struct linger l = {1, 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

int actor_sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
	return e;
}

/* Read one command; returns its length, 0 when the supervisor is gone. */
ssize_t actor_read_command(int ctl, char *buf, size_t len)
{
	ssize_t n = read(ctl, buf, len - 1);

	if (n <= 0)
		_exit(0); /* supervisor gone: nothing to report to */
	buf[n] = '\0';
	return n;
}

void actor_write_all(int ctl, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {fd, POLLOUT, 0};
			poll(&pf, 1, -1);
			continue;
		}
		if (w < 0)
			actor_finish_err(ctl, errno);
		p += w;
		n -= w;
	}
}

/* Apply a supervisor command to one connection. */
void actor_command_apply(int ctl, const char *cmd, int fd)
{
	if (!strcmp(cmd, "close"))
		close(fd);
	else if (!strcmp(cmd, "abort"))
		actor_abort_fd(fd);
	else if (!strcmp(cmd, "shutdown"))
		shutdown(fd, SHUT_WR);
	else if (!strncmp(cmd, "send ", 5))
		actor_write_all(ctl, fd, cmd + 5, strlen(cmd + 5));
}

/* close and abort end the actor once applied to every connection */
int actor_command_ends(const char *cmd)
{
	return !strcmp(cmd, "close") || !strcmp(cmd, "abort");
}

long long actor_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
