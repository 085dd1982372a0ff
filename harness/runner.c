#define _GNU_SOURCE
#include "runner.h"
#include "run.h"
#include "topo_build.h"
#include "impair.h"
#include "inject.h"
#include "netcond.h"
#include "evidence.h"
#include "clock.h"
#include "watch.h"
#include "expect.h"
#include "../lang/nearest.h"
#include "../lang/units.h"

#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
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

double runner_slow_parse(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return 1;
	v = strtod(s, &end);
	return *end || !(v >= 1) || v > 1000 ? 1 : v;
}

/* How long the links of a built topology may take to carry packets. */
#define READY_TIMEOUT_S 10.0

/* ---- steps ---- */

static void free_vec(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* s with ${casedir} and ${evidence} replaced (malloc'd; NULL stays NULL). */
static char *expand(struct run *r, const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!s)
		return NULL;
	f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	while (*s) {
		if (!strncmp(s, "${casedir}", 10)) {
			fputs(r->casedir, f);
			s += 10;
		} else if (!strncmp(s, "${evidence}", 11)) {
			fputs(r->evdir_abs, f);
			s += 11;
		} else {
			fputc(*s++, f);
		}
	}
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

static char **expand_vec(struct run *r, char *const *v)
{
	int n = 0;
	char **out;

	while (v && v[n])
		n++;
	out = calloc(n + 1, sizeof(*out));
	for (int i = 0; out && i < n; i++)
		if (!(out[i] = expand(r, v[i]))) {
			free_vec(out);
			return NULL;
		}
	return out;
}

/* An exec actor's command, environment and folder with the variables expanded. */
static int exec_expand(struct run *r, const struct actor_spec *a, struct actor_spec *copy)
{
	copy->argv = expand_vec(r, a->argv);
	copy->env = a->env ? expand_vec(r, a->env) : NULL;
	copy->dir = a->dir ? expand(r, a->dir) : NULL;
	if (!copy->argv || (a->env && !copy->env) || (a->dir && !copy->dir))
		return -ENOMEM;
	return 0;
}

/* An exec actor's command expanded, its output file made new through the
 * evidence folder, where its hosts file is; 0 or -errno. */
static int exec_files(struct run *r, const struct actor_spec *a, struct actor_spec *copy,
		      struct actor_files *files, char *hosts, size_t len)
{
	char name[300];
	int err = exec_expand(r, a, copy);

	snprintf(name, sizeof(name), "%s.out", a->name);
	if (!err && (files->out = safefs_create(run_evfd(r), name, &r->o->owner)) < 0)
		err = files->out;
	snprintf(hosts, len, "hosts-%s", run_host(r, a->host));
	files->dir = run_evfd(r);
	files->hosts = hosts;
	return err;
}

/* A listener is done getting ready: it listens, or it ended. */
static int listening(struct run *r, void *ctx)
{
	const struct actor_run *a = ctx;

	(void)r;
	return a->exited || !strcmp(a->event, "listening");
}

/* Whether a step after s expects actor's exit (a listener that cannot
 * bind is then a result to judge, not an ERROR of the case). */
static int exit_expected(const struct case_model *m, const struct step *s, int actor)
{
	for (const struct step *t = s + 1; t < m->steps + m->nsteps; t++)
		if (t->kind == STEP_EXPECT && t->expect.kind == EXPECT_EXITS &&
		    t->expect.actor == actor)
			return 1;
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
				return run_fail(r, s, VOP_ROUTE, -EHOSTUNREACH,
						"%s cannot reach %s (no path)",
						run_host(r, a->host), run_host(r, a->target_host));
			}
		}
		snprintf(target, sizeof(target), "%s", addr);
	} else if (a->kind == ACTOR_LISTEN && a->target_host >= 0) {
		const char *addr = topo_addr_from(t, a->host, a->target_host, AF_INET);
		snprintf(copy.addr, sizeof(copy.addr), "%s", addr ? addr : "");
	}
	struct actor_files files = {-1, -1, NULL};
	char hosts[300];
	err = a->kind == ACTOR_EXEC ? exec_files(r, a, &copy, &files, hosts, sizeof(hosts)) : 0;
	/* an actor acts from its spawn on, and under load before actor_spawn()
	 * returns (a connect stamped by the kernel 23 ms before it did): what
	 * it does is judged from here, a listener from its listen() */
	if (a->kind != ACTOR_LISTEN)
		r->took_effect = run_rel(r);
	if (!err)
		err = actor_spawn(&copy, run_ns(r, a->host), target,
				  a->kind == ACTOR_EXEC ? &files : NULL, run);
	if (a->kind == ACTOR_EXEC) {
		free_vec(copy.argv);
		free_vec(copy.env);
		free(copy.dir);
		if (files.out >= 0)
			close(files.out);
	}
	if (err) {
		return run_fail(r, s, VOP_ACTOR, err, "start %s: %s", a->name, strerror(-err));
	}
	run->started = run_rel(r);
	run_log(r, "start %s on %s (pid %d)%s%s", a->name, run_host(r, a->host), (int)run->pid,
		target[0] ? " -> " : "", target);
	if (a->kind == ACTOR_LISTEN) {
		/* the next step may connect: wait for the listen() */
		watch_until(r, clock_now() + 2 * r->slow, listening, run);
		if (run->exited && !exit_expected(r->m, s, s->actor))
			return run_fail(r, s, VOP_ACTOR, 0, "%s could not listen: %s", a->name,
					run->result);
		if (run->exited)
			run_log(r, "%s could not listen: %s (a result: its exit is expected)",
				a->name, run->result);
	}
	return 0;
}

