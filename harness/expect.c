#define _GNU_SOURCE
#include "expect.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "timing.h"
#include "cleanup.h"
#include "evidence.h"
#include "clock.h"
#include "units.h"
#include "watch.h"
#include "../netns/counters.h"
#include "../netns/nft.h"
#include "../netns/sockdiag.h"

#define MODES_ALL	     ((1u << EXPECT_ONCE) | (1u << EXPECT_WITHIN) | (1u << EXPECT_THROUGHOUT))
#define MODES_NOT_THROUGHOUT ((1u << EXPECT_ONCE) | (1u << EXPECT_WITHIN))

/* How long stamped evidence (a capture's packets) may take to come in after
 * the time it is judged up to, before the expectation is undecided. */
#define CATCHUP_S 2.0

int expect_op_parse(struct cur *c, enum filter_cmp *op)
{
	char w[8];
	const char *at;

	caselex_ws(c);
	at = c->p;
	if (caselex_word(c, w, sizeof(w), "a comparison (== != < <= > >=)"))
		return -EINVAL;
	if (!units_op_parse(w, op))
		return 0;
	if (!strcmp(w, "="))
		return caselex_fail(c, at, "use '==' to compare, not '='");
	return caselex_fail(c, at, "expected a comparison (== != < <= > >=), found '%s'", w);
}

/* "OP N" with N from min on, then the end of the statement. */
int expect_op_value(struct cur *c, struct expectation *e, long long min)
{
	int err;

	if ((err = expect_op_parse(c, &e->op)) ||
	    (err = caselex_number(c, &e->value, min, LLONG_MAX, "a number")))
		return err;
	return caselex_need_end(c);
}

/* "fn(" ... ")" with balanced parentheses; *inner is malloc'd; 1 if absent. */
int expect_call_args(struct cur *c, const char *fn, char **inner, const char **inner_at)
{
	size_t n = strlen(fn);
	int depth = 0;
	const char *s;

	caselex_ws(c);
	if (strncmp(c->p, fn, n) || c->p[n] != '(')
		return 1;
	s = c->p + n + 1;
	for (const char *q = s; *q; q++) {
		if (*q == '(')
			depth++;
		else if (*q == ')' && depth-- == 0) {
			*inner = strndup(s, q - s);
			*inner_at = s;
			c->p = q + 1;
			return *inner ? 0 : -ENOMEM;
		}
	}
	return caselex_fail(c, s - 1, "missing ')' to close %s(", fn);
}

/* ---- sockets: count(FILTER) OP N | any(FILTER) | none(FILTER) ---- */

int expect_resolve_host(void *ctx, const char *name, struct filter_addr *out, int max)
{
	const struct topo *t = ctx;
	int h = topo_host_find(t, name), n = 0;

	if (h < 0)
		return 0;
	for (int l = 0; l < t->nlinks; l++) {
		int s = topo_link_side(t, l, h);
		if (s < 0)
			continue;
		if (out && n + 2 <= max) {
			out[n].family = AF_INET;
			inet_pton(AF_INET, t->links[l].v4[s], out[n].bytes);
			out[n + 1].family = AF_INET6;
			inet_pton(AF_INET6, t->links[l].v6[s], out[n + 1].bytes);
		}
		n += 2;
	}
	return out && n > max ? max : n;
}

static int sockets_parse(struct cur *c, struct expectation *e)
{
	static const char *const aggs[] = {
	    [AGG_COUNT] = "count", [AGG_ANY] = "any", [AGG_NONE] = "none"};
	struct filter_error fe;
	const char *inner_at;
	int err = 1;

	for (int a = AGG_COUNT; a <= AGG_NONE && err == 1; a++) {
		err = expect_call_args(c, aggs[a], &e->text, &inner_at);
		e->agg = a;
	}
	if (err == 1)
		return caselex_fail(c, c->p,
				    "expected count(FILTER), any(FILTER), none(FILTER) or "
				    "counter NAME");
	if (err)
		return err;
	if (filter_parse(e->text, expect_resolve_host, &c->m->topo, &e->filter, &fe))
		return caselex_fail(c, inner_at + fe.col - 1, "%s", fe.msg);
	if (e->agg == AGG_COUNT)
		return expect_op_value(c, e, 0);
	return caselex_need_end(c);
}

