#define _GNU_SOURCE
#include "sockdiag.h"
#include "nlsock.h"
#include "ns.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void sockdiag_list_free(struct sockdiag_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static struct sockdiag_sock *list_push(struct sockdiag_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

const char *sockdiag_state_name(unsigned state)
{
	static const char *names[] = {
	    [1] = "ESTAB",	[2] = "SYN-SENT",  [3] = "SYN-RECV", [4] = "FIN-WAIT-1",
	    [5] = "FIN-WAIT-2", [6] = "TIME-WAIT", [7] = "UNCONN",   [8] = "CLOSE-WAIT",
	    [9] = "LAST-ACK",	[10] = "LISTEN",   [11] = "CLOSING", [12] = "NEW-SYN-RECV",
	};

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	return "UNKNOWN";
}

/* struct tcp_info of <linux/tcp.h> (UAPI, append-only); a copy because
 * <linux/tcp.h> clashes with <netinet/tcp.h> that libnl pulls in. */
struct kernel_tcp_info {
	__u8 tcpi_state;
	__u8 tcpi_ca_state;
	__u8 tcpi_retransmits;
	__u8 tcpi_probes;
	__u8 tcpi_backoff;
	__u8 tcpi_options;
	__u8 tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	__u8 tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;

	__u32 tcpi_rto;
	__u32 tcpi_ato;
	__u32 tcpi_snd_mss;
	__u32 tcpi_rcv_mss;

	__u32 tcpi_unacked;
	__u32 tcpi_sacked;
	__u32 tcpi_lost;
	__u32 tcpi_retrans;
	__u32 tcpi_fackets;

	/* Times. */
	__u32 tcpi_last_data_sent;
	__u32 tcpi_last_ack_sent; /* Not remembered, sorry. */
	__u32 tcpi_last_data_recv;
	__u32 tcpi_last_ack_recv;

	/* Metrics. */
	__u32 tcpi_pmtu;
	__u32 tcpi_rcv_ssthresh;
	__u32 tcpi_rtt;
	__u32 tcpi_rttvar;
	__u32 tcpi_snd_ssthresh;
	__u32 tcpi_snd_cwnd;
	__u32 tcpi_advmss;
	__u32 tcpi_reordering;

	__u32 tcpi_rcv_rtt;
	__u32 tcpi_rcv_space;

	__u32 tcpi_total_retrans;

	__u64 tcpi_pacing_rate;
	__u64 tcpi_max_pacing_rate;
	__u64 tcpi_bytes_acked;	   /* RFC4898 tcpEStatsAppHCThruOctetsAcked */
	__u64 tcpi_bytes_received; /* RFC4898 tcpEStatsAppHCThruOctetsReceived */
	__u32 tcpi_segs_out;	   /* RFC4898 tcpEStatsPerfSegsOut */
	__u32 tcpi_segs_in;	   /* RFC4898 tcpEStatsPerfSegsIn */

	__u32 tcpi_notsent_bytes;
	__u32 tcpi_min_rtt;
	__u32 tcpi_data_segs_in;  /* RFC4898 tcpEStatsDataSegsIn */
	__u32 tcpi_data_segs_out; /* RFC4898 tcpEStatsDataSegsOut */

	__u64 tcpi_delivery_rate;

	__u64 tcpi_busy_time;	   /* Time (usec) busy sending data */
	__u64 tcpi_rwnd_limited;   /* Time (usec) limited by receive window */
	__u64 tcpi_sndbuf_limited; /* Time (usec) limited by send buffer */

	__u32 tcpi_delivered;
	__u32 tcpi_delivered_ce;

	__u64 tcpi_bytes_sent;	  /* RFC4898 tcpEStatsPerfHCDataOctetsOut */
	__u64 tcpi_bytes_retrans; /* RFC4898 tcpEStatsPerfOctetsRetrans */
	__u32 tcpi_dsack_dups;	  /* RFC4898 tcpEStatsStackDSACKDups */
	__u32 tcpi_reord_seen;	  /* reordering events seen */

	__u32 tcpi_rcv_ooopack; /* Out-of-order packets received */

	__u32 tcpi_snd_wnd; /* peer's advertised receive window after
			     * scaling (bytes)
			     */
};

