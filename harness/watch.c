#define _GNU_SOURCE
#include "watch.h"
#include "impair.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "kevents.h"
#include "ssfmt.h"
#include "../lang/units.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

static int same_sock(const struct sockdiag_sock *a, const struct sockdiag_sock *b)
{
	return a->family == b->family && a->sport == b->sport && a->dport == b->dport &&
	       !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16);
}

static void sock_label(const struct sockdiag_sock *s, char *buf, size_t len)
{
	char l[64], p[64];

	ssfmt_endpoint(s->family, s->src, s->sport, l, sizeof(l));
	ssfmt_endpoint(s->family, s->dst, s->dport, p, sizeof(p));
	snprintf(buf, len, "%s %s", l, p);
}

/* ss's state names, with CLOSE for 7 (a TCP socket's end, not UDP's UNCONN). */
static const char *kstate(int st)
{
	return st == TCP_CLOSE ? "CLOSE" : sockdiag_state_name(st);
}

/* A full socket closed from FIN-WAIT-1, FIN-WAIT-2 or CLOSING: the kernel
 * creates the mini-socket that takes over before that CLOSE, so socket diag
 * shows it now if there is one (without the fentry probe this is how the
 * hand-over is known). */
static void mini_lookup(struct run *r, int h, const struct kev_wire *w)
{
	struct sockdiag_req req = {.what = SOCKDIAG_TCP,
				   .states = (1u << TCP_FIN_WAIT2) | (1u << TCP_TIME_WAIT)};
	struct sockdiag_list l = {0};

	if (kevents_exact_timewait(r->kev) || w->kind != KEV_STATE || w->newstate != TCP_CLOSE ||
	    (w->oldstate != TCP_FIN_WAIT1 && w->oldstate != TCP_FIN_WAIT2 &&
	     w->oldstate != TCP_CLOSING))
		return;
	if (!run_dump(r, h, &req, &l))
		for (size_t i = 0; i < l.n; i++)
			history_mini_seen(&r->kdb, h, &l.v[i]);
	sockdiag_list_free(&l);
}

static void on_kevent(void *ctx, const struct kev_wire *w, int h)
{
	struct run *r = ctx;
	double t = w->ts_ns / 1e9 - r->t0;
	char l[64], p[64], what[96] = "";
	const char *reason, *kind;
	int to_host = (w->flags & KEV_F_PACKET) && run_host_of_addr(r, w->family, w->daddr) == h;

	r->dirty[h] = 1; /* what socket diag shows there may have changed */
	if (kdb_add(&r->kdb, t, h, to_host, w)) {
		r->kev_dropped++; /* the record is incomplete: run_kernel_stop() */
		return;
	}
	mini_lookup(r, h, w);
	if (!(kind = units_event_name(w->kind)))
		return; /* a kind this side does not know: in the record, not the logs */
	ssfmt_endpoint(w->family, w->saddr, w->sport, l, sizeof(l));
	ssfmt_endpoint(w->family, w->daddr, w->dport, p, sizeof(p));
	if (w->kind == KEV_STATE || w->kind == KEV_TIMEWAIT) {
		const struct khist *hi = kdb_history_of(&r->kdb, h, w->sk);
		int mini = w->kind == KEV_STATE && w->newstate == TCP_CLOSE && hi && hi->mini;

		/* the ->CLOSE of a hand-over: the mini-socket's state follows */
		snprintf(what, sizeof(what), "%s -> %s%s", kstate(w->oldstate),
			 kstate(mini ? hi->states[hi->n - 1] : w->newstate),
			 mini ? " (a mini-socket takes over)" : "");
	} else if (w->kind == KEV_DROP) {
		reason = kevents_reason_name(r->kev, w->reason);
		if (reason)
			snprintf(what, sizeof(what), "%s", reason);
		else
			snprintf(what, sizeof(what), "reason %u", w->reason);
	} else if (w->kind == KEV_RETRANS && w->segs > 1) {
		/* one skb, several segments: TcpRetransSegs counts them all */
		snprintf(what, sizeof(what), "(%u segments)", w->segs);
	} else if (w->kind == KEV_RETRANS_FAIL) {
		/* tcp_transmit_skb()'s value: -errno, or NET_XMIT_DROP (1) */
		snprintf(what, sizeof(what), "(%s: a local drop, tried again later)",
			 w->reason == 1 ? "NET_XMIT_DROP" : strerror(w->reason));
	}
	fprintf(r->evlog, "%10.6f %-12s %016llx %-18s %s%s %s %s\n", t, run_host(r, h),
		(unsigned long long)w->sk, kind, what, w->flags & KEV_F_PACKET ? " packet" : "", l,
		p);
	if (w->kind == KEV_DROP && w->l4proto != IPPROTO_TCP && w->l4proto != IPPROTO_UDP)
		return; /* IPv6 link chatter (ICMPv6) and the like: events.log only */
	if (w->kind == KEV_DROP)
		run_ladder_add(r, t, LADDER_DROP, run_host_of_addr(r, w->family, w->saddr), h, NULL,
			       "%s :%u>:%u", what, w->sport, w->dport);
	else if (w->kind != KEV_STATE && w->kind != KEV_TIMEWAIT)
		run_ladder_add(r, t, LADDER_MARK, h, -1, NULL, "%s :%u", kind, w->sport);
	if (w->kind == KEV_STATE) {
		run_log(r, "%s: %s %s %s [kernel, %.6fs]", run_host(r, h), l, p, what, t);
		/* a client's first event has no port yet: name its peer's */
		if (w->sport)
			run_ladder_add(r, t, LADDER_STATE, h, -1, NULL, ":%u %s", w->sport,
				       kstate(w->newstate));
		else
			run_ladder_add(r, t, LADDER_STATE, h, -1, NULL, "->:%u %s", w->dport,
				       kstate(w->newstate));
	} else if (w->kind != KEV_TIMEWAIT)
		run_log(r, "%s: %s %s %s %s [kernel, %.6fs]", run_host(r, h), kind, l, p, what, t);
}

