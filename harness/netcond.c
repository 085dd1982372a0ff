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
#include "impair.h"
#include "../lang/place.h"
#include "actor.h"
#include "capture.h"
#include "ladder.h"
#include "pktdecode.h"
#include "ssfmt.h"
#include "../netns/conntrack.h"
#include "../netns/counters.h"
#include "../netns/ip.h"
#include "../netns/link.h"
#include "../netns/qdisc.h"
#include "../netns/nft.h"
#include "../netns/procsock.h"
#include "../netns/ns.h"
#include "../netns/sockdiag.h"
#include "../netns/sysctl.h"

/* Commands are built in memory streams: any number of hosts and links. */
struct cmdbuf {
	char *text;
	size_t len;
	FILE *f;
};

static FILE *cmd_open(struct cmdbuf *b)
{
	b->text = NULL;
	b->len = 0;
	b->f = open_memstream(&b->text, &b->len);
	return b->f;
}

/* A stream that opens "table inet TABLE { chain CHAIN { type TYPE hook
 * HOOK priority PRIO; policy accept;" (TYPE "filter" unless the hook is
 * "postrouting", where it is "nat"); the caller writes the rules and ends
 * both blocks with " }\n}\n".  NULL without memory. */
static FILE *chain_open(struct cmdbuf *b, const char *table, const char *chain, const char *hook,
			int prio)
{
	FILE *f = cmd_open(b);

	if (f)
		fprintf(f,
			"table inet %s {\n chain %s {\n  type %s hook %s priority %d; policy "
			"accept;\n",
			table, chain, strcmp(hook, "postrouting") ? "filter" : "nat", hook, prio);
	return f;
}

/* Close the stream; the text, or NULL if it could not be had (free it). */
static char *cmd_close(struct cmdbuf *b)
{
	if (!b->f || fclose(b->f)) {
		free(b->text);
		return NULL;
	}
	return b->text;
}

/* Best effort, after a later step failed: the first error is the one reported. */
static void nft_undo(struct run *r, int h, const char *cmd)
{
	char why[256];

	if (nft_run(run_ns(r, h), cmd, why, sizeof(why)))
		run_log(r, "undo in %s failed: %s", run_host(r, h), why);
}

static int nft_step(struct run *r, const struct step *s, int h, const char *cmd)
{
	char why[512];
	int err = cmd ? nft_run(run_ns(r, h), cmd, why, sizeof(why)) : -ENOMEM;

	if (err) {
		return run_fail(r, s, VOP_NFT, err, "nftables in %s: %s", run_host(r, h),
				cmd ? why : strerror(-err));
	}
	r->nft_used = 1;
	return 0;
}

/* In host h: drop everything whose source is one of host o's addresses. */
static char *cut_table(struct run *r, int o)
{
	const struct topo *t = &r->m->topo;
	char table[64];
	struct cmdbuf b;
	FILE *f;

	snprintf(table, sizeof(table), "netcase_cut_%s", run_host(r, o));
	f = chain_open(&b, table, "in", "prerouting", -300);
	if (!f)
		return NULL;
	const char *a;
	for (int it = 0; (a = topo_host_addr_next(t, o, AF_UNSPEC, &it));)
		fprintf(f, "  %s saddr %s counter drop\n", strchr(a, ':') ? "ip6" : "ip", a);
	fputs(" }\n}\n", f);
	return cmd_close(&b);
}

int netcond_cut(struct run *r, const struct step *s, int restore)
{
	int hs[2] = {s->host, s->peer};

	for (int k = 0; k < 2; k++) {
		char *cmd = NULL;
		int v;

		if (restore &&
		    asprintf(&cmd, "delete table inet netcase_cut_%s\n", run_host(r, hs[!k])) < 0)
			cmd = NULL;
		else if (!restore)
			cmd = cut_table(r, hs[!k]);
		v = nft_step(r, s, hs[k], cmd);
		free(cmd);
		if (v && k && !restore &&
		    asprintf(&cmd, "delete table inet netcase_cut_%s\n", run_host(r, hs[1])) >= 0) {
			/* the first host's half of the cut goes again */
			nft_undo(r, hs[0], cmd);
			free(cmd);
		}
		if (v)
			return v;
	}
	run_log(r, "%s %s %s", restore ? "restore" : "cut", run_host(r, s->host),
		run_host(r, s->peer));
	return 0;
}