static const char *agg_name(enum expect_agg a)
{
	return a == AGG_COUNT ? "count" : a == AGG_ANY ? "any" : "none";
}

/* The last sample a socket expectation judged, kept for its failure report. */
struct sockets_sample {
	struct sockdiag_list socks; /* what the dump returned (the filter's states and ports) */
	double t;		    /* when, in seconds since the case began */
};

static int sockets_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	struct sockets_sample *smp = *state;
	struct sockdiag_list l = {0};
	struct sockdiag_req req;
	char bc[FILTER_BC_MAX];
	long long n = 0;
	int err;

	if (!smp && !(smp = *state = calloc(1, sizeof(*smp))))
		return -ENOMEM;
	filter_sockdiag_req(e->filter, SOCKDIAG_TCP, &req, bc, sizeof(bc));
	err = run_dump(r, e->host, &req, &l);
	if (err) {
		sockdiag_list_free(&l);
		return err;
	}
	for (size_t i = 0; i < l.n; i++)
		n += filter_match(e->filter, &l.v[i]);
	sockdiag_list_free(&smp->socks);
	smp->socks = l;
	smp->t = run_rel(r);
	ob->value = n;
	ob->ok = e->agg == AGG_COUNT ? filter_cmp_eval(n, e->op, e->value)
		 : e->agg == AGG_ANY ? n > 0
				     : n == 0;
	snprintf(ob->text, sizeof(ob->text), "%s = %lld", agg_name(e->agg), n);
	return 0;
}

/* Write what fill writes into out, each line indented. */
static void indented(FILE *out, void (*fill)(struct run *, const void *, FILE *), struct run *r,
		     const void *arg)
{
	char *buf = NULL, *save;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	fill(r, arg, m);
	if (fclose(m) == 0)
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			fprintf(out, "    %s\n", l);
	free(buf);
}

static void fill_sample(struct run *r, const void *arg, FILE *f)
{
	const struct expectation *e = arg;
	const struct sockets_sample *smp = r->estate[e->step];

	run_ss_format(r, &smp->socks, f, e->filter);
}

static void fill_now(struct run *r, const void *arg, FILE *f)
{
	const struct expectation *e = arg;

	run_ss_dump(r, e->host, f, NULL);
}

/* The sample that decided (the matching sockets as they were then), then
 * every socket of the host now. */
static void sockets_describe(struct run *r, const struct expectation *e, FILE *out)
{
	const struct sockets_sample *smp = r->estate[e->step];

	if (smp) {
		fprintf(out, "  the sample that decided, at %.3fs: the sockets on %s it counted\n",
			smp->t, run_host(r, e->host));
		indented(out, fill_sample, r, e);
	}
	fprintf(out, "  sockets on %s now:\n", run_host(r, e->host));
	indented(out, fill_now, r, e);
}

static void sockets_release(void *state)
{
	struct sockets_sample *smp = state;

	if (smp)
		sockdiag_list_free(&smp->socks);
	free(smp);
}

/* ---- counter NAME OP N ---- */

static int counter_parse(struct cur *c, struct expectation *e)
{
	char w[64];
	const char *at;
	int err;

	caselex_ws(c);
	c->p += strlen("counter");
	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "a counter name (TcpExtListenOverflows)")))
		return err;
	if (!isupper((unsigned char)w[0]))
		return caselex_fail(c, at,
				    "'%s' is not a counter name (nstat names such as "
				    "TcpExtListenOverflows)",
				    w);
	e->text = strdup(w);
	if (!e->text)
		return -ENOMEM;
	if ((err = expect_op_parse(c, &e->op)) ||
	    (err = caselex_number(c, &e->value, LLONG_MIN, LLONG_MAX, "a number")))
		return err;
	return caselex_need_end(c);
}

