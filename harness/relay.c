#define _GNU_SOURCE
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "actor.h"
#include "clock.h"
#include "runopts.h"
#include "../netns/link.h"
#include "../netns/ns.h"

#define RELAY_FRAME_MAX 65600
#define RELAY_FLOWS	1024
#define RELAY_LIMIT	10000 /* the queue in frames, as netcase sets netem's */

/* ---- the key: pure ---- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t relay_hash(uint64_t seed, const struct relay_key *k, unsigned what)
{
	uint64_t h = mix(seed ^ what);

	h = mix(h ^ ((uint64_t)k->dir << 56 | (uint64_t)k->proto << 48 | (uint64_t)k->flags << 40 |
		     k->flow));
	h = mix(h ^ ((uint64_t)k->seq << 32 | k->ack));
	return mix(h ^ ((uint64_t)k->len << 32 | k->occ));
}

/* A big-endian 32-bit field at any alignment (frames are not aligned). */
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int l4_parse(const uint8_t *p, size_t n, int proto, uint8_t *ports, struct relay_key *k)
{
	k->proto = (uint8_t)proto;
	if (proto == IPPROTO_TCP && n >= 20) {
		size_t off = (p[12] >> 4) * 4u;
		memcpy(ports, p, 4);
		k->seq = be32(p + 4);
		k->ack = be32(p + 8);
		k->flags = p[13];
		k->len = off <= n ? (uint32_t)(n - off) : 0;
	} else if (proto == IPPROTO_UDP && n >= 8) {
		memcpy(ports, p, 4);
		k->len = (uint32_t)n - 8;
	} else {
		k->len = (uint32_t)n;
	}
	return 0;
}

int relay_parse(const uint8_t *f, size_t len, uint8_t tuple[RELAY_TUPLE], int *side,
		struct relay_key *k)
{
	uint8_t a[16] = {0}, b[16] = {0}, ports[4] = {0};
	size_t alen, hl, tot;
	int proto, cmp;

	memset(k, 0, sizeof(*k));
	if (len < 14 + 20)
		return -EINVAL;
	if (f[12] == 0x08 && f[13] == 0x00 && (f[14] >> 4) == 4) {
		hl = (f[14] & 15) * 4u;
		tot = (size_t)f[16] << 8 | f[17];
		proto = f[23];
		alen = 4;
		memcpy(a, f + 26, 4);
		memcpy(b, f + 30, 4);
	} else if (f[12] == 0x86 && f[13] == 0xdd && len >= 14 + 40) {
		hl = 40;
		tot = 40 + ((size_t)f[18] << 8 | f[19]);
		proto = f[20];
		alen = 16;
		memcpy(a, f + 22, 16);
		memcpy(b, f + 38, 16);
	} else {
		return -EINVAL;
	}
	if (tot > len - 14 || hl > tot)
		tot = hl > len - 14 ? hl : len - 14;
	l4_parse(f + 14 + hl, tot - hl, proto, ports, k);
	/* canonical: the lower (address, port) first, so both directions share a flow */
	cmp = memcmp(a, b, alen);
	if (!cmp)
		cmp = memcmp(ports, ports + 2, 2);
	*side = cmp > 0;
	tuple[0] = (uint8_t)alen;
	tuple[1] = (uint8_t)proto;
	memcpy(tuple + 2, *side ? b : a, 16);
	memcpy(tuple + 18, *side ? a : b, 16);
	memcpy(tuple + 34, *side ? ports + 2 : ports, 2);
	memcpy(tuple + 36, *side ? ports : ports + 2, 2);
	return 0;
}

/* ---- the relay's state (in its own process) ---- */

struct flow {
	uint8_t tuple[RELAY_TUPLE];
	uint32_t isn[2]; /* each side's first sequence number */
	int known[2];
	uint32_t count[2]; /* non-TCP: frames so far, each side */
	uint32_t index;	   /* among the flows of its protocol, in order of appearance */
};

