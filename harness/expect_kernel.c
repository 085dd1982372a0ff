/*
 * The expectations on the kernel's own record (netcase.case(5), "Kernel
 * events"): history(FILTER) == | includes STATE ..., and
 * events(KIND [and FILTER]) OP N.  They read what the BPF observer
 * recorded (run->kdb); a case that asserts them SKIPs without it.  And
 * NAME connected, timed by the kernel's stamps where they exist, else by
 * the actor's clock (said so).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "expect.h"
#include "../lang/timing.h"
#include "history.h"
#include "../lang/units.h"

/* ---- observing ---- */

static int history_matches(const struct expectation *e, const struct khist *h)
{
	int j = 0;

	if (!e->includes) {
		if (h->n != e->nstates)
			return 0;
		return !memcmp(h->states, e->states, (size_t)h->n);
	}
	for (int i = 0; i < h->n && j < e->nstates; i++)
		if (h->states[i] == e->states[j])
			j++;
	return j == e->nstates;
}

static int history_selected(struct run *r, const struct expectation *e, const struct khist *h)
{
	struct sockdiag_sock s;

	if (h->host != e->host || !h->n)
		return 0;
	history_as_sock(&h->last, 0, &s);
	s.state = h->states[h->n - 1];
	return filter_match(e->filter, &s);
}

int expect_history_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	int sel = 0, hit = 0;
	const struct khist *one = NULL;

	for (int i = 0; i < r->kdb.nh; i++) {
		const struct khist *h = &r->kdb.h[i];
		if (!history_selected(r, e, h))
			continue;
		sel++;
		one = h;
		hit += history_matches(e, h);
	}
	ob->value = hit;
	ob->ok = hit > 0;
	if (sel == 1 && !hit) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (f) {
			history_format(one, f);
			fclose(f);
		}
		snprintf(ob->text, sizeof(ob->text), "the one matching socket went: %s",
			 buf ? buf : "?");
		free(buf);
	} else
		snprintf(ob->text, sizeof(ob->text), "%d of %d matching sockets' histories fit",
			 hit, sel);
	return 0;
}

void expect_history_describe(struct run *r, const struct expectation *e, FILE *out)
{
	int n = 0;

	for (int i = 0; i < r->kdb.nh; i++) {
		const struct khist *h = &r->kdb.h[i];
		if (!history_selected(r, e, h))
			continue;
		if (!n++)
			fprintf(out, "  the histories of the matching sockets on %s:\n",
				run_host(r, e->host));
		fprintf(out, "    %016llx: ", (unsigned long long)h->sk);
		history_format(h, out);
		fputc('\n', out);
	}
	if (!n)
		fprintf(out, "  no socket on %s matched the filter\n", run_host(r, e->host));
}

/* How much event ev counts for e: 0 if it does not match; a retransmission
 * counts its segments (a GSO skb of three is three, as TcpRetransSegs adds
 * them up), except for times() and gaps(), which take one stamp per
 * retransmission (its segments leave together). */
static int event_counts(const struct expectation *e, const struct kevent *ev, int reason)
{
	const struct kev_wire *w = &ev->w;
	struct sockdiag_sock s;

	if (ev->host != e->host || w->kind != (int)e->ev_kind)
		return 0;
	if (e->ev_kind == KEV_STATE && w->newstate != e->ev_state)
		return 0;
	if (e->ev_kind == KEV_DROP && e->ev_reason[0] && (int)w->reason != reason)
		return 0;
	if (e->filter) {
		history_as_sock(w, ev->to_host, &s);
		if (!filter_match(e->filter, &s))
			return 0;
	}
	return e->ev_kind == KEV_RETRANS && e->agg == AGG_COUNT && w->segs > 1 ? w->segs : 1;
}

/* Events only accumulate: each tick counts just the ones since the last. */
struct events_count {
	int seen, reason;
	long long n;
	double last;	/* the last counted event's stamp */
	double *stamps; /* every counted event's (times, gaps) */
	long long cap;
};

void expect_events_release(void *state)
{
	struct events_count *st = state;

	if (st)
		free(st->stamps);
	free(st);
}

int expect_events_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	struct events_count *st = *state;
	long long n;

	if (!st) {
		if (!(st = *state = calloc(1, sizeof(*st))))
			return -ENOMEM;
		st->reason =
		    e->ev_reason[0] && r->kev ? kevents_reason_value(r->kev, e->ev_reason) : -1;
	}
	/* the ring buffer was read in this round, after until: all is in */
	for (; st->seen < r->kdb.nev && r->kdb.ev[st->seen].t <= r->until; st->seen++)
		for (int k = event_counts(e, &r->kdb.ev[st->seen], st->reason); k > 0; k--) {
			if (st->n == st->cap) {
				long long cap = st->cap ? 2 * st->cap : 64;
				double *v = realloc(st->stamps, cap * sizeof(*v));
				if (!v)
					return -ENOMEM;
				st->stamps = v;
				st->cap = cap;
			}
			st->last = r->kdb.ev[st->seen].t;
			st->stamps[st->n++] = st->last;
		}
	if (e->agg != AGG_COUNT) {
		expect_timing_judge(r, e, st->stamps, (int)st->n, ob);
		return 0;
	}
	n = st->n;
	if (e->since) {
		/* stamps in the kernel's order: drop those before the mark */
		long long before = 0;
		while (before < n && st->stamps[before] <= r->mark_t[e->since - 1])
			before++;
		n -= before;
	}
	ob->value = n;
	ob->ok = filter_cmp_eval(n, e->op, e->value);
	if (ob->ok && n)
		ob->stamp = st->last;
	snprintf(ob->text, sizeof(ob->text), "%lld %s%s%s", n,
		 e->ev_kind == KEV_RETRANS ? "retransmitted segments" : "events",
		 e->since ? " since mark " : "", e->since ? run_mark_name(r, e->since) : "");
	return 0;
}

