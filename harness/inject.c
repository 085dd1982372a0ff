#define _GNU_SOURCE
#include "inject.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../netns/ns.h"
#include "capture.h"
#include "cleanup.h"
#include "pktforge.h"
#include "run.h"
#include "tcpconn.h"
#include "watch.h"

/* How long the capture may take to keep every packet sent before the step. */
#define INJECT_CATCH_UP_MS 1000

/* How long an actor may take to report the connection it made. */
#define INJECT_CONNECTED_S 1.0

static int connected(struct run *r, void *ctx)
{
	const struct actor_run *a = ctx;

	(void)r;
	return a->nconns > 0;
}

struct scan {
	struct run *r;
	double from; /* run-relative: when the connection began (an older one
		      * on the same ports is not its state) */
	struct tcp_conn conn;
};

/* A segment inject sent itself: seen again in the capture, it is not the
 * connection's state. */
static int forged(const struct run *r, const struct pkt_info *pi)
{
	for (int i = 0; i < r->ninjected; i++) {
		const struct pkt_info *f = &r->injected[i];
		if (f->seq == pi->seq && f->ack == pi->ack && f->flags == pi->flags &&
		    f->sport == pi->sport && f->dport == pi->dport && f->window == pi->window &&
		    f->payload == pi->payload && f->has_ts == pi->has_ts && f->tsval == pi->tsval &&
		    !memcmp(f->src_mac, pi->src_mac, 6))
			return 1;
	}
	return 0;
}

static void scan_frame(void *arg, const struct pcap_pkthdr *h, const unsigned char *data)
{
	struct scan *sc = arg;
	struct pkt_info pi;
	double t = h->ts.tv_sec + h->ts.tv_usec / 1e6 - sc->r->wall_t0;

	if (t < sc->from || pkt_decode(data, h->caplen, &pi) || forged(sc->r, &pi))
		return;
	tcp_conn_add(&sc->conn, &pi, t);
}

/* "rcv_nxt+1" as written, for the timeline. */
static const char *val_text(const struct inject_val *v, char *buf, size_t len)
{
	static const char *names[] = {
	    [INJ_RCV_NXT] = "rcv_nxt", [INJ_SND_NXT] = "snd_nxt", [INJ_SND_UNA] = "snd_una"};
	if (v->ref == INJ_ABS || v->ref == INJ_UNSET)
		snprintf(buf, len, "%lld", v->off);
	else if (v->off)
		snprintf(buf, len, "%s%+lld", names[v->ref], v->off);
	else
		snprintf(buf, len, "%s", names[v->ref]);
	return buf;
}

/* The payload as the step gives it: its text, or N bytes of 'x'. */
static void fill_payload(const struct step *s, struct pkt_forge *f, uint8_t *payload)
{
	if (s->value) {
		f->payload = (const uint8_t *)s->value;
		f->payload_len = strlen(s->value);
	} else if (s->inject.payload) {
		memset(payload, 'x', (size_t)s->inject.payload);
		f->payload = payload;
		f->payload_len = (size_t)s->inject.payload;
	}
}

/* The segment's fields from the spec and the connection's state. */
static void fill(const struct step *s, const struct tcp_conn *c, struct pkt_forge *f,
		 uint8_t *payload, struct inject_val *eseq, struct inject_val *eack)
{
	const struct inject_spec *in = &s->inject;
	const struct tcp_dir *x = &c->d[0], *y = &c->d[1];
	struct inject_val seq = in->seq, ack = in->ack;

	memset(f, 0, sizeof(*f));
	memcpy(f->src_mac, x->last.src_mac, 6);
	memcpy(f->dst_mac, x->last.dst_mac, 6);
	f->family = x->last.family;
	memcpy(f->src, x->last.src, 16);
	memcpy(f->dst, x->last.dst, 16);
	f->sport = x->last.sport;
	f->dport = x->last.dport;
	f->flags = (uint8_t)in->flags;
	if (seq.ref == INJ_UNSET)
		seq = (struct inject_val){INJ_RCV_NXT, 0};
	if (ack.ref == INJ_UNSET)
		ack = (in->flags & TCPF_ACK) ? (struct inject_val){INJ_SND_NXT, 0}
					     : (struct inject_val){INJ_ABS, 0};
	f->seq = tcp_conn_value(c, &seq);
	f->ack = tcp_conn_value(c, &ack);
	*eseq = seq;
	*eack = ack;
	f->window = in->window >= 0 ? (uint16_t)in->window : x->window;
	if ((in->ts == INJ_TS_AUTO && x->has_ts) || in->ts == INJ_TS_CURRENT ||
	    in->ts == INJ_TS_OLD) {
		f->has_ts = 1;
		f->tsval = x->tsval - (in->ts == INJ_TS_OLD ? 1000 : 0);
		f->tsecr = y->has_ts ? y->tsval : 0;
	}
	fill_payload(s, f, payload);
}

