/* The tunnel engine: tunnels and their start/retry timers, the receive
 * dispatcher (SPI map lookup, response vs request, decrypt, task), SA
 * life timers, graceful stop (see engine.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/plan.h"
#include "proto/names.h"
#include "proto/sk.h"
#include "worker/engine.h"
#include "worker/loop.h"
#include "worker/mobike.h"
#include "worker/result.h"
#include "worker/task.h"
#include "worker/udp.h"

#define STOP_MAX_NS (10 * NS_PER_SEC)
#define STOP_PER_DELETE_NS 100000ull /* 100 us */
#define STOP_CAP_NS (16 * NS_PER_SEC)
/* Graceful stop: DELETEs in flight at once (IKE SAs CLOSING).  Sending
 * every DELETE in one go overran the peer's socket (100,000 at once: most
 * were dropped, then retransmitted together after retraninterval and
 * dropped again); a window clocked by the answers goes as fast as the peer
 * answers and stays far below its receive buffer (4 MB, a few thousand
 * small datagrams). */
#define STOP_WINDOW 256
#define RXBUF_LEN 65536

/* Per-engine scratch, allocated once (struct ike_msg is large). */
struct engine_scratch {
	struct ike_msg msg;
	struct msg_out out;
	uint8_t rx[RXBUF_LEN];
};

static void on_setup_timer(struct timer *t, void *arg);

/* The setup's IKE DH groups and ciphers made now, not by the first SA
 * (proto/crypto.h ike_crypto_prepare): the idle worker's memory then
 * holds them, so RSS growth per tunnel is the tunnels' own.  A failure
 * here shows later, on the SA that needs the algorithm. */
static void prepare_crypto(struct engine *e)
{
	const struct conf_ike *ic = &e->cfg->ikeconf;
	for (unsigned i = 0; i < ic->dhgrpid.n; i++)
		if (ic->dhgrpid.v[i] > 0 && ic->dhgrpid.v[i] <= UINT16_MAX)
			ike_crypto_prepare(e->crypto, (uint16_t)ic->dhgrpid.v[i], 0, 0);
	for (unsigned i = 0; i < ic->ikeencyptalg.n; i++)
		ike_crypto_prepare(e->crypto, 0, ic->ikeencyptalg.a[i].id,
				   ic->ikeencyptalg.a[i].keybits);
}
static void on_run_timer(struct timer *t, void *arg);
static void on_stop_timer(struct timer *t, void *arg);
static void stop_pump(struct engine *e);
static void on_tunnel_retry(struct timer *t, void *arg);

uint64_t engine_now(const struct engine *e)
{
	return e->loop ? loop_now(e->loop) : e->now_ns;
}

int engine_timer_in(struct engine *e, struct timer *t, uint64_t delay_ns)
{
	return timer_arm(e->timers, t, engine_now(e) + delay_ns);
}

void engine_timer_cancel(struct engine *e, struct timer *t)
{
	timer_cancel(e->timers, t);
}

/* Gateway: worker w numbers its peers from w * this (255 workers fit an int). */
#define ENGINE_GW_TUNNEL_RANGE 1000000

int engine_init(struct engine *e, const struct config *cfg, int worker,
		const struct engine_io *io, struct timer_heap *heap, struct loop *loop,
		FILE *log, int loglevel)
{
	memset(e, 0, sizeof(*e));
	e->cfg = cfg;
	e->worker = worker;
	/* Gateway tunnel indexes: a range per worker, so that two workers
	 * never log the same tN (ikeswarm-control(7)). */
	e->gw_seq = worker * ENGINE_GW_TUNNEL_RANGE;
	e->io = *io;
	e->timers = heap;
	e->loop = loop;
	wlog_init(&e->log, log, loglevel, worker);
	e->crypto = ike_crypto_new();
	e->scratch = malloc(sizeof(*e->scratch));
	if (!e->crypto || !e->scratch)
		goto nomem;
	prepare_crypto(e);
	uint32_t n = cfg->numberoftunnels > 0 ? (uint32_t)cfg->numberoftunnels : 16;
	bool gw = cfg->role != ROLE_CLIENT;
	/* A client has one peer ID and no half-open SAs of peers. */
	if (spi_map_init(&e->sas, n) < 0 || spi_map_init(&e->half_open, gw ? n / 4 : 0) < 0 ||
	    spi_map_init(&e->by_peer_id, gw ? n : 0) < 0)
		goto nomem;
	rand_bytes(e->cookie_secret, sizeof(e->cookie_secret));
	e->cnt.configured = cfg->numberoftunnels > 0 ? (uint64_t)cfg->numberoftunnels : 0;
	timer_init(&e->setup_timer, on_setup_timer, e);
	e->setup_window = ENGINE_SETUP_WINDOW;
	timer_init(&e->run_timer, on_run_timer, e);
	timer_init(&e->stop_timer, on_stop_timer, e);
	uint32_t hcap = sa_hist_cap(cfg->numberoftunnels);
	if (sa_hist_init(&e->ike_hist, cfg->ikeconf.keepikehistory ? hcap : 0) < 0 ||
	    sa_hist_init(&e->child_hist, cfg->ikeconf.keepchildhistory ? hcap : 0) < 0)
		goto nomem;
	if (cfg->role == ROLE_CLIENT && cfg->numberoftunnels > 0) {
		e->n_tunnels = (int)cfg->numberoftunnels;
		e->tunnels = calloc((size_t)e->n_tunnels, sizeof(*e->tunnels));
		if (!e->tunnels)
			goto nomem;
		for (int i = 0; i < e->n_tunnels; i++) {
			struct tunnel *t = &e->tunnels[i];
			t->eng = e;
			t->idx = i;
			if (plan_tunnel_addr(cfg, (unsigned)i, 0, &t->addr) < 0)
				t->addr = cfg->startclntaddr.addr;
			timer_init(&t->retry_timer, on_tunnel_retry, t);
		}
	}
	e->cookie_rotated_ns = e->t_start_ns = engine_now(e);
	return 0;
nomem:
	engine_fini(e);
	return -ENOMEM;
}

