/*
 * judge: the verdict of one expectation on the case's clock - its window
 * from the stamp of what came before, observations through the one loop
 * (watch_until()), decided by stamps or by samples inside the window
 * (netcase.case(5), "Timing"), and the report of a failure.
 */
#define _GNU_SOURCE
#include "expect.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "watch.h"

/* How long stamped evidence (a capture's packets) may take to come in after
 * the time it is judged up to, before the expectation is undecided. */
#define CATCHUP_S 2.0

struct judging {
	const struct expectation *e;
	int stamped;
	void **state;
	struct obs *ob;	    /* the last observation */
	struct obs decided; /* the last one that decided (lay in the window) */
	int ndeciding, settled;
	double due, end;  /* the window, run-relative (end == due: at this point) */
	double seen, gap; /* sampled: the end of the last deciding sample, and the
			   * longest stretch of the window no sample covered */
};

/* A deciding observation; 1 when it settles the mode. */
static int decide(struct judging *j)
{
	const struct expectation *e = j->e;
	const struct obs *ob = j->ob;

	j->decided = *ob;
	j->ndeciding++;
	if (!j->stamped && ob->t0 - j->seen > j->gap)
		j->gap = ob->t0 - j->seen;
	if (!j->stamped)
		j->seen = ob->t1;
	return e->mode == EXPECT_ONCE || (e->mode == EXPECT_WITHIN && (ob->ok || ob->final)) ||
	       (e->mode == EXPECT_THROUGHOUT && !ob->ok);
}

/* After each round of the loop: observe, and decide by the observation's
 * stamps or its interval; 1 when settled, -errno when the observer failed. */
static int judge_round(struct run *r, void *ctx)
{
	struct judging *j = ctx;
	struct obs *ob = j->ob;
	int err;

	ob->wait = ob->final = 0;
	ob->stamp = -1;
	err = expect_observer_of(j->e->kind)->observe(r, j->e, j->state, ob);
	if (err)
		return err;
	ob->t0 = r->round_t0;
	ob->t1 = run_rel(r);
	if (ob->stamp < 0)
		ob->stamp = ob->t1;
	if (j->stamped) {
		/* what is in is all stamped up to the end, and a prefix of it:
		 * it held (within) or failed (throughout) at its last stamp */
		if ((j->e->mode == EXPECT_WITHIN && (ob->ok || ob->final)) ||
		    (j->e->mode == EXPECT_THROUGHOUT && !ob->ok))
			return decide(j);
		/* otherwise only a complete look after the end decides */
		if (ob->wait || ob->t0 < j->end)
			return 0;
		decide(j);
		return 1;
	}
	if (j->e->mode == EXPECT_ONCE)
		return decide(j);
	/* a sample decides only inside the window: within, one begun by its
	 * end; throughout, one over before its end */
	if (j->e->mode == EXPECT_WITHIN ? ob->t0 <= j->end : ob->t1 <= j->end)
		return decide(j);
	return 1; /* past the window: what decided is in j->decided */
}

/* Judge e over its window [due, end]: 0 with j->decided filled in (none when
 * j->ndeciding is 0: the harness looked too late), or -errno. */
static int expect_poll(struct run *r, struct judging *j)
{
	double catchup = r->t0 + (j->end > run_rel(r) ? j->end : run_rel(r)) + CATCHUP_S * r->slow;
	int d = watch_until(r, j->e->mode == EXPECT_ONCE ? 0 : r->t0 + j->end, judge_round, j);

	/* stamped evidence: a complete look after the window's end settles it */
	if (!d && j->stamped && !r->timed_out)
		d = watch_until(r, catchup, judge_round, j);
	j->settled = d > 0;
	return d < 0 ? d : 0;
}

static int expect_unobservable(struct run *r, const struct step *s, int err)
{
	/* ENOENT from sock_diag: no inet_diag/tcp_diag in this kernel */
	int nodiag = err == -ENOENT && s->expect.kind == EXPECT_SOCKETS;

	return run_fail(r, s, s->expect.kind == EXPECT_SOCKETS ? VOP_SOCKDIAG : VOP_OBSERVE, err,
			"cannot observe: %s%s", strerror(-err),
			nodiag ? " (this kernel has no TCP socket diag: CONFIG_INET_DIAG and "
				 "CONFIG_INET_TCP_DIAG, or their modules)"
			       : "");
}

/* The failure's context on the output, and kept as expect-LINE.txt. */
static void describe_kept(struct run *r, const struct step *s, const struct expect_observer *k)
{
	char *buf = NULL, name[64];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	fprintf(m, "%s:%d: %s\n", r->m->file, s->line, s->source);
	k->describe(r, &s->expect, m);
	if (fclose(m) == 0) {
		fputs(strchr(buf, '\n') + 1, r->out);
		snprintf(name, sizeof(name), "expect-%d.txt", s->line);
		evidence_file(r, name, buf, len);
	}
	free(buf);
}

