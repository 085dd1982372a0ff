#define _GNU_SOURCE
#include "capture.h"

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../netns/ns.h"

#define SNAPLEN		262
#define CAPTURE_IDLE_MS 10

struct pkt {
	struct pcap_pkthdr h;
	unsigned char data[SNAPLEN];
};

struct capture {
	pcap_t *p;
	pcap_dumper_t *d;
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
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

static const char *pcap_words[] = {
    "host",    "net",	   "port", "portrange", "src",	     "dst",	"and",
    "or",      "not",	   "tcp",  "udp",	"icmp",	     "icmp6",	"ip",
    "ip6",     "ether",	   "arp",  "proto",	"len",	     "less",	"greater",
    "inbound", "outbound", "vlan", "broadcast", "multicast", "gateway", NULL,
};

static int append(char **buf, size_t *n, size_t *cap, const char *s, size_t len)
{
	if (*n + len + 1 > *cap) {
		size_t c = (*n + len + 1) * 2;
		char *b = realloc(*buf, c);
		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *n, s, len);
	*n += len;
	(*buf)[*n] = '\0';
	return 0;
}

/* Where the relational term starting at p ends: at the next top-level
 * "and", "or", "&&", "||", an unmatched ')' or the end. */
static const char *term_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth-- == 0)
			return p;
		else if (!depth && (!strncmp(p, " and ", 5) || !strncmp(p, " or ", 4) ||
				    !strncmp(p, "&&", 2) || !strncmp(p, "||", 2)))
			return p;
	}
	return p;
}

/*
 * libpcap's tcp[13] and tcp[tcpflags] read only IPv4 packets.  Rewrite each
 * term that uses them as (ip and TERM) or (ip6 and ip6[6] == 6 and TERM'),
 * TERM' reading the flags at ip6[53] (40 bytes of IPv6 header, then TCP's
 * 13th byte; packets with extension headers are not matched), so a flags
 * match counts IPv6 segments the same as IPv4 ones.
 */
static int flags_both_families(const char *text, char **out)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int err = append(&buf, &n, &cap, "", 0);
	const char *p = text;

	while (!err && *p) {
		const char *a = strstr(p, "tcp[tcpflags]"), *b = strstr(p, "tcp[13]"), *at, *end;
		size_t klen;

		at = a && (!b || a < b) ? a : b;
		if (!at) {
			err = append(&buf, &n, &cap, p, strlen(p));
			break;
		}
		klen = at == a ? strlen("tcp[tcpflags]") : strlen("tcp[13]");
		end = term_end(at);
		err = append(&buf, &n, &cap, p, at - p);
		if (!err)
			err = append(&buf, &n, &cap, "((ip and ", 9);
		if (!err)
			err = append(&buf, &n, &cap, at, end - at);
		if (!err)
			err = append(&buf, &n, &cap, ") or (ip6 and ip6[6] == 6 and ip6[53]", 37);
		if (!err)
			err = append(&buf, &n, &cap, at + klen, end - at - klen);
		if (!err)
			err = append(&buf, &n, &cap, "))", 2);
		p = end;
	}
	*out = buf;
	return err;
}

static int subst(const struct topo *t, const char *text, char **out)
{
	size_t n = 0, cap = 0;
	const char *p = text;
	char *buf = NULL;
	int err = append(&buf, &n, &cap, "", 0);

	while (!err && *p) {
		size_t w =
		    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
		int h = -1, kw = 0;

		if (!w ||
		    (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == ':'))) {
			err = append(&buf, &n, &cap, p, w ? w : 1);
			p += w ? w : 1;
			continue;
		}
		char word[64];
		snprintf(word, sizeof(word), "%.*s", (int)w, p);
		for (int i = 0; pcap_words[i]; i++)
			kw |= !strcmp(word, pcap_words[i]);
		if (!kw && p[w] != '.' && p[w] != ':')
			h = topo_host_find(t, word);
		if (h < 0) {
			err = append(&buf, &n, &cap, p, w);
		} else {
			const char *sep = "(", *addr;
			for (int it = 0;
			     !err && (addr = topo_host_addr_next(t, h, AF_UNSPEC, &it));) {
				char a[160];
				snprintf(a, sizeof(a), "%s%s", sep, addr);
				err = append(&buf, &n, &cap, a, strlen(a));
				sep = " or ";
			}
			if (!err)
				err = append(&buf, &n, &cap, ")", 1);
		}
		p += w;
	}
	*out = buf;
	return err;
}