/* Towards a port, no connection: the link's MACs and addresses, the
 * numbers as written; 0 or -EINVAL. */
static int fill_port(const struct run *r, const struct step *s, int l, int side,
		     const uint8_t mac[6], struct pkt_forge *f, uint8_t *payload)
{
	const struct topo_link *tl = &r->m->topo.links[l];
	const struct inject_spec *in = &s->inject;

	memset(f, 0, sizeof(*f));
	memcpy(f->src_mac, mac, 6);
	memcpy(f->dst_mac, tl->mac[!side], 6);
	f->family = in->ipv6 ? AF_INET6 : AF_INET;
	if (inet_pton(f->family, in->ipv6 ? tl->v6[side] : tl->v4[side], f->src) != 1 ||
	    inet_pton(f->family, in->ipv6 ? tl->v6[!side] : tl->v4[!side], f->dst) != 1)
		return -EINVAL;
	f->sport = (uint16_t)in->sport;
	f->dport = (uint16_t)in->dport;
	f->flags = (uint8_t)in->flags;
	f->seq = in->seq.ref == INJ_ABS ? (uint32_t)in->seq.off : 0;
	f->ack = in->ack.ref == INJ_ABS ? (uint32_t)in->ack.off : 0;
	f->window = in->window >= 0 ? (uint16_t)in->window : 65535;
	fill_payload(s, f, payload);
	return 0;
}

/* HOST's end of the link: an AF_PACKET socket in its namespace (sending
 * only), the device's index and its MAC.  The socket, or -errno. */
static int end_open(int ns, const char *ifname, int *ifindex, uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd = ns_socket(ns, AF_PACKET, SOCK_RAW, 0), err = 0;

	if (fd < 0)
		return fd;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		err = -errno;
	*ifindex = ifr.ifr_ifindex;
	if (!err && ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return fd;
}

/* Send frame on device ifindex through fd; 0 or -errno. */
static int send_frame(int fd, int ifindex, const uint8_t *frame, size_t len)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_halen = 6, .sll_ifindex = ifindex};

	memcpy(sll.sll_addr, frame, 6);
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
		return -errno;
	return 0;
}

/* The segment sent (f; NULL: not a TCP segment), the state it was computed
 * from, and how exact that is. */
static void log_state(struct run *r, const struct step *s, const struct tcp_conn *c,
		      const struct pkt_forge *f, const struct inject_val *seq,
		      const struct inject_val *ack)
{
	const struct tcp_dir *x = &c->d[0], *y = &c->d[1];
	uint32_t un[2];
	char flags[32], sv[48], av[48];

	tcp_conn_unacked(c, un);
	if (f) {
		pkt_flags_format(f->flags, flags, sizeof(flags));
		run_log(
		    r, "inject %s -> %s into %s: %s seq %u (%s) ack %u (%s) win %u%s, %zu bytes",
		    run_host(r, s->host), run_host(r, s->peer), r->m->actors[s->actor].name, flags,
		    f->seq, val_text(seq, sv, sizeof(sv)), f->ack, val_text(ack, av, sizeof(av)),
		    f->window, f->has_ts ? " with timestamps" : "", f->payload_len);
	}
	run_log(
	    r,
	    "  from the capture: the receiver's rcv_nxt %u, snd_nxt %u, snd_una %u (relative to "
	    "the ISNs: %u, %u, %u); its last segment %.3fs ago; %s",
	    y->ack, y->nxt, x->has_ack ? x->ack : y->isn, x->syn ? y->ack - x->isn : 0,
	    y->syn ? y->nxt - y->isn : 0, y->syn && x->has_ack ? x->ack - y->isn : 0,
	    run_rel(r) - (x->stamp > y->stamp ? x->stamp : y->stamp),
	    un[0] || un[1] ? "not quiet: values may be behind" : "quiet: exact");
	if (un[0] || un[1])
		run_log(r, "  unacknowledged in flight: %u bytes towards it, %u from it", un[0],
			un[1]);
}