/* The first host whose counter is ahead of its record, or -1. */
static int record_behind(struct run *r, int64_t *counted, int *held)
{
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		struct counters c = {0};
		int64_t n = 0, failed = 0;

		if (!run_counters_delta(r, h, 0, &c)) {
			counters_get(&c, "TcpRetransSegs", &n);
			counters_get(&c, "TcpExtTCPRetransFail", &failed);
		}
		counters_free(&c);
		*held = kdb_retrans_segs(&r->kdb, h);
		if (n - failed > *held) {
			*counted = n - failed;
			return h;
		}
	}
	return -1;
}

int watch_record_short(struct run *r, char *why, size_t len)
{
	double end = clock_now() + WATCH_CATCHUP_MS / 1000.0;
	int64_t counted = 0;
	int held = 0, h;

	if (!r->kev)
		return 0;
	/* the kernel counts a retransmission before its tracepoint fires */
	while ((h = record_behind(r, &counted, &held)) >= 0 && clock_now() < end) {
		struct pollfd p = {.fd = kevents_fd(r->kev), .events = POLLIN};
		poll(&p, 1, 20);
		watch_kernel(r);
	}
	if (h < 0)
		return 0;
	snprintf(why, len,
		 "the kernel's record is incomplete: %s's kernel counted %lld retransmitted "
		 "segments that went out (TcpRetransSegs less TcpExtTCPRetransFail), its "
		 "tracepoints delivered %d; a verdict from this record is void",
		 run_host(r, h), (long long)counted, held);
	return 1;
}

void watch_kernel(struct run *r)
{
	uint64_t lost;

	if (!r->kev)
		return;
	if (kevents_poll(r->kev, on_kevent, r) < 0)
		return;
	lost = kevents_lost(r->kev);
	if (lost > r->kev_lost) {
		run_log(r, "kernel events: %llu LOST (the ring buffer was full)",
			(unsigned long long)(lost - r->kev_lost));
		r->kev_lost = lost;
	}
}

/* A mini-socket (TIME-WAIT, or an orphan's FIN-WAIT-2: no inode): no event
 * marks its end, only socket diag sees it go. */
static int holds_minis(const struct sockdiag_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].inode &&
		    (l->v[i].state == TCP_TIME_WAIT || l->v[i].state == TCP_FIN_WAIT2))
			return 1;
	return 0;
}

/* Whether host h's sockets are worth a dump now: where sockets are watched,
 * always if only sampling tells; with the kernel's events, only after one
 * there or while minis live there. */
static int worth_a_look(struct run *r, int h)
{
	if (!r->watched[h])
		return 0;
	if (!r->kev)
		return 1;
	return r->dirty[h] || holds_minis(&r->prev[h]);
}