void engine_fini(struct engine *e)
{
	struct ikesa *sa;
	uint32_t pos;
	uint64_t key;
	while (e->sas.slots && (pos = 0, sa = spi_map_next(&e->sas, &pos, &key))) {
		if (sa->state != IKE_S_CLOSED)
			sa_state(sa, IKE_S_CLOSED, "engine freed");
		ikesa_free(sa);
	}
	if (e->timers) {
		engine_timer_cancel(e, &e->setup_timer);
		engine_timer_cancel(e, &e->run_timer);
		engine_timer_cancel(e, &e->stop_timer);
		for (int i = 0; i < e->n_tunnels; i++)
			engine_timer_cancel(e, &e->tunnels[i].retry_timer);
	}
	if (e->sas.slots)
		spi_map_free(&e->sas);
	if (e->half_open.slots)
		spi_map_free(&e->half_open);
	if (e->by_peer_id.slots)
		spi_map_free(&e->by_peer_id);
	free(e->tunnels);
	e->tunnels = NULL;
	sa_hist_fini(&e->ike_hist);
	sa_hist_fini(&e->child_hist);
	ra_pools_free(e->pools);
	e->pools = NULL;
	free(e->scratch);
	free(e->stop_spis);
	e->stop_spis = NULL;
	e->scratch = NULL;
	ike_crypto_free(e->crypto);
	e->crypto = NULL;
	keylog_close(&e->keylog);
}

int engine_send(struct engine *e, const struct ike_path *p, const uint8_t *pkt, size_t len)
{
	int rc = e->io.send(e->io.ctx, p, pkt, len);
	if (rc < 0)
		wlog_event(&e->log, WLOG_DEBUG, -1, 0, "udp.send.fail", "rc=%d len=%zu", rc, len);
	return rc;
}

/* ---- client tunnels --------------------------------------------------- */

int engine_start_tunnel(struct engine *e, int idx)
{
	if (idx < 0 || idx >= e->n_tunnels)
		return -EINVAL;
	struct tunnel *t = &e->tunnels[idx];
	if (t->sa || e->stopping)
		return -EBUSY;
	struct ike_path p = {
		.local = t->addr, .remote = e->cfg->peeraddr, .lport = IKE_PORT, .rport = IKE_PORT,
	};
	struct ikesa *sa = ikesa_new(e, true, t->idx, &p, 0);
	if (!sa)
		return -ENOMEM;
	sa->tun = t;
	t->sa = sa;
	t->attempts++;
	if (!e->t_first_ns)
		e->t_first_ns = engine_now(e) ? engine_now(e) : 1;
	wlog_event(&e->log, WLOG_VERBOSE, t->idx, sa->spi_i, "tunnel.start", "attempt=%d", t->attempts);
	return sa_queue_task(sa, TASK_INIT, 0);
}

/* setupinterval 0 only: a paced setup keeps its asked rate whatever the
 * answers (a gateway that does not answer is still offered the load). */
static bool setup_window_full(const struct engine *e)
{
	return e->cfg->setupinterval_ns == 0 &&
	       e->cnt.state[IKE_S_INIT] + e->cnt.state[IKE_S_CREATED] >= e->setup_window;
}

