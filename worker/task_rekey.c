/* IKE SA rekey with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18): a new IKE SA
 * with new SPIs, nonces and DH, keys from the old SA's SK_d; the CHILD
 * SAs move to it and the rekey's initiator deletes the old IKE SA.
 * A rekey request while our own IKE rekey is in flight is answered with
 * TEMPORARY_FAILURE (RFC 7296 2.25), so a collision ends with one new SA. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crypto_dh.h"
#include "proto/keys.h"
#include "worker/engine.h"
#include "worker/mobike.h"
#include "worker/task.h"

static uint64_t spi64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Keys, SK contexts and keylog record of a rekeyed SA n (old: sa). */
static int rekey_derive(struct ikesa *sa, struct ikesa *n, const uint8_t *ni, size_t ni_len,
			const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len)
{
	struct engine *e = sa->eng;
	uint8_t si[8], sr[8];
	spi_bytes(n->spi_i, si);
	spi_bytes(n->spi_r, sr);
	struct ike_sa_keys keys;
	int rc = ike_keys_derive_rekey(e->crypto, sa->suite.prf, sa->sk_d, sa->sk_d_len,
				       &n->suite, ni, ni_len, nr, nr_len, si, sr, gir, gir_len,
				       &keys);
	if (rc < 0) {
		ike_sa_keys_wipe(&keys);
		return rc;
	}
	const struct ike_sa_keys *k = &keys;
	ikesa_keep_sk_d(n, k);
	struct ike_sk *ski = ike_sk_new(e->crypto, &n->suite, k->sk_ei, k->encr_len,
					k->integ_len ? k->sk_ai : NULL, k->integ_len);
	struct ike_sk *skr = ike_sk_new(e->crypto, &n->suite, k->sk_er, k->encr_len,
					k->integ_len ? k->sk_ar : NULL, k->integ_len);
	if (!ski || !skr) {
		ike_sk_free(ski);
		ike_sk_free(skr);
		ike_sa_keys_wipe(&keys);
		return -ENOTSUP;
	}
	n->sk_out = n->initiator ? ski : skr;
	n->sk_in = n->initiator ? skr : ski;
	struct keylog_sa kl = {
		.spi_i = n->spi_i, .spi_r = n->spi_r,
		.encr_id = n->suite.encr, .encr_keybits = n->suite.encr_keybits,
		.integ_id = n->suite.integ,
		.sk_ei = k->sk_ei, .sk_er = k->sk_er, .sk_ai = k->sk_ai, .sk_ar = k->sk_ar,
		.ek_len = k->encr_len, .ak_len = k->integ_len,
	};
	keylog_write(&e->keylog, &kl);
	/* The new SA keeps SK_d; the SK keys are in its ike_sk pair. */
	ike_sa_keys_wipe(&keys);
	return 0;
}

/* Move the CHILD SAs and the tunnel from the old SA to the new one and
 * bring the new one up. */