static int counter_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	struct counters c = {0};
	int64_t now = 0, then = 0;
	int err = counters_read(run_ns(r, e->host), &c);

	if (!err)
		err = counters_get(&c, e->text, &now);
	counters_free(&c);
	if (err == -ENOENT) {
		snprintf(ob->text, sizeof(ob->text), "this kernel has no counter %s", e->text);
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

/* ---- packets A B: count(PCAP-FILTER) OP N ---- */

/* count(...), times(...) or gaps(...): which, into e->agg; 1 if none. */
int expect_timing_call(struct cur *c, struct expectation *e, const char *count_fn,
		       const char **inner_at)
{
	int err = expect_call_args(c, count_fn, &e->text, inner_at);

	e->agg = AGG_COUNT;
	if (err == 1 && !(err = expect_call_args(c, "times", &e->text, inner_at)))
		e->agg = AGG_TIMES;
	if (err == 1 && !(err = expect_call_args(c, "gaps", &e->text, inner_at)))
		e->agg = AGG_GAPS;
	e->timing.gaps = e->agg == AGG_GAPS;
	if (!err && e->agg != AGG_COUNT && e->mode == EXPECT_THROUGHOUT)
		return caselex_fail(c, *inner_at,
				    "times and gaps are judged once or within T, not "
				    "throughout");
	return err;
}

static int packets_parse(struct cur *c, struct expectation *e)
{
	const char *inner_at;
	char why[256];
	int err = expect_timing_call(c, e, "count", &inner_at);

	if (err == 1)
		return caselex_fail(c, c->p,
				    "expected count(PCAP-FILTER), times(PCAP-FILTER) or "
				    "gaps(PCAP-FILTER)");
	if (err)
		return err;
	if (capture_filter_compile(&c->m->topo, e->text, why, sizeof(why)))
		return caselex_fail(c, inner_at, "bad packet filter: %s", why);
	if (e->agg != AGG_COUNT)
		return timing_parse(c, &e->timing);
	return expect_op_value(c, e, 0);
}

void expect_timing_judge(struct run *r, const struct expectation *e, const double *s, int n,
			 struct obs *ob)
{
	struct timing_tol tol = {r->m->tol_abs, r->m->tol_frac, r->slow};
	char why[200];

	ob->value = n;
	ob->ok = timing_judge(&e->timing, &tol, s, n, why, sizeof(why));
	snprintf(ob->text, sizeof(ob->text), "%s", why);
	if (ob->ok && n)
		ob->stamp = s[n - 1];
}

static int packets_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	char why[256];
	double last;
	long n;
	int err, complete;

	if (!r->caps[e->link]) {
		snprintf(ob->text, sizeof(ob->text), "that link is not captured (add 'capture')");
		ob->ok = 0;
		return 0;
	}
	if (!*state) {
		/* compiled once, then each tick counts only the new packets */
		err = capture_filter_new(&r->m->topo, e->text, (struct capture_filter **)state, why,
					 sizeof(why));
		if (err)
			return err;
	}
	/* pcap stamps with CLOCK_REALTIME: converted through the pair of clocks
	 * read together when the case began */
	n = capture_filter_count(r->caps[e->link], *state, r->wall_t0 + r->until, &last, &complete);
	ob->wait = !complete;
	if (e->agg != AGG_COUNT) {
		const double *w = capture_filter_stamps(*state);
		double *s = malloc((n ? n : 1) * sizeof(*s));
		if (!s)
			return -ENOMEM;
		for (long i = 0; i < n; i++)
			s[i] = w[i] - r->wall_t0;
		expect_timing_judge(r, e, s, (int)n, ob);
		free(s);
		return 0;
	}
	ob->value = n;
	ob->ok = filter_cmp_eval(n, e->op, e->value);
	if (n && ob->ok)
		ob->stamp = last - r->wall_t0;
	snprintf(ob->text, sizeof(ob->text), "count = %ld packets", n);
	return 0;
}

static void packets_release(void *state)
{
	capture_filter_free(state);
}

/* ---- NAME exits: ok | error ERRNO | status N | signal SIG ---- */

