/*
 * cli: the subcommands of netcase.  Each takes (argc, argv) with argv[0]
 * the subcommand's name, prints its own output and errors, and returns the
 * process exit status (0 ok, 1 failure, 2 usage, 77 skipped).
 */
#ifndef NETCASE_CLI_H
#define NETCASE_CLI_H

int cli_ss(int argc, char **argv);
int cli_counters(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_list(int argc, char **argv);
int cli_clean(int argc, char **argv);
int cli_shell(int argc, char **argv);
int cli_report(int argc, char **argv);

#endif
