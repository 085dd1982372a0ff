/*
 * actor_connect: the connect actor's child - its connections, what they
 * send and read, and the supervisor's commands on them (actor_child.h).
 */
#define _GNU_SOURCE
#include "actor_child.h"
#include "clock.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char conn_buf[65536];

struct conn {
	int fd; /* -1 once ended */
	int connected;
	double begun; /* CLOCK_MONOTONIC seconds when connect() was called */
	size_t text_left;
	long long to_send;
};

/* The connect actor's connections and how they are doing. */
struct connector {
	const struct actor_spec *a;
	int ctl;
	struct conn *cs;
	int n, live, first_err, nconnected;
};

/* End one connection; the first error is the actor's result. */
static void conn_end(struct connector *k, struct conn *c, int e)
{
	if (e && !k->first_err)
		k->first_err = e;
	close(c->fd);
	c->fd = -1;
	k->live--;
}

/* Connection i: a non-blocking socket with the options, bound if asked,
 * connecting to ss.  Ends the actor on failure. */
static void conn_open(struct connector *k, int i, const struct sockaddr_storage *ss, socklen_t len)
{
	const struct actor_spec *a = k->a;
	struct conn *c = &k->cs[i];
	struct sockaddr_storage bs;
	socklen_t blen;
	int err;

	c->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		actor_finish_err(k->ctl, errno);
	err = actor_apply_options(a, c->fd);
	if (err)
		actor_finish_err(k->ctl, -err);
	if (a->bind_addr[0] || a->bind_port) {
		int one = 1;
		/* several connections bind consecutive ports from bind_port */
		if (!a->noreuseaddr)
			setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (actor_make_addr(a->bind_addr, a->bind_port ? a->bind_port + i : 0, &bs,
				    &blen) ||
		    bind(c->fd, (void *)&bs, blen) < 0)
			actor_finish_err(k->ctl, errno ? errno : EINVAL);
	}
	c->begun = clock_now();
	if (connect(c->fd, (const void *)ss, len) < 0 && errno != EINPROGRESS)
		actor_finish_err(k->ctl, errno);
	c->text_left = a->send ? strlen(a->send) : 0;
	c->to_send = a->send_bytes;
}

/* Write what c still has to send: the text, then N bytes or a stream. */
static void conn_write(struct connector *k, struct conn *c)
{
	const struct actor_spec *a = k->a;
	ssize_t w;

	if (c->text_left) {
		w = write(c->fd, a->send + strlen(a->send) - c->text_left, c->text_left);
		if (w > 0)
			c->text_left -= w;
	} else {
		size_t m = sizeof(conn_buf);
		if (!a->stream && (long long)m > c->to_send)
			m = (size_t)c->to_send;
		w = write(c->fd, conn_buf, m);
		if (w > 0 && !a->stream)
			c->to_send -= w;
	}
	if (w < 0 && errno != EAGAIN)
		conn_end(k, c, errno);
}

/* "port P BEGUN DONE": c's local port (its socket in the kernel's record)
 * and when connect() was called and seen done, on the actor's clock. */
static void conn_report_port(struct connector *k, struct conn *c)
{
	struct sockaddr_storage ls;
	socklen_t len = sizeof(ls);
	char buf[96];
	unsigned port = 0;
	int n;

	if (getsockname(c->fd, (void *)&ls, &len) == 0)
		port = ntohs(ls.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ls)->sin6_port
						      : ((struct sockaddr_in *)&ls)->sin_port);
	n = snprintf(buf, sizeof(buf), "port %u %.6f %.6f", port, c->begun, clock_now());
	(void)!write(k->ctl, buf, (size_t)n);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Read n bytes of reply from c; 0, or the errno that ended it (ENODATA:
 * the peer closed first). */
static int conn_read_reply(const struct actor_spec *a, struct conn *c, long n)
{
	while (n > 0) {
		struct pollfd pf = {c->fd, POLLIN, 0};
		ssize_t r = read(c->fd, conn_buf,
				 n < (long)sizeof(conn_buf) ? (size_t)n : sizeof(conn_buf));
		if (r < 0 && errno == EAGAIN) {
			poll(&pf, 1, -1);
			continue;
		}
		if (r <= 0)
			return r < 0 ? errno : ENODATA;
		actor_read_done(a, c->fd);
		n -= r;
	}
	return 0;
}

/*
 * The request actor, once connected: each request's parts one write() each,
 * then its reply read, repeat times; the latency of each, from its first
 * write to its reply's last byte, summed up in one report; then it closes
 * and ends ok, or ends with what stopped it.
 */
