/* A worker process (see wmain.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair0/pair.h>

#include "kernel/xfrm_policy.h"
#include "lib/msg.h"
#include "proto/names.h"
#include "worker/engine.h"
#include "worker/fastpath_client.h"
#include "worker/loop.h"
#include "worker/mobike_addrmon.h"
#include "worker/mobike_stats.h"
#include "worker/task.h"
#include "worker/udp.h"
#include "worker/wevents.h"
#include "worker/wmain.h"

#define STATS_NS (500 * NS_PER_MS)
#define SEND_QUEUE 8192      /* messages nng may hold for the supervisor */
#define LIST_MAX 100000

struct wm {
	const struct config *cfg;
	const struct wmain_opts *o;
	struct loop *loop;
	struct udp *udp;
	struct engine e;
	bool engine_ok;
	nng_socket sock;
	struct timer stats_timer;
	struct wevents *ev;
	struct counters last_sent;   /* counters of the last stats sent */
	uint64_t last_sent_dropped;
	bool last_sent_stopping;
	uint64_t start_mono_ns;
};

static uint64_t real_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A monotonic instant of the loop as microseconds since the epoch. */
static uint64_t mono_to_real_us(const struct wm *w, uint64_t mono_ns)
{
	uint64_t now = loop_now(w->loop);
	uint64_t back = now > mono_ns ? (now - mono_ns) / 1000u : 0;
	return real_us() - back;
}

/* A message up; a full queue loses it (stats: the next one follows). */
static void send_up(struct wm *w, json_t *m)
{
	if (m)
		msg_send(w->sock, m, NNG_FLAG_NONBLOCK);
	json_decref(m);
}

/* ---- engine glue ---- */

static int io_send(void *ctx, const struct ike_path *p, const uint8_t *pkt, size_t len)
{
	struct wm *w = ctx;
	return udp_send(w->udp, &p->local, p->lport, &p->remote, p->rport, pkt, len);
}

static int io_keepalive(void *ctx, const struct ike_path *p)
{
	struct wm *w = ctx;
	return udp_send_keepalive(w->udp, &p->local, p->lport, &p->remote, p->rport);
}

static void on_rx(struct udp *u, const struct udp_dgram *d, void *arg)
{
	(void)u;
	struct wm *w = arg;
	if (d->kind != UDP_IKE)
		return;
	struct ike_path p = {
		.local = d->local, .remote = d->peer, .lport = d->local_port, .rport = d->peer_port,
	};
	engine_input(&w->e, &p, d->data, d->len);
}

static void on_event(void *arg, int level, int tunnel, uint64_t ike, const char *event,
		     const char *tail)
{
	struct wm *w = arg;
	wevents_add(w->ev, level, tunnel, ike, event, tail);
}

/* ---- stats ---- */

static json_t *counters_json(struct wm *w, bool final)
{
	const struct counters *c = &w->e.cnt;
	const struct engine *e = &w->e;
	json_t *o = json_object();
	for (int s = 0; s < IKE_S_COUNT; s++)
		json_object_set_new(o, ike_state_name(s), json_integer((json_int_t)c->state[s]));
#define PUT(k, v) json_object_set_new(o, k, json_integer((json_int_t)(v)))
	PUT("total", c->total);
	PUT("live", c->live);
	PUT("has_child", c->has_child);
	PUT("configured", c->configured);
	PUT("tunnels_created", c->tunnels_created);
	PUT("tunnels_failed", c->tunnels_failed);
	PUT("attempts_failed", c->attempts_failed);
	PUT("ike_established", c->ike_established);
	PUT("ike_rekeyed", c->ike_rekeyed);
	PUT("child_created", c->child_created);
	PUT("child_rekeyed", c->child_rekeyed);
	PUT("child_deleted", c->child_deleted);
	PUT("retransmits", c->retransmits);
	PUT("deletes_sent", c->deletes_sent);
	PUT("deletes_acked", c->deletes_acked);
	PUT("responses_resent", c->resp_resent);
	PUT("dropped", c->rx_dropped);
	counters_drops_put_flat(o, c); /* drop_<reason>: they sum to "dropped" */
	PUT("cookies", c->cookies_sent);
	PUT("auth_failed", c->auth_failed);
	PUT("dpd_sent", c->dpd_sent);
	PUT("keepalives", c->keepalives);
	PUT("send_failed", c->tx_failed);
	PUT("events_dropped", wevents_dropped(w->ev));
	mobike_stats_put(o, c);
	PUT("first_us", e->t_first_ns ? mono_to_real_us(w, e->t_first_ns) : 0);
	PUT("last_created_us", e->t_last_created_ns ? mono_to_real_us(w, e->t_last_created_ns) : 0);
	PUT("start_us", mono_to_real_us(w, w->start_mono_ns));
	PUT("stopping", e->stopping);
	PUT("final", final);
#undef PUT
	return o;
}

