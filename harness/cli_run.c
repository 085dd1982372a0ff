/* netcase run, list, check, clean and shell. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lang/case.h"
#include "clock.h"
#include "ladder.h"
#include "cli.h"
#include "cli_cases.h"
#include "kevents.h"
#include "safefs.h"
#include "report.h"
#include "supervisor.h"
#include "../netns/ns.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static const char run_usage[] =
    "Usage: netcase run [-j N] [--shard K/N] [--repeat N] [--until-fail] [--keep]\n"
    "                   [--artifacts DIR] [--tap] [--junit FILE] [-v | --explain]\n"
    "                   [--impair netem|relay]\n"
    "                   CASE-or-DIR...\n";

/*
 * Cases at once without -j: JOBS_PER_CPU per online CPU.  Cases mostly wait
 * for kernel timers, so one per CPU leaves the machine idle.  Measured on 2
 * cores, the catalogue (92 cases, bench/bench_jobs.sh): -j 1 288 s, -j 2
 * 143 s, -j 4 74 s, -j 8 42 s, -j 16 32 s, the same verdicts each time;
 * the latest step 23 to 39 ms late up to -j 8, but 148 ms of its 250 ms
 * budget at -j 16.
 */
#define JOBS_PER_CPU 4

static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n * JOBS_PER_CPU : JOBS_PER_CPU;
}

/* --until-fail without --repeat stops after this many runs at most. */
#define UNTIL_FAIL_MAX 100

struct run_args {
	struct runner_opts ro;
	int jobs, shard_k, shard_n, tap, repeat, until_fail;
	const char *junit;
};

/* The environment's settings (netcase(1), ENVIRONMENT), read here once. */
static void runner_opts_env(struct runner_opts *o)
{
	const char *kev = getenv("NETCASE_KEVENTS"), *rt = getenv("NETCASE_REALTIME");

	o->slow = runner_slow_parse(getenv("NETCASE_SLOW"));
	o->no_kevents = kev && !strcmp(kev, "0");
	o->bpf_debug = getenv("NETCASE_BPF_DEBUG") ? stderr : NULL;
	o->realtime = rt && !strcmp(rt, "1");
	safefs_owner_init(&o->owner, getenv("SUDO_UID"), getenv("SUDO_GID"));
}

static int impair_arg(const char *s, enum impair_backend *out)
{
	if (!strcmp(s, "netem"))
		*out = IMPAIR_NETEM;
	else if (!strcmp(s, "relay"))
		*out = IMPAIR_RELAY;
	else {
		fprintf(stderr, "netcase run: --impair takes netem or relay\n");
		return -1;
	}
	return 0;
}

