/* ikeswarm: dispatch argv[1] through the subcommand table. */
#include <stdio.h>
#include <string.h>

#include "supervisor/cmd.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(1, argv);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
		name = "help";
	else if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0)
		name = "version";
	const struct cmd *c = cmd_find(name);
	if (!c) {
		fprintf(stderr, "ikeswarm: unknown command '%s' (try 'ikeswarm help')\n", argv[1]);
		return 2;
	}
	return c->run(argc - 1, argv + 1);
}
