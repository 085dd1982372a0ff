/*
 * inject HOST -> PEER into ACTOR: FLAGS [seq V] [ack V] [window N]
 *        [data "TEXT" | N bytes] [ts current|old|none]
 * inject HOST -> PEER into ACTOR: icmp frag-needed mtu N [seq V]
 * inject HOST -> PEER port N [from PORT] [ipv6]: FLAGS [seq N] [ack N]
 *        [window N] [data "TEXT" | N bytes]
 *
 * A segment netcase forges and sends from HOST's end of the link to PEER,
 * as if the connection's endpoint on HOST's side had sent it.  V is a
 * number, or rcv_nxt, snd_nxt or snd_una (the receiving end's, as the
 * link's capture saw them) with an optional +N or -N.  Towards a port
 * there is no connection: the segment goes to PEER's address on the link,
 * from HOST's, with the numbers as written (seq and ack 0, window 65535,
 * source port 40000 unless given).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "case_stmt.h"

/* "rcv_nxt", "snd_nxt+100", "snd_una-1", "12345". */
static int inject_value(struct cur *c, const char *what, struct inject_val *v)
{
	static const struct {
		const char *name;
		enum inject_ref ref;
	} refs[] = {{"rcv_nxt", INJ_RCV_NXT}, {"snd_nxt", INJ_SND_NXT}, {"snd_una", INJ_SND_UNA}};
	char w[64], *end;
	const char *at, *rest = NULL;
	size_t n;

	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, w, sizeof(w), what))
		return -EINVAL;
	v->ref = INJ_UNSET;
	for (unsigned i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		n = strlen(refs[i].name);
		if (!strncmp(w, refs[i].name, n) && (!w[n] || w[n] == '+' || w[n] == '-')) {
			v->ref = refs[i].ref;
			rest = w + n;
		}
	}
	if (v->ref == INJ_UNSET) {
		v->ref = INJ_ABS;
		rest = w;
		if (*rest == '-' || *rest == '+')
			rest = "";
	} else if (!*rest) {
		v->off = 0;
		return 0;
	}
	v->off = strtoll(rest, &end, 10);
	if (!*rest || *end || v->off > 4294967295LL || v->off < -4294967295LL ||
	    (v->ref == INJ_ABS && v->off < 0))
		return caselex_fail(c, at,
				    "bad %s '%s' (a number 0-4294967295, or rcv_nxt, snd_nxt or "
				    "snd_una with +N or -N)",
				    what, w);
	return 0;
}

/* One option after the flags: seq, ack, window, data, N bytes, ts. */
static int inject_option(struct cur *c, struct step *s, const char *w, const char *at)
{
	struct inject_spec *in = &s->inject;
	char *end;
	long long n;

	if (!strcmp(w, "seq") || !strcmp(w, "ack")) {
		struct inject_val *v = w[0] == 's' ? &in->seq : &in->ack;
		if (inject_value(c, w[0] == 's' ? "sequence number" : "acknowledgment number", v))
			return -EINVAL;
		if (in->dport && v->ref != INJ_ABS)
			return caselex_fail(c, at,
					    "towards a port there is no connection: %s is a number "
					    "(0-4294967295), not rcv_nxt, snd_nxt or snd_una",
					    w);
		return 0;
	}
	if (!strcmp(w, "window")) {
		if (caselex_number(c, &n, 0, 65535, "a window field (0-65535)"))
			return -EINVAL;
		in->window = (long)n;
		return 0;
	}
	if (!strcmp(w, "data")) {
		if (s->value || in->payload)
			return caselex_fail(c, at, "one payload per segment");
		if (caselex_text(c, &s->value, "the payload text"))
			return -EINVAL;
		if (strlen(s->value) > 1400)
			return caselex_fail(c, at, "a payload of at most 1400 bytes (one segment)");
		return 0;
	}
	if (!strcmp(w, "ts")) {
		char v[16];
		caselex_ws(c);
		at = c->p;
		if (caselex_word(c, v, sizeof(v), "current, old or none"))
			return -EINVAL;
		if (!strcmp(v, "current"))
			in->ts = INJ_TS_CURRENT;
		else if (!strcmp(v, "old"))
			in->ts = INJ_TS_OLD;
		else if (!strcmp(v, "none"))
			in->ts = INJ_TS_NONE;
		else
			return caselex_fail(
			    c, at, "expected current, old or none after ts, found '%s'", v);
		if (in->dport && in->ts != INJ_TS_NONE)
			return caselex_fail(
			    c, at,
			    "towards a port there is no connection whose timestamps "
			    "to use: only 'ts none'");
		return 0;
	}
	n = strtoll(w, &end, 10);
	if (!*end && end != w) {
		if (n < 1 || n > 1400)
			return caselex_fail(c, at, "a payload of 1 to 1400 bytes (one segment)");
		if (s->value || in->payload)
			return caselex_fail(c, at, "one payload per segment");
		if (caselex_keyword(c, "bytes", "'bytes' after the payload's size"))
			return -EINVAL;
		in->payload = (long)n;
		return 0;
	}
	return caselex_fail(c, at,
			    "unknown inject option '%s' (seq, ack, window, data \"TEXT\", N bytes, "
			    "ts current|old|none)",
			    w);
}