static void decode_info(const void *data, size_t len, struct sockdiag_tcp_info *o)
{
	struct kernel_tcp_info t;

	memset(&t, 0, sizeof(t));
	memcpy(&t, data, len < sizeof(t) ? len : sizeof(t));
	o->retransmits = t.tcpi_retransmits;
	o->probes = t.tcpi_probes;
	o->backoff = t.tcpi_backoff;
	o->rto = t.tcpi_rto;
	o->ato = t.tcpi_ato;
	o->snd_mss = t.tcpi_snd_mss;
	o->rcv_mss = t.tcpi_rcv_mss;
	o->unacked = t.tcpi_unacked;
	o->lost = t.tcpi_lost;
	o->retrans = t.tcpi_retrans;
	o->rtt = t.tcpi_rtt;
	o->rttvar = t.tcpi_rttvar;
	o->snd_cwnd = t.tcpi_snd_cwnd;
	o->total_retrans = t.tcpi_total_retrans;
	o->rcv_space = t.tcpi_rcv_space;
	o->snd_wnd = t.tcpi_snd_wnd;
	o->bytes_acked = t.tcpi_bytes_acked;
	o->bytes_received = t.tcpi_bytes_received;
	o->sacked = t.tcpi_sacked;
	o->pmtu = t.tcpi_pmtu;
	o->rcv_ssthresh = t.tcpi_rcv_ssthresh;
	o->snd_ssthresh = t.tcpi_snd_ssthresh;
	o->advmss = t.tcpi_advmss;
	o->reordering = t.tcpi_reordering;
	o->rcv_rtt = t.tcpi_rcv_rtt;
	o->last_data_sent = t.tcpi_last_data_sent;
	o->last_data_recv = t.tcpi_last_data_recv;
	o->last_ack_recv = t.tcpi_last_ack_recv;
	o->segs_out = t.tcpi_segs_out;
	o->segs_in = t.tcpi_segs_in;
	o->notsent_bytes = t.tcpi_notsent_bytes;
	o->min_rtt = t.tcpi_min_rtt;
	o->data_segs_in = t.tcpi_data_segs_in;
	o->data_segs_out = t.tcpi_data_segs_out;
	o->delivered = t.tcpi_delivered;
	o->dsack_dups = t.tcpi_dsack_dups;
	o->reord_seen = t.tcpi_reord_seen;
	o->rcv_ooopack = t.tcpi_rcv_ooopack;
	o->pacing_rate = t.tcpi_pacing_rate;
	o->delivery_rate = t.tcpi_delivery_rate;
	o->busy_time = t.tcpi_busy_time;
	o->rwnd_limited = t.tcpi_rwnd_limited;
	o->sndbuf_limited = t.tcpi_sndbuf_limited;
	o->bytes_sent = t.tcpi_bytes_sent;
	o->bytes_retrans = t.tcpi_bytes_retrans;
}

static int decode_one(const struct nlmsghdr *h, struct sockdiag_list *out)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	size_t len = h->nlmsg_len;
	const struct rtattr *a;
	struct sockdiag_sock *s;
	int alen;

	if (len < NLMSG_LENGTH(sizeof(*m)))
		return -EPROTO;
	s = list_push(out);
	if (!s)
		return -ENOMEM;
	s->family = m->idiag_family;
	s->state = m->idiag_state;
	s->timer = m->idiag_timer;
	s->retrans = m->idiag_retrans;
	s->expires_ms = m->idiag_expires;
	s->rq = m->idiag_rqueue;
	s->wq = m->idiag_wqueue;
	s->uid = m->idiag_uid;
	s->inode = m->idiag_inode;
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	memcpy(s->src, m->id.idiag_src, 16);
	memcpy(s->dst, m->id.idiag_dst, 16);
	s->protocol = IPPROTO_TCP;
	/* A timewait or request socket reports its own state; only full
	 * sockets carry attributes. */
	alen = (int)(len - NLMSG_LENGTH(sizeof(*m)));
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		size_t plen = RTA_PAYLOAD(a);

		if (a->rta_type == INET_DIAG_INFO) {
			decode_info(RTA_DATA(a), plen, &s->info);
			s->has_info = 1;
		} else if (a->rta_type == INET_DIAG_SKMEMINFO) {
			size_t n = plen / sizeof(uint32_t),
			       max = sizeof(s->mem) / sizeof(s->mem[0]);

			memcpy(s->mem, RTA_DATA(a), (n < max ? n : max) * sizeof(uint32_t));
			s->has_mem = 1;
		} else if (a->rta_type == INET_DIAG_PROTOCOL && plen >= 1) {
			s->protocol = *(const uint8_t *)RTA_DATA(a);
		}
	}
	return 0;
}

int sockdiag_decode(const void *buf, size_t len, struct sockdiag_list *out)
{
	const struct nlmsghdr *h = buf;
	int n = (int)len, err;

	for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EPROTO;
			return e->error ? e->error : -EPROTO;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		err = decode_one(h, out);
		if (err)
			return err;
	}
	return n == 0 ? 0 : -EPROTO;
}

