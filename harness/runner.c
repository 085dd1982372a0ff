#define _GNU_SOURCE
#include "runner.h"
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

const char *const runner_fast_timers[][2] = {
    {"net.ipv4.tcp_rto_min_us", "10000"},
    {"net.ipv4.tcp_rto_max_ms", "1000"},
    {"net.ipv4.tcp_syn_linear_timeouts", "0"},
    {"net.ipv4.tcp_syn_retries", "2"},
    {"net.ipv4.tcp_synack_retries", "2"},
    {"net.ipv4.tcp_orphan_retries", "1"},
    {"net.ipv4.tcp_retries2", "3"},
    {"net.ipv4.tcp_fin_timeout", "3"},
    {"net.ipv4.tcp_keepalive_time", "2"},
    {"net.ipv4.tcp_keepalive_intvl", "1"},
    {"net.ipv4.tcp_keepalive_probes", "3"},
    {NULL, NULL},
};

#define TICK_MS 10

struct run {
	const struct case_model *m;
	const struct runner_opts *o;
	FILE *out;
	FILE *tl; /* timeline log */
	char *tlbuf;
	size_t tllen;
	char evdir[4096];
	double t0, deadline;
	int timed_out;
	struct actor_run *actors;
	struct counters *base;
	struct sockdiag_list *prev;
	struct capture **caps;
	char *sysctls; /* key=value lines in force */
	size_t sysctls_len;
	FILE *sysf;
	int nft_used;
	double wall_t0; /* CLOCK_REALTIME at t0, for pcap timestamps */
	struct ladder_event *lev;
	int nlev, caplev;
	int *firewall;	/* per host: 1 if a conntrack middlebox */
	int *rule_host; /* per step: where a STEP_RULE was placed */
	struct case_result *res;
};

static double rel(struct run *r)
{
	return clock_now() - r->t0;
}

static void tlog(struct run *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->tl, "%8.3f  ", rel(r));
	va_start(ap, fmt);
	vfprintf(r->tl, fmt, ap);
	va_end(ap);
	fputc('\n', r->tl);
	if (r->o->verbose) {
		fprintf(r->out, "  %8.3f  ", rel(r));
		va_start(ap, fmt);
		vfprintf(r->out, fmt, ap);
		va_end(ap);
		fputc('\n', r->out);
	}
}

static void set_reason(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->res->reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->res->reason, sizeof(r->res->reason), fmt, ap);
	va_end(ap);
}

void runner_case_id(const char *path, char *buf, size_t len)
{
	const char *p = strstr(path, "cases/");
	size_t n;

	p = p ? p + 6 : path;
	while (*p == '.' || *p == '/')
		p++;
	n = strlen(p);
	if (n > 5 && !strcmp(p + n - 5, ".case"))
		n -= 5;
	snprintf(buf, len, "%.*s", (int)n, p);
}

/* ---- the timeline page ---- */

static void ladder_add(struct run *r, double t, enum ladder_kind kind, int from, int to,
		       const char *cls, const char *fmt, ...)
{
	struct ladder_event *e;
	va_list ap;

	if (r->nlev == r->caplev) {
		int cap = r->caplev ? r->caplev * 2 : 256;
		void *v = realloc(r->lev, cap * sizeof(*r->lev));
		if (!v)
			return;
		r->lev = v;
		r->caplev = cap;
	}
	e = &r->lev[r->nlev++];
	memset(e, 0, sizeof(*e));
	e->t = t;
	e->kind = kind;
	e->from = from;
	e->to = to;
	snprintf(e->cls, sizeof(e->cls), "%s", cls ? cls : "");
	va_start(ap, fmt);
	vsnprintf(e->label, sizeof(e->label), fmt, ap);
	va_end(ap);
}

struct pkt_walk {
	struct run *r;
	int link;
};

/* One captured frame as an arrow between the two hosts of its link. */
static void ladder_packet(void *arg, const struct pcap_pkthdr *h, const unsigned char *data)
{
	struct pkt_walk *w = arg;
	const struct topo_link *L = &w->r->m->topo.links[w->link];
	struct pkt_info pi;
	char flags[40];
	int side;

	if (pkt_decode(data, h->caplen, &pi))
		return;
	if (!memcmp(pi.src_mac, L->mac[0], 6))
		side = 0;
	else if (!memcmp(pi.src_mac, L->mac[1], 6))
		side = 1;
	else
		return;
	double t = h->ts.tv_sec + h->ts.tv_usec / 1e6 - w->r->wall_t0;
	int from = side ? L->b : L->a, to = side ? L->a : L->b;
	if (pi.protocol == IPPROTO_TCP) {
		const char *cls = pi.flags & PKT_RST   ? "rst"
				  : pi.flags & PKT_SYN ? "syn"
				  : pi.flags & PKT_FIN ? "fin"
				  : pi.payload	       ? "data"
						       : "ack";
		pkt_flags_format(pi.flags, flags, sizeof(flags));
		if (pi.payload)
			ladder_add(w->r, t, LADDER_PACKET, from, to, cls, "%s :%u>:%u %uB win %u",
				   flags, pi.sport, pi.dport, pi.payload, pi.window);
		else
			ladder_add(w->r, t, LADDER_PACKET, from, to, cls, "%s :%u>:%u win %u",
				   flags, pi.sport, pi.dport, pi.window);
	} else if (pi.protocol == IPPROTO_UDP) {
		ladder_add(w->r, t, LADDER_PACKET, from, to, "other", "UDP :%u>:%u %uB", pi.sport,
			   pi.dport, pi.payload);
	} else if (pi.protocol == IPPROTO_ICMP || pi.protocol == IPPROTO_ICMPV6) {
		ladder_add(w->r, t, LADDER_PACKET, from, to, "other", "ICMP");
	}
}