static void on_setup_timer(struct timer *tm, void *arg)
{
	(void)tm;
	struct engine *e = arg;
	uint64_t now = engine_now(e);
	/* An absolute schedule (start i at t0 + i * setupinterval): when the
	 * loop wakes late, the tunnels that were due start now, so the rate
	 * does not depend on the wake-up precision.  At most a small batch per
	 * wake-up, so a stalled loop does not burst. */
	for (int batch = 0; batch < 32 && !e->stopping && e->next_start < e->n_tunnels &&
			    e->setup_due_ns <= now; batch++) {
		if (setup_window_full(e)) {
			e->setup_blocked = true; /* engine_setup_window_open re-arms */
			return;
		}
		engine_start_tunnel(e, e->next_start++);
		e->setup_due_ns += e->setup_step_ns ? e->setup_step_ns : e->cfg->setupinterval_ns;
	}
	if (!e->stopping && e->next_start < e->n_tunnels)
		timer_arm(e->timers, &e->setup_timer, e->setup_due_ns > now ? e->setup_due_ns : now);
}

void engine_setup_window_open(struct engine *e)
{
	if (!e->setup_blocked || setup_window_full(e))
		return;
	e->setup_blocked = false;
	if (!e->stopping && e->next_start < e->n_tunnels && !timer_armed(&e->setup_timer))
		timer_arm(e->timers, &e->setup_timer, engine_now(e));
}

static void on_tunnel_retry(struct timer *tm, void *arg)
{
	(void)tm;
	struct tunnel *t = arg;
	engine_start_tunnel(t->eng, (int)(t - t->eng->tunnels));
}

int engine_set_slice(struct engine *e, int first, int count)
{
	if (e->cfg->role != ROLE_CLIENT || first < 0 || count < 0 ||
	    first + count > e->cfg->numberoftunnels)
		return -EINVAL;
	struct tunnel *t = calloc(count ? (size_t)count : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (int i = 0; i < e->n_tunnels; i++)
		engine_timer_cancel(e, &e->tunnels[i].retry_timer);
	free(e->tunnels);
	e->tunnels = t;
	e->n_tunnels = count;
	e->next_start = 0;
	e->cnt.configured = (uint64_t)count;
	for (int i = 0; i < count; i++) {
		t[i].eng = e;
		t[i].idx = first + i;
		if (plan_tunnel_addr(e->cfg, (unsigned)(first + i), 0, &t[i].addr) < 0)
			t[i].addr = e->cfg->startclntaddr.addr;
		timer_init(&t[i].retry_timer, on_tunnel_retry, &t[i]);
	}
	return 0;
}

/* Re-make the still empty map m for about `expect` entries (its slots
 * are 16 octets each and a hash spreads them over every page: a map sized
 * for all tunnels in each of several workers costs RSS per tunnel). */
static void map_fit(struct spi_map *m, uint32_t expect)
{
	struct spi_map fresh;
	if (spi_map_count(m) || spi_map_init(&fresh, expect) < 0)
		return;
	spi_map_free(m);
	*m = fresh;
}

void engine_set_pacing(struct engine *e, unsigned nworkers)
{
	uint64_t iv = e->cfg->setupinterval_ns;
	if (nworkers < 1)
		nworkers = 1;
	e->nworkers = nworkers;
	e->setup_step_ns = iv * nworkers;
	e->setup_offset_ns = iv * (uint64_t)((unsigned)e->worker % nworkers);
	/* This worker's share of the SAs: its slice (client), or an even
	 * share of the peers (gateway); the maps still grow if it gets more. */
	if (e->cfg->role == ROLE_CLIENT) {
		map_fit(&e->sas, (uint32_t)e->n_tunnels);
	} else if (e->cfg->numberoftunnels > 0) {
		uint32_t share = (uint32_t)((e->cfg->numberoftunnels + nworkers - 1) / nworkers);
		map_fit(&e->sas, share);
		map_fit(&e->half_open, share / 4);
		map_fit(&e->by_peer_id, share);
	}
}

int engine_start(struct engine *e)
{
	/* The loop's cached clock may be from before a long preparation
	 * (addresses put on the interface): schedule from the real now, or
	 * every tunnel would be overdue and start in one burst. */
	if (e->loop)
		loop_now_update(e->loop);
	if (e->cfg->runningtime_ns)
		engine_timer_in(e, &e->run_timer, e->cfg->runningtime_ns);
	if (e->cfg->role == ROLE_CLIENT && e->n_tunnels) {
		e->setup_due_ns = engine_now(e) + e->setup_offset_ns;
		return engine_timer_in(e, &e->setup_timer, e->setup_offset_ns);
	}
	return 0;
}

/* ---- SA life ------------------------------------------------------------ */

void engine_sa_established(struct engine *e, struct ikesa *sa)
{
	const struct conf_ike *ic = &e->cfg->ikeconf;
	uint64_t now = engine_now(e);
	e->cnt.ike_established++;
	ikesa_half_open_del(sa);
	engine_timer_cancel(e, &sa->life_timer);
	if (!sa->established_once) {
		sa->established_once = true;
		bool new_tunnel = sa->tun ? !sa->tun->created : true;
		if (sa->tun)
			sa->tun->created = true;
		if (new_tunnel) {
			e->cnt.tunnels_created++;
			e->t_last_created_ns = now;
			if (!e->t_first_ns)
				e->t_first_ns = now;
		}
	}
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], qb[WLOG_QLEN];
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "tunnel.up",
		   "own=%s peer=%s port=%u encr=%s children=%u peer_id=%s",
		   ip_addr_format(&sa->path.local, a, sizeof(a)),
		   ip_addr_format(&sa->path.remote, b, sizeof(b)), sa->path.lport,
		   ike_name_transform_id(IKE_TRANSFORM_ENCR, sa->suite.encr), sa->n_children,
		   wlog_q(sa->peer_id, qb));
	if ((ic->initiatedpd || ic->forcedpd) && ic->dpdinterval_ns)
		engine_timer_in(e, &sa->dpd_timer, ic->dpdinterval_ns);
	if (sa->nat_local && sa->natt && ic->nattkeepaliveinterval_ns && e->io.keepalive) {
		wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, ikesa_our_spi(sa), "nat.behind",
			   "keepalive_ms=%llu",
			   (unsigned long long)(ic->nattkeepaliveinterval_ns / NS_PER_MS));
		engine_timer_in(e, &sa->ka_timer, ic->nattkeepaliveinterval_ns);
	}
	uint64_t d = engine_rekey_delay(e, ic->ikelifetime_ns, sa->initiator);
	if (d)
		engine_timer_in(e, &sa->rekey_timer, d);
}