static void expect_report(struct run *r, const struct step *s, const struct judging *j)
{
	const struct expectation *e = &s->expect;
	const struct expect_observer *k = expect_observer_of(e->kind);
	const struct obs *ob = &j->decided;

	fprintf(r->out, "FAIL %s:%d: %s\n", r->m->file, s->line, s->source);
	if (e->mode == EXPECT_THROUGHOUT)
		fprintf(r->out, "  became false after %.3fs of %.3fs: %s\n",
			(j->stamped ? ob->stamp : ob->t1) - j->due, e->duration_ms / 1000.0,
			ob->text);
	else if (e->mode == EXPECT_WITHIN && ob->final)
		fprintf(r->out, "  observed when it could no longer come true: %s\n", ob->text);
	else
		fprintf(r->out, "  observed%s: %s\n",
			e->mode == EXPECT_WITHIN ? " at the deadline" : "", ob->text);
	if (k->describe)
		describe_kept(r, s, k);
	run_fail(r, s, VOP_EXPECT, 0, "%s (observed: %s)", s->source, ob->text);
}

/* No observation decided: the harness looked after the window, or stamped
 * evidence never caught up with it.  An ERROR, never the kernel's FAIL. */
static int expect_undecided(struct run *r, const struct step *s, const struct judging *j)
{
	const struct obs *ob = j->ob;
	int v;

	if (j->stamped)
		v = run_fail(r, s, VOP_UNDECIDED, 0,
			     "the evidence was not all in %.3fs after the window's end (%.3fs): "
			     "nothing decided",
			     ob->t1 - j->end, j->end);
	else
		v = run_fail(r, s, VOP_UNDECIDED, 0,
			     "no sample inside the window [%.3fs, %.3fs]: the harness first "
			     "looked at %.3fs, %.0f ms late",
			     j->due, j->end, ob->t0, (ob->t0 - j->end) * 1000);
	run_log(r, "expect (line %d) UNDECIDED: %s", s->line, r->res->failure.what);
	return v;
}

int expect_run(struct run *r, const struct step *s, int idx)
{
	const struct expectation *e = &s->expect;
	struct obs ob = {0};
	/* the window starts at the stamp of what came before; a `within`
	 * deadline widens with NETCASE_SLOW, a `throughout` window never */
	struct judging j = {.e = e,
			    .stamped = expect_observer_of(e->kind)->stamped,
			    .state = &r->estate[idx],
			    .ob = &ob,
			    .due = r->due,
			    .seen = r->due,
			    .end = r->due + (e->mode == EXPECT_ONCE
						 ? 0
						 : e->duration_ms / 1000.0 *
						       (e->mode == EXPECT_WITHIN ? r->slow : 1))};
	int err, ok;

	r->res->nexpect++;
	r->until = j.end;
	err = expect_poll(r, &j);
	r->until = INFINITY;
	if (err)
		return expect_unobservable(r, s, err);
	watch_sockets(r); /* what the expectation saw goes into the timeline too */
	if (!j.ndeciding || (j.stamped && !j.settled))
		return expect_undecided(r, s, &j);
	ok = j.decided.ok;
	if (e->mode == EXPECT_THROUGHOUT && ok && !j.settled && j.decided.t1 < j.end &&
	    r->timed_out)
		ok = 0; /* cut short by the case timeout */
	/* what comes next is due at this one's stamp: when its evidence made it
	 * true, the end of its window, or its own point in time */
	if (e->mode == EXPECT_WITHIN && ok)
		r->due = j.decided.stamp > j.due ? j.decided.stamp : j.due;
	else if (e->mode != EXPECT_ONCE)
		r->due = j.end;
	if (e->mode == EXPECT_THROUGHOUT && !j.stamped && ok && j.end - j.seen > j.gap)
		j.gap = j.end - j.seen;
	if (e->mode == EXPECT_THROUGHOUT && !j.stamped)
		run_log(r,
			"expect (line %d) %s: %s [sampled %.3fs; %d samples, the longest "
			"stretch no sample covered %.1f ms]",
			s->line, ok ? "passed" : "FAILED", j.decided.text, j.decided.t1,
			j.ndeciding, j.gap * 1000);
	else
		run_log(r, "expect (line %d) %s: %s [%s %.3fs]", s->line, ok ? "passed" : "FAILED",
			j.decided.text, j.stamped ? "stamped" : "sampled",
			j.stamped ? j.decided.stamp : j.decided.t1);
	run_ladder_add(r, run_rel(r), LADDER_EXPECT, -1, -1, ok ? "pass" : "fail",
		       "%s line %d: %s (%s)", ok ? "PASS" : "FAIL", s->line, s->source,
		       j.decided.text);
	if (ok)
		return VERDICT_PASS;
	r->res->nfailed++;
	expect_report(r, s, &j);
	return VERDICT_FAIL;
}

void expect_release(struct run *r)
{
	for (int i = 0; i < r->m->nsteps; i++) {
		const struct expect_observer *k;

		if (r->m->steps[i].kind != STEP_EXPECT || !r->estate[i])
			continue;
		k = expect_observer_of(r->m->steps[i].expect.kind);
		if (k->release)
			k->release(r->estate[i]);
		r->estate[i] = NULL;
	}
}