struct pkt {
	double due, rx; /* CLOCK_MONOTONIC seconds */
	size_t len;
	uint8_t *data;
	char what[24];
};

struct dir {
	struct netem_spec n;
	uint64_t seed; /* each direction its own: a statement for one never reseeds the other */
	unsigned limit;
	int on;
	struct pkt *q;
	size_t nq, cap;
	double free_at;	    /* rate: when the link is free again */
	unsigned gap_count; /* reorder with a gap: packets delayed since the last sent at once */
	size_t head;	    /* the queue is q[head..nq) */
	int blocked;	    /* the far end's socket had no room: wait for POLLOUT */
	double retry_at;    /* the far end's device refused (ENOBUFS): try again then */
	unsigned long long mtu_drops;
	unsigned long long passed, lost, limited, dups, corrupted, reordered;
};

struct relay {
	int s[2], ctl, log;
	double t0, off, late_max;
	int late_told;
	unsigned long long untold; /* drops the control socket had no room to tell */
	struct dir d[2];
	struct flow *flows;
	unsigned nflows;
	uint64_t *occ_keys;
	uint32_t *occ_n;
	size_t occ_cap, occ_used;
};

static void tell(int ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tell(int ctl, const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(ctl, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1)) < 0)
		_exit(1); /* the supervisor is gone */
}

/* How many times this key (its occurrence aside) was seen before; counts it. */
static uint32_t occurrence(struct relay *R, uint64_t key)
{
	size_t i;

	if (R->occ_used * 2 >= R->occ_cap) {
		size_t cap = R->occ_cap ? R->occ_cap * 2 : 4096;
		uint64_t *k = calloc(cap, sizeof(*k));
		uint32_t *n = calloc(cap, sizeof(*n));
		if (!k || !n)
			_exit(1);
		for (size_t j = 0; j < R->occ_cap; j++)
			if (R->occ_keys[j]) {
				for (i = R->occ_keys[j] & (cap - 1); k[i]; i = (i + 1) & (cap - 1))
					;
				k[i] = R->occ_keys[j];
				n[i] = R->occ_n[j];
			}
		free(R->occ_keys);
		free(R->occ_n);
		R->occ_keys = k;
		R->occ_n = n;
		R->occ_cap = cap;
	}
	key |= 1; /* 0 marks an empty slot */
	for (i = key & (R->occ_cap - 1); R->occ_keys[i] && R->occ_keys[i] != key;
	     i = (i + 1) & (R->occ_cap - 1))
		;
	if (!R->occ_keys[i]) {
		R->occ_keys[i] = key;
		R->occ_used++;
	}
	return R->occ_n[i]++;
}

/* The key of a frame moving in direction dir (0 when it is not IP). */
static int frame_key(struct relay *R, int dir, const uint8_t *f, size_t len, struct relay_key *k)
{
	uint8_t tuple[RELAY_TUPLE];
	struct flow *fl = NULL;
	int side;

	if (relay_parse(f, len, tuple, &side, k))
		return -EINVAL;
	k->flow = 0; /* its order among the flows of its protocol (ports differ run to run) */
	for (unsigned i = 0; i < R->nflows && !fl; i++) {
		if (!memcmp(R->flows[i].tuple, tuple, sizeof(tuple)))
			fl = &R->flows[i];
		else if (R->flows[i].tuple[1] == tuple[1])
			k->flow++;
	}
	if (!fl && R->nflows < RELAY_FLOWS) {
		fl = &R->flows[R->nflows++];
		memcpy(fl->tuple, tuple, sizeof(tuple));
		fl->index = k->flow;
	}
	k->dir = (uint8_t)dir;
	k->flow = fl ? fl->index : RELAY_FLOWS;
	if (fl && k->proto == IPPROTO_TCP) {
		if (!fl->known[side]) {
			fl->isn[side] = k->seq;
			fl->known[side] = 1;
		}
		k->seq -= fl->isn[side];
		k->ack = fl->known[!side] && (k->flags & 0x10) ? k->ack - fl->isn[!side] : 0;
	} else if (fl) {
		k->seq = fl->count[side]++; /* its order in the flow */
		k->ack = 0;
	}
	/* SYN, FIN, RST, ACK: PSH, ECE and CWR depend on send() boundaries and timing */
	k->flags &= 0x17;
	return 0;
}