/* capture A B: start recording the link on A's end. */
static int do_capture(struct run *r, const struct step *s)
{
	const struct topo *t = &r->m->topo;
	int l = topo_link_find(t, s->host, s->peer);
	int side = topo_link_side(t, l, s->host);
	char name[300], why[512];
	FILE *f;
	int err;

	if (r->caps[l])
		return 0;
	snprintf(name, sizeof(name), "%s-%s.pcap", run_host(r, s->host), run_host(r, s->peer));
	if (!(f = evidence_fopen(r, name))) {
		return run_fail(r, s, VOP_EVIDENCE, errno, "capture: %s/%s: %s", r->evdir, name,
				strerror(errno));
	}
	err = capture_start(run_ns(r, s->host), t->links[l].ifname[side], f, r->wall_t0 - r->t0,
			    &r->caps[l], why, sizeof(why));
	if (err) {
		return run_fail(r, s, VOP_CAPTURE, err, "capture: %s", why);
	}
	run_log(r, "capture %s %s on %s", run_host(r, s->host), run_host(r, s->peer),
		t->links[l].ifname[side]);
	return 0;
}

/* Tell actor a to do cmd: an actor that has ended is noted (the case
 * goes on and its expectations tell), any other failure is an ERROR. */
static int act(struct run *r, const struct step *s, struct actor_run *a, const char *cmd,
	       const char *text)
{
	const char *an = r->m->actors[s->actor].name;
	int err = actor_command(a, cmd, text);
	int shown = text && !strcmp(cmd, "accept"); /* a count; sent text is long */

	if (err && err != -ESRCH && err != -EPIPE && err != -ECONNRESET)
		return run_fail(r, s, VOP_ACTOR, err, "%s %s: %s", cmd, an, strerror(-err));
	run_log(r, "%s %s%s%s%s", cmd, an, shown ? " " : "", shown ? text : "",
		err ? ": not running" : "");
	return 0;
}