/* The segment sent towards a port. */
static void log_port(struct run *r, const struct step *s, const struct pkt_forge *f)
{
	char flags[32];

	pkt_flags_format(f->flags, flags, sizeof(flags));
	run_log(r,
		"inject %s -> %s port %u from %u: %s seq %u ack %u win %u, %zu bytes (no "
		"connection: the numbers as written)",
		run_host(r, s->host), run_host(r, s->peer), f->dport, f->sport, flags, f->seq,
		f->ack, f->window, f->payload_len);
}

/* The ICMP error sent, and the segment it quoted. */
static void log_too_big(struct run *r, const struct step *s, const struct tcp_conn *c,
			uint32_t quoted)
{
	const struct tcp_dir *y = &c->d[1];
	char sv[48];
	struct inject_val seq = s->inject.seq;

	if (seq.ref == INJ_UNSET)
		seq = (struct inject_val){INJ_SND_UNA, 0};
	run_log(r, "inject %s -> %s into %s: ICMP %s, mtu %u, quoting its segment seq %u (%s)",
		run_host(r, s->host), run_host(r, s->peer), r->m->actors[s->actor].name,
		y->last.family == AF_INET ? "fragmentation needed" : "packet too big",
		s->inject.icmp_mtu, quoted, val_text(&seq, sv, sizeof(sv)));
	log_state(r, s, c, NULL, NULL, NULL);
}

/* The connection's state as the capture of link l saw it up to now; a
 * verdict (0: sc->conn is ready); mac: the link end's. */
static int conn_state(struct run *r, const struct step *s, int l, const char *ifname,
		      const uint8_t mac[6], struct scan *sc)
{
	const struct actor_spec *as = &r->m->actors[s->actor];
	const struct actor_run *a = &r->actors[s->actor];
	int err;

	/* the actor reports its connection's port once connect() is done,
	 * which may come after the kernel's own record of it */
	if (!a->nconns)
		watch_until(r, r->t0 + run_rel(r) + INJECT_CONNECTED_S * r->slow, connected,
			    (void *)a);
	if (!a->nconns)
		return run_fail(r, s, VOP_INJECT, 0, "inject: %s has made no connection", as->name);
	if (!r->caps[l])
		return run_fail(r, s, VOP_INJECT, 0, "inject: link %s %s is not captured yet",
				run_host(r, s->host), run_host(r, s->peer));
	/* every packet up to now kept, so the state is the kernel's as of now */
	err = capture_wait(r->caps[l], r->wall_t0 + run_rel(r), INJECT_CATCH_UP_MS);
	if (err)
		return run_fail(r, s, VOP_INJECT, -err,
				"inject: the capture of %s did not catch up", ifname);
	tcp_conn_init(&sc->conn, mac, (uint16_t)a->conns[a->nconns - 1].port, (uint16_t)as->port);
	/* connect() was called then; 1 ms for the two clocks' conversions */
	sc->from = a->conns[a->nconns - 1].begun - r->t0 - 0.001;
	capture_foreach(r->caps[l], scan_frame, sc);
	if (!tcp_conn_ready(&sc->conn))
		return run_fail(
		    r, s, VOP_INJECT, 0,
		    "inject: %s's connection (ports %u and %d) has not crossed link %s %s "
		    "both ways (the capture saw %ld segments from %s, %ld to it)",
		    as->name, a->conns[a->nconns - 1].port, as->port, run_host(r, s->host),
		    run_host(r, s->peer), sc->conn.d[0].frames, run_host(r, s->host),
		    sc->conn.d[1].frames);
	return 0;
}

