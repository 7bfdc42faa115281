/* ikeswarm exec — placeholder until conf/ lands (issue 2). */
#include <stdio.h>

#include "supervisor/cmd.h"

int cmd_exec(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "ikeswarm exec: not built yet\n");
	return 1;
}