/* Decision kinds, each its own draw from the key. */
enum { DRAW_LOSS = 1, DRAW_DUP, DRAW_CORRUPT, DRAW_REORDER, DRAW_JITTER, DRAW_BIT, DRAW_JITTER2 };

static int chance(const struct relay *R, const struct relay_key *k, unsigned what, unsigned ppm)
{
	return ppm && relay_uniform(relay_hash(R->d[k->dir].seed, k, what)) * 1e6 < ppm;
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP	 ? "tcp"
	       : proto == IPPROTO_UDP	 ? "udp"
	       : proto == IPPROTO_ICMP	 ? "icmp"
	       : proto == IPPROTO_ICMPV6 ? "icmp6"
	       : proto == 0		 ? "other"
					 : "ip";
}

static void log_key(struct relay *R, double t, const struct relay_key *k, const char *verdict,
		    double due)
{
	char line[256];
	int n = snprintf(line, sizeof(line),
			 "%.6f %s %s flow %u seq %u ack %u len %u flags 0x%02x occ %u: %s",
			 t - R->t0, k->dir ? "b->a" : "a->b", proto_name(k->proto), k->flow, k->seq,
			 k->ack, k->len, k->flags, k->occ, verdict);
	if (due > 0 && n > 0 && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, " due %.6f", due - R->t0);
	if (n > 0 && n < (int)sizeof(line) - 1) {
		line[n++] = '\n';
		if (write(R->log, line, (size_t)n) < 0)
			R->log = -1;
	}
}

/* A drop, told to the supervisor for the timeline and the ladder: never
 * waiting (a full control socket only leaves it out; the log has it). */
static void tell_drop(struct relay *R, const uint8_t *f, size_t len, double rx, int dir, int proto,
		      const char *why)
{
	char buf[128];
	unsigned sport = 0, dport = 0;
	size_t l4 = len > 14 && f[12] == 0x86 ? 14 + 40 : 14 + (len > 14 ? (f[14] & 15) * 4u : 0);
	int n;

	if (len >= l4 + 4) {
		sport = (unsigned)f[l4] << 8 | f[l4 + 1];
		dport = (unsigned)f[l4 + 2] << 8 | f[l4 + 3];
	}
	n = snprintf(buf, sizeof(buf), "drop %s %d %.6f %u %u %s", why, dir, rx - R->t0, sport,
		     dport, proto_name(proto));
	if (send(R->ctl, buf, (size_t)n, MSG_DONTWAIT) < 0)
		R->untold++;
}

/* Put a copy of the frame in dir's queue, due at due, kept in due order
 * (jitter may reorder, as netem's tfifo does); 0, or -ENOBUFS at the limit. */
static int enqueue(struct dir *D, const uint8_t *f, size_t len, double rx, double due,
		   const char *what)
{
	size_t i;

	if (D->nq - D->head >= (D->on ? D->limit : RELAY_LIMIT * 10))
		return -ENOBUFS;
	if (D->nq == D->cap && D->head) { /* room at the front: move the queue there */
		memmove(D->q, D->q + D->head, (D->nq - D->head) * sizeof(*D->q));
		D->nq -= D->head;
		D->head = 0;
	}
	if (D->nq == D->cap) {
		size_t cap = D->cap ? D->cap * 2 : 256;
		struct pkt *q = realloc(D->q, cap * sizeof(*q));
		if (!q)
			return -ENOBUFS;
		D->q = q;
		D->cap = cap;
	}
	/* without jitter every frame is due after the last: no search */
	for (i = D->nq; i > D->head && D->q[i - 1].due > due; i--)
		;
	memmove(&D->q[i + 1], &D->q[i], (D->nq - i) * sizeof(*D->q));
	D->q[i] = (struct pkt){.due = due, .rx = rx, .len = len, .data = malloc(len)};
	if (!D->q[i].data)
		_exit(1);
	memcpy(D->q[i].data, f, len);
	snprintf(D->q[i].what, sizeof(D->q[i].what), "%s", what);
	D->nq++;
	return 0;
}