/* The chain of rule s in host h at hook, for each family's match (or none). */
static char *rule_chain(struct run *r, const struct step *s, const struct place *p,
			const char *hook)
{
	char chain[64];
	struct cmdbuf b;
	FILE *f;

	snprintf(chain, sizeof(chain), "r_%s", s->rule.name);
	f = chain_open(&b, "netcase_rules", chain, hook, -300);
	if (!f)
		return NULL;
	for (int fam = 0; fam < 2; fam++) {
		/* an ICMP type belongs to one family */
		if (p && s->rule.proto == (fam ? RULE_PROTO_ICMPV4 : RULE_PROTO_ICMPV6))
			continue;
		fputs("  ", f);
		if (p) {
			place_match(&r->m->topo, s->host, s->peer, p, fam ? AF_INET6 : AF_INET, f);
			fputc(' ', f);
		}
		place_rule_format(&s->rule, f);
		fputc('\n', f);
		if (!p)
			break;
	}
	fputs(" }\n}\n", f);
	return cmd_close(&b);
}

int netcond_rule(struct run *r, const struct step *s, int idx)
{
	const char *hook = s->rule.dir == RULE_ON_OUT ? "output" : "input";
	struct place p;
	char *cmd;
	int h = s->host, v;

	if (s->rule.dir == RULE_PATH) {
		if (place_path(&r->m->topo, s->host, s->peer, &p)) {
			return run_fail(r, s, VOP_ROUTE, -EHOSTUNREACH, "no path from %s to %s",
					run_host(r, s->host), run_host(r, s->peer));
		}
		h = p.host;
		hook = p.forward ? "forward" : "input";
	}
	cmd = rule_chain(r, s, s->rule.dir == RULE_PATH ? &p : NULL, hook);
	v = nft_step(r, s, h, cmd);
	free(cmd);
	if (v)
		return v;
	r->rule_host[idx] = h;
	run_log(r, "rule %s in %s (%s): %s", s->rule.name, run_host(r, h), hook, s->source);
	return 0;
}

int netcond_remove(struct run *r, const struct step *s, int idx)
{
	char cmd[256];

	for (int i = idx - 1; i >= 0; i--) {
		const struct step *p = &r->m->steps[i];
		if (p->kind != STEP_RULE || strcmp(p->rule.name, s->rule.name) ||
		    r->rule_host[i] < 0)
			continue;
		snprintf(cmd, sizeof(cmd), "delete chain inet netcase_rules r_%s\n", s->rule.name);
		int v = nft_step(r, s, r->rule_host[i], cmd);
		if (!v)
			run_log(r, "remove %s from %s", s->rule.name, run_host(r, r->rule_host[i]));
		return v;
	}
	return 0; /* the rule was never placed (an earlier step failed) */
}

/* Take back an ifb and the ingress redirect feeding it. */
static void undo_ifb(struct run *r, int h, const char *dev, const char *ifb)
{
	int err = qdisc_ingress_del(run_ns(r, h), dev);

	if (err)
		run_log(r, "undo: ingress qdisc of %s in %s: %s", dev, run_host(r, h),
			strerror(-err));
	if ((err = link_del(run_ns(r, h), ifb)))
		run_log(r, "undo: %s in %s: %s", ifb, run_host(r, h), strerror(-err));
}

/* Qdiscs on the link end where packets from A reach B's side: an ifb fed by
 * B's ingress when B is A's neighbour, or the router's egress. */
static int impair_qdisc(struct run *r, const struct step *s, const struct place *pl,
			const struct qdisc_netem *p)
{
	const struct netem_spec *n = &s->netem;
	const struct topo *t = &r->m->topo;
	int h = pl->host, l = pl->forward ? pl->out_link : pl->in_link;
	int side = topo_link_side(t, l, h), err, made = 0;
	const char *dev = t->links[l].ifname[side], *where = dev;
	char ifb[16];

	if (!pl->forward) {
		snprintf(ifb, sizeof(ifb), "ifb%d-%d", l, side);
		err = link_ifb_add(run_ns(r, h), ifb);
		made = !err;
		if (!err) {
			err = qdisc_ingress_redirect(run_ns(r, h), dev, ifb);
			if (err && err != -EEXIST)
				link_del(run_ns(r, h), ifb); /* no ifb left without its feed */
		}
		if (err && err != -EEXIST) {
			return run_fail(r, s, VOP_IFB, err, "ifb for %s ingress: %s", dev,
					strerror(-err));
		}
		where = ifb;
	}
	err = qdisc_impair_add(run_ns(r, h), where, p, n->rate_bps);
	if (err) {
		int v = run_fail(r, s, VOP_QDISC, err, "qdiscs on %s in %s: %s", where,
				 run_host(r, h), strerror(-err));
		if (made) /* the ifb this step made goes, with its feed */
			undo_ifb(r, h, dev, ifb);
		return v;
	}
	run_log(r,
		"netem %s -> %s on %s in %s (%s): delay %ums jitter %ums loss %g%% duplicate %g%% "
		"reorder %g%% corrupt %g%%%s, rate %llu bit/s%s",
		run_host(r, s->host), run_host(r, s->peer), where, run_host(r, h),
		pl->forward ? "router egress" : "receiver ingress", n->delay_ms, n->jitter_ms,
		n->loss_ppm / 1e4, n->duplicate_ppm / 1e4, n->reorder_ppm / 1e4,
		n->corrupt_ppm / 1e4, p->loss || !n->loss_ppm ? "" : " (loss by nft)", n->rate_bps,
		n->seed >= 0 ? "; seed not applied (netem takes none here)" : "");
	return 0;
}

