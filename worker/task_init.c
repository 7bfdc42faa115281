/* IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.23): SA, KE, Nonce, NAT-D; the
 * initiator restarts on COOKIE and INVALID_KE_PAYLOAD; the responder
 * answers statelessly with COOKIE (when too many SAs are half open),
 * NO_PROPOSAL_CHOSEN or INVALID_KE_PAYLOAD, and creates the SA otherwise. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crypto_dh.h"
#include "proto/crypto_prf.h"
#include "proto/names.h"
#include "proto/natd.h"
#include "worker/engine.h"
#include "worker/task.h"
#include "worker/udp.h"

#define INIT_MAX_RESTARTS 4
#define COOKIE_LEN 17          /* version octet + 16 octets of HMAC */
#define COOKIE_ROTATE_NS (120 * NS_PER_SEC)

static uint8_t *memdup(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

static int natd(const struct engine *e, uint64_t spi_i, uint64_t spi_r,
		const struct ip_addr *a, uint16_t port, uint8_t out[IKE_NATD_LEN])
{
	uint8_t si[8], sr[8];
	spi_bytes(spi_i, si);
	spi_bytes(spi_r, sr);
	return ike_natd_hash_raw(e->crypto, si, sr, a->bytes, ip_addr_bits(a) / 8, port, out);
}

/* Add NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for path p. */
static int add_natd(const struct engine *e, struct ike_builder *b, uint64_t spi_i,
		    uint64_t spi_r, const struct ike_path *p)
{
	uint8_t h[IKE_NATD_LEN];
	if (natd(e, spi_i, spi_r, &p->local, p->lport, h) < 0)
		return -EIO;
	ike_add_notify_simple(b, IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (natd(e, spi_i, spi_r, &p->remote, p->rport, h) < 0)
		return -EIO;
	ike_add_notify_simple(b, IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
	return 0;
}

/* Read the peer's NAT-D: true when it sent any.  Sets nat_local (our
 * address/port was translated) and nat_remote (the peer's was). */
static bool check_natd(struct ikesa *sa, const struct ike_msg *m, uint64_t spi_r,
		       const struct ike_path *p)
{
	const struct engine *e = sa->eng;
	bool any = false, src_match = false;
	uint8_t want_src[IKE_NATD_LEN], want_dst[IKE_NATD_LEN];
	if (natd(e, sa->spi_i, spi_r, &p->remote, p->rport, want_src) < 0 ||
	    natd(e, sa->spi_i, spi_r, &p->local, p->lport, want_dst) < 0)
		return false;
	for (unsigned i = 0; i < m->n_notify; i++) {
		const struct ike_notify *n = &m->notify[i];
		if (n->type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			any = true;
			if (n->len == IKE_NATD_LEN && !memcmp(n->data, want_src, IKE_NATD_LEN))
				src_match = true;
		} else if (n->type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			any = true;
			sa->nat_local = n->len != IKE_NATD_LEN ||
					memcmp(n->data, want_dst, IKE_NATD_LEN) != 0;
		}
	}
	if (any)
		sa->nat_remote = !src_match;
	return any;
}

/* Derive the IKE SA keys and make the SK contexts. */
static int derive(struct ikesa *sa, const uint8_t *gir, size_t gir_len)
{
	struct engine *e = sa->eng;
	uint8_t si[8], sr[8];
	spi_bytes(sa->spi_i, si);
	spi_bytes(sa->spi_r, sr);
	if (!sa->keys && !(sa->keys = calloc(1, sizeof(*sa->keys))))
		return -ENOMEM;
	int rc = ike_keys_derive(e->crypto, &sa->suite, sa->ni, sa->ni_len, sa->nr, sa->nr_len,
				 si, sr, gir, gir_len, sa->keys);
	if (rc < 0)
		return rc;
	const struct ike_sa_keys *k = sa->keys;
	ikesa_keep_sk_d(sa, k);
	struct ike_sk *ski = ike_sk_new(e->crypto, &sa->suite, k->sk_ei, k->encr_len,
					k->integ_len ? k->sk_ai : NULL, k->integ_len);
	struct ike_sk *skr = ike_sk_new(e->crypto, &sa->suite, k->sk_er, k->encr_len,
					k->integ_len ? k->sk_ar : NULL, k->integ_len);
	if (!ski || !skr) {
		ike_sk_free(ski);
		ike_sk_free(skr);
		return -ENOTSUP;
	}
	sa->sk_out = sa->initiator ? ski : skr;
	sa->sk_in = sa->initiator ? skr : ski;
	struct keylog_sa kl = {
		.spi_i = sa->spi_i, .spi_r = sa->spi_r,
		.encr_id = sa->suite.encr, .encr_keybits = sa->suite.encr_keybits,
		.integ_id = sa->suite.integ,
		.sk_ei = k->sk_ei, .sk_er = k->sk_er, .sk_ai = k->sk_ai, .sk_ar = k->sk_ar,
		.ek_len = k->encr_len, .ak_len = k->integ_len,
	};
	keylog_write(&e->keylog, &kl);
	return 0;
}

/* ---- initiator ------------------------------------------------------- */

static int init_build(struct ikesa *sa, struct msg_out *m)
{
	struct engine *e = sa->eng;
	if (!sa->dh_group)
		sa->dh_group = (uint16_t)e->cfg->ikeconf.dhgrpid.v[0];
	if (!sa->dh || ike_dh_group(sa->dh) != sa->dh_group) {
		ike_dh_free(sa->dh);
		sa->dh = ike_dh_new(e->crypto, sa->dh_group);
		if (!sa->dh)
			return -ENOTSUP;
	}
	if (!sa->ni) {
		sa->ni_len = SA_NONCE_LEN;
		sa->ni = malloc(sa->ni_len);
		if (!sa->ni)
			return -ENOMEM;
		rand_bytes(sa->ni, sa->ni_len);
	}
	struct ike_sa props;
	if (sa->cookie_len)
		ike_add_notify_simple(&m->b, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	if (prop_build_ike(e, NULL, 0, &props) < 0)
		return -ENOBUFS;
	ike_add_sa(&m->b, &props);
	struct ike_ke ke = { .group = sa->dh_group };
	ke.data = ike_dh_public_ref(sa->dh, &ke.len);
	ike_add_ke(&m->b, &ke);
	ike_add_nonce(&m->b, sa->ni, sa->ni_len);
	return add_natd(e, &m->b, sa->spi_i, 0, &sa->path);
}

static const char *error_notify(const struct ike_msg *m, uint16_t *type)
{
	for (unsigned i = 0; i < m->n_notify; i++)
		if (m->notify[i].type <= IKE_N_ERROR_MAX) {
			if (type)
				*type = m->notify[i].type;
			return ike_name_notify(m->notify[i].type);
		}
	return NULL;
}

static int init_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			size_t raw_len)
{
	struct engine *e = sa->eng;
	const struct ike_notify *n;
	if ((n = ike_msg_notify(m, IKE_N_COOKIE))) {
		if (n->len < 1 || n->len > SA_COOKIE_MAX || sa->init_retries++ >= INIT_MAX_RESTARTS) {
			sa->why = "COOKIE";
			return -EPROTO;
		}
		memcpy(sa->cookie, n->data, n->len);
		sa->cookie_len = (uint8_t)n->len;
		wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, sa->spi_i, "ike.init.cookie",
			   "len=%zu", n->len);
		return TASK_AGAIN;
	}
	if ((n = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD))) {
		uint16_t g = n->len == 2 ? (uint16_t)(n->data[0] << 8 | n->data[1]) : 0;
		if (!g || g == sa->dh_group || !group_listed(g, &e->cfg->ikeconf.dhgrpid) ||
		    sa->init_retries++ >= INIT_MAX_RESTARTS) {
			sa->why = "INVALID_KE_PAYLOAD";
			return -EPROTO;
		}
		wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, sa->spi_i, "ike.init.invalid_ke",
			   "group=%u asked=%u", sa->dh_group, g);
		sa->dh_group = g;
		return TASK_AGAIN;
	}
	const char *err = error_notify(m, NULL);
	if (err) {
		sa->why = err;
		return -EPROTO;
	}
	if (!m->has_sa || !m->has_ke || !m->has_nonce || !m->hdr.spi_r ||
	    m->nonce.len < 16 || m->nonce.len > IKE_NONCE_MAX) {
		sa->why = "bad IKE_SA_INIT response";
		return -EBADMSG;
	}
	bool esn;
	if (prop_read_reply(&m->sa, &sa->suite, &esn, NULL, NULL) < 0 ||
	    sa->suite.dh != sa->dh_group || m->ke.group != sa->dh_group ||
	    ike_suite_check(&sa->suite, false) < 0) {
		sa->why = "bad proposal in IKE_SA_INIT response";
		return -EBADMSG;
	}
	uint8_t gir[IKE_DH_MAX_LEN];
	size_t gir_len = sizeof(gir);
	if (ike_dh_shared(sa->dh, m->ke.data, m->ke.len, gir, &gir_len) < 0) {
		sa->why = "bad KE";
		return -EBADMSG;
	}
	sa->spi_r = m->hdr.spi_r;
	sa->nr_len = m->nonce.len;
	sa->nr = memdup(m->nonce.data, m->nonce.len);
	sa->init_req = memdup(sa->exch.req.pkt, sa->exch.req.len);
	sa->init_req_len = sa->exch.req.len;
	sa->init_resp = memdup(raw, raw_len);
	sa->init_resp_len = raw_len;
	if (!sa->nr || !sa->init_req || !sa->init_resp)
		return -ENOMEM;
	bool natd_seen = check_natd(sa, m, sa->spi_r, &sa->path);
	int rc = derive(sa, gir, gir_len);
	memset(gir, 0, sizeof(gir));
	if (rc < 0) {
		sa->why = "key derivation";
		return rc;
	}
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	/* Move to the NAT-T port for IKE_AUTH when NAT-D was exchanged, as
	 * strongSwan does, and always with MOBIKE (RFC 4555 3.3; MOBIKE.md
	 * "Ports"). */
	if ((natd_seen || e->cfg->mobike) && sa->path.rport == IKE_PORT) {
		sa->natt = true;
		sa->path.lport = IKE_NATT_PORT;
		sa->path.rport = IKE_NATT_PORT;
	}
	sa_state(sa, IKE_S_CREATED, NULL);
	return sa_queue_task(sa, TASK_AUTH, 0);
}