/* The jitter of a frame: uniform in [-jitter, jitter], or normal with
 * jitter as its standard deviation (Box-Muller on two draws). */
static double jitter(const struct relay *R, const struct relay_key *k, const struct netem_spec *n)
{
	double u1, u2;

	if (!n->jitter_ms)
		return 0;
	u1 = relay_uniform(relay_hash(R->d[k->dir].seed, k, DRAW_JITTER));
	if (!n->jitter_normal)
		return (u1 * 2 - 1) * n->jitter_ms / 1000.0;
	u2 = relay_uniform(relay_hash(R->d[k->dir].seed, k, DRAW_JITTER2));
	if (u1 < 1e-12)
		u1 = 1e-12;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2) * n->jitter_ms / 1000.0;
}

/* One frame arrived (kernel stamp rx) to move in direction dir. */
static void arrive(struct relay *R, int dir, uint8_t *f, size_t len, double rx)
{
	struct dir *D = &R->d[dir];
	const struct netem_spec *n = &D->n;
	struct relay_key k;
	double due = rx, delay;
	const char *what = "pass";
	/* both directions: each side's first sequence number is the other's ack base */
	int ip = !frame_key(R, dir, f, len, &k);

	if (!ip)
		k = (struct relay_key){.dir = (uint8_t)dir, .len = (uint32_t)len};
	if (!D->on) {
		if (enqueue(D, f, len, rx, rx, "pass"))
			D->limited++;
		else
			D->passed++;
		return;
	}
	/* how often this key was seen, counted only where decisions are made;
	 * the seed aside, so counts survive a new one */
	if (ip)
		k.occ = occurrence(R, relay_hash(0, &k, 0));
	if (chance(R, &k, DRAW_LOSS, n->loss_ppm)) {
		D->lost++;
		log_key(R, rx, &k, "drop LOSS", 0);
		tell_drop(R, f, len, rx, dir, k.proto, "LOSS");
		return;
	}
	delay = n->delay_ms / 1000.0 + jitter(R, &k, n);
	/* netem's reorder: with a gap only every gap-th packet may go at once */
	if (n->reorder_ppm && (n->reorder_gap <= 1 || D->gap_count >= n->reorder_gap - 1) &&
	    chance(R, &k, DRAW_REORDER, n->reorder_ppm)) {
		delay = 0; /* sent at once, ahead of those delayed */
		what = "reorder";
		D->reordered++;
		D->gap_count = 0;
	} else if (n->reorder_ppm) {
		D->gap_count++;
	}
	due = rx + (delay > 0 ? delay : 0);
	if (n->rate_bps) {
		double start = due > D->free_at ? due : D->free_at;
		D->free_at = start + len * 8.0 / n->rate_bps;
		due = D->free_at;
	}
	if (chance(R, &k, DRAW_CORRUPT, n->corrupt_ppm) && len > 14 + 40) {
		/* one bit past the IP header: the checksum catches it, as on a wire */
		uint64_t h = relay_hash(R->d[k.dir].seed, &k, DRAW_BIT);
		size_t at = 14 + 40 + (size_t)(h % (len - 14 - 40));
		f[at] ^= (uint8_t)(1u << (h >> 32) % 8);
		what = "corrupt";
		D->corrupted++;
	}
	if (enqueue(D, f, len, rx, due, what)) {
		D->limited++;
		log_key(R, rx, &k, "drop LIMIT", 0);
		tell_drop(R, f, len, rx, dir, k.proto, "LIMIT");
		return;
	}
	log_key(R, rx, &k, what, due);
	if (chance(R, &k, DRAW_DUP, n->duplicate_ppm)) {
		D->dups++;
		if (!enqueue(D, f, len, rx, due, "duplicate"))
			log_key(R, rx, &k, "duplicate", due);
	}
	D->passed++;
}

