#define _GNU_SOURCE
#include "case_stmt.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"

static int rule_active(const struct case_model *m, const char *name)
{
	int active = 0;

	for (int i = 0; i < m->nsteps; i++)
		if ((m->steps[i].kind == STEP_RULE || m->steps[i].kind == STEP_REMOVE) &&
		    m->steps[i].key && !strcmp(m->steps[i].key, name))
			active = m->steps[i].kind == STEP_RULE;
	return active;
}

/* "syn,ack" into "syn|ack"; -EINVAL naming the bad flag. */
static int flag_list(struct cur *c, const char *w, const char *at, char *out, size_t len)
{
	static const char *flags[] = {"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr", NULL};
	char tmp[128], *save, *f;
	size_t n = 0;

	snprintf(tmp, sizeof(tmp), "%s", w);
	out[0] = '\0';
	for (f = strtok_r(tmp, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		int ok = 0;
		for (int i = 0; flags[i]; i++)
			ok |= !strcasecmp(f, flags[i]);
		if (!ok)
			return caselex_fail(c, at,
					    "unknown tcp flag '%s' (fin, syn, rst, psh, ack, urg, "
					    "ecn, cwr; several joined with ',')",
					    f);
		n += snprintf(out + n, len - n, "%s%s", n ? "|" : "", f);
		for (char *q = out; *q; q++)
			*q = (char)tolower((unsigned char)*q);
	}
	if (!n)
		return caselex_fail(c, at, "expected tcp flags such as syn or ack,fin");
	return 0;
}

static int port_range(struct cur *c, char *out, size_t len)
{
	char w[32], *end, *dash;
	const char *at;
	long a, b;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a port or a range such as 8000-8100")))
		return err;
	a = strtol(w, &end, 10);
	dash = end;
	b = a;
	if (*dash == '-')
		b = strtol(dash + 1, &end, 10);
	if (end == w || *end || a < 0 || b < a || b > 65535)
		return caselex_fail(c, at,
				    "expected a port or a range such as 8000-8100, found '%s'", w);
	if (a == b)
		snprintf(out, len, "%ld", a);
	else
		snprintf(out, len, "%ld-%ld", a, b);
	return 0;
}

int case_net_rule(struct cur *c)
{
	char name[64], w[128], flags[128], mask[128], ports[48], nft[1024] = "";
	const char *at;
	struct step *s;
	int a = -1, b = -1, err, tcp = 0;
	enum rule_dir dir = RULE_PATH;
	size_t n = 0;
	int reject;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_label(c, name, sizeof(name), "rule")))
		return err;
	if (!*name ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
		strlen(name) ||
	    strlen(name) > 24)
		return caselex_fail(
		    c, at, "bad rule name '%s' (letters, digits and '_', at most 24)", name);
	if (rule_active(c->m, name))
		return caselex_fail(c, at, "rule '%s' is already in place (remove it first)", name);
	caselex_peek(c, w, sizeof(w));
	if (!strcmp(w, "on")) {
		c->p += 2;
		if ((err = caselex_host(c, &a, 0, NULL)))
			return err;
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_word(c, w, sizeof(w), "'in' or 'out'")))
			return err;
		if (strcmp(w, "in") && strcmp(w, "out"))
			return caselex_fail(
			    c, at, "expected 'in' or 'out' after 'on HOST', found '%s'", w);
		dir = w[0] == 'i' ? RULE_ON_IN : RULE_ON_OUT;
	} else {
		if ((err = caselex_host(c, &a, 0, NULL)))
			return err;
		caselex_ws(c);
		at = c->p;
		if (strncmp(c->p, "->", 2))
			return caselex_fail(
			    c, at, "expected '->' between the hosts (A -> B), or 'on HOST in|out'");
		c->p += 2;
		if ((err = caselex_host(c, &b, 0, NULL)))
			return err;
		if (a == b)
			return caselex_fail(c, at, "expected two different hosts");
	}
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "drop or reject")))
		return err;
	if (strcmp(w, "drop") && strcmp(w, "reject"))
		return caselex_fail(c, at, "expected drop or reject, found '%s'", w);
	reject = w[0] == 'r';
	char tail[128] = "";
	while (!caselex_at_end(c)) {
		caselex_ws(c);
		at = c->p;
		caselex_word(c, w, sizeof(w), "a match");
		if (!strcmp(w, "tcp")) {
			caselex_ws(c);
			const char *fat = c->p;
			if ((err = caselex_word(c, w, sizeof(w), "'flags'")))
				return err;
			if (strcmp(w, "flags"))
				return caselex_fail(c, fat,
						    "expected 'flags' after tcp, found '%s'", w);
			int exact = 0;
			caselex_peek(c, w, sizeof(w));
			if (!strcmp(w, "==")) {
				exact = 1;
				c->p += 2 + (c->p[2] == ' ');
			}
			caselex_ws(c);
			fat = c->p;
			if ((err = caselex_word(c, w, sizeof(w), "tcp flags")) ||
			    (err = flag_list(c, w, fat, flags, sizeof(flags))))
				return err;
			caselex_peek(c, w, sizeof(w));
			if (!strcmp(w, "/")) {
				if (exact)
					return caselex_fail(
					    c, c->p, "use either '==' or '/ MASK', not both");
				c->p += 1;
				caselex_ws(c);
				fat = c->p;
				if ((err = caselex_word(c, w, sizeof(w), "the flags to examine")) ||
				    (err = flag_list(c, w, fat, mask, sizeof(mask))))
					return err;
				n += snprintf(nft + n, sizeof(nft) - n, " tcp flags & (%s) == %s",
					      mask, flags);
			} else if (exact) {
				n +=
				    snprintf(nft + n, sizeof(nft) - n,
					     " tcp flags & (fin|syn|rst|psh|ack|urg) == %s", flags);
			} else {
				n += snprintf(nft + n, sizeof(nft) - n, " tcp flags & (%s) != 0",
					      flags);
			}
			tcp = 1;
		} else if (!strcmp(w, "sport") || !strcmp(w, "dport")) {
			if ((err = port_range(c, ports, sizeof(ports))))
				return err;
			n += snprintf(nft + n, sizeof(nft) - n, " tcp %s %s", w, ports);
			tcp = 1;
		} else if (!strcmp(w, "after")) {
			long long v;
			if ((err = caselex_number(c, &v, 0, 2000000000, "a number")))
				return err;
			caselex_ws(c);
			const char *uat = c->p;
			if ((err = caselex_word(c, w, sizeof(w), "'packets' or 'bytes'")))
				return err;
			if (!strcmp(w, "packets"))
				snprintf(tail, sizeof(tail), " numgen inc mod 2147483647 >= %lld",
					 v);
			else if (!strcmp(w, "bytes"))
				snprintf(tail, sizeof(tail), " quota over %lld bytes", v);
			else
				return caselex_fail(c, uat,
						    "expected 'packets' or 'bytes', found '%s'", w);
		} else if (!strcmp(w, "proto")) {
			caselex_ws(c);
			const char *pat = c->p;
			if ((err = caselex_word(c, w, sizeof(w), "tcp, udp or icmp")))
				return err;
			if (strcmp(w, "tcp") && strcmp(w, "udp") && strcmp(w, "icmp"))
				return caselex_fail(c, pat, "expected tcp, udp or icmp, found '%s'",
						    w);
			if (!strcmp(w, "tcp"))
				tcp = 1;
			else
				n += snprintf(nft + n, sizeof(nft) - n, " meta l4proto %s",
					      w[0] == 'u' ? "udp" : "{ icmp, ipv6-icmp }");
		} else {
			return caselex_fail(c, at,
					    "unknown match '%s' (tcp flags, sport, dport, proto, "
					    "after N packets|bytes)",
					    w);
		}
	}
	s = caselex_step(c, STEP_RULE);
	if (!s)
		return -ENOMEM;
	s->key = strdup(name);
	s->host = a;
	s->peer = b;
	s->dir = dir;
	s->reject = reject;
	if (asprintf(&s->value, "%s%s%s counter %s", tcp ? "meta l4proto tcp" : "", nft, tail,
		     !reject ? "drop"
		     : tcp   ? "reject with tcp reset"
			     : "reject") < 0)
		return -ENOMEM;
	return 0;
}