static void rekey_switch(struct ikesa *sa, struct ikesa *n)
{
	struct engine *e = sa->eng;
	n->children = sa->children;
	n->n_children = sa->n_children;
	for (struct childsa *c = n->children; c; c = c->next)
		c->ike = n;
	sa->children = NULL;
	sa->n_children = 0;
	/* CHILD tasks waiting on the old SA go on with the new one. */
	for (unsigned i = 0; i < sa->taskq_n; i++) {
		enum task_kind k = sa->taskq[i];
		if ((k == TASK_CHILD || k == TASK_CHILD_REKEY || k == TASK_CHILD_DELETE) &&
		    n->taskq_n < SA_TASKQ) {
			n->taskq[n->taskq_n] = (uint8_t)k;
			n->taskq_arg[n->taskq_n++] = sa->taskq_arg[i];
		}
	}
	sa->taskq_n = 0;
	/* has_child: the old SA no longer has children, the new one does. */
	n->tun = sa->tun;
	if (n->tun)
		n->tun->sa = n;
	sa->tun = NULL;
	n->path = sa->path;
	n->natt = sa->natt;
	n->nat_local = sa->nat_local;
	memcpy(n->peer_id, sa->peer_id, sizeof(n->peer_id));
	n->nat_remote = sa->nat_remote;
	n->established_once = true;
	sa_state(n, IKE_S_CREATED, NULL);
	sa_state(n, IKE_S_ESTABLISHED, "rekey");
	e->cnt.ike_rekeyed++;
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ike.rekey.done",
		   "new=%016llx children=%u", (unsigned long long)ikesa_our_spi(n), n->n_children);
	engine_sa_established(e, n);
	mobike_rekeyed(sa, n);
	ra_rekeyed(sa, n);
	if (!n->tun)
		engine_peer_id_seen(e, n, false); /* gateway: the new SA stands for the peer */
	sa_state(sa, IKE_S_REKEYED, NULL);
	engine_timer_cancel(e, &sa->dpd_timer);
	engine_timer_cancel(e, &sa->rekey_timer);
	/* Whoever deletes the old SA (us or the peer), it must not linger. */
	uint64_t rt = e->cfg->ikeconf.retraninterval_ns;
	engine_timer_in(e, &sa->life_timer, rt * (uint64_t)(e->cfg->ikeconf.maxretran + 2));
}

/* ---- initiator ------------------------------------------------------- */

static int rekey_build(struct ikesa *sa, struct msg_out *m)
{
	struct engine *e = sa->eng;
	struct task_data *td = sa->td;
	if (sa->state == IKE_S_REKEYED || sa->state == IKE_S_CLOSING)
		return -ECANCELED; /* the peer rekeyed it first */
	if (!td) {
		td = sa->td = calloc(1, sizeof(*td));
		if (!td)
			return -ENOMEM;
		rand_bytes(td->nonce, sizeof(td->nonce));
		td->new_sa = ikesa_new(e, true, sa->tunnel, &sa->path, 0);
		if (!td->new_sa)
			return -ENOMEM;
		td->new_sa->why = NULL;
	}
	if (!td->dh && !(td->dh = ike_dh_new(e->crypto, sa->suite.dh)))
		return -ENOTSUP;
	if (sa->state == IKE_S_ESTABLISHED)
		sa_state(sa, IKE_S_REKEYING, NULL);
	uint8_t spi[8];
	spi_bytes(td->new_sa->spi_i, spi);
	struct ike_sa props;
	if (prop_build_ike(e, spi, 8, &props) < 0)
		return -ENOBUFS;
	ike_add_sa(&m->b, &props);
	ike_add_nonce(&m->b, td->nonce, sizeof(td->nonce));
	struct ike_ke ke = { .group = ike_dh_group(td->dh) };
	ke.data = ike_dh_public_ref(td->dh, &ke.len);
	ike_add_ke(&m->b, &ke);
	return 0;
}