/* ---- NAME connected [within T | between T1 and T2] ---- */

/* The kernel's stamps of connection c of the actor on host h: its socket's
 * SYN-SENT -> ESTABLISHED by its local port, and that socket's entry into
 * SYN-SENT before it.  1 if both are in the record. */
static int connected_stamps(const struct run *r, int h, double after, const struct actor_conn *c,
			    double *begun, double *done)
{
	const struct kdb *d = &r->kdb;
	int i, found = 0;
	uint64_t sk = 0;

	for (i = 0; i < d->nev && !sk; i++) {
		const struct kevent *ev = &d->ev[i];
		if (ev->host == h && ev->t >= after && ev->w.kind == KEV_STATE &&
		    ev->w.oldstate == TCP_SYN_SENT && ev->w.newstate == TCP_ESTABLISHED &&
		    ev->w.sport == c->port) {
			sk = ev->w.sk;
			*done = ev->t;
		}
	}
	for (int j = 0; sk && j < i; j++) {
		const struct kevent *ev = &d->ev[j];
		if (ev->host == h && ev->w.kind == KEV_STATE && ev->w.sk == sk &&
		    ev->w.newstate == TCP_SYN_SENT) {
			*begun = ev->t;
			found = 1;
		}
	}
	return found;
}

/* How long each connection took to connect, by the kernel's stamps where
 * it has them (else the actor's clock, counted in *own); 1 when every
 * connection is known, 0 while a stamp may still be on its way. */
static int connected_times(struct run *r, const struct expectation *e, double *lo, double *hi,
			   double *last, int *own)
{
	const struct actor_run *a = &r->actors[e->actor];
	const int h = r->m->actors[e->actor].host;

	*lo = INFINITY;
	*hi = *last = 0;
	*own = 0;
	for (int i = 0; i < a->nconns; i++) {
		const struct actor_conn *c = &a->conns[i];
		double b = c->begun - r->t0, d = c->done - r->t0;

		if (!r->kev || !connected_stamps(r, h, a->started, c, &b, &d)) {
			/* the actor saw it done after the kernel did: once the ring
			 * buffer was read after that, a missing stamp is not coming */
			if (r->kev && d > r->round_t0 - 0.02)
				return 0;
			b = c->begun - r->t0;
			d = c->done - r->t0;
			(*own)++;
		}
		*lo = fmin(*lo, d - b);
		*hi = fmax(*hi, d - b);
		*last = fmax(*last, d);
	}
	return 1;
}

int expect_connected_observe(struct run *r, const struct expectation *e, void **state,
			     struct obs *ob)
{
	const struct actor_run *a = &r->actors[e->actor];
	const struct actor_spec *as = &r->m->actors[e->actor];
	int want = as->connections ? as->connections : 1, own;
	double lo, hi, last, t2 = e->duration_ms / 1000.0;
	size_t n;

	(void)state;
	ob->ok = 0;
	if (a->nconns < want) {
		ob->final = a->exited;
		if (a->exited)
			snprintf(ob->text, sizeof(ob->text), "ended before connecting: %s",
				 a->result);
		else if (want > 1)
			snprintf(ob->text, sizeof(ob->text), "%d of %d connections made", a->nconns,
				 want);
		else
			snprintf(ob->text, sizeof(ob->text), "not connected yet");
		return 0;
	}
	if (!connected_times(r, e, &lo, &hi, &last, &own)) {
		ob->wait = 1;
		snprintf(ob->text, sizeof(ob->text), "connected; the kernel's stamps not read yet");
		return 0;
	}
	/* every connection is made: the verdict cannot change */
	ob->final = 1;
	ob->stamp = last;
	if (e->mode == EXPECT_ONCE)
		ob->ok = 1;
	else if (e->min_ms)
		ob->ok = lo * 1000 >= e->min_ms && hi <= t2;
	else
		ob->ok = hi <= t2 * r->slow;
	n = (size_t)snprintf(ob->text, sizeof(ob->text), "connected in %.3f ms", hi * 1000);
	if (want > 1 && n < sizeof(ob->text))
		n += (size_t)snprintf(ob->text + n, sizeof(ob->text) - n,
				      " (the slowest of %d; the fastest %.3f ms)", want, lo * 1000);
	if (n < sizeof(ob->text))
		snprintf(ob->text + n, sizeof(ob->text) - n, ", %s",
			 !own ? "SYN-SENT to ESTABLISHED by the kernel's stamps"
			 : r->kev
			     ? "connect() to connected by the actor's clock where the kernel's "
			       "record has no stamp"
			     : "connect() to connected by the actor's clock (no kernel events)");
	return 0;
}
