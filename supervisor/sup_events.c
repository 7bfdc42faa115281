/* The supervisor's event output (see sup_events.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>

#include "lib/msg.h"
#include "supervisor/control.h"
#include "supervisor/sup.h"
#include "supervisor/sup_events.h"
#include "worker/loop.h"

#define LINE_MAX_LEN 2048

struct sup_sub {
	int level;
	char keyword[64];
	uint64_t expires_ns;  /* 0: free slot */
};

struct sup_events {
	nng_socket pub;
	bool pub_open;
	atomic_int pub_pipes;        /* subscribers connected (nng's threads count) */
	char url[200];
	struct sup_sub subs[SUP_MAX_SUBS];
	json_t *filters_sent;        /* the last "filters" array given to workers */
	uint64_t *batch_dropped;     /* per worker: "dropped" of its last batch */
	uint64_t *dropped_logged;    /* per worker: total already logged */
	uint64_t *dropped_log_ns;    /* per worker: when */
	uint64_t bad_records;
	char line[LINE_MAX_LEN + 8];
	char scratch[LINE_MAX_LEN];
};

int sup_events_url(const char *control_url, char *buf, size_t size)
{
	int n;
	if (!strncmp(control_url, "ipc://", 6)) {
		n = snprintf(buf, size, "%s.events", control_url);
	} else {
		const char *colon = strrchr(control_url, ':');
		char *end;
		if (strncmp(control_url, "tcp://", 6) || !colon)
			return -EINVAL;
		unsigned long port = strtoul(colon + 1, &end, 10);
		if (*end || port == 0 || port >= 65535)
			return -EINVAL;
		n = snprintf(buf, size, "%.*s:%lu", (int)(colon - control_url), control_url,
			     port + 1);
	}
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	struct sup_events *e = arg;
	atomic_fetch_add(&e->pub_pipes, ev == NNG_PIPE_EV_ADD_POST ? 1 : -1);
}

int sup_events_open(struct sup *s, const char *control_url)
{
	struct sup_events *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->batch_dropped = calloc(s->nworkers, sizeof(uint64_t));
	e->dropped_logged = calloc(s->nworkers, sizeof(uint64_t));
	e->dropped_log_ns = calloc(s->nworkers, sizeof(uint64_t));
	if (!e->batch_dropped || !e->dropped_logged || !e->dropped_log_ns) {
		free(e->batch_dropped);
		free(e->dropped_logged);
		free(e->dropped_log_ns);
		free(e);
		return -ENOMEM;
	}
	s->events = e;
	if (!control_url)
		return 0;
	int rv = sup_events_url(control_url, e->url, sizeof(e->url)) < 0 ? NNG_EINVAL : 0;
	if (!rv)
		rv = nng_pub0_open(&e->pub);
	if (!rv) {
		e->pub_open = true;
		/* Subscribers are slow readers: PUB drops for them, never blocks. */
		nng_socket_set_int(e->pub, NNG_OPT_SENDBUF, 1024);
		nng_pipe_notify(e->pub, NNG_PIPE_EV_ADD_POST, on_pipe, e);
		nng_pipe_notify(e->pub, NNG_PIPE_EV_REM_POST, on_pipe, e);
		rv = nng_listen(e->pub, e->url, NULL, 0);
	}
	if (rv) {
		sup_log(s, LOGL_ERROR, -1, "events.unavailable", "url=%s why=\"%s\"", e->url,
			nng_strerror(rv));
		if (e->pub_open)
			nng_close(e->pub);
		e->pub_open = false;
		e->url[0] = 0;
	}
	return 0;
}

void sup_events_close(struct sup *s)
{
	struct sup_events *e = s->events;
	if (!e)
		return;
	if (e->pub_open)
		nng_close(e->pub);
	json_decref(e->filters_sent);
	free(e->batch_dropped);
	free(e->dropped_logged);
	free(e->dropped_log_ns);
	free(e);
	s->events = NULL;
}

/* ---- out ---- */

static bool sub_wants(const struct sup_events *e, uint64_t now, int level, const char *line)
{
	for (int i = 0; i < SUP_MAX_SUBS; i++) {
		const struct sup_sub *sb = &e->subs[i];
		if (sb->expires_ns > now && log_filter_match(sb->level, sb->keyword, level, line))
			return true;
	}
	return false;
}

