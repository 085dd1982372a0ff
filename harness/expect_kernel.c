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
#include "timing.h"
#include "history.h"
#include "units.h"

/* The states after "==" or "includes", to the end of the statement. */
static int history_states(struct cur *c, struct expectation *e)
{
	char w[32];
	const char *at;
	int st, err;

	caselex_ws(c);
	if (!strncmp(c->p, "==", 2) && strchr(" \t", c->p[2]))
		c->p += 2;
	else if (!strncmp(c->p, "includes", 8) && strchr(" \t", c->p[8])) {
		c->p += 8;
		e->includes = 1;
	} else
		return caselex_fail(c, c->p, "expected '==' or 'includes' after history(...)");
	while (!caselex_at_end(c)) {
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_word(c, w, sizeof(w), "a state")))
			return err;
		st = history_state_parse(w);
		if (st < 0)
			return caselex_fail(
			    c, at,
			    "unknown state '%s' (syn-sent, syn-recv, established, "
			    "fin-wait-1, fin-wait-2, time-wait, close-wait, last-ack, "
			    "closing, listening, closed)",
			    w);
		if (e->nstates == (int)sizeof(e->states))
			return caselex_fail(c, at, "at most %d states in a history",
					    (int)sizeof(e->states));
		e->states[e->nstates++] = (unsigned char)st;
	}
	if (!e->nstates)
		return caselex_fail(c, c->p, "expected the states of the history");
	return 0;
}

static int parse_filter(struct cur *c, struct expectation *e, const char *text, const char *at)
{
	struct filter_error fe;

	if (filter_parse(text, expect_resolve_host, &c->m->topo, &e->filter, &fe))
		return caselex_fail(c, at + fe.col - 1, "%s", fe.msg);
	return 0;
}

int expect_history_parse(struct cur *c, struct expectation *e)
{
	const char *inner_at;
	int err = expect_call_args(c, "history", &e->text, &inner_at);

	if (err)
		return err == 1 ? caselex_fail(c, c->p, "expected history(FILTER)") : err;
	if ((err = parse_filter(c, e, e->text, inner_at)))
		return err;
	return history_states(c, e);
}

/* A drop reason as the kernel spells it: NO_SOCKET, TCP_OLD_SEQUENCE. */
static int is_reason(const char *w)
{
	if (!isupper((unsigned char)*w))
		return 0;
	for (; *w; w++)
		if (!isupper((unsigned char)*w) && !isdigit((unsigned char)*w) && *w != '_')
			return 0;
	return 1;
}

/* "KIND [STATE|REASON] [and FILTER]" inside events(...). */
static int events_inner(struct cur *c, struct expectation *e, const char *at)
{
	const char *p = e->text, *w0;
	char w[64];
	size_t n;
	int kind;

	p += strspn(p, " \t");
	w0 = p;
	n = strcspn(p, " \t");
	snprintf(w, sizeof(w), "%.*s", (int)n, p);
	if ((kind = units_event_parse(w)) < 0)
		return caselex_fail(c, at + (w0 - e->text), "unknown event kind '%s' (%s)", w,
				    units_event_names);
	e->ev_kind = kind;
	p += n;
	p += strspn(p, " \t");
	n = strcspn(p, " \t");
	snprintf(w, sizeof(w), "%.*s", (int)(n < sizeof(w) ? n : sizeof(w) - 1), p);
	if (e->ev_kind == KEV_STATE) {
		e->ev_state = history_state_parse(w);
		if (e->ev_state < 0)
			return caselex_fail(
			    c, at + (p - e->text),
			    "expected a state after 'state' (syn-sent, established, "
			    "...), found '%s'",
			    w);
		p += n;
	} else if (e->ev_kind == KEV_DROP && n && is_reason(w)) {
		snprintf(e->ev_reason, sizeof(e->ev_reason), "%s", w);
		p += n;
	}
	p += strspn(p, " \t");
	if (!*p)
		return 0;
	if (strncmp(p, "and", 3) || (p[3] != ' ' && p[3] != '\t'))
		return caselex_fail(c, at + (p - e->text), "expected 'and FILTER' after the kind");
	p += 4;
	return parse_filter(c, e, p, at + (p - e->text));
}

int expect_events_parse(struct cur *c, struct expectation *e)
{
	const char *inner_at;
	int err = expect_timing_call(c, e, "events", &inner_at);

	if (err)
		return err == 1
			   ? caselex_fail(c, c->p,
					  "expected events(KIND [and FILTER]), times(KIND [and "
					  "FILTER]) or gaps(KIND [and FILTER])")
			   : err;
	if ((err = events_inner(c, e, inner_at)))
		return err;
	if (e->agg != AGG_COUNT)
		return timing_parse(c, &e->timing);
	return expect_op_value(c, e, 0);
}

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
	ob->value = n;
	ob->ok = filter_cmp_eval(n, e->op, e->value);
	if (ob->ok && n)
		ob->stamp = st->last;
	snprintf(ob->text, sizeof(ob->text), "%lld events", n);
	return 0;
}
