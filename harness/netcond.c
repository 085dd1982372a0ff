#define _GNU_SOURCE
#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netcond.h"
#include "actor.h"
#include "capture.h"
#include "ladder.h"
#include "pktdecode.h"
#include "ssfmt.h"
#include "../netns/conntrack.h"
#include "../netns/counters.h"
#include "../netns/link.h"
#include "../netns/qdisc.h"
#include "../netns/nft.h"
#include "../netns/procsock.h"
#include "../netns/ns.h"
#include "../netns/sockdiag.h"
#include "../netns/sysctl.h"

int netcond_cut(struct run *r, const struct step *s, int restore)
{
	const struct topo *t = &r->m->topo;
	char cmd[4096], why[512];
	int hs[2] = {s->host, s->peer};

	for (int k = 0; k < 2; k++) {
		int h = hs[k], o = hs[!k];
		size_t n = 0;

		if (restore) {
			snprintf(cmd, sizeof(cmd), "delete table inet netcase_cut_%s\n",
				 run_host(r, o));
		} else {
			n += snprintf(
			    cmd + n, sizeof(cmd) - n,
			    "table inet netcase_cut_%s {\n chain in {\n"
			    "  type filter hook prerouting priority -300; policy accept;\n",
			    run_host(r, o));
			for (int l = 0; l < t->nlinks; l++) {
				int side = topo_link_side(t, l, o);
				if (side < 0)
					continue;
				n += snprintf(
				    cmd + n, sizeof(cmd) - n,
				    "  ip saddr %s counter drop\n  ip6 saddr %s counter drop\n",
				    t->links[l].v4[side], t->links[l].v6[side]);
			}
			snprintf(cmd + n, sizeof(cmd) - n, " }\n}\n");
		}
		int err = nft_run(run_ns(r, h), cmd, why, sizeof(why));
		if (err) {
			run_fail(r, "%s:%d: %s %s %s: nftables: %s", r->m->file, s->line,
				 restore ? "restore" : "cut", run_host(r, s->host),
				 run_host(r, s->peer), why);
			return err == -EPERM ? VERDICT_SKIP : VERDICT_ERROR;
		}
	}
	r->nft_used = 1;
	run_log(r, "%s %s %s", restore ? "restore" : "cut", run_host(r, s->host),
		run_host(r, s->peer));
	return 0;
}

/* The IPv4 and IPv6 addresses of host h as nft sets: "{ a, b }". */
static void addr_sets(struct run *r, int h, char *v4, char *v6, size_t len)
{
	const struct topo *t = &r->m->topo;
	size_t n4 = 0, n6 = 0;

	n4 += snprintf(v4, len, "{ ");
	n6 += snprintf(v6, len, "{ ");
	for (int l = 0; l < t->nlinks; l++) {
		int side = topo_link_side(t, l, h);
		if (side < 0)
			continue;
		n4 += snprintf(v4 + n4, len - n4, "%s%s", n4 > 2 ? ", " : "", t->links[l].v4[side]);
		n6 += snprintf(v6 + n6, len - n6, "%s%s", n6 > 2 ? ", " : "", t->links[l].v6[side]);
	}
	snprintf(v4 + n4, len - n4, " }");
	snprintf(v6 + n6, len - n6, " }");
}

/*
 * Where packets from a to b are caught: on b's input when b is a's
 * neighbour on the path, else in the forward path of the first router;
 * never on a's own egress.  Sets *host, *hook and the address matches.
 */
static int place(struct run *r, int a, int b, int *host, const char **hook, char *m4, char *m6,
		 size_t len)
{
	const struct topo *t = &r->m->topo;
	int l = topo_next_link(t, a, b), side, nb;
	char s4[512], s6[512], d4[512], d6[512];

	if (l < 0)
		return -EHOSTUNREACH;
	side = topo_link_side(t, l, a);
	nb = side ? t->links[l].a : t->links[l].b;
	addr_sets(r, a, s4, s6, sizeof(s4));
	*host = nb;
	if (nb == b) {
		*hook = "input";
		snprintf(m4, len, "ip saddr %s", s4);
		snprintf(m6, len, "ip6 saddr %s", s6);
	} else {
		*hook = "forward";
		addr_sets(r, b, d4, d6, sizeof(d4));
		snprintf(m4, len, "ip saddr %s ip daddr %s", s4, d4);
		snprintf(m6, len, "ip6 saddr %s ip6 daddr %s", s6, d6);
	}
	return 0;
}

static int nft_step(struct run *r, const struct step *s, int h, const char *cmd)
{
	char why[512];
	int err = nft_run(run_ns(r, h), cmd, why, sizeof(why));

	if (err) {
		run_fail(r, "%s:%d: nftables in %s: %s", r->m->file, s->line, run_host(r, h), why);
		return err == -EPERM ? VERDICT_SKIP : VERDICT_ERROR;
	}
	r->nft_used = 1;
	return 0;
}