/* The kernel's receive stamp of the message (CLOCK_REALTIME), on the monotonic clock. */
static double rx_stamp(struct relay *R, struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return ts.tv_sec + ts.tv_nsec / 1e9 - R->off;
		}
	return clock_now();
}

static void take(struct relay *R, int end, uint8_t *buf)
{
	char cbuf[256];

	for (int i = 0; i < 64; i++) {
		struct iovec iov = {buf, RELAY_FRAME_MAX};
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = cbuf,
				   .msg_controllen = sizeof(cbuf)};
		ssize_t n = recvmsg(R->s[end], &m, MSG_DONTWAIT);
		if (n <= 0)
			return;
		arrive(R, end, buf, (size_t)n, rx_stamp(R, &m));
	}
}

/* A frame the far end did not take: larger than its MTU is a drop a wire
 * would make too (logged as MTU); anything else is the relay's failure. */
static void sent_not(struct relay *R, int dir, const struct pkt *p, int err)
{
	if (err == EMSGSIZE) {
		uint8_t tuple[RELAY_TUPLE];
		struct relay_key k;
		int side;

		R->d[dir].mtu_drops++;
		tell_drop(R, p->data, p->len, clock_now(), dir,
			  relay_parse(p->data, p->len, tuple, &side, &k) ? 0 : k.proto, "MTU");
		return;
	}
	tell(R->ctl, "error send: %s", strerror(err));
}

/* Send what is due in direction dir; report a release later than the budget.
 * A full send buffer (EAGAIN) or device queue (ENOBUFS) is back-pressure,
 * as a wire's transmit queue gives: the frame stays first in line and goes
 * when there is room (on TCG's slow veths a stream filled the buffer), and
 * the wait counts as lateness, so a relay that cannot keep up says so. */
static void release(struct relay *R, int dir)
{
	struct dir *D = &R->d[dir];
	double now = clock_now();

	D->blocked = 0;
	if (now < D->retry_at)
		return;
	while (D->head < D->nq && D->q[D->head].due <= now) {
		struct pkt *p = &D->q[D->head];
		double late = now - p->due;

		if (send(R->s[!dir], p->data, p->len, MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				D->blocked = 1;
				return;
			}
			if (errno == ENOBUFS) {
				D->retry_at = now + 0.001;
				return;
			}
			sent_not(R, dir, p, errno);
		}
		D->head++;
		if (late > R->late_max)
			R->late_max = late;
		if (late * 1000 > RUNNER_LATE_BUDGET_MS && !R->late_told) {
			R->late_told = 1;
			tell(R->ctl, "late %.1f ms (a %s frame due at %.6f)", late * 1000, p->what,
			     p->due - R->t0);
		}
		free(p->data);
	}
	if (D->head == D->nq)
		D->head = D->nq = 0;
}

/* "impair DIR delay_ms jitter_ms loss dup reorder corrupt rate_bps limit seed gap normal" */
static void command(struct relay *R, const char *cmd)
{
	struct netem_spec n = {0};
	unsigned limit = 0;
	unsigned long long seed;
	int dir;

	if (sscanf(cmd, "impair %d %u %u %u %u %u %u %llu %u %llu %u %d", &dir, &n.delay_ms,
		   &n.jitter_ms, &n.loss_ppm, &n.duplicate_ppm, &n.reorder_ppm, &n.corrupt_ppm,
		   &n.rate_bps, &limit, &seed, &n.reorder_gap, &n.jitter_normal) != 12 ||
	    dir < 0 || dir > 1) {
		tell(R->ctl, "error bad command: %s", cmd);
		return;
	}
	R->d[dir].seed = seed;
	R->d[dir].n = n;
	R->d[dir].limit = limit ? limit : RELAY_LIMIT;
	R->d[dir].on = 1;
	tell(R->ctl, "impairing %d", dir);
}

