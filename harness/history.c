#define _GNU_SOURCE
#include "history.h"
#include "../lang/units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

void kdb_init(struct kdb *d)
{
	memset(d, 0, sizeof(*d));
}

void kdb_fini(struct kdb *d)
{
	free(d->ev);
	free(d->h);
	kdb_init(d);
}

static int grow(void **v, int n, int *cap, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, (size_t)(*cap ? *cap * 2 : 64) * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

/* The live history of host's socket sk, or NULL. */
static struct khist *live(struct kdb *d, int host, uint64_t sk)
{
	for (int i = d->nh - 1; i >= 0; i--)
		if (d->h[i].host == host && d->h[i].sk == sk && !d->h[i].ended && !d->h[i].mini)
			return &d->h[i];
	return NULL;
}

static void push(struct khist *h, int state)
{
	if (h->n && h->states[h->n - 1] == state)
		return;
	if (h->n == HISTORY_MAX) {
		h->truncated = 1;
		return;
	}
	h->states[h->n++] = (uint8_t)state;
}

static void endpoints(struct khist *h, const struct kev_wire *w)
{
	if (w->sport || !h->last.sport)
		h->last = *w;
}

static int is_birth(const struct kev_wire *w)
{
	return (w->oldstate == TCP_CLOSE && w->newstate != TCP_CLOSE) ||
	       (w->oldstate == TCP_LISTEN && w->newstate == TCP_SYN_RECV);
}

static int follow(struct kdb *d, int host, const struct kev_wire *w)
{
	struct khist *h = live(d, host, w->sk);

	if (w->kind == KEV_TIMEWAIT) {
		if (h)
			h->pending_tw = w->newstate;
		return 0;
	}
	if (is_birth(w) || !h) {
		if (h)
			h->ended = 1; /* the pointer was reused */
		if (grow((void **)&d->h, d->nh, &d->caph, sizeof(*d->h)))
			return -ENOMEM;
		h = &d->h[d->nh++];
		memset(h, 0, sizeof(*h));
		h->host = host;
		h->sk = w->sk;
		if (!is_birth(w)) /* born before the observer started */
			push(h, w->oldstate);
	}
	endpoints(h, w);
	if (w->newstate == TCP_CLOSE && h->pending_tw) {
		push(h, h->pending_tw);
		h->mini = 1;
		return 0;
	}
	push(h, w->newstate);
	if (w->newstate == TCP_CLOSE)
		h->ended = 1;
	return 0;
}

int kdb_add(struct kdb *d, double t, int host, int to_host, const struct kev_wire *w)
{
	if (grow((void **)&d->ev, d->nev, &d->capev, sizeof(*d->ev)))
		return -ENOMEM;
	d->ev[d->nev].t = t;
	d->ev[d->nev].host = host;
	d->ev[d->nev].to_host = to_host;
	d->ev[d->nev++].w = *w;
	if (w->kind != KEV_STATE && w->kind != KEV_TIMEWAIT)
		return 0;
	return follow(d, host, w);
}

static int same_ends(const struct kev_wire *w, const struct sockdiag_sock *s)
{
	size_t n = w->family == AF_INET ? 4 : 16;

	return w->family == s->family && w->sport == s->sport && w->dport == s->dport &&
	       !memcmp(w->saddr, s->src, n) && !memcmp(w->daddr, s->dst, n);
}

int kdb_retrans_segs(const struct kdb *d, int host)
{
	int n = 0;

	for (int i = 0; i < d->nev; i++) {
		const struct kev_wire *w = &d->ev[i].w;

		if (d->ev[i].host != host)
			continue;
		if (w->kind == KEV_RETRANS)
			n += w->segs ? w->segs : 1;
		else if (w->kind == KEV_SYNACK_RETRANS)
			n++;
	}
	return n;
}

const struct khist *kdb_history_of(const struct kdb *d, int host, uint64_t sk)
{
	for (int i = d->nh - 1; i >= 0; i--)
		if (d->h[i].host == host && d->h[i].sk == sk)
			return &d->h[i];
	return NULL;
}

int history_mini_seen(struct kdb *d, int host, const struct sockdiag_sock *s)
{
	if (s->inode || (s->state != TCP_TIME_WAIT && s->state != TCP_FIN_WAIT2))
		return 0;
	for (int i = d->nh - 1; i >= 0; i--) {
		struct khist *h = &d->h[i];
		int before = h->n >= 2 ? h->states[h->n - 2] : 0;
		if (h->host != host || !same_ends(&h->last, s))
			continue;
		if (h->mini && !h->ended) {
			/* an orphaned FIN-WAIT-2 mini-socket takes the peer's FIN */
			if (h->states[h->n - 1] == s->state)
				return 0;
			push(h, s->state);
			return 1;
		}
		if (!h->ended && !h->mini) {
			/* socket diag was quicker than the ring buffer: the ->CLOSE
			 * still to come is the hand-over (a full socket is never in
			 * TIME-WAIT; one in FIN-WAIT-1 is not yet in FIN-WAIT-2) */
			int last = h->states[h->n - 1];
			if (h->pending_tw || (s->state == TCP_FIN_WAIT2 && last != TCP_FIN_WAIT1) ||
			    (last != TCP_FIN_WAIT1 && last != TCP_FIN_WAIT2 && last != TCP_CLOSING))
				return 0;
			h->pending_tw = s->state;
			return 1;
		}
		if (h->mini)
			continue;
		if (h->states[h->n - 1] != TCP_CLOSE ||
		    (before != TCP_FIN_WAIT1 && before != TCP_FIN_WAIT2 && before != TCP_CLOSING))
			return 0;
		h->n--;
		push(h, s->state);
		h->ended = 0;
		h->mini = 1;
		return 1;
	}
	return 0;
}

int history_gone(struct kdb *d, int host, const struct sockdiag_sock *s)
{
	for (int i = d->nh - 1; i >= 0; i--) {
		struct khist *h = &d->h[i];
		if (h->host == host && h->mini && !h->ended && same_ends(&h->last, s)) {
			push(h, TCP_CLOSE);
			h->ended = 1;
			return 1;
		}
	}
	return 0;
}

void history_as_sock(const struct kev_wire *w, int to_host, struct sockdiag_sock *out)
{
	int swap = (w->flags & KEV_F_PACKET) && to_host;

	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)w->family;
	out->protocol = w->flags & KEV_F_PACKET ? w->l4proto : 6;
	out->state = w->kind == KEV_STATE ? w->newstate : w->newstate ? w->newstate : TCP_CLOSE;
	memcpy(out->src, swap ? w->daddr : w->saddr, 16);
	memcpy(out->dst, swap ? w->saddr : w->daddr, 16);
	out->sport = swap ? w->dport : w->sport;
	out->dport = swap ? w->sport : w->dport;
}

void history_format(const struct khist *h, FILE *f)
{
	for (int i = 0; i < h->n; i++)
		fprintf(f, "%s%s", i ? " " : "", units_tcp_state_name(h->states[i]));
	if (h->truncated)
		fputs(" ...", f);
}