static void send_stats(struct wm *w, bool final)
{
	/* Nothing changed since the last stats: the supervisor has them. */
	uint64_t dropped = wevents_dropped(w->ev);
	const struct udp_stats *us = udp_stats(w->udp);
	w->e.cnt.tx_failed = us->tx_err + us->tx_eagain;
	if (!final && dropped == w->last_sent_dropped && w->e.stopping == w->last_sent_stopping &&
	    !memcmp(&w->last_sent, &w->e.cnt, sizeof(w->last_sent)))
		return;
	w->last_sent = w->e.cnt;
	w->last_sent_dropped = dropped;
	w->last_sent_stopping = w->e.stopping;
	json_t *m = msg_new("stats", -1);
	json_object_set_new(m, "worker", json_integer(w->o->worker));
	json_object_set_new(m, "counters", counters_json(w, final));
	json_object_set_new(m, "time", json_integer((json_int_t)real_us()));
	if (final) {
		/* The last word: wait for room rather than lose it (events
		 * first, so they are all in the log when the run ends). */
		wevents_flush(w->ev, true);
		msg_send(w->sock, m, 0);
		json_decref(m);
		return;
	}
	send_up(w, m);
}

static void on_stats_timer(struct timer *t, void *arg)
{
	(void)t;
	struct wm *w = arg;
	send_stats(w, false);
	loop_timer_in(w->loop, &w->stats_timer, STATS_NS);
}

/* ---- commands ---- */

static void put_addr(json_t *o, const char *k, const struct ip_addr *a)
{
	char b[IP_ADDR_STRLEN];
	json_object_set_new(o, k, json_string(ip_addr_format(a, b, sizeof(b))));
}

static void put_spi(json_t *o, const char *k, uint64_t spi, unsigned bits)
{
	char b[20];
	json_object_set_new(o, k, json_string(msg_spi_format(spi, bits, b, sizeof(b))));
}

static json_t *sa_brief(struct wm *w, const struct ikesa *sa)
{
	json_t *o = json_object();
	put_spi(o, "spi", ikesa_our_spi(sa), 64);
	json_object_set_new(o, "worker", json_integer(w->o->worker));
	if (sa->tunnel >= 0)
		json_object_set_new(o, "tunnel", json_integer(sa->tunnel));
	json_object_set_new(o, "state", json_string(ike_state_name(sa->state)));
	put_addr(o, "local", &sa->path.local);
	json_object_set_new(o, "local_port", json_integer(sa->path.lport));
	put_addr(o, "peer", &sa->path.remote);
	json_object_set_new(o, "peer_port", json_integer(sa->path.rport));
	json_object_set_new(o, "initiator", json_boolean(sa->initiator));
	json_object_set_new(o, "children", json_integer(sa->n_children));
	if (sa->vip.flags & (RA_V4 | RA_V6)) { /* remote access */
		char b[2 * IP_ADDR_STRLEN];
		json_object_set_new(o, "vip", json_string(ra_vip_format(&sa->vip, b, sizeof(b))));
	}
	return o;
}

/* Seconds from a monotonic duration (ns), as a JSON real. */
static json_t *secs(uint64_t ns)
{
	return json_real((double)ns / 1e9);
}

