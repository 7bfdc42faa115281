/* The worker's event log: one line per event, in DESIGN.md's format
 *   2026-11-27T09:40:01.123456Z INFO w2 t17 ike=5dfa8ef4cd3fe5f8 ike.established k=v ...
 * Everything the engine logs goes through wlog_event(), so the supervisor
 * issue can redirect it (to a pipe, nng, a file) by changing this module. */
#ifndef IKESWARM_WORKER_LOG_H
#define IKESWARM_WORKER_LOG_H

#include <stdint.h>
#include <stdio.h>

/* Levels as the setup's `loglevel` (1-5): a line is written when its level
 * is <= the configured one. */
enum wlog_level {
	WLOG_ERROR = 1,
	WLOG_INFO = 2,
	WLOG_VERBOSE = 3,
	WLOG_DEBUG = 4,
	WLOG_TRACE = 5,
};

struct wlog {
	FILE *out;     /* NULL: discard everything */
	int level;
	int worker;    /* the "wN" field */
	/* When set, events that pass the level go to sink instead of out
	 * (a worker process forwards them to the supervisor's log); tail is
	 * the formatted "k=v ..." part ("" when none). */
	void (*sink)(void *arg, int level, int tunnel, uint64_t ike_spi, const char *event,
		     const char *tail);
	void *sink_arg;
};

void wlog_init(struct wlog *l, FILE *out, int level, int worker);

/* tunnel < 0 prints "t-"; ike_spi 0 leaves the ike= field out.  fmt (may be
 * NULL) gives the "k=v ..." tail. */
void wlog_event(const struct wlog *l, enum wlog_level level, int tunnel, uint64_t ike_spi,
		const char *event, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* A field value as the log format wants it: as is, or in double quotes
 * with \" \\ and \xHH escapes when it is empty or holds a space, a quote,
 * a backslash or a control character.  Returns v or buf. */
#define WLOG_QLEN 160
const char *wlog_q(const char *v, char buf[WLOG_QLEN]);

static inline int wlog_enabled(const struct wlog *l, enum wlog_level level)
{
	return (l->out || l->sink) && (int)level <= l->level;
}

#endif
