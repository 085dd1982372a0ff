/*
 * The part of an ss filter the kernel can apply itself: the states to dump
 * and INET_DIAG bytecode for the ports every match must have, so a dump
 * brings back only candidates; filter_match() still decides.
 */
#define _GNU_SOURCE
#include "filter_node.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#define INFO(name, unit, member)                                                                   \
	{                                                                                          \
		name, unit, offsetof(struct sockdiag_sock, info.member),                           \
		    sizeof(((struct sockdiag_tcp_info *)0)->member), SOCKDIAG_INFO                 \
	}
#define MEM(name, i)                                                                               \
	{                                                                                          \
		name, INFO_COUNT, offsetof(struct sockdiag_sock, mem) + (i) * sizeof(uint32_t),    \
		    sizeof(uint32_t), SOCKDIAG_MEM                                                 \
	}

const struct info_field filter_info_fields[] = {
    INFO("cwnd", INFO_COUNT, snd_cwnd),
    INFO("ssthresh", INFO_COUNT, snd_ssthresh),
    INFO("rto", INFO_US, rto),
    INFO("ato", INFO_US, ato),
    INFO("rttvar", INFO_US, rttvar),
    INFO("minrtt", INFO_US, min_rtt),
    INFO("rcv_rtt", INFO_US, rcv_rtt),
    INFO("backoff", INFO_COUNT, backoff),
    INFO("mss", INFO_COUNT, snd_mss),
    INFO("rcvmss", INFO_COUNT, rcv_mss),
    INFO("advmss", INFO_COUNT, advmss),
    INFO("pmtu", INFO_COUNT, pmtu),
    INFO("rcv_space", INFO_COUNT, rcv_space),
    INFO("rcv_ssthresh", INFO_COUNT, rcv_ssthresh),
    INFO("snd_wnd", INFO_COUNT, snd_wnd),
    INFO("unacked", INFO_COUNT, unacked),
    INFO("lost", INFO_COUNT, lost),
    INFO("sacked", INFO_COUNT, sacked),
    INFO("reordering", INFO_COUNT, reordering),
    INFO("notsent", INFO_COUNT, notsent_bytes),
    INFO("segs_out", INFO_COUNT, segs_out),
    INFO("segs_in", INFO_COUNT, segs_in),
    INFO("data_segs_out", INFO_COUNT, data_segs_out),
    INFO("data_segs_in", INFO_COUNT, data_segs_in),
    INFO("delivered", INFO_COUNT, delivered),
    INFO("dsack_dups", INFO_COUNT, dsack_dups),
    INFO("reord_seen", INFO_COUNT, reord_seen),
    INFO("rcv_ooopack", INFO_COUNT, rcv_ooopack),
    INFO("bytes_sent", INFO_COUNT, bytes_sent),
    INFO("bytes_retrans", INFO_COUNT, bytes_retrans),
    INFO("lastsnd", INFO_MS, last_data_sent),
    INFO("lastrcv", INFO_MS, last_data_recv),
    INFO("lastack", INFO_MS, last_ack_recv),
    INFO("busy", INFO_US, busy_time),
    INFO("rwnd_limited", INFO_US, rwnd_limited),
    INFO("sndbuf_limited", INFO_US, sndbuf_limited),
    MEM("rmem_alloc", 0),
    MEM("rcvbuf", 1),
    MEM("wmem_alloc", 2),
    MEM("sndbuf", 3),
    MEM("fwd_alloc", 4),
    MEM("wmem_queued", 5),
    MEM("optmem", 6),
    MEM("backlog", 7),
    MEM("drops", 8),
    INFO("pacing_rate", INFO_RATE, pacing_rate),
    INFO("delivery_rate", INFO_RATE, delivery_rate),
};

const int filter_ninfo_fields = sizeof(filter_info_fields) / sizeof(filter_info_fields[0]);