/* Seconds until a timer fires, or null when it is not armed. */
static json_t *due_in(struct wm *w, const struct timer *t)
{
	uint64_t now = loop_now(w->loop);
	if (!timer_armed(t))
		return json_null();
	return secs(t->due > now ? t->due - now : 0);
}

static void put_hex(json_t *o, const char *k, const uint8_t *p, size_t n)
{
	char b[2 * 64 + 1];
	size_t i;
	for (i = 0; i < n && i < 64; i++)
		snprintf(b + 2 * i, 3, "%02x", p[i]);
	b[2 * i] = 0;
	json_object_set_new(o, k, json_string(b));
}

/* A kept key copy (ike_sa.h) under four names; nothing when k is NULL. */
static void put_keycopy(json_t *o, const struct sa_keycopy *k, const char *ei, const char *er,
			const char *ai, const char *ar)
{
	if (!k)
		return;
	put_hex(o, ei, k->b, k->ek_len);
	put_hex(o, er, k->b + k->ek_len, k->ek_len);
	if (k->ak_len) {
		put_hex(o, ai, k->b + 2 * k->ek_len, k->ak_len);
		put_hex(o, ar, k->b + 2 * k->ek_len + k->ak_len, k->ak_len);
	}
}

/* A traffic selector as "10.1.0.0-10.1.255.255" with ":proto/port-port"
 * when those narrow it. */
static json_t *ts_json(const struct ike_ts *ts)
{
	int fam = ts->type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET :
		  ts->type == IKE_TS_IPV6_ADDR_RANGE ? AF_INET6 : 0;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], s[2 * INET6_ADDRSTRLEN + 40];
	if (!fam)
		return json_sprintf("type %u", ts->type);
	inet_ntop(fam, ts->start, a, sizeof(a));
	inet_ntop(fam, ts->end, b, sizeof(b));
	int n = snprintf(s, sizeof(s), "%s-%s", a, b);
	if (ts->ip_proto || ts->start_port != 0 || ts->end_port != 65535)
		snprintf(s + n, sizeof(s) - n, ":%u/%u-%u", ts->ip_proto, ts->start_port,
			 ts->end_port);
	return json_string(s);
}

/* Times of an SA: created (epoch us) and age (s). */
static void put_times(struct wm *w, json_t *o, uint64_t created_ns)
{
	uint64_t now = loop_now(w->loop);
	json_object_set_new(o, "created_us", json_integer((json_int_t)mono_to_real_us(w, created_ns)));
	json_object_set_new(o, "age_s", secs(now > created_ns ? now - created_ns : 0));
}

