/* A worker process's outgoing log events, batched: the engine's events
 * (worker/log.h sink) are formatted once into log records and sent to the
 * supervisor as one "events" message per batch (lib/msg.h), instead of one
 * JSON message each -- per-message cost (JSON objects, encoding, nng's
 * queue and wake-ups) was a third of a worker's instructions per tunnel.
 *
 * A record is the log line with its time in microseconds since the epoch,
 * ending in '\n' (a control character inside becomes \xHH):
 *
 *   1764236401123456 INFO w2 t17 ike=5dfa8ef4cd3fe5f8 ike.established k=v ...
 *
 * The records travel as the message's trailer, after its JSON object, so
 * neither side builds or parses JSON per event (lib/msg.h).  The supervisor
 * parses each record back (sup_events.c) and writes the line.
 *
 * Filters: an event leaves the worker only when it passes one of the
 * filters the supervisor sent ("filter": the log file's, stdout's and each
 * subscription's level and keyword); a keyword is looked for in the line
 * after its time field, as the supervisor's filters do.
 *
 * A batch goes out when it holds WEVENTS_BATCH_LINES records or
 * WEVENTS_BATCH_BYTES, else WEVENTS_FLUSH_NS after its first record.  When
 * the supervisor's queue is full the batch is kept and retried; past
 * WEVENTS_MAX_BYTES new events are dropped and counted: the engine never
 * waits for the log. */
#ifndef IKESWARM_WORKER_WEVENTS_H
#define IKESWARM_WORKER_WEVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <nng/nng.h>

#include "lib/msg.h"

struct loop;

#define WEVENTS_BATCH_LINES 256
#define WEVENTS_BATCH_BYTES (48 * 1024)
#define WEVENTS_MAX_BYTES (512 * 1024)        /* < MSG_MAX_SIZE */
#define WEVENTS_FLUSH_NS (2 * 1000 * 1000)   /* 2 ms */
#define WEVENTS_RETRY_NS (10 * 1000 * 1000)  /* queue full: try again */
#define WEVENTS_KEYWORD_LEN 64

struct wevents_filter {
	int level;                          /* 1..5 */
	char keyword[WEVENTS_KEYWORD_LEN];  /* "": every event of that level */
};

struct wevents;

/* Events of worker `worker` go out on sock (not owned); timers on loop.
 * Starts with one filter: {level, ""}.  0 or -ENOMEM. */
int wevents_new(struct wevents **out, struct loop *loop, nng_socket sock, int worker,
		int level);
/* Sends what is queued (blocking up to the socket's send timeout), frees. */
void wevents_free(struct wevents *ev);

/* Replace the filters (n <= MSG_MAX_FILTERS).  Returns the highest level
 * among them (0: none), for the engine's cheap level gate (wlog.level). */
int wevents_set_filters(struct wevents *ev, const struct wevents_filter *f, int n);
/* The same from a checked "filter" message's "filters" array. */
int wevents_set_filters_json(struct wevents *ev, const json_t *filters);

/* One event (the wlog sink's arguments): filtered, formatted, queued. */
void wevents_add(struct wevents *ev, int level, int tunnel, uint64_t ike, const char *name,
		 const char *tail);

/* Send the queued batch now.  block: wait for room (end of run).  0,
 * -EAGAIN (kept, retried by its timer) or another -errno. */
int wevents_flush(struct wevents *ev, bool block);

/* Events not sent because the queue was full, so far. */
uint64_t wevents_dropped(const struct wevents *ev);

/* Format the record of one event into buf (like snprintf; the part after
 * the time starts at *body when body is not NULL).  For tests and the
 * single place that knows the record's layout on the worker side. */
int wevents_format(char *buf, size_t size, uint64_t time_us, int level, int worker,
		   int tunnel, uint64_t ike, const char *name, const char *tail, size_t *body);

#endif