int netcond_rule(struct run *r, const struct step *s, int idx)
{
	char cmd[4096], m4[1100] = "", m6[1100] = "";
	const char *hook = s->dir == RULE_ON_OUT ? "output" : "input";
	int h = s->host;

	if (s->dir == RULE_PATH && place(r, s->host, s->peer, &h, &hook, m4, m6, sizeof(m4))) {
		run_fail(r, "%s:%d: no path from %s to %s", r->m->file, s->line,
			 run_host(r, s->host), run_host(r, s->peer));
		return VERDICT_ERROR;
	}
	if (s->dir == RULE_PATH)
		snprintf(cmd, sizeof(cmd),
			 "table inet netcase_rules {\n chain r_%s {\n"
			 "  type filter hook %s priority -300; policy accept;\n"
			 "  %s %s\n  %s %s\n }\n}\n",
			 s->key, hook, m4, s->value, m6, s->value);
	else
		snprintf(cmd, sizeof(cmd),
			 "table inet netcase_rules {\n chain r_%s {\n"
			 "  type filter hook %s priority -300; policy accept;\n  %s\n }\n}\n",
			 s->key, hook, s->value);
	int v = nft_step(r, s, h, cmd);
	if (v)
		return v;
	r->rule_host[idx] = h;
	run_log(r, "rule %s in %s (%s): %s", s->key, run_host(r, h), hook, s->value);
	return 0;
}

int netcond_remove(struct run *r, const struct step *s, int idx)
{
	char cmd[256];

	for (int i = idx - 1; i >= 0; i--) {
		const struct step *p = &r->m->steps[i];
		if (p->kind != STEP_RULE || strcmp(p->key, s->key) || r->rule_host[i] < 0)
			continue;
		snprintf(cmd, sizeof(cmd), "delete chain inet netcase_rules r_%s\n", s->key);
		int v = nft_step(r, s, r->rule_host[i], cmd);
		if (!v)
			run_log(r, "remove %s from %s", s->key, run_host(r, r->rule_host[i]));
		return v;
	}
	return 0; /* the rule was never placed (an earlier step failed) */
}

/* Qdiscs on the link end where packets from A reach B's side: an ifb fed by
 * B's ingress when B is A's neighbour, or the router's egress. */
static int impair_qdisc(struct run *r, const struct step *s, int h, const char *hook, int l,
			const struct qdisc_netem *p)
{
	const struct netem_spec *n = &s->netem;
	const struct topo *t = &r->m->topo;
	int side = topo_link_side(t, l, h), err;
	const char *dev = t->links[l].ifname[side], *where = dev;
	char ifb[16];

	if (!strcmp(hook, "input")) {
		snprintf(ifb, sizeof(ifb), "ifb%d-%d", l, side);
		err = link_ifb_add(run_ns(r, h), ifb);
		if (!err)
			err = qdisc_ingress_redirect(run_ns(r, h), dev, ifb);
		if (err && err != -EEXIST) {
			run_fail(r, "%s:%d: ifb for %s ingress: %s", r->m->file, s->line, dev,
				 strerror(-err));
			return err == -EOPNOTSUPP || err == -ENOENT ? VERDICT_SKIP : VERDICT_ERROR;
		}
		where = ifb;
	}
	err = qdisc_impair_add(run_ns(r, h), where, p, n->rate_bps);
	if (err) {
		run_fail(r, "%s:%d: qdiscs on %s in %s: %s", r->m->file, s->line, where,
			 run_host(r, h), strerror(-err));
		return VERDICT_ERROR;
	}
	run_log(r,
		"netem %s -> %s on %s in %s (%s): delay %ums jitter %ums loss %g%% duplicate %g%% "
		"reorder %g%% corrupt %g%%%s, rate %llu bit/s%s",
		run_host(r, s->host), run_host(r, s->peer), where, run_host(r, h),
		strcmp(hook, "input") ? "router egress" : "receiver ingress", n->delay_ms,
		n->jitter_ms, n->loss_ppm / 1e4, n->duplicate_ppm / 1e4, n->reorder_ppm / 1e4,
		n->corrupt_ppm / 1e4, p->loss || !n->loss_ppm ? "" : " (loss by nft)", n->rate_bps,
		n->seed >= 0 ? "; seed not applied (netem takes none here)" : "");
	return 0;
}

