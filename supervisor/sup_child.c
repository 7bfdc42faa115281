/* The internal subcommands the supervisor execs its children with:
 *   ikeswarm __worker -f SETUP --worker N --workers W --first F --count C
 *                     --url URL --level L [--keylog FILE] [--fd FD:FLAGS]...
 *                     [--first-index I]
 *   ikeswarm __kernel --url URL
 * Not for people: the supervisor builds these command lines (sup_proc.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "conf/conf.h"
#include "kernel/kproc.h"
#include "supervisor/cmd.h"
#include "worker/wmain.h"

int cmd_worker(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "worker", required_argument, NULL, 'w' }, { "workers", required_argument, NULL, 'W' },
		{ "first", required_argument, NULL, 'F' }, { "count", required_argument, NULL, 'C' },
		{ "url", required_argument, NULL, 'u' }, { "level", required_argument, NULL, 'l' },
		{ "keylog", required_argument, NULL, 'k' }, { "fd", required_argument, NULL, 'd' },
		{ "kernel", required_argument, NULL, 'K' },
		{ "first-index", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	struct wmain_opts o = { .loglevel = 2, .first_index = -1 };
	const char *file = NULL;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': file = optarg; break;
		case 'w': o.worker = atoi(optarg); break;
		case 'W': o.nworkers = atoi(optarg); break;
		case 'F': o.first = atoi(optarg); break;
		case 'C': o.count = atoi(optarg); break;
		case 'u': o.url = optarg; break;
		case 'l': o.loglevel = atoi(optarg); break;
		case 'k': o.keylog_path = optarg; break;
		case 'K': o.kernel_url = optarg; break;
		case 'I': o.first_index = atoi(optarg); break;
		case 'd':
			if (o.nfds < WMAIN_MAX_FDS &&
			    sscanf(optarg, "%d:%u", &o.fds[o.nfds], &o.fd_flags[o.nfds]) == 2)
				o.nfds++;
			break;
		default:
			return 2;
		}
	}
	if (!file || !o.url) {
		fprintf(stderr, "ikeswarm __worker: internal command, started by 'ikeswarm exec'\n");
		return 2;
	}
	char name[16];
	snprintf(name, sizeof(name), "ikeswarm-w%d", o.worker);
	prctl(PR_SET_NAME, name);
	struct config cfg;
	struct conf_diag diag = { 0 };
	int rc = conf_load_file(file, &cfg, &diag);
	conf_diag_free(&diag);
	if (rc < 0) {
		fprintf(stderr, "%s: %s no longer loads\n", name, file);
		return 1;
	}
	rc = wmain_run(&cfg, &o);
	config_free(&cfg);
	return rc;
}

int cmd_kernel(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "--url") != 0) {
		fprintf(stderr, "ikeswarm __kernel: internal command, started by 'ikeswarm exec'\n");
		return 2;
	}
	prctl(PR_SET_NAME, "ikeswarm-kernel");
	return kproc_main(argv[2]);
}