int case_net_remove(struct cur *c)
{
	char name[64];
	const char *at;
	struct step *s;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, name, sizeof(name), "a rule name")) ||
	    (err = caselex_need_end(c)))
		return err;
	if (!rule_active(c->m, name))
		return caselex_fail(c, at, "no rule '%s' is in place", name);
	s = caselex_step(c, STEP_REMOVE);
	if (!s)
		return -ENOMEM;
	s->key = strdup(name);
	return 0;
}

/* "2%", "0.5%" into parts per million. */
static int percent(struct cur *c, unsigned *ppm)
{
	char w[32], *end;
	const char *at;
	double v;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a percentage such as 2%")))
		return err;
	v = strtod(w, &end);
	if (end == w || strcmp(end, "%") || v < 0 || v > 100)
		return caselex_fail(c, at, "expected a percentage from 0%% to 100%%, found '%s'",
				    w);
	*ppm = (unsigned)(v * 10000 + 0.5);
	return 0;
}

int case_net_netem(struct cur *c)
{
	struct step *s;
	char w[32];
	const char *at;
	int a, b, err;

	if ((err = caselex_host(c, &a, 0, NULL)))
		return err;
	caselex_ws(c);
	at = c->p;
	if (strncmp(c->p, "->", 2))
		return caselex_fail(c, at, "expected '->' between the hosts (netem A -> B ...)");
	c->p += 2;
	if ((err = caselex_host(c, &b, 0, NULL)))
		return err;
	if (a == b)
		return caselex_fail(c, at, "expected two different hosts");
	s = caselex_step(c, STEP_NETEM);
	if (!s)
		return -ENOMEM;
	s->host = a;
	s->peer = b;
	s->netem.seed = -1;
	if (caselex_at_end(c))
		return caselex_fail(c, c->p,
				    "expected delay, jitter, loss, duplicate, reorder, corrupt, "
				    "rate or seed");
	while (!caselex_at_end(c)) {
		at = c->p;
		caselex_word(c, w, sizeof(w), "a netem parameter");
		if (!strcmp(w, "delay"))
			err = caselex_duration(c, &s->netem.delay_ms, NULL);
		else if (!strcmp(w, "jitter"))
			err = caselex_duration(c, &s->netem.jitter_ms, NULL);
		else if (!strcmp(w, "loss"))
			err = percent(c, &s->netem.loss_ppm);
		else if (!strcmp(w, "duplicate"))
			err = percent(c, &s->netem.duplicate_ppm);
		else if (!strcmp(w, "reorder"))
			err = percent(c, &s->netem.reorder_ppm);
		else if (!strcmp(w, "corrupt"))
			err = percent(c, &s->netem.corrupt_ppm);
		else if (!strcmp(w, "seed"))
			err = caselex_number(c, &s->netem.seed, 0, 0xffffffffLL, "a seed");
		else if (!strcmp(w, "rate")) {
			char r[32], *end;
			caselex_ws(c);
			const char *rat = c->p;
			if ((err = caselex_word(c, r, sizeof(r), "a rate such as 10mbit")))
				return err;
			double v = strtod(r, &end);
			double mul = !strcmp(end, "bit")    ? 1
				     : !strcmp(end, "kbit") ? 1e3
				     : !strcmp(end, "mbit") ? 1e6
				     : !strcmp(end, "gbit") ? 1e9
							    : -1;
			if (end == r || mul < 0 || v <= 0)
				return caselex_fail(c, rat,
						    "expected a rate such as 500kbit or 10mbit, "
						    "found '%s'",
						    r);
			s->netem.rate_bps = (unsigned long long)(v * mul);
		} else
			return caselex_fail(c, at,
					    "unknown netem parameter '%s' (delay, jitter, loss, "
					    "duplicate, reorder, corrupt, rate, seed)",
					    w);
		if (err)
			return err;
	}
	if (s->netem.jitter_ms && !s->netem.delay_ms)
		return caselex_fail(c, c->line, "jitter needs a delay");
	return 0;
}

