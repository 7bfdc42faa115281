/* IKE SA and CHILD SA bookkeeping, and sa_state() (see ike_sa.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "worker/engine.h"
#include "worker/fastpath_client.h"
#include "worker/history.h"
#include "worker/ike_sa.h"
#include "worker/mobike.h"
#include "worker/task.h"

#define BIT(s) (1u << (s))

/* Allowed transitions: from -> set of targets.  CLOSED is reachable from
 * everywhere (failure, timeout, peer's delete). */
static const unsigned allowed[IKE_S_COUNT] = {
	[IKE_S_INIT] = BIT(IKE_S_CREATED) | BIT(IKE_S_CLOSING),
	[IKE_S_CREATED] = BIT(IKE_S_ESTABLISHED) | BIT(IKE_S_CLOSING),
	[IKE_S_ESTABLISHED] = BIT(IKE_S_UPDATINGADDR) | BIT(IKE_S_REKEYING) |
			      BIT(IKE_S_REKEYED) | BIT(IKE_S_CLOSING) | BIT(IKE_S_DPD) |
			      BIT(IKE_S_CHILD_REKEYING),
	[IKE_S_UPDATINGADDR] = BIT(IKE_S_ESTABLISHED) | BIT(IKE_S_CLOSING) | BIT(IKE_S_REKEYED),
	[IKE_S_REKEYING] = BIT(IKE_S_ESTABLISHED) | BIT(IKE_S_REKEYED) | BIT(IKE_S_CLOSING),
	[IKE_S_REKEYED] = BIT(IKE_S_CLOSING),
	[IKE_S_CLOSING] = 0,
	[IKE_S_CLOSED] = 0,
	[IKE_S_DPD] = BIT(IKE_S_ESTABLISHED) | BIT(IKE_S_CLOSING) | BIT(IKE_S_REKEYED),
	[IKE_S_CHILD_REKEYING] = BIT(IKE_S_ESTABLISHED) | BIT(IKE_S_CLOSING) |
				 BIT(IKE_S_REKEYED),
};

bool sa_state_allowed(enum ike_state from, enum ike_state to)
{
	if (from >= IKE_S_COUNT || to >= IKE_S_COUNT || from == IKE_S_CLOSED)
		return false;
	if (to == IKE_S_CLOSED)
		return true;
	return allowed[from] & BIT(to);
}

int sa_state(struct ikesa *sa, enum ike_state to, const char *why)
{
	struct engine *e = sa->eng;
	enum ike_state from = sa->state;
	if (from == to)
		return 0;
	if (!sa_state_allowed(from, to)) {
		wlog_event(&e->log, WLOG_ERROR, sa->tunnel, ikesa_our_spi(sa), "sa.state.bad",
			   "from=%s to=%s", ike_state_name(from), ike_state_name(to));
		return -EINVAL;
	}
	e->cnt.state[from]--;
	e->cnt.state[to]++;
	sa->state = to;
	if (to == IKE_S_REKEYED)
		sa->rekeyed = true;
	if (to == IKE_S_CLOSED) {
		e->cnt.live--;
		if (sa->n_children)
			e->cnt.has_child--;
	}
	if (why)
		sa->why = why;
	if (from == IKE_S_INIT || from == IKE_S_CREATED)
		engine_setup_window_open(e);
	enum wlog_level lvl = (to == IKE_S_DPD || to == IKE_S_CREATED) ? WLOG_VERBOSE : WLOG_INFO;
	if (wlog_enabled(&e->log, lvl)) {
		char ev[32], qb[WLOG_QLEN];
		snprintf(ev, sizeof(ev), "ike.%s", ike_state_name(to));
		wlog_event(&e->log, lvl, sa->tunnel, ikesa_our_spi(sa), ev, "from=%s%s%s",
			   ike_state_name(from), why ? " reason=" : "", why ? wlog_q(why, qb) : "");
	}
	return 0;
}

uint64_t ikesa_new_spi(const struct engine *e)
{
	uint64_t spi;
	do {
		rand_bytes(&spi, sizeof(spi));
		/* The worker index in the top byte: a later issue steers by it. */
		spi = (spi & 0x00ffffffffffffffull) | ((uint64_t)(e->worker & 0xff) << 56);
	} while (spi == 0 || spi_map_get(&e->sas, spi));
	return spi;
}

static void on_dpd_timer(struct timer *t, void *arg)
{
	(void)t;
	engine_on_dpd_timer(arg);
}

static void on_rekey_timer(struct timer *t, void *arg)
{
	(void)t;
	engine_on_rekey_timer(arg);
}

static void on_life_timer(struct timer *t, void *arg)
{
	(void)t;
	engine_on_life_timer(arg);
}

static void on_ka_timer(struct timer *t, void *arg)
{
	(void)t;
	engine_on_keepalive_timer(arg);
}

static void on_child_rekey_timer(struct timer *t, void *arg)
{
	(void)t;
	struct childsa *c = arg;
	engine_on_child_rekey_timer(c->ike, c);
}

