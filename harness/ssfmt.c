#define _GNU_SOURCE
#include "ssfmt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#define COLS "%-12s %-6s %-6s %-40s %-40s"

int ssfmt_header(char *buf, size_t len)
{
	return snprintf(buf, len, COLS " %s", "State", "Recv-Q", "Send-Q", "Local Address:Port",
			"Peer Address:Port", "Process");
}

int ssfmt_endpoint(int family, const unsigned char *addr, unsigned port, char *buf, size_t len)
{
	static const unsigned char zero[16];
	char a[INET6_ADDRSTRLEN], p[12];

	if (port)
		snprintf(p, sizeof(p), "%u", port);
	else
		strcpy(p, "*");
	if (!memcmp(addr, zero, family == AF_INET ? 4 : 16))
		return snprintf(buf, len, "%s:%s", family == AF_INET ? "0.0.0.0" : "[::]", p);
	inet_ntop(family, addr, a, sizeof(a));
	return snprintf(buf, len, family == AF_INET6 ? "[%s]:%s" : "%s:%s", a, p);
}

int ssfmt_duration(unsigned ms, char *buf, size_t len)
{
	if (ms < 1000)
		return snprintf(buf, len, "%ums", ms);
	if (ms < 60000)
		return snprintf(buf, len, "%u.%03us", ms / 1000, ms % 1000);
	return snprintf(buf, len, "%umin%us", ms / 60000, (ms / 1000) % 60);
}

static const char *timer_name(unsigned t)
{
	static const char *n[] = {"off", "on", "keepalive", "timewait", "persist"};

	return t < 5 ? n[t] : "unknown";
}

int ssfmt_sock(const struct sockdiag_sock *s, const char *process, char *buf, size_t len)
{
	char local[64], peer[64], q1[16], q2[16], exp[32];
	const struct sockdiag_tcp_info *i = &s->info;
	size_t n = 0;
	int r;

#define ADD(...)                                                                                   \
	do {                                                                                       \
		r = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, __VA_ARGS__);       \
		n += r > 0 ? (size_t)r : 0;                                                        \
	} while (0)

	ssfmt_endpoint(s->family, s->src, s->sport, local, sizeof(local));
	ssfmt_endpoint(s->family, s->dst, s->dport, peer, sizeof(peer));
	snprintf(q1, sizeof(q1), "%u", s->rq);
	snprintf(q2, sizeof(q2), "%u", s->wq);
	ADD(COLS,
	    s->protocol == IPPROTO_UDP && s->state == TCP_CLOSE ? "UNCONN"
								: sockdiag_state_name(s->state),
	    q1, q2, local, peer);
	if (process && *process)
		ADD(" %s", process);
	if (s->timer != SOCKDIAG_TIMER_OFF || s->expires_ms) {
		ssfmt_duration(s->expires_ms, exp, sizeof(exp));
		ADD(" timer:(%s,%s,%u)", timer_name(s->timer), exp, s->retrans);
	}
	if (s->uid)
		ADD(" uid:%u", s->uid);
	ADD(" ino:%u", s->inode);
	if (s->has_mem)
		ADD("\n\t skmem:(r%u,rb%u,t%u,tb%u,f%u,w%u,o%u,bl%u,d%u)", s->mem[0], s->mem[1],
		    s->mem[2], s->mem[3], s->mem[4], s->mem[5], s->mem[6], s->mem[7], s->mem[8]);
	if (s->has_info && s->protocol == IPPROTO_TCP) {
		ADD("%s rto:%g", s->has_mem ? "" : "\n\t", i->rto / 1000.0);
		if (i->backoff)
			ADD(" backoff:%u", i->backoff);
		ADD(" rtt:%g/%g", i->rtt / 1000.0, i->rttvar / 1000.0);
		ADD(" mss:%u rcvmss:%u cwnd:%u", i->snd_mss, i->rcv_mss, i->snd_cwnd);
		if (i->unacked)
			ADD(" unacked:%u", i->unacked);
		if (i->retransmits || i->total_retrans)
			ADD(" retrans:%u/%u", i->retransmits, i->total_retrans);
		if (i->probes)
			ADD(" probes:%u", i->probes);
		ADD(" snd_wnd:%u rcv_space:%u", i->snd_wnd, i->rcv_space);
		if (i->bytes_acked || i->bytes_received)
			ADD(" bytes_acked:%llu bytes_received:%llu",
			    (unsigned long long)i->bytes_acked,
			    (unsigned long long)i->bytes_received);
	}
#undef ADD
	return (int)n;
}

void ssfmt_list(FILE *f, const struct sockdiag_list *l, const struct filter *flt,
		const struct procsock_list *procs)
{
	char line[1024], users[512] = "";

	ssfmt_header(line, sizeof(line));
	fprintf(f, "%s\n", line);
	for (size_t i = 0; i < l->n; i++) {
		if (flt && !filter_match(flt, &l->v[i]))
			continue;
		if (procs)
			procsock_format(procs, l->v[i].inode, users, sizeof(users));
		ssfmt_sock(&l->v[i], users, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
}