static json_t *sa_full(struct wm *w, const struct ikesa *sa)
{
	json_t *o = sa_brief(w, sa);
	put_spi(o, "spi_i", sa->spi_i, 64);
	put_spi(o, "spi_r", sa->spi_r, 64);
	json_object_set_new(o, "encr", json_string(ike_name_transform_id(1, sa->suite.encr)));
	json_object_set_new(o, "encr_keybits", json_integer(sa->suite.encr_keybits));
	json_object_set_new(o, "prf", json_string(ike_name_transform_id(2, sa->suite.prf)));
	json_object_set_new(o, "integ", json_string(ike_name_transform_id(3, sa->suite.integ)));
	json_object_set_new(o, "dh", json_string(ike_name_transform_id(4, sa->suite.dh)));
	json_object_set_new(o, "natt", json_boolean(sa->natt));
	json_object_set_new(o, "nat_local", json_boolean(sa->nat_local));
	json_object_set_new(o, "nat_remote", json_boolean(sa->nat_remote));
	json_object_set_new(o, "peer_id", json_string(sa->peer_id));
	uint64_t now = loop_now(w->loop);
	json_object_set_new(o, "idle_ms", json_integer((json_int_t)(sa->last_rx_ns && now > sa->last_rx_ns ?
						(now - sa->last_rx_ns) / NS_PER_MS : 0)));
	const struct conf_ike *ic = &w->cfg->ikeconf;
	put_times(w, o, sa->created_ns);
	json_t *life = json_object();
	json_object_set_new(life, "ikelifetime_s", secs(ic->ikelifetime_ns));
	json_object_set_new(life, "margintime_s", secs(ic->margintime_ns));
	json_object_set_new(life, "reauth", json_boolean(ic->reauth));
	json_object_set_new(life, "reauthlifetime_s", secs(ic->reauthlifetime_ns));
	json_object_set_new(life, "rekey_in_s", due_in(w, &sa->rekey_timer));
	json_object_set_new(life, "deadline_in_s", due_in(w, &sa->life_timer));
	json_object_set_new(o, "lifetime", life);
	json_t *dpd = json_object();
	json_object_set_new(dpd, "interval_s", secs(ic->dpdinterval_ns));
	json_object_set_new(dpd, "initiate", json_boolean(ic->initiatedpd));
	json_object_set_new(dpd, "force", json_boolean(ic->forcedpd));
	json_object_set_new(dpd, "next_in_s", due_in(w, &sa->dpd_timer));
	json_object_set_new(dpd, "in_progress", json_boolean(sa->state == IKE_S_DPD));
	json_object_set_new(o, "dpd", dpd);
	json_object_set_new(o, "keepalive_in_s", due_in(w, &sa->ka_timer));
	/* Keys (hex, as MyIKEv2's dump: a test tool): SK_d, and SK_e/SK_a
	 * from the copy kept for dumps; SK_p only during IKE_AUTH. */
	json_t *keys = json_object();
	if (sa->sk_d_len)
		put_hex(keys, "sk_d", sa->sk_d, sa->sk_d_len);
	put_keycopy(keys, sa->dump_keys, "sk_ei", "sk_er", "sk_ai", "sk_ar");
	if (sa->keys) {
		const struct ike_sa_keys *k = sa->keys;
		put_hex(keys, "sk_pi", k->sk_pi, k->prf_len);
		put_hex(keys, "sk_pr", k->sk_pr, k->prf_len);
	}
	json_object_set_new(o, "keys", keys);
	json_t *ch = json_array();
	for (const struct childsa *c = sa->children; c; c = c->next) {
		json_t *x = json_object();
		put_spi(x, "spi_in", c->spi_in, 32);
		put_spi(x, "spi_out", c->spi_out, 32);
		json_array_append_new(ch, x);
	}
	json_object_set_new(o, "child_sas", ch);
	mobike_dump_json(o, sa);
	return o;
}

static json_t *child_json(struct wm *w, const struct ikesa *sa, const struct childsa *c)
{
	json_t *o = json_object();
	put_spi(o, "spi", c->spi_in, 32);
	put_spi(o, "spi_out", c->spi_out, 32);
	put_spi(o, "ike", ikesa_our_spi(sa), 64);
	json_object_set_new(o, "worker", json_integer(w->o->worker));
	if (sa->tunnel >= 0)
		json_object_set_new(o, "tunnel", json_integer(sa->tunnel));
	put_addr(o, "local", &sa->path.local);
	put_addr(o, "peer", &sa->path.remote);
	json_object_set_new(o, "encr", json_string(ike_name_transform_id(1, c->esp.encr)));
	json_object_set_new(o, "encr_keybits", json_integer(c->esp.encr_keybits));
	json_object_set_new(o, "integ", json_string(ike_name_transform_id(3, c->esp.integ)));
	json_object_set_new(o, "mode", json_string(c->transport ? "transport" : "tunnel"));
	json_object_set_new(o, "esn", json_boolean(c->esn));
	json_object_set_new(o, "rekeying", json_boolean(c->rekeying));
	return o;
}