static int do_step(struct run *r, const struct step *s)
{
	struct actor_run *a = s->actor >= 0 ? &r->actors[s->actor] : NULL;
	const char *an = s->actor >= 0 ? r->m->actors[s->actor].name : "";

	switch (s->kind) {
	case STEP_SYSCTL:
		return run_sysctl(r, s, s->host, s->key, s->value, s->optional);
	case STEP_CAPTURE:
		return do_capture(r, s);
	case STEP_START:
		return do_start(r, s);
	case STEP_EXPECT:
		return expect_run(r, s, (int)(s - r->m->steps));
	case STEP_SIGNAL:
		if (!a->pid || a->exited) {
			run_log(r, "signal %s: not running", an);
			return 0;
		}
		if (kill(a->pid, s->signal) < 0 && errno != ESRCH)
			return run_fail(r, s, VOP_ACTOR, errno, "signal %s: %s", an,
					strerror(errno));
		run_log(r, "signal %s %s", an, sigabbrev_np(s->signal));
		return 0;
	case STEP_ACCEPT:
		return act(r, s, a, "accept", s->value);
	case STEP_CLOSE:
	case STEP_SHUTDOWN:
	case STEP_ABORT:
	case STEP_SEND: {
		static const char *cmds[] = {[STEP_CLOSE] = "close",
					     [STEP_SHUTDOWN] = "shutdown",
					     [STEP_ABORT] = "abort",
					     [STEP_SEND] = "send"};
		return act(r, s, a, cmds[s->kind], s->kind == STEP_SEND ? s->value : NULL);
	}
	case STEP_SLEEP:
		/* from the stamp of what came before, not from when we got here */
		run_log(r, "sleep %ums", s->duration_ms);
		r->due += s->duration_ms / 1000.0;
		watch_until(r, r->t0 + r->due, NULL, NULL);
		return 0;
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
	case STEP_NAT:
		return netcond_nat(r, s);
	case STEP_MSSCLAMP:
		return netcond_mss_clamp(r, s);
	case STEP_FLUSH:
		return netcond_flush(r, s);
	case STEP_ROUTE:
		return netcond_route(r, s);
	case STEP_MARK:
		return run_mark(r, s);
	case STEP_INJECT:
		return inject_run(r, s);
	}
	return 0;
}

/* ---- the case from start to end ---- */

/* SKIP, naming the kernel, when the case does not hold for this one. */
static int run_kernel_check(struct run *r)
{
	const struct case_model *m = r->m;
	struct utsname u;
	int have;

	if (!m->nkernel)
		return VERDICT_PASS;
	if (uname(&u) < 0 || (have = units_kernel_version(u.release)) < 0) {
		return run_fail(r, NULL, VOP_HARNESS, 0, "cannot tell this kernel's version");
	}
	for (int i = 0; i < m->nkernel; i++) {
		const struct kernel_req *k = &m->kernel[i];
		if (filter_cmp_eval(have, k->op, k->version))
			continue;
		return run_fail(
		    r, NULL, VOP_KERNEL, 0, "holds for kernel %s %d.%d; this kernel is %s",
		    units_op_name(k->op), k->version / 1000, k->version % 1000, u.release);
	}
	return VERDICT_PASS;
}

/* hosts-HOST in the evidence: every host name as HOST sees it, the
 * /etc/hosts of HOST's exec actors. */
static int write_hosts(struct run *r, int h)
{
	const struct topo *t = &r->m->topo;
	char *text = NULL, name[64];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "# the names of case %s as host %s sees them (netcase)\n", r->m->file,
		run_host(r, h));
	fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	for (int x = 0; x < t->nhosts; x++) {
		const char *v4 = topo_addr_from(t, h, x, AF_INET);
		const char *v6 = topo_addr_from(t, h, x, AF_INET6);
		if (v4 && v6)
			fprintf(f, "%s\t%s\n%s\t%s\n", v4, run_host(r, x), v6, run_host(r, x));
	}
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "hosts-%s", run_host(r, h));
	evidence_file(r, name, text, len);
	free(text);
	return 0;
}

/* The kernel's record, when it can be had: a case that asserts on it
 * SKIPs without it (or without a drop reason it names); others fall back
 * to what polling samples. */
