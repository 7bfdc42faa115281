/* ikeswarm default setup [-f FILE]: the commented default setup, written
 * from conf/'s key table, so it always loads back to the defaults. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "supervisor/cmd.h"

int cmd_default(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *self = cmd_find("default");
	const char *file = NULL;
	int opt;

	optind = 0; /* glibc: start afresh even when called twice (tests) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 'h':
			cmd_usage(self, 0);
			return 0;
		case ':':
			fprintf(stderr, "ikeswarm default: option '%s' needs an argument\n",
				argv[optind - 1]);
			cmd_usage(self, 1);
			return 2;
		default:
			fprintf(stderr, "ikeswarm default: unknown option '%s'\n", argv[optind - 1]);
			cmd_usage(self, 1);
			return 2;
		}
	}
	if (optind >= argc || strcmp(argv[optind], "setup") != 0 || optind + 1 != argc) {
		fprintf(stderr, "ikeswarm default: expected 'setup'%s%s\n",
			optind < argc ? ", got " : "", optind < argc ? argv[optind] : "");
		cmd_usage(self, 1);
		return 2;
	}

	struct config cfg;
	config_defaults(&cfg);
	FILE *out = file ? fopen(file, "w") : stdout;
	int rc = 1;
	if (!out) {
		fprintf(stderr, "ikeswarm default: %s: %s\n", file, strerror(errno));
		goto done;
	}
	if (conf_write(&cfg, out, true) < 0)
		fprintf(stderr, "ikeswarm default: %s: write failed\n", file ? file : "stdout");
	else
		rc = 0;
	if (file && fclose(out) != 0 && rc == 0) {
		fprintf(stderr, "ikeswarm default: %s: %s\n", file, strerror(errno));
		rc = 1;
	}
done:
	config_free(&cfg);
	return rc;
}