#define RECV_BUF (256 * 1024)

static int send_req(struct nl_sock *sk, int family, int protocol, const struct sockdiag_req *r)
{
	struct inet_diag_req_v2 req = {
	    .sdiag_family = family,
	    .sdiag_protocol = protocol,
	    .idiag_ext = ((r->what & SOCKDIAG_INFO) ? 1 << (INET_DIAG_INFO - 1) : 0) |
			 ((r->what & SOCKDIAG_MEM) ? 1 << (INET_DIAG_SKMEMINFO - 1) : 0),
	    .idiag_states = r->states,
	};
	struct nl_msg *m = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP);
	int err = -EMSGSIZE;

	if (!m)
		return -ENOMEM;
	if (nlmsg_append(m, &req, sizeof(req), NLMSG_ALIGNTO) < 0)
		goto out;
	if (r->bytecode_len &&
	    nla_put(m, INET_DIAG_REQ_BYTECODE, (int)r->bytecode_len, r->bytecode) < 0)
		goto out;
	err = nl_send_auto(sk, m);
	err = err < 0 ? nlsock_errno(err) : 0;
out:
	nlmsg_free(m);
	return err;
}

static int dump_one(struct nl_sock *sk, int family, int protocol, const struct sockdiag_req *r,
		    struct sockdiag_list *out, FILE *raw, unsigned char *buf)
{
	size_t first = out->n;
	int fd = nl_socket_get_fd(sk), err;
	ssize_t n;

	err = send_req(sk, family, protocol, r);
	if (err)
		return err;
	/* Plain recv() into one large buffer: a dump is many messages per
	 * datagram, and libnl's nl_recv() peeks and allocates for each. */
	for (;;) {
		n = recv(fd, buf, RECV_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EPROTO : -errno;
		if (raw)
			fwrite(buf, 1, n, raw);
		err = sockdiag_decode(buf, n, out);
		if (err < 0)
			return err;
		if (err == 1)
			break;
	}
	if (protocol == IPPROTO_UDP)
		for (size_t i = first; i < out->n; i++)
			out->v[i].protocol = IPPROTO_UDP;
	return 0;
}

int sockdiag_dump_sock(struct nl_sock *sk, const struct sockdiag_req *req,
		       struct sockdiag_list *out, FILE *raw)
{
	static const int fams[] = {AF_INET, AF_INET6};
	unsigned char *buf = malloc(RECV_BUF);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (int f = 0; f < 2 && !err; f++) {
		if (req->what & SOCKDIAG_TCP)
			err = dump_one(sk, fams[f], IPPROTO_TCP, req, out, raw, buf);
		if (!err && (req->what & SOCKDIAG_UDP))
			err = dump_one(sk, fams[f], IPPROTO_UDP, req, out, raw, buf);
	}
	free(buf);
	return err;
}

struct dump_op {
	const struct sockdiag_req *req;
	struct sockdiag_list *out;
	FILE *raw;
};

static int do_dump(void *p)
{
	struct dump_op *op = p;
	struct nl_sock *sk;
	int err;

	sk = nlsock_open(NETLINK_SOCK_DIAG, &err);
	if (!sk)
		return err;
	nl_socket_set_buffer_size(sk, 1 << 20, 0);
	err = sockdiag_dump_sock(sk, op->req, op->out, op->raw);
	nl_socket_free(sk);
	return err;
}

static int do_open(void *p)
{
	struct nl_sock **sk = p;
	int err;

	*sk = nlsock_open(NETLINK_SOCK_DIAG, &err);
	if (!*sk)
		return err;
	nl_socket_set_buffer_size(*sk, 1 << 20, 0);
	return 0;
}

struct nl_sock *sockdiag_open(int ns, int *err)
{
	struct nl_sock *sk = NULL;

	*err = ns_call(ns, do_open, &sk);
	return *err ? NULL : sk;
}

struct nl_sock *sockdiag_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
	return NULL;
}

int sockdiag_dump_req(int ns, const struct sockdiag_req *req, struct sockdiag_list *out, FILE *raw)
{
	struct dump_op op = {req, out, raw};

	return ns_call(ns, do_dump, &op);
}

int sockdiag_dump(int ns, unsigned what, struct sockdiag_list *out, FILE *raw)
{
	struct sockdiag_req req = {.what = what, .states = ~0u};

	return sockdiag_dump_req(ns, &req, out, raw);
}