/* Log every socket that appeared, changed state or vanished since the last look. */
void watch_sockets(struct run *r)
{
	watch_kernel(r); /* first: what the kernel said explains what diag shows */
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		struct sockdiag_req req = {.what = SOCKDIAG_TCP, .states = ~0u};
		struct sockdiag_list cur = {0};
		char lab[160];
		int err;

		if (!worth_a_look(r, h))
			continue;
		r->dirty[h] = 0;
		if ((err = run_dump(r, h, &req, &cur))) {
			if (!r->dump_failed++)
				run_log(r, "%s: socket dump failed: %s (further failures unlogged)",
					run_host(r, h), strerror(-err));
			sockdiag_list_free(&cur);
			continue;
		}
		for (size_t i = 0; i < cur.n; i++) {
			const struct sockdiag_sock *s = &cur.v[i], *o = NULL;
			for (size_t j = 0; j < r->prev[h].n && !o; j++)
				if (same_sock(s, &r->prev[h].v[j]))
					o = &r->prev[h].v[j];
			if (o && o->state == s->state)
				continue;
			sock_label(s, lab, sizeof(lab));
			if (r->kev && history_mini_seen(&r->kdb, h, s))
				run_log(r,
					"%s: %s %s [observed: a mini-socket, whose births and "
					"states no event marks]",
					run_host(r, h), lab, sockdiag_state_name(s->state));
			if (r->kev)
				continue; /* the kernel's own events say it, exactly */
			run_log(r, "%s: %s %s -> %s (sampled)", run_host(r, h), lab,
				o ? sockdiag_state_name(o->state) : "(new)",
				sockdiag_state_name(s->state));
			run_ladder_add(r, run_rel(r), LADDER_STATE, h, -1, NULL, ":%u %s", s->sport,
				       sockdiag_state_name(s->state));
		}
		for (size_t j = 0; j < r->prev[h].n; j++) {
			int found = 0;
			for (size_t i = 0; i < cur.n && !found; i++)
				found = same_sock(&cur.v[i], &r->prev[h].v[j]);
			if (found)
				continue;
			/* a mini-socket's end has no event: it is observed here */
			if (r->kev && !history_gone(&r->kdb, h, &r->prev[h].v[j]))
				continue;
			sock_label(&r->prev[h].v[j], lab, sizeof(lab));
			run_log(r, "%s: %s %s -> (gone)%s", run_host(r, h), lab,
				sockdiag_state_name(r->prev[h].v[j].state),
				r->kev ? " [observed: a mini-socket's end has no event]"
				       : " (sampled)");
			run_ladder_add(r, run_rel(r), LADDER_STATE, h, -1, NULL, ":%u gone",
				       r->prev[h].v[j].sport);
		}
		sockdiag_list_free(&r->prev[h]);
		r->prev[h] = cur;
	}
}

/* A request actor's summary, once. */
static void actor_said(struct run *r, int i)
{
	struct actor_run *a = &r->actors[i];

	if (a->said_new)
		run_log(r, "actor %s: %s", r->m->actors[i].name, a->said);
	a->said_new = 0;
}

void watch_actors(struct run *r)
{
	int st;
	pid_t pid;

	for (int i = 0; i < r->m->nactors; i++) {
		struct actor_run *a = &r->actors[i];
		if (a->pid && !a->exited && actor_poll(a))
			run_log(r, "actor %s: %s", r->m->actors[i].name, a->event);
		actor_said(r, i);
	}
	impair_watch(r, 0, 0);
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		impair_watch(r, pid, st);
		for (int i = 0; i < r->m->nactors; i++) {
			struct actor_run *a = &r->actors[i];
			if (a->pid != pid || a->exited)
				continue;
			actor_reaped(a, st, run_rel(r));
			actor_said(r, i);
			run_log(r, "actor %s exited: %s", r->m->actors[i].name, a->result);
		}
	}
}

void watch_observe(struct run *r)
{
	watch_actors(r);
	watch_sockets(r);
}

/* Sleep until the kernel writes an event, an actor reports, or until (at
 * most TICK_MS: exits, counters and samples have no descriptor to wake on). */
static void watch_wait(struct run *r, double until)
{
	int n = 0, ms;

	if (r->kev)
		r->pfd[n++] = (struct pollfd){.fd = kevents_fd(r->kev), .events = POLLIN};
	for (int i = 0; i < r->m->nactors; i++)
		if (r->actors[i].ctl >= 0 && !r->actors[i].exited)
			r->pfd[n++] = (struct pollfd){.fd = r->actors[i].ctl, .events = POLLIN};
	ms = (int)((until - clock_now()) * 1000 + 0.999);
	if (ms > TICK_MS)
		ms = TICK_MS;
	if (ms > 0)
		poll(r->pfd, n, ms);
}

int watch_until(struct run *r, double end, watch_done_fn done, void *ctx)
{
	for (;;) {
		double now;
		int d;

		r->round_t0 = run_rel(r);
		watch_observe(r);
		d = done ? done(r, ctx) : 0;
		if (d)
			return d;
		now = clock_now();
		if (now > r->deadline) {
			r->timed_out = 1;
			return 0;
		}
		if (now >= end)
			return 0;
		watch_wait(r, end < r->deadline ? end : r->deadline);
	}
}