/* dumpchild: child_json and the rest of what one CHILD SA holds. */
static json_t *child_full(struct wm *w, const struct ikesa *sa, const struct childsa *c)
{
	json_t *o = child_json(w, sa, c);
	json_object_set_new(o, "local_port", json_integer(sa->path.lport));
	json_object_set_new(o, "peer_port", json_integer(sa->path.rport));
	json_object_set_new(o, "udp_encap", json_boolean(sa->natt));
	json_object_set_new(o, "pfs_dh", json_string(ike_name_transform_id(4, c->esp.dh)));
	json_object_set_new(o, "ts_local", ts_json(&c->ts_local));
	json_object_set_new(o, "ts_remote", ts_json(&c->ts_remote));
	json_object_set_new(o, "childlist", json_integer(c->cfg));
	put_times(w, o, c->created_ns);
	json_t *life = json_object();
	const struct config *cfg = w->cfg;
	if (c->cfg >= 0 && (unsigned)c->cfg < cfg->ikeconf.n_children)
		json_object_set_new(life, "lifetime_s",
				    secs(cfg->ikeconf.childlist[c->cfg].lifetime_ns));
	json_object_set_new(life, "margintime_s", secs(cfg->ikeconf.margintime_ns));
	json_object_set_new(life, "rekey_in_s", due_in(w, &c->rekey_timer));
	json_object_set_new(o, "lifetime", life);
	json_object_set_new(o, "reqid", json_integer(c->reqid));
	json_object_set_new(o, "installed", json_boolean(c->fp_installed));
	json_object_set_new(o, "replaced", json_boolean(c->replaced));
	/* ESP keys in hex; _i protects initiator->responder traffic of the
	 * exchange that made this SA (we initiated it: "exch_initiator"). */
	json_t *keys = json_object();
	put_keycopy(keys, c->dump_keys, "encr_i", "encr_r", "integ_i", "integ_r");
	json_object_set_new(o, "keys", keys);
	json_object_set_new(o, "exch_initiator", json_boolean(c->exch_init));
	return o;
}

/* A kept record of a rekeyed or closed SA (keepikehistory/keepchildhistory). */
static json_t *hist_json(struct wm *w, const struct sa_hist_rec *r, bool child)
{
	json_t *o = json_object();
	put_spi(o, "spi", r->spi, child ? 32 : 64);
	put_spi(o, child ? "spi_out" : "spi_peer", r->spi_peer, child ? 32 : 64);
	if (child)
		put_spi(o, "ike", r->ike_spi, 64);
	json_object_set_new(o, "worker", json_integer(w->o->worker));
	if (r->tunnel >= 0)
		json_object_set_new(o, "tunnel", json_integer(r->tunnel));
	json_object_set_new(o, "state", json_string(r->rekeyed ? "rekeyed" : "closed"));
	json_object_set_new(o, "history", json_true());
	if (!child)
		json_object_set_new(o, "initiator", json_boolean(r->initiator));
	json_object_set_new(o, "created_us",
			    json_integer((json_int_t)mono_to_real_us(w, r->created_ns)));
	json_object_set_new(o, "ended_us", json_integer((json_int_t)mono_to_real_us(w, r->ended_ns)));
	json_object_set_new(o, "encr", json_string(ike_name_transform_id(1, r->suite.encr)));
	json_object_set_new(o, "encr_keybits", json_integer(r->suite.encr_keybits));
	if (!child)
		json_object_set_new(o, "prf", json_string(ike_name_transform_id(2, r->suite.prf)));
	json_object_set_new(o, "integ", json_string(ike_name_transform_id(3, r->suite.integ)));
	json_object_set_new(o, "dh", json_string(ike_name_transform_id(4, r->suite.dh)));
	return o;
}

/* The newest history record with our SPI spi (a scan: control requests only). */
static const struct sa_hist_rec *hist_find(const struct sa_hist *h, uint64_t spi)
{
	for (uint32_t i = h->n; i-- > 0;) {
		const struct sa_hist_rec *r = sa_hist_at(h, i);
		if (r->spi == spi)
			return r;
	}
	return NULL;
}

/* The CHILD SA with our SPI spi: a scan (control requests only). */
static struct childsa *find_child(struct wm *w, uint32_t spi, struct ikesa **owner)
{
	uint32_t pos = 0;
	uint64_t key;
	struct ikesa *sa;
	while ((sa = spi_map_next(&w->e.sas, &pos, &key))) {
		struct childsa *c = childsa_find_in(sa, spi);
		if (c) {
			*owner = sa;
			return c;
		}
	}
	return NULL;
}

