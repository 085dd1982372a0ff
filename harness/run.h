/*
 * run: the state of one running case, shared inside the harness by the
 * runner (timeline, actors, expectations), netcond (network conditions)
 * and evidence (what a case leaves behind).  Not an API: the runner owns
 * the struct for the life of runner_run().
 */
#ifndef NETCASE_RUN_H
#define NETCASE_RUN_H

#include <poll.h>
#include <stdio.h>

#include "actor.h"
#include "capture.h"
#include "pktdecode.h"
#include "../lang/case.h"
#include "history.h"
#include "kevents.h"
#include "ladder.h"
#include "relay.h"
#include "runopts.h"
#include "verdict.h"
#include "../netns/counters.h"
#include "../netns/sockdiag.h"

#define TICK_MS 10

struct run {
	const struct case_model *m;
	const struct runner_opts *o;
	FILE *out;
	FILE *tl; /* timeline log */
	char *tlbuf;
	size_t tllen;
	char evdir[4096];     /* the evidence folder's path, for messages */
	char evdir_abs[4096]; /* the same, absolute (${evidence}) */
	char evbelow[4096];   /* its folders below the root: [SUBDIR/]CASE-ID */
	struct safefs_dir ev; /* held open: every file is made through it (safefs.h) */
	char casedir[4096];   /* the case file's folder, absolute (${casedir}) */
	double t0, deadline;
	/* The case's clock (run-relative seconds, CLOCK_MONOTONIC): due is when
	 * the next step is due - the stamp of what came before it; until bounds
	 * the kernel-stamped evidence an expectation counts (its window's end,
	 * or its own point in time); round_t0 is when the loop's round began.
	 * late_max is the latest any step began after it was due (late_step:
	 * its index, -1 for none over the budget). */
	double due, until, round_t0;
	/* when the step being run took effect, where that is before it returned
	 * (an actor is spawned before its start waits on it); NAN: on return */
	double took_effect;
	double late_max, late_over; /* the largest; the first over the budget */
	int late_line, late_step, fail_step;
	double slow; /* NETCASE_SLOW: widens deadlines, never windows (runner.h) */
	int timed_out;
	struct actor_run *actors;
	struct counters *base;
	/* per mark: its point (run-relative seconds, the stamp of what came
	 * before it); per mark and host ([mark * nhosts + host]): the counters
	 * sampled there, for those compared since it (have: sampled) */
	double *mark_t;
	struct counters *mark_base;
	unsigned char *mark_have;
	struct sockdiag_list *prev;
	struct capture **caps;
	struct pkt_info *injected; /* the segments inject sent (inject.c) */
	int ninjected;
	char *sysctls; /* key=value lines in force */
	size_t sysctls_len;
	FILE *sysf;
	int nft_used;
	double wall_t0; /* CLOCK_REALTIME at t0, for pcap timestamps */
	struct ladder_event *lev;
	int nlev, caplev;
	int *middlebox; /* per host: 1 if a conntrack firewall or NAT (its table is evidence) */
	int *rule_host; /* per step: where a STEP_RULE was placed */
	struct case_result *res;
	int *ns; /* per host: its namespace, -1 until built */
	/* per host: sockets are watched there (an actor runs there or an
	 * expectation looks there); with kernel events, only after an event
	 * there (dirty) or while it holds mini-sockets, whose ends have none */
	unsigned char *watched, *dirty;
	struct pollfd *pfd;    /* what the loop waits on: the kernel's events, the actors */
	unsigned dump_failed;  /* socket dumps of the watcher that failed */
	struct nl_sock **diag; /* per host: its socket diag socket, opened on first use */
	/* the relay (relay.h): per link, its namespace (-1: none) and process;
	 * per step, the direction a netem statement impairs through it (-1:
	 * the kernel's qdiscs, or not a netem statement) */
	int *relay_ns;
	struct relay_run *relays;
	int *netem_dir;
	void **estate; /* per step: an expectation's observation state (expect.h) */
	/* the kernel's own record (kevents.h): NULL when unavailable, kev_why says why */
	struct kevents *kev;
	char kev_why[512];
	struct kdb kdb;
	uint64_t kev_lost;    /* events lost so far (reported once each) */
	uint64_t kev_dropped; /* events netcase could not keep (out of memory) */
	FILE *evlog;	      /* events.log */
	char *evlogbuf;
	size_t evloglen;
};