void engine_sa_closed(struct engine *e, struct ikesa *sa, bool failed)
{
	struct tunnel *t = sa->tun;
	if (failed && !sa->established_once)
		e->cnt.attempts_failed++;
	if (t) {
		t->sa = NULL;
		sa->tun = NULL;
		if (!e->stopping) {
			if (t->attempts <= e->cfg->tunnelmaxretry) {
				engine_timer_in(e, &t->retry_timer, e->cfg->tunnelretryinterval_ns);
			} else if (!t->created && !t->failed) {
				char qb[WLOG_QLEN];
				t->failed = true;
				e->cnt.tunnels_failed++;
				wlog_event(&e->log, WLOG_INFO, t->idx, 0, "tunnel.failed",
					   "attempts=%d reason=%s", t->attempts,
					   wlog_q(sa->why ? sa->why : "?", qb));
			}
		}
	}
	ikesa_free(sa);
	if (e->stopping)
		stop_pump(e);
	if (e->stopping && e->cnt.live == 0) {
		e->done = true;
		if (e->loop)
			loop_stop(e->loop);
	}
}

void engine_sa_fail(struct ikesa *sa, const char *why)
{
	struct engine *e = sa->eng;
	if (!sa->why || why)
		sa->why = why;
	bool failed = sa->state != IKE_S_CLOSING || !sa->established_once;
	sa_state(sa, IKE_S_CLOSED, sa->why);
	engine_sa_closed(e, sa, failed);
}

void engine_on_life_timer(struct ikesa *sa)
{
	if (sa->state == IKE_S_INIT || sa->state == IKE_S_CREATED)
		engine_sa_fail(sa, "half-open timeout");
	else if (sa->state == IKE_S_REKEYED)
		engine_sa_fail(sa, "rekeyed, never deleted by the peer");
}

void engine_on_keepalive_timer(struct ikesa *sa)
{
	struct engine *e = sa->eng;
	if (sa->state == IKE_S_CLOSING || e->stopping)
		return;
	e->cnt.keepalives++;
	e->io.keepalive(e->io.ctx, &sa->path);
	engine_timer_in(e, &sa->ka_timer, e->cfg->ikeconf.nattkeepaliveinterval_ns);
}

void engine_on_dpd_timer(struct ikesa *sa)
{
	struct engine *e = sa->eng;
	const struct conf_ike *ic = &e->cfg->ikeconf;
	if (e->stopping || !ic->dpdinterval_ns)
		return;
	uint64_t idle = engine_now(e) - sa->last_rx_ns;
	if (sa->state == IKE_S_ESTABLISHED && !sa->exch.req.busy &&
	    (ic->forcedpd || idle >= ic->dpdinterval_ns) && !sa_task_pending(sa, TASK_DPD)) {
		sa_queue_task(sa, TASK_DPD, 0);
		if (sa->state == IKE_S_CLOSED)
			return;
	}
	engine_timer_in(e, &sa->dpd_timer, ic->dpdinterval_ns);
}

