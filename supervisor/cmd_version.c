/* ikeswarm version */
#include <stdio.h>

#include <openssl/opensslv.h>

#include "supervisor/cmd.h"

int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "ikeswarm version: takes no arguments\n");
		return 2;
	}
	printf("ikeswarm %s (%s)\n", IKESWARM_VERSION, OPENSSL_VERSION_TEXT);
	return 0;
}