static int run_kernel_events(struct run *r)
{
	const struct case_model *m = r->m;
	struct utsname u;

	if (r->o->no_kevents)
		snprintf(r->kev_why, sizeof(r->kev_why),
			 "kernel events are turned off (NETCASE_KEVENTS=0)");
	else {
		kevents_debug(r->o->bpf_debug);
		r->kev = kevents_open(r->ns, m->topo.nhosts, r->kev_why, sizeof(r->kev_why));
	}
	if (r->kev)
		run_log(r, "kernel events: observed through BPF (exact), %s",
			kevents_exact_timewait(r->kev)
			    ? "TIME-WAIT hand-overs included"
			    : "TIME-WAIT hand-overs only as socket diag samples them");
	else
		run_log(r, "kernel events: unavailable, socket states are sampled: %s", r->kev_why);
	uname(&u);
	for (int i = 0; i < m->nsteps; i++) {
		const struct step *s = &m->steps[i];
		if (s->kind != STEP_EXPECT ||
		    (s->expect.kind != EXPECT_HISTORY && s->expect.kind != EXPECT_EVENTS))
			continue;
		if (!r->kev) {
			return run_fail(r, s, VOP_KEVENTS, 0, "%s", r->kev_why);
		}
		if (s->expect.ev_reason[0] &&
		    kevents_reason_value(r->kev, s->expect.ev_reason) < 0) {
			struct nearest nr;
			char hint[96];
			nearest_init(&nr, s->expect.ev_reason);
			for (int k = 0; kevents_reason_at(r->kev, k); k++)
				nearest_try(&nr, kevents_reason_at(r->kev, k));
			return run_fail(r, s, VOP_KERNEL, 0,
					"this kernel (%s) has no drop reason %s%s", u.release,
					s->expect.ev_reason, nearest_hint(&nr, hint, sizeof(hint)));
		}
	}
	return 0;
}

/* Whether an expectation of the case is judged on the kernel's record. */
static int reads_record(const struct case_model *m)
{
	for (int i = 0; i < m->nsteps; i++) {
		const struct step *s = &m->steps[i];
		if (s->kind == STEP_EXPECT &&
		    (s->expect.kind == EXPECT_EVENTS || s->expect.kind == EXPECT_HISTORY ||
		     s->expect.kind == EXPECT_CONNECTED))
			return 1;
	}
	return 0;
}

/*
 * An incomplete kernel record is the observer's failure, not the kernel's:
 * events lost for want of room in the ring buffer make the case an ERROR;
 * tracepoint hits the programs did not run for (recursion misses, which may
 * be another case's) or failed socket dumps of the watcher make a failed
 * case an ERROR, since what is missing may be what it failed on.  In a case
 * judged on the record, a host whose kernel counted more retransmissions
 * than the record holds makes any verdict void: an ERROR that the command
 * runs again (res->incomplete).
 */
static int run_kernel_stop(struct run *r, int verdict)
{
	uint64_t missed;
	char why[256];

	watch_kernel(r);
	missed = r->kev ? kevents_missed(r->kev) : 0;
	if (missed)
		run_log(r,
			"kernel events: the observer's programs missed %llu tracepoint hits "
			"(recursion; in any namespace)",
			(unsigned long long)missed);
	if ((r->kev_lost || r->kev_dropped) &&
	    (verdict == VERDICT_PASS || verdict == VERDICT_FAIL)) {
		return run_error(r, NULL,
				 "kernel events LOST: %llu in the ring buffer, %llu for want of "
				 "memory; histories and event counts are incomplete",
				 (unsigned long long)r->kev_lost,
				 (unsigned long long)r->kev_dropped);
	}
	if (missed && verdict == VERDICT_FAIL) {
		return run_error(r, NULL,
				 "the observer's programs missed %llu tracepoint hits while the "
				 "case ran; the kernel's record may lack what it failed on",
				 (unsigned long long)missed);
	}
	if ((verdict == VERDICT_PASS || verdict == VERDICT_FAIL) && reads_record(r->m) &&
	    watch_record_short(r, why, sizeof(why))) {
		r->res->incomplete = 1;
		return run_error(r, NULL, "%s", why);
	}
	/* the ends of TIME-WAIT and orphan mini-sockets come from its dumps */
	if (verdict == VERDICT_FAIL && r->dump_failed)
		return run_error(r, NULL,
				 "the watcher's socket dumps failed %u times (the timeline names "
				 "the first error); the states it sampled are incomplete",
				 r->dump_failed);
	return verdict;
}

