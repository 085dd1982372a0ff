#define _GNU_SOURCE
#include "runner.h"
#include "run.h"
#include "netcond.h"
#include "evidence.h"
#include "clock.h"
#include "units.h"

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

/* ---- observation ---- */

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

static void reap(struct run *r)
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
				run_fail(r, "%s:%d: %s cannot reach %s (no path)", r->m->file,
					 s->line, run_host(r, a->host),
					 run_host(r, a->target_host));
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
	err = actor_spawn(&copy, run_ns(r, a->host), target, a->kind == ACTOR_EXEC ? output : NULL,
			  run);
	if (err) {
		run_fail(r, "%s:%d: start %s: %s", r->m->file, s->line, a->name, strerror(-err));
		return VERDICT_ERROR;
	}
	run->started = run_rel(r);
	run_log(r, "start %s on %s (pid %d)%s%s", a->name, run_host(r, a->host), (int)run->pid,
		target[0] ? " -> " : "", target);
	if (a->kind == ACTOR_LISTEN) {
		/* the next step may connect: wait for the listen() */
		double end = clock_now() + 2;
		while (!run->exited && strcmp(run->event, "listening") && clock_now() < end)
			tick(r);
		if (run->exited) {
			run_fail(r, "%s:%d: %s could not listen: %s", r->m->file, s->line, a->name,
				 run->result);
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
		err = run_dump(r, e->host, &req, &l);
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
		int err = counters_read(run_ns(r, e->host), &c);

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
			snprintf(want, sizeof(want), "error %s", units_errno_name(e->exit_errno));
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
			run_fail(r, "%s:%d: cannot observe: %s%s", r->m->file, s->line,
				 strerror(-err),
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
	run_log(r, "expect (line %d) %s: %s", s->line, ok ? "passed" : "FAILED", ob.text);
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
		fprintf(r->out, "  sockets on %s now:\n", run_host(r, e->host));
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		run_ss_dump(r, e->host, m, NULL);
		fclose(m);
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			fprintf(r->out, "    %s\n", l);
		free(buf);
	}
	run_fail(r, "%s:%d: %s (observed: %s)", r->m->file, s->line, s->source, ob.text);
	return VERDICT_FAIL;
}

static int do_step(struct run *r, const struct step *s)
{
	struct actor_run *a = s->actor >= 0 ? &r->actors[s->actor] : NULL;
	const char *an = s->actor >= 0 ? r->m->actors[s->actor].name : "";
	int err = 0;

	switch (s->kind) {
	case STEP_SYSCTL:
		return run_sysctl(r, s, s->host, s->key, s->value, 0);
	case STEP_TIMERS:
		for (int i = 0; runner_fast_timers[i][0] && !err; i++)
			err = run_sysctl(r, s, s->host, runner_fast_timers[i][0],
					 runner_fast_timers[i][1], 1);
		return err;
	case STEP_CAPTURE: {
		const struct topo *t = &r->m->topo;
		int l = topo_link_find(t, s->host, s->peer);
		int side = topo_link_side(t, l, s->host);
		char path[4200], why[512];

		if (r->caps[l])
			return 0;
		snprintf(path, sizeof(path), "%s/%s-%s.pcap", r->evdir, run_host(r, s->host),
			 run_host(r, s->peer));
		err = capture_start(run_ns(r, s->host), t->links[l].ifname[side], path, &r->caps[l],
				    why, sizeof(why));
		if (err) {
			run_fail(r, "%s:%d: capture: %s", r->m->file, s->line, why);
			return err == -EPERM ? VERDICT_SKIP : VERDICT_ERROR;
		}
		run_log(r, "capture %s %s on %s", run_host(r, s->host), run_host(r, s->peer),
			t->links[l].ifname[side]);
		return 0;
	}
	case STEP_START:
		return do_start(r, s);
	case STEP_EXPECT:
		return do_expect(r, s);
	case STEP_SIGNAL:
		if (!a->pid || a->exited) {
			run_log(r, "signal %s: not running", an);
			return 0;
		}
		kill(a->pid, s->signal);
		run_log(r, "signal %s %s", an, sigabbrev_np(s->signal));
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
		run_log(r, "%s %s%s", cmds[s->kind], an, err ? ": not running" : "");
		return 0;
	}
	case STEP_SLEEP: {
		double end = clock_now() + s->duration_ms / 1000.0;
		run_log(r, "sleep %ums", s->duration_ms);
		while (clock_now() < end && !r->timed_out)
			tick(r);
		return 0;
	}
	case STEP_CUT:
	case STEP_RESTORE:
		return netcond_cut(r, s, s->kind == STEP_RESTORE);
	case STEP_RULE:
		return netcond_rule(r, s, (int)(s - r->m->steps));
	case STEP_REMOVE:
		return netcond_remove(r, s, (int)(s - r->m->steps));
	case STEP_NETEM:
		return netcond_netem(r, s, (int)(s - r->m->steps));
	case STEP_FIREWALL:
		return netcond_firewall(r, s);
	}
	return 0;
}

