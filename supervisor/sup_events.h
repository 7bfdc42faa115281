/* The supervisor's event output: every event (the workers' batches and
 * the supervisor's own) goes to the log file, to stdout when the `log`
 * control request asked for it, and to subscribers on an nng PUB socket.
 *
 * PUB socket: the control URL's port + 1 (tcp://127.0.0.1:12331 by
 * default), or the control ipc:// path with ".events" appended.  Each
 * message is "<level digit> <log line>" (no newline): the level digit is the
 * topic, so an nng SUB that subscribes to "1" and "2" gets ERROR and INFO.
 * What is published: events that pass the log file's filter or a live
 * subscription's; a `subscribe` control request (level, keyword) makes the
 * workers send what it wants for SUP_SUB_LEASE_S seconds (repeat it to
 * renew).  Keywords are not topics: a subscriber filters by keyword itself
 * (ikeswarm cli events does).
 *
 * Workers are told what to send with a "filter" message (lib/msg.h): the
 * union of the log file's, stdout's and the subscriptions' filters, sent
 * again whenever it changes and to every worker that says hello. */
#ifndef IKESWARM_SUPERVISOR_SUP_EVENTS_H
#define IKESWARM_SUPERVISOR_SUP_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "supervisor/logfile.h"

struct sup;
struct sup_worker;

#define SUP_SUB_LEASE_S 60
#define SUP_MAX_SUBS 14             /* + log file + stdout = MSG_MAX_FILTERS */
#define SUP_DROP_LOG_NS (5ull * 1000000000ull) /* events.dropped: at most this often */

/* Set up (before workers start); control_url may be NULL (no PUB socket).
 * 0 or -errno (only -ENOMEM is fatal; a PUB that cannot listen is logged). */
int sup_events_open(struct sup *s, const char *control_url);
void sup_events_close(struct sup *s);

/* The PUB socket's URL for a control URL: 0, or -EINVAL/-ENOSPC. */
int sup_events_url(const char *control_url, char *buf, size_t size);

/* One event out: log file, stdout, subscribers; an ERROR is last_error. */
void sup_event_out(struct sup *s, const struct log_event *ev);

/* A checked "events" message of worker w: every record out, in order. */
void sup_events_batch(struct sup *s, struct sup_worker *w, const json_t *m);

/* Worker w said hello (a new incarnation): give it the filters. */
void sup_events_hello(struct sup *s, struct sup_worker *w);
/* The filters changed (stdout level, subscriptions): tell the workers. */
void sup_events_refilter(struct sup *s);

/* Once a second: expire subscriptions, log events.dropped (at most every
 * SUP_DROP_LOG_NS per worker; end: now, whatever the interval). */
void sup_events_tick(struct sup *s, bool end);

/* Events worker i lost so far (every incarnation). */
uint64_t sup_events_dropped(const struct sup *s, unsigned i);

/* The `subscribe` control request (registered by sup_ctl_register). */
struct control_req;
void sup_events_on_subscribe(void *arg, struct control_req *rq, const json_t *req);

/* Parse one record (len bytes, without its '\n') of an "events" message
 * (worker/wevents.h) into ev; it is copied into scratch (cut at
 * scratch_size - 1), which ev points into.  0, or -EBADMSG with why. */
int sup_events_parse(const char *rec, size_t len, int worker, struct log_event *ev,
		     char *scratch, size_t scratch_size, const char **why);

#endif