/*
 * packetdrill's way of being on time under load, on request
 * (NETCASE_REALTIME=1): the supervisor - the timeline and the observer - at
 * the lowest real-time priority when there is more than one CPU (one CPU
 * would leave the case's programs none).  Its children, the actors and the
 * threads it starts, are reset to normal scheduling (SCHED_RESET_ON_FORK).
 * Not the default: measured at -j 8 under stress-ng --cpu 2, it did not
 * lower the largest step lateness (15-170 ms with it, 50-72 ms without)
 * and left the case's programs, which stay normal, later against the
 * harness (close/time-wait's server closed after its delayed ACK).
 */
static void run_realtime(struct run *r)
{
	struct sched_param sp = {.sched_priority = 1};

	if (!r->o->realtime)
		return;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		run_log(r, "scheduling: normal (one CPU)");
	else if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) < 0)
		run_log(r, "scheduling: normal (SCHED_RR: %s)", strerror(errno));
	else
		run_log(r, "scheduling: SCHED_RR priority 1 (its programs: normal)");
}

/* The case's evidence folder, made or verified and held open, its stale
 * files and links (an earlier run's, or planted) removed; a verdict. */
static int run_evidence_open(struct run *r)
{
	struct safefs_cleared c;
	char why[1024];

	if (safefs_dir_open(&r->ev, run_evroot(r), r->evbelow, &r->o->owner, why, sizeof(why))) {
		return run_fail(r, NULL, VOP_EVIDENCE, 0,
				"evidence: %s; remove it or choose another folder with --artifacts",
				why);
	}
	safefs_clear(run_evfd(r), &c);
	if (c.files + c.links) {
		run_log(r, "evidence: %s/ held %d stale files and %d links; removed, not followed",
			r->evdir, c.files, c.links);
		if (c.links && !r->o->verbose) /* planted, or a program's */
			fprintf(r->out,
				"  evidence: %s/ held %d stale files and %d links; removed, not "
				"followed\n",
				r->evdir, c.files, c.links);
	}
	return 0;
}

/* The evidence folder, the topology, the counters' baseline; a verdict. */
static int run_build(struct run *r)
{
	const struct case_model *m = r->m;
	char why[512];
	int err = run_kernel_check(r);

	run_realtime(r);
	if (err)
		return err;
	err = run_evidence_open(r);
	if (err)
		return err;
	if ((err = impair_plan(r)))
		return err;
	err = topo_build_relayed(&m->topo, r->ns, r->relay_ns, why, sizeof(why));
	if (err) {
		return run_fail(r, NULL, VOP_NAMESPACE, err, "topology: %s", why);
	}
	run_log(r, "topology built: %d hosts, %d links", m->topo.nhosts, m->topo.nlinks);
	/* a veth sends into noop_qdisc until link-watch attaches its qdisc */
	err = topo_wait_ready(&m->topo, r->ns, READY_TIMEOUT_S * r->slow, why, sizeof(why));
	if (err) {
		return run_fail(r, NULL, VOP_NAMESPACE, err,
				"the topology was not ready after %.0fs: %s",
				READY_TIMEOUT_S * r->slow, why);
	}
	run_log(r, "links ready: every device up with its qdisc attached%s%s%s",
		why[0] ? " (waited for " : "", why, why[0] ? ")" : "");
	for (int l = 0; l < m->topo.nlinks; l++) {
		const struct topo_link *L = &m->topo.links[l];
		run_log(r, "link %s %s/24 %s/64 <-> %s %s/24 %s/64", m->topo.hosts[L->a].name,
			L->v4[0], L->v6[0], m->topo.hosts[L->b].name, L->v4[1], L->v6[1]);
	}
	evidence_inherited(r);
	if ((err = impair_start(r)))
		return err;
	if ((err = run_kernel_events(r)))
		return err;
	for (int h = 0; h < m->topo.nhosts; h++)
		counters_read(r->ns[h], &r->base[h]);
	for (int i = 0; i < m->nactors; i++)
		if (m->actors[i].kind == ACTOR_EXEC && write_hosts(r, m->actors[i].host)) {
			return run_fail(r, NULL, VOP_HARNESS, -ENOMEM, "hosts file: %s",
					strerror(ENOMEM));
		}
	watch_sockets(r);
	r->due = run_rel(r); /* the first step is due now: everything is ready */
	return VERDICT_PASS;
}