static json_t *cmd_list(struct wm *w, const json_t *m, bool child)
{
	const json_t *sv = json_object_get(m, "start"), *lv = json_object_get(m, "len");
	uint64_t start = sv ? (uint64_t)json_integer_value(sv) : 0;
	uint64_t len = lv ? (uint64_t)json_integer_value(lv) : 100;
	if (len > LIST_MAX)
		len = LIST_MAX;
	json_t *arr = json_array();
	uint64_t idx = 0, total = 0;
	uint32_t pos = 0;
	uint64_t key;
	struct ikesa *sa;
	while ((sa = spi_map_next(&w->e.sas, &pos, &key))) {
		if (!child) {
			if (idx >= start && json_array_size(arr) < len)
				json_array_append_new(arr, sa_brief(w, sa));
			idx++;
			continue;
		}
		for (const struct childsa *c = sa->children; c; c = c->next, idx++)
			if (idx >= start && json_array_size(arr) < len)
				json_array_append_new(arr, child_json(w, sa, c));
	}
	/* Then the kept history, oldest first (empty unless keep*history). */
	const struct sa_hist *h = child ? &w->e.child_hist : &w->e.ike_hist;
	for (uint32_t i = 0; i < h->n; i++, idx++)
		if (idx >= start && json_array_size(arr) < len)
			json_array_append_new(arr, hist_json(w, sa_hist_at(h, i), child));
	total = idx;
	json_t *r = msg_reply(msg_id(m));
	json_object_set_new(r, "total", json_integer((json_int_t)total));
	json_object_set_new(r, child ? "child_sas" : "ike_sas", arr);
	return r;
}

static json_t *handle_cmd(struct wm *w, const json_t *m, const struct msg_type *t)
{
	int64_t id = msg_id(m);
	const char *n = t->name;
	uint64_t spi = 0;
	const json_t *sv = json_object_get(m, "spi");
	if (sv)
		msg_spi_parse(json_string_value(sv), !strcmp(n, "dump") ? 64 : 32, &spi);
	if (!strcmp(n, "summary")) {
		json_t *r = msg_reply(id);
		json_object_set_new(r, "counters", counters_json(w, false));
		return r;
	}
	if (!strcmp(n, "list") || !strcmp(n, "listchild"))
		return cmd_list(w, m, n[4] == 'c');
	if (!strcmp(n, "dump")) {
		struct ikesa *sa = spi_map_get(&w->e.sas, spi);
		const struct sa_hist_rec *hr = sa ? NULL : hist_find(&w->e.ike_hist, spi);
		if (!sa && !hr)
			return msg_error(id, "dump: no IKE SA with that SPI");
		json_t *r = msg_reply(id);
		json_object_set_new(r, "ike_sa", sa ? sa_full(w, sa) : hist_json(w, hr, false));
		return r;
	}
	if (!strcmp(n, "dumpchild") || !strcmp(n, "rekeychild")) {
		struct ikesa *sa = NULL;
		struct childsa *c = find_child(w, (uint32_t)spi, &sa);
		const struct sa_hist_rec *hr = NULL;
		if (!c && n[0] == 'd' && (hr = hist_find(&w->e.child_hist, spi))) {
			json_t *r = msg_reply(id);
			json_object_set_new(r, "child_sa", hist_json(w, hr, true));
			return r;
		}
		if (!c)
			return msg_error(id, !strcmp(n, "dumpchild") ? "dumpchild: no CHILD SA with that SPI"
						       : "rekeychild: no CHILD SA with that SPI");
		if (n[0] == 'r') {
			if (c->rekeying || c->replaced || sa->state != IKE_S_ESTABLISHED)
				return msg_error(id, "rekeychild: that CHILD SA is busy");
			c->rekeying = true;
			sa_queue_task(sa, TASK_CHILD_REKEY, (int)c->spi_in);
			return msg_reply(id);
		}
		json_t *r = msg_reply(id);
		json_object_set_new(r, "child_sa", child_full(w, sa, c));
		return r;
	}
	if (!strcmp(n, "stop")) {
		const json_t *g = json_object_get(m, "graceful");
		if (g && json_is_false(g)) {
			w->e.done = true;
			loop_stop(w->loop);
		} else {
			engine_stop(&w->e);
		}
		return msg_reply(id);
	}
	if (!strcmp(n, "log")) {
		struct wevents_filter f = {
			.level = (int)json_integer_value(json_object_get(m, "level")),
		};
		w->e.log.level = wevents_set_filters(w->ev, &f, 1);
		return msg_reply(id);
	}
	if (!strcmp(n, "filter")) {
		w->e.log.level = wevents_set_filters_json(w->ev, json_object_get(m, "filters"));
		return msg_reply(id);
	}
	if (!strcmp(n, "uptime")) {
		json_t *r = msg_reply(id);
		json_object_set_new(r, "uptime_s", json_real((double)(loop_now(w->loop) -
								    w->start_mono_ns) / 1e9));
		return r;
	}
	return msg_error(id, "unknown command");
}

