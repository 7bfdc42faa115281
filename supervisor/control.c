/* The control socket server (see control.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "lib/msg.h"
#include "supervisor/control.h"

#define CONTROL_SEND_QUEUE 1024 /* replies; nng's limit is 8192 */

struct handler {
	control_fn fn;
	void *arg;
};

struct control_req {
	struct control *c;
	nng_msg *msg;     /* the request as received: its header routes the reply */
	json_t *req;      /* checked request, NULL when it failed the checks */
	const struct msg_type *type;
	int64_t id;
	struct control_req *prev, *next; /* pending list */
};

struct control {
	nng_socket sock;
	bool open;
	int fd;
	struct handler *handlers; /* indexed like msg_types[] */
	size_t ntypes;
	struct control_req *pending;
	size_t npending;
	struct control_stats st;
	int64_t last_reply_ms; /* CLOCK_MONOTONIC */
};

/* nng drops queued messages at close (no linger): a reply sent just
 * before control_close -- the answer to "stop" -- gets this long to leave. */
#define CONTROL_CLOSE_GRACE_MS 100

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int control_url(char *buf, size_t size, const char *addr, unsigned port)
{
	unsigned char b[16];
	int n;
	if (!addr || !*addr || port == 0 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET6, addr, b) == 1)
		n = snprintf(buf, size, "tcp://[%s]:%u", addr, port);
	else if (inet_pton(AF_INET, addr, b) == 1)
		n = snprintf(buf, size, "tcp://%s:%u", addr, port);
	else
		return -EINVAL;
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

int control_open(struct control **out, const char *url)
{
	int rc = -ENOMEM;
	*out = NULL;
	struct control *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	for (const struct msg_type *t = msg_types; t->name; t++)
		c->ntypes++;
	c->handlers = calloc(c->ntypes, sizeof(*c->handlers));
	if (!c->handlers)
		goto fail;
	rc = msg_nng_errno(nng_rep0_open_raw(&c->sock));
	if (rc)
		goto fail;
	c->open = true;
	rc = msg_nng_errno(nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, CONTROL_MAX_REQUEST));
	if (rc)
		goto fail;
	/* room for replies to many clients at once: a non-blocking send to a
	 * raw socket fails with EAGAIN when this queue is full */
	rc = msg_nng_errno(nng_socket_set_int(c->sock, NNG_OPT_SENDBUF, CONTROL_SEND_QUEUE));
	if (rc)
		goto fail;
	rc = msg_nng_errno(nng_listen(c->sock, url, NULL, 0));
	if (rc)
		goto fail;
	rc = msg_recv_fd(c->sock, &c->fd);
	if (rc)
		goto fail;
	*out = c;
	return 0;
fail:
	control_close(c);
	return rc;
}

int control_on(struct control *c, const char *cmd, control_fn fn, void *arg)
{
	const struct msg_type *t = msg_type_find(cmd);
	if (!t || t->dir != MSG_CMD)
		return -EINVAL;
	c->handlers[t - msg_types] = (struct handler){ fn, arg };
	return 0;
}

int control_fd(const struct control *c)
{
	return c->fd;
}

size_t control_pending(const struct control *c)
{
	return c->npending;
}

void control_stats(const struct control *c, struct control_stats *st)
{
	*st = c->st;
}

const char *control_req_cmd(const struct control_req *rq)
{
	return rq->type ? rq->type->name : "";
}

int64_t control_req_id(const struct control_req *rq)
{
	return rq->id;
}

static void unlink_req(struct control_req *rq)
{
	struct control *c = rq->c;
	if (rq->prev)
		rq->prev->next = rq->next;
	else if (c->pending == rq)
		c->pending = rq->next;
	if (rq->next)
		rq->next->prev = rq->prev;
	rq->prev = rq->next = NULL;
	c->npending--;
}

