/* What the lab shows: counts taken from each side's event log (progress),
 * which log lines are worth showing, and each side's final result. */
#ifndef IKESWARM_SUPERVISOR_LAB_REPORT_H
#define IKESWARM_SUPERVISOR_LAB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

/* One line of the lab's own on stdout: "[lab] " fmt "\n", flushed. */
void lab_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Counts of one side's log events. */
struct lab_side {
	const char *name;   /* "client" or "gateway" */
	bool started;       /* run.start seen: sockets open */
	long up;            /* tunnel.up */
	long failed;        /* tunnel.failed */
	long moves;         /* mobike.update.ok */
	long rekeys;        /* ike.rekeyed + child.rekeyed */
};

/* Split a log line "TIME LEVEL wN tN [ike=SPI] EVENT ..." (worker/log.h):
 * level and event copied out (truncated to their sizes).  false when the
 * line is not one (an error message, say). */
bool lab_log_parse(const char *line, char *level, size_t level_sz, char *event,
		   size_t event_sz);

/* Count the line's event in s; true when it should be shown even when not
 * verbose: not a log line, an ERROR, run.*, stop, signal, *.failed. */
bool lab_side_take(struct lab_side *s, const char *line);

/* One side's end-of-run JSON result (worker/result.h), as far as shown. */
struct lab_result {
	bool have;              /* a JSON object was found and read */
	char role[16];
	char result[16];        /* "pass" / "fail" */
	long configured, created, failed;
	double setup_rate, duration_s;
	long retransmits, ike_rekeyed, child_rekeyed;
	long mobike_ok, mobike_failed;  /* "mobike": {"updates_ok", ...}; -1 absent */
};

/* The last line of out that is a JSON object.  0, or -1 (r->have false). */
int lab_result_parse(const char *out, struct lab_result *r);

/* Passed with every one of `tunnels` created. */
bool lab_result_ok(const struct lab_result *r, long tunnels);

/* "  client   pass  200 of 200 created, 0 failed, 184.2/s, 30.0 s ..." or
 * why there is no result (status: the waitpid status, -1 never ran). */
void lab_result_print(FILE *f, const char *name, const struct lab_result *r, int status,
		      const struct lab_side *s);

#endif