const struct task_ops task_init_ops = {
	.name = "init",
	.exchange = IKE_EXCH_SA_INIT,
	.build_req = init_build,
	.process_resp = init_process,
};

/* ---- responder ------------------------------------------------------- */

/* An unprotected IKE_SA_INIT response carrying one notify, no state kept. */
static void send_stateless(struct engine *e, const struct ike_path *to,
			   const struct ike_hdr *req, uint16_t type, const void *data,
			   size_t len)
{
	struct ike_hdr h = {
		.spi_i = req->spi_i, .spi_r = 0, .version = IKE_VERSION,
		.exchange = req->exchange, .flags = IKE_FLAG_RESPONSE, .msgid = req->msgid,
	};
	uint8_t buf[256];
	struct ike_writer w;
	struct ike_builder b;
	ike_wr_init(&w, buf, sizeof(buf));
	ike_build_begin(&b, &w, &h);
	ike_add_notify_simple(&b, type, data, len);
	if (ike_build_end(&b) == IKE_OK)
		engine_send(e, to, w.data, w.len);
}

static void cookie_compute(struct engine *e, uint8_t ver, const struct ike_msg *m,
			   const struct ike_path *from, uint8_t out[COOKIE_LEN])
{
	/* COOKIE = version | prf(secret, Ni | IPi | SPIi)  (RFC 7296 2.6) */
	uint8_t spi[8], mac[IKE_PRF_MAX_LEN], key[33];
	spi_bytes(m->hdr.spi_i, spi);
	memcpy(key, e->cookie_secret, 32);
	key[32] = ver; /* the previous secret is this one with the old version */
	struct ike_chunk in[3] = {
		{ m->nonce.data, m->nonce.len },
		{ from->remote.bytes, ip_addr_bits(&from->remote) / 8 },
		{ spi, 8 },
	};
	ike_prf(e->crypto, IKE_PRF_HMAC_SHA2_256, key, sizeof(key), in, 3, mac);
	out[0] = ver;
	memcpy(out + 1, mac, COOKIE_LEN - 1);
}

