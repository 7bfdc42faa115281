/* CREATE_CHILD_SA for CHILD SAs (RFC 7296 1.3.1, 1.3.3): a new CHILD SA
 * for a further childlist entry (PFS with `pfsgrpid` when `pfsenabled`),
 * and the rekey of a CHILD SA (REKEY_SA), in both roles.  The rekey's
 * initiator deletes the old CHILD SA once the new one stands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crypto_dh.h"
#include "proto/names.h"
#include "worker/engine.h"
#include "worker/task.h"

static uint32_t spi32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = (uint8_t)v;
}

/* Shared by TASK_CHILD (arg: childlist index) and TASK_CHILD_REKEY (arg:
 * spi_in of the CHILD SA to replace). */
static int child_build_common(struct ikesa *sa, struct msg_out *m, bool rekey)
{
	struct engine *e = sa->eng;
	int ci = sa->task_arg;
	struct childsa *old = NULL;
	if (rekey) {
		old = childsa_find_in(sa, (uint32_t)sa->task_arg);
		if (!old || old->replaced) {
			if (old)
				old->rekeying = false;
			return -ECANCELED;
		}
		ci = old->cfg;
	}
	const struct conf_child *cc = &e->cfg->ikeconf.childlist[ci];
	struct task_data *td = sa->td;
	if (!td) {
		td = sa->td = calloc(1, sizeof(*td));
		if (!td)
			return -ENOMEM;
		td->spi_in = new_esp_spi(e);
		rand_bytes(td->nonce, sizeof(td->nonce));
		td->ci = ci;
		td->old_spi_in = old ? old->spi_in : 0;
	}
	uint16_t group = 0;
	if (cc->pfsenabled && cc->pfsgrpid.n) {
		group = td->dh ? ike_dh_group(td->dh) : (uint16_t)cc->pfsgrpid.v[0];
		if (!td->dh && !(td->dh = ike_dh_new(e->crypto, group)))
			return -ENOTSUP;
	}
	if (old) {
		uint8_t spi[4];
		put32(spi, old->spi_in);
		struct ike_notify n = { .protocol = IKE_PROTO_ESP, .spi_size = 4, .spi = spi,
					.type = IKE_N_REKEY_SA };
		ike_add_notify(&m->b, &n);
		old->rekeying = true;
	}
	if (!cc->tunnelmode)
		ike_add_notify_simple(&m->b, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	struct ike_sa props;
	if (prop_build_esp(e, ci, td->spi_in, group, &props) < 0)
		return -ENOBUFS;
	ike_add_sa(&m->b, &props);
	ike_add_nonce(&m->b, td->nonce, sizeof(td->nonce));
	if (td->dh) {
		struct ike_ke ke = { .group = group };
		ke.data = ike_dh_public_ref(td->dh, &ke.len);
		ike_add_ke(&m->b, &ke);
	}
	struct ike_ts_list tsi, tsr;
	if (old) {
		/* Rekeying keeps the selectors that were agreed. */
		childsa_ts_list(old, true, &tsi);
		childsa_ts_list(old, false, &tsr);
	} else {
		ts_for_tunnel(e, ci, sa->tunnel, &tsi, &tsr);
		ra_client_child_tsi(sa, &tsi); /* remote access: our virtual address */
	}
	ike_add_ts(&m->b, IKE_PLD_TSI, &tsi);
	ike_add_ts(&m->b, IKE_PLD_TSR, &tsr);
	return 0;
}

static int child_build(struct ikesa *sa, struct msg_out *m)
{
	return child_build_common(sa, m, false);
}

static int child_rekey_build(struct ikesa *sa, struct msg_out *m)
{
	if (sa->state == IKE_S_ESTABLISHED)
		sa_state(sa, IKE_S_CHILD_REKEYING, NULL);
	return child_build_common(sa, m, true);
}

static int child_process_common(struct ikesa *sa, const struct ike_msg *m, bool rekey)
{
	struct engine *e = sa->eng;
	struct task_data *td = sa->td;
	const struct ike_notify *n;
	int rc = 0;
	if (rekey && sa->state == IKE_S_CHILD_REKEYING)
		sa_state(sa, IKE_S_ESTABLISHED, NULL);
	if ((n = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD)) && n->len == 2 && td) {
		uint16_t g = (uint16_t)(n->data[0] << 8 | n->data[1]);
		const struct conf_child *cc = &e->cfg->ikeconf.childlist[td->ci];
		if (group_listed(g, &cc->pfsgrpid) && (!td->dh || ike_dh_group(td->dh) != g)) {
			ike_dh_free(td->dh);
			td->dh = ike_dh_new(e->crypto, g);
			if (td->dh)
				return TASK_AGAIN;
		}
	}
	for (unsigned i = 0; i < m->n_notify; i++) {
		if (m->notify[i].type > IKE_N_ERROR_MAX)
			continue;
		/* A refused CHILD SA does not hurt the IKE SA (RFC 7296 1.3). */
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.failed",
			   "child=%d reason=%s%s", td ? td->ci : -1,
			   ike_name_notify(m->notify[i].type), rekey ? " rekey=1" : "");
		goto out;
	}
	struct ike_suite esp;
	bool esn;
	uint8_t spi[8], spi_size = 0;
	if (!td || !m->has_sa || !m->has_nonce || !m->has_tsi || !m->has_tsr || !m->tsi.n ||
	    !m->tsr.n || prop_read_reply(&m->sa, &esp, &esn, spi, &spi_size) < 0 ||
	    spi_size != 4 || (td->dh && (!m->has_ke || m->ke.group != ike_dh_group(td->dh)))) {
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.failed",
			   "reason=\"bad CREATE_CHILD_SA response\"");
		goto out;
	}
	uint8_t gir[IKE_DH_MAX_LEN];
	size_t gir_len = 0;
	if (td->dh) {
		gir_len = sizeof(gir);
		if (ike_dh_shared(td->dh, m->ke.data, m->ke.len, gir, &gir_len) < 0)
			goto out;
	}
	struct childsa *c = childsa_add(sa);
	if (!c) {
		rc = -ENOMEM;
		goto out;
	}
	c->cfg = td->ci;
	c->spi_in = td->spi_in;
	c->spi_out = spi32(spi);
	c->esp = esp;
	c->esn = esn;
	c->transport = ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) != NULL;
	childsa_set_ts(c, &m->tsi, &m->tsr);
	c->exch_init = true;
	c->rekeys_spi_in = rekey ? td->old_spi_in : 0;
	int krc = child_established(sa, c, td->nonce, sizeof(td->nonce), m->nonce.data,
				    m->nonce.len, gir_len ? gir : NULL, gir_len);
	memset(gir, 0, sizeof(gir));
	if (krc < 0) {
		/* No keys: unusable here, while the peer holds it; delete it
		 * (the one a rekey meant to replace stays until it expires). */
		c->replaced = true;
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.failed",
			   "reason=child_keys spi_in=%08x", c->spi_in);
		sa_queue_task(sa, TASK_CHILD_DELETE, (int)c->spi_in);
		goto out;
	}
	if (rekey) {
		struct childsa *old = childsa_find_in(sa, td->old_spi_in);
		e->cnt.child_rekeyed++;
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.rekeyed",
			   "old_spi_in=%08x new_spi_in=%08x", td->old_spi_in, c->spi_in);
		engine_child_armed(sa, c);
		uint8_t mine[SA_NONCE_CMP];
		uint8_t ml = nonce_min(td->nonce, sizeof(td->nonce), m->nonce.data, m->nonce.len,
				       mine);
		if (old && old->collide_spi_in &&
		    nonce_cmp(mine, ml, old->collide_min, old->collide_min_len) < 0) {
			/* Both rekeyed it; ours has the lowest nonce: ours goes,
			 * and the peer deletes the old one (RFC 7296 2.8.1). */
			wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
				   "child.rekey.collision", "lost=%08x kept=%08x", c->spi_in,
				   old->collide_spi_in);
			c->replaced = true;
			sa_queue_task(sa, TASK_CHILD_DELETE, (int)c->spi_in);
		} else {
			if (old && old->collide_spi_in)
				wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
					   "child.rekey.collision", "lost=%08x kept=%08x",
					   old->collide_spi_in, c->spi_in);
			sa_queue_task(sa, TASK_CHILD_DELETE, (int)td->old_spi_in);
		}
		if (old)
			old->replaced = true;
	} else {
		engine_child_armed(sa, c);
	}