static void ladder_write(struct run *r, const char *path, const char *title)
{
	const char *hosts[TOPO_MAX_HOSTS];
	FILE *f;

	for (int l = 0; l < r->m->topo.nlinks; l++) {
		struct pkt_walk w = {r, l};
		if (r->caps[l])
			capture_foreach(r->caps[l], ladder_packet, &w);
	}
	ladder_sort(r->lev, r->nlev);
	for (int h = 0; h < r->m->topo.nhosts; h++)
		hosts[h] = r->m->topo.hosts[h].name;
	f = fopen(path, "we");
	if (!f)
		return;
	ladder_render(f, title, hosts, r->m->topo.nhosts, r->lev, r->nlev, 2000);
	fclose(f);
}

/* ---- observation ---- */

static const char *host_name(struct run *r, int h)
{
	return r->m->topo.hosts[h].name;
}

static int ns_of(struct run *r, int h)
{
	return r->m->topo.hosts[h].ns;
}

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
static void observe(struct run *r)
{
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		struct sockdiag_list cur = {0};
		char lab[160];

		if (sockdiag_dump(ns_of(r, h), SOCKDIAG_TCP, &cur, NULL))
			continue;
		for (size_t i = 0; i < cur.n; i++) {
			const struct sockdiag_sock *s = &cur.v[i], *o = NULL;
			for (size_t j = 0; j < r->prev[h].n && !o; j++)
				if (same_sock(s, &r->prev[h].v[j]))
					o = &r->prev[h].v[j];
			if (o && o->state == s->state)
				continue;
			sock_label(s, lab, sizeof(lab));
			tlog(r, "%s: %s %s -> %s", host_name(r, h), lab,
			     o ? sockdiag_state_name(o->state) : "(new)",
			     sockdiag_state_name(s->state));
			ladder_add(r, rel(r), LADDER_STATE, h, -1, NULL, ":%u %s", s->sport,
				   sockdiag_state_name(s->state));
		}
		for (size_t j = 0; j < r->prev[h].n; j++) {
			int found = 0;
			for (size_t i = 0; i < cur.n && !found; i++)
				found = same_sock(&cur.v[i], &r->prev[h].v[j]);
			if (found)
				continue;
			sock_label(&r->prev[h].v[j], lab, sizeof(lab));
			tlog(r, "%s: %s %s -> (gone)", host_name(r, h), lab,
			     sockdiag_state_name(r->prev[h].v[j].state));
			ladder_add(r, rel(r), LADDER_STATE, h, -1, NULL, ":%u gone",
				   r->prev[h].v[j].sport);
		}
		sockdiag_list_free(&r->prev[h]);
		r->prev[h] = cur;
	}
}

static void reap(struct run *r)
{
	int st;
	pid_t pid;

	for (int i = 0; i < r->m->nactors; i++) {
		struct actor_run *a = &r->actors[i];
		if (a->pid && !a->exited && actor_poll(a))
			tlog(r, "actor %s: %s", r->m->actors[i].name, a->event);
	}
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < r->m->nactors; i++) {
			struct actor_run *a = &r->actors[i];
			if (a->pid != pid || a->exited)
				continue;
			actor_reaped(a, st, rel(r));
			tlog(r, "actor %s exited: %s", r->m->actors[i].name, a->result);
		}
	}
}

/* One tick of the timeline clock: reap, observe, wait TICK_MS. */
static void tick(struct run *r)
{
	reap(r);
	observe(r);
	if (clock_now() > r->deadline)
		r->timed_out = 1;
	else
		poll(NULL, 0, TICK_MS);
}

/* ---- steps ---- */