static int rekey_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			 size_t len)
{
	(void)raw;
	(void)len;
	struct engine *e = sa->eng;
	struct task_data *td = sa->td;
	const struct ike_notify *n;
	if (sa->state == IKE_S_REKEYING)
		sa_state(sa, IKE_S_ESTABLISHED, NULL);
	if ((n = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD)) && n->len == 2 && td) {
		uint16_t g = (uint16_t)(n->data[0] << 8 | n->data[1]);
		if (group_listed(g, &e->cfg->ikeconf.dhgrpid) && ike_dh_group(td->dh) != g) {
			ike_dh_free(td->dh);
			td->dh = ike_dh_new(e->crypto, g);
			if (td->dh)
				return TASK_AGAIN;
		}
	}
	struct ike_suite s;
	bool esn;
	uint8_t spi[8], spi_size = 0;
	uint8_t gir[IKE_DH_MAX_LEN];
	size_t gir_len = sizeof(gir);
	if (!td || !m->has_sa || !m->has_nonce || !m->has_ke ||
	    prop_read_reply(&m->sa, &s, &esn, spi, &spi_size) < 0 || spi_size != 8 ||
	    s.dh != ike_dh_group(td->dh) || m->ke.group != s.dh ||
	    ike_suite_check(&s, false) < 0 ||
	    ike_dh_shared(td->dh, m->ke.data, m->ke.len, gir, &gir_len) < 0) {
		/* Refused (TEMPORARY_FAILURE, NO_PROPOSAL_CHOSEN...): keep the
		 * old SA and try again at the next margin. */
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ike.rekey.failed",
			   NULL);
		task_data_free(sa);
		if (sa->collide_sa) {
			/* The peer's simultaneous rekey went through: it stands,
			 * and the peer deletes this SA. */
			struct ikesa *peers = sa->collide_sa;
			sa->collide_sa = peers->collide_of = NULL;
			rekey_switch(sa, peers);
			return 0;
		}
		uint64_t d = e->cfg->ikeconf.margintime_ns / 2;
		if (d)
			engine_timer_in(e, &sa->rekey_timer, d);
		return 0;
	}
	struct ikesa *nsa = td->new_sa;
	nsa->spi_r = spi64(spi);
	nsa->suite = s;
	int rc = rekey_derive(sa, nsa, td->nonce, sizeof(td->nonce), m->nonce.data, m->nonce.len,
			      gir, gir_len);
	memset(gir, 0, sizeof(gir));
	if (rc < 0) {
		task_data_free(sa);
		return rc;
	}
	uint8_t mine[SA_NONCE_CMP];
	uint8_t ml = nonce_min(td->nonce, sizeof(td->nonce), m->nonce.data, m->nonce.len, mine);
	td->new_sa = NULL;
	task_data_free(sa);
	struct ikesa *peers = sa->collide_sa;
	if (peers) {
		sa->collide_sa = peers->collide_of = NULL;
		bool ours_lost = nonce_cmp(mine, ml, sa->collide_min, sa->collide_min_len) < 0;
		struct ikesa *lost = ours_lost ? nsa : peers, *kept = ours_lost ? peers : nsa;
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ike.rekey.collision",
			   "kept=%016llx lost=%016llx", (unsigned long long)ikesa_our_spi(kept),
			   (unsigned long long)ikesa_our_spi(lost));
		if (ours_lost) {
			/* RFC 7296 2.8.2: the new SA with the lowest nonce is
			 * deleted by its maker (us); the peer's survives and its
			 * maker deletes the old SA. */
			rekey_switch(sa, peers);
			nsa->established_once = true;
			nsa->why = "rekey collision";
			sa_state(nsa, IKE_S_CREATED, NULL);
			return sa_queue_task(nsa, TASK_DELETE, 0);
		}
		/* Ours survives: the peer deletes the one it made; we delete
		 * the old SA as usual. */
	}
	rekey_switch(sa, nsa);
	sa->why = "rekeyed";
	sa_kick(nsa);
	return sa_queue_task(sa, TASK_DELETE, 0);
}

const struct task_ops task_ike_rekey_ops = {
	.name = "ike_rekey",
	.exchange = IKE_EXCH_CREATE_CHILD_SA,
	.build_req = rekey_build,
	.process_resp = rekey_process,
};

/* ---- responder ------------------------------------------------------- */

