/*
 * actor_udp: the UDP actors' children (`listen udp`, `connect udp`), with
 * the same reports and ends as the TCP ones (actor_child.h): a listener
 * that receives and answers (echo, N bytes, or nothing) or stops reading,
 * and a sender that sends a datagram K times, T apart, and waits for each
 * reply when asked.  A connected sender learns of an ICMP port unreachable
 * as ECONNREFUSED on its next call, as any program would.
 */
#define _GNU_SOURCE
#include "actor_child.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_LATER_MAX 256

static char dgram[65536], out[65507];

static int udp_socket(const struct actor_spec *a, int family, int ctl)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1, v6 = 0, err;

	if (fd < 0)
		actor_finish_err(ctl, errno);
	if (!a->noreuseaddr)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof(v6));
	err = actor_apply_options(a, fd);
	if (err)
		actor_finish_err(ctl, -err);
	return fd;
}

/* A supervisor command: close and abort end the actor (ok). */
static void udp_command(int ctl, int fd)
{
	char cmd[4096];

	actor_read_command(ctl, cmd, sizeof(cmd));
	if (actor_command_ends(cmd)) {
		close(fd);
		actor_finish_ok(ctl);
	}
}

/* An answer to send later (listen udp ... delay T). */
struct later {
	long long due; /* actor_now_ms() */
	struct sockaddr_storage peer;
	socklen_t plen;
	size_t n;
	char *data;
};

/* Answer a datagram of n bytes in dgram from peer: now, or queued for later. */
static void udp_answer(const struct actor_spec *a, int fd, struct later *q, int *nq,
		       const struct sockaddr_storage *peer, socklen_t plen, size_t n)
{
	const char *data = a->echo ? dgram : memset(out, 'r', (size_t)a->reply);

	if (!a->echo && !a->reply)
		return;
	n = a->echo ? n : (size_t)a->reply;
	if (!a->delay_ms) {
		sendto(fd, data, n, 0, (const void *)peer, plen);
		return;
	}
	char *copy = *nq < UDP_LATER_MAX ? malloc(n ? n : 1) : NULL;
	if (!copy)
		return; /* more answers outstanding than a case needs: not sent */
	memcpy(copy, data, n);
	q[(*nq)++] = (struct later){actor_now_ms() + a->delay_ms, *peer, plen, n, copy};
}

/* Send the answers that are due; the poll timeout until the next one. */
static int udp_due(int fd, struct later *q, int *nq)
{
	long long now = actor_now_ms(), next = -1;

	for (int i = 0; i < *nq;) {
		if (q[i].due > now) {
			next = next < 0 || q[i].due < next ? q[i].due : next;
			i++;
			continue;
		}
		sendto(fd, q[i].data, q[i].n, 0, (void *)&q[i].peer, q[i].plen);
		free(q[i].data);
		q[i] = q[--*nq];
	}
	return next < 0 ? -1 : (int)(next - now);
}

void actor_run_udp_listen(const struct actor_spec *a, int ctl)
{
	static struct later q[UDP_LATER_MAX];
	struct sockaddr_storage ss, peer;
	socklen_t len, plen;
	int fd, nq = 0;

	if (actor_make_addr(a->addr, a->port, &ss, &len))
		actor_finish_err(ctl, EINVAL);
	fd = udp_socket(a, ss.ss_family, ctl);
	if (bind(fd, (void *)&ss, len) < 0)
		actor_finish_err(ctl, errno);
	actor_report(ctl, "listening%s", "");
	for (;;) {
		struct pollfd pf[2] = {{ctl, POLLIN, 0}, {fd, a->read ? POLLIN : 0, 0}};
		ssize_t n;

		if (poll(pf, 2, udp_due(fd, q, &nq)) < 0) {
			if (errno == EINTR)
				continue;
			actor_finish_err(ctl, errno);
		}
		if (pf[0].revents)
			udp_command(ctl, fd);
		if (!(pf[1].revents & POLLIN))
			continue;
		plen = sizeof(peer);
		n = recvfrom(fd, dgram, sizeof(dgram), MSG_DONTWAIT, (void *)&peer, &plen);
		if (n >= 0) /* else an ICMP error for an earlier answer: not ours to end on */
			udp_answer(a, fd, q, &nq, &peer, plen, (size_t)n);
	}
}

/* Wait up to ms for a reply on fd (commands still apply); 0, or an errno. */
static int udp_reply(int ctl, int fd, unsigned ms)
{
	long long end = actor_now_ms() + ms;

	for (;;) {
		long long left = end - actor_now_ms();
		struct pollfd pf[2] = {{ctl, POLLIN, 0}, {fd, POLLIN, 0}};

		if (left <= 0)
			return ETIMEDOUT;
		if (poll(pf, 2, (int)left) < 0 && errno != EINTR)
			return errno;
		if (pf[0].revents)
			udp_command(ctl, fd);
		if (pf[1].revents & (POLLIN | POLLERR)) {
			ssize_t n = recv(fd, dgram, sizeof(dgram), MSG_DONTWAIT);
			if (n >= 0)
				return 0;
			if (errno != EAGAIN && errno != EINTR)
				return errno;
		}
	}
}

void actor_run_udp_connect(const struct actor_spec *a, const char *target, int ctl)
{
	struct sockaddr_storage ss, bs;
	socklen_t len, blen;
	const char *data = a->send;
	size_t n = a->send ? strlen(a->send) : (size_t)a->send_bytes;
	int fd, e = 0;

	if (actor_make_addr(target, a->port, &ss, &len))
		actor_finish_err(ctl, EINVAL);
	fd = udp_socket(a, ss.ss_family, ctl);
	if (a->bind_addr[0] || a->bind_port) {
		if (actor_make_addr(a->bind_addr, a->bind_port, &bs, &blen))
			actor_finish_err(ctl, EINVAL);
		if (bind(fd, (void *)&bs, blen) < 0)
			actor_finish_err(ctl, errno);
	}
	if (!a->unconnected && connect(fd, (void *)&ss, len) < 0)
		actor_finish_err(ctl, errno);
	actor_report(ctl, "connected%s", "");
	if (!data)
		data = memset(out, 'x', n);
	for (long i = 0; i < (a->repeat ? a->repeat : 1) && !e; i++) {
		if (i && a->every_ms) {
			struct pollfd pf = {ctl, POLLIN, 0};
			if (poll(&pf, 1, (int)a->every_ms) > 0)
				udp_command(ctl, fd);
		}
		ssize_t s = a->unconnected ? sendto(fd, data, n, 0, (void *)&ss, len)
					   : send(fd, data, n, 0);
		if (s < 0)
			e = errno;
		else if (a->recv)
			e = udp_reply(ctl, fd, a->within_ms);
	}
	close(fd);
	if (e)
		actor_finish_err(ctl, e);
	actor_finish_ok(ctl);
}