unsigned long long filter_info_value(const struct info_field *f, const struct sockdiag_sock *s)
{
	const char *p = (const char *)s + f->offset;

	switch (f->size) {
	case 1:
		return *(const uint8_t *)p;
	case 4:
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

unsigned filter_states(const struct filter *f)
{
	if (!f)
		return ~0u;
	switch (f->kind) {
	case N_AND:
		return filter_states(f->l) & filter_states(f->r);
	case N_OR:
		return filter_states(f->l) | filter_states(f->r);
	case N_STATE:
		return f->states;
	default:
		return ~0u; /* not, ports, addresses, fields: any state */
	}
}

int filter_needs_info(const struct filter *f)
{
	return (filter_needs(f) & SOCKDIAG_INFO) != 0;
}

unsigned filter_needs(const struct filter *f)
{
	if (!f)
		return 0;
	if (f->kind == N_INFO)
		return filter_info_fields[f->info].need;
	if (f->kind == N_FIELD &&
	    (f->field == F_RETRANS || f->field == F_PROBES || f->field >= F_RTT))
		return SOCKDIAG_INFO;
	return filter_needs(f->l) | filter_needs(f->r);
}

/* The protocols a match may have (SOCKDIAG_TCP, _UDP; both: no constraint). */
static unsigned protocols(const struct filter *f)
{
	const unsigned both = SOCKDIAG_TCP | SOCKDIAG_UDP;

	if (!f)
		return both;
	switch (f->kind) {
	case N_PROTO:
		return f->value == IPPROTO_UDP ? SOCKDIAG_UDP : SOCKDIAG_TCP;
	case N_AND:
		return protocols(f->l) & protocols(f->r);
	case N_OR:
		return protocols(f->l) | protocols(f->r);
	case N_NOT:
		return f->l && f->l->kind == N_PROTO ? both & ~protocols(f->l) : both;
	default:
		return both; /* states, ports, fields: either */
	}
}

static int names_udp(const struct filter *f)
{
	return f && ((f->kind == N_PROTO && f->value == IPPROTO_UDP) || names_udp(f->l) ||
		     names_udp(f->r));
}

unsigned filter_protocols(const struct filter *f)
{
	unsigned p = protocols(f);

	if (p == (SOCKDIAG_TCP | SOCKDIAG_UDP) && !names_udp(f))
		return SOCKDIAG_TCP; /* TCP unless the filter says udp, as ss -t */
	return p;
}

struct port_cond {
	int code;
	unsigned port;
};

/* Port conditions every match must meet, from the top-level `and` chain. */
static int collect_ports(const struct filter *f, struct port_cond *c, int n, int max)
{
	long p;

	if (!f || n >= max)
		return n;
	if (f->kind == N_AND)
		return collect_ports(f->r, c, collect_ports(f->l, c, n, max), max);
	if (f->kind != N_PORT || f->value < 0)
		return n;
	p = f->value;
	switch (f->cmp) {
	case FILTER_EQ:
		c[n++] = (struct port_cond){f->dst ? INET_DIAG_BC_D_GE : INET_DIAG_BC_S_GE, p};
		if (n < max)
			c[n++] =
			    (struct port_cond){f->dst ? INET_DIAG_BC_D_LE : INET_DIAG_BC_S_LE, p};
		break;
	case FILTER_GE:
	case FILTER_GT:
		if (f->cmp == FILTER_GT && ++p > 65535)
			break;
		c[n++] = (struct port_cond){f->dst ? INET_DIAG_BC_D_GE : INET_DIAG_BC_S_GE, p};
		break;
	case FILTER_LE:
	case FILTER_LT:
		if (f->cmp == FILTER_LT && --p < 0)
			break;
		c[n++] = (struct port_cond){f->dst ? INET_DIAG_BC_D_LE : INET_DIAG_BC_S_LE, p};
		break;
	case FILTER_NE:
		break;
	}
	return n;
}

int filter_bytecode(const struct filter *f, void *buf, size_t len)
{
	struct port_cond c[16];
	struct inet_diag_bc_op *op = buf;
	int n = collect_ports(f, c, 0, 16);
	size_t need = (size_t)n * 2 * sizeof(*op);

	if (need > len)
		return -ENOSPC;
	for (int i = 0; i < n; i++) {
		size_t rest = need - (size_t)i * 2 * sizeof(*op);

		/* true: on to the next pair; false: jump past the end (reject) */
		op[2 * i] = (struct inet_diag_bc_op){
		    .code = c[i].code, .yes = 2 * sizeof(*op), .no = rest + 4};
		op[2 * i + 1] = (struct inet_diag_bc_op){.no = c[i].port};
	}
	return (int)need;
}

void filter_sockdiag_req(const struct filter *f, unsigned what, struct sockdiag_req *req, void *bc,
			 size_t bclen)
{
	int n = filter_bytecode(f, bc, bclen);

	req->what = what | filter_needs(f);
	req->states = filter_states(f);
	req->bytecode = n > 0 ? bc : NULL;
	req->bytecode_len = n > 0 ? (size_t)n : 0;
}