/* How late acting step i began against when it was due; the largest is
 * kept.  (An expectation is judged by its window and its stamps instead,
 * a sleep ends at its own stamp.) */
static void step_lateness(struct run *r, int i)
{
	double late = run_rel(r) - r->due;

	if (r->m->steps[i].kind == STEP_EXPECT || r->m->steps[i].kind == STEP_SLEEP)
		return;
	if (late * 1000 >= RUNNER_LATE_LOG_MS)
		run_log(r, "line %d began %.1f ms after it was due (%.3fs)", r->m->steps[i].line,
			late * 1000, r->due);
	if (late > r->late_max) {
		r->late_max = late;
		r->late_line = r->m->steps[i].line;
	}
	if (late * 1000 > RUNNER_LATE_BUDGET_MS && r->late_step < 0) {
		r->late_step = i;
		r->late_over = late;
	}
}

/* A verdict the harness's lateness may have decided is an ERROR: a step
 * beyond the budget before the first failure (or in a passing case). */
static int lateness_verdict(struct run *r, int verdict)
{
	const struct step *s;

	if (r->late_step < 0 || (verdict != VERDICT_PASS && verdict != VERDICT_FAIL) ||
	    (r->fail_step >= 0 && r->fail_step < r->late_step))
		return verdict;
	s = &r->m->steps[r->late_step];
	return run_error(r, s,
			 "the harness was late: the step began %.0f ms after it was due "
			 "(budget %d ms), so the verdict is not the kernel's",
			 r->late_over * 1000, RUNNER_LATE_BUDGET_MS);
}

/* Every step in order; a failed expectation goes on, anything worse stops. */
static int run_timeline(struct run *r)
{
	const struct case_model *m = r->m;
	int verdict = VERDICT_PASS;

	for (int i = 0; i < m->nsteps && !r->timed_out; i++) {
		const char *src = m->steps[i].source;
		size_t len = strlen(src);
		int v;

		while (len && (src[len - 1] == ' ' || src[len - 1] == '\t'))
			len--;
		/* a statement the parser expanded into several steps shows once */
		if (!i || m->steps[i - 1].line != m->steps[i].line)
			run_ladder_add(r, run_rel(r), LADDER_STEP, -1, -1, NULL, "%d: %.*s",
				       m->steps[i].line, (int)len, src);
		step_lateness(r, i);
		r->took_effect = NAN;
		v = do_step(r, &m->steps[i]);
		/* an acting step is stamped when it took effect: now, or before */
		if (m->steps[i].kind != STEP_EXPECT && m->steps[i].kind != STEP_SLEEP)
			r->due = isnan(r->took_effect) ? run_rel(r) : r->took_effect;
		if (v == VERDICT_FAIL) {
			verdict = VERDICT_FAIL;
			if (r->fail_step < 0)
				r->fail_step = i;
		} else if (v) {
			return v;
		}
	}
	verdict = lateness_verdict(r, verdict);
	if (r->timed_out) {
		verdict = run_fail(r, NULL, VOP_TIMEOUT, -ETIMEDOUT,
				   "the case timed out after %.1fs (timeout %ums); the steps after "
				   "that were not run",
				   run_rel(r), m->timeout_ms);
	}
	return verdict;
}

