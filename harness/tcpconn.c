#include "tcpconn.h"

#include <netinet/in.h>
#include <string.h>

/* a after b in sequence space */
static int after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

void tcp_conn_init(struct tcp_conn *c, const uint8_t mac[6], uint16_t port_a, uint16_t port_b)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, mac, 6);
	c->port[0] = port_a;
	c->port[1] = port_b;
}

void tcp_conn_add(struct tcp_conn *c, const struct pkt_info *pi, double t)
{
	struct tcp_dir *d;
	uint32_t end;

	if (pi->protocol != IPPROTO_TCP || !((pi->sport == c->port[0] && pi->dport == c->port[1]) ||
					     (pi->sport == c->port[1] && pi->dport == c->port[0])))
		return;
	d = &c->d[memcmp(pi->src_mac, c->mac, 6) ? 1 : 0];
	end = pi->seq + pi->payload + !!(pi->flags & PKT_SYN) + !!(pi->flags & PKT_FIN);
	if (pi->flags & PKT_SYN) {
		d->syn = 1;
		d->isn = pi->seq;
	}
	if (!d->frames || after(end, d->nxt))
		d->nxt = end;
	if ((pi->flags & PKT_ACK) && (!d->has_ack || after(pi->ack, d->ack))) {
		d->ack = pi->ack;
		d->has_ack = 1;
	}
	if (pi->has_ts && (!d->has_ts || after(pi->tsval, d->tsval))) {
		d->tsval = pi->tsval;
		d->has_ts = 1;
	}
	if (!(pi->flags & PKT_RST))
		d->window = pi->window;
	d->last = *pi;
	d->stamp = t;
	d->frames++;
}

int tcp_conn_ready(const struct tcp_conn *c)
{
	return c->d[0].frames && c->d[1].frames && c->d[1].has_ack;
}

uint32_t tcp_conn_value(const struct tcp_conn *c, const struct inject_val *v)
{
	switch (v->ref) {
	case INJ_RCV_NXT:
		return c->d[1].ack + (uint32_t)v->off;
	case INJ_SND_NXT:
		return c->d[1].nxt + (uint32_t)v->off;
	case INJ_SND_UNA:
		return (c->d[0].has_ack ? c->d[0].ack : c->d[1].isn) + (uint32_t)v->off;
	case INJ_ABS:
		return (uint32_t)v->off;
	case INJ_UNSET:
		break;
	}
	return 0;
}

void tcp_conn_unacked(const struct tcp_conn *c, uint32_t unacked[2])
{
	unacked[0] = after(c->d[0].nxt, c->d[1].ack) ? c->d[0].nxt - c->d[1].ack : 0;
	unacked[1] =
	    c->d[0].has_ack && after(c->d[1].nxt, c->d[0].ack) ? c->d[1].nxt - c->d[0].ack : 0;
}