static void conn_requests(struct connector *k, struct conn *c)
{
	const struct actor_spec *a = k->a;
	long n = a->repeat ? a->repeat : 1, done = 0;
	double *lat = calloc((size_t)n, sizeof(*lat)), all = 0;
	char buf[160];
	int e = lat ? 0 : ENOMEM;

	for (; !e && done < n; done++) {
		double t = clock_now();
		for (char **p = a->request; *p; p++)
			actor_write_all(k->ctl, c->fd, *p, strlen(*p));
		if ((e = conn_read_reply(a, c, a->reply)))
			break;
		lat[done] = clock_now() - t;
		all += lat[done];
	}
	if (done) {
		qsort(lat, (size_t)done, sizeof(*lat), cmp_double);
		snprintf(
		    buf, sizeof(buf),
		    "requests %ld of %ld answered: %.1f ms in all, each %.3f to %.3f ms, median "
		    "%.3f ms",
		    done, n, all * 1000, lat[0] * 1000, lat[done - 1] * 1000, lat[done / 2] * 1000);
		actor_report(k->ctl, "%s", buf);
	}
	free(lat);
	if (e)
		actor_finish_err(k->ctl, e);
	close(c->fd);
	actor_finish_ok(k->ctl);
}

/* What poll said of connection c. */
static void conn_event(struct connector *k, struct conn *c, short re)
{
	int e;

	if (re & (POLLERR | POLLHUP)) {
		e = actor_sock_error(c->fd);
		if (e) {
			conn_end(k, c, e);
			return;
		}
	}
	if (!c->connected && (re & POLLOUT)) {
		e = actor_sock_error(c->fd);
		if (e) {
			conn_end(k, c, e);
			return;
		}
		c->connected = 1;
		conn_report_port(k, c);
		if (++k->nconnected == k->n)
			actor_report(k->ctl, k->n == 1 ? "connected%s" : "connected all%s", "");
		if (k->a->request)
			conn_requests(k, c);
		return;
	}
	if (c->connected && (re & POLLOUT))
		conn_write(k, c);
	if (c->fd >= 0 && c->connected && k->a->recv && (re & POLLIN)) {
		ssize_t r = read(c->fd, conn_buf, sizeof(conn_buf));
		if (r > 0)
			actor_read_done(k->a, c->fd);
		if (r < 0 && errno != EAGAIN)
			conn_end(k, c, errno);
		else if (r == 0)
			conn_end(k, c, 0); /* EOF: this one is done */
		memset(conn_buf, 0, sizeof(conn_buf));
	}
}

/* What poll waits for: the control socket, then each connection. */
static void conn_pollfds(const struct connector *k, struct pollfd *pf)
{
	const struct actor_spec *a = k->a;

	pf[0] = (struct pollfd){k->ctl, POLLIN, 0};
	for (int i = 0; i < k->n; i++) {
		const struct conn *c = &k->cs[i];
		int want_out = !c->connected || c->text_left || c->to_send > 0 || a->stream;
		pf[i + 1] = (struct pollfd){
		    c->fd, (want_out ? POLLOUT : 0) | (c->connected && a->recv ? POLLIN : 0), 0};
	}
}

void actor_run_connect(const struct actor_spec *a, const char *target, int ctl)
{
	int n = a->connections > 0 ? a->connections : 1;
	struct connector k = {.a = a, .ctl = ctl, .n = n, .live = n};
	struct pollfd *pf = calloc(n + 1, sizeof(*pf));
	struct sockaddr_storage ss;
	socklen_t len;
	char cmd[4096];

	k.cs = calloc(n, sizeof(*k.cs));
	if (!k.cs || !pf)
		actor_finish_err(ctl, ENOMEM);
	if (actor_make_addr(target, a->port, &ss, &len))
		actor_finish_err(ctl, EINVAL);
	for (int i = 0; i < n; i++)
		conn_open(&k, i, &ss, len);
	for (;;) {
		conn_pollfds(&k, pf);
		if (poll(pf, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			actor_finish_err(ctl, errno);
		}
		/* the connections first: a connect that completed in this round
		 * counts as connected for a command that came with it */
		for (int i = 0; i < n; i++)
			if (k.cs[i].fd >= 0 && pf[i + 1].revents)
				conn_event(&k, &k.cs[i], pf[i + 1].revents);
		if (pf[0].revents) {
			actor_read_command(ctl, cmd, sizeof(cmd));
			for (int i = 0; i < n; i++)
				if (k.cs[i].fd >= 0 &&
				    (k.cs[i].connected || strncmp(cmd, "send ", 5)))
					actor_command_apply(ctl, cmd, k.cs[i].fd);
			if (actor_command_ends(cmd))
				actor_finish_ok(ctl);
		}
		if (!k.live) {
			if (k.first_err)
				actor_finish_err(ctl, k.first_err);
			actor_finish_ok(ctl);
		}
	}
}
