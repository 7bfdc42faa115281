/* ikeswarm exec -f FILE [--verify] [-j]: load and validate the setup; with
 * --verify print the plan.  Running the test is the engine's (not built). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/plan.h"
#include "supervisor/cmd.h"

int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "verify", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *self = cmd_find("exec");
	const char *file = NULL;
	int verify = 0, json = 0, opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":f:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 'v':
			verify = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			cmd_usage(self, 0);
			return 0;
		case ':':
			fprintf(stderr, "ikeswarm exec: option '%s' needs an argument\n",
				argv[optind - 1]);
			cmd_usage(self, 1);
			return 2;
		default:
			fprintf(stderr, "ikeswarm exec: unknown option '%s'\n", argv[optind - 1]);
			cmd_usage(self, 1);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ikeswarm exec: unexpected argument '%s'\n", argv[optind]);
		cmd_usage(self, 1);
		return 2;
	}
	if (!file) {
		fprintf(stderr, "ikeswarm exec: -f FILE is required\n");
		cmd_usage(self, 1);
		return 2;
	}
	if (verify && json) {
		fprintf(stderr, "ikeswarm exec: -j with --verify is not implemented yet\n");
		return 2;
	}

	struct config cfg;
	struct conf_diag diag = { 0 };
	int rc = conf_load_file(file, &cfg, &diag);
	conf_diag_print(&diag, stderr);
	if (rc < 0) {
		fprintf(stderr, "ikeswarm exec: %s: %u error%s\n", file, diag.n_errors,
			diag.n_errors == 1 ? "" : "s");
		rc = 1;
	} else if (verify) {
		plan_print(&cfg, file, stdout);
		rc = 0;
	} else {
		/* The engine team replaces this branch. */
		fprintf(stderr, "ikeswarm exec: %s is valid, but the engine is not built yet; "
			"use --verify to check a setup\n", file);
		rc = 1;
	}
	conf_diag_free(&diag);
	config_free(&cfg);
	return rc;
}