/* A tcpdump filter compiled once, and how far through a capture it has counted. */
struct capture_filter {
	struct bpf_program prog;
	size_t seen;
	long count;
	double last;	/* the last matching packet's time */
	double *stamps; /* every matching packet's time, count of them */
	long cap;
};

int capture_filter_new(const struct topo *t, const char *text, struct capture_filter **out,
		       char *why, size_t len)
{
	struct capture_filter *f = calloc(1, sizeof(*f));
	char *subst_text = NULL, *both = NULL;
	pcap_t *dead = NULL;
	int err = f ? flags_both_families(text, &both) : -ENOMEM;

	if (!err)
		err = subst(t, both, &subst_text);
	free(both);

	*out = NULL;
	if (!err && !(dead = pcap_open_dead(DLT_EN10MB, SNAPLEN)))
		err = -ENOMEM;
	if (!err && pcap_compile(dead, &f->prog, subst_text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(why, len, "%s", pcap_geterr(dead));
		err = -EINVAL;
	}
	if (err == -ENOMEM)
		snprintf(why, len, "%s", strerror(ENOMEM));
	if (dead)
		pcap_close(dead);
	free(subst_text);
	if (err) {
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

struct capture_filter *capture_filter_free(struct capture_filter *f)
{
	if (f) {
		pcap_freecode(&f->prog);
		free(f->stamps);
		free(f);
	}
	return NULL;
}

int capture_filter_compile(const struct topo *t, const char *text, char *why, size_t len)
{
	struct capture_filter *f;
	int err = capture_filter_new(t, text, &f, why, len);

	capture_filter_free(f);
	return err;
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
	pcap_set_snaplen(a->p, SNAPLEN);
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
		memcpy(p->data, data, h->caplen < SNAPLEN ? h->caplen : SNAPLEN);
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

int capture_filter_match(const struct capture_filter *f, const struct pcap_pkthdr *h,
			 const unsigned char *data)
{
	return pcap_offline_filter(&f->prog, h, data) != 0;
}

const double *capture_filter_stamps(const struct capture_filter *f)
{
	return f->stamps;
}

static double pkt_time(const struct pcap_pkthdr *h)
{
	return h->ts.tv_sec + h->ts.tv_usec / 1e6;
}

long capture_filter_count(struct capture *c, struct capture_filter *f, double until, double *last,
			  int *complete)
{
	pthread_mutex_lock(&c->lock);
	for (; f->seen < c->n && pkt_time(&c->pkts[f->seen].h) <= until; f->seen++)
		if (pcap_offline_filter(&f->prog, &c->pkts[f->seen].h, c->pkts[f->seen].data)) {
			if (f->count == f->cap) {
				long cap = f->cap ? 2 * f->cap : 64;
				double *v = realloc(f->stamps, cap * sizeof(*v));
				if (!v)
					break; /* counted again at the next look */
				f->stamps = v;
				f->cap = cap;
			}
			f->last = pkt_time(&c->pkts[f->seen].h);
			f->stamps[f->count++] = f->last;
		}
	/* a packet kept after until, or a look at the ring begun after it */
	*complete = f->seen < c->n || c->caught_up >= until;
	pthread_mutex_unlock(&c->lock);
	*last = f->last;
	return f->count;
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
	free(c->pkts);
	free(c);
	return NULL;
}