/* 1 when a cookie is required and the request lacks a valid one (a
 * COOKIE response went out), 0 when the request may proceed. */
static int cookie_gate(struct engine *e, const struct ike_msg *m, const struct ike_path *from)
{
	int64_t limit = e->cfg->ikeconf.numoftunneltoenablecookie;
	if (limit < 0 || (int64_t)e->n_half_open < limit)
		return 0;
	uint64_t now = engine_now(e);
	if (now - e->cookie_rotated_ns > COOKIE_ROTATE_NS) {
		/* Rotate: a new version number; the key includes it, so the
		 * previous version's cookies still verify for one period. */
		e->cookie_ver++;
		e->cookie_rotated_ns = now;
	}
	const struct ike_notify *n = ike_msg_notify(m, IKE_N_COOKIE);
	uint8_t want[COOKIE_LEN];
	if (n && n->len == COOKIE_LEN && (n->data[0] == e->cookie_ver ||
					  n->data[0] == (uint8_t)(e->cookie_ver - 1))) {
		cookie_compute(e, n->data[0], m, from, want);
		if (ike_ct_equal(want, n->data, COOKIE_LEN))
			return 0;
	}
	cookie_compute(e, e->cookie_ver, m, from, want);
	e->cnt.cookies_sent++;
	wlog_event(&e->log, WLOG_VERBOSE, -1, 0, "ike.init.cookie.sent", "spi_i=%016llx",
		   (unsigned long long)m->hdr.spi_i);
	send_stateless(e, from, &m->hdr, IKE_N_COOKIE, want, COOKIE_LEN);
	return 1;
}

