#define _GNU_SOURCE
#include "impair.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "evidence.h"
#include "topo_build.h"
#include "../lang/place.h"
#include "../netns/ns.h"
#include "../netns/qdisc.h"

static int needs_netem(const struct netem_spec *n)
{
	return n->delay_ms || n->jitter_ms || n->duplicate_ppm || n->reorder_ppm || n->corrupt_ppm;
}

/* Whether this kernel has sch_netem, asked once in a namespace of its own. */
static int netem_here(void)
{
	int ns = ns_new(), have;

	if (ns < 0)
		return ns;
	have = qdisc_netem_available(ns);
	close(ns);
	return have;
}

/*
 * The link and direction where the packets of A -> B are impaired: the
 * link into B when B is A's neighbour on the path, else the first
 * router's way out towards B (where the qdiscs would be); the direction
 * is 0 when they cross the link from its host a to its host b.
 */
static int relay_place(const struct run *r, const struct step *s, int *link)
{
	const struct topo *t = &r->m->topo;
	struct place pl;
	int side;

	if (place_path(t, s->host, s->peer, &pl))
		return -EHOSTUNREACH;
	*link = pl.forward ? pl.out_link : pl.in_link;
	side = topo_link_side(t, *link, pl.host);
	/* into B: B's side is where they go; out of a router: they leave its side */
	return pl.forward ? (side == 0 ? 0 : 1) : (side == 1 ? 0 : 1);
}

int impair_plan(struct run *r)
{
	const struct case_model *m = r->m;
	int have = -1;

	for (int i = 0; i < m->nsteps; i++) {
		const struct step *s = &m->steps[i];
		int relay = r->o->impair == IMPAIR_RELAY, l, dir;

		if (s->kind != STEP_NETEM || r->o->impair == IMPAIR_NETEM)
			continue;
		/* a seed asks for the same decisions every run: only the relay makes
		 * them; a normal jitter only the relay draws (no netem tables) */
		relay |= s->netem.seed >= 0 || s->netem.jitter_normal;
		if (!relay && needs_netem(&s->netem)) {
			if (have < 0 && (have = netem_here()) < 0)
				return run_fail(r, s, VOP_QDISC, have, "probing for netem: %s",
						strerror(-have));
			relay = !have;
		}
		if (!relay)
			continue;
		dir = relay_place(r, s, &l);
		if (dir < 0)
			return run_fail(r, s, VOP_ROUTE, dir, "no path from %s to %s",
					run_host(r, s->host), run_host(r, s->peer));
		r->netem_dir[i] = dir;
		r->relay_ns[l] = 0; /* a mark: topo_build_relayed() makes the namespace */
	}
	return VERDICT_PASS;
}

int impair_start(struct run *r)
{
	const struct topo *t = &r->m->topo;

	for (int l = 0; l < t->nlinks; l++) {
		const char *a = t->hosts[t->links[l].a].name, *b = t->hosts[t->links[l].b].name;
		char name[128];
		FILE *f;
		int err;

		if (r->relay_ns[l] < 0)
			continue;
		err = topo_wait_ns_ready(r->relay_ns[l], 5 * r->slow, name, sizeof(name));
		if (err)
			return run_fail(r, NULL, VOP_NAMESPACE, err, "the relay of link %s %s: %s",
					a, b, name);
		snprintf(name, sizeof(name), "relay-%s-%s.log", a, b);
		if (!(f = evidence_fopen(r, name)))
			return run_fail(r, NULL, VOP_EVIDENCE, errno, "relay log %s/%s: %s",
					r->evdir, name, strerror(errno));
		fprintf(f,
			"# the relay of link %s %s: a->b is %s to %s; times in seconds since "
			"the case began\n",
			a, b, a, b);
		fflush(f);
		err = relay_spawn(r->relay_ns[l], r->t0, fileno(f), &r->relays[l]);
		fclose(f); /* the relay writes through its own copy */
		if (err)
			return run_fail(r, NULL, VOP_HARNESS, err,
					"the relay of link %s %s: %s%s%s", a, b, strerror(-err),
					r->relays[l].event[0] ? ": " : "", r->relays[l].event);
		/* "ready real-time" or "ready normal: why" */
		const char *prio = r->relays[l].event + 6;
		run_log(r, "relay on link %s %s (pid %d, %s%s): passing every frame", a, b,
			(int)r->relays[l].pid,
			strncmp(prio, "normal", 6) ? "real-time priority"
						   : "normal priority, real-time refused",
			strncmp(prio, "normal", 6) ? "" : prio + 6);
	}
	return VERDICT_PASS;
}