void engine_on_rekey_timer(struct ikesa *sa)
{
	struct engine *e = sa->eng;
	/* ESTABLISHED, or a DPD / CHILD rekey in flight: the rekey waits in
	 * the queue for the window. */
	if (e->stopping || !sa->established_once || sa->state == IKE_S_CLOSING ||
	    sa->state == IKE_S_REKEYED || sa->state == IKE_S_REKEYING ||
	    sa_task_pending(sa, TASK_IKE_REKEY))
		return;
	sa_queue_task(sa, TASK_IKE_REKEY, 0);
}

void engine_on_child_rekey_timer(struct ikesa *sa, struct childsa *c)
{
	struct engine *e = sa->eng;
	if (e->stopping || c->rekeying || c->replaced || sa->state == IKE_S_CLOSING ||
	    sa->state == IKE_S_CLOSED || sa->state == IKE_S_REKEYED)
		return;
	c->rekeying = true;
	sa_queue_task(sa, TASK_CHILD_REKEY, (int)c->spi_in);
}

/* Rekey margin: `margintime` before expiry, randomised within (0, margin)
 * when `jitter`; the original responder waits half a margin more, so the
 * initiator usually rekeys first and collisions stay rare. */
uint64_t engine_rekey_delay(const struct engine *e, uint64_t lifetime, bool initiator)
{
	uint64_t margin = e->cfg->ikeconf.margintime_ns;
	if (!lifetime)
		return 0;
	if (margin >= lifetime)
		margin = lifetime / 2;
	uint64_t d = lifetime - margin;
	if (e->cfg->ikeconf.jitter && margin > 1) {
		uint64_t r;
		rand_bytes(&r, sizeof(r));
		d += r % (margin / 2 ? margin / 2 : 1);
	}
	if (!initiator)
		d += margin / 2;
	return d;
}

void engine_child_armed(struct ikesa *sa, struct childsa *c)
{
	struct engine *e = sa->eng;
	uint64_t life = e->cfg->ikeconf.childlist[c->cfg].lifetime_ns;
	uint64_t d = engine_rekey_delay(e, life, sa->initiator);
	if (d)
		engine_timer_in(e, &c->rekey_timer, d);
}

/* FNV-1a of the peer ID text: the key of by_peer_id (a collision only
 * means an older SA is not found; the text is compared before acting). */
static uint64_t peer_id_key(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 0x100000001b3ull;
	return h;
}

void engine_peer_id_seen(struct engine *e, struct ikesa *sa, bool initial_contact)
{
	if (!sa->peer_id[0])
		return;
	uint64_t k = peer_id_key(sa->peer_id);
	struct ikesa *old = spi_map_get(&e->by_peer_id, k);
	spi_map_set(&e->by_peer_id, k, sa);
	if (!initial_contact || !old || old == sa || strcmp(old->peer_id, sa->peer_id) != 0 ||
	    old->state == IKE_S_CLOSED)
		return;
	/* The peer says it has no other SA with us: drop the old one without
	 * a word (it would not understand a DELETE). */
	wlog_event(&e->log, WLOG_INFO, old->tunnel, ikesa_our_spi(old), "ike.initial_contact",
		   "replaced_by=%016llx", (unsigned long long)ikesa_our_spi(sa));
	engine_sa_fail(old, "initial contact");
}

void engine_peer_id_forget(struct engine *e, struct ikesa *sa)
{
	if (!sa->peer_id[0])
		return;
	uint64_t k = peer_id_key(sa->peer_id);
	if (spi_map_get(&e->by_peer_id, k) == sa)
		spi_map_del(&e->by_peer_id, k);
}

/* ---- receive ------------------------------------------------------------ */

static void send_invalid_ike_spi(struct engine *e, const struct ike_path *to,
				 const struct ike_hdr *h)
{
	/* RFC 7296 2.21.4: an unprotected notification, only in answer to a
	 * request, never to a response. */
	struct ike_hdr r = {
		.spi_i = h->spi_i, .spi_r = h->spi_r, .version = IKE_VERSION,
		.exchange = IKE_EXCH_INFORMATIONAL, .flags = IKE_FLAG_RESPONSE |
		(h->flags & IKE_FLAG_INITIATOR ? 0 : IKE_FLAG_INITIATOR), .msgid = h->msgid,
	};
	uint8_t buf[128];
	struct ike_writer w;
	struct ike_builder b;
	ike_wr_init(&w, buf, sizeof(buf));
	ike_build_begin(&b, &w, &r);
	ike_add_notify_simple(&b, IKE_N_INVALID_IKE_SPI, NULL, 0);
	if (ike_build_end(&b) == IKE_OK)
		engine_send(e, to, w.data, w.len);
}