static void stats(struct relay *R)
{
	char line[400];

	for (int d = 0; d < 2; d++) {
		const struct dir *D = &R->d[d];
		int n = snprintf(line, sizeof(line),
				 "# %s: %s, passed %llu, lost %llu, limit drops %llu, duplicated "
				 "%llu, corrupted %llu, reordered %llu, too large for the far end "
				 "%llu; latest release %.3f ms after due; %llu drops not on the "
				 "timeline\n",
				 d ? "b->a" : "a->b", D->on ? "impaired" : "passed through",
				 D->passed, D->lost, D->limited, D->dups, D->corrupted,
				 D->reordered, D->mtu_drops, R->late_max * 1000, R->untold);
		if (R->log >= 0 && n > 0 && write(R->log, line, (size_t)n) < 0)
			R->log = -1;
	}
}

/* Frames the kernel dropped before the relay read them (its receive buffer
 * was full): never the network's loss, so an error, told once. */
static void overflowed(struct relay *R)
{
	static unsigned long long drops;
	static double next;
	static int told;

	if (told || clock_now() < next)
		return;
	next = clock_now() + 0.1;
	for (int e = 0; e < 2; e++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);

		if (getsockopt(R->s[e], SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			drops += st.tp_drops; /* reading resets the kernel's counts */
	}
	if (drops) {
		told = 1;
		tell(R->ctl, "error %llu frames dropped by the relay's full receive buffer", drops);
	}
}

static void serve(struct relay *R)
{
	uint8_t *buf = malloc(RELAY_FRAME_MAX);
	char cmd[256];

	if (!buf)
		_exit(1);
	for (;;) {
		/* direction d sends on end !d: a blocked one waits for room there */
		struct pollfd pf[3] = {{R->s[0], POLLIN | (R->d[1].blocked ? POLLOUT : 0), 0},
				       {R->s[1], POLLIN | (R->d[0].blocked ? POLLOUT : 0), 0},
				       {R->ctl, POLLIN, 0}};
		double next = INFINITY, wait;
		struct timespec ts;

		for (int d = 0; d < 2; d++) {
			const struct dir *D = &R->d[d];
			double due;

			if (D->nq <= D->head || D->blocked)
				continue;
			due = D->q[D->head].due > D->retry_at ? D->q[D->head].due : D->retry_at;
			if (due < next)
				next = due;
		}
		wait = next == INFINITY ? 1.0 : next - clock_now();
		if (wait < 0)
			wait = 0;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		ppoll(pf, 3, &ts, NULL);
		if (pf[2].revents) {
			ssize_t n = read(R->ctl, cmd, sizeof(cmd) - 1);
			if (n <= 0) {
				stats(R);
				_exit(0); /* the supervisor is done with the case */
			}
			cmd[n] = '\0';
			command(R, cmd);
		}
		take(R, 0, buf);
		take(R, 1, buf);
		release(R, 0);
		release(R, 1);
		overflowed(R);
	}
}

static int end_open(const char *name)
{
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)), one = 1;
	int rcv = 8 << 20;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};

	if (s < 0)
		return -errno;
	sll.sll_ifindex = (int)if_nametoindex(name);
	if (!sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
		int e = sll.sll_ifindex ? -errno : -ENODEV;
		close(s);
		return e;
	}
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* room to send a burst of due frames at once; beyond it, back-pressure */
	if (setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(s, SOL_SOCKET, SO_SNDBUF, &rcv, sizeof(rcv));
	return s;
}

/* Close every descriptor of the supervisor's but stdio and a, b (>= 3):
 * another relay's control socket held here would keep that relay from
 * ever seeing its end, and namespaces would outlive their case. */
static void keep_only(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo < 0) /* no log: keep the one */
		lo = hi;
	if (lo > 3)
		close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0U, 0);
}