int task_init_respond(struct engine *e, const struct ike_path *from, const struct ike_msg *m,
		      const uint8_t *raw, size_t raw_len)
{
	uint64_t hkey = half_open_key(m->hdr.spi_i, from);
	struct ikesa *sa = spi_map_get(&e->half_open, hkey);
	/* Past AUTH the SA may have moved (NAT-T port, MOBIKE): its key (SPIi
	 * and the IKE_SA_INIT path) is what identifies a late retransmission,
	 * dropped below (message 0 is behind), not a new SA with its own DH. */
	if (sa && sa->spi_i == m->hdr.spi_i &&
	    (sa->half_open_done || (!ip_addr_cmp(&sa->path.remote, &from->remote) &&
				    sa->path.rport == from->rport))) {
		/* A retransmitted IKE_SA_INIT: the cached response again. */
		if (m->hdr.msgid == 0 && exch_check_request(sa, 0, from) == 1)
			return 0;
		counters_drop(&e->cnt, DROP_LATE_INIT);
		wlog_event(&e->log, WLOG_DEBUG, sa->tunnel, ikesa_our_spi(sa), "rx.drop",
			   "reason=%s exchange=%u msgid=%u", drop_reason_name(DROP_LATE_INIT),
			   m->hdr.exchange, m->hdr.msgid);
		return -EALREADY;
	}
	if (!m->has_sa || !m->has_ke || !m->has_nonce || m->hdr.msgid != 0 ||
	    m->nonce.len < 16 || m->nonce.len > IKE_NONCE_MAX) {
		counters_drop(&e->cnt, DROP_BAD_INIT);
		wlog_event(&e->log, WLOG_DEBUG, -1, 0, "rx.drop", "reason=%s exchange=%u msgid=%u",
			   drop_reason_name(DROP_BAD_INIT), m->hdr.exchange, m->hdr.msgid);
		return -EBADMSG;
	}
	if (cookie_gate(e, m, from))
		return 0;
	struct ike_suite suite;
	uint8_t num;
	if (prop_select_ike(e, &m->sa, &suite, &num) < 0) {
		wlog_event(&e->log, WLOG_INFO, -1, 0, "ike.init.no_proposal",
			   "spi_i=%016llx", (unsigned long long)m->hdr.spi_i);
		send_stateless(e, from, &m->hdr, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return -ENOENT;
	}
	if (m->ke.group != suite.dh) {
		if (group_listed(m->ke.group, &e->cfg->ikeconf.dhgrpid) &&
		    prop_group_offered(&m->sa, num, m->ke.group)) {
			suite.dh = m->ke.group;
		} else {
			uint8_t g[2] = { suite.dh >> 8, suite.dh & 0xff };
			wlog_event(&e->log, WLOG_VERBOSE, -1, 0, "ike.init.invalid_ke.sent",
				   "got=%u want=%u", m->ke.group, suite.dh);
			send_stateless(e, from, &m->hdr, IKE_N_INVALID_KE_PAYLOAD, g, 2);
			return -EAGAIN;
		}
	}
	if (!e->t_first_ns)
		e->t_first_ns = engine_now(e) ? engine_now(e) : 1;
	sa = ikesa_new(e, false, e->gw_seq++, from, 0);
	if (!sa)
		return -ENOMEM;
	sa->spi_i = m->hdr.spi_i;
	sa->suite = suite;
	sa->dh_group = suite.dh;
	int rc = -ENOMEM;
	uint8_t gir[IKE_DH_MAX_LEN];
	size_t gir_len = sizeof(gir);
	sa->dh = ike_dh_new(e->crypto, suite.dh);
	if (!sa->dh || ike_dh_shared(sa->dh, m->ke.data, m->ke.len, gir, &gir_len) < 0) {
		sa->why = "bad KE";
		rc = -EBADMSG;
		goto fail;
	}
	sa->ni_len = m->nonce.len;
	sa->ni = memdup(m->nonce.data, m->nonce.len);
	sa->nr_len = SA_NONCE_LEN;
	sa->nr = malloc(SA_NONCE_LEN);
	sa->init_req = memdup(raw, raw_len);
	sa->init_req_len = raw_len;
	if (!sa->ni || !sa->nr || !sa->init_req)
		goto fail;
	rand_bytes(sa->nr, SA_NONCE_LEN);
	bool natd_seen = check_natd(sa, m, 0, from);

	struct msg_out *out = malloc(sizeof(*out));
	if (!out)
		goto fail;
	struct ike_sa chosen;
	prop_build_chosen(num, IKE_PROTO_IKE, NULL, 0, &suite, false, true, true, &chosen);
	msg_begin(sa, out, IKE_EXCH_SA_INIT, true, 0, false);
	ike_add_sa(&out->b, &chosen);
	struct ike_ke ke = { .group = suite.dh };
	ke.data = ike_dh_public_ref(sa->dh, &ke.len);
	ike_add_ke(&out->b, &ke);
	ike_add_nonce(&out->b, sa->nr, sa->nr_len);
	if (natd_seen)
		add_natd(e, &out->b, sa->spi_i, sa->spi_r, from);
	const uint8_t *pkt;
	size_t len;
	rc = msg_finish(sa, out, &pkt, &len);
	if (rc == 0) {
		sa->init_resp = memdup(pkt, len);
		sa->init_resp_len = len;
		rc = sa->init_resp ? derive(sa, gir, gir_len) : -ENOMEM;
	}
	if (rc == 0)
		rc = exch_send_response(sa, 0, pkt, len, from);
	free(out);
	memset(gir, 0, sizeof(gir));
	if (rc < 0) {
		sa->why = "IKE_SA_INIT response";
		goto fail;
	}
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	sa->natt = natd_seen;
	if (hkey && spi_map_add(&e->half_open, hkey, sa) == 0) {
		sa->half_open_key = hkey;
		e->n_half_open++;
	}
	sa_state(sa, IKE_S_CREATED, NULL);
	/* A half-open SA that never authenticates goes away. */
	uint64_t rt = e->cfg->ikeconf.retraninterval_ns;
	engine_timer_in(e, &sa->life_timer, rt * (uint64_t)(e->cfg->ikeconf.maxretran + 2));
	return 0;
fail:
	engine_sa_fail(sa, sa->why ? sa->why : "IKE_SA_INIT");
	return rc;
}
