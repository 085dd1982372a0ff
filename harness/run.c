#define _GNU_SOURCE
#include "clock.h"

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
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

#include "run.h"
#include "topo_build.h"
#include "../lang/nearest.h"
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

#define NEW_ARRAY(p, n) ((p) = calloc((n) ? (size_t)(n) : 1, sizeof(*(p))))

/* The case file's folder and the evidence folder as absolute paths, for the
 * variables of exec actors (they may run in another folder). */
static void run_abs_paths(struct run *r)
{
	char cwd[2048] = "", *real = realpath(r->m->file, NULL), *slash;

	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	snprintf(r->casedir, sizeof(r->casedir), "%s", real ? real : r->m->file);
	free(real);
	slash = strrchr(r->casedir, '/');
	if (slash)
		*(slash == r->casedir ? slash + 1 : slash) = '\0';
	else
		snprintf(r->casedir, sizeof(r->casedir), "%s", cwd);
	if (r->evdir[0] == '/')
		snprintf(r->evdir_abs, sizeof(r->evdir_abs), "%s", r->evdir);
	else
		snprintf(r->evdir_abs, sizeof(r->evdir_abs), "%s/%.2000s", cwd, r->evdir);
}

int run_init(struct run *r, const struct case_model *m, const struct runner_opts *o, FILE *out,
	     struct case_result *res)
{
	int nh = m->topo.nhosts, ok = 1, nmh = m->nmarks * nh;
	char id[256];

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->o = o;
	r->out = out;
	r->res = res;
	r->t0 = clock_now();
	r->wall_t0 = r->t0 + clock_real_offset();
	r->slow = o->slow ? o->slow : 1;
	r->deadline = r->t0 + m->timeout_ms / 1000.0 * r->slow;
	r->until = INFINITY;
	r->late_step = r->fail_step = -1;
	r->tl = open_memstream(&r->tlbuf, &r->tllen);
	r->sysf = open_memstream(&r->sysctls, &r->sysctls_len);
	r->evlog = open_memstream(&r->evlogbuf, &r->evloglen);
	kdb_init(&r->kdb);
	ok &= r->tl && r->sysf && r->evlog;
	ok &= NEW_ARRAY(r->actors, m->nactors) && NEW_ARRAY(r->base, nh) &&
	      NEW_ARRAY(r->prev, nh) && NEW_ARRAY(r->caps, m->topo.nlinks) &&
	      NEW_ARRAY(r->middlebox, nh) && NEW_ARRAY(r->rule_host, m->nsteps) &&
	      NEW_ARRAY(r->ns, nh) && NEW_ARRAY(r->diag, nh) && NEW_ARRAY(r->estate, m->nsteps) &&
	      NEW_ARRAY(r->watched, nh) && NEW_ARRAY(r->dirty, nh) &&
	      NEW_ARRAY(r->pfd, m->nactors + 1) && NEW_ARRAY(r->relay_ns, m->topo.nlinks) &&
	      NEW_ARRAY(r->relays, m->topo.nlinks) && NEW_ARRAY(r->netem_dir, m->nsteps) &&
	      NEW_ARRAY(r->mark_t, m->nmarks) && NEW_ARRAY(r->mark_base, nmh) &&
	      NEW_ARRAY(r->mark_have, nmh);
	if (!ok)
		return -ENOMEM;
	for (int h = 0; h < nh; h++)
		r->ns[h] = -1;
	for (int l = 0; l < m->topo.nlinks; l++) {
		r->relay_ns[l] = -1;
		r->relays[l].ctl = -1;
	}
	for (int i = 0; i < m->nsteps; i++)
		r->netem_dir[i] = -1;
	for (int i = 0; i < m->nmarks; i++)
		r->mark_t[i] = -1;
	for (int i = 0; i < m->nsteps; i++)
		r->rule_host[i] = -1;
	for (int i = 0; i < m->nactors; i++) {
		r->actors[i].ctl = -1;
		r->watched[m->actors[i].host] = 1;
	}
	for (int i = 0; i < m->nsteps; i++)
		if (m->steps[i].kind == STEP_EXPECT && m->steps[i].expect.kind == EXPECT_SOCKETS)
			r->watched[m->steps[i].expect.host] = 1;
	case_id(m->file, id, sizeof(id));
	snprintf(r->evbelow, sizeof(r->evbelow), "%s%s%s", o->subdir ? o->subdir : "",
		 o->subdir ? "/" : "", id);
	snprintf(r->evdir, sizeof(r->evdir), "%.1000s/%.3000s", run_evroot(r), r->evbelow);
	run_abs_paths(r);
	return 0;
}

