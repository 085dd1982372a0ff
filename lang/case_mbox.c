/*
 * The middlebox statements of the case language: the conntrack firewall,
 * NAT, MSS clamping, routes that make paths asymmetric, and the flush of a
 * middlebox's connection table.  Each becomes a step of the timeline.
 */
#define _GNU_SOURCE
#include "case_stmt.h"

#include <errno.h>
#include <string.h>

/* A host that forwards: a middlebox needs a link on each side. */
static int middlebox_host(struct cur *c, int *h, const char *what)
{
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_host(c, h, 0, NULL)))
		return err;
	if (c->m->topo.hosts[*h].nlinks < 2)
		return caselex_fail(c, at,
				    "%s sits between hosts: '%s' needs two links (declare them "
				    "first)",
				    what, c->m->topo.hosts[*h].name);
	return 0;
}

int case_net_firewall(struct cur *c)
{
	char w[32];
	const char *at;
	struct step *s;
	unsigned ms;
	int h, err, pickup = 0, inside = -1, flows = 0, reject;

	if ((err = middlebox_host(c, &h, "a firewall")) ||
	    (err = caselex_keyword(c, "idle-timeout", "'idle-timeout'")))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_duration(c, &ms, NULL)))
		return err;
	if (ms < 1000)
		return caselex_fail(c, at,
				    "the idle timeout is at least 1s (conntrack counts seconds)");
	if ((err = caselex_keyword(c, "expired", "'expired rst' or 'expired drop'")))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "rst or drop")))
		return err;
	if (strcmp(w, "rst") && strcmp(w, "drop"))
		return caselex_fail(c, at, "expected rst or drop after expired, found '%s'", w);
	reject = w[0] == 'r'; /* w holds the options next */
	while (!caselex_at_end(c)) {
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_word(c, w, sizeof(w), "pickup or inside PEER")))
			return err;
		if (!strcmp(w, "pickup")) {
			pickup = 1;
		} else if (!strcmp(w, "flows") && !flows) {
			long long v;
			if ((err = caselex_number(c, &v, 1, 1000000, "a number of flows from 1")))
				return err;
			flows = (int)v;
		} else if (!strcmp(w, "inside") && inside < 0) {
			caselex_ws(c);
			at = c->p;
			if ((err = caselex_host(c, &inside, 0, NULL)))
				return err;
			if (inside == h || topo_next_link(&c->m->topo, h, inside) < 0)
				return caselex_fail(c, at,
						    "inside names a host the firewall reaches "
						    "through one of its links, not '%s'",
						    c->m->topo.hosts[inside].name);
		} else {
			return caselex_fail(c, at,
					    "expected pickup, inside PEER, flows N or the end "
					    "of the statement, found '%s'",
					    w);
		}
	}
	s = caselex_step(c, STEP_FIREWALL);
	if (!s)
		return -ENOMEM;
	s->host = h;
	s->duration_ms = ms;
	s->reject = reject;
	s->pickup = pickup;
	s->peer = inside;
	s->flows = flows;
	return 0;
}

/* nat HOST masquerade towards PEER [ports LO-HI] */
int case_mbox_nat(struct cur *c)
{
	const char *at;
	struct step *s;
	int h, peer, lo = 0, hi = 0, err;
	char w[32];

	if ((err = middlebox_host(c, &h, "a NAT")) ||
	    (err = caselex_keyword(c, "masquerade", "'masquerade'")) ||
	    (err = caselex_keyword(c, "towards", "'towards PEER'")))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_host(c, &peer, 0, NULL)))
		return err;
	if (peer == h)
		return caselex_fail(c, at, "a NAT masquerades towards another host");
	if (topo_next_link(&c->m->topo, h, peer) < 0)
		return caselex_fail(c, at, "no path from '%s' to '%s'", c->m->topo.hosts[h].name,
				    c->m->topo.hosts[peer].name);
	if (caselex_peek(c, w, sizeof(w)) && !strcmp(w, "ports")) {
		c->p += 5;
		caselex_ws(c);
		at = c->p;
		if ((err = case_net_port_range(c, &lo, &hi)))
			return err;
		if (!lo)
			return caselex_fail(c, at, "port 0 is not a source port (1-65535)");
	}
	if ((err = caselex_need_end(c)))
		return err;
	s = caselex_step(c, STEP_NAT);
	if (!s)
		return -ENOMEM;
	s->host = h;
	s->peer = peer;
	s->port_lo = lo;
	s->port_hi = hi;
	return 0;
}

/* mss-clamp HOST [N|pmtu] */
int case_mbox_mss_clamp(struct cur *c)
{
	long long mss = 0;
	struct step *s;
	char w[32];
	int h, err;

	if ((err = middlebox_host(c, &h, "an MSS clamp")))
		return err;
	if (caselex_peek(c, w, sizeof(w)) && !strcmp(w, "pmtu"))
		c->p += 4;
	else if (!caselex_at_end(c) &&
		 (err = caselex_number(c, &mss, 88, 65495, "an MSS from 88 to 65495, or pmtu")))
		return err;
	if ((err = caselex_need_end(c)))
		return err;
	s = caselex_step(c, STEP_MSSCLAMP);
	if (!s)
		return -ENOMEM;
	s->host = h;
	s->mss = (int)mss;
	return 0;
}

/* route HOST to TARGET via NEIGHBOUR */
int case_mbox_route(struct cur *c)
{
	const struct topo *t = &c->m->topo;
	const char *at;
	struct step *s;
	int h, to, via, err;

	if ((err = caselex_host(c, &h, 0, NULL)) || (err = caselex_keyword(c, "to", "'to TARGET'")))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_host(c, &to, 0, NULL)))
		return err;
	if (to == h)
		return caselex_fail(c, at, "a route leads to another host");
	if ((err = caselex_keyword(c, "via", "'via NEIGHBOUR'")))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_host(c, &via, 0, NULL)))
		return err;
	if (topo_link_find(t, h, via) < 0)
		return caselex_fail(c, at, "'%s' is not a neighbour of '%s' (link them first)",
				    t->hosts[via].name, t->hosts[h].name);
	if ((err = caselex_need_end(c)))
		return err;
	s = caselex_step(c, STEP_ROUTE);
	if (!s)
		return -ENOMEM;
	s->host = h;
	s->peer = to;
	s->via = via;
	return 0;
}

/* flush HOST */
int case_mbox_flush(struct cur *c)
{
	struct step *s;
	int h, err;

	if ((err = caselex_host(c, &h, 0, NULL)) || (err = caselex_need_end(c)))
		return err;
	s = caselex_step(c, STEP_FLUSH);
	if (!s)
		return -ENOMEM;
	s->host = h;
	return 0;
}