int case_net_firewall(struct cur *c)
{
	char w[32];
	const char *at, *hat;
	struct step *s;
	unsigned ms;
	int h, err;

	caselex_ws(c);
	hat = c->p;
	if ((err = caselex_host(c, &h, 0, NULL)))
		return err;
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "'idle-timeout'")))
		return err;
	if (strcmp(w, "idle-timeout"))
		return caselex_fail(c, at, "expected idle-timeout, found '%s'", w);
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_duration(c, &ms, NULL)))
		return err;
	if (ms < 1000)
		return caselex_fail(c, at,
				    "the idle timeout is at least 1s (conntrack counts seconds)");
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "'expired rst' or 'expired drop'")))
		return err;
	if (strcmp(w, "expired"))
		return caselex_fail(c, at, "expected 'expired rst' or 'expired drop', found '%s'",
				    w);
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "rst or drop")))
		return err;
	if (strcmp(w, "rst") && strcmp(w, "drop"))
		return caselex_fail(c, at, "expected rst or drop after expired, found '%s'", w);
	if ((err = caselex_need_end(c)))
		return err;
	if (c->m->topo.hosts[h].nlinks < 2)
		return caselex_fail(c, hat,
				    "a firewall sits between hosts: '%s' needs two links (declare "
				    "them first)",
				    c->m->topo.hosts[h].name);
	s = caselex_step(c, STEP_FIREWALL);
	if (!s)
		return -ENOMEM;
	s->host = h;
	s->duration_ms = ms;
	s->reject = w[0] == 'r';
	return 0;
}

/* ---- the file ---- */