/* Options into a; 0, 1 after --help, or 2 (usage printed). */
static int run_args_parse(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
	    {"jobs", required_argument, NULL, 'j'},
	    {"shard", required_argument, NULL, 's'},
	    {"keep", no_argument, NULL, 'k'},
	    {"artifacts", required_argument, NULL, 'a'},
	    {"tap", no_argument, NULL, 't'},
	    {"junit", required_argument, NULL, 'J'},
	    {"repeat", required_argument, NULL, 'r'},
	    {"until-fail", no_argument, NULL, 'u'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"explain", no_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {"impair", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	*a = (struct run_args){.jobs = -1, .shard_k = 1, .shard_n = 1};
	runner_opts_env(&a->ro);
	while ((opt = getopt_long(argc, argv, "+j:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			a->jobs = atoi(optarg);
			break;
		case 's':
			if (shard_arg("run", optarg, &a->shard_k, &a->shard_n))
				return 2;
			break;
		case 'k':
			a->ro.keep = 1;
			break;
		case 'r':
			a->repeat = atoi(optarg);
			if (a->repeat < 1) {
				fprintf(stderr, "netcase run: --repeat takes a number >= 1\n");
				return 2;
			}
			break;
		case 'u':
			a->until_fail = 1;
			break;
		case 'a':
			a->ro.artifacts = optarg;
			break;
		case 't':
			a->tap = 1;
			break;
		case 'J':
			a->junit = optarg;
			break;
		case 'v':
			a->ro.verbose = 1;
			break;
		case 'e':
			a->ro.explain = 1;
			break;
		case 'i':
			if (impair_arg(optarg, &a->ro.impair))
				return 2;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 1;
		default:
			fputs(run_usage, stderr);
			return 2;
		}
	}
	a->jobs = a->jobs == -1 ? default_jobs() : a->jobs < 1 ? 1 : a->jobs;
	if (!a->repeat)
		a->repeat = a->until_fail ? UNTIL_FAIL_MAX : 1;
	if (optind >= argc) {
		fputs(run_usage, stderr);
		return 2;
	}
	return 0;
}

/* This shard's cases (*count of them), every one parsed before anything is
 * created; 0, or -EINVAL when a case does not parse (its error printed). */
static int load_shard(const struct paths *p, const struct run_args *a, struct supervised *sv,
		      struct report_entry *rep, int *count)
{
	int n = 0, bad = 0;

	for (int i = 0; i < p->n; i++) {
		struct case_error ce;

		if (!in_shard(i, a->shard_k, a->shard_n))
			continue;
		sv[n].path = p->v[i];
		sv[n].report_fd = -1;
		if (case_load(p->v[i], &sv[n].model, &ce)) {
			fprintf(stderr, "%s\n", ce.msg);
			bad = 1;
		}
		case_id(p->v[i], rep[n].id, sizeof(rep[n].id));
		n++;
	}
	*count = n;
	return bad ? -EINVAL : 0;
}

/* Start cases while fewer than jobs run; returns how many started or failed to. */
static int start_more(struct supervised *sv, struct report_entry *rep, int *next, int n,
		      int *running, int jobs, const struct runner_opts *ro)
{
	int failed = 0;

	for (; *next < n && *running < jobs; (*next)++) {
		int e = supervisor_start(&sv[*next], ro);
		if (!e) {
			(*running)++;
			continue;
		}
		rep[*next].res.verdict = VERDICT_ERROR;
		case_failure_set(&rep[*next].res.failure, VERDICT_ERROR, sv[*next].path,
				 "cannot start its supervisor: %s", strerror(-e));
		sv[*next].done = 1;
		failed++;
	}
	return failed;
}

/* The supervisor pid ended with status: print its line and report. */
static void finish_one(struct supervised *s, struct report_entry *rep, int status, int tty)
{
	char *text = supervisor_finish(s, status);

	rep->res = *s->res;
	if (tty)
		printf("\r\033[K");
	/* a void run (rerun()) is no verdict: not a line the reports read */
	printf("%-5s %s (%.2fs)\n",
	       rep->res.incomplete && !s->reruns && !interrupted
		   ? "VOID"
		   : report_verdict_name(rep->res.verdict),
	       rep->id, rep->res.seconds);
	if (text && *text)
		fputs(text, stdout);
	/* a failed expectation printed its own report; any other failure, skip
	 * or error is printed here, once */
	if (rep->res.verdict != VERDICT_PASS && rep->res.failure.verdict &&
	    rep->res.failure.op != VOP_EXPECT) {
		char why[900];
		printf("  %s\n", case_failure_text(&rep->res.failure, why, sizeof(why)));
	}
	fflush(stdout);
	free(text);
	supervisor_free(s);
}

/*
 * A run whose kernel record proved incomplete decided nothing: the kernel's
 * tracepoints lost an event the counters show (watch_record_short()).  Its
 * case runs again, once, with the first run's report kept above; a second
 * void run stays an ERROR.  Returns 1 if the case started again.
 */
static int rerun(struct supervised *s, struct report_entry *rep, const struct runner_opts *ro)
{
	if (!rep->res.incomplete || s->reruns || interrupted)
		return 0;
	s->reruns++;
	s->done = 0;
	if (supervisor_start(s, ro)) {
		s->done = 1;
		printf("%-5s %s (%.2fs)\n", report_verdict_name(rep->res.verdict), rep->id,
		       rep->res.seconds);
		return 0;
	}
	printf("  %s: the first run's kernel record was incomplete; running it again\n", rep->id);
	fflush(stdout);
	return 1;
}

/* Kill supervisors past their deadline (every supervisor when all is set). */
static void kill_late(struct supervised *sv, int next, int all)
{
	double t = clock_now();

	for (int i = 0; i < next; i++)
		if (!sv[i].done && sv[i].pid > 0 && (all || t > sv[i].deadline))
			kill(sv[i].pid, SIGKILL);
}

/* Run n cases, jobs at a time, until all finished or a signal came. */
static void run_all(struct supervised *sv, struct report_entry *rep, int n,
		    const struct run_args *a, const struct runner_opts *ro)
{
	int next = 0, running = 0, finished = 0, status, tty = isatty(STDOUT_FILENO);

	while ((next < n || running) && !interrupted) {
		finished += start_more(sv, rep, &next, n, &running, a->jobs, ro);
		if (tty) {
			printf("\r\033[K[%d/%d] %d running", finished, n, running);
			fflush(stdout);
		}
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0) {
			kill_late(sv, next, 0);
			poll(NULL, 0, 20);
			continue;
		}
		for (int i = 0; i < next; i++) {
			if (sv[i].pid != pid || sv[i].done)
				continue;
			finish_one(&sv[i], &rep[i], status, tty);
			running--;
			if (rerun(&sv[i], &rep[i], ro))
				running++;
			else
				finished++;
		}
	}
	if (interrupted) {
		kill_late(sv, next, 1);
		while (waitpid(-1, NULL, 0) > 0)
			;
	}
}

/* The table (with --repeat, each case's pass rate), TAP and JUnit over
 * every run; the exit status. */
static int summary(const struct report_entry *rep, int n, int reps, const struct run_args *a)
{
	if (reps > 1 || a->until_fail)
		report_rates(stdout, rep, n / reps, reps);
	else
		report_table(stdout, rep, n);
	if (a->tap)
		report_tap(stdout, rep, n);
	if (a->junit) {
		struct safefs_out o;
		int err = safefs_out_open(&o, a->junit, &a->ro.owner);
		if (!err) {
			report_junit(o.f, rep, n);
			err = safefs_out_close(&o);
		}
		if (err)
			fprintf(stderr, "netcase: --junit %s: %s\n", a->junit, strerror(-err));
	}
	return report_status(rep, n);
}

/* Whether any of n results is a failure or an error. */
static int any_failed(const struct report_entry *rep, int n)
{
	for (int i = 0; i < n; i++)
		if (rep[i].res.verdict == VERDICT_FAIL || rep[i].res.verdict == VERDICT_ERROR)
			return 1;
	return 0;
}

/*
 * Every case a->repeat times (once without --repeat), each run's evidence
 * in a folder of its own (repeat-K); with --until-fail, no run after the
 * first that failed.  *rep grows to a block of n results per run.  Returns
 * the runs made, or -1 out of memory.
 */
static int run_repeated(struct supervised *sv, struct report_entry **rep, int n,
			const struct run_args *a)
{
	struct report_entry *all = *rep;
	int k;

	if (a->repeat > 1) {
		all = realloc(all, (size_t)n * a->repeat * sizeof(*all));
		if (!all)
			return -1;
		*rep = all;
	}
	for (k = 0; k < a->repeat && !interrupted; k++) {
		struct runner_opts ro = a->ro;
		struct report_entry *block = all + (size_t)k * n;
		char sub[32];

		if (a->repeat > 1) {
			snprintf(sub, sizeof(sub), "repeat-%d", k + 1);
			ro.subdir = sub;
			printf("== run %d of %s%d\n", k + 1, a->until_fail ? "at most " : "",
			       a->repeat);
		}
		for (int i = 0; i < n; i++) {
			if (k) {
				block[i] = (struct report_entry){0};
				snprintf(block[i].id, sizeof(block[i].id), "%s", all[i].id);
				sv[i] = (struct supervised){
				    .path = sv[i].path, .model = sv[i].model, .report_fd = -1};
			}
		}
		run_all(sv, block, n, a, &ro);
		if (a->until_fail && any_failed(block, n)) {
			k++;
			break;
		}
	}
	return k;
}

/* Without the privilege to make namespaces every case is a SKIP, naming why. */
static void skip_all(struct report_entry *rep, int n, const char *why)
{
	for (int i = 0; i < n; i++) {
		rep[i].res.verdict = VERDICT_SKIP;
		case_failure_set(&rep[i].res.failure, VERDICT_SKIP, NULL, "%s", why);
		printf("SKIP %s: %s\n", rep[i].id, why);
	}
}

int cli_run(int argc, char **argv)
{
	struct run_args a;
	struct paths p = {0};
	struct supervised *sv = NULL;
	struct report_entry *rep = NULL;
	struct kevents *anchor = NULL;
	char run_id[32], why[256];
	int err, n = 0, reps;

	err = run_args_parse(argc, argv, &a);
	if (err)
		return err == 1 ? 0 : 2;
	err = collect_all(&p, argv + optind, argc - optind);
	if (err) {
		paths_free(&p);
		return 2;
	}
	sv = calloc(p.n ? p.n : 1, sizeof(*sv));
	rep = calloc(p.n ? p.n : 1, sizeof(*rep));
	err = sv && rep ? 0 : 2;
	if (!err && load_shard(&p, &a, sv, rep, &n))
		err = 2;
	if (err)
		goto out;
	if (ns_privilege_setup(why, sizeof(why))) {
		skip_all(rep, n, why);
		err = summary(rep, n, 1, &a);
		goto out;
	}
	snprintf(run_id, sizeof(run_id), "%d", (int)getpid());
	a.ro.run_id = run_id;
	/* One attachment of every observer program held for the whole run,
	 * watching no namespace: a case's observer is then never the last
	 * probe on a tracepoint when another case's detaches.  Suspected, not
	 * proven: in the kernel's switch between one probe (called directly)
	 * and several (called in a loop), a probe's event can go missing; a
	 * case's record lost one retransmission or SYN-ACK retransmission about
	 * once in several hundred runs, only with other cases starting and
	 * ending beside it.  Without BPF this does nothing: cases say why. */
	if (!a.ro.no_kevents)
		anchor = kevents_open(NULL, 0, why, sizeof(why));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	reps = run_repeated(sv, &rep, n, &a);
	if (reps < 0) {
		err = 2;
		goto out;
	}
	if (interrupted) {
		fprintf(stderr, "\nnetcase: interrupted; every case's processes and namespaces are "
				"gone with its supervisor\n");
		err = 128 + interrupted;
		goto out;
	}
	err = summary(rep, n * reps, reps, &a);
out:
	kevents_close(anchor);
	for (int i = 0; sv && i < n; i++) {
		case_free(sv[i].model);
		if (!sv[i].done)
			supervisor_free(&sv[i]);
	}
	free(sv);
	free(rep);
	paths_free(&p);
	return err;
}

int cli_check(int argc, char **argv)
{
	struct paths p = {0};
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "Usage: netcase check CASE-or-DIR...\n");
		return 2;
	}
	if (collect_all(&p, argv + 1, argc - 1)) {
		paths_free(&p);
		return 2;
	}
	for (int i = 0; i < p.n; i++) {
		struct case_model *m;
		struct case_error ce;

		if (case_load(p.v[i], &m, &ce)) {
			fprintf(stderr, "%s\n", ce.msg);
			bad++;
			continue;
		}
		printf("ok %s (%d hosts, %d links, %d steps)\n", p.v[i], m->topo.nhosts,
		       m->topo.nlinks, m->nsteps);
		case_free(m);
	}
	paths_free(&p);
	return bad ? 2 : 0;
}

