/* The exchange/retransmit module (see exchange.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sk.h"
#include "worker/engine.h"
#include "worker/exchange.h"
#include "worker/ike_sa.h"
#include "worker/task.h"

static void on_retransmit(struct timer *t, void *arg);

void exch_init(struct ikesa *sa)
{
	memset(&sa->exch, 0, sizeof(sa->exch));
	timer_init(&sa->exch.req.timer, on_retransmit, sa);
}

void exch_free(struct ikesa *sa)
{
	engine_timer_cancel(sa->eng, &sa->exch.req.timer);
	free(sa->exch.req.pkt);
	if (!sa->exch.resp.is_init_resp)
		free(sa->exch.resp.pkt);
	sa->exch.req.pkt = sa->exch.resp.pkt = NULL;
	sa->exch.req.busy = false;
	sa->exch.resp.cached = false;
	sa->exch.resp.is_init_resp = false;
}

void msg_begin(struct ikesa *sa, struct msg_out *m, uint8_t exchange, bool response,
	       uint32_t msgid, bool encrypted)
{
	struct ike_hdr h = {
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.version = IKE_VERSION,
		.exchange = exchange,
		.flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) |
			 (response ? IKE_FLAG_RESPONSE : 0),
		.msgid = response ? msgid : sa->exch.next_req_msgid,
	};
	ike_wr_init(&m->w, m->buf, sizeof(m->buf));
	ike_build_begin(&m->b, &m->w, &h);
	m->encrypted = encrypted;
	if (encrypted)
		ike_add_sk_begin(&m->b, ike_sk_iv_len(sa->sk_out));
}

int msg_finish(struct ikesa *sa, struct msg_out *m, const uint8_t **pkt, size_t *len)
{
	enum ike_err e = ike_build_end(&m->b);
	if (e != IKE_OK)
		return -ENOBUFS;
	if (m->encrypted) {
		int rc = ike_sk_seal_wr(sa->sk_out, &m->w, m->b.sk_off);
		if (rc < 0)
			return rc;
	}
	*pkt = m->w.data;
	*len = m->w.len;
	return 0;
}

static void transmit_request(struct ikesa *sa)
{
	struct exch_req *r = &sa->exch.req;
	r->sent++;
	engine_send(sa->eng, &sa->path, r->pkt, r->len);
	engine_timer_in(sa->eng, &r->timer, sa->eng->cfg->ikeconf.retraninterval_ns);
}

int exch_send_request(struct ikesa *sa, uint8_t task, const uint8_t *pkt, size_t len)
{
	struct exch_req *r = &sa->exch.req;
	uint8_t *copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, pkt, len);
	free(r->pkt);
	r->pkt = copy;
	r->len = len;
	r->busy = true;
	r->task = task;
	r->exchange = pkt[18];
	r->msgid = sa->exch.next_req_msgid;
	r->sent = 0;
	transmit_request(sa);
	return 0;
}

void exch_request_done(struct ikesa *sa, bool again)
{
	struct exch_req *r = &sa->exch.req;
	engine_timer_cancel(sa->eng, &r->timer);
	r->busy = false;
	if (!again)
		sa->exch.next_req_msgid++;
	/* Answered: nothing retransmits it any more (task_init copied
	 * IKE_SA_INIT's request for AUTH while processing the response), so
	 * an idle SA keeps no request bytes. */
	free(r->pkt);
	r->pkt = NULL;
	r->len = 0;
}

static void on_retransmit(struct timer *t, void *arg)
{
	(void)t;
	struct ikesa *sa = arg;
	struct exch_req *r = &sa->exch.req;
	struct engine *e = sa->eng;
	if (!r->busy)
		return;
	/* maxretran retransmissions after the first transmission. */
	if ((int64_t)r->sent > e->cfg->ikeconf.maxretran) {
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "exchange.timeout",
			   "exchange=%u msgid=%u sent=%u", r->exchange, r->msgid, r->sent);
		engine_sa_fail(sa, "timeout");
		return;
	}
	e->cnt.retransmits++;
	wlog_event(&e->log, WLOG_DEBUG, sa->tunnel, ikesa_our_spi(sa), "exchange.retransmit",
		   "exchange=%u msgid=%u try=%u", r->exchange, r->msgid, r->sent + 1);
	transmit_request(sa);
}

int exch_send_response(struct ikesa *sa, uint32_t msgid, const uint8_t *pkt, size_t len,
		       const struct ike_path *to)
{
	struct exch_resp *c = &sa->exch.resp;
	/* The responder's IKE_SA_INIT response is already kept in init_resp
	 * (AUTH signs it): cache that, not a second copy (~450 B with group
	 * 14, per half-open SA). */
	bool init = msgid == 0 && sa->init_resp && sa->init_resp_len == len &&
		    memcmp(sa->init_resp, pkt, len) == 0;
	uint8_t *copy = init ? sa->init_resp : malloc(len);
	if (!copy)
		return -ENOMEM;
	if (!init)
		memcpy(copy, pkt, len);
	if (!c->is_init_resp)
		free(c->pkt);
	c->is_init_resp = init;
	c->pkt = copy;
	c->len = len;
	c->cached = true;
	c->msgid = msgid;
	sa->exch.next_peer_msgid = msgid + 1;
	return engine_send(sa->eng, to, pkt, len);
}

int exch_check_request(struct ikesa *sa, uint32_t msgid, const struct ike_path *from)
{
	struct exch_resp *c = &sa->exch.resp;
	if (c->cached && msgid == c->msgid) {
		sa->eng->cnt.resp_resent++;
		wlog_event(&sa->eng->log, WLOG_DEBUG, sa->tunnel, ikesa_our_spi(sa),
			   "exchange.resend", "msgid=%u", msgid);
		engine_send(sa->eng, from, c->pkt, c->len);
		return 1;
	}
	if (msgid == sa->exch.next_peer_msgid)
		return 0;
	return -1;
}