static int exits_parse(struct cur *c, struct expectation *e)
{
	char w[64];
	const char *at;
	long long v;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "ok, error ERRNO, status N or signal SIG")))
		return err;
	if (!strcmp(w, "ok")) {
		e->exit_want = EXIT_OK;
	} else if (!strcmp(w, "error")) {
		e->exit_want = EXIT_ERROR;
		caselex_ws(c);
		at = c->p;
		if ((err = caselex_word(c, w, sizeof(w), "an errno name (ECONNRESET, ETIMEDOUT)")))
			return err;
		e->exit_errno = units_errno_parse(w);
		if (e->exit_errno <= 0)
			return caselex_fail(c, at,
					    "unknown errno name '%s' (ECONNRESET, ETIMEDOUT, "
					    "ECONNREFUSED, EPIPE, EHOSTUNREACH, ...)",
					    w);
	} else if (!strcmp(w, "status")) {
		e->exit_want = EXIT_STATUS;
		if ((err = caselex_number(c, &v, 0, 255, "an exit status from 0 to 255")))
			return err;
		e->exit_status = (int)v;
	} else if (!strcmp(w, "signal")) {
		e->exit_want = EXIT_SIGNAL;
		if ((err = caselex_signal(c, &e->exit_status)))
			return err;
	} else {
		return caselex_fail(
		    c, at, "expected ok, error ERRNO, status N or signal SIG, found '%s'", w);
	}
	return caselex_need_end(c);
}

/* The result an actor reports for what e wants ("error ECONNRESET"). */
static void exit_wanted(const struct expectation *e, char *buf, size_t len)
{
	if (e->exit_want == EXIT_OK)
		snprintf(buf, len, "ok");
	else if (e->exit_want == EXIT_ERROR)
		snprintf(buf, len, "error %s", units_errno_name(e->exit_errno));
	else if (e->exit_want == EXIT_SIGNAL)
		snprintf(buf, len, "signal %s", sigabbrev_np(e->exit_status));
	else
		snprintf(buf, len, "status %d", e->exit_status);
}

static int exits_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	const struct actor_run *a = &r->actors[e->actor];
	char want[96];

	exit_wanted(e, want, sizeof(want));
	ob->ok = 0;
	if (!a->pid) {
		snprintf(ob->text, sizeof(ob->text), "not started");
	} else if (!a->exited) {
		snprintf(ob->text, sizeof(ob->text), "still running");
	} else {
		/* it ended: the verdict cannot change any more */
		double after = a->ended - r->due;
		ob->final = 1;
		ob->stamp = a->ended;
		ob->ok = !strcmp(a->result, want) && (!e->min_ms || after * 1000 >= e->min_ms);
		if (e->min_ms && after * 1000 < e->min_ms)
			snprintf(ob->text, sizeof(ob->text),
				 "exited: %s at %.3fs, %.3fs after the statement: before %.3fs",
				 a->result, a->ended, after < 0 ? 0 : after, e->min_ms / 1000.0);
		else
			snprintf(ob->text, sizeof(ob->text), "exited: %s at %.3fs", a->result,
				 a->ended);
	}
	return 0;
}

/* ---- NAME prints: "TEXT" | /REGEX/ ---- */

/* Limits that keep regcomp() in a few MiB and well inside the stack. */
#define EXPECT_REGEX_DEPTH 100
#define EXPECT_REGEX_SIZE  10000

/* "/REGEX/" with \/ for a slash, into e->text; compiled once to check it. */
static int prints_regex(struct cur *c, struct expectation *e)
{
	const char *at = c->p, *q = c->p + 1;
	char *out = malloc(strlen(c->p) + 1), why[256];
	size_t n = 0;
	regex_t re;
	int err;

	if (!out)
		return -ENOMEM;
	for (; *q && *q != '/'; q++)
		out[n++] = *q == '\\' && q[1] == '/' ? *++q : *q;
	out[n] = '\0';
	e->text = out;
	if (*q != '/')
		return caselex_fail(c, at, "unterminated /REGEX/ (a slash inside is \\/)");
	c->p = q + 1;
	err = units_regex_bounded(out, EXPECT_REGEX_DEPTH, EXPECT_REGEX_SIZE);
	if (err == -ELOOP)
		return caselex_fail(c, at, "regular expression nests groups deeper than %d",
				    EXPECT_REGEX_DEPTH);
	if (err == -EDOM)
		return caselex_fail(c, at,
				    "regular expression repeats what can already match the empty "
				    "string (as in (a*)*, a??, (x|)+ or ^*): regcomp() may take "
				    "exponential time; drop the extra operator");
	if (err)
		return caselex_fail(c, at,
				    "regular expression too large: its repetitions expand to more "
				    "than %d copies (nested {N} bounds multiply), or more than %d "
				    "of what can match the empty string (anchors, starred atoms, "
				    "empty groups), or a group has more than %d alternatives",
				    EXPECT_REGEX_SIZE, EXPECT_REGEX_SIZE / 100, UNITS_REGEX_ALTS);
	err = regcomp(&re, out, REG_EXTENDED | REG_NOSUB);
	if (err) {
		regerror(err, &re, why, sizeof(why));
		return caselex_fail(c, at, "bad regular expression: %s", why);
	}
	regfree(&re);
	e->regex = 1;
	return 0;
}