/*
 * Set up the run of model m: its clock, logs and every per-host, per-link
 * and per-step array.  0, or -ENOMEM (run_fini() still releases what was
 * made).  Nothing is built in the kernel yet.
 */
int run_init(struct run *r, const struct case_model *m, const struct runner_opts *o, FILE *out,
	     struct case_result *res);

/* Release everything the run holds: captures, control sockets, socket diag
 * sockets, namespaces, logs and arrays. */
void run_fini(struct run *r);

/* Seconds since the case began. */
double run_rel(struct run *r);

/* A line of the timeline (and of the output with -v). */
void run_log(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The one failure channel.  Record that statement s (NULL: the case as a
 * whole) failed while doing op, with errno err (0 for none): the verdict
 * comes from verdict_of() and is returned, for the caller to return in
 * turn.  The failure that explains the case's verdict - its first, or a
 * SKIP or ERROR after a FAIL - is kept as a structured entry (res->failure)
 * that only the command and the report print; what is written here is one
 * line without file:line.
 */
int run_fail(struct run *r, const struct step *s, enum verdict_op op, int err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* An ERROR that decides the verdict after the timeline (the harness was
 * late, the kernel's record is incomplete): it replaces a failure.
 * Returns VERDICT_ERROR. */
int run_error(struct run *r, const struct step *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *run_host(struct run *r, int h);

/* The evidence root (--artifacts, or netcase-artifacts). */
static inline const char *run_evroot(const struct run *r)
{
	return r->o->artifacts ? r->o->artifacts : "netcase-artifacts";
}

/* The case's evidence folder, held open; -1 before it is made. */
static inline int run_evfd(const struct run *r)
{
	return r->ev.n ? safefs_dir_fd(&r->ev) : -1;
}

/* Dump host h's sockets through its own socket diag socket; 0 or -errno. */
int run_dump(struct run *r, int h, const struct sockdiag_req *req, struct sockdiag_list *out);
int run_ns(struct run *r, int h);

/* The host with this address (AF_INET or AF_INET6, network order), or -1. */
int run_host_of_addr(const struct run *r, int family, const uint8_t *addr);

/* An event of the timeline page. */
void run_ladder_add(struct run *r, double t, enum ladder_kind kind, int from, int to,
		    const char *cls, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Host h's counters now, as deltas since the case began (since 0, nstat's
 * view of the case) or since a mark (since: its index + 1), into out
 * (appending; counters_free() it); 0 or -errno. */
int run_counters_delta(struct run *r, int h, int since, struct counters *out);

/* Step s, "mark NAME": its point is the stamp of what came before; the
 * counters that later expectations count since it are sampled now. */
int run_mark(struct run *r, const struct step *s);

/* The name of mark index + 1 since, or "the case began" for 0. */
const char *run_mark_name(const struct run *r, int since);

/* Host h's sockets as ss prints them, actors named; only those matching flt if given. */
void run_ss_dump(struct run *r, int h, FILE *f, const struct filter *flt);

/* Sockets of l as ss prints them, actors named; only those matching flt if given. */
void run_ss_format(struct run *r, const struct sockdiag_list *l, FILE *f, const struct filter *flt);

/* Set a sysctl in host h for step s; a verdict (0 when done). optional: a
 * key this kernel lacks is noted, not fatal. */
int run_sysctl(struct run *r, const struct step *s, int h, const char *key, const char *val,
	       int optional);

#endif