void sup_event_out(struct sup *s, const struct log_event *ev)
{
	struct sup_events *e = s->events;
	if (ev->level == LOGL_ERROR) {
		char who[48] = "";
		if (ev->worker >= 0)
			snprintf(who, sizeof(who), "w%d ", ev->worker);
		if (ev->ike)
			snprintf(who + strlen(who), sizeof(who) - strlen(who), "ike=%016" PRIx64 " ",
				 ev->ike);
		snprintf(s->last_error, sizeof(s->last_error), "%s%.60s %.100s", who, ev->name,
			 ev->text ? ev->text : "");
	}
	if (!e) {
		if (s->log)
			logfile_write(s->log, ev);
		return;
	}
	bool to_stdout = s->stdout_level >= ev->level && !s->o->json;
	bool to_pub = e->pub_open && atomic_load(&e->pub_pipes) > 0;
	bool to_log = s->log && logfile_wants(s->log, ev->level);
	if (!to_stdout && !to_pub && !to_log)
		return;
	/* Room for the level digit in front, for PUB. */
	char *line = e->line + 2;
	size_t n = log_format(ev, line, LINE_MAX_LEN);
	if (n >= LINE_MAX_LEN) {
		n = LINE_MAX_LEN - 1;
		line[n - 1] = '\n';
	}
	if (to_log)
		logfile_write_line(s->log, ev->level, line, n);
	if (to_stdout && log_filter_match(s->stdout_level, s->stdout_keyword, ev->level, line))
		fwrite(line, 1, n, stdout);
	if (to_pub && ((s->log && logfile_wants_line(s->log, ev->level, line)) ||
		       sub_wants(e, loop_now(s->loop), ev->level, line))) {
		e->line[0] = (char)('0' + ev->level);
		e->line[1] = ' ';
		nng_send(e->pub, e->line, n + 1, NNG_FLAG_NONBLOCK); /* without '\n' */
	}
}

/* ---- records from workers ---- */

static const char *word(char **p)
{
	char *w = *p, *sp = strchr(w, ' ');
	if (sp) {
		*sp = 0;
		*p = sp + 1;
	} else {
		*p = w + strlen(w);
	}
	return w;
}

static bool digits(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || s[0] < 'a' || s[0] > 'z')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
			return false;
	return true;
}

int sup_events_parse(const char *rec, size_t len, int worker, struct log_event *ev,
		     char *scratch, size_t scratch_size, const char **why)
{
	if (len >= scratch_size)
		len = scratch_size - 1;
	memcpy(scratch, rec, len);
	scratch[len] = 0;
	char *p = scratch;
	const char *w;
	memset(ev, 0, sizeof(*ev));
	*why = "time";
	if (!digits(w = word(&p), 19))
		return -EBADMSG;
	ev->time_us = (int64_t)strtoull(w, NULL, 10);
	*why = "level";
	w = word(&p);
	for (int l = 1; l <= 5; l++)
		if (!strcmp(w, log_level_name(l)))
			ev->level = l;
	if (!ev->level)
		return -EBADMSG;
	*why = "worker";
	w = word(&p);
	if (w[0] != 'w' || !digits(w + 1, 5) || atoi(w + 1) != worker)
		return -EBADMSG;
	ev->worker = worker;
	*why = "tunnel";
	w = word(&p);
	if (w[0] != 't' || !(strcmp(w + 1, "-") == 0 || digits(w + 1, 18)))
		return -EBADMSG;
	ev->tunnel = w[1] == '-' ? -1 : (int64_t)strtoll(w + 1, NULL, 10);
	w = word(&p);
	if (!strncmp(w, "ike=", 4)) {
		*why = "ike";
		if (msg_spi_parse(w + 4, 64, &ev->ike) < 0)
			return -EBADMSG;
		w = word(&p);
	}
	*why = "name";
	if (!name_ok(w))
		return -EBADMSG;
	ev->name = w;
	ev->text = *p ? p : NULL;
	*why = NULL;
	return 0;
}

void sup_events_batch(struct sup *s, struct sup_worker *w, const json_t *m)
{
	struct sup_events *e = s->events;
	const json_t *lines = json_object_get(m, "lines");
	const char *p = json_string_value(lines), *end = p + json_string_length(lines);
	if (s->log)
		logfile_batch_begin(s->log);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *rec = p;
		struct log_event ev;
		const char *why;
		p += len + 1;
		if (sup_events_parse(rec, len, w->idx, &ev, e->scratch, sizeof(e->scratch),
				     &why) < 0) {
			if (e->bad_records++ < 10)
				sup_log(s, LOGL_ERROR, w->idx, "msg.dropped",
					"why=\"event record: bad %s\"", why);
			continue;
		}
		sup_event_out(s, &ev);
	}
	if (s->log)
		logfile_batch_end(s->log);
	json_int_t d = json_integer_value(json_object_get(m, "dropped"));
	if (d > 0 && (uint64_t)d > e->batch_dropped[w->idx])
		e->batch_dropped[w->idx] = (uint64_t)d;
}

/* ---- filters ---- */

static json_t *filter_obj(int level, const char *keyword)
{
	json_t *o = json_object();
	json_object_set_new(o, "level", json_integer(level));
	if (keyword && *keyword)
		json_object_set_new(o, "keyword", json_string(keyword));
	return o;
}

static json_t *filters_now(struct sup *s)
{
	struct sup_events *e = s->events;
	json_t *a = json_array();
	uint64_t now = loop_now(s->loop);
	json_array_append_new(a, filter_obj((int)s->cfg->loglevel, s->cfg->logkeyword));
	if (s->stdout_level > 0 && !s->o->json)
		json_array_append_new(a, filter_obj(s->stdout_level, s->stdout_keyword));
	for (int i = 0; i < SUP_MAX_SUBS; i++)
		if (e->subs[i].expires_ns > now)
			json_array_append_new(a, filter_obj(e->subs[i].level, e->subs[i].keyword));
	return a;
}