static void free_req(struct control_req *rq)
{
	if (rq->msg)
		nng_msg_free(rq->msg);
	json_decref(rq->req);
	free(rq);
}

/* Send m (not stolen) as the answer to rq, then free rq. */
static int answer(struct control_req *rq, const json_t *m)
{
	struct control *c = rq->c;
	int rc = -ENOMEM;
	unlink_req(rq);
	char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
	if (text) {
		nng_msg_clear(rq->msg); /* keeps the header: the route back */
		rc = msg_nng_errno(nng_msg_append(rq->msg, text, strlen(text)));
		free(text);
	}
	if (rc == 0 && c->open) {
		rc = msg_nng_errno(nng_sendmsg(c->sock, rq->msg, NNG_FLAG_NONBLOCK));
		if (rc == 0)
			rq->msg = NULL; /* nng owns it now */
	} else if (rc == 0) {
		rc = -EBADF;
	}
	if (rc) {
		c->st.send_failed++;
	} else {
		c->st.replied++;
		c->last_reply_ms = now_ms();
	}
	free_req(rq);
	return rc;
}

int control_reply(struct control_req *rq, json_t *body)
{
	json_t *m = msg_reply(rq->id);
	if (m && body && json_object_update_missing(m, body)) {
		json_decref(m);
		m = NULL;
	}
	int rc = answer(rq, m); /* m NULL: -ENOMEM, rq freed, the client times out */
	json_decref(m);
	json_decref(body);
	return rc;
}

int control_fail(struct control_req *rq, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_t *m = msg_error(rq->id, text);
	int rc = answer(rq, m);
	json_decref(m);
	return rc;
}

/* One received request: check it, answer it or hand it on. */
static void dispatch(struct control *c, nng_msg *msg)
{
	struct control_req *rq = calloc(1, sizeof(*rq));
	if (!rq) {
		nng_msg_free(msg); /* the client times out */
		return;
	}
	rq->c = c;
	rq->msg = msg;
	rq->id = -1;
	rq->next = c->pending;
	if (c->pending)
		c->pending->prev = rq;
	c->pending = rq;
	c->npending++;
	c->st.requests++;

	char why[MSG_WHY_LEN];
	int rc = msg_decode(nng_msg_body(msg), nng_msg_len(msg), true, &rq->req, &rq->type,
			    why, sizeof(why));
	if (rc) {
		/* echo a well-formed id even when the rest was bad */
		json_t *m = json_loadb(nng_msg_body(msg), nng_msg_len(msg), 0, NULL);
		rq->id = msg_id(m);
		json_decref(m);
		c->st.rejected++;
		control_fail(rq, "%s", why);
		return;
	}
	rq->id = msg_id(rq->req);
	struct handler *h = &c->handlers[rq->type - msg_types];
	if (!h->fn) {
		c->st.rejected++;
		control_fail(rq, "command '%s' is not available in this run", rq->type->name);
		return;
	}
	h->fn(h->arg, rq, rq->req);
}

int control_handle(struct control *c)
{
	int n = 0;
	for (;;) {
		nng_msg *msg;
		int rc = msg_nng_errno(nng_recvmsg(c->sock, &msg, NNG_FLAG_NONBLOCK));
		if (rc == -EAGAIN)
			return n;
		if (rc)
			return rc;
		n++;
		dispatch(c, msg);
	}
}

void control_close(struct control *c)
{
	if (!c)
		return;
	if (c->open && c->st.replied) {
		int64_t wait = c->last_reply_ms + CONTROL_CLOSE_GRACE_MS - now_ms();
		struct timespec ts = { 0, (long)wait * 1000000 };
		if (wait > 0)
			nanosleep(&ts, NULL);
	}
	if (c->open)
		nng_close(c->sock);
	c->open = false;
	while (c->pending) {
		struct control_req *rq = c->pending;
		unlink_req(rq);
		free_req(rq);
	}
	free(c->handlers);
	free(c);
}