static void on_sock(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct wm *w = arg;
	for (;;) {
		json_t *m;
		const struct msg_type *t;
		char why[MSG_WHY_LEN];
		int rc = msg_recv(w->sock, NNG_FLAG_NONBLOCK, &m, &t, why, sizeof(why));
		if (rc == -EAGAIN)
			break;
		if (rc == -EBADMSG) {
			wlog_event(&w->e.log, WLOG_ERROR, -1, 0, "msg.dropped", "why=\"%s\"", why);
			continue;
		}
		if (rc < 0)
			break;
		json_t *r = t->dir == MSG_CMD ? handle_cmd(w, m, t)
					      : msg_error(msg_id(m), "not a command");
		msg_send(w->sock, r, NNG_FLAG_NONBLOCK);
		json_decref(r);
		json_decref(m);
	}
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct wm *w = arg;
	wlog_event(&w->e.log, WLOG_INFO, -1, 0, "signal", "signo=%d", signo);
	if (w->e.stopping) {
		w->e.done = true;
		loop_stop(loop);
		return;
	}
	engine_stop(&w->e);
}

/* installfastpath: CHILD SAs go to the kernel process; IKE on the adopted
 * sockets never enters a tunnel (per-socket bypass policies). */
static int setup_fastpath(struct wm *w, const struct wmain_opts *o)
{
	int err = o->kernel_url ? fpc_kproc_open(&w->e.fp, o->kernel_url, o->worker) : -EINVAL;
	for (int i = 0; err == 0 && i < o->nfds; i++) {
		int fam = 0;
		socklen_t len = sizeof(fam);
		if (getsockopt(o->fds[i], SOL_SOCKET, SO_DOMAIN, &fam, &len) < 0)
			err = -errno;
		else
			err = xfrm_socket_bypass(o->fds[i], fam);
	}
	if (err < 0)
		fprintf(stderr, "ikeswarm-w%d: installfastpath: %s\n", o->worker, strerror(-err));
	return err;
}

static int open_pair(struct wm *w)
{
	int rv = nng_pair0_open(&w->sock);
	if (rv)
		return msg_nng_errno(rv);
	nng_socket_set_size(w->sock, NNG_OPT_RECVMAXSZ, MSG_MAX_SIZE);
	nng_socket_set_int(w->sock, NNG_OPT_SENDBUF, SEND_QUEUE);
	nng_socket_set_ms(w->sock, NNG_OPT_SENDTIMEO, 2000);
	rv = nng_dial(w->sock, w->o->url, NULL, 0);
	return msg_nng_errno(rv);
}

