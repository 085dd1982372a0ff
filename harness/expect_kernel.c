/*
 * The expectations on the kernel's own record (netcase.case(5), "Kernel
 * events"): history(FILTER) == | includes STATE ..., and
 * events(KIND [and FILTER]) OP N.  They read what the BPF observer
 * recorded (run->kdb); a case that asserts them SKIPs without it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
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
	if (!e->filter)
		return 1;
	history_as_sock(w, ev->to_host, &s);
	return filter_match(e->filter, &s);
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
		if (event_counts(e, &r->kdb.ev[st->seen], st->reason)) {
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
	snprintf(ob->text, sizeof(ob->text), "%lld events%s%s", n, e->since ? " since mark " : "",
		 e->since ? run_mark_name(r, e->since) : "");
	return 0;
}
