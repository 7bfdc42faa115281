/* Control requests of a running supervisor: answered here (summary,
 * uptime, log, stop) or routed to the worker that owns the SPI (dump,
 * dumpchild, rekeychild: the SPI's top octet is the worker) or to every
 * worker and merged (list, listchild).  A routed request gets a fresh id
 * towards the worker; the answer finds its control request by that id.  A
 * worker that dies or does not answer within ROUTE_TIMEOUT_NS fails the
 * requests waiting on it with a JSON error. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/msg.h"
#include "supervisor/control.h"
#include "supervisor/logfile.h"
#include "supervisor/sup.h"
#include "supervisor/sup_events.h"
#include "worker/loop.h"
#include "worker/result.h"

#define ROUTE_TIMEOUT_NS (5 * NS_PER_SEC)
#define LIST_DEFAULT 100

/* A list/listchild spread over the workers. */
struct gather {
	struct control_req *rq;
	int waiting;
	bool child;
	uint64_t start, len, total;
	json_t **parts;  /* per worker: its array, in worker order */
	char err[160];
};

struct sup_pending {
	struct sup_pending *next;
	int64_t id;
	int worker;
	struct control_req *rq;  /* single routed request, or NULL */
	struct gather *g;        /* or its gather */
	uint64_t deadline_ns;
};

static void gather_finish(struct sup *s, struct gather *g)
{
	if (g->err[0]) {
		control_fail(g->rq, "%s", g->err);
	} else {
		json_t *all = json_array(), *body = json_object();
		uint64_t idx = 0;
		for (unsigned i = 0; i < s->nworkers; i++) {
			size_t k;
			json_t *v;
			json_array_foreach(g->parts[i], k, v) {
				if (idx >= g->start && json_array_size(all) < g->len)
					json_array_append(all, v);
				idx++;
			}
		}
		json_object_set_new(body, "total", json_integer((json_int_t)g->total));
		json_object_set_new(body, "start", json_integer((json_int_t)g->start));
		json_object_set_new(body, g->child ? "child_sas" : "ike_sas", all);
		control_reply(g->rq, body);
	}
	for (unsigned i = 0; i < s->nworkers; i++)
		json_decref(g->parts[i]);
	free(g->parts);
	free(g);
}

static void pending_done(struct sup *s, struct sup_pending *p, json_t *answer, const char *why)
{
	if (p->g) {
		struct gather *g = p->g;
		if (answer && json_is_true(json_object_get(answer, "ok"))) {
			json_t *arr = json_object_get(answer, g->child ? "child_sas" : "ike_sas");
			g->parts[p->worker] = json_incref(json_is_array(arr) ? arr : json_array());
			g->total += (uint64_t)json_integer_value(json_object_get(answer, "total"));
		} else if (!g->err[0]) {
			snprintf(g->err, sizeof(g->err), "%s: worker %d: %s",
				 control_req_cmd(g->rq), p->worker, why ? why :
				 json_string_value(json_object_get(answer, "error")));
		}
		if (--g->waiting == 0)
			gather_finish(s, g);
		return;
	}
	if (!answer) {
		control_fail(p->rq, "%s: worker %d: %s", control_req_cmd(p->rq), p->worker, why);
	} else if (!json_is_true(json_object_get(answer, "ok"))) {
		control_fail(p->rq, "%s", json_string_value(json_object_get(answer, "error")));
	} else {
		json_t *body = json_deep_copy(answer);
		json_object_del(body, "type");
		json_object_del(body, "id");
		json_object_del(body, "ok");
		control_reply(p->rq, body);
	}
}

/* Send req (a copy with a fresh id) to worker w and remember who waits. */
static int route(struct sup *s, unsigned wi, const json_t *req, struct control_req *rq,
		 struct gather *g)
{
	struct sup_worker *w = &s->w[wi];
	if (w->pid <= 0)
		return -ESRCH;
	json_t *m = json_deep_copy(req);
	const char *cmd = json_string_value(json_object_get(m, "cmd"));
	json_object_set_new(m, "type", json_string(cmd));
	json_object_del(m, "cmd");
	int64_t id = s->next_id++;
	json_object_set_new(m, "id", json_integer(id));
	int rc = msg_send(w->sock, m, NNG_FLAG_NONBLOCK);
	json_decref(m);
	if (rc < 0)
		return rc;
	struct sup_pending *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->id = id;
	p->worker = (int)wi;
	p->rq = rq;
	p->g = g;
	p->deadline_ns = loop_now(s->loop) + ROUTE_TIMEOUT_NS;
	p->next = s->pend;
	s->pend = p;
	return 0;
}

