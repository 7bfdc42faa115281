/* The ikeswarm subcommand table: one entry per subcommand, each in its own
 * file with one entry point. */
#ifndef IKESWARM_SUPERVISOR_CMD_H
#define IKESWARM_SUPERVISOR_CMD_H

#include <stdio.h>

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
	const char *summary;               /* one line for 'ikeswarm help' */
	const char *usage;                 /* synopsis and options */
};

extern const struct cmd ikeswarm_cmds[];
const struct cmd *cmd_find(const char *name);
void cmd_usage(const struct cmd *c, int to_stderr);

int cmd_default(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_cli(int argc, char **argv);
int cmd_lab(int argc, char **argv);
/* Internal: the children of `ikeswarm exec` (supervisor/sup_child.c). */
int cmd_worker(int argc, char **argv);
int cmd_kernel(int argc, char **argv);

/* cmd_cli with its streams given (tests).  Exit codes: 0 reply ok, 1 error
 * reply, 2 bad usage, 3 no answer (unreachable, timeout, garbage). */
int cli_main(int argc, char **argv, FILE *in, FILE *out, FILE *err);

#define IKESWARM_VERSION "0.1.0"

#endif