static int prints_parse(struct cur *c, struct expectation *e)
{
	int err;

	caselex_ws(c);
	if (*c->p == '/')
		err = prints_regex(c, e);
	else if (*c->p == '"')
		err = caselex_text(c, &e->text, "the text");
	else
		err = caselex_fail(c, c->p, "expected \"TEXT\" or /REGEX/");
	return err ? err : caselex_need_end(c);
}

/* How far through the actor's output an expectation has read. */
struct prints_state {
	regex_t re;
	int compiled;
	long offset; /* bytes of the output read */
	char *all;   /* every byte read (malloc'd) */
	size_t nall;
	int found;
};

/* Read what the actor wrote since the last look; 0 or -errno. */
static int prints_read(struct run *r, const struct expectation *e, struct prints_state *st)
{
	char path[4300], buf[65536];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.out", r->evdir, r->m->actors[e->actor].name);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (fseek(f, st->offset, SEEK_SET) == 0)
		while (!st->found && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
			char *v = realloc(st->all, st->nall + n + 1);
			if (!v) {
				fclose(f);
				return -ENOMEM;
			}
			st->all = v;
			memcpy(st->all + st->nall, buf, n);
			st->nall += n;
			st->all[st->nall] = '\0';
			st->offset += (long)n;
		}
	fclose(f);
	return 0;
}

/* Whether the output read so far matches: the text anywhere, the regex on
 * some line (NUL bytes end what can be seen of a line). */
static int prints_match(const struct expectation *e, struct prints_state *st)
{
	char *save, *copy;

	if (!st->all)
		return 0;
	if (!e->regex)
		return strstr(st->all, e->text) != NULL;
	copy = strdup(st->all);
	for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l && !st->found;
	     l = strtok_r(NULL, "\n", &save))
		st->found = !regexec(&st->re, l, 0, NULL, 0);
	free(copy);
	return st->found;
}

static int prints_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	const struct actor_run *a = &r->actors[e->actor];
	struct prints_state *st = *state;
	int exited = a->exited, err;

	if (!st && !(st = *state = calloc(1, sizeof(*st))))
		return -ENOMEM;
	if (e->regex && !st->compiled) {
		if (regcomp(&st->re, e->text, REG_EXTENDED | REG_NOSUB))
			return -EINVAL;
		st->compiled = 1;
	}
	if ((err = prints_read(r, e, st)))
		return err;
	st->found = st->found || prints_match(e, st);
	ob->ok = st->found;
	ob->value = (long long)st->nall;
	/* an ended actor writes no more: what is not there will not come */
	ob->final = !ob->ok && exited;
	snprintf(ob->text, sizeof(ob->text), "%s after %zu bytes of output%s",
		 ob->ok ? "found" : "not found", st->nall,
		 !a->pid  ? " (not started)"
		 : exited ? " (it has exited)"
			  : "");
	return 0;
}

static void prints_release(void *state)
{
	struct prints_state *st = state;

	if (!st)
		return;
	if (st->compiled)
		regfree(&st->re);
	free(st->all);
	free(st);
}

/* ---- rule NAME: matched OP N ---- */

static int rule_parse(struct cur *c, struct expectation *e)
{
	char w[32];
	const char *at;
	int err;

	caselex_ws(c);
	at = c->p;
	if ((err = caselex_word(c, w, sizeof(w), "'matched'")))
		return err;
	if (strcmp(w, "matched"))
		return caselex_fail(c, at, "expected 'matched' (expect rule NAME: matched OP N)");
	return expect_op_value(c, e, 0);
}