/* A port number word, its ':' stripped (*colon says whether it had one). */
static int port_word(struct cur *c, const char *what, int *port, int *colon)
{
	char w[32], *end;
	const char *at;
	long n;

	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, w, sizeof(w), what))
		return -EINVAL;
	*colon = caselex_strip_colon(w);
	n = strtol(w, &end, 10);
	if (*end || end == w || n < 1 || n > 65535)
		return caselex_fail(c, at, "expected %s, found '%s'", what, w);
	*port = (int)n;
	return 0;
}

/* "port N [from PORT] [ipv6]:" after the hosts: towards a port, no connection. */
static int inject_port(struct cur *c, struct step *s)
{
	int colon = 0;
	char w[16];
	const char *at;

	c->p += strlen("port");
	if (port_word(c, "a port (1-65535)", &s->inject.dport, &colon))
		return -EINVAL;
	s->inject.sport = 40000;
	while (!colon) {
		caselex_ws(c);
		at = c->p;
		if (*c->p == ':') {
			c->p++;
			break;
		}
		if (caselex_word(c, w, sizeof(w), "from PORT, ipv6 or ':'"))
			return -EINVAL;
		colon = caselex_strip_colon(w);
		if (!strcmp(w, "from") && !colon) {
			if (port_word(c, "a source port (1-65535)", &s->inject.sport, &colon))
				return -EINVAL;
		} else if (!strcmp(w, "ipv6")) {
			s->inject.ipv6 = 1;
		} else {
			return caselex_fail(c, at, "expected from PORT, ipv6 or ':', found '%s'",
					    w);
		}
	}
	return 0;
}