int wmain_run(const struct config *cfg, const struct wmain_opts *o)
{
	struct wm w = { .cfg = cfg, .o = o };
	int rc = 1, fd;
	w.loop = loop_new();
	w.udp = w.loop ? udp_new(w.loop, on_rx, &w) : NULL;
	if (!w.udp)
		goto out;
	w.start_mono_ns = loop_now(w.loop);
	/* Block the stop signals before nng starts its threads: they inherit
	 * the mask, and a thread that does not block SIGTERM would take it
	 * with the default action (the worker died of it). */
	int sigs[] = { SIGINT, SIGTERM };
	loop_signals(w.loop, sigs, 2, on_signal, &w);
	int err = open_pair(&w);
	if (err < 0) {
		fprintf(stderr, "ikeswarm-w%d: cannot reach the supervisor at %s: %s\n", o->worker,
			o->url, strerror(-err));
		goto out;
	}
	if (wevents_new(&w.ev, w.loop, w.sock, o->worker, o->loglevel) < 0)
		goto out;
	struct engine_io io = { .send = io_send, .keepalive = io_keepalive, .ctx = &w };
	if (engine_init(&w.e, cfg, o->worker, &io, loop_timers(w.loop), w.loop, NULL,
			o->loglevel) < 0) {
		fprintf(stderr, "ikeswarm-w%d: out of memory or OpenSSL lacks an algorithm\n",
			o->worker);
		goto out;
	}
	w.engine_ok = true;
	w.e.log.sink = on_event;
	w.e.log.sink_arg = &w;
	if (cfg->role == ROLE_CLIENT && engine_set_slice(&w.e, o->first, o->count) < 0)
		goto out;
	/* A restarted gateway worker numbers from where the supervisor says,
	 * never where its dead predecessor did. */
	if (cfg->role == ROLE_GATEWAY && o->first_index >= 0)
		w.e.gw_seq = o->first_index;
	engine_set_pacing(&w.e, o->nworkers > 0 ? (unsigned)o->nworkers : 1);
	if (o->keylog_path && *o->keylog_path) {
		w.e.keylog.f = fopen(o->keylog_path, "a");
		if (w.e.keylog.f)
			setvbuf(w.e.keylog.f, NULL, _IOFBF, 1 << 14);
	}
	udp_set_bufsize(w.udp, 8 << 20, 8 << 20);
	udp_set_batch(w.udp, true); /* one sendmmsg per loop iteration */
	for (int i = 0; i < o->nfds; i++) {
		err = udp_adopt(w.udp, o->fds[i], o->fd_flags[i], NULL);
		if (err < 0) {
			fprintf(stderr, "ikeswarm-w%d: fd %d: %s\n", o->worker, o->fds[i],
				strerror(-err));
			goto out;
		}
	}
	if (cfg->ikeconf.installfastpath && setup_fastpath(&w, o) < 0)
		goto out;
	if (msg_recv_fd(w.sock, &fd) < 0 || loop_fd_add(w.loop, fd, EPOLLIN, on_sock, &w) < 0)
		goto out;
	json_t *hello = msg_new("hello", -1);
	json_object_set_new(hello, "worker", json_integer(o->worker));
	json_object_set_new(hello, "pid", json_integer(getpid()));
	json_object_set_new(hello, "first", json_integer(o->first));
	json_object_set_new(hello, "count", json_integer(o->count));
	send_up(&w, hello);
	timer_init(&w.stats_timer, on_stats_timer, &w);
	loop_timer_in(w.loop, &w.stats_timer, STATS_NS);
	struct mobike_addrmon *addrmon = NULL;
	if (mobike_addrmon_open(&addrmon, &w.e, w.loop) < 0)
		fprintf(stderr, "ikeswarm-w%d: no address events: a deleted address is noticed "
			"at the next move only\n", o->worker);
	engine_start(&w.e);
	while (!w.e.done) {
		if (loop_run(w.loop) < 0)
			break;
	}
	mobike_addrmon_close(addrmon);
	loop_timer_cancel(w.loop, &w.stats_timer);
	send_stats(&w, true);
	/* nng does not linger: give the last messages time to leave. */
	usleep(200 * 1000);
	rc = 0;
out:
	if (w.engine_ok)
		engine_fini(&w.e);
	fpc_close(w.e.fp); /* the kernel process removes what is left */
	wevents_free(w.ev);
	nng_close(w.sock);
	if (w.udp)
		udp_free(w.udp);
	if (w.loop)
		loop_free(w.loop);
	return rc;
}