void sup_ctl_answer(struct sup *s, struct sup_worker *w, json_t *m)
{
	int64_t id = msg_id(m);
	for (struct sup_pending **pp = &s->pend; *pp; pp = &(*pp)->next) {
		struct sup_pending *p = *pp;
		if (p->id != id || p->worker != w->idx)
			continue;
		*pp = p->next;
		pending_done(s, p, m, NULL);
		free(p);
		return;
	}
	/* Answers nobody waits for: "log" fan-outs, late answers. */
}

void sup_ctl_drop(struct sup *s, struct sup_worker *w, const char *why)
{
	struct sup_pending **pp = &s->pend;
	while (*pp) {
		struct sup_pending *p = *pp;
		if (w && p->worker != w->idx) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		pending_done(s, p, NULL, why);
		free(p);
	}
}

void sup_ctl_expire(struct sup *s)
{
	uint64_t now = loop_now(s->loop);
	struct sup_pending **pp = &s->pend;
	while (*pp) {
		struct sup_pending *p = *pp;
		if (p->deadline_ns > now) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		pending_done(s, p, NULL, "no answer in time");
		free(p);
	}
}

/* ---- handlers ---- */

static void on_summary(void *arg, struct control_req *rq, const json_t *req)
{
	(void)req;
	struct sup *s = arg;
	json_t *m = sup_merged(s), *b = json_object();
	uint64_t created = (uint64_t)json_integer_value(json_object_get(m, "tunnels_created"));
	uint64_t first = (uint64_t)json_integer_value(json_object_get(m, "first_us"));
	uint64_t last = (uint64_t)json_integer_value(json_object_get(m, "last_created_us"));
	uint64_t conf = s->cfg->numberoftunnels > 0 ? (uint64_t)s->cfg->numberoftunnels : 0;
	json_object_set_new(b, "role", json_string(s->cfg->role == ROLE_CLIENT ? "client" : "gateway"));
	json_object_set_new(b, "configured", json_integer((json_int_t)conf));
	json_object_set_new(b, "created", json_integer((json_int_t)created));
	json_object_set_new(b, "failed", json_object_get(m, "tunnels_failed") ?
			    json_incref(json_object_get(m, "tunnels_failed")) : json_integer(0));
	json_object_set_new(b, "setup_rate", json_real(created && last > first ?
					    (double)created * 1e6 / (double)(last - first) : 0));
	json_object_set_new(b, "start_us", json_integer((json_int_t)s->start_us));
	json_object_set_new(b, "first_created_us", json_integer((json_int_t)first));
	json_object_set_new(b, "last_created_us", json_integer((json_int_t)last));
	json_object_set_new(b, "last_error", json_string(s->last_error));
	json_t *workers = json_array();
	uint64_t dropped = 0;
	for (unsigned i = 0; i < s->nworkers; i++) {
		json_t *w = json_object();
		json_object_set_new(w, "worker", json_integer(i));
		json_object_set_new(w, "pid", json_integer(s->w[i].pid));
		json_object_set_new(w, "starts", json_integer(s->w[i].starts));
		json_object_set_new(w, "first", json_integer(s->w[i].first));
		json_object_set_new(w, "count", json_integer(s->w[i].count));
		uint64_t d = sup_events_dropped(s, i);
		json_object_set_new(w, "events_dropped", json_integer((json_int_t)d));
		dropped += d;
		/* IKE messages this worker dropped, and why (all incarnations) */
		json_t *wc = sup_merged_worker(s, i);
		json_t *wd = json_object_get(wc, "dropped");
		json_object_set_new(w, "dropped", wd ? json_incref(wd) : json_integer(0));
		counters_drops_fold(wc);
		json_object_set(w, "drops", json_object_get(wc, "drops"));
		json_decref(wc);
		json_array_append_new(workers, w);
	}
	json_object_set_new(b, "events_dropped", json_integer((json_int_t)dropped));
	json_object_set_new(b, "workers", workers);
	counters_drops_fold(m); /* drop_<reason> keys -> "drops": {reason: count} */
	json_object_set_new(b, "counters", m);
	control_reply(rq, b);
}