/* Copy into scratch, parse, open SK, parse the inner payloads.  -ENOMSG:
 * parsed but not protected (a peer that lost the SA answers so). */
static int decode_protected(struct engine *e, struct ikesa *sa, const uint8_t *pkt, size_t len)
{
	struct ike_msg *m = &e->scratch->msg;
	uint8_t *buf = e->scratch->rx;
	size_t poff, plen;
	if (len > RXBUF_LEN || !sa->sk_in)
		return -EMSGSIZE;
	memcpy(buf, pkt, len);
	if (ike_parse_message(buf, len, m) != IKE_OK || m->is_skf)
		return -EBADMSG;
	if (!m->sk.present)
		return -ENOMSG;
	int rc = ike_sk_open(sa->sk_in, buf, len, m->sk.off, &poff, &plen);
	if (rc < 0)
		return rc;
	if (ike_parse_payloads(m->sk.first_inner, buf + poff, plen, m) != IKE_OK)
		return -EBADMSG;
	return 0;
}

/* Every dropped message counts one reason (the stats and the result show
 * them); the debug event adds which message it was. */
static void drop(struct engine *e, struct ikesa *sa, enum drop_reason why,
		 const struct ike_hdr *h)
{
	counters_drop(&e->cnt, why);
	wlog_event(&e->log, WLOG_DEBUG, sa ? sa->tunnel : -1, sa ? ikesa_our_spi(sa) : 0,
		   "rx.drop", "reason=%s exchange=%u msgid=%u", drop_reason_name(why),
		   h->exchange, h->msgid);
}

static enum drop_reason decode_drop_reason(int rc)
{
	return rc == -ENOMSG ? DROP_UNPROTECTED : DROP_DECRYPT_FAILED;
}

static void handle_response(struct engine *e, struct ikesa *sa, const struct ike_hdr *h,
			    const uint8_t *pkt, size_t len)
{
	struct exch_req *r = &sa->exch.req;
	struct ike_msg *m = &e->scratch->msg;
	int rc;
	if (!r->busy || h->msgid != r->msgid || h->exchange != r->exchange)
		return drop(e, sa, DROP_UNEXPECTED_RESPONSE, h);
	if (h->exchange == IKE_EXCH_SA_INIT) {
		if (ike_parse_message(pkt, len, m) != IKE_OK)
			return drop(e, sa, DROP_MALFORMED, h);
	} else if ((rc = decode_protected(e, sa, pkt, len)) < 0) {
		return drop(e, sa, decode_drop_reason(rc), h);
	}
	sa->last_rx_ns = engine_now(e);
	enum task_kind k = r->task;
	const struct task_ops *ops = task_ops_of(k);
	rc = ops->process_resp(sa, m, pkt, len);
	if (rc == TASK_AGAIN) {
		exch_request_done(sa, true);
		if (task_start(sa, k) < 0)
			engine_sa_fail(sa, "restart failed");
		return;
	}
	if (rc < 0) {
		char qb[WLOG_QLEN];
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ike.failed",
			   "task=%s reason=%s", ops->name, wlog_q(sa->why ? sa->why : "?", qb));
		engine_sa_fail(sa, sa->why ? sa->why : ops->name);
		return;
	}
	exch_request_done(sa, false);
	if (k == TASK_DELETE) {
		e->cnt.deletes_acked++;
		sa_state(sa, IKE_S_CLOSED, sa->why ? sa->why : "deleted");
		engine_sa_closed(e, sa, !sa->established_once);
		return;
	}
	sa_kick(sa);
}