struct ikesa *ikesa_new(struct engine *e, bool initiator, int tunnel,
			const struct ike_path *path, uint64_t spi)
{
	struct ikesa *sa = calloc(1, sizeof(*sa));
	if (!sa)
		return NULL;
	sa->eng = e;
	sa->initiator = initiator;
	sa->tunnel = tunnel;
	sa->path = *path;
	sa->state = IKE_S_INIT;
	sa->created_ns = engine_now(e);
	if (!spi)
		spi = ikesa_new_spi(e);
	if (initiator)
		sa->spi_i = spi;
	else
		sa->spi_r = spi;
	if (spi_map_add(&e->sas, spi, sa) < 0) {
		free(sa);
		return NULL;
	}
	exch_init(sa);
	timer_init(&sa->dpd_timer, on_dpd_timer, sa);
	timer_init(&sa->rekey_timer, on_rekey_timer, sa);
	timer_init(&sa->life_timer, on_life_timer, sa);
	timer_init(&sa->ka_timer, on_ka_timer, sa);
	sa->last_rx_ns = engine_now(e);
	e->cnt.state[IKE_S_INIT]++;
	e->cnt.total++;
	e->cnt.live++;
	return sa;
}

void ikesa_drop_init(struct ikesa *sa)
{
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	free(sa->ni);
	free(sa->nr);
	free(sa->init_req);
	if (sa->exch.resp.is_init_resp && sa->exch.resp.pkt == sa->init_resp)
		sa->exch.resp.is_init_resp = false; /* the cached response owns it now */
	else
		free(sa->init_resp);
	sa->ni = sa->nr = sa->init_req = sa->init_resp = NULL;
	sa->ni_len = sa->nr_len = sa->init_req_len = sa->init_resp_len = 0;
	if (sa->keys) {
		ike_sa_keys_wipe(sa->keys);
		free(sa->keys);
		sa->keys = NULL;
	}
}

static struct sa_keycopy *keycopy_new(size_t ek, size_t ak, const uint8_t *ei,
				      const uint8_t *er, const uint8_t *ai, const uint8_t *ar)
{
	struct sa_keycopy *c = ek <= UINT8_MAX && ak <= UINT8_MAX ?
			       malloc(sizeof(*c) + 2 * (ek + ak)) : NULL;
	if (!c)
		return NULL;
	c->ek_len = (uint8_t)ek;
	c->ak_len = (uint8_t)ak;
	memcpy(c->b, ei, ek);
	memcpy(c->b + ek, er, ek);
	memcpy(c->b + 2 * ek, ai, ak);
	memcpy(c->b + 2 * ek + ak, ar, ak);
	return c;
}

void sa_keycopy_free(struct sa_keycopy **k)
{
	if (!*k)
		return;
	explicit_bzero((*k)->b, 2 * ((size_t)(*k)->ek_len + (*k)->ak_len));
	free(*k);
	*k = NULL;
}

void ikesa_keep_sk_d(struct ikesa *sa, const struct ike_sa_keys *k)
{
	memcpy(sa->sk_d, k->sk_d, k->prf_len);
	sa->sk_d_len = (uint8_t)k->prf_len;
	sa_keycopy_free(&sa->dump_keys);
	sa->dump_keys = keycopy_new(k->encr_len, k->integ_len, k->sk_ei, k->sk_er, k->sk_ai,
				    k->sk_ar);
}

void childsa_keep_keys(struct childsa *c, const struct ike_child_keys *k)
{
	sa_keycopy_free(&c->dump_keys);
	c->dump_keys = keycopy_new(k->encr_len, k->integ_len, k->encr_i, k->encr_r, k->integ_i,
				   k->integ_r);
}

uint64_t half_open_key(uint64_t spi_i, const struct ike_path *from)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (unsigned i = 0; i < ip_addr_bits(&from->remote) / 8; i++)
		h = (h ^ from->remote.bytes[i]) * 0x100000001b3ull;
	h = (h ^ from->rport) * 0x100000001b3ull;
	return spi_i ^ h;
}

void ikesa_half_open_del(struct ikesa *sa)
{
	if (sa->initiator || !sa->half_open_key || sa->half_open_done)
		return;
	sa->half_open_done = true;
	sa->eng->n_half_open--;
}

/* Leave the half-open map (the SA is being freed). */
static void half_open_forget(struct ikesa *sa)
{
	struct engine *e = sa->eng;
	if (sa->initiator || !sa->half_open_key)
		return;
	ikesa_half_open_del(sa);
	if (spi_map_get(&e->half_open, sa->half_open_key) == sa)
		spi_map_del(&e->half_open, sa->half_open_key);
	sa->half_open_key = 0;
}

int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

uint8_t nonce_min(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		  uint8_t out[SA_NONCE_CMP])
{
	if (nonce_cmp(a, alen, b, blen) > 0) {
		a = b;
		alen = blen;
	}
	if (alen > SA_NONCE_CMP)
		alen = SA_NONCE_CMP;
	memcpy(out, a, alen);
	return (uint8_t)alen;
}