static void on_uptime(void *arg, struct control_req *rq, const json_t *req)
{
	(void)req;
	struct sup *s = arg;
	json_t *b = json_object();
	json_object_set_new(b, "uptime_s", json_real((double)(loop_now(s->loop) -
							     s->start_mono_ns) / 1e9));
	json_object_set_new(b, "start_us", json_integer((json_int_t)s->start_us));
	control_reply(rq, b);
}

static void on_log(void *arg, struct control_req *rq, const json_t *req)
{
	struct sup *s = arg;
	int level = (int)json_integer_value(json_object_get(req, "level"));
	const char *kw = json_string_value(json_object_get(req, "keyword"));
	s->stdout_level = level;
	snprintf(s->stdout_keyword, sizeof(s->stdout_keyword), "%s", kw ? kw : "");
	/* Workers send what the file, stdout or a subscriber wants. */
	sup_events_refilter(s);
	json_t *b = json_object();
	json_object_set_new(b, "level", json_integer(level));
	json_object_set_new(b, "keyword", json_string(s->stdout_keyword));
	control_reply(rq, b);
}

static void on_stop(void *arg, struct control_req *rq, const json_t *req)
{
	struct sup *s = arg;
	bool graceful = !json_is_false(json_object_get(req, "graceful"));
	json_t *b = json_object();
	json_object_set_new(b, "graceful", json_boolean(graceful));
	control_reply(rq, b);
	if (!graceful && !s->stopping)
		s->stopping = true; /* sup_stop below then kills at once */
	sup_stop(s, graceful ? "control stop" : "control stop now");
}

static void on_by_spi(void *arg, struct control_req *rq, const json_t *req)
{
	struct sup *s = arg;
	const char *cmd = control_req_cmd(rq);
	uint64_t spi = 0;
	unsigned bits = strcmp(cmd, "dump") ? 32 : 64;
	msg_spi_parse(json_string_value(json_object_get(req, "spi")), bits, &spi);
	unsigned wi = (unsigned)(spi >> (bits - 8));
	if (wi >= s->nworkers) {
		control_fail(rq, "%s: no SA with that SPI (no worker %u)", cmd, wi);
		return;
	}
	int rc = route(s, wi, req, rq, NULL);
	if (rc < 0)
		control_fail(rq, "%s: worker %u unavailable: %s", cmd, wi, strerror(-rc));
}

static void on_list(void *arg, struct control_req *rq, const json_t *req)
{
	struct sup *s = arg;
	const json_t *sv = json_object_get(req, "start"), *lv = json_object_get(req, "len");
	struct gather *g = calloc(1, sizeof(*g));
	if (!g || !(g->parts = calloc(s->nworkers, sizeof(*g->parts)))) {
		free(g);
		control_fail(rq, "out of memory");
		return;
	}
	g->rq = rq;
	g->child = !strcmp(control_req_cmd(rq), "listchild");
	g->start = sv ? (uint64_t)json_integer_value(sv) : 0;
	g->len = lv ? (uint64_t)json_integer_value(lv) : LIST_DEFAULT;
	json_t *q = json_deep_copy(req);
	json_object_set_new(q, "start", json_integer(0));
	json_object_set_new(q, "len", json_integer((json_int_t)(g->start + g->len)));
	g->waiting = 1; /* held while routing, so no early finish */
	for (unsigned i = 0; i < s->nworkers; i++) {
		g->parts[i] = json_array();
		if (s->w[i].pid > 0 && route(s, i, q, NULL, g) == 0) {
			json_decref(g->parts[i]);
			g->parts[i] = NULL;
			g->waiting++;
		}
	}
	json_decref(q);
	if (--g->waiting == 0)
		gather_finish(s, g);
}

void sup_ctl_register(struct sup *s)
{
	control_on(s->ctl, "summary", on_summary, s);
	control_on(s->ctl, "uptime", on_uptime, s);
	control_on(s->ctl, "log", on_log, s);
	control_on(s->ctl, "stop", on_stop, s);
	control_on(s->ctl, "dump", on_by_spi, s);
	control_on(s->ctl, "dumpchild", on_by_spi, s);
	control_on(s->ctl, "rekeychild", on_by_spi, s);
	control_on(s->ctl, "list", on_list, s);
	control_on(s->ctl, "listchild", on_list, s);
	control_on(s->ctl, "subscribe", sup_events_on_subscribe, s);
}