/* The packets counted by every counter of a listed chain ("counter packets N bytes M"). */
long long expect_rule_packets(const char *listing)
{
	long long n = 0;

	for (const char *p = strstr(listing, "counter packets "); p;
	     p = strstr(p + 1, "counter packets "))
		n += strtoll(p + strlen("counter packets "), NULL, 10);
	return n;
}

static int rule_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	_cleanup_free_ char *out = NULL;
	char cmd[128], why[256];
	int host = -1, err;

	/* the host the rule of that name was placed in last, by a step before this one */
	for (int i = 0; i < e->step; i++)
		if (r->m->steps[i].kind == STEP_RULE && !strcmp(r->m->steps[i].rule.name, e->text))
			host = r->rule_host[i];
	ob->ok = 0;
	if (host < 0) {
		snprintf(ob->text, sizeof(ob->text), "rule %s is not in place", e->text);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "list chain inet netcase_rules r_%s", e->text);
	err = nft_list(run_ns(r, host), cmd, &out, why, sizeof(why));
	if (err == -ENOENT) {
		snprintf(ob->text, sizeof(ob->text), "rule %s was removed", e->text);
		return 0;
	}
	if (err)
		return err;
	ob->value = expect_rule_packets(out);
	ob->ok = filter_cmp_eval(ob->value, e->op, e->value);
	snprintf(ob->text, sizeof(ob->text), "rule %s in %s matched %lld packets", e->text,
		 run_host(r, host), ob->value);
	return 0;
}

/* ---- NAME running ---- */

static int running_parse(struct cur *c, struct expectation *e)
{
	return caselex_need_end(c);
}

static int running_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	const struct actor_run *a = &r->actors[e->actor];

	ob->ok = a->pid && !a->exited;
	if (!a->pid)
		snprintf(ob->text, sizeof(ob->text), "not started");
	else if (a->exited)
		snprintf(ob->text, sizeof(ob->text), "exited: %s", a->result);
	else
		snprintf(ob->text, sizeof(ob->text), "running");
	return 0;
}

static const struct expect_ops ops[] = {
    [EXPECT_SOCKETS] = {"socket", MODES_ALL, COLON_REQUIRED, sockets_parse, sockets_observe,
			sockets_describe, sockets_release},
    [EXPECT_COUNTER] = {"counter", MODES_NOT_THROUGHOUT, COLON_OPTIONAL, counter_parse,
			counter_observe, NULL, NULL},
    [EXPECT_PACKETS] = {"packet", MODES_ALL, COLON_REQUIRED, packets_parse, packets_observe, NULL,
			packets_release, .stamped = 1},
    [EXPECT_EXITS] = {"exit", MODES_NOT_THROUGHOUT, COLON_REQUIRED, exits_parse, exits_observe,
		      NULL, NULL},
    [EXPECT_PRINTS] = {"prints", MODES_NOT_THROUGHOUT, COLON_REQUIRED, prints_parse, prints_observe,
		       NULL, prints_release},
    [EXPECT_RULE] = {"rule", MODES_ALL, COLON_REQUIRED, rule_parse, rule_observe, NULL, NULL},
    [EXPECT_RUNNING] = {"running", 1u << EXPECT_ONCE, COLON_NONE, running_parse, running_observe,
			NULL, NULL},
    [EXPECT_HISTORY] = {"history", MODES_NOT_THROUGHOUT, COLON_REQUIRED, expect_history_parse,
			expect_history_observe, expect_history_describe, NULL},
    [EXPECT_EVENTS] = {"events", MODES_ALL, COLON_REQUIRED, expect_events_parse,
		       expect_events_observe, NULL, expect_events_release, .stamped = 1},
};

const struct expect_ops *expect_ops_of(enum expect_kind kind)
{
	return (unsigned)kind < sizeof(ops) / sizeof(ops[0]) ? &ops[kind] : NULL;
}

/* ---- judging ---- */

struct judging {
	const struct expectation *e;
	int stamped;
	void **state;
	struct obs *ob;	    /* the last observation */
	struct obs decided; /* the last one that decided (lay in the window) */
	int ndeciding, settled;
	double due, end; /* the window, run-relative (end == due: at this point) */
};