/* ---- evidence ---- */

int runner_run(const struct case_model *m, const struct runner_opts *o, FILE *out,
	       struct case_result *res)
{
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
	r.ns = calloc(nh ? nh : 1, sizeof(*r.ns));
	r.diag = calloc(nh ? nh : 1, sizeof(*r.diag));
	for (int h = 0; h < nh; h++)
		r.ns[h] = -1;
	for (int i = 0; i < m->nsteps; i++)
		r.rule_host[i] = -1;
	runner_case_id(m->file, id, sizeof(id));
	snprintf(r.evdir, sizeof(r.evdir), "%s/%s",
		 o->artifacts ? o->artifacts : "netcase-artifacts", id);
	err = evidence_mkdirs(r.evdir);
	if (err) {
		run_fail(&r, "evidence directory %s: %s", r.evdir, strerror(-err));
		verdict = VERDICT_ERROR;
		goto done;
	}
	err = topo_build(&m->topo, r.ns, why, sizeof(why));
	if (err) {
		run_fail(&r, "%s: topology: %s", m->file, why);
		verdict = err == -EPERM || err == -EACCES ? VERDICT_SKIP : VERDICT_ERROR;
		goto done;
	}
	run_log(&r, "topology built: %d hosts, %d links", nh, m->topo.nlinks);
	for (int l = 0; l < m->topo.nlinks; l++) {
		const struct topo_link *L = &m->topo.links[l];
		run_log(&r, "link %s %s/24 %s/64 <-> %s %s/24 %s/64", m->topo.hosts[L->a].name,
			L->v4[0], L->v6[0], m->topo.hosts[L->b].name, L->v4[1], L->v6[1]);
	}
	for (int h = 0; h < nh; h++)
		counters_read(r.ns[h], &r.base[h]);
	observe(&r);
	for (int i = 0; i < m->nsteps && !r.timed_out; i++) {
		const char *src = m->steps[i].source;
		size_t len = strlen(src);
		while (len && (src[len - 1] == ' ' || src[len - 1] == '\t'))
			len--;
		run_ladder_add(&r, run_rel(&r), LADDER_STEP, -1, -1, NULL, "%d: %.*s",
			       m->steps[i].line, (int)len, src);
		int v = do_step(&r, &m->steps[i]);
		if (v == VERDICT_FAIL) {
			verdict = VERDICT_FAIL;
		} else if (v) {
			verdict = v;
			break;
		}
	}
	if (r.timed_out) {
		run_fail(&r, "%s: the case timed out after %.1fs (timeout %ums)", m->file,
			 run_rel(&r), m->timeout_ms);
		fprintf(out, "FAIL %s: timed out after %.1fs; the steps after that were not run\n",
			m->file, run_rel(&r));
		verdict = VERDICT_FAIL;
	}
	reap(&r);
	observe(&r);
	for (int l = 0; l < m->topo.nlinks; l++) {
		unsigned rcv, drop;
		if (!r.caps[l])
			continue;
		capture_stop(r.caps[l], &rcv, &drop);
		run_log(&r, "capture %s %s: %u packets, %u dropped",
			m->topo.hosts[m->topo.links[l].a].name,
			m->topo.hosts[m->topo.links[l].b].name, rcv, drop);
		if (drop) {
			fprintf(out,
				"FAIL %s: capture of %s %s DROPPED %u of %u packets; packet counts "
				"are incomplete\n",
				m->file, m->topo.hosts[m->topo.links[l].a].name,
				m->topo.hosts[m->topo.links[l].b].name, drop, rcv + drop);
			run_fail(&r, "capture dropped %u packets", drop);
			if (verdict == VERDICT_PASS)
				verdict = VERDICT_FAIL;
		}
	}
done:
	res->verdict = verdict;
	res->seconds = run_rel(&r);
	if (verdict != VERDICT_PASS || o->artifacts) {
		if (nh && r.ns[0] >= 0)
			evidence_write(&r);
		else
			evidence_file(&r, "timeline.log", r.tlbuf ? r.tlbuf : "", r.tllen);
		if (verdict != VERDICT_PASS && verdict != VERDICT_SKIP)
			fprintf(out, "  evidence: %s/\n", r.evdir);
	}
	if (verdict != VERDICT_PASS && o->keep && nh && r.ns[0] >= 0)
		evidence_keep(&r);
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
		r.diag[h] = sockdiag_close(r.diag[h]);
	}
	topo_teardown(r.ns, nh);
	fclose(r.tl);
	fclose(r.sysf);
	if (verdict == VERDICT_PASS && !o->artifacts) {
		/* nothing to keep: remove the folder and its now-empty parents */
		evidence_rmtree(r.evdir);
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
	free(r.ns);
	free(r.diag);
	return verdict;
}
