#define _GNU_SOURCE
#include "capture.h"

#include <ctype.h>
#include <math.h>
#include <netinet/in.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../netns/ns.h"
#include "pktdecode.h"

#define CAPTURE_IDLE_MS 10

struct pkt {
	struct pcap_pkthdr h;
	unsigned char data[CAPTURE_SNAPLEN];
};

struct capture {
	pcap_t *p;
	pcap_dumper_t *d;
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	pthread_cond_t moved; /* caught_up moved on */
	struct pkt *pkts;
	size_t n, cap;
	unsigned recv, drop;
	/* the capture's clock (see capture_start()): every packet that reached
	 * the ring buffer before it is kept (the start of the last
	 * pcap_dispatch() that returned; infinity once stopped) */
	double caught_up;
	double offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC when the case began */
};

/* Now on the capture's clock: CLOCK_MONOTONIC plus the offset of the
 * case's start, i.e. CLOCK_REALTIME as if nobody had set it since; and by
 * how much CLOCK_REALTIME has moved against it (*moved). */
static double capture_now(const struct capture *c, double *moved)
{
	struct timespec rt, mt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	if (moved)
		*moved = (rt.tv_sec - mt.tv_sec) + (rt.tv_nsec - mt.tv_nsec) / 1e9 - c->offset;
	return mt.tv_sec + mt.tv_nsec / 1e9 + c->offset;
}

struct open_args {
	const char *ifname;
	pcap_t *p;
	char err[PCAP_ERRBUF_SIZE];
};

static int do_open(void *arg)
{
	struct open_args *a = arg;

	a->p = pcap_create(a->ifname, a->err);
	if (!a->p)
		return -ENODEV;
	pcap_set_snaplen(a->p, CAPTURE_SNAPLEN);
	pcap_set_immediate_mode(a->p, 1);
	pcap_set_buffer_size(a->p, 16 << 20);
	pcap_set_timeout(a->p, 50);
	if (pcap_activate(a->p) < 0) {
		snprintf(a->err, sizeof(a->err), "%s", pcap_geterr(a->p));
		pcap_close(a->p);
		a->p = NULL;
		return -EIO;
	}
	if (pcap_setnonblock(a->p, 1, a->err) < 0 || pcap_get_selectable_fd(a->p) < 0) {
		pcap_close(a->p);
		a->p = NULL;
		return -EIO;
	}
	return 0;
}

static void on_packet(unsigned char *user, const struct pcap_pkthdr *h, const unsigned char *data)
{
	struct capture *c = (void *)user;
	double moved, ts;

	pcap_dump((unsigned char *)c->d, h, data);
	/* pcap stamps with CLOCK_REALTIME, which may be set during a case; what
	 * is kept is on the capture's clock, undoing any change since the case
	 * began (CI once saw packets stamped up to 25 ms after the kernel's own
	 * events for them; whether the wall clock moved then is not known) */
	capture_now(c, &moved);
	ts = h->ts.tv_sec + h->ts.tv_usec / 1e6 - moved;
	pthread_mutex_lock(&c->lock);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		void *v = realloc(c->pkts, cap * sizeof(*c->pkts));
		if (v) {
			c->pkts = v;
			c->cap = cap;
		}
	}
	if (c->n < c->cap) {
		struct pkt *p = &c->pkts[c->n++];
		p->h = *h;
		p->h.ts.tv_sec = (time_t)ts; /* positive: truncation is the floor */
		p->h.ts.tv_usec = (suseconds_t)((ts - (double)p->h.ts.tv_sec) * 1e6);
		memcpy(p->data, data, h->caplen < CAPTURE_SNAPLEN ? h->caplen : CAPTURE_SNAPLEN);
	}
	pthread_mutex_unlock(&c->lock);
}

/*
 * Non-blocking: each pass takes everything the ring buffer holds, so a pass
 * that began at T has kept every packet stamped before T - the watermark
 * stamped expectations wait for.  Between passes it sleeps until a packet
 * comes, CAPTURE_IDLE_MS at most (libpcap's own timeout does not bound an
 * immediate-mode wait).
 */
static void *loop(void *arg)
{
	struct capture *c = arg;
	struct pollfd pf = {.fd = pcap_get_selectable_fd(c->p), .events = POLLIN};

	while (__atomic_load_n(&c->running, __ATOMIC_ACQUIRE)) {
		double started = capture_now(c, NULL);
		int r;

		r = pcap_dispatch(c->p, -1, on_packet, (unsigned char *)c);
		if (r < 0)
			break;
		pthread_mutex_lock(&c->lock);
		c->caught_up = started;
		pthread_cond_broadcast(&c->moved);
		pthread_mutex_unlock(&c->lock);
		pcap_dump_flush(c->d);
		if (!r)
			poll(&pf, 1, CAPTURE_IDLE_MS);
	}
	return NULL;
}