/* A deciding observation; 1 when it settles the mode. */
static int decide(struct judging *j)
{
	const struct expectation *e = j->e;
	const struct obs *ob = j->ob;

	j->decided = *ob;
	j->ndeciding++;
	return e->mode == EXPECT_ONCE || (e->mode == EXPECT_WITHIN && (ob->ok || ob->final)) ||
	       (e->mode == EXPECT_THROUGHOUT && !ob->ok);
}

/* After each round of the loop: observe, and decide by the observation's
 * stamps or its interval; 1 when settled, -errno when the observer failed. */
static int judge_round(struct run *r, void *ctx)
{
	struct judging *j = ctx;
	struct obs *ob = j->ob;
	int err;

	ob->wait = ob->final = 0;
	ob->stamp = -1;
	err = expect_ops_of(j->e->kind)->observe(r, j->e, j->state, ob);
	if (err)
		return err;
	ob->t0 = r->round_t0;
	ob->t1 = run_rel(r);
	if (ob->stamp < 0)
		ob->stamp = ob->t1;
	if (j->stamped) {
		/* what is in is all stamped up to the end, and a prefix of it:
		 * it held (within) or failed (throughout) at its last stamp */
		if ((j->e->mode == EXPECT_WITHIN && (ob->ok || ob->final)) ||
		    (j->e->mode == EXPECT_THROUGHOUT && !ob->ok))
			return decide(j);
		/* otherwise only a complete look after the end decides */
		if (ob->wait || ob->t0 < j->end)
			return 0;
		decide(j);
		return 1;
	}
	if (j->e->mode == EXPECT_ONCE)
		return decide(j);
	/* a sample decides only inside the window: within, one begun by its
	 * end; throughout, one over before its end */
	if (j->e->mode == EXPECT_WITHIN ? ob->t0 <= j->end : ob->t1 <= j->end)
		return decide(j);
	return 1; /* past the window: what decided is in j->decided */
}

/* Judge e over its window [due, end]: 0 with j->decided filled in (none when
 * j->ndeciding is 0: the harness looked too late), or -errno. */
static int expect_poll(struct run *r, struct judging *j)
{
	double catchup = r->t0 + (j->end > run_rel(r) ? j->end : run_rel(r)) + CATCHUP_S * r->slow;
	int d = watch_until(r, j->e->mode == EXPECT_ONCE ? 0 : r->t0 + j->end, judge_round, j);

	/* stamped evidence: a complete look after the window's end settles it */
	if (!d && j->stamped && !r->timed_out)
		d = watch_until(r, catchup, judge_round, j);
	j->settled = d > 0;
	return d < 0 ? d : 0;
}

static int expect_unobservable(struct run *r, const struct step *s, int err)
{
	/* ENOENT from sock_diag: no inet_diag/tcp_diag in this kernel */
	int nodiag = err == -ENOENT && s->expect.kind == EXPECT_SOCKETS;

	run_fail(r, "%s:%d: cannot observe: %s%s", r->m->file, s->line, strerror(-err),
		 nodiag ? " (this kernel has no TCP socket diag: CONFIG_INET_DIAG and "
			  "CONFIG_INET_TCP_DIAG, or their modules)"
			: "");
	return nodiag ? VERDICT_SKIP : VERDICT_ERROR;
}

/* The failure's context on the output, and kept as expect-LINE.txt. */
static void describe_kept(struct run *r, const struct step *s, const struct expect_ops *k)
{
	char *buf = NULL, name[64];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	fprintf(m, "%s:%d: %s\n", r->m->file, s->line, s->source);
	k->describe(r, &s->expect, m);
	if (fclose(m) == 0) {
		fputs(strchr(buf, '\n') + 1, r->out);
		snprintf(name, sizeof(name), "expect-%d.txt", s->line);
		evidence_file(r, name, buf, len);
	}
	free(buf);
}