/* ICMP too-big from HOST's own address on link l (side) to the receiving
 * end, quoting a segment it sent; its length, or -EINVAL. */
static int forge_too_big(struct run *r, const struct step *s, int l, int side,
			 const struct tcp_conn *c, uint8_t *frame, size_t len, uint32_t *quoted)
{
	const struct topo_link *tl = &r->m->topo.links[l];
	const struct tcp_dir *x = &c->d[0], *y = &c->d[1];
	struct inject_val seq = s->inject.seq;
	struct pkt_forge q = {.family = y->last.family};
	uint8_t from[16];

	if (inet_pton(q.family, q.family == AF_INET ? tl->v4[side] : tl->v6[side], from) != 1)
		return -EINVAL;
	if (seq.ref == INJ_UNSET)
		seq = (struct inject_val){INJ_SND_UNA, 0};
	memcpy(q.src, y->last.src, 16);
	memcpy(q.dst, y->last.dst, 16);
	q.sport = y->last.sport;
	q.dport = y->last.dport;
	q.seq = *quoted = tcp_conn_value(c, &seq);
	return pkt_forge_too_big(x->last.src_mac, x->last.dst_mac, from, x->last.dst,
				 s->inject.icmp_mtu, &q, frame, len);
}

/* Remember a TCP segment sent, so that the next look at the capture skips it. */
static int remember(struct run *r, const struct pkt_info *sent)
{
	struct pkt_info *v = realloc(r->injected, (r->ninjected + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->injected = v;
	r->injected[r->ninjected++] = *sent;
	return 0;
}

int inject_run(struct run *r, const struct step *s)
{
	const struct topo *t = &r->m->topo;
	int l = topo_link_find(t, s->host, s->peer), side = topo_link_side(t, l, s->host);
	const char *ifname = t->links[l].ifname[side];
	uint8_t frame[PKT_FORGE_MAX], payload[PKT_FORGE_PAYLOAD];
	struct scan sc = {.r = r};
	struct pkt_forge f;
	struct pkt_info sent;
	struct inject_val seq, ack;
	uint32_t quoted = 0;
	uint8_t mac[6];
	int err, n, ifindex;
	_cleanup_close_ int fd = end_open(run_ns(r, s->host), ifname, &ifindex, mac);

	if (fd < 0)
		return run_fail(r, s, VOP_INJECT, -fd, "inject: a packet socket on %s: %s", ifname,
				strerror(-fd));
	if (s->inject.dport) {
		if (fill_port(r, s, l, side, mac, &f, payload))
			return run_fail(r, s, VOP_HARNESS, EINVAL, "inject: %s has no %s address",
					ifname, s->inject.ipv6 ? "IPv6" : "IPv4");
		n = pkt_forge_tcp(&f, frame, sizeof(frame));
	} else if ((err = conn_state(r, s, l, ifname, mac, &sc))) {
		return err;
	} else if (s->inject.icmp_mtu) {
		n = forge_too_big(r, s, l, side, &sc.conn, frame, sizeof(frame), &quoted);
	} else {
		fill(s, &sc.conn, &f, payload, &seq, &ack);
		n = pkt_forge_tcp(&f, frame, sizeof(frame));
	}
	if (n < 0 || pkt_decode(frame, (size_t)n, &sent))
		return run_fail(r, s, VOP_HARNESS, EINVAL, "inject: could not build the packet");
	err = send_frame(fd, ifindex, frame, (size_t)n);
	if (err)
		return run_fail(r, s, VOP_INJECT, -err, "inject: sending on %s: %s", ifname,
				strerror(-err));
	if (!s->inject.icmp_mtu && remember(r, &sent) < 0)
		return run_fail(r, s, VOP_HARNESS, ENOMEM, "inject: out of memory");
	if (s->inject.dport)
		log_port(r, s, &f);
	else if (s->inject.icmp_mtu)
		log_too_big(r, s, &sc.conn, quoted);
	else
		log_state(r, s, &sc.conn, &f, &seq, &ack);
	return 0;
}