int capture_start(int ns, const char *ifname, FILE *file, double offset, struct capture **out,
		  char *why, size_t len)
{
	struct open_args a = {.ifname = ifname};
	struct capture *c;
	int err;

	*out = NULL;
	err = ns_call(ns, do_open, &a);
	if (err) {
		snprintf(why, len, "pcap on %s: %s", ifname, a.err);
		fclose(file);
		return err;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		pcap_close(a.p);
		fclose(file);
		return -ENOMEM;
	}
	c->p = a.p;
	c->offset = offset;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->moved, NULL);
	c->d = pcap_dump_fopen(c->p, file);
	if (!c->d) {
		snprintf(why, len, "pcap file: %s", pcap_geterr(c->p));
		fclose(file);
		pcap_close(c->p);
		free(c);
		return -EIO;
	}
	c->running = 1;
	err = -pthread_create(&c->thread, NULL, loop, c);
	if (err) {
		pcap_dump_close(c->d);
		pcap_close(c->p);
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

static double pkt_time(const struct pcap_pkthdr *h)
{
	return h->ts.tv_sec + h->ts.tv_usec / 1e6;
}

/* The connection terms of f on one frame (capture_filter_conn()). */
static int conn_match(struct capture_filter *f, const struct pcap_pkthdr *h,
		      const unsigned char *data)
{
	struct tcpseq_seg s;
	struct pkt_info pi;

	if (!f->conn.any)
		return 1;
	if (pkt_decode(data, h->caplen, &pi) || pi.protocol != IPPROTO_TCP)
		return capture_filter_conn(f, NULL);
	s = (struct tcpseq_seg){.family = pi.family,
				.sport = pi.sport,
				.dport = pi.dport,
				.flags = pi.flags,
				.seq = pi.seq,
				.ack = pi.ack,
				.len = pi.payload};
	memcpy(s.src, pi.src, 16);
	memcpy(s.dst, pi.dst, 16);
	return capture_filter_conn(f, &s);
}

int capture_filter_frame(struct capture_filter *f, const struct pcap_pkthdr *h,
			 const unsigned char *data)
{
	/* both, always: the connection terms see every frame, in order */
	return conn_match(f, h, data) & capture_filter_match(f, h, data);
}

/* Room for one more match in f; 0 or -ENOMEM. */
static int filter_room(struct capture_filter *f)
{
	long cap = f->cap ? 2 * f->cap : 64;
	double *v;
	uint64_t *k;

	if (f->count < f->cap)
		return 0;
	v = realloc(f->stamps, cap * sizeof(*v));
	if (v)
		f->stamps = v;
	k = v ? realloc(f->flows, cap * sizeof(*k)) : NULL;
	if (!k)
		return -ENOMEM;
	f->flows = k;
	f->cap = cap;
	return 0;
}

long capture_filter_count(struct capture *c, struct capture_filter *f, double until, double *last,
			  int *complete)
{
	pthread_mutex_lock(&c->lock);
	/* room first: a frame is looked at once (the connection terms keep state) */
	for (; f->seen < c->n && pkt_time(&c->pkts[f->seen].h) <= until && !filter_room(f);
	     f->seen++)
		if (capture_filter_frame(f, &c->pkts[f->seen].h, c->pkts[f->seen].data)) {
			f->last = pkt_time(&c->pkts[f->seen].h);
			f->flows[f->count] =
			    pkt_conversation(c->pkts[f->seen].data, c->pkts[f->seen].h.caplen);
			f->stamps[f->count++] = f->last;
		}
	/* a packet kept after until, or a look at the ring begun after it */
	*complete = f->seen < c->n || c->caught_up >= until;
	pthread_mutex_unlock(&c->lock);
	*last = f->last;
	return f->count;
}

int capture_wait(struct capture *c, double until, int timeout_ms)
{
	struct timespec dl;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &dl); /* the condition's clock */
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->lock);
	while (c->caught_up < until && __atomic_load_n(&c->running, __ATOMIC_ACQUIRE) && !err)
		err = pthread_cond_timedwait(&c->moved, &c->lock, &dl);
	err = c->caught_up >= until ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&c->lock);
	return err;
}

void capture_foreach(struct capture *c,
		     void (*fn)(void *arg, const struct pcap_pkthdr *h, const unsigned char *data),
		     void *arg)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n; i++)
		fn(arg, &c->pkts[i].h, c->pkts[i].data);
	pthread_mutex_unlock(&c->lock);
}

int capture_stop(struct capture *c, unsigned *received, unsigned *dropped)
{
	struct pcap_stat st = {0};

	if (c->running) {
		__atomic_store_n(&c->running, 0, __ATOMIC_RELEASE);
		pcap_breakloop(c->p);
		pthread_join(c->thread, NULL);
		if (pcap_stats(c->p, &st) == 0) {
			c->recv = st.ps_recv;
			c->drop = st.ps_drop + st.ps_ifdrop;
		}
		pcap_dump_close(c->d);
		c->d = NULL;
		c->caught_up = INFINITY; /* nothing more comes */
	}
	*received = c->recv;
	*dropped = c->drop;
	return 0;
}

struct capture *capture_free(struct capture *c)
{
	unsigned r, d;

	if (!c)
		return NULL;
	capture_stop(c, &r, &d);
	pcap_close(c->p);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->moved);
	free(c->pkts);
	free(c);
	return NULL;
}