static void expect_report(struct run *r, const struct step *s, const struct judging *j)
{
	const struct expectation *e = &s->expect;
	const struct expect_ops *k = expect_ops_of(e->kind);
	const struct obs *ob = &j->decided;

	fprintf(r->out, "FAIL %s:%d: %s\n", r->m->file, s->line, s->source);
	if (e->mode == EXPECT_THROUGHOUT)
		fprintf(r->out, "  became false after %.3fs of %.3fs: %s\n",
			(j->stamped ? ob->stamp : ob->t1) - j->due, e->duration_ms / 1000.0,
			ob->text);
	else if (e->mode == EXPECT_WITHIN && ob->final)
		fprintf(r->out, "  observed when it could no longer come true: %s\n", ob->text);
	else
		fprintf(r->out, "  observed%s: %s\n",
			e->mode == EXPECT_WITHIN ? " at the deadline" : "", ob->text);
	if (k->describe)
		describe_kept(r, s, k);
	run_fail(r, "%s:%d: %s (observed: %s)", r->m->file, s->line, s->source, ob->text);
}

/* No observation decided: the harness looked after the window, or stamped
 * evidence never caught up with it.  An ERROR, never the kernel's FAIL. */
static int expect_undecided(struct run *r, const struct step *s, const struct judging *j)
{
	const struct obs *ob = j->ob;

	if (j->stamped)
		run_fail(r,
			 "%s:%d: the evidence was not all in %.3fs after the window's end "
			 "(%.3fs): nothing decided",
			 r->m->file, s->line, ob->t1 - j->end, j->end);
	else
		run_fail(r,
			 "%s:%d: no sample inside the window [%.3fs, %.3fs]: the harness first "
			 "looked at %.3fs, %.0f ms late",
			 r->m->file, s->line, j->due, j->end, ob->t0, (ob->t0 - j->end) * 1000);
	fprintf(r->out, "ERROR %s\n", r->res->reason);
	run_log(r, "expect (line %d) UNDECIDED: %s", s->line, r->res->reason);
	return VERDICT_ERROR;
}

int expect_run(struct run *r, const struct step *s, int idx)
{
	const struct expectation *e = &s->expect;
	struct obs ob = {0};
	/* the window starts at the stamp of what came before; a `within`
	 * deadline widens with NETCASE_SLOW, a `throughout` window never */
	struct judging j = {.e = e,
			    .stamped = expect_ops_of(e->kind)->stamped,
			    .state = &r->estate[idx],
			    .ob = &ob,
			    .due = r->due,
			    .end = r->due + (e->mode == EXPECT_ONCE
						 ? 0
						 : e->duration_ms / 1000.0 *
						       (e->mode == EXPECT_WITHIN ? r->slow : 1))};
	int err, ok;

	r->res->nexpect++;
	r->until = j.end;
	err = expect_poll(r, &j);
	r->until = INFINITY;
	if (err)
		return expect_unobservable(r, s, err);
	watch_sockets(r); /* what the expectation saw goes into the timeline too */
	if (!j.ndeciding || (j.stamped && !j.settled))
		return expect_undecided(r, s, &j);
	ok = j.decided.ok;
	if (e->mode == EXPECT_THROUGHOUT && ok && !j.settled && j.decided.t1 < j.end &&
	    r->timed_out)
		ok = 0; /* cut short by the case timeout */
	/* what comes next is due at this one's stamp: when its evidence made it
	 * true, the end of its window, or its own point in time */
	if (e->mode == EXPECT_WITHIN && ok)
		r->due = j.decided.stamp > j.due ? j.decided.stamp : j.due;
	else if (e->mode != EXPECT_ONCE)
		r->due = j.end;
	run_log(r, "expect (line %d) %s: %s [%s %.3fs]", s->line, ok ? "passed" : "FAILED",
		j.decided.text, j.stamped ? "stamped" : "sampled",
		j.stamped ? j.decided.stamp : j.decided.t1);
	run_ladder_add(r, run_rel(r), LADDER_EXPECT, -1, -1, ok ? "pass" : "fail",
		       "%s line %d: %s (%s)", ok ? "PASS" : "FAIL", s->line, s->source,
		       j.decided.text);
	if (ok)
		return VERDICT_PASS;
	r->res->nfailed++;
	expect_report(r, s, &j);
	return VERDICT_FAIL;
}

void expect_release(struct run *r)
{
	for (int i = 0; i < r->m->nsteps; i++) {
		const struct expect_ops *k;

		if (r->m->steps[i].kind != STEP_EXPECT || !r->estate[i])
			continue;
		k = expect_ops_of(r->m->steps[i].expect.kind);
		if (k->release)
			k->release(r->estate[i]);
		r->estate[i] = NULL;
	}
}