void ikesa_free(struct ikesa *sa)
{
	struct engine *e = sa->eng;
	hist_ike_gone(sa);
	engine_peer_id_forget(e, sa);
	if (sa->collide_of && sa->collide_of->collide_sa == sa)
		sa->collide_of->collide_sa = NULL;
	if (sa->collide_sa && sa->collide_sa->collide_of == sa)
		sa->collide_sa->collide_of = NULL;
	uint64_t spi = ikesa_our_spi(sa);
	if (spi_map_get(&e->sas, spi) == sa)
		spi_map_del(&e->sas, spi);
	half_open_forget(sa);
	engine_timer_cancel(e, &sa->dpd_timer);
	engine_timer_cancel(e, &sa->rekey_timer);
	engine_timer_cancel(e, &sa->life_timer);
	engine_timer_cancel(e, &sa->ka_timer);
	exch_free(sa);
	mobike_free(sa);
	while (sa->children) {
		struct childsa *c = sa->children;
		sa->children = c->next;
		hist_child_gone(sa, c);
		fpc_child_gone(sa, c);
		engine_timer_cancel(e, &c->rekey_timer);
		free(c->ts_more);
		sa_keycopy_free(&c->dump_keys);
		free(c);
	}
	ra_sa_gone(sa); /* after the CHILD SAs' deletes: their routes use it */
	task_data_free(sa);
	ikesa_drop_init(sa);
	ike_sk_free(sa->sk_out);
	ike_sk_free(sa->sk_in);
	explicit_bzero(sa->sk_d, sizeof(sa->sk_d));
	sa_keycopy_free(&sa->dump_keys);
	if (sa->tun && sa->tun->sa == sa)
		sa->tun->sa = NULL;
	free(sa);
}

struct childsa *childsa_add(struct ikesa *sa)
{
	struct childsa *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->ike = sa;
	timer_init(&c->rekey_timer, on_child_rekey_timer, c);
	c->next = sa->children;
	sa->children = c;
	if (sa->n_children++ == 0 && sa->state != IKE_S_CLOSED)
		sa->eng->cnt.has_child++;
	return c;
}

struct childsa *childsa_find_in(struct ikesa *sa, uint32_t spi_in)
{
	for (struct childsa *c = sa->children; c; c = c->next)
		if (c->spi_in == spi_in)
			return c;
	return NULL;
}

struct childsa *childsa_find_out(struct ikesa *sa, uint32_t spi_out)
{
	for (struct childsa *c = sa->children; c; c = c->next)
		if (c->spi_out == spi_out)
			return c;
	return NULL;
}

void childsa_set_ts(struct childsa *c, const struct ike_ts_list *local,
		    const struct ike_ts_list *remote)
{
	unsigned nl = local->n ? local->n : 1, nr = remote->n ? remote->n : 1;
	free(c->ts_more);
	c->ts_more = NULL;
	c->ts_local = local->ts[0];
	c->ts_remote = remote->ts[0];
	c->ts_local.raw = c->ts_remote.raw = NULL;
	c->n_ts_local = c->n_ts_remote = 1;
	if (nl + nr == 2 || !(c->ts_more = calloc(nl + nr - 2, sizeof(*c->ts_more))))
		return;
	for (unsigned i = 1; i < nl; i++)
		c->ts_more[i - 1] = local->ts[i];
	for (unsigned i = 1; i < nr; i++)
		c->ts_more[nl - 1 + i - 1] = remote->ts[i];
	for (unsigned i = 0; i < nl + nr - 2; i++)
		c->ts_more[i].raw = NULL;
	c->n_ts_local = (uint8_t)nl;
	c->n_ts_remote = (uint8_t)nr;
}

void childsa_ts_list(const struct childsa *c, bool local, struct ike_ts_list *out)
{
	unsigned nl = c->n_ts_local ? c->n_ts_local : 1, nr = c->n_ts_remote ? c->n_ts_remote : 1;
	unsigned n = local ? nl : nr;
	const struct ike_ts *more = c->ts_more ? c->ts_more + (local ? 0 : nl - 1) : NULL;
	out->n = (uint8_t)n;
	out->ts[0] = local ? c->ts_local : c->ts_remote;
	for (unsigned i = 1; i < n && more; i++)
		out->ts[i] = more[i - 1];
	if (!more)
		out->n = 1;
}

void childsa_remove(struct ikesa *sa, struct childsa *c)
{
	for (struct childsa **pp = &sa->children; *pp; pp = &(*pp)->next) {
		if (*pp != c)
			continue;
		*pp = c->next;
		hist_child_gone(sa, c);
		fpc_child_gone(sa, c);
		engine_timer_cancel(sa->eng, &c->rekey_timer);
		free(c->ts_more);
		sa_keycopy_free(&c->dump_keys);
		free(c);
		if (--sa->n_children == 0 && sa->state != IKE_S_CLOSED)
			sa->eng->cnt.has_child--;
		return;
	}
}
