#define _GNU_SOURCE
#include "watch.h"

#include <poll.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "ssfmt.h"

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

/* Log every socket that appeared, changed state or vanished since the last look. */
void watch_sockets(struct run *r)
{
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		struct sockdiag_req req = {.what = SOCKDIAG_TCP, .states = ~0u};
		struct sockdiag_list cur = {0};
		char lab[160];

		if (run_dump(r, h, &req, &cur)) {
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
			run_log(r, "%s: %s %s -> %s", run_host(r, h), lab,
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
			sock_label(&r->prev[h].v[j], lab, sizeof(lab));
			run_log(r, "%s: %s %s -> (gone)", run_host(r, h), lab,
				sockdiag_state_name(r->prev[h].v[j].state));
			run_ladder_add(r, run_rel(r), LADDER_STATE, h, -1, NULL, ":%u gone",
				       r->prev[h].v[j].sport);
		}
		sockdiag_list_free(&r->prev[h]);
		r->prev[h] = cur;
	}
}

void watch_actors(struct run *r)
{
	int st;
	pid_t pid;

	for (int i = 0; i < r->m->nactors; i++) {
		struct actor_run *a = &r->actors[i];
		if (a->pid && !a->exited && actor_poll(a))
			run_log(r, "actor %s: %s", r->m->actors[i].name, a->event);
	}
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < r->m->nactors; i++) {
			struct actor_run *a = &r->actors[i];
			if (a->pid != pid || a->exited)
				continue;
			actor_reaped(a, st, run_rel(r));
			run_log(r, "actor %s exited: %s", r->m->actors[i].name, a->result);
		}
	}
}

void watch_tick(struct run *r)
{
	watch_actors(r);
	watch_sockets(r);
	if (clock_now() > r->deadline)
		r->timed_out = 1;
	else
		poll(NULL, 0, TICK_MS);
}
