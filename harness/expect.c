#define _GNU_SOURCE
#include "expect.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <limits.h>
#include <regex.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "pktdecode.h"
#include "../lang/timing.h"
#include "cleanup.h"
#include "../lang/nearest.h"
#include "../lang/units.h"
#include "../netns/counters.h"
#include "../netns/nft.h"
#include "../netns/sockdiag.h"

/* ---- sockets: count(FILTER) OP N | any(FILTER) | none(FILTER) ---- */

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
	filter_sockdiag_req(e->filter, filter_protocols(e->filter), &req, bc, sizeof(bc));
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

/* ---- counter NAME [since MARK] OP N | OP [F *] [HOST:]NAME [since MARK] ---- */

/* Counter name of host h since a mark (0: the case's start) into *v. */
static int counter_value(struct run *r, int h, const char *name, int since, int64_t *v)
{
	struct counters c = {0};
	int err = run_counters_delta(r, h, since, &c);

	*v = 0;
	if (!err)
		err = counters_get(&c, name, v);
	counters_free(&c);
	return err;
}

/* "this kernel has no counter NAME", and the one meant if a typo of it. */
static void counter_missing(struct run *r, int h, const char *name, struct obs *ob)
{
	struct counters c = {0};
	struct nearest nr;
	char hint[96] = "";

	nearest_init(&nr, name);
	if (!run_counters_delta(r, h, 0, &c)) {
		for (size_t i = 0; i < c.n; i++)
			nearest_try(&nr, c.v[i].name);
		nearest_hint(&nr, hint, sizeof(hint));
	}
	snprintf(ob->text, sizeof(ob->text), "this kernel has no counter %s%s", name, hint);
	counters_free(&c);
	ob->ok = 0;
}

static int cmp_double(double a, enum filter_cmp op, double b)
{
	return op == FILTER_EQ	 ? a == b
	       : op == FILTER_NE ? a != b
	       : op == FILTER_LT ? a < b
	       : op == FILTER_LE ? a <= b
	       : op == FILTER_GT ? a > b
				 : a >= b;
}

static int counter_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	const struct counter_ref *q = &e->rhs;
	int64_t v = 0, w = 0;
	int err = counter_value(r, e->host, e->text, e->since, &v);
	const char *missing = e->text;
	char since[64], rsince[64], rhost[48] = "";

	if (!err && q->name && (err = counter_value(r, q->host, q->name, q->since, &w)) == -ENOENT)
		missing = q->name;
	if (err == -ENOENT) {
		counter_missing(r, q->name && missing == q->name ? q->host : e->host, missing, ob);
		return 0;
	}
	if (err)
		return err;
	snprintf(since, sizeof(since), e->since ? "mark %s" : "%s", run_mark_name(r, e->since));
	ob->value = v;
	if (!q->name) {
		ob->ok = filter_cmp_eval(v, e->op, e->value);
		snprintf(ob->text, sizeof(ob->text), "%s = %lld (since %s)", e->text, (long long)v,
			 since);
		return 0;
	}
	ob->ok = cmp_double((double)v, e->op, e->factor * (double)w);
	snprintf(rsince, sizeof(rsince), q->since ? "mark %s" : "%s", run_mark_name(r, q->since));
	if (q->host != e->host)
		snprintf(rhost, sizeof(rhost), "%s:", r->m->topo.hosts[q->host].name);
	if (e->factor == 1)
		snprintf(ob->text, sizeof(ob->text),
			 "%s = %lld (since %s) against %s%s = %lld (since %s)", e->text,
			 (long long)v, since, rhost, q->name, (long long)w, rsince);
	else
		snprintf(ob->text, sizeof(ob->text),
			 "%s = %lld (since %s) against %g * %s%s = %g * %lld (since %s)", e->text,
			 (long long)v, since, e->factor, rhost, q->name, e->factor, (long long)w,
			 rsince);
	return 0;
}

/* ---- packets A B: count(PCAP-FILTER) OP N ---- */

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* How many different conversations n packets belong to; -ENOMEM. */
static long distinct_flows(const uint64_t *flows, long n)
{
	uint64_t *k = malloc((n ? n : 1) * sizeof(*k));
	long d = 0;

	if (!k)
		return -ENOMEM;
	memcpy(k, flows, n * sizeof(*k));
	qsort(k, n, sizeof(*k), u64_cmp);
	for (long i = 0; i < n; i++)
		d += !i || k[i] != k[i - 1];
	free(k);
	return d;
}