/* HOST -> PEER over a captured link, into a connect actor of either host's side. */
static int inject_where(struct cur *c, struct step *s)
{
	const struct case_model *m = c->m;
	const char *at;
	char w[16];
	int l, captured = 0;

	caselex_ws(c);
	at = c->p;
	if (caselex_host(c, &s->host, 0, NULL))
		return -EINVAL;
	caselex_ws(c);
	if (strncmp(c->p, "->", 2))
		return caselex_fail(c, c->p,
				    "expected '->' between the hosts (inject A -> B into ACTOR:)");
	c->p += 2;
	if (caselex_host(c, &s->peer, 0, NULL))
		return -EINVAL;
	l = topo_link_find(&m->topo, s->host, s->peer);
	if (l < 0)
		return caselex_fail(c, at,
				    "no link between '%s' and '%s': a segment is sent from one "
				    "end of a link to the other",
				    m->topo.hosts[s->host].name, m->topo.hosts[s->peer].name);
	s->actor = -1;
	if (caselex_peek(c, w, sizeof(w)) && !strcmp(w, "port"))
		return inject_port(c, s);
	for (int i = 0; i < m->nsteps; i++)
		captured |= m->steps[i].kind == STEP_CAPTURE &&
			    topo_link_find(&m->topo, m->steps[i].host, m->steps[i].peer) == l;
	if (!captured)
		return caselex_fail(c, at,
				    "the link is not captured (add 'capture %s %s' before): the "
				    "connection's sequence numbers come from its capture",
				    m->topo.hosts[s->host].name, m->topo.hosts[s->peer].name);
	if (caselex_keyword(c, "into",
			    "'into ACTOR:' (the connection to inject into) or 'port N' (towards a "
			    "port)"))
		return -EINVAL;
	caselex_ws(c);
	at = c->p;
	{
		char name[64];
		if (caselex_label(c, name, sizeof(name), "actor"))
			return -EINVAL;
		s->actor = caselex_actor_find(m, name);
		if (s->actor < 0) {
			char hint[96];
			return caselex_fail(
			    c, at, "unknown actor '%s'%s (start it first)", name,
			    caselex_hint(m, name, CASELEX_ACTORS, hint, sizeof(hint)));
		}
	}
	if (m->actors[s->actor].kind != ACTOR_CONNECT || m->actors[s->actor].udp)
		return caselex_fail(c, at,
				    "'%s' is not a TCP connect actor: inject goes into the "
				    "connection a connect actor made",
				    m->actors[s->actor].name);
	return 0;
}

/* "icmp frag-needed|packet-too-big mtu N [seq V]" after the colon. */
static int inject_icmp(struct cur *c, struct step *s)
{
	char w[32];
	const char *at;
	long long n;

	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, w, sizeof(w), "frag-needed or packet-too-big"))
		return -EINVAL;
	if (strcmp(w, "frag-needed") && strcmp(w, "packet-too-big"))
		return caselex_fail(
		    c, at, "expected frag-needed or packet-too-big after icmp, found '%s'", w);
	if (caselex_keyword(c, "mtu", "'mtu N' (the next hop's MTU)") ||
	    caselex_number(c, &n, 68, 65535, "an MTU (68-65535)"))
		return -EINVAL;
	s->inject.icmp_mtu = (unsigned)n;
	while (!caselex_at_end(c)) {
		caselex_ws(c);
		at = c->p;
		if (caselex_word(c, w, sizeof(w), "seq"))
			return -EINVAL;
		if (strcmp(w, "seq"))
			return caselex_fail(
			    c, at,
			    "an ICMP error takes only 'seq V' (the quoted segment's), "
			    "found '%s'",
			    w);
		if (inject_value(c, "sequence number", &s->inject.seq))
			return -EINVAL;
	}
	return 0;
}

int case_inject(struct cur *c)
{
	struct step *s = caselex_step(c, STEP_INJECT);
	char w[128];
	const char *at;

	if (!s)
		return -ENOMEM;
	s->inject.window = -1;
	if (inject_where(c, s))
		return -EINVAL;
	caselex_peek(c, w, sizeof(w));
	if (!strcmp(w, "icmp") && s->inject.dport)
		return caselex_fail(c, c->p,
				    "an ICMP error quotes a segment of a connection: 'into ACTOR', "
				    "not 'port N'");
	if (!strcmp(w, "icmp")) {
		c->p += 4;
		return inject_icmp(c, s);
	}
	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, w, sizeof(w), "tcp flags (rst, syn, ack, psh,ack, ...) or icmp") ||
	    case_net_flag_list(c, w, at, &s->inject.flags))
		return -EINVAL;
	while (!caselex_at_end(c)) {
		caselex_ws(c);
		at = c->p;
		if (caselex_word(c, w, sizeof(w), "an inject option"))
			return -EINVAL;
		if (inject_option(c, s, w, at))
			return -EINVAL;
	}
	if ((s->value || s->inject.payload) && (s->inject.flags & (TCPF_SYN | TCPF_RST)))
		return caselex_fail(c, at, "a SYN or RST carries no payload here");
	return 0;
}