int run_counters_delta(struct run *r, int h, int since, struct counters *out)
{
	const struct counters *base =
	    since ? &r->mark_base[(since - 1) * r->m->topo.nhosts + h] : &r->base[h];
	int err = counters_read(run_ns(r, h), out);

	for (size_t i = 0; !err && i < out->n; i++) {
		int64_t then = 0;

		counters_get(base, out->v[i].name, &then);
		out->v[i].value -= then;
	}
	return err;
}

const char *run_mark_name(const struct run *r, int since)
{
	for (int i = 0; since && i < r->m->nsteps; i++)
		if (r->m->steps[i].kind == STEP_MARK && r->m->steps[i].mark == since - 1)
			return r->m->steps[i].key;
	return "the case began";
}

/* Sample host h's counters for mark mk, once; 1 if sampled now. */
static int mark_sample(struct run *r, int mk, int h, int *err)
{
	size_t at = (size_t)mk * r->m->topo.nhosts + h;

	if (h < 0 || r->mark_have[at] || *err)
		return 0;
	*err = counters_read(run_ns(r, h), &r->mark_base[at]);
	r->mark_have[at] = !*err;
	return !*err;
}

int run_mark(struct run *r, const struct step *s)
{
	const struct case_model *m = r->m;
	int mk = s->mark, err = 0;
	char hosts[256] = "";
	size_t n = 0;

	/* events and packets count from the stamp of what came before; the
	 * counters can only be read now */
	r->mark_t[mk] = r->due;
	for (int i = (int)(s - m->steps) + 1; i < m->nsteps; i++) {
		const struct expectation *e = &m->steps[i].expect;

		if (m->steps[i].kind != STEP_EXPECT || e->kind != EXPECT_COUNTER)
			continue;
		int hs[2] = {e->since == mk + 1 ? e->host : -1,
			     e->rhs.name && e->rhs.since == mk + 1 ? e->rhs.host : -1};
		for (int k = 0; k < 2; k++)
			if (mark_sample(r, mk, hs[k], &err) && n < sizeof(hosts))
				n += snprintf(hosts + n, sizeof(hosts) - n, "%s%s", n ? ", " : "",
					      m->topo.hosts[hs[k]].name);
	}
	if (err)
		return run_fail(r, s, VOP_OBSERVE, err, "mark %s: reading counters: %s", s->key,
				strerror(-err));
	if (n)
		run_log(r, "mark %s at %.3fs (counters of %s read at %.3fs)", s->key, r->due, hosts,
			run_rel(r));
	else
		run_log(r, "mark %s at %.3fs", s->key, r->due);
	return 0;
}

void run_fini(struct run *r)
{
	const struct case_model *m = r->m;

	for (int l = 0; r->caps && l < m->topo.nlinks; l++)
		capture_free(r->caps[l]);
	free(r->injected);
	for (int i = 0; r->actors && i < m->nactors; i++) {
		if (r->actors[i].ctl >= 0)
			close(r->actors[i].ctl);
		free(r->actors[i].conns);
	}
	for (int l = 0; r->relays && l < m->topo.nlinks; l++)
		if (r->relays[l].ctl >= 0)
			close(r->relays[l].ctl);
	if (r->relay_ns)
		topo_teardown(r->relay_ns, m->topo.nlinks);
	for (int h = 0; h < m->topo.nhosts; h++) {
		if (r->base)
			counters_free(&r->base[h]);
		for (int mk = 0; r->mark_base && mk < m->nmarks; mk++)
			counters_free(&r->mark_base[mk * m->topo.nhosts + h]);
		if (r->prev)
			sockdiag_list_free(&r->prev[h]);
		if (r->diag)
			r->diag[h] = sockdiag_close(r->diag[h]);
	}
	r->kev = kevents_close(r->kev);
	kdb_fini(&r->kdb);
	safefs_dir_close(&r->ev);
	if (r->evlog)
		fclose(r->evlog);
	free(r->evlogbuf);
	if (r->ns)
		topo_teardown(r->ns, m->topo.nhosts);
	if (r->tl)
		fclose(r->tl);
	if (r->sysf)
		fclose(r->sysf);
	free(r->tlbuf);
	free(r->sysctls);
	free(r->actors);
	free(r->base);
	free(r->mark_t);
	free(r->mark_base);
	free(r->mark_have);
	free(r->prev);
	free(r->caps);
	free(r->lev);
	free(r->middlebox);
	free(r->rule_host);
	free(r->ns);
	free(r->diag);
	free(r->estate);
	free(r->watched);
	free(r->dirty);
	free(r->pfd);
	free(r->relay_ns);
	free(r->relays);
	free(r->netem_dir);
	memset(r, 0, sizeof(*r));
}