static int packets_observe(struct run *r, const struct expectation *e, void **state, struct obs *ob)
{
	char why[256];
	double last;
	long n, first = 0;
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
	if (e->agg != AGG_COUNT && e->agg != AGG_FLOWS) {
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
	if (e->since) {
		/* stamps are in capture order: drop those before the mark */
		const double *w = capture_filter_stamps(*state);
		long before = 0;
		while (before < n && w[before] <= r->wall_t0 + r->mark_t[e->since - 1])
			before++;
		n -= before;
		first = before;
	}
	if (e->agg == AGG_FLOWS) {
		long packets = n;
		if ((n = distinct_flows(capture_filter_flows(*state) + first, n)) < 0)
			return (int)n;
		snprintf(ob->text, sizeof(ob->text), "flows = %ld conversations in %ld packets%s%s",
			 n, packets, e->since ? " since mark " : "",
			 e->since ? run_mark_name(r, e->since) : "");
	} else {
		snprintf(ob->text, sizeof(ob->text), "count = %ld packets%s%s", n,
			 e->since ? " since mark " : "",
			 e->since ? run_mark_name(r, e->since) : "");
	}
	ob->value = n;
	ob->ok = filter_cmp_eval(n, e->op, e->value);
	if (n && ob->ok)
		ob->stamp = last - r->wall_t0;
	return 0;
}

static void packets_release(void *state)
{
	capture_filter_free(state);
}

/* ---- NAME exits: ok | error ERRNO | status N | signal SIG ---- */

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
	char name[300], buf[65536];
	FILE *f;
	size_t n;
	int fd;

	snprintf(name, sizeof(name), "%s.out", r->m->actors[e->actor].name);
	fd = openat(run_evfd(r), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return -errno;
	}
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

/* ---- the packets a packet expectation looked at, for its failure ---- */

#define SEEN_LINES 24

struct seen {
	struct run *r;
	double from, until; /* run-relative seconds */
	char lines[SEEN_LINES][320];
	long n; /* packets in range; the last SEEN_LINES kept, round */
};

/* HOST:PORT for an address of the case, else the address. */
static void endpoint(struct run *r, const struct pkt_info *pi, int src, char *buf, size_t len)
{
	const uint8_t *a = src ? pi->src : pi->dst;
	int h = run_host_of_addr(r, pi->family, a);
	char addr[INET6_ADDRSTRLEN];

	if (h >= 0)
		snprintf(addr, sizeof(addr), "%s", run_host(r, h));
	else
		inet_ntop(pi->family, a, addr, sizeof(addr));
	if (pi->protocol == IPPROTO_TCP || pi->protocol == IPPROTO_UDP)
		snprintf(buf, len, "%s:%u", addr, src ? pi->sport : pi->dport);
	else
		snprintf(buf, len, "%s", addr);
}

static void seen_one(void *arg, const struct pcap_pkthdr *h, const unsigned char *data)
{
	struct seen *sn = arg;
	double t = h->ts.tv_sec + h->ts.tv_usec / 1e6 - sn->r->wall_t0;
	char a[80], b[80], fl[32], *line;
	struct pkt_info pi;

	if (t < sn->from || t > sn->until || pkt_decode(data, h->caplen, &pi))
		return;
	line = sn->lines[sn->n++ % SEEN_LINES];
	endpoint(sn->r, &pi, 1, a, sizeof(a));
	endpoint(sn->r, &pi, 0, b, sizeof(b));
	if (pi.protocol == IPPROTO_TCP) {
		pkt_flags_format(pi.flags, fl, sizeof(fl));
		snprintf(line, 320, "%8.3f  %s > %s  %s seq %u ack %u win %u len %u", t, a, b,
			 fl[0] ? fl : "(no flags)", pi.seq, pi.ack, pi.window, pi.payload);
	} else if (pi.protocol == IPPROTO_UDP) {
		snprintf(line, 320, "%8.3f  %s > %s  UDP, %u bytes", t, a, b, pi.payload);
	} else {
		snprintf(line, 320, "%8.3f  %s > %s  %s", t, a, b,
			 pi.protocol == IPPROTO_ICMP	 ? "ICMP"
			 : pi.protocol == IPPROTO_ICMPV6 ? "ICMPv6"
			 : pi.family == AF_INET6 ? "IPv6, an extension header or another protocol"
						 : "IP, another protocol");
	}
}

/* The link's packets in the range the expectation counted (since its mark,
 * up to its judgement), the last SEEN_LINES of them, as the capture kept
 * them: what the stack really answered. */
static void packets_describe(struct run *r, const struct expectation *e, FILE *out)
{
	struct seen *sn = calloc(1, sizeof(*sn));
	long first;

	if (!sn || !r->caps[e->link]) {
		free(sn);
		return;
	}
	sn->r = r;
	sn->from = e->since ? r->mark_t[e->since - 1] : 0;
	sn->until = r->until < run_rel(r) ? r->until : run_rel(r);
	capture_foreach(r->caps[e->link], seen_one, sn);
	fprintf(out, "  the link's packets from %.3fs to %.3fs: %ld%s\n", sn->from, sn->until,
		sn->n, sn->n > SEEN_LINES ? ", the last of them" : "");
	first = sn->n > SEEN_LINES ? sn->n - SEEN_LINES : 0;
	for (long i = first; i < sn->n; i++)
		fprintf(out, "    %s\n", sn->lines[i % SEEN_LINES]);
	free(sn);
}

static const struct expect_observer observers[EXPECT_KINDS] = {
    [EXPECT_SOCKETS] = {sockets_observe, sockets_describe, sockets_release},
    [EXPECT_COUNTER] = {counter_observe, NULL, NULL},
    [EXPECT_PACKETS] = {packets_observe, packets_describe, packets_release, .stamped = 1},
    [EXPECT_EXITS] = {exits_observe, NULL, NULL},
    [EXPECT_PRINTS] = {prints_observe, NULL, prints_release},
    [EXPECT_RULE] = {rule_observe, NULL, NULL},
    [EXPECT_RUNNING] = {running_observe, NULL, NULL},
    [EXPECT_HISTORY] = {expect_history_observe, expect_history_describe, NULL},
    [EXPECT_EVENTS] = {expect_events_observe, NULL, expect_events_release, .stamped = 1},
    [EXPECT_CONNECTED] = {expect_connected_observe, NULL, NULL, .stamped = 1},
};

const struct expect_observer *expect_observer_of(enum expect_kind kind)
{
	return (unsigned)kind < EXPECT_KINDS ? &observers[kind] : NULL;
}