static void send_filters(struct sup *s, struct sup_worker *w, json_t *filters)
{
	json_t *m = msg_new("filter", 0);
	json_object_set(m, "filters", filters);
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct sup_worker *x = &s->w[i];
		if ((!w || x == w) && x->pid > 0)
			msg_send(x->sock, m, NNG_FLAG_NONBLOCK);
	}
	json_decref(m);
}

void sup_events_hello(struct sup *s, struct sup_worker *w)
{
	if (!s->events)
		return;
	s->events->batch_dropped[w->idx] = 0;
	json_t *f = filters_now(s);
	send_filters(s, w, f);
	json_decref(f);
}

void sup_events_refilter(struct sup *s)
{
	struct sup_events *e = s->events;
	if (!e)
		return;
	json_t *f = filters_now(s);
	if (e->filters_sent && json_equal(f, e->filters_sent)) {
		json_decref(f);
		return;
	}
	send_filters(s, NULL, f);
	json_decref(e->filters_sent);
	e->filters_sent = f;
}

/* ---- dropped events ---- */

uint64_t sup_events_dropped(const struct sup *s, unsigned i)
{
	const struct sup_worker *w = &s->w[i];
	json_int_t now = json_integer_value(json_object_get(w->counters, "events_dropped"));
	json_int_t dead = json_integer_value(json_object_get(w->dead, "events_dropped"));
	uint64_t cur = now > 0 ? (uint64_t)now : 0;
	if (s->events && s->events->batch_dropped[i] > cur)
		cur = s->events->batch_dropped[i];
	return cur + (dead > 0 ? (uint64_t)dead : 0);
}

void sup_events_tick(struct sup *s, bool end)
{
	struct sup_events *e = s->events;
	if (!e)
		return;
	uint64_t now = loop_now(s->loop);
	bool expired = false;
	for (int i = 0; i < SUP_MAX_SUBS; i++) {
		if (e->subs[i].expires_ns && e->subs[i].expires_ns <= now) {
			e->subs[i].expires_ns = 0;
			expired = true;
		}
	}
	if (expired)
		sup_events_refilter(s);
	for (unsigned i = 0; i < s->nworkers; i++) {
		uint64_t d = sup_events_dropped(s, i);
		if (d <= e->dropped_logged[i] ||
		    (!end && e->dropped_log_ns[i] && now - e->dropped_log_ns[i] < SUP_DROP_LOG_NS))
			continue;
		sup_log(s, LOGL_ERROR, (int)i, "events.dropped",
			"dropped=%" PRIu64 " total=%" PRIu64, d - e->dropped_logged[i], d);
		e->dropped_logged[i] = d;
		e->dropped_log_ns[i] = now;
	}
}

/* ---- subscribe ---- */

void sup_events_on_subscribe(void *arg, struct control_req *rq, const json_t *req)
{
	struct sup *s = arg;
	struct sup_events *e = s->events;
	const json_t *lv = json_object_get(req, "level");
	const char *kw = json_string_value(json_object_get(req, "keyword"));
	int level = lv ? (int)json_integer_value(lv) : LOGL_INFO;
	if (!kw)
		kw = "";
	if (!e || !e->pub_open) {
		control_fail(rq, "subscribe: no event socket in this run");
		return;
	}
	if (strlen(kw) >= sizeof(e->subs[0].keyword)) {
		control_fail(rq, "subscribe: keyword longer than %zu bytes",
			     sizeof(e->subs[0].keyword) - 1);
		return;
	}
	uint64_t now = loop_now(s->loop);
	struct sup_sub *slot = NULL;
	for (int i = 0; i < SUP_MAX_SUBS && !slot; i++)
		if (e->subs[i].expires_ns > now && e->subs[i].level == level &&
		    !strcmp(e->subs[i].keyword, kw))
			slot = &e->subs[i];
	for (int i = 0; i < SUP_MAX_SUBS && !slot; i++)
		if (e->subs[i].expires_ns <= now)
			slot = &e->subs[i];
	if (!slot) {
		control_fail(rq, "subscribe: %d different subscriptions already", SUP_MAX_SUBS);
		return;
	}
	slot->level = level;
	snprintf(slot->keyword, sizeof(slot->keyword), "%s", kw);
	slot->expires_ns = now + (uint64_t)SUP_SUB_LEASE_S * NS_PER_SEC;
	sup_events_refilter(s);
	json_t *b = json_object(), *topics = json_array();
	for (int l = 1; l <= level; l++) {
		char t[2] = { (char)('0' + l), 0 };
		json_array_append_new(topics, json_string(t));
	}
	json_object_set_new(b, "url", json_string(e->url));
	json_object_set_new(b, "level", json_integer(level));
	json_object_set_new(b, "keyword", json_string(kw));
	json_object_set_new(b, "lease_s", json_integer(SUP_SUB_LEASE_S));
	json_object_set_new(b, "topics", topics);
	control_reply(rq, b);
}
