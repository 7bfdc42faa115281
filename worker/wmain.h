/* A worker process's main: one engine on its slice of tunnels, its UDP
 * sockets (given by the supervisor, already bound and steered), and one nng
 * PAIR socket to the supervisor over which it
 *
 *   sends   "hello" at start, "event" for every log line that passes the
 *           level (instead of writing a log itself), "stats" every 500 ms
 *           and a last one when the engine is done (counters."final" 1);
 *   answers the supervisor's commands (message table MSG_CMD, each with an
 *           "id"): summary, list, dump, listchild, dumpchild, rekeychild,
 *           stop, log, uptime -- with "reply" or "error" carrying the id.
 *
 * SIGINT/SIGTERM: graceful stop (DELETEs), a second one stops at once. */
#ifndef IKESWARM_WORKER_WMAIN_H
#define IKESWARM_WORKER_WMAIN_H

#include <stdbool.h>

#include "conf/config.h"

#define WMAIN_MAX_FDS 4

struct wmain_opts {
	int worker;              /* index: the top octet of our SPIs */
	int nworkers;
	int first, count;        /* client: tunnels [first, first + count) */
	const char *url;         /* the supervisor's PAIR socket (ipc://...) */
	int fds[WMAIN_MAX_FDS];  /* bound UDP sockets to adopt */
	unsigned fd_flags[WMAIN_MAX_FDS]; /* udp.h flags of each (UDP_F_NATT) */
	int nfds;
	const char *keylog_path; /* NULL: none; appended to (workers share it) */
	int loglevel;            /* events at or below are sent */
	const char *kernel_url;  /* installfastpath: the kernel process (child.*) */
	int first_index;         /* gateway: the index of its first peer's tunnel
				    (-1: the engine's worker x 1,000,000) */
};

/* Run until the engine is done (runningtime, stop) or the second signal;
 * returns the process exit code (0; 1 when it could not start). */
int wmain_run(const struct config *cfg, const struct wmain_opts *o);

#endif
