/*
 * netcase: the command.  Parses the command line, sets up privileges, and
 * hands over to the subcommand; the only place that exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_cases.h"

static void usage(FILE *f)
{
	fputs("Usage: netcase COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "Reproduce Linux TCP behaviour between real programs in network namespaces.\n"
	      "\n"
	      "Commands:\n"
	      "  run [-j N] [--shard K/N] [--keep] [--artifacts DIR] [--tap] [--junit FILE] [-v]\n"
	      "      [--impair netem|relay]\n"
	      "      CASE-or-DIR...     run cases (each under its own supervisor, -j of them at\n"
	      "                         once: 4 per CPU unless given) and print a\n"
	      "                         summary table; exit 0 all passed, 1 a failure, 77 all\n"
	      "                         skipped, 99 an error, 2 a case file that does not parse\n"
	      "  list [--shard K/N] [CASE-or-DIR...]\n"
	      "                         list the cases (default: the catalogue) with their\n"
	      "                         intent\n"
	      "  check CASE-or-DIR...   parse only; errors name file:line:column\n"
	      "  clean                  remove the namespaces that --keep pinned\n"
	      "  shell RUN HOST [CMD]   a shell (or CMD) in a kept host's namespace\n"
	      "  ss [-u] [-m] [-p] [TARGET] [FILTER]\n"
	      "                         show sockets like `ss -tanoi` (-u UDP too, -m memory\n"
	      "                         and drops, -p processes); TARGET is a netns name\n"
	      "                         (/run/netns), a path to a netns file, or a pid;\n"
	      "                         FILTER is ss's filter language (see netcase(1))\n"
	      "  counters [TARGET] [NAME...]  show nstat-named counters of a namespace\n"
	      "  report --text DIR      a case's ladder (its evidence folder) as plain text\n"
	      "  help                   show this help\n"
	      "  version                show the version\n"
	      "\n"
	      "Environment: NETCASE_SLOW=F widens every deadline (within, timeout) F times\n"
	      "on a slow machine; throughout windows and kernel timers keep their length.\n"
	      "NETCASE_KEVENTS=0 turns the kernel-event observer off; NETCASE_BPF_DEBUG=1\n"
	      "prints libbpf's messages (why kernel events are off).\n"
	      "A CASE that is no path is a name in the catalogue (accept/overflow, accept):\n"
	      "NETCASE_CATALOGUE, else ./cases, else the installed " NETCASE_CATALOGUE ".\n"
	      "ss options: -u include UDP sockets, -p show the processes holding them,\n"
	      "-r FILE also write the raw netlink dump.\n"
	      "See netcase(1) for details.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("netcase %s\n", PACKAGE_VERSION);
		return 0;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"run", cli_run},		{"list", cli_list},	{"check", cli_check},
	    {"clean", cli_clean},	{"shell", cli_shell},	{"ss", cli_ss},
	    {"counters", cli_counters}, {"report", cli_report},
	};
	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "netcase: unknown command '%s' (try 'netcase --help')\n", argv[1]);
	return 2;
}