int netcond_netem(struct run *r, const struct step *s, int idx)
{
	const struct netem_spec *n = &s->netem;
	const struct topo *t = &r->m->topo;
	char cmd[4096], m4[1100], m6[1100];
	const char *hook;
	int h, v, have, l;
	int needs_netem =
	    n->delay_ms || n->jitter_ms || n->duplicate_ppm || n->reorder_ppm || n->corrupt_ppm;

	if (place(r, s->host, s->peer, &h, &hook, m4, m6, sizeof(m4))) {
		run_fail(r, "%s:%d: no path from %s to %s", r->m->file, s->line,
			 run_host(r, s->host), run_host(r, s->peer));
		return VERDICT_ERROR;
	}
	have = qdisc_netem_available(run_ns(r, h));
	if (have < 0) {
		run_fail(r, "%s:%d: probing for netem: %s", r->m->file, s->line, strerror(-have));
		return VERDICT_ERROR;
	}
	if (needs_netem && !have) {
		run_fail(r,
			 "%s:%d: delay, jitter, duplicate, reorder and corrupt need sch_netem "
			 "(CONFIG_NET_SCH_NETEM), which this kernel lacks",
			 r->m->file, s->line);
		return VERDICT_SKIP;
	}
	/* one drop must be one segment: offloads off on the impaired link */
	l = topo_next_link(t, h, s->host);
	for (int side = 0; side < 2 && l >= 0; side++) {
		int host = side ? t->links[l].b : t->links[l].a;
		int err = link_offloads_set(run_ns(r, host), t->links[l].ifname[side], 0);
		if (err) {
			run_fail(r, "%s:%d: offloads off on %s: %s", r->m->file, s->line,
				 t->links[l].ifname[side], strerror(-err));
			return VERDICT_ERROR;
		}
	}
	if (!strcmp(hook, "forward"))
		l = topo_next_link(t, h, s->peer); /* the router's egress towards B */
	/* netem takes the loss too where it exists; rate is a tbf either way */
	struct qdisc_netem p = {0};
	if (have) {
		p.delay_us = n->delay_ms * 1000;
		p.jitter_us = n->jitter_ms * 1000;
		p.loss = qdisc_prob_from_ppm(n->loss_ppm);
		p.duplicate = qdisc_prob_from_ppm(n->duplicate_ppm);
		p.reorder = qdisc_prob_from_ppm(n->reorder_ppm);
		p.corrupt = qdisc_prob_from_ppm(n->corrupt_ppm);
	}
	if ((have && (needs_netem || n->loss_ppm)) || n->rate_bps) {
		v = impair_qdisc(r, s, h, hook, l, &p);
		if (v)
			return v;
	}
	if (have || !n->loss_ppm)
		return 0;
	snprintf(cmd, sizeof(cmd),
		 "table inet netcase_rules {\n chain netem_%d {\n"
		 "  type filter hook %s priority -310; policy accept;\n"
		 "  %s numgen random mod 1000000 < %u counter drop\n"
		 "  %s numgen random mod 1000000 < %u counter drop\n }\n}\n",
		 idx, hook, m4, n->loss_ppm, m6, n->loss_ppm);
	v = nft_step(r, s, h, cmd);
	if (!v)
		run_log(r, "netem %s -> %s: loss %u.%04u%% as an nft numgen drop in %s (%s)%s",
			run_host(r, s->host), run_host(r, s->peer), n->loss_ppm / 10000,
			n->loss_ppm % 10000, run_host(r, h), hook,
			n->seed >= 0 ? "; seed not applicable to numgen" : "");
	return v;
}

int netcond_firewall(struct run *r, const struct step *s)
{
	unsigned secs = (s->duration_ms + 999) / 1000;
	char cmd[4096];
	int v;

	snprintf(cmd, sizeof(cmd),
		 "table inet netcase_fw {\n"
		 " ct timeout idle4 { protocol tcp; l3proto ip; policy = { established: %u }; }\n"
		 " ct timeout idle6 { protocol tcp; l3proto ip6; policy = { established: %u }; }\n"
		 " chain pre {\n  type filter hook prerouting priority filter; policy accept;\n"
		 "  meta nfproto ipv4 meta l4proto tcp ct timeout set \"idle4\"\n"
		 "  meta nfproto ipv6 meta l4proto tcp ct timeout set \"idle6\"\n }\n"
		 " chain forward_fw {\n  type filter hook forward priority filter; policy accept;\n"
		 "  meta l4proto != tcp accept\n"
		 "  ct state established,related accept\n"
		 "  tcp flags & (syn|ack|fin|rst) == syn ct state new counter accept\n"
		 "  counter %s\n }\n}\n",
		 secs, secs, s->reject ? "reject with tcp reset" : "drop");
	v = nft_step(r, s, s->host, cmd);
	if (v)
		return v;
	/* conntrack is live in the namespace now: no mid-stream pickup */
	v = run_sysctl(r, s, s->host, "net.netfilter.nf_conntrack_tcp_loose", "0", 0);
	if (v)
		return v;
	r->firewall[s->host] = 1;
	run_log(r, "firewall %s: conntrack, established idle timeout %us, expired flows get %s",
		run_host(r, s->host), secs, s->reject ? "RST" : "dropped");
	return 0;
}
