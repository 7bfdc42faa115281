/* The run's log file, written only by the supervisor: one line per event
 *
 *   2026-11-27T09:40:01.123456Z INFO w2 t17 ike=5dfa8ef4cd3fe5f8 mobike.update.ok own=192.168.1.2 peer=11.1.0.1
 *
 * time (UTC, microseconds), level name, worker ("w-": the supervisor),
 * tunnel index ("t-": none), " ike=<16 hex>" only when the event concerns
 * an IKE SA, the event name, then key=value fields.  A value that is empty
 * or holds a space, '"', '\' or a control character is written in double
 * quotes with \" \\ and \xHH escapes, so a line always splits on spaces.
 * A preformatted tail (ev->text) that does not follow that grammar is
 * written whole as one quoted text="..." field; bad names and keys are
 * mended: every line matches the regular expression of the man page.
 * The same format as worker/log.c; ikeswarm-control(7) documents it with
 * the regular expression a harness can use.
 *
 * Levels (setup key `loglevel`, 1-5): a line is written when its level is
 * <= the configured one.  1 ERROR (the tool itself is in trouble: a worker
 * died, netlink failed), 2 INFO (each tunnel's life: established, failed,
 * rekeyed, MOBIKE updates, DPD timeouts, deletes -- the default), 3 VERB
 * (per exchange details), 4 DEBUG (per packet), 5 TRACE (payloads, keys).
 *
 * Every line is built whole in memory and written with one write() on an
 * O_APPEND fd (a batch of whole lines, logfile_batch_begin), so lines are
 * never torn or interleaved.  Not thread-safe: one
 * logfile is used from the supervisor's one loop. */
#ifndef IKESWARM_SUPERVISOR_LOGFILE_H
#define IKESWARM_SUPERVISOR_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

enum log_level {
	LOGL_ERROR = 1,
	LOGL_INFO = 2,
	LOGL_VERB = 3,
	LOGL_DEBUG = 4,
	LOGL_TRACE = 5,
};

/* "ERROR", "INFO", "VERB", "DEBUG", "TRACE"; "?" out of range. */
const char *log_level_name(int level);

/* One event.  Absent parts: worker -1, tunnel -1, ike 0, fields/text NULL. */
struct log_event {
	int64_t time_us;      /* microseconds since the epoch; 0: now */
	int level;            /* 1..5 */
	int worker;
	int64_t tunnel;
	uint64_t ike;         /* our IKE SPI */
	const char *name;     /* stable event name, e.g. "ike.established" */
	const json_t *fields; /* object of key -> string/number/bool, in order */
	const char *text;     /* a preformatted "k=v ..." tail, after fields */
};

struct logfile_opts {
	const char *path;     /* the log file; PATH.prev is the rotated one */
	int level;            /* 1..5 */
	const char *keyword;  /* NULL or "": every line; else lines containing it */
	uint64_t cap_bytes;   /* 0: no cap; else rotate before a line passes it
			       * (the setup's logfilesizecap MB * 1048576) */
	bool in_mem;          /* keep lines in memory, write them at close */
};

struct logfile_stats {
	uint64_t lines;       /* lines written (or kept in memory) */
	uint64_t filtered;    /* events below the level or without the keyword */
	uint64_t rotations;
	uint64_t errors;      /* failed writes/rotations (lines lost) */
};

struct logfile;

/* Opens (truncates) the file and removes a stale PATH.prev: a run starts
 * with a fresh log, and a .prev file is always this run's.  With in_mem the
 * file is created now and filled at close.  0 or -errno. */
int logfile_open(struct logfile **out, const struct logfile_opts *o);

/* Change the filter while running (keyword copied; NULL or "": none). */
int logfile_set_filter(struct logfile *lf, int level, const char *keyword);

/* Would an event at this level pass the level filter?  (Cheap: callers may
 * skip building an event; workers can be told the level.) */
bool logfile_wants(const struct logfile *lf, int level);

/* Format, filter and write one event.  1 written, 0 filtered out, -errno
 * when the write or a rotation failed (counted in errors). */
int logfile_write(struct logfile *lf, const struct log_event *ev);

/* A line already made by log_format() (n bytes with its '\n'): filtered
 * (level, keyword) and written like logfile_write(). */
int logfile_write_line(struct logfile *lf, int level, const char *line, size_t n);
/* Would that line pass the file's level and keyword? */
bool logfile_wants_line(const struct logfile *lf, int level, const char *line);

/* The same for an "event" message that passed msg_check(). */
int logfile_write_msg(struct logfile *lf, const json_t *event_msg);

/* Fill ev from a checked "event" message (pointers into m). */
int log_event_from_msg(const json_t *m, struct log_event *ev);

/* Format one line (with its '\n') like snprintf: returns the full length,
 * writes at most size-1 bytes and a NUL.  Uses no filter.  Not thread-safe
 * (it keeps the last second's date text). */
size_t log_format(const struct log_event *ev, char *buf, size_t size);

/* The filter test itself, for other outputs (stdout, subscriptions).  The
 * keyword is looked for in the line after its time field. */
bool log_filter_match(int max_level, const char *keyword, int level, const char *line);

/* Lines written between these two go out with one write() at the end (or
 * each LOGFILE_BATCH_BYTES): the supervisor brackets a worker's events
 * message, 4-5 lines per tunnel, to spare a syscall per line.  Lines stay
 * whole.  _end: 0 or the -errno of the write (lines lost, counted). */
#define LOGFILE_BATCH_BYTES (64 * 1024)
void logfile_batch_begin(struct logfile *lf);
int logfile_batch_end(struct logfile *lf);

void logfile_stats(const struct logfile *lf, struct logfile_stats *st);

/* Write what is kept in memory (in_mem: PATH.prev first when rotated),
 * close, free.  0 or the first -errno met.  NULL is fine. */
int logfile_close(struct logfile *lf);

#endif
