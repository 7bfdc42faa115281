/* ikeswarm help [CMD] */
#include <stdio.h>

#include "supervisor/cmd.h"

int cmd_help(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "ikeswarm help: too many arguments\n");
		return 2;
	}
	if (argc == 2) {
		const struct cmd *c = cmd_find(argv[1]);
		if (!c) {
			fprintf(stderr, "ikeswarm help: unknown subcommand '%s'\n", argv[1]);
			return 2;
		}
		printf("ikeswarm %s: %s\n", c->name, c->summary);
		cmd_usage(c, 0);
		return 0;
	}
	printf("usage: ikeswarm <command> [options]\n\ncommands:\n");
	for (const struct cmd *c = ikeswarm_cmds; c->name; c++)
		if (c->name[0] != '_') /* __worker, __kernel: exec's own children */
			printf("  %-10s %s\n", c->name, c->summary);
	printf("\n'ikeswarm help CMD' shows one command's options; man ikeswarm(1).\n");
	return 0;
}