/* A host's sockets like `ss -tuanoip`, the Process column naming actors. */
static void ss_dump(struct run *r, int h, FILE *f, const struct filter *flt)
{
	struct procsock_list procs = {0};
	struct sockdiag_list l = {0};
	char line[1024], users[512];

	ssfmt_header(line, sizeof(line));
	fprintf(f, "%s\n", line);
	if (sockdiag_dump(ns_of(r, h), SOCKDIAG_TCP | SOCKDIAG_UDP | SOCKDIAG_INFO, &l, NULL))
		return;
	for (int i = 0; i < r->m->nactors; i++) {
		size_t first = procs.n;
		if (!r->actors[i].proc_pid || r->actors[i].exited)
			continue;
		procsock_scan(r->actors[i].proc_pid, &procs);
		for (size_t k = first; k < procs.n; k++)
			snprintf(procs.v[k].comm, sizeof(procs.v[k].comm), "%s",
				 r->m->actors[i].name);
	}
	for (size_t i = 0; i < l.n; i++) {
		if (flt && !filter_match(flt, &l.v[i]))
			continue;
		procsock_format(&procs, l.v[i].inode, users, sizeof(users));
		ssfmt_sock(&l.v[i], users, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	procsock_list_free(&procs);
	sockdiag_list_free(&l);
}

static int apply_sysctl(struct run *r, const struct step *s, int h, const char *key,
			const char *val, int optional)
{
	char now[256];
	int err = sysctl_set(ns_of(r, h), key, val);

	if (err == -ENOENT && optional) {
		fprintf(r->sysf, "%s %s: not on this kernel\n", host_name(r, h), key);
		return 0;
	}
	if (err == -ENOENT) {
		set_reason(r, "%s:%d: this kernel has no sysctl %s", r->m->file, s->line, key);
		return VERDICT_SKIP;
	}
	if (err) {
		set_reason(r, "%s:%d: sysctl %s=%s in %s: %s%s", r->m->file, s->line, key, val,
			   host_name(r, h), strerror(-err),
			   err == -EACCES || err == -EPERM ? " (read-only in a namespace)" : "");
		return VERDICT_ERROR;
	}
	if (!sysctl_get(ns_of(r, h), key, now, sizeof(now)))
		fprintf(r->sysf, "%s %s=%s\n", host_name(r, h), key, now);
	tlog(r, "sysctl %s %s=%s", host_name(r, h), key, val);
	return 0;
}

static int do_cut(struct run *r, const struct step *s, int restore)
{
	const struct topo *t = &r->m->topo;
	char cmd[4096], why[512];
	int hs[2] = {s->host, s->peer};

	for (int k = 0; k < 2; k++) {
		int h = hs[k], o = hs[!k];
		size_t n = 0;

		if (restore) {
			snprintf(cmd, sizeof(cmd), "delete table inet netcase_cut_%s\n",
				 host_name(r, o));
		} else {
			n += snprintf(
			    cmd + n, sizeof(cmd) - n,
			    "table inet netcase_cut_%s {\n chain in {\n"
			    "  type filter hook prerouting priority -300; policy accept;\n",
			    host_name(r, o));
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
		int err = nft_run(ns_of(r, h), cmd, why, sizeof(why));
		if (err) {
			set_reason(r, "%s:%d: %s %s %s: nftables: %s", r->m->file, s->line,
				   restore ? "restore" : "cut", host_name(r, s->host),
				   host_name(r, s->peer), why);
			return err == -EPERM ? VERDICT_SKIP : VERDICT_ERROR;
		}
	}
	r->nft_used = 1;
	tlog(r, "%s %s %s", restore ? "restore" : "cut", host_name(r, s->host),
	     host_name(r, s->peer));
	return 0;
}

static int do_start(struct run *r, const struct step *s)
{
	const struct actor_spec *a = &r->m->actors[s->actor];
	struct actor_run *run = &r->actors[s->actor];
	const struct topo *t = &r->m->topo;
	char target[128] = "";
	struct actor_spec copy = *a;
	int err;

	if (a->kind == ACTOR_CONNECT) {
		const char *addr = a->addr;
		if (a->target_host >= 0) {
			addr = topo_addr_from(t, a->host, a->target_host,
					      a->ipv6 ? AF_INET6 : AF_INET);
			if (!addr) {
				set_reason(r, "%s:%d: %s cannot reach %s (no path)", r->m->file,
					   s->line, host_name(r, a->host),
					   host_name(r, a->target_host));
				return VERDICT_ERROR;
			}
		}
		snprintf(target, sizeof(target), "%s", addr);
	} else if (a->kind == ACTOR_LISTEN && a->target_host >= 0) {
		const char *addr = topo_addr_from(t, a->host, a->target_host, AF_INET);
		snprintf(copy.addr, sizeof(copy.addr), "%s", addr ? addr : "");
	}
	char output[4200];
	snprintf(output, sizeof(output), "%s/%s.out", r->evdir, a->name);
	err = actor_spawn(&copy, ns_of(r, a->host), target, a->kind == ACTOR_EXEC ? output : NULL,
			  run);
	if (err) {
		set_reason(r, "%s:%d: start %s: %s", r->m->file, s->line, a->name, strerror(-err));
		return VERDICT_ERROR;
	}
	run->started = rel(r);
	tlog(r, "start %s on %s (pid %d)%s%s", a->name, host_name(r, a->host), (int)run->pid,
	     target[0] ? " -> " : "", target);
	if (a->kind == ACTOR_LISTEN) {
		/* the next step may connect: wait for the listen() */
		double end = clock_now() + 2;
		while (!run->exited && strcmp(run->event, "listening") && clock_now() < end)
			tick(r);
		if (run->exited) {
			set_reason(r, "%s:%d: %s could not listen: %s", r->m->file, s->line,
				   a->name, run->result);
			return VERDICT_ERROR;
		}
	}
	return 0;
}

/* ---- expectations ---- */

struct obs {
	long long value;
	int ok;
	char text[256];
};

static const char *agg_name(enum expect_agg a)
{
	return a == AGG_COUNT ? "count" : a == AGG_ANY ? "any" : "none";
}

static int observe_expect(struct run *r, const struct expectation *e, struct obs *ob)
{
	ob->text[0] = '\0';
	switch (e->kind) {
	case EXPECT_SOCKETS: {
		struct sockdiag_list l = {0};
		struct sockdiag_req req;
		char bc[FILTER_BC_MAX];
		long long n = 0;
		int err;

		filter_sockdiag_req(e->filter, SOCKDIAG_TCP, &req, bc, sizeof(bc));
		err = sockdiag_dump_req(ns_of(r, e->host), &req, &l, NULL);
		if (err)
			return err;
		for (size_t i = 0; i < l.n; i++)
			n += filter_match(e->filter, &l.v[i]);
		sockdiag_list_free(&l);
		ob->value = n;
		ob->ok = e->agg == AGG_COUNT ? filter_cmp_eval(n, e->op, e->value)
			 : e->agg == AGG_ANY ? n > 0
					     : n == 0;
		snprintf(ob->text, sizeof(ob->text), "%s = %lld", agg_name(e->agg), n);
		return 0;
	}
	case EXPECT_COUNTER: {
		struct counters c = {0};
		int64_t now = 0, then = 0;
		int err = counters_read(ns_of(r, e->host), &c);

		if (!err)
			err = counters_get(&c, e->text, &now);
		counters_free(&c);
		if (err == -ENOENT) {
			snprintf(ob->text, sizeof(ob->text), "this kernel has no counter %s",
				 e->text);
			ob->ok = 0;
			return 0;
		}
		if (err)
			return err;
		counters_get(&r->base[e->host], e->text, &then);
		ob->value = now - then;
		ob->ok = filter_cmp_eval(ob->value, e->op, e->value);
		snprintf(ob->text, sizeof(ob->text), "%s = %lld (since the case began)", e->text,
			 ob->value);
		return 0;
	}
	case EXPECT_PACKETS: {
		char *pf = NULL, why[256];
		long n;

		if (!r->caps[e->link]) {
			snprintf(ob->text, sizeof(ob->text),
				 "that link is not captured (add 'capture')");
			ob->ok = 0;
			return 0;
		}
		capture_filter_compile(&r->m->topo, e->link, e->text, &pf, why, sizeof(why));
		n = capture_count(r->caps[e->link], pf);
		free(pf);
		ob->value = n;
		ob->ok = n >= 0 && filter_cmp_eval(n, e->op, e->value);
		snprintf(ob->text, sizeof(ob->text), "count = %ld packets", n);
		return 0;
	}
	case EXPECT_EXITS: {
		const struct actor_run *a = &r->actors[e->actor];
		char want[96];

		if (e->exit_want == EXIT_OK)
			snprintf(want, sizeof(want), "ok");
		else if (e->exit_want == EXIT_ERROR)
			snprintf(want, sizeof(want), "error %s", case_errno_name(e->exit_errno));
		else if (e->exit_want == EXIT_SIGNAL)
			snprintf(want, sizeof(want), "signal %s", sigabbrev_np(e->exit_status));
		else
			snprintf(want, sizeof(want), "status %d", e->exit_status);
		if (!a->pid) {
			snprintf(ob->text, sizeof(ob->text), "not started");
			ob->ok = 0;
		} else if (!a->exited) {
			snprintf(ob->text, sizeof(ob->text), "still running");
			ob->ok = 0;
		} else {
			snprintf(ob->text, sizeof(ob->text), "exited: %s at %.3fs", a->result,
				 a->ended);
			ob->ok = !strcmp(a->result, want);
		}
		return 0;
	}
	case EXPECT_RUNNING: {
		const struct actor_run *a = &r->actors[e->actor];
		ob->ok = a->pid && !a->exited;
		snprintf(ob->text, sizeof(ob->text), "%s",
			 !a->pid     ? "not started"
			 : a->exited ? a->result
				     : "running");
		if (a->exited)
			snprintf(ob->text, sizeof(ob->text), "exited: %s", a->result);
		return 0;
	}
	}
	return -EINVAL;
}

static int do_expect(struct run *r, const struct step *s)
{
	const struct expectation *e = &s->expect;
	double start = clock_now(), end = start + e->duration_ms / 1000.0;
	struct obs ob = {0};
	int err, ok;

	r->res->nexpect++;
	for (;;) {
		reap(r);
		observe(r);
		err = observe_expect(r, e, &ob);
		if (err) {
			/* ENOENT from sock_diag: no inet_diag/tcp_diag in this kernel */
			int nodiag = err == -ENOENT && e->kind == EXPECT_SOCKETS;
			set_reason(
			    r, "%s:%d: cannot observe: %s%s", r->m->file, s->line, strerror(-err),
			    nodiag ? " (this kernel has no TCP socket diag: CONFIG_INET_DIAG "
				     "and CONFIG_INET_TCP_DIAG, or their modules)"
				   : "");
			return nodiag ? VERDICT_SKIP : VERDICT_ERROR;
		}
		if (e->mode == EXPECT_ONCE)
			break;
		if (e->mode == EXPECT_WITHIN && ob.ok)
			break;
		if (e->mode == EXPECT_THROUGHOUT && !ob.ok)
			break;
		if (clock_now() >= end || r->timed_out)
			break;
		tick(r);
	}
	observe(r); /* what the expectation saw goes into the timeline too */
	ok = ob.ok;
	if (e->mode == EXPECT_THROUGHOUT && ok && clock_now() < end)
		ok = 0; /* cut short by the case timeout */
	tlog(r, "expect (line %d) %s: %s", s->line, ok ? "passed" : "FAILED", ob.text);
	if (ok)
		return 0;
	r->res->nfailed++;
	fprintf(r->out, "FAIL %s:%d: %s\n", r->m->file, s->line, s->source);
	if (e->mode == EXPECT_THROUGHOUT)
		fprintf(r->out, "  became false after %.3fs of %.3fs: %s\n", clock_now() - start,
			e->duration_ms / 1000.0, ob.text);
	else
		fprintf(r->out, "  observed%s: %s\n",
			e->mode == EXPECT_WITHIN ? " at the deadline" : "", ob.text);
	if (e->kind == EXPECT_SOCKETS) {
		fprintf(r->out, "  sockets on %s now:\n", host_name(r, e->host));
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		ss_dump(r, e->host, m, NULL);
		fclose(m);
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			fprintf(r->out, "    %s\n", l);
		free(buf);
	}
	set_reason(r, "%s:%d: %s (observed: %s)", r->m->file, s->line, s->source, ob.text);
	return VERDICT_FAIL;
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
	int err = nft_run(ns_of(r, h), cmd, why, sizeof(why));

	if (err) {
		set_reason(r, "%s:%d: nftables in %s: %s", r->m->file, s->line, host_name(r, h),
			   why);
		return err == -EPERM ? VERDICT_SKIP : VERDICT_ERROR;
	}
	r->nft_used = 1;
	return 0;
}

static int do_rule(struct run *r, const struct step *s, int idx)
{
	char cmd[4096], m4[1100] = "", m6[1100] = "";
	const char *hook = s->dir == RULE_ON_OUT ? "output" : "input";
	int h = s->host;

	if (s->dir == RULE_PATH && place(r, s->host, s->peer, &h, &hook, m4, m6, sizeof(m4))) {
		set_reason(r, "%s:%d: no path from %s to %s", r->m->file, s->line,
			   host_name(r, s->host), host_name(r, s->peer));
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
	tlog(r, "rule %s in %s (%s): %s", s->key, host_name(r, h), hook, s->value);
	return 0;
}

static int do_remove(struct run *r, const struct step *s, int idx)
{
	char cmd[256];

	for (int i = idx - 1; i >= 0; i--) {
		const struct step *p = &r->m->steps[i];
		if (p->kind != STEP_RULE || strcmp(p->key, s->key) || r->rule_host[i] < 0)
			continue;
		snprintf(cmd, sizeof(cmd), "delete chain inet netcase_rules r_%s\n", s->key);
		int v = nft_step(r, s, r->rule_host[i], cmd);
		if (!v)
			tlog(r, "remove %s from %s", s->key, host_name(r, r->rule_host[i]));
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
		err = link_ifb_add(ns_of(r, h), ifb);
		if (!err)
			err = qdisc_ingress_redirect(ns_of(r, h), dev, ifb);
		if (err && err != -EEXIST) {
			set_reason(r, "%s:%d: ifb for %s ingress: %s", r->m->file, s->line, dev,
				   strerror(-err));
			return err == -EOPNOTSUPP || err == -ENOENT ? VERDICT_SKIP : VERDICT_ERROR;
		}
		where = ifb;
	}
	err = qdisc_impair_add(ns_of(r, h), where, p, n->rate_bps);
	if (err) {
		set_reason(r, "%s:%d: qdiscs on %s in %s: %s", r->m->file, s->line, where,
			   host_name(r, h), strerror(-err));
		return VERDICT_ERROR;
	}
	tlog(r,
	     "netem %s -> %s on %s in %s (%s): delay %ums jitter %ums loss %g%% duplicate %g%% "
	     "reorder %g%% corrupt %g%%%s, rate %llu bit/s%s",
	     host_name(r, s->host), host_name(r, s->peer), where, host_name(r, h),
	     strcmp(hook, "input") ? "router egress" : "receiver ingress", n->delay_ms,
	     n->jitter_ms, n->loss_ppm / 1e4, n->duplicate_ppm / 1e4, n->reorder_ppm / 1e4,
	     n->corrupt_ppm / 1e4, p->loss || !n->loss_ppm ? "" : " (loss by nft)", n->rate_bps,
	     n->seed >= 0 ? "; seed not applied (netem takes none here)" : "");
	return 0;
}

static int do_netem(struct run *r, const struct step *s, int idx)
{
	const struct netem_spec *n = &s->netem;
	const struct topo *t = &r->m->topo;
	char cmd[4096], m4[1100], m6[1100];
	const char *hook;
	int h, v, have, l;
	int needs_netem =
	    n->delay_ms || n->jitter_ms || n->duplicate_ppm || n->reorder_ppm || n->corrupt_ppm;

	if (place(r, s->host, s->peer, &h, &hook, m4, m6, sizeof(m4))) {
		set_reason(r, "%s:%d: no path from %s to %s", r->m->file, s->line,
			   host_name(r, s->host), host_name(r, s->peer));
		return VERDICT_ERROR;
	}
	have = qdisc_netem_available(ns_of(r, h));
	if (have < 0) {
		set_reason(r, "%s:%d: probing for netem: %s", r->m->file, s->line, strerror(-have));
		return VERDICT_ERROR;
	}
	if (needs_netem && !have) {
		set_reason(r,
			   "%s:%d: delay, jitter, duplicate, reorder and corrupt need sch_netem "
			   "(CONFIG_NET_SCH_NETEM), which this kernel lacks",
			   r->m->file, s->line);
		return VERDICT_SKIP;
	}
	/* one drop must be one segment: offloads off on the impaired link */
	l = topo_next_link(t, h, s->host);
	for (int side = 0; side < 2 && l >= 0; side++) {
		int host = side ? t->links[l].b : t->links[l].a;
		int err = link_offloads_set(ns_of(r, host), t->links[l].ifname[side], 0);
		if (err) {
			set_reason(r, "%s:%d: offloads off on %s: %s", r->m->file, s->line,
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
		tlog(r, "netem %s -> %s: loss %u.%04u%% as an nft numgen drop in %s (%s)%s",
		     host_name(r, s->host), host_name(r, s->peer), n->loss_ppm / 10000,
		     n->loss_ppm % 10000, host_name(r, h), hook,
		     n->seed >= 0 ? "; seed not applicable to numgen" : "");
	return v;
}

static int do_firewall(struct run *r, const struct step *s)
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
	v = apply_sysctl(r, s, s->host, "net.netfilter.nf_conntrack_tcp_loose", "0", 0);
	if (v)
		return v;
	r->firewall[s->host] = 1;
	tlog(r, "firewall %s: conntrack, established idle timeout %us, expired flows get %s",
	     host_name(r, s->host), secs, s->reject ? "RST" : "dropped");
	return 0;
}

static int do_step(struct run *r, const struct step *s)
{
	struct actor_run *a = s->actor >= 0 ? &r->actors[s->actor] : NULL;
	const char *an = s->actor >= 0 ? r->m->actors[s->actor].name : "";
	int err = 0;

	switch (s->kind) {
	case STEP_SYSCTL:
		return apply_sysctl(r, s, s->host, s->key, s->value, 0);
	case STEP_TIMERS:
		for (int i = 0; runner_fast_timers[i][0] && !err; i++)
			err = apply_sysctl(r, s, s->host, runner_fast_timers[i][0],
					   runner_fast_timers[i][1], 1);
		return err;
	case STEP_CAPTURE: {
		const struct topo *t = &r->m->topo;
		int l = topo_link_find(t, s->host, s->peer);
		int side = topo_link_side(t, l, s->host);
		char path[4200], why[512];

		if (r->caps[l])
			return 0;
		snprintf(path, sizeof(path), "%s/%s-%s.pcap", r->evdir, host_name(r, s->host),
			 host_name(r, s->peer));
		err = capture_start(ns_of(r, s->host), t->links[l].ifname[side], path, &r->caps[l],
				    why, sizeof(why));
		if (err) {
			set_reason(r, "%s:%d: capture: %s", r->m->file, s->line, why);
			return err == -EPERM ? VERDICT_SKIP : VERDICT_ERROR;
		}
		tlog(r, "capture %s %s on %s", host_name(r, s->host), host_name(r, s->peer),
		     t->links[l].ifname[side]);
		return 0;
	}
	case STEP_START:
		return do_start(r, s);
	case STEP_EXPECT:
		return do_expect(r, s);
	case STEP_SIGNAL:
		if (!a->pid || a->exited) {
			tlog(r, "signal %s: not running", an);
			return 0;
		}
		kill(a->pid, s->signal);
		tlog(r, "signal %s %s", an, sigabbrev_np(s->signal));
		return 0;
	case STEP_CLOSE:
	case STEP_SHUTDOWN:
	case STEP_ABORT:
	case STEP_SEND: {
		static const char *cmds[] = {[STEP_CLOSE] = "close",
					     [STEP_SHUTDOWN] = "shutdown",
					     [STEP_ABORT] = "abort",
					     [STEP_SEND] = "send"};
		err = actor_command(a, cmds[s->kind], s->kind == STEP_SEND ? s->value : NULL);
		tlog(r, "%s %s%s", cmds[s->kind], an, err ? ": not running" : "");
		return 0;
	}
	case STEP_SLEEP: {
		double end = clock_now() + s->duration_ms / 1000.0;
		tlog(r, "sleep %ums", s->duration_ms);
		while (clock_now() < end && !r->timed_out)
			tick(r);
		return 0;
	}
	case STEP_CUT:
	case STEP_RESTORE:
		return do_cut(r, s, s->kind == STEP_RESTORE);
	case STEP_RULE:
		return do_rule(r, s, (int)(s - r->m->steps));
	case STEP_REMOVE:
		return do_remove(r, s, (int)(s - r->m->steps));
	case STEP_NETEM:
		return do_netem(r, s, (int)(s - r->m->steps));
	case STEP_FIREWALL:
		return do_firewall(r, s);
	}
	return 0;
}

/* ---- evidence ---- */

static int mkdirs(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static void rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[4400];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(path);
}

static void write_file(struct run *r, const char *name, const char *text, size_t len)
{
	char p[4400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", r->evdir, name);
	f = fopen(p, "we");
	if (!f)
		return;
	fwrite(text, 1, len, f);
	fclose(f);
}

static void evidence(struct run *r)
{
	char name[128], path[4400];

	snprintf(path, sizeof(path), "%s/ladder.html", r->evdir);
	ladder_write(r, path, r->m->file);

	fflush(r->tl);
	write_file(r, "timeline.log", r->tlbuf, r->tllen);
	fflush(r->sysf);
	write_file(r, "sysctl.txt", r->sysctls ? r->sysctls : "", r->sysctls_len);
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct counters c = {0};

		ss_dump(r, h, f, NULL);
		fclose(f);
		snprintf(name, sizeof(name), "ss-%s.txt", host_name(r, h));
		write_file(r, name, buf, len);
		free(buf);
		buf = NULL;
		f = open_memstream(&buf, &len);
		if (!counters_read(ns_of(r, h), &c))
			for (size_t i = 0; i < c.n; i++) {
				int64_t then = 0;
				counters_get(&r->base[h], c.v[i].name, &then);
				if (c.v[i].value != then)
					fprintf(f, "%-36s %lld\n", c.v[i].name,
						(long long)(c.v[i].value - then));
			}
		counters_free(&c);
		fclose(f);
		snprintf(name, sizeof(name), "counters-%s.txt", host_name(r, h));
		write_file(r, name, buf, len);
		free(buf);
		if (r->firewall[h]) {
			buf = NULL;
			f = open_memstream(&buf, &len);
			int n = conntrack_dump(ns_of(r, h), f);
			if (n < 0)
				fprintf(f, "conntrack table: %s\n", strerror(-n));
			fclose(f);
			snprintf(name, sizeof(name), "conntrack-%s.txt", host_name(r, h));
			write_file(r, name, buf, len);
			free(buf);
		}
		if (r->nft_used) {
			char *rs = NULL, why[256];
			if (!nft_list(ns_of(r, h), "list ruleset", &rs, why, sizeof(why)) && rs) {
				snprintf(name, sizeof(name), "nft-%s.txt", host_name(r, h));
				write_file(r, name, rs, strlen(rs));
			}
			free(rs);
		}
	}
}

static void keep_namespaces(struct run *r)
{
	char path[512], src[64];

	mkdir("/run/netns", 0755);
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		snprintf(path, sizeof(path), "/run/netns/netcase-%s-%s", r->o->run_id,
			 host_name(r, h));
		int fd = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0444);
		if (fd >= 0)
			close(fd);
		snprintf(src, sizeof(src), "/proc/self/fd/%d", ns_of(r, h));
		if (mount(src, path, NULL, MS_BIND, NULL) < 0) {
			fprintf(r->out, "  --keep: cannot pin %s: %s\n", path, strerror(errno));
			unlink(path);
		} else {
			fprintf(r->out,
				"  kept: ip netns exec netcase-%s-%s ...  (netcase shell %s %s)\n",
				r->o->run_id, host_name(r, h), r->o->run_id, host_name(r, h));
		}
	}
}

int runner_run(const struct case_model *m, const struct runner_opts *o, FILE *out,
	       struct case_result *res)
{
	struct case_model *mm = (struct case_model *)m; /* the topology gets its fds */
	struct run r = {.m = m, .o = o, .out = out, .res = res};
	char id[256], why[512];
	int verdict = VERDICT_PASS, err, nh = m->topo.nhosts;

	memset(res, 0, sizeof(*res));
	r.t0 = clock_now();
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r.wall_t0 = ts.tv_sec + ts.tv_nsec / 1e9;
	}
	r.deadline = r.t0 + m->timeout_ms / 1000.0;
	r.tl = open_memstream(&r.tlbuf, &r.tllen);
	r.sysf = open_memstream(&r.sysctls, &r.sysctls_len);
	r.actors = calloc(m->nactors ? m->nactors : 1, sizeof(*r.actors));
	r.base = calloc(nh, sizeof(*r.base));
	r.prev = calloc(nh, sizeof(*r.prev));
	r.caps = calloc(m->topo.nlinks ? m->topo.nlinks : 1, sizeof(*r.caps));
	r.firewall = calloc(nh ? nh : 1, sizeof(*r.firewall));
	r.rule_host = calloc(m->nsteps ? m->nsteps : 1, sizeof(*r.rule_host));
	for (int i = 0; i < m->nsteps; i++)
		r.rule_host[i] = -1;
	runner_case_id(m->file, id, sizeof(id));
	snprintf(r.evdir, sizeof(r.evdir), "%s/%s",
		 o->artifacts ? o->artifacts : "netcase-artifacts", id);
	err = mkdirs(r.evdir);
	if (err) {
		set_reason(&r, "evidence directory %s: %s", r.evdir, strerror(-err));
		verdict = VERDICT_ERROR;
		goto done;
	}
	err = topo_build(&mm->topo, why, sizeof(why));
	if (err) {
		set_reason(&r, "%s: topology: %s", m->file, why);
		verdict = err == -EPERM || err == -EACCES ? VERDICT_SKIP : VERDICT_ERROR;
		goto done;
	}
	tlog(&r, "topology built: %d hosts, %d links", nh, m->topo.nlinks);
	for (int l = 0; l < m->topo.nlinks; l++) {
		const struct topo_link *L = &m->topo.links[l];
		tlog(&r, "link %s %s/24 %s/64 <-> %s %s/24 %s/64", m->topo.hosts[L->a].name,
		     L->v4[0], L->v6[0], m->topo.hosts[L->b].name, L->v4[1], L->v6[1]);
	}
	for (int h = 0; h < nh; h++)
		counters_read(m->topo.hosts[h].ns, &r.base[h]);
	observe(&r);
	for (int i = 0; i < m->nsteps && !r.timed_out; i++) {
		const char *src = m->steps[i].source;
		size_t len = strlen(src);
		while (len && (src[len - 1] == ' ' || src[len - 1] == '\t'))
			len--;
		ladder_add(&r, rel(&r), LADDER_STEP, -1, -1, NULL, "%d: %.*s", m->steps[i].line,
			   (int)len, src);
		int v = do_step(&r, &m->steps[i]);
		if (v == VERDICT_FAIL) {
			verdict = VERDICT_FAIL;
		} else if (v) {
			verdict = v;
			break;
		}
	}
	if (r.timed_out) {
		set_reason(&r, "%s: the case timed out after %.1fs (timeout %ums)", m->file,
			   rel(&r), m->timeout_ms);
		fprintf(out, "FAIL %s: timed out after %.1fs; the steps after that were not run\n",
			m->file, rel(&r));
		verdict = VERDICT_FAIL;
	}
	reap(&r);
	observe(&r);
	for (int l = 0; l < m->topo.nlinks; l++) {
		unsigned rcv, drop;
		if (!r.caps[l])
			continue;
		capture_stop(r.caps[l], &rcv, &drop);
		tlog(&r, "capture %s %s: %u packets, %u dropped",
		     m->topo.hosts[m->topo.links[l].a].name, m->topo.hosts[m->topo.links[l].b].name,
		     rcv, drop);
		if (drop) {
			fprintf(out,
				"FAIL %s: capture of %s %s DROPPED %u of %u packets; packet counts "
				"are incomplete\n",
				m->file, m->topo.hosts[m->topo.links[l].a].name,
				m->topo.hosts[m->topo.links[l].b].name, drop, rcv + drop);
			set_reason(&r, "capture dropped %u packets", drop);
			if (verdict == VERDICT_PASS)
				verdict = VERDICT_FAIL;
		}
	}
done:
	res->verdict = verdict;
	res->seconds = rel(&r);
	if (verdict != VERDICT_PASS || o->artifacts) {
		if (nh && m->topo.hosts[0].ns >= 0)
			evidence(&r);
		else
			write_file(&r, "timeline.log", r.tlbuf ? r.tlbuf : "", r.tllen);
		if (verdict != VERDICT_PASS && verdict != VERDICT_SKIP)
			fprintf(out, "  evidence: %s/\n", r.evdir);
	}
	if (verdict != VERDICT_PASS && o->keep && nh && m->topo.hosts[0].ns >= 0)
		keep_namespaces(&r);
	for (int l = 0; l < m->topo.nlinks; l++)
		capture_free(r.caps[l]);
	for (int i = 0; i < m->nactors; i++)
		if (r.actors[i].pid && !r.actors[i].exited)
			kill(r.actors[i].pid, SIGKILL);
	/* As PID 1 of the case's PID namespace, end whatever the actors left
	 * behind too (an exec actor's own children), so the wait ends. */
	if (getpid() == 1)
		kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	for (int i = 0; i < m->nactors; i++)
		if (r.actors[i].ctl >= 0 && r.actors[i].pid)
			close(r.actors[i].ctl);
	for (int h = 0; h < nh; h++) {
		counters_free(&r.base[h]);
		sockdiag_list_free(&r.prev[h]);
	}
	topo_free(&mm->topo);
	fclose(r.tl);
	fclose(r.sysf);
	if (verdict == VERDICT_PASS && !o->artifacts) {
		/* nothing to keep: remove the folder and its now-empty parents */
		rmtree(r.evdir);
		for (char *slash; (slash = strrchr(r.evdir, '/'));) {
			*slash = '\0';
			if (rmdir(r.evdir) < 0)
				break;
		}
	}
	free(r.tlbuf);
	free(r.sysctls);
	free(r.actors);
	free(r.base);
	free(r.prev);
	free(r.caps);
	free(r.lev);
	free(r.firewall);
	free(r.rule_host);
	return verdict;
}
