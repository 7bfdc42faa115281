/* The end-of-run result: a summary like MyIKEv2's, or one JSON object (-j),
 * and the exit code (0 only when every configured tunnel was created). */
#ifndef IKESWARM_WORKER_RESULT_H
#define IKESWARM_WORKER_RESULT_H

#include <stdbool.h>
#include <stdio.h>

#include "worker/counters.h"

struct run_result {
	const char *role;          /* "client" or "gateway" */
	uint64_t configured;       /* numberoftunnels */
	uint64_t created;          /* tunnels established at least once */
	uint64_t failed;           /* tunnels that gave up */
	double duration_s;         /* whole run */
	double setup_s;            /* first attempt to last tunnel created */
	const struct counters *c;
	uint64_t events_dropped;   /* log events lost (a worker's queue was full) */
};

static inline bool result_pass(const struct run_result *r)
{
	return r->created >= r->configured;
}

/* Tunnels per second over the setup phase (0 when nothing was created). */
double result_setup_rate(const struct run_result *r);

void result_print_text(const struct run_result *r, FILE *f);
void result_print_json(const struct run_result *r, FILE *f);

static inline int result_exit_code(const struct run_result *r)
{
	return result_pass(r) ? 0 : 1;
}

#endif
