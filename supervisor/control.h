/* The control socket: JSON requests from `ikeswarm cli`, nngcat, pynng ...
 *
 *   -> {"cmd": "dump", "id": 7, "spi": "5dfa8ef4cd3fe5f8"}
 *   <- {"type": "reply", "id": 7, "ok": true, ...answer...}
 *   <- {"type": "error", "id": 7, "ok": false, "error": "dump: missing key 'spi'"}
 *
 * REQ/REP on tcp://ADDR:PORT (apilistenaddr, default 127.0.0.1:12330) or
 * ipc://PATH.  Every request is checked against the message table
 * (msg_check_cmd) before a handler sees it; a malformed or unknown request
 * gets an error reply and reaches no handler, so it changes nothing.
 *
 * Why a raw REP socket (nng_rep0_open_raw) and not nng_ctx: the supervisor
 * answers most commands by asking the worker that owns the SA, so a reply
 * is often sent later, after other requests (and other clients) were
 * received.  A cooked REP socket holds one request at a time; nng_ctx
 * allows many but delivers through aio callbacks on nng's threads.  A raw
 * socket gives each received request its routing header; we keep it in a
 * struct control_req and send the reply with it whenever the answer is
 * ready -- many requests in flight, all on the loop's one thread, driven by
 * NNG_OPT_RECVFD in epoll.
 *
 * Use from the supervisor's epoll loop:
 *
 *	struct control *ctl;
 *	control_open(&ctl, "tcp://127.0.0.1:12330");
 *	control_on(ctl, "summary", on_summary, sup);    // one per command
 *	epoll_ctl(ep, EPOLL_CTL_ADD, control_fd(ctl), EPOLLIN);
 *	...on EPOLLIN of that fd: control_handle(ctl);  // drains, dispatches
 *	...
 *	static void on_summary(void *sup, struct control_req *rq, const json_t *req)
 *	{
 *		control_reply(rq, counters_json(sup));   // now ...
 *	}
 *	static void on_dump(void *sup, struct control_req *rq, const json_t *req)
 *	{
 *		forward req to the owning worker, remember rq by the worker
 *		request's id; when the worker's reply comes back (or a timer
 *		fires): control_reply(rq, body) or control_fail(rq, "...").
 *	}
 *
 * Every control_req must be answered exactly once (control_reply or
 * control_fail frees it); those still pending at control_close are dropped
 * (their clients time out).  Not thread-safe. */
#ifndef IKESWARM_SUPERVISOR_CONTROL_H
#define IKESWARM_SUPERVISOR_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CONTROL_DEFAULT_PORT 12330
#define CONTROL_DEFAULT_URL "tcp://127.0.0.1:12330"
/* Largest request accepted (requests are small; replies may be large). */
#define CONTROL_MAX_REQUEST (64 * 1024)

struct control;
struct control_req;

/* req is the checked request object (owned by rq: valid until answered). */
typedef void (*control_fn)(void *arg, struct control_req *rq, const json_t *req);

struct control_stats {
	uint64_t requests;   /* requests received */
	uint64_t rejected;   /* malformed, unknown or without a handler */
	uint64_t replied;    /* replies (and error replies) sent */
	uint64_t send_failed;/* replies that could not be queued (client gone?) */
};

/* Listen on url (tcp://, ipc://).  0 or -errno (-EADDRINUSE, -EINVAL for
 * a bad URL, -EACCES ...). */
int control_open(struct control **out, const char *url);

/* "tcp://ADDR:PORT" (IPv6 in brackets) from the setup's apilistenaddr and
 * apilistenport.  0, or -ENOSPC / -EINVAL. */
int control_url(char *buf, size_t size, const char *addr, unsigned port);

/* Route a command (a MSG_CMD name of the message table) to fn.  -EINVAL for
 * a name that is not a command; registering again replaces. */
int control_on(struct control *c, const char *cmd, control_fn fn, void *arg);

/* The fd that is readable while requests wait (NNG_OPT_RECVFD). */
int control_fd(const struct control *c);

/* Receive every waiting request without blocking, answer the bad ones, hand
 * the good ones to their handlers.  Returns how many were received, or
 * -errno when the socket failed. */
int control_handle(struct control *c);

/* Answer: body's keys (body may be NULL; stolen) go into
 * {"type":"reply","id":..,"ok":true}; envelope keys are not overwritten.
 * Frees rq.  0 or -errno (the reply could not be sent; rq freed anyway). */
int control_reply(struct control_req *rq, json_t *body);
/* {"type":"error","id":..,"ok":false,"error":"<formatted>"}; frees rq. */
int control_fail(struct control_req *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The request's command name ("dump"), and its "id" or -1. */
const char *control_req_cmd(const struct control_req *rq);
int64_t control_req_id(const struct control_req *rq);

size_t control_pending(const struct control *c);
void control_stats(const struct control *c, struct control_stats *st);

/* Close the socket (an ipc:// path is removed by nng), drop pending
 * requests, free.  nng does not linger: when a reply left less than 100 ms
 * ago (the answer to "stop"), this waits out the rest so it is delivered.
 * NULL is fine. */
void control_close(struct control *c);

#endif