int impair_relay_step(struct run *r, const struct step *s, int idx)
{
	const struct netem_spec *n = &s->netem;
	const struct topo *t = &r->m->topo;
	uint32_t seed32;
	uint64_t seed;
	int l, dir = relay_place(r, s, &l), err;

	if (n->seed >= 0) {
		seed = (uint64_t)n->seed;
	} else {
		if (getrandom(&seed32, sizeof(seed32), 0) != sizeof(seed32))
			seed32 = (uint32_t)(clock_now() * 1e9);
		seed = seed32;
	}
	err = relay_impair(&r->relays[l], dir, n, seed);
	if (err)
		return run_fail(r, s, VOP_HARNESS, err, "the relay of link %s %s: %s",
				t->hosts[t->links[l].a].name, t->hosts[t->links[l].b].name,
				strerror(-err));
	run_log(r,
		"netem %s -> %s through the relay on link %s %s (%s): delay %ums jitter %ums loss "
		"%g%% duplicate %g%% reorder %g%% corrupt %g%%, rate %llu bit/s, seed %llu%s",
		run_host(r, s->host), run_host(r, s->peer), t->hosts[t->links[l].a].name,
		t->hosts[t->links[l].b].name, dir ? "b->a" : "a->b", n->delay_ms, n->jitter_ms,
		n->loss_ppm / 1e4, n->duplicate_ppm / 1e4, n->reorder_ppm / 1e4,
		n->corrupt_ppm / 1e4, n->rate_bps, (unsigned long long)seed,
		n->seed >= 0 ? "" : " (random: give `seed` to repeat it)");
	(void)idx;
	return 0;
}

struct drop_ctx {
	struct run *r;
	int link;
};

/* A relay's drop on the timeline's record: events.log and the ladder, as
 * a kernel drop is, its reason "relay: LOSS". */
static void relay_dropped(void *arg, const struct relay_drop *d)
{
	const struct drop_ctx *x = arg;
	const struct topo_link *L = &x->r->m->topo.links[x->link];
	int from = d->dir ? L->b : L->a, to = d->dir ? L->a : L->b;

	fprintf(x->r->evlog, "%10.6f %-12s %016x %-18s relay: %s packet %s :%u :%u\n", d->t,
		run_host(x->r, to), 0, "drop", d->why, d->proto, d->sport, d->dport);
	if (strcmp(d->proto, "tcp"))
		return; /* IPv6 link chatter and the like: events.log only, as the kernel's */
	run_ladder_add(x->r, d->t, LADDER_DROP, from, to, NULL, "relay: %s :%u>:%u", d->why,
		       d->sport, d->dport);
}

void impair_watch(struct run *r, pid_t pid, int status)
{
	const struct topo *t = &r->m->topo;

	for (int l = 0; l < t->nlinks; l++) {
		struct relay_run *rr = &r->relays[l];

		if (!rr->pid)
			continue;
		if (pid == rr->pid && !rr->exited) {
			rr->exited = 1;
			run_log(r, "relay of link %s %s ended (status 0x%x)",
				t->hosts[t->links[l].a].name, t->hosts[t->links[l].b].name,
				(unsigned)status);
		}
		struct drop_ctx x = {r, l};
		if (rr->ctl >= 0 && relay_poll(rr, relay_dropped, &x))
			run_log(r, "relay of link %s %s: %s", t->hosts[t->links[l].a].name,
				t->hosts[t->links[l].b].name, rr->event);
	}
}

/* Close the relay's control socket and wait (a second at most) for it to
 * write its counts and end. */
static void relay_end(struct relay_run *rr)
{
	double end = clock_now() + 1;
	int st;

	if (rr->ctl >= 0)
		close(rr->ctl);
	rr->ctl = -1;
	while (!rr->exited && clock_now() < end) {
		if (waitpid(rr->pid, &st, WNOHANG) == rr->pid)
			rr->exited = 1;
		else
			poll(NULL, 0, 5);
	}
	if (!rr->exited)
		kill(rr->pid, SIGKILL);
}

int impair_stop(struct run *r, int verdict)
{
	const struct topo *t = &r->m->topo;

	for (int l = 0; l < t->nlinks; l++) {
		struct relay_run *rr = &r->relays[l];
		const char *a = t->hosts[t->links[l].a].name, *b = t->hosts[t->links[l].b].name;

		if (!rr->pid)
			continue;
		impair_watch(r, 0, 0);
		if (rr->exited || rr->ctl < 0)
			verdict = run_error(r, NULL,
					    "the relay of link %s %s ended before the case did "
					    "(%s): packets were not impaired as the case says",
					    a, b, rr->event[0] ? rr->event : "no report");
		else if (rr->error[0])
			verdict =
			    run_error(r, NULL, "the relay of link %s %s: %s", a, b, rr->error);
		else if (rr->late[0])
			verdict = run_error(r, NULL,
					    "the relay of link %s %s released a frame %s: the "
					    "relay's lateness, not the network's (budget %d ms)",
					    a, b, rr->late, RUNNER_LATE_BUDGET_MS);
		relay_end(rr);
	}
	return verdict;
}
