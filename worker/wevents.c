/* Batched log events of a worker process (see wevents.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "worker/loop.h"
#include "worker/wevents.h"

static const char *const level_names[] = {
	[1] = "ERROR", [2] = "INFO", [3] = "VERB", [4] = "DEBUG", [5] = "TRACE",
};

struct wevents {
	struct loop *loop;
	nng_socket sock;
	int worker;
	struct wevents_filter f[MSG_MAX_FILTERS];
	int nf;
	bool any_keyword;
	/* The records of the batch being built, each ending in '\n'; sent as
	 * the trailer of {"type":"events","worker":N,"dropped":D}. */
	char *buf;
	size_t len, cap;
	unsigned lines;
	bool retrying;     /* the last send found the queue full */
	uint64_t dropped;
	struct timer flush_timer;
};

static void on_flush_timer(struct timer *t, void *arg);

/* Decimal v into p (no NUL); returns the digits written. */
static size_t dec(char *p, uint64_t v)
{
	char b[24];
	size_t n = 0;
	do {
		b[sizeof(b) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(p, b + sizeof(b) - n, n);
	return n;
}

int wevents_format(char *buf, size_t size, uint64_t time_us, int level, int worker,
		   int tunnel, uint64_t ike, const char *name, const char *tail, size_t *body)
{
	/* Without printf: every event of the worker comes through here. */
	char head[128];
	size_t n = dec(head, time_us);
	head[n++] = ' ';
	if (body)
		*body = n;
	const char *lv = level >= 1 && level <= 5 ? level_names[level] : "ERROR";
	size_t l = strlen(lv);
	memcpy(head + n, lv, l);
	n += l;
	memcpy(head + n, " w", 2);
	n += 2;
	n += dec(head + n, worker >= 0 ? (uint64_t)worker : 0);
	memcpy(head + n, " t", 2);
	n += 2;
	if (tunnel >= 0)
		n += dec(head + n, (uint64_t)tunnel);
	else
		head[n++] = '-';
	if (ike) {
		memcpy(head + n, " ike=", 5);
		n += 5;
		for (int i = 15; i >= 0; i--)
			head[n + (size_t)i] = "0123456789abcdef"[(ike >> (4 * (15 - i))) & 15];
		n += 16;
	}
	head[n++] = ' ';
	size_t nl = strlen(name), tl = tail ? strlen(tail) : 0;
	size_t total = n + nl + (tl ? 1 + tl : 0);
	if (size) {
		size_t k = 0;
		size_t parts[3] = { n, nl, tl ? 1 + tl : 0 };
		const char *src[3] = { head, name, NULL };
		for (int i = 0; i < 3 && k < size - 1; i++) {
			size_t m = parts[i] < size - 1 - k ? parts[i] : size - 1 - k;
			if (i < 2) {
				memcpy(buf + k, src[i], m);
			} else if (m) {
				buf[k] = ' ';
				memcpy(buf + k + 1, tail, m - 1);
			}
			k += m;
		}
		buf[k] = 0;
	}
	return (int)total;
}

static void reset(struct wevents *ev)
{
	ev->len = 0;
	ev->lines = 0;
}

int wevents_new(struct wevents **out, struct loop *loop, nng_socket sock, int worker, int level)
{
	struct wevents *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->cap = WEVENTS_BATCH_BYTES + 4096;
	ev->buf = malloc(ev->cap);
	if (!ev->buf) {
		free(ev);
		return -ENOMEM;
	}
	ev->loop = loop;
	ev->sock = sock;
	ev->worker = worker;
	reset(ev);
	timer_init(&ev->flush_timer, on_flush_timer, ev);
	struct wevents_filter f = { .level = level };
	wevents_set_filters(ev, &f, 1);
	*out = ev;
	return 0;
}

void wevents_free(struct wevents *ev)
{
	if (!ev)
		return;
	wevents_flush(ev, true);
	loop_timer_cancel(ev->loop, &ev->flush_timer);
	free(ev->buf);
	free(ev);
}

int wevents_set_filters(struct wevents *ev, const struct wevents_filter *f, int n)
{
	int max = 0;
	if (n > MSG_MAX_FILTERS)
		n = MSG_MAX_FILTERS;
	ev->nf = n > 0 ? n : 0;
	ev->any_keyword = false;
	for (int i = 0; i < ev->nf; i++) {
		ev->f[i] = f[i];
		ev->f[i].keyword[WEVENTS_KEYWORD_LEN - 1] = 0;
		if (ev->f[i].level > max)
			max = ev->f[i].level;
		ev->any_keyword |= ev->f[i].keyword[0] != 0;
	}
	return max;
}

int wevents_set_filters_json(struct wevents *ev, const json_t *filters)
{
	struct wevents_filter f[MSG_MAX_FILTERS];
	int n = 0;
	size_t i;
	json_t *x;
	json_array_foreach(filters, i, x) {
		if (n == MSG_MAX_FILTERS)
			break;
		const char *kw = json_string_value(json_object_get(x, "keyword"));
		f[n].level = (int)json_integer_value(json_object_get(x, "level"));
		snprintf(f[n].keyword, sizeof(f[n].keyword), "%s", kw ? kw : "");
		n++;
	}
	return wevents_set_filters(ev, f, n);
}

static bool passes(const struct wevents *ev, int level, const char *body)
{
	for (int i = 0; i < ev->nf; i++)
		if (level <= ev->f[i].level &&
		    (!ev->f[i].keyword[0] || strstr(body, ev->f[i].keyword)))
			return true;
	return false;
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (p[0] >= 0xf5)
		n = 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Append s as one record: a control character becomes \xHH (a record
 * ends at its '\n'), a byte that is not UTF-8 becomes '?'. */
static void append_record(struct wevents *ev, const char *s)
{
	char *o = ev->buf + ev->len;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p++);
		} else if (*p < 0x80) {
			*o++ = (char)*p++;
		} else {
			size_t n = utf8_len(p);
			if (!n) {
				*o++ = '?';
				p++;
				continue;
			}
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	*o++ = '\n';
	ev->len = (size_t)(o - ev->buf);
}

/* Room for n more bytes (grown up to WEVENTS_MAX_BYTES + slack). */
static bool room(struct wevents *ev, size_t n)
{
	if (ev->len + n <= ev->cap)
		return true;
	if (ev->len + n > WEVENTS_MAX_BYTES + 4096)
		return false;
	size_t cap = ev->cap * 2;
	while (cap < ev->len + n)
		cap *= 2;
	char *b = realloc(ev->buf, cap);
	if (!b)
		return false;
	ev->buf = b;
	ev->cap = cap;
	return true;
}

static uint64_t real_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void wevents_add(struct wevents *ev, int level, int tunnel, uint64_t ike, const char *name,
		 const char *tail)
{
	char line[640];
	size_t body;
	int n = wevents_format(line, sizeof(line), real_us(), level, ev->worker, tunnel, ike, name,
			       tail, &body);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (ev->any_keyword || ev->nf > 1 ? !passes(ev, level, line + body)
					  : ev->nf == 0 || level > ev->f[0].level)
		return;
	/* Worst case: every byte escaped as \xHH, and the '\n'. */
	if (ev->len >= WEVENTS_MAX_BYTES || !room(ev, (size_t)n * 4 + 1)) {
		ev->dropped++;
		return;
	}
	append_record(ev, line);
	ev->lines++;
	if (!ev->retrying && (ev->lines >= WEVENTS_BATCH_LINES ||
			      ev->len >= WEVENTS_BATCH_BYTES)) {
		if (wevents_flush(ev, false) == 0)
			return;
	}
	if (!timer_armed(&ev->flush_timer))
		loop_timer_in(ev->loop, &ev->flush_timer, WEVENTS_FLUSH_NS);
}

int wevents_flush(struct wevents *ev, bool block)
{
	if (!ev->lines)
		return 0;
	json_t *m = msg_new("events", -1);
	int rc = -ENOMEM;
	if (m && !json_object_set_new(m, "worker", json_integer(ev->worker)) &&
	    !json_object_set_new(m, "dropped", json_integer((json_int_t)ev->dropped)))
		rc = msg_send_trailer(ev->sock, m, ev->buf, ev->len, block ? 0 : NNG_FLAG_NONBLOCK);
	json_decref(m);
	if (rc < 0) {
		ev->retrying = true;
		loop_timer_cancel(ev->loop, &ev->flush_timer);
		loop_timer_in(ev->loop, &ev->flush_timer, WEVENTS_RETRY_NS);
		return rc;
	}
	reset(ev);
	ev->retrying = false;
	loop_timer_cancel(ev->loop, &ev->flush_timer);
	return 0;
}

static void on_flush_timer(struct timer *t, void *arg)
{
	(void)t;
	wevents_flush(arg, false);
}

uint64_t wevents_dropped(const struct wevents *ev)
{
	return ev->dropped;
}
