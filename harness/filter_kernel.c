/*
 * The part of an ss filter the kernel can apply itself: the states to dump
 * and INET_DIAG bytecode for the ports every match must have, so a dump
 * brings back only candidates; filter_match() still decides.
 */
#define _GNU_SOURCE
#include "filter_node.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <string.h>

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
	if (!f)
		return 0;
	if (f->kind == N_FIELD &&
	    (f->field == F_RETRANS || f->field == F_PROBES || f->field >= F_RTT))
		return 1;
	return filter_needs_info(f->l) || filter_needs_info(f->r);
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

	req->what = what | (filter_needs_info(f) ? SOCKDIAG_INFO : 0);
	req->states = filter_states(f);
	req->bytecode = n > 0 ? bc : NULL;
	req->bytecode_len = n > 0 ? (size_t)n : 0;
}
