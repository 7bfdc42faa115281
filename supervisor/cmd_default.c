/* ikeswarm default setup — placeholder until conf/ lands (issue 2). */
#include <stdio.h>

#include "supervisor/cmd.h"

int cmd_default(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "ikeswarm default: not built yet\n");
	return 1;
}
