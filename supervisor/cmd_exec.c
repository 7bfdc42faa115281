/* ikeswarm exec -f FILE [--verify] [-j]: load and validate the setup; with
 * --verify print the plan.  Running the test is the engine's (not built). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/plan.h"
#include "supervisor/cmd.h"
#include "supervisor/sup.h"
#include "worker/engine.h"
#include "worker/mobike_exec.h"

int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "verify", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "keylog", required_argument, NULL, 'k' },
		{ "lf", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'W' },
		{ "single", no_argument, NULL, 's' },
		{ "flush", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *self = cmd_find("exec");
	const char *file = NULL, *keylog = NULL, *logfile = NULL;
	int verify = 0, json = 0, single = 0, workers = 0, flush = 1, opt;

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
		case 'k':
			keylog = optarg;
			break;
		case 'l':
			logfile = optarg;
			break;
		case 'W':
			workers = atoi(optarg);
			if (workers < 1 || workers > 256) {
				fprintf(stderr, "ikeswarm exec: --workers wants 1..256\n");
				return 2;
			}
			break;
		case 's':
			single = 1;
			break;
		case 'F':
			if (strcmp(optarg, "true") && strcmp(optarg, "false")) {
				fprintf(stderr, "ikeswarm exec: --flush wants true or false\n");
				return 2;
			}
			flush = !strcmp(optarg, "true");
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

	struct config cfg;
	struct conf_diag diag = { 0 };
	int rc = conf_load_file(file, &cfg, &diag);
	conf_diag_print(&diag, stderr);
	if (rc == 0 && !verify)
		mobike_rpfilter_warn(&cfg, stderr);
	if (rc < 0) {
		fprintf(stderr, "ikeswarm exec: %s: %u error%s\n", file, diag.n_errors,
			diag.n_errors == 1 ? "" : "s");
		rc = 1;
	} else if (verify && json) {
		rc = plan_print_json(&cfg, file, stdout) < 0 ? 1 : 0;
	} else if (verify) {
		plan_print(&cfg, file, stdout);
		rc = 0;
	} else if (!single) {
		struct sup_opts so = { .json = json, .keylog_path = keylog, .log_path = logfile,
				       .setup_path = file, .workers = (unsigned)workers,
				       .flush = flush };
		rc = sup_run(&cfg, &so);
	} else {
		struct engine_exec_opts eo = { .json = json, .keylog_path = keylog,
					       .log_path = logfile, .flush = flush };
		rc = engine_exec(&cfg, &eo);
	}
	conf_diag_free(&diag);
	config_free(&cfg);
	return rc;
}