/* One drop must be one segment: offloads off on both ends of the impaired link. */
static int offloads_off(struct run *r, const struct step *s, int l)
{
	const struct topo *t = &r->m->topo;

	for (int side = 0; side < 2; side++) {
		int host = side ? t->links[l].b : t->links[l].a;
		int err = link_offloads_set(run_ns(r, host), t->links[l].ifname[side], 0);
		if (err) {
			return run_fail(r, s, VOP_LINK, err, "offloads off on %s: %s",
					t->links[l].ifname[side], strerror(-err));
		}
	}
	return 0;
}

/* Loss without netem: an nft numgen drop where the packets are caught. */
static int loss_by_nft(struct run *r, const struct step *s, const struct place *pl, int idx)
{
	const struct netem_spec *n = &s->netem;
	char chain[32], *cmd;
	struct cmdbuf b;
	FILE *f;
	int v;

	snprintf(chain, sizeof(chain), "netem_%d", idx);
	f = chain_open(&b, "netcase_rules", chain, pl->forward ? "forward" : "input", -310);
	if (f) {
		for (int fam = 0; fam < 2; fam++) {
			fputs("  ", f);
			place_match(&r->m->topo, s->host, s->peer, pl, fam ? AF_INET6 : AF_INET, f);
			fprintf(f, " numgen random mod 1000000 < %u counter drop\n", n->loss_ppm);
		}
		fputs(" }\n}\n", f);
	}
	cmd = cmd_close(&b);
	v = nft_step(r, s, pl->host, cmd);
	free(cmd);
	if (!v)
		run_log(r, "netem %s -> %s: loss %u.%04u%% as an nft numgen drop in %s (%s)%s",
			run_host(r, s->host), run_host(r, s->peer), n->loss_ppm / 10000,
			n->loss_ppm % 10000, run_host(r, pl->host),
			pl->forward ? "forward" : "input",
			n->seed >= 0 ? "; seed not applicable to numgen" : "");
	return v;
}

int netcond_netem(struct run *r, const struct step *s, int idx)
{
	const struct netem_spec *n = &s->netem;
	struct qdisc_netem p = {0};
	struct place pl;
	int have, v;
	int needs_netem =
	    n->delay_ms || n->jitter_ms || n->duplicate_ppm || n->reorder_ppm || n->corrupt_ppm;

	if (r->netem_dir[idx] >= 0)
		return impair_relay_step(r, s, idx);
	if (place_path(&r->m->topo, s->host, s->peer, &pl)) {
		return run_fail(r, s, VOP_ROUTE, -EHOSTUNREACH, "no path from %s to %s",
				run_host(r, s->host), run_host(r, s->peer));
	}
	have = qdisc_netem_available(run_ns(r, pl.host));
	if (have < 0) {
		return run_fail(r, s, VOP_QDISC, have, "probing for netem: %s", strerror(-have));
	}
	if (needs_netem && !have) {
		return run_fail(r, s, VOP_NETEM, -EOPNOTSUPP,
				"delay, jitter, duplicate, reorder and corrupt need sch_netem "
				"(CONFIG_NET_SCH_NETEM), which this kernel lacks");
	}
	if (n->jitter_normal)
		return run_fail(r, s, VOP_QDISC, -EOPNOTSUPP,
				"distribution normal: netcase loads no netem distribution table; "
				"the relay draws it (without --impair netem)");
	if ((v = offloads_off(r, s, pl.in_link)))
		return v;
	/* netem takes the loss too where it exists; rate is a tbf either way */
	if (have) {
		p.delay_us = n->delay_ms * 1000;
		p.jitter_us = n->jitter_ms * 1000;
		p.loss = qdisc_prob_from_ppm(n->loss_ppm);
		p.duplicate = qdisc_prob_from_ppm(n->duplicate_ppm);
		p.reorder = qdisc_prob_from_ppm(n->reorder_ppm);
		p.corrupt = qdisc_prob_from_ppm(n->corrupt_ppm);
		p.limit = n->limit;
		p.gap = n->reorder_gap;
	}
	if ((have && (needs_netem || n->loss_ppm)) || n->rate_bps)
		if ((v = impair_qdisc(r, s, &pl, &p)))
			return v;
	if (have || !n->loss_ppm)
		return 0;
	return loss_by_nft(r, s, &pl, idx);
}