static void handle_request(struct engine *e, struct ikesa *sa, const struct ike_hdr *h,
			   const struct ike_path *path, const uint8_t *pkt, size_t len)
{
	struct ike_msg *m = &e->scratch->msg;
	struct msg_out *out = &e->scratch->out;
	int chk = exch_check_request(sa, h->msgid, path);
	if (chk == 1)
		return;
	if (chk < 0)
		return drop(e, sa, DROP_MSGID_WINDOW, h);
	int rc = decode_protected(e, sa, pkt, len);
	if (rc < 0)
		return drop(e, sa, decode_drop_reason(rc), h);
	sa->last_rx_ns = engine_now(e);
	msg_begin(sa, out, h->exchange, true, h->msgid, true);
	rc = 0;
	bool close_after = false;
	switch (h->exchange) {
	case IKE_EXCH_AUTH:
		if (sa->initiator)
			return drop(e, sa, DROP_WRONG_ROLE, h);
		/* The initiator may float to the NAT-T port here. */
		sa->path = *path;
		rc = task_auth_respond(sa, m, out);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		/* UPDATINGADDR too: strongSwan rekeys its CHILD SAs right after
		 * answering our UPDATE_SA_ADDRESSES (its answer may come later). */
		if (sa->state != IKE_S_ESTABLISHED && sa->state != IKE_S_DPD &&
		    sa->state != IKE_S_CHILD_REKEYING && sa->state != IKE_S_REKEYING &&
		    sa->state != IKE_S_UPDATINGADDR)
			ike_add_notify_simple(&out->b, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		else if (m->has_sa && m->sa.n_prop && m->sa.prop[0].protocol == IKE_PROTO_IKE)
			rc = task_ike_rekey_respond(sa, m, out);
		else
			rc = task_child_respond(sa, m, out);
		break;
	case IKE_EXCH_INFORMATIONAL:
		mobike_info_respond(sa, m, out, path);
		rc = task_info_respond(sa, m, out, &close_after);
		break;
	default:
		return drop(e, sa, DROP_UNKNOWN_EXCHANGE, h);
	}
	const uint8_t *rp;
	size_t rlen;
	if (msg_finish(sa, out, &rp, &rlen) == 0)
		exch_send_response(sa, h->msgid, rp, rlen, path);
	if (h->exchange == IKE_EXCH_AUTH) {
		if (rc < 0 || sa->state != IKE_S_ESTABLISHED) {
			engine_sa_fail(sa, sa->why ? sa->why : "IKE_AUTH");
			return;
		}
		ikesa_drop_init(sa);
		engine_sa_established(e, sa);
		engine_peer_id_seen(e, sa, ike_msg_notify(m, IKE_N_INITIAL_CONTACT) != NULL);
		return;
	}
	if (close_after) {
		wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, ikesa_our_spi(sa), "ike.deleted.by_peer",
			   NULL);
		sa_state(sa, IKE_S_CLOSED, "deleted by peer");
		engine_sa_closed(e, sa, false);
		return;
	}
}

void engine_input(struct engine *e, const struct ike_path *path, const uint8_t *pkt,
		  size_t len)
{
	struct ike_hdr h;
	if (ike_parse_header(pkt, len, &h) != IKE_OK || h.length != len) {
		counters_drop(&e->cnt, DROP_MALFORMED);
		wlog_event(&e->log, WLOG_DEBUG, -1, 0, "rx.drop", "reason=%s len=%zu",
			   drop_reason_name(DROP_MALFORMED), len);
		return;
	}
	bool response = h.flags & IKE_FLAG_RESPONSE;
	if (h.exchange == IKE_EXCH_SA_INIT && !response && h.spi_r == 0) {
		struct ike_msg *m = &e->scratch->msg;
		if (e->cfg->role != ROLE_GATEWAY || e->stopping)
			return drop(e, NULL, DROP_NOT_ACCEPTED, &h);
		if (ike_parse_message(pkt, len, m) != IKE_OK)
			return drop(e, NULL, DROP_MALFORMED, &h);
		task_init_respond(e, path, m, pkt, len);
		return;
	}
	bool from_initiator = h.flags & IKE_FLAG_INITIATOR;
	uint64_t ours = from_initiator ? h.spi_r : h.spi_i;
	struct ikesa *sa = spi_map_get(&e->sas, ours);
	if (!sa || sa->initiator == from_initiator) {
		if (!response && h.exchange == IKE_EXCH_INFORMATIONAL)
			send_invalid_ike_spi(e, path, &h);
		return drop(e, NULL, DROP_UNKNOWN_SPI, &h);
	}
	if (response)
		handle_response(e, sa, &h, pkt, len);
	else
		handle_request(e, sa, &h, path, pkt, len);
}

/* ---- stop and result ----------------------------------------------------- */

static void on_run_timer(struct timer *t, void *arg)
{
	(void)t;
	struct engine *e = arg;
	wlog_event(&e->log, WLOG_INFO, -1, 0, "run.time.over", NULL);
	engine_stop(e);
}

static void on_stop_timer(struct timer *t, void *arg)
{
	(void)t;
	struct engine *e = arg;
	wlog_event(&e->log, WLOG_INFO, -1, 0, "stop.deadline",
		   "live=%llu deletes_sent=%llu deletes_acked=%llu deletes_unsent=%u",
		   (unsigned long long)e->cnt.live, (unsigned long long)e->cnt.deletes_sent,
		   (unsigned long long)e->cnt.deletes_acked, e->stop_n - e->stop_next);
	e->done = true;
	if (e->loop)
		loop_stop(e->loop);
}