/* Stop every capture; a capture that dropped packets fails the case. */
static int run_captures_stop(struct run *r, int verdict)
{
	const struct topo *t = &r->m->topo;

	for (int l = 0; l < t->nlinks; l++) {
		const char *a = t->hosts[t->links[l].a].name, *b = t->hosts[t->links[l].b].name;
		unsigned rcv, drop;
		int v;

		if (!r->caps[l])
			continue;
		capture_stop(r->caps[l], &rcv, &drop);
		run_log(r, "capture %s %s: %u packets, %u dropped", a, b, rcv, drop);
		if (!drop)
			continue;
		v = run_fail(r, NULL, VOP_CAPTURE, -ENOBUFS,
			     "capture of %s %s DROPPED %u of %u packets; packet counts are "
			     "incomplete",
			     a, b, drop, rcv + drop);
		if (verdict == VERDICT_PASS)
			verdict = v;
	}
	return verdict;
}

/* Evidence for a failure (or always with --artifacts), and --keep. */
static void run_evidence(struct run *r, int verdict)
{
	int built = r->m->topo.nhosts && r->ns[0] >= 0;

	if ((verdict == VERDICT_FAIL || verdict == VERDICT_ERROR) && r->o->explain &&
	    !r->o->verbose && fflush(r->tl) == 0 && r->tlbuf) {
		/* the timeline, for a log that outlives the evidence (CI) */
		fprintf(r->out, "  timeline of %s:\n", r->m->file);
		for (const char *l = r->tlbuf, *nl; *l; l = nl + 1) {
			nl = strchr(l, '\n');
			if (!nl)
				nl = l + strlen(l) - 1;
			fprintf(r->out, "  %.*s\n", (int)(nl - l), l);
		}
	}

	if ((verdict != VERDICT_PASS || r->o->artifacts) && run_evfd(r) >= 0) {
		if (built)
			evidence_write(r);
		else
			evidence_file(r, "timeline.log", r->tlbuf ? r->tlbuf : "", r->tllen);
		if (verdict != VERDICT_PASS && verdict != VERDICT_SKIP)
			fprintf(r->out, "  evidence: %s/\n", r->evdir);
	}
	if (verdict != VERDICT_PASS && r->o->keep && built)
		evidence_keep(r);
}

/* End every process of the case and wait for them. */
static void run_end_processes(struct run *r)
{
	for (int i = 0; i < r->m->nactors; i++)
		if (r->actors[i].pid && !r->actors[i].exited)
			kill(r->actors[i].pid, SIGKILL);
	/* As PID 1 of the case's PID namespace, end whatever the actors left
	 * behind too (an exec actor's own children), so the wait ends. */
	if (getpid() == 1)
		kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

int runner_run(const struct case_model *m, const struct runner_opts *o, FILE *out,
	       struct case_result *res)
{
	struct run r;
	int verdict;

	memset(res, 0, sizeof(*res));
	if (run_init(&r, m, o, out, res)) {
		case_failure_set(&res->failure, VERDICT_ERROR, m->file, "%s", strerror(ENOMEM));
		run_fini(&r);
		return res->verdict = VERDICT_ERROR;
	}
	verdict = run_build(&r);
	if (verdict == VERDICT_PASS) {
		double began = run_rel(&r);

		verdict = run_timeline(&r);
		res->scenario_s = run_rel(&r) - began;
		watch_actors(&r);
		watch_sockets(&r);
		verdict = run_captures_stop(&r, verdict);
		verdict = run_kernel_stop(&r, verdict);
		verdict = impair_stop(&r, verdict);
	}
	res->verdict = verdict;
	res->seconds = run_rel(&r);
	res->late_ms = r.late_max * 1000;
	res->late_line = r.late_line;
	run_evidence(&r, verdict);
	expect_release(&r);
	run_end_processes(&r);
	/* a passed case keeps nothing: its folder and the parents it emptied go;
	 * what is kept is the invoking user's, programs' files too */
	if (verdict == VERDICT_PASS && !o->artifacts)
		safefs_dir_drop(&r.ev);
	else if (r.ev.n)
		safefs_give(run_evfd(&r), &o->owner);
	run_fini(&r);
	return verdict;
}