int task_ike_rekey_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out)
{
	struct engine *e = sa->eng;
	/* Our own IKE rekey in flight: a collision (RFC 7296 2.8.2), decided
	 * when our response arrives.  One only queued is dropped when it
	 * starts (the SA is REKEYED by then). */
	bool colliding = sa->exch.req.busy && sa->exch.req.task == TASK_IKE_REKEY;
	/* During our MOBIKE update too: the new SA takes the path and sends
	 * the update again (mobike_rekeyed). */
	if ((sa->state != IKE_S_ESTABLISHED && sa->state != IKE_S_UPDATINGADDR &&
	     !(colliding && sa->state == IKE_S_REKEYING)) ||
	    sa->collide_sa) {
		ike_add_notify_simple(&out->b, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return 0;
	}
	struct ike_suite s;
	uint8_t num;
	if (!m->has_nonce || !m->has_ke || m->sa.prop[0].spi_size != 8 ||
	    prop_select_ike(e, &m->sa, &s, &num) < 0) {
		ike_add_notify_simple(&out->b, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return 0;
	}
	const struct ike_proposal *pp = NULL;
	for (unsigned i = 0; i < m->sa.n_prop; i++)
		if (m->sa.prop[i].num == num)
			pp = &m->sa.prop[i];
	if (m->ke.group != s.dh) {
		if (group_listed(m->ke.group, &e->cfg->ikeconf.dhgrpid) &&
		    prop_group_offered(&m->sa, num, m->ke.group)) {
			s.dh = m->ke.group;
		} else {
			uint8_t g[2] = { s.dh >> 8, s.dh & 0xff };
			ike_add_notify_simple(&out->b, IKE_N_INVALID_KE_PAYLOAD, g, 2);
			return 0;
		}
	}
	struct ike_dh *dh = ike_dh_new(e->crypto, s.dh);
	uint8_t gir[IKE_DH_MAX_LEN];
	size_t gir_len = sizeof(gir);
	if (!dh || !pp || ike_dh_shared(dh, m->ke.data, m->ke.len, gir, &gir_len) < 0) {
		ike_dh_free(dh);
		ike_add_notify_simple(&out->b, IKE_N_INVALID_SYNTAX, NULL, 0);
		return -EBADMSG;
	}
	struct ikesa *n = ikesa_new(e, false, sa->tunnel, &sa->path, 0);
	if (!n) {
		ike_dh_free(dh);
		return -ENOMEM;
	}
	n->spi_i = spi64(pp->spi);
	n->suite = s;
	uint8_t nonce[SA_NONCE_LEN];
	rand_bytes(nonce, sizeof(nonce));
	int rc = rekey_derive(sa, n, m->nonce.data, m->nonce.len, nonce, sizeof(nonce), gir,
			      gir_len);
	memset(gir, 0, sizeof(gir));
	if (rc < 0) {
		ike_dh_free(dh);
		sa_state(n, IKE_S_CLOSED, "rekey failed");
		ikesa_free(n);
		ike_add_notify_simple(&out->b, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return 0;
	}
	uint8_t spi[8];
	spi_bytes(n->spi_r, spi);
	struct ike_sa chosen;
	prop_build_chosen(num, IKE_PROTO_IKE, spi, 8, &s, false, true, true, &chosen);
	ike_add_sa(&out->b, &chosen);
	ike_add_nonce(&out->b, nonce, sizeof(nonce));
	struct ike_ke ke = { .group = s.dh };
	ke.data = ike_dh_public_ref(dh, &ke.len);
	ike_add_ke(&out->b, &ke);
	ike_dh_free(dh);
	if (colliding) {
		sa->collide_sa = n;
		n->collide_of = sa;
		n->established_once = true; /* a rekey, never a new tunnel */
		sa_state(n, IKE_S_CREATED, NULL);
		sa->collide_min_len = nonce_min(m->nonce.data, m->nonce.len, nonce, sizeof(nonce),
						sa->collide_min);
		/* Should the peer never settle it, it goes with the half-open
		 * timeout. */
		uint64_t rt = e->cfg->ikeconf.retraninterval_ns;
		engine_timer_in(e, &n->life_timer, rt * (uint64_t)(e->cfg->ikeconf.maxretran + 2));
		return 0;
	}
	/* The response goes out on the old SA (built into out already, sealed
	 * by the caller with the old keys). */
	rekey_switch(sa, n);
	return 0;
}
