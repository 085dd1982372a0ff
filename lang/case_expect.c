/*
 * The expect statement: its subject (a host, an actor, or "packets A B"),
 * its mode and colon here; the condition of each kind in expect.c.
 */
#define _GNU_SOURCE
#include "case_stmt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "expect_syntax.h"

/* "between T1 and T2[:]" after exits or connected: within T2, not before T1. */
static int mode_between(struct cur *c, struct expectation *e, int *colon)
{
	char w[32];
	const char *at;
	int err;

	c->p += strlen("between");
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_duration(c, &e->min_ms, NULL)))
		return err;
	caselex_ws(c);
	if (!caselex_peek(c, w, sizeof(w)) || strcmp(w, "and"))
		return caselex_fail(c, c->p, "expected 'and' (between T1 and T2)");
	c->p += 3;
	if ((err = caselex_duration(c, &e->duration_ms, colon)))
		return err;
	if (e->duration_ms <= e->min_ms)
		return caselex_fail(c, at, "between T1 and T2 needs T1 < T2");
	e->mode = EXPECT_WITHIN;
	return 0;
}

static int expect_mode(struct cur *c, struct expectation *e, int *colon)
{
	char w[32];

	caselex_peek(c, w, sizeof(w));
	caselex_strip_colon(w);
	if (!strcmp(w, "between")) {
		if (e->kind != EXPECT_EXITS && e->kind != EXPECT_CONNECTED)
			return caselex_fail(
			    c, c->p, "'between T1 and T2' is for 'exits' and 'connected' only");
		return mode_between(c, e, colon);
	}
	if (!strcmp(w, "within") || !strcmp(w, "throughout")) {
		e->mode = w[0] == 'w' ? EXPECT_WITHIN : EXPECT_THROUGHOUT;
		c->p += strlen(w);
		return caselex_duration(c, &e->duration_ms, colon);
	}
	return 0;
}

static int need_colon(struct cur *c, int had)
{
	if (had)
		return 0;
	caselex_ws(c);
	if (*c->p != ':')
		return caselex_fail(c, c->p, "expected ':' before the condition");
	c->p++;
	return 0;
}

static int word_is(struct cur *c, const char *w)
{
	char buf[32];

	caselex_peek(c, buf, sizeof(buf));
	return !strcmp(buf, w);
}

/* "packets A B[:]": the link, which must be captured by then. */
static int subject_packets(struct cur *c, struct expectation *e, int *colon)
{
	struct case_model *m = c->m;
	const char *at;
	int a, b, err, captured = 0;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_host(c, &a, 0, NULL)) || (err = caselex_host(c, &b, 1, colon)))
		return err;
	e->kind = EXPECT_PACKETS;
	e->link = topo_link_find(&m->topo, a, b);
	if (e->link < 0)
		return caselex_fail(c, at, "no link between these hosts to capture");
	for (int i = 0; i < m->nsteps; i++)
		captured |= m->steps[i].kind == STEP_CAPTURE &&
			    topo_link_find(&m->topo, m->steps[i].host, m->steps[i].peer) == e->link;
	if (!captured)
		return caselex_fail(c, at, "that link is not captured (add 'capture %s %s' before)",
				    m->topo.hosts[a].name, m->topo.hosts[b].name);
	return 0;
}

/* "rule NAME[:]": a rule declared before (it may be removed by then). */
static int subject_rule(struct cur *c, struct expectation *e, int *colon)
{
	char name[32];
	const char *at;
	int err, known = 0;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, name, sizeof(name), "a rule name")))
		return err;
	*colon = caselex_strip_colon(name);
	for (int i = 0; i < c->m->nsteps; i++)
		known |=
		    c->m->steps[i].kind == STEP_RULE && !strcmp(c->m->steps[i].rule.name, name);
	if (!known)
		return caselex_fail(c, at, "no rule '%s' before this line", name);
	e->kind = EXPECT_RULE;
	e->text = strdup(name);
	return e->text ? 0 : -ENOMEM;
}

/* "NAME exits[:]", "NAME prints[:]", "NAME running" or "NAME connected"; 1
 * if w names no actor followed by one of them. */
static int subject_actor(struct cur *c, struct expectation *e, const char *w, int *colon)
{
	static const struct {
		const char *word;
		enum expect_kind kind;
	} verbs[] = {{"exits", EXPECT_EXITS},
		     {"prints", EXPECT_PRINTS},
		     {"running", EXPECT_RUNNING},
		     {"connected", EXPECT_CONNECTED}};
	int actor = caselex_actor_find(c->m, w);
	char w2[32];

	caselex_peek(c, w2, sizeof(w2));
	*colon = caselex_strip_colon(w2);
	for (unsigned i = 0; actor >= 0 && i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(w2, verbs[i].word) || (*colon && (verbs[i].kind == EXPECT_RUNNING ||
							     verbs[i].kind == EXPECT_CONNECTED)))
			continue;
		e->actor = actor;
		e->kind = verbs[i].kind;
		c->p += strlen(w2) + *colon;
		return 0;
	}
	return 1;
}

/* The kind after "HOST [mode]": "counter ..." (colon optional) or sockets. */
static int host_kind(struct cur *c, struct expectation *e, int *colon)
{
	int err;

	if (!*colon && !word_is(c, "counter") && (err = need_colon(c, 0)))
		return err;
	*colon = 1;
	caselex_ws(c);
	e->kind = word_is(c, "counter")		  ? EXPECT_COUNTER
		  : !strncmp(c->p, "history(", 8) ? EXPECT_HISTORY
		  : !strncmp(c->p, "events(", 7) || !strncmp(c->p, "times(", 6) ||
			  !strncmp(c->p, "gaps(", 5)
		      ? EXPECT_EVENTS
		      : EXPECT_SOCKETS;
	return 0;
}

int case_expect_parse(struct cur *c)
{
	struct step *s = caselex_step(c, STEP_EXPECT);
	const struct expect_syntax *k;
	struct expectation *e;
	const char *at, *mode_at;
	char w[64];
	int err, colon, host_subject = 0;

	if (!s)
		return -ENOMEM;
	e = &s->expect;
	e->host = e->link = e->actor = -1;
	e->step = c->m->nsteps - 1;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a host, an actor or 'packets'")))
		return err;
	colon = caselex_strip_colon(w);
	if (!strcmp(w, "rule") && !colon) {
		mode_at = at;
		err = subject_rule(c, e, &colon);
	} else if (!strcmp(w, "packets") && !colon) {
		caselex_ws(c);
		mode_at = c->p;
		err = subject_packets(c, e, &colon);
	} else {
		mode_at = at;
		err = colon ? 1 : subject_actor(c, e, w, &colon);
		if (err == 1) {
			e->host = topo_host_find(&c->m->topo, w);
			char hint[96];
			if (e->host < 0)
				return caselex_fail(c, at, "unknown host or actor '%s'%s", w,
						    caselex_hint(c->m, w,
								 CASELEX_HOSTS | CASELEX_ACTORS,
								 hint, sizeof(hint)));
			host_subject = 1;
			err = 0;
		}
	}
	if (err)
		return err;
	if (e->kind != EXPECT_RUNNING && !colon && (err = expect_mode(c, e, &colon)))
		return err;
	if (host_subject && (err = host_kind(c, e, &colon)))
		return err;
	k = expect_syntax_of(e->kind);
	if (!(k->modes & (1u << e->mode)))
		return caselex_fail(c, mode_at, "%s expectations take 'within', not 'throughout'",
				    k->name);
	if (k->colon == COLON_REQUIRED && (err = need_colon(c, colon)))
		return err;
	return k->parse(c, e);
}
