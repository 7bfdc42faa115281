/* The lab's run: start the gateway in its namespace, then, once it is
 * listening, the client; show progress; stop both in order at the end or
 * on a signal; collect both results. */
#ifndef IKESWARM_SUPERVISOR_LAB_RUN_H
#define IKESWARM_SUPERVISOR_LAB_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/lab_child.h"
#include "supervisor/lab_report.h"

#define LAB_GW_READY_MS 10000     /* gateway: run.start within this */
#define LAB_CL_OVERRUN_MS 60000   /* client: done within its time plus this */
#define LAB_STOP_MS 15000         /* SIGTERM, then SIGKILL after this */

enum lab_phase { PH_GW_START, PH_RUN, PH_STOP_CL, PH_STOP_GW, PH_DONE };

struct lab_run {
	/* Set by the caller. */
	long tunnels;
	long seconds;              /* the client's running time; 0: until a signal */
	bool verbose;              /* show every log line */
	const char *gw_ns, *cl_ns; /* namespace names */
	const char *gw_yaml, *cl_yaml;
	const char *dir;           /* the lab's private folder: the children's cwd */
	int sigfd;                 /* signalfd: SIGINT SIGTERM SIGHUP SIGCHLD, blocked */

	/* Results. */
	struct lab_child gw, cl;   /* pid <= 0: never started */
	struct lab_side gws, cls;
	bool interrupted;          /* a signal asked the lab to stop */
	bool failed;               /* the lab itself saw something go wrong (said) */

	/* Inside lab_run(). */
	enum lab_phase phase;
	bool killed;               /* SIGKILL sent in this stop phase */
	int signals;
	uint64_t t0, deadline, next_tick, last_print, done_at;
	long printed_up, printed_gw_up, printed_failed, printed_moves;
	bool all_up_said;
};

/* Zero L and set what it needs besides the caller's fields. */
void lab_run_init(struct lab_run *L);

/* Run both sides until both have ended (children reaped, pipes drained). */
void lab_run(struct lab_run *L);

/* Read pending signals (before lab_run); true when one asked to stop. */
bool lab_run_interrupted(struct lab_run *L);

#endif