/* The interface of host h towards host `to` (its next hop), or NULL. */
static const char *ifname_towards(struct run *r, int h, int to);

int netcond_firewall(struct run *r, const struct step *s)
{
	unsigned secs = (s->duration_ms + 999) / 1000;
	const char *in = s->peer >= 0 ? ifname_towards(r, s->host, s->peer) : NULL;
	char cmd[4096], from[64] = "";
	char limit[96] = "";
	int v;

	if (in)
		snprintf(from, sizeof(from), "iifname \"%s\" ", in);
	/* connlimit: a new flow joins the count unless it is already over */
	if (s->flows)
		snprintf(limit, sizeof(limit), "ct state new ct count over %d counter drop\n",
			 s->flows);
	/* one idle timeout for TCP's established flows and UDP's, replied or not */
	snprintf(
	    cmd, sizeof(cmd),
	    "table inet netcase_fw {\n"
	    " ct timeout idle4 { protocol tcp; l3proto ip; policy = { established: %u }; }\n"
	    " ct timeout idle6 { protocol tcp; l3proto ip6; policy = { established: %u }; }\n"
	    " ct timeout udp4 { protocol udp; l3proto ip; policy = { unreplied: %u, replied: %u "
	    "}; }\n"
	    " ct timeout udp6 { protocol udp; l3proto ip6; policy = { unreplied: %u, replied: %u "
	    "}; }\n"
	    " chain pre {\n  type filter hook prerouting priority filter; policy accept;\n"
	    "  meta nfproto ipv4 meta l4proto tcp ct timeout set \"idle4\"\n"
	    "  meta nfproto ipv6 meta l4proto tcp ct timeout set \"idle6\"\n"
	    "  meta nfproto ipv4 meta l4proto udp ct timeout set \"udp4\"\n"
	    "  meta nfproto ipv6 meta l4proto udp ct timeout set \"udp6\"\n }\n"
	    " chain forward_fw {\n  type filter hook forward priority filter; policy accept;\n"
	    "  meta l4proto != { tcp, udp } accept\n"
	    "  ct state established,related accept\n"
	    "  %s"
	    "  %smeta l4proto tcp %sct state new counter accept\n"
	    "  %smeta l4proto udp ct state new counter accept\n"
	    "  meta l4proto tcp counter %s\n"
	    "  counter %s\n }\n}\n",
	    secs, secs, secs, secs, secs, secs, limit, from,
	    s->pickup ? "" : "tcp flags & (syn|ack|fin|rst) == syn ", from,
	    s->reject ? "reject with tcp reset" : "drop", s->reject ? "reject" : "drop");
	v = nft_step(r, s, s->host, cmd);
	if (v)
		return v;
	/* conntrack is live in the namespace now: mid-stream pickup or not */
	v = run_sysctl(r, s, s->host, "net.netfilter.nf_conntrack_tcp_loose", s->pickup ? "1" : "0",
		       0);
	if (v) {
		/* undo the half that was done: no firewall without its setting */
		nft_undo(r, s->host, "delete table inet netcase_fw\n");
		return v;
	}
	r->middlebox[s->host] = 1;
	run_log(r,
		"firewall %s: conntrack, TCP and UDP idle timeout %us, expired flows get %s, new "
		"flows %s%s%s",
		run_host(r, s->host), secs,
		s->reject ? "RST (UDP: ICMP port unreachable)" : "dropped",
		s->pickup ? "from any packet (pickup)" : "only from a SYN (TCP)",
		in ? " and only from the inside, towards " : "", in ? run_host(r, s->peer) : "");
	return 0;
}

/* The interface of host h towards host `to` (its next hop), or NULL. */
static const char *ifname_towards(struct run *r, int h, int to)
{
	const struct topo *t = &r->m->topo;
	int l = topo_next_link(t, h, to);

	return l < 0 ? NULL : t->links[l].ifname[topo_link_side(t, l, h)];
}