/* Start DELETEs of the SAs engine_stop() listed while fewer than
 * STOP_WINDOW are in flight.  Called at stop and whenever an SA closes:
 * each answer (or give-up) lets the next DELETE go. */
static void stop_pump(struct engine *e)
{
	if (e->stop_pumping)
		return;
	e->stop_pumping = true;
	while (e->stop_next < e->stop_n && e->cnt.state[IKE_S_CLOSING] < STOP_WINDOW) {
		struct ikesa *sa = spi_map_get(&e->sas, e->stop_spis[e->stop_next++]);
		if (!sa || sa->state == IKE_S_CLOSING || sa->state == IKE_S_CLOSED)
			continue;
		sa->why = "stop";
		sa->taskq_n = 0;
		if (sa->exch.req.busy) {
			/* Abandon the exchange in flight: the DELETE goes with
			 * the next message ID. */
			exch_request_done(sa, false);
		}
		sa_queue_task(sa, TASK_DELETE, 0);
	}
	e->stop_pumping = false;
}

void engine_stop(struct engine *e)
{
	if (e->stopping)
		return;
	e->stopping = true;
	engine_timer_cancel(e, &e->setup_timer);
	for (int i = 0; i < e->n_tunnels; i++)
		engine_timer_cancel(e, &e->tunnels[i].retry_timer);
	/* The one scan over all SAs, at stop only: the established ones get a
	 * DELETE (by SPI: an SA may close before its turn), the others go
	 * without a word. */
	uint32_t n = spi_map_count(&e->sas), k = 0, pos = 0;
	uint64_t key;
	struct ikesa **all = calloc(n ? n : 1, sizeof(*all));
	e->stop_spis = calloc(n ? n : 1, sizeof(*e->stop_spis));
	struct ikesa *sa;
	while (all && k < n && (sa = spi_map_next(&e->sas, &pos, &key)))
		all[k++] = sa;
	e->stop_pumping = true; /* no DELETE (nor its failure) while all[] is walked */
	for (uint32_t i = 0; i < k; i++) {
		sa = all[i];
		if (sa->established_once && sa->state != IKE_S_CLOSING && e->stop_spis)
			e->stop_spis[e->stop_n++] = ikesa_our_spi(sa);
		else if (sa->state != IKE_S_CLOSING)
			engine_sa_fail(sa, "stop");
	}
	free(all);
	e->stop_pumping = false;
	/* The scan of 100,000 SAs takes a while: the DELETEs' retransmit
	 * timers and the deadline go from now, not from the start of this
	 * loop iteration (from there, 50,000 DELETEs sent in one go all came
	 * due at once: exactly one retransmit per tunnel). */
	if (e->loop)
		loop_now_update(e->loop);
	stop_pump(e);
	/* Time for a DELETE and its retransmissions, at most STOP_MAX_NS,
	 * plus STOP_PER_DELETE_NS each: 50,000 per worker took 9.6 s on 2
	 * loaded cores, CPU-bound on both sides.  Never past STOP_CAP_NS,
	 * under the supervisor's 20 s (sup_run.c STOP_BOUND_NS). */
	uint64_t bound = e->cfg->ikeconf.retraninterval_ns *
			 (uint64_t)(e->cfg->ikeconf.maxretran + 1);
	if (bound > STOP_MAX_NS || !bound)
		bound = STOP_MAX_NS;
	bound += (uint64_t)e->stop_n * STOP_PER_DELETE_NS;
	if (bound > STOP_CAP_NS)
		bound = STOP_CAP_NS;
	wlog_event(&e->log, WLOG_INFO, -1, 0, "stop", "live=%llu deletes=%u",
		   (unsigned long long)e->cnt.live, e->stop_n);
	if (e->cnt.live == 0) {
		e->done = true;
		if (e->loop)
			loop_stop(e->loop);
		return;
	}
	engine_timer_in(e, &e->stop_timer, bound);
}

void engine_result(const struct engine *e, struct run_result *r)
{
	uint64_t now = engine_now(e);
	memset(r, 0, sizeof(*r));
	r->role = e->cfg->role == ROLE_CLIENT ? "client" : "gateway";
	r->configured = e->cnt.configured;
	r->created = e->cnt.tunnels_created;
	r->failed = e->cfg->role == ROLE_CLIENT ? r->configured - (r->created < r->configured ?
							      r->created : r->configured) : 0;
	r->duration_s = (double)(now - e->t_start_ns) / 1e9;
	if (e->t_first_ns && e->t_last_created_ns > e->t_first_ns)
		r->setup_s = (double)(e->t_last_created_ns - e->t_first_ns) / 1e9;
	r->c = &e->cnt;
}