/* In the child: into the relay's namespace, its ends open, then serve. */
static void child(int ns, int ctl, int log_fd, double t0)
{
	struct relay R = {.ctl = ctl, .log = log_fd, .t0 = t0};

	R.off = clock_real_offset();
	R.flows = calloc(RELAY_FLOWS, sizeof(*R.flows));
	if (!R.flows || setns(ns, CLONE_NEWNET) < 0) {
		tell(ctl, "error setns: %s", strerror(errno));
		_exit(1);
	}
	keep_only(ctl, log_fd);
	for (int e = 0; e < 2; e++) {
		R.s[e] = end_open(e ? RELAY_END_B : RELAY_END_A);
		if (R.s[e] < 0) {
			tell(ctl, "error %s: %s", e ? RELAY_END_B : RELAY_END_A, strerror(-R.s[e]));
			_exit(1);
		}
	}
	/* The relay is the wire: a release must not wait behind the machine's
	 * other work (a few milliseconds late fires a loss probe on a short
	 * path).  Real-time as root; rootless it says why not. */
	struct sched_param sp = {.sched_priority = RELAY_RT_PRIORITY};
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0)
		tell(ctl, "ready real-time");
	else
		tell(ctl, "ready normal: %s", strerror(errno));
	serve(&R);
}

int relay_spawn(int ns, double t0, int log_fd, struct relay_run *out)
{
	int sp[2];
	pid_t pid;

	memset(out, 0, sizeof(*out));
	out->ctl = -1;
	pid = actor_fork(sp);
	if (pid < 0)
		return (int)pid;
	if (pid == 0)
		child(ns, sp[1], log_fd, t0);
	out->pid = pid;
	out->ctl = sp[0];
	/* ready before the case's first packet: its ends are open */
	struct pollfd pf = {.fd = sp[0], .events = POLLIN};
	if (poll(&pf, 1, 5000) <= 0 || !relay_poll(out, NULL, NULL) ||
	    strncmp(out->event, "ready ", 6))
		return out->event[0] ? -EIO : -ETIMEDOUT;
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	return 0;
}

int relay_impair(struct relay_run *rr, int dir, const struct netem_spec *n, uint64_t seed)
{
	char cmd[200];
	int len = snprintf(cmd, sizeof(cmd), "impair %d %u %u %u %u %u %u %llu %u %llu %u %d", dir,
			   n->delay_ms, n->jitter_ms, n->loss_ppm, n->duplicate_ppm, n->reorder_ppm,
			   n->corrupt_ppm, n->rate_bps, n->limit, (unsigned long long)seed,
			   n->reorder_gap, n->jitter_normal);

	if (rr->ctl < 0)
		return -ESRCH;
	return write(rr->ctl, cmd, (size_t)len) < 0 ? -errno : 0;
}

int relay_poll(struct relay_run *rr, void (*dropped)(void *ctx, const struct relay_drop *d),
	       void *ctx)
{
	struct relay_drop d;
	char buf[160];
	ssize_t n = -1;
	int got = 0;

	while (rr->ctl >= 0 && (n = recv(rr->ctl, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "drop %15s %d %lf %u %u %7s", d.why, &d.dir, &d.t, &d.sport,
			   &d.dport, d.proto) == 6) {
			if (dropped)
				dropped(ctx, &d);
			continue;
		}
		snprintf(rr->event, sizeof(rr->event), "%s", buf);
		if (!strncmp(buf, "late ", 5)) {
			rr->late_ms = atof(buf + 5);
			snprintf(rr->late, sizeof(rr->late), "%s", buf);
		}
		if (!strncmp(buf, "error", 5) && !rr->error[0])
			snprintf(rr->error, sizeof(rr->error), "%s", buf);
		got = 1;
	}
	if (rr->ctl >= 0 && n == 0) {
		close(rr->ctl);
		rr->ctl = -1;
		rr->exited = 1;
	}
	return got;
}