out:
	if (rekey && td) {
		struct childsa *old = childsa_find_in(sa, td->old_spi_in);
		if (old) {
			old->rekeying = false;
			if (old->collide_spi_in)
				old->replaced = true; /* the peer's rekey stands */
		}
	}
	task_data_free(sa);
	return rc;
}

static int child_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			 size_t len)
{
	(void)raw;
	(void)len;
	return child_process_common(sa, m, false);
}

static int child_rekey_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			       size_t len)
{
	(void)raw;
	(void)len;
	return child_process_common(sa, m, true);
}

const struct task_ops task_child_ops = {
	.name = "child",
	.exchange = IKE_EXCH_CREATE_CHILD_SA,
	.build_req = child_build,
	.process_resp = child_process,
};

const struct task_ops task_child_rekey_ops = {
	.name = "child_rekey",
	.exchange = IKE_EXCH_CREATE_CHILD_SA,
	.build_req = child_rekey_build,
	.process_resp = child_rekey_process,
};

/* ---- responder --------------------------------------------------------- */

int task_child_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out)
{
	struct engine *e = sa->eng;
	const struct ike_notify *rk = ike_msg_notify(m, IKE_N_REKEY_SA);
	struct childsa *old = NULL;
	if (!m->has_sa || !m->has_nonce || !m->has_tsi || !m->has_tsr) {
		ike_add_notify_simple(&out->b, IKE_N_INVALID_SYNTAX, NULL, 0);
		return -EBADMSG;
	}
	if (rk) {
		old = rk->spi_size == 4 ? childsa_find_out(sa, spi32(rk->spi)) : NULL;
		if (old && old->replaced) {
			/* Already replaced by a rekey of ours: it is being deleted. */
			ike_add_notify_simple(&out->b, IKE_N_TEMPORARY_FAILURE, NULL, 0);
			return 0;
		}
		if (!old) {
			struct ike_notify n = { .protocol = IKE_PROTO_ESP, .spi_size = rk->spi_size,
						.spi = rk->spi, .type = IKE_N_CHILD_SA_NOT_FOUND };
			ike_add_notify(&out->b, &n);
			return 0;
		}
	}
	uint16_t want_dh = m->has_ke ? m->ke.group : 0;
	struct childsa tmp = { 0 };
	struct ike_ts_list tsi, tsr;
	uint8_t num = 0;
	uint16_t notify = 0;
	if (child_select(sa, m, want_dh, &tmp, &tsi, &tsr, &num, &notify) < 0) {
		ike_add_notify_simple(&out->b, notify, NULL, 0);
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.refused",
			   "reason=%s", ike_name_notify(notify));
		return 0;
	}
	uint8_t gir[IKE_DH_MAX_LEN];
	size_t gir_len = 0;
	struct ike_dh *dh = NULL;
	if (want_dh) {
		gir_len = sizeof(gir);
		dh = ike_dh_new(e->crypto, want_dh);
		if (!dh || ike_dh_shared(dh, m->ke.data, m->ke.len, gir, &gir_len) < 0) {
			ike_dh_free(dh);
			ike_add_notify_simple(&out->b, IKE_N_INVALID_SYNTAX, NULL, 0);
			return -EBADMSG;
		}
	}
	uint8_t nonce[SA_NONCE_LEN];
	rand_bytes(nonce, sizeof(nonce));
	struct childsa *c = childsa_add(sa);
	if (!c) {
		ike_dh_free(dh);
		return -ENOMEM;
	}
	c->cfg = tmp.cfg;
	c->spi_out = tmp.spi_out;
	c->esp = tmp.esp;
	c->esn = tmp.esn;
	c->transport = tmp.transport;
	c->spi_in = new_esp_spi(e);
	childsa_set_ts(c, &tsr, &tsi);
	c->exch_init = false;
	c->rekeys_spi_in = old ? old->spi_in : 0;
	int rc = child_established(sa, c, m->nonce.data, m->nonce.len, nonce, sizeof(nonce),
				   gir_len ? gir : NULL, gir_len);
	memset(gir, 0, sizeof(gir));
	if (rc < 0) {
		/* No keys, no CHILD SA: the peer may try again (RFC 7296 2.21). */
		ike_dh_free(dh);
		childsa_remove(sa, c);
		ike_add_notify_simple(&out->b, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.refused",
			   "reason=child_keys");
		return 0;
	}
	uint8_t spi[4];
	put32(spi, c->spi_in);
	struct ike_sa chosen;
	if (c->transport)
		ike_add_notify_simple(&out->b, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	prop_build_chosen(num, IKE_PROTO_ESP, spi, 4, &c->esp, c->esn, want_dh != 0, false,
			  &chosen);
	ike_add_sa(&out->b, &chosen);
	ike_add_nonce(&out->b, nonce, sizeof(nonce));
	if (dh) {
		struct ike_ke ke = { .group = want_dh };
		ke.data = ike_dh_public_ref(dh, &ke.len);
		ike_add_ke(&out->b, &ke);
	}
	ike_add_ts(&out->b, IKE_PLD_TSI, &tsi);
	ike_add_ts(&out->b, IKE_PLD_TSR, &tsr);
	ike_dh_free(dh);
	if (old) {
		e->cnt.child_rekeyed++;
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.rekeyed",
			   "old_spi_in=%08x new_spi_in=%08x by=peer", old->spi_in, c->spi_in);
		/* Our own rekey of it in flight: a collision, decided when our
		 * response arrives (RFC 7296 2.8.1).  Queued only: dropped. */
		if (sa->exch.req.busy && sa->exch.req.task == TASK_CHILD_REKEY && sa->td &&
		    sa->td->old_spi_in == old->spi_in) {
			old->collide_spi_in = c->spi_in;
			old->collide_min_len = nonce_min(m->nonce.data, m->nonce.len, nonce,
							 sizeof(nonce), old->collide_min);
		} else {
			old->replaced = true; /* the peer deletes it */
		}
	}
	engine_child_armed(sa, c);
	return 0;
}