double run_rel(struct run *r)
{
	return clock_now() - r->t0;
}

void run_log(struct run *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->tl, "%8.3f  ", run_rel(r));
	va_start(ap, fmt);
	vfprintf(r->tl, fmt, ap);
	va_end(ap);
	fputc('\n', r->tl);
	if (r->o->verbose) {
		fprintf(r->out, "  %8.3f  ", run_rel(r));
		va_start(ap, fmt);
		vfprintf(r->out, fmt, ap);
		va_end(ap);
		fputc('\n', r->out);
	}
}

static void failure_fill(struct run *r, const struct step *s, int verdict, enum verdict_op op,
			 int err, const char *fmt, va_list ap)
{
	struct case_failure *f = &r->res->failure;

	f->verdict = verdict;
	f->op = op;
	f->err = err < 0 ? -err : err;
	f->line = s ? s->line : 0;
	snprintf(f->file, sizeof(f->file), "%s", r->m->file);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
}

int run_fail(struct run *r, const struct step *s, enum verdict_op op, int err, const char *fmt, ...)
{
	int v = verdict_of(op, err), kept = r->res->failure.verdict;
	va_list ap;

	/* the failure kept is the one that explains the verdict: the first,
	 * unless a SKIP or an ERROR - which stop the case - follows a FAIL */
	if (!kept || (kept == VERDICT_FAIL && v != VERDICT_FAIL)) {
		va_start(ap, fmt);
		failure_fill(r, s, v, op, err, fmt, ap);
		va_end(ap);
	}
	return v;
}

int run_error(struct run *r, const struct step *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failure_fill(r, s, VERDICT_ERROR, VOP_HARNESS, 0, fmt, ap);
	va_end(ap);
	return VERDICT_ERROR;
}

const char *run_host(struct run *r, int h)
{
	return r->m->topo.hosts[h].name;
}

int run_ns(struct run *r, int h)
{
	return r->ns[h];
}

int run_dump(struct run *r, int h, const struct sockdiag_req *req, struct sockdiag_list *out)
{
	int err;

	if (!r->diag[h]) {
		r->diag[h] = sockdiag_open(run_ns(r, h), &err);
		if (!r->diag[h])
			return err;
	}
	return sockdiag_dump_sock(r->diag[h], req, out, NULL);
}

int run_host_of_addr(const struct run *r, int family, const uint8_t *addr)
{
	const struct topo *t = &r->m->topo;
	uint8_t b[16];

	for (int l = 0; l < t->nlinks; l++)
		for (int s = 0; s < 2; s++)
			if (inet_pton(family,
				      family == AF_INET ? t->links[l].v4[s] : t->links[l].v6[s],
				      b) == 1 &&
			    !memcmp(b, addr, family == AF_INET ? 4 : 16))
				return s ? t->links[l].b : t->links[l].a;
	return -1;
}