int netcond_nat(struct run *r, const struct step *s)
{
	const char *dev = ifname_towards(r, s->host, s->peer);
	char chain[64], *cmd;
	struct cmdbuf b;
	FILE *f;
	int v;

	snprintf(chain, sizeof(chain), "to_%s", run_host(r, s->peer));
	f = chain_open(&b, "netcase_nat", chain, "postrouting", 100);
	if (f && s->port_hi)
		/* a port range needs a protocol with ports */
		fprintf(f,
			"  oifname \"%s\" meta l4proto { tcp, udp } counter masquerade to :%d-%d\n",
			dev, s->port_lo, s->port_hi);
	if (f)
		fprintf(f, "  oifname \"%s\" counter masquerade\n }\n}\n", dev);
	cmd = cmd_close(&b);
	v = nft_step(r, s, s->host, cmd);
	free(cmd);
	if (v)
		return v;
	r->middlebox[s->host] = 1;
	if (s->port_hi)
		run_log(r, "nat %s: masquerade towards %s on %s, tcp/udp source ports %d-%d",
			run_host(r, s->host), run_host(r, s->peer), dev, s->port_lo, s->port_hi);
	else
		run_log(r, "nat %s: masquerade towards %s on %s", run_host(r, s->host),
			run_host(r, s->peer), dev);
	return 0;
}

int netcond_mss_clamp(struct run *r, const struct step *s)
{
	char cmd[512], mss[32];
	int v;

	snprintf(mss, sizeof(mss), "%d", s->mss);
	snprintf(
	    cmd, sizeof(cmd),
	    "table inet netcase_mss {\n chain forward_mss {\n  type filter hook forward priority "
	    "mangle; policy accept;\n  tcp flags & (syn|rst) == syn counter tcp option "
	    "maxseg size set %s\n }\n}\n",
	    s->mss ? mss : "rt mtu");
	v = nft_step(r, s, s->host, cmd);
	if (!v)
		run_log(r, "mss-clamp %s: the MSS of forwarded SYNs set to %s",
			run_host(r, s->host), s->mss ? mss : "the route's MTU less the headers");
	return v;
}

int netcond_flush(struct run *r, const struct step *s)
{
	int err = conntrack_flush(run_ns(r, s->host));

	if (err) {
		return run_fail(r, s, VOP_NFT, err, "conntrack flush in %s: %s",
				run_host(r, s->host), strerror(-err));
	}
	run_log(r, "flush %s: every conntrack entry forgotten", run_host(r, s->host));
	return 0;
}

/* Host s->host's route to address k of s->peer (k: link * 2 + family) via s->via. */
static void peer_route(const struct run *r, const struct step *s, int k, char *dst, size_t len,
		       struct ip_route *rt)
{
	const struct topo *t = &r->m->topo;
	int lv = topo_link_find(t, s->host, s->via), hs = topo_link_side(t, lv, s->host);
	int l = k / 2, fam = k % 2, side = topo_link_side(t, l, s->peer);

	snprintf(dst, len, "%s/%d", fam ? t->links[l].v6[side] : t->links[l].v4[side],
		 fam ? 128 : 32);
	*rt = (struct ip_route){
	    .dst = dst,
	    .gateway = fam ? t->links[lv].v6[!hs] : t->links[lv].v4[!hs],
	    .dev = t->links[lv].ifname[hs],
	    .replace = 1,
	};
}

/* A host route to each of s->peer's addresses via s->via; a failure takes
 * back the ones this step added. */
int netcond_route(struct run *r, const struct step *s)
{
	const struct topo *t = &r->m->topo;
	struct ip_route rt;
	char dst[64];
	int n = 0, k, err = 0;

	for (k = 0; k < 2 * t->nlinks && !err; k++) {
		if (topo_link_side(t, k / 2, s->peer) < 0)
			continue;
		peer_route(r, s, k, dst, sizeof(dst), &rt);
		err = ip_route_add(run_ns(r, s->host), &rt);
		n += !err;
	}
	if (err) {
		int v = run_fail(r, s, VOP_ROUTE, err, "route %s via %s in %s: %s", dst, rt.gateway,
				 run_host(r, s->host), strerror(-err));
		for (int u = 0; u < k - 1; u++) {
			if (topo_link_side(t, u / 2, s->peer) < 0)
				continue;
			peer_route(r, s, u, dst, sizeof(dst), &rt);
			if ((err = ip_route_del(run_ns(r, s->host), &rt)))
				run_log(r, "undo: route %s in %s: %s", dst, run_host(r, s->host),
					strerror(-err));
		}
		return v;
	}
	run_log(r, "route %s to %s via %s: %d host routes", run_host(r, s->host),
		run_host(r, s->peer), run_host(r, s->via), n);
	return 0;
}
