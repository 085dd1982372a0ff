/* netcase ss and netcase counters: look into one namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "../lang/filter.h"
#include "safefs.h"
#include "ssfmt.h"
#include "../netns/counters.h"
#include "../netns/ns.h"
#include "../netns/procsock.h"
#include "../netns/sockdiag.h"

static char *join(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* The sockets of l that f matches, like ss -tanoi(p). */
static void print_socks(const struct sockdiag_list *l, const struct filter *f, int with_procs)
{
	struct procsock_list procs = {0};

	if (with_procs)
		procsock_scan(0, &procs);
	ssfmt_list(stdout, l, f, with_procs ? &procs : NULL);
	procsock_list_free(&procs);
}

/* Dump through req; with rawpath, the raw replies recorded there (a new
 * file renamed into place, never written through a link).  0, or 1 after
 * saying why. */
static int dump(int ns, const struct sockdiag_req *req, struct sockdiag_list *l,
		const char *rawpath)
{
	struct safefs_owner owner;
	struct safefs_out raw = {.f = NULL};
	int err, werr = 0;

	safefs_owner_init(&owner, getenv("SUDO_UID"), getenv("SUDO_GID"));
	if (rawpath && (werr = safefs_out_open(&raw, rawpath, &owner))) {
		fprintf(stderr, "netcase ss: %s: %s\n", rawpath, strerror(-werr));
		return 1;
	}
	err = sockdiag_dump_req(ns, req, l, raw.f);
	if (err)
		fprintf(stderr, "netcase ss: socket diag dump: %s\n", strerror(-err));
	if (rawpath && (werr = safefs_out_close(&raw)))
		fprintf(stderr, "netcase ss: %s: %s\n", rawpath, strerror(-werr));
	return err || werr ? 1 : 0;
}

int cli_ss(int argc, char **argv)
{
	struct sockdiag_list l = {0};
	struct filter *f = NULL;
	struct filter_error fe;
	struct sockdiag_req req;
	char bc[FILTER_BC_MAX];
	unsigned what = SOCKDIAG_TCP | SOCKDIAG_INFO;
	const char *rawpath = NULL;
	int ns = NS_CURRENT, opt, ret = 1, with_procs = 0;
	char *text = NULL;

	while ((opt = getopt(argc, argv, "+umpr:h")) != -1) {
		switch (opt) {
		case 'u':
			what |= SOCKDIAG_UDP;
			break;
		case 'm':
			what |= SOCKDIAG_MEM;
			break;
		case 'p':
			with_procs = 1;
			break;
		case 'r':
			rawpath = optarg;
			break;
		case 'h':
			puts("Usage: netcase ss [-u] [-m] [-p] [-r RAWFILE] [TARGET] [FILTER]");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc) {
		int fd = ns_open(argv[optind]);

		if (fd >= 0) {
			ns = fd;
			optind++;
		} else if (fd != -ENOENT) {
			fprintf(stderr, "netcase ss: %s: %s\n", argv[optind], strerror(-fd));
			return 1;
		}
	}
	text = join(argc - optind, argv + optind);
	if (!text)
		goto out;
	if (filter_parse(text, NULL, NULL, &f, &fe)) {
		fprintf(stderr, "netcase ss: filter:1:%d: %s\n  %s\n  %*s^\n", fe.col, fe.msg, text,
			fe.col - 1, "");
		if (fe.col == 1 && ns == NS_CURRENT)
			fprintf(stderr,
				"  ('%s' is not a namespace either: no /run/netns/%s, path or "
				"pid of that name)\n",
				argv[optind], argv[optind]);
		ret = 2;
		goto out;
	}
	/* -u adds UDP; without it, the filter's protocols (TCP unless it names udp) */
	if (!(what & SOCKDIAG_UDP))
		what = (what & ~SOCKDIAG_TCP) | filter_protocols(f);
	filter_sockdiag_req(f, what, &req, bc, sizeof(bc));
	if (dump(ns, &req, &l, rawpath))
		goto out;
	print_socks(&l, f, with_procs);
	ret = 0;
out:
	if (ns >= 0)
		close(ns);
	sockdiag_list_free(&l);
	filter_free(f);
	free(text);
	return ret;
}

int cli_counters(int argc, char **argv)
{
	struct counters c = {0};
	int ns = NS_CURRENT, first = 1, err;

	if (argc > 1) {
		int fd = ns_open(argv[1]);

		if (fd >= 0) {
			ns = fd;
			first = 2;
		}
	}
	err = counters_read(ns, &c);
	if (err) {
		fprintf(stderr, "netcase counters: %s\n", strerror(-err));
		return 1;
	}
	for (size_t i = 0; i < c.n; i++) {
		int want = first >= argc;

		for (int a = first; a < argc && !want; a++)
			want = !strcmp(argv[a], c.v[i].name);
		if (want)
			printf("%-32s %lld\n", c.v[i].name, (long long)c.v[i].value);
	}
	if (ns >= 0)
		close(ns);
	counters_free(&c);
	return 0;
}