int cli_list(int argc, char **argv)
{
	static const struct option opts[] = {{"shard", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	static const char usage[] = "Usage: netcase list [--shard K/N] [CASE-or-DIR...]\n";
	char *deflt[] = {(char *)catalogue_dir()};
	struct paths p = {0};
	int opt, k = 1, n = 1;
	char id[256];

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (opt == 's' && !shard_arg("list", optarg, &k, &n))
			continue;
		fputs(usage, opt == 'h' ? stdout : stderr);
		return opt == 'h' ? 0 : 2;
	}
	if (collect_all(&p, optind < argc ? argv + optind : deflt,
			optind < argc ? argc - optind : 1)) {
		paths_free(&p);
		return 2;
	}
	for (int i = 0; i < p.n; i++) {
		struct case_model *m;
		struct case_error ce;

		if (!in_shard(i, k, n))
			continue;
		case_id(p.v[i], id, sizeof(id));
		if (case_load(p.v[i], &m, &ce)) {
			printf("%-32s (does not parse: %s)\n", id, ce.msg);
			continue;
		}
		printf("%-32s %s\n", id, m->intent);
		case_free(m);
	}
	paths_free(&p);
	return 0;
}

/* Whether /run/netns/name is a namespace pinned by a bind mount (nsfs),
 * what --keep made: opened as a path, never following a link. */
static int is_pinned(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;
	int ok = fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == NSFS_MAGIC;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Kept namespaces are /run/netns/netcase-<run>-<host>: bind mounts of a
 * namespace in root's folder.  Anything else of that name is left alone. */
int cli_clean(int argc, char **argv)
{
	static const struct safefs_owner root = {0, 0, 0};
	int dfd = open("/run/netns", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char why[512];
	struct dirent *e;
	int removed = 0;
	DIR *d;

	(void)argc;
	(void)argv;
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		printf("nothing to clean\n");
		return 0;
	}
	if (safefs_dir_check(dfd, "/run/netns", &root, why, sizeof(why))) {
		fprintf(stderr, "netcase clean: %s\n", why);
		closedir(d);
		return 1;
	}
	while ((e = readdir(d))) {
		char path[512];

		if (strncmp(e->d_name, "netcase-", 8))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (!is_pinned(dfd, e->d_name)) {
			fprintf(stderr, "netcase clean: %s: not a pinned namespace, left alone\n",
				path);
			continue;
		}
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			fprintf(stderr, "netcase clean: %s: %s\n", path, strerror(errno));
		else if (unlinkat(dfd, e->d_name, 0) == 0) {
			printf("removed %s\n", path);
			removed++;
		}
	}
	closedir(d);
	printf("%d kept namespace%s removed\n", removed, removed == 1 ? "" : "s");
	return 0;
}

int cli_shell(int argc, char **argv)
{
	char path[512];
	const char *sh = getenv("SHELL");
	int fd;

	if (argc < 3) {
		fprintf(stderr, "Usage: netcase shell RUN HOST [COMMAND...]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/run/netns/netcase-%s-%s", argv[1], argv[2]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr,
			"netcase shell: %s: %s (was the case run with --keep, and not "
			"cleaned?)\n",
			path, strerror(errno));
		return 1;
	}
	if (argc > 3) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "netcase shell: %s: %s\n", argv[3], strerror(errno));
		return 127;
	}
	execl(sh ? sh : "/bin/sh", sh ? sh : "/bin/sh", NULL);
	return 127;
}

/* netcase report --text DIR: a case's ladder (DIR/ladder.tsv) as text. */
int cli_report(int argc, char **argv)
{
	struct ladder_event *ev = NULL;
	char path[4200], why[128], **hosts = NULL;
	int nh = 0, n = 0, err;
	FILE *f;

	if (argc != 3 || strcmp(argv[1], "--text")) {
		fprintf(stderr, "usage: netcase report --text DIR (a case's evidence folder)\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ladder.tsv", argv[2]);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr,
			"netcase report: %s: %s (run the case with --artifacts DIR, or "
			"let it fail, to get its evidence)\n",
			path, strerror(errno));
		return 1;
	}
	err = ladder_tsv_read(f, &hosts, &nh, &ev, &n, why, sizeof(why));
	fclose(f);
	if (!err)
		ladder_text(stdout, (const char *const *)hosts, nh, ev, n, 160);
	else
		fprintf(stderr, "netcase report: %s: %s\n", path, why);
	for (int h = 0; h < nh; h++)
		free(hosts[h]);
	free(hosts);
	free(ev);
	return err ? 1 : 0;
}