void run_ladder_add(struct run *r, double t, enum ladder_kind kind, int from, int to,
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

/* A host's sockets like `ss -tuanoip`, the Process column naming actors. */
void run_ss_dump(struct run *r, int h, FILE *f, const struct filter *flt)
{
	struct sockdiag_list l = {0};
	char line[1024];

	if (sockdiag_dump(run_ns(r, h), SOCKDIAG_TCP | SOCKDIAG_UDP | SOCKDIAG_INFO, &l, NULL)) {
		ssfmt_header(line, sizeof(line));
		fprintf(f, "%s\n", line);
		return;
	}
	run_ss_format(r, &l, f, flt);
	sockdiag_list_free(&l);
}

void run_ss_format(struct run *r, const struct sockdiag_list *l, FILE *f, const struct filter *flt)
{
	struct procsock_list procs = {0};

	for (int i = 0; i < r->m->nactors; i++) {
		size_t first = procs.n;
		if (!r->actors[i].proc_pid || r->actors[i].exited)
			continue;
		procsock_scan(r->actors[i].proc_pid, &procs);
		for (size_t k = first; k < procs.n; k++)
			snprintf(procs.v[k].comm, sizeof(procs.v[k].comm), "%s",
				 r->m->actors[i].name);
	}
	ssfmt_list(f, l, flt, &procs);
	procsock_list_free(&procs);
}

/* Whether word is one of the space-separated words of list. */
static int in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return 1;
	return 0;
}

/* Why host h's kernel refused key=val (err), when the key itself exists:
 * the value is the cause, and for the congestion control it is named. */
static int sysctl_refused(struct run *r, const struct step *s, int h, const char *key,
			  const char *val, int err)
{
	char list[256] = "";
	int cc = !strcmp(key, "net.ipv4.tcp_congestion_control");

	if (cc && err == -ENOENT &&
	    !sysctl_get(run_ns(r, h), "net.ipv4.tcp_available_congestion_control", list,
			sizeof(list)))
		return run_fail(r, s, VOP_KERNEL, err,
				"this kernel has no congestion control %s (it has: %s)", val, list);
	if (cc && (err == -EPERM || err == -EACCES) &&
	    !sysctl_get(run_ns(r, h), "net.ipv4.tcp_allowed_congestion_control", list,
			sizeof(list)) &&
	    !in_list(list, val))
		return run_fail(
		    r, s, VOP_KERNEL, err,
		    "%s is not in this machine's net.ipv4.tcp_allowed_congestion_control "
		    "(%s): a namespace may choose only those; root can allow it in the "
		    "root namespace, or the case can ask for one of them",
		    val, list);
	return run_fail(r, s, VOP_SYSCTL, err == -ENOENT ? -EINVAL : err,
			"sysctl %s=%s in %s: this kernel refuses the value: %s%s", key, val,
			run_host(r, h), strerror(-err),
			err == -EACCES || err == -EPERM ? " (read-only in a namespace)" : "");
}

/* "this kernel has no sysctl KEY", and the key meant if its last part is a
 * typo of a key's beside it (compared without the folder they share). */
static int sysctl_missing(struct run *r, const struct step *s, int h, const char *key)
{
	char *keys = malloc(16384), hint[160] = "";
	const char *leaf = strrchr(key, '.') ? strrchr(key, '.') + 1 : key;
	struct nearest nr;

	nearest_init(&nr, leaf);
	if (keys && !sysctl_siblings(run_ns(r, h), key, keys, 16384)) {
		for (char *k = keys, *nl; *k; k = nl + 1) {
			if (!(nl = strchr(k, '\n')))
				break;
			*nl = '\0';
			nearest_try(&nr, strrchr(k, '.') ? strrchr(k, '.') + 1 : k);
		}
		if (nearest_best(&nr))
			snprintf(hint, sizeof(hint), " - did you mean '%.*s%s'?", (int)(leaf - key),
				 key, nearest_best(&nr));
	}
	free(keys);
	return run_fail(r, s, VOP_SYSCTL, -ENOENT, "this kernel has no sysctl %s%s", key, hint);
}

int run_sysctl(struct run *r, const struct step *s, int h, const char *key, const char *val,
	       int optional)
{
	char now[256];
	int err = sysctl_set(run_ns(r, h), key, val);
	int exists = err && !sysctl_get(run_ns(r, h), key, now, sizeof(now));

	if (err == -ENOENT && !exists && optional) {
		fprintf(r->sysf, "%s %s: not on this kernel\n", run_host(r, h), key);
		return 0;
	}
	if (err == -ENOENT && !exists)
		return sysctl_missing(r, s, h, key);
	if (err)
		return sysctl_refused(r, s, h, key, val, err);
	if (!sysctl_get(run_ns(r, h), key, now, sizeof(now)))
		fprintf(r->sysf, "%s %s=%s\n", run_host(r, h), key, now);
	run_log(r, "sysctl %s %s=%s", run_host(r, h), key, val);
	return 0;
}
