/* IKE_AUTH (RFC 7296 1.2, 2.15): IDi/IDr, AUTH with a pre-shared key, and
 * the first CHILD SA (SA, TSi, TSr; INITIAL_CONTACT, USE_TRANSPORT_MODE).
 * A responder that cannot verify the AUTH answers AUTHENTICATION_FAILED
 * and drops the half-open SA; nothing else changes. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/auth.h"
#include "proto/names.h"
#include "worker/engine.h"
#include "worker/mobike.h"
#include "worker/task.h"

#define ID_MAX 256

/* Our identity per `myid`: "client-src-addr" (the path's local address),
 * an address, an RFC822 name (with '@') or an FQDN; "&d" becomes the
 * tunnel index.  Writes the ID payload body (type, 3 reserved, data) into
 * body and returns its length, or -errno. */
static int own_id(const struct ikesa *sa, uint8_t *body, size_t cap)
{
	const char *myid = sa->eng->cfg->ikeconf.myid;
	char text[ID_MAX];
	size_t n = 0;
	if (!myid || !*myid || strcmp(myid, "client-src-addr") == 0) {
		const struct ip_addr *a = &sa->path.local;
		size_t alen = ip_addr_bits(a) / 8;
		body[0] = alen == 16 ? IKE_ID_IPV6_ADDR : IKE_ID_IPV4_ADDR;
		memset(body + 1, 0, 3);
		memcpy(body + 4, a->bytes, alen);
		return (int)(4 + alen);
	}
	for (const char *p = myid; *p && n < sizeof(text) - 12; p++) {
		if (p[0] == '&' && p[1] == 'd') {
			n += snprintf(text + n, sizeof(text) - n, "%d", sa->tunnel < 0 ? 0 : sa->tunnel);
			p++;
		} else {
			text[n++] = *p;
		}
	}
	text[n] = 0;
	struct ip_addr a;
	if (ip_addr_parse(text, &a) == 0) {
		size_t alen = ip_addr_bits(&a) / 8;
		body[0] = alen == 16 ? IKE_ID_IPV6_ADDR : IKE_ID_IPV4_ADDR;
		memset(body + 1, 0, 3);
		memcpy(body + 4, a.bytes, alen);
		return (int)(4 + alen);
	}
	if (4 + n > cap)
		return -ENAMETOOLONG;
	body[0] = strchr(text, '@') ? IKE_ID_RFC822_ADDR : IKE_ID_FQDN;
	memset(body + 1, 0, 3);
	memcpy(body + 4, text, n);
	return (int)(4 + n);
}

/* The peer's identity as text: an address, or the FQDN/RFC822 name
 * (non-printable octets as '?'); other types as "type:N". */
static void id_text(const struct ike_id *id, char *out, size_t n)
{
	struct ip_addr a = { 0 };
	if ((id->type == IKE_ID_IPV4_ADDR && id->len == 4) ||
	    (id->type == IKE_ID_IPV6_ADDR && id->len == 16)) {
		a.family = id->len == 4 ? 2 : 10; /* AF_INET, AF_INET6 */
		memcpy(a.bytes, id->data, id->len);
		ip_addr_format(&a, out, n);
	} else if (id->type == IKE_ID_FQDN || id->type == IKE_ID_RFC822_ADDR) {
		size_t k = 0;
		for (; k < id->len && k + 1 < n; k++)
			out[k] = id->data[k] > 0x20 && id->data[k] < 0x7f ? (char)id->data[k] : '?';
		out[k] = 0;
	} else {
		snprintf(out, n, "type:%u", id->type);
	}
}

/* matchpeerid: the peer's ID must be `peerid` ("&d": the tunnel index on
 * a client, any number on the gateway).  True when it matches or when no
 * match is asked for. */
static bool peer_id_ok(const struct ikesa *sa)
{
	const struct conf_ike *ic = &sa->eng->cfg->ikeconf;
	if (!ic->matchpeerid || !ic->peerid || !*ic->peerid)
		return true;
	const char *p = ic->peerid, *v = sa->peer_id;
	while (*p) {
		if (p[0] == '&' && p[1] == 'd') {
			char num[16];
			if (sa->tun) {
				snprintf(num, sizeof(num), "%d", sa->tunnel);
				size_t k = strlen(num);
				if (strncmp(v, num, k) != 0)
					return false;
				v += k;
			} else {
				if (*v < '0' || *v > '9')
					return false;
				while (*v >= '0' && *v <= '9')
					v++;
			}
			p += 2;
		} else if (*p++ != *v++) {
			return false;
		}
	}
	return *v == 0;
}

static int psk_auth(const struct ikesa *sa, bool ours_initiator, const uint8_t *id_body,
		    size_t id_len, uint8_t *out)
{
	/* The initiator signs the IKE_SA_INIT request and Nr with SK_pi; the
	 * responder its response and Ni with SK_pr. */
	const struct engine *e = sa->eng;
	const char *psk = e->cfg->ikeconf.psk ? e->cfg->ikeconf.psk : "";
	const struct ike_sa_keys *k = sa->keys;
	if (ours_initiator)
		return ike_auth_psk(e->crypto, sa->suite.prf, (const uint8_t *)psk, strlen(psk),
				    sa->init_req, sa->init_req_len, sa->nr, sa->nr_len,
				    k->sk_pi, k->prf_len, id_body, id_len, out);
	return ike_auth_psk(e->crypto, sa->suite.prf, (const uint8_t *)psk, strlen(psk),
			    sa->init_resp, sa->init_resp_len, sa->ni, sa->ni_len, k->sk_pr,
			    k->prf_len, id_body, id_len, out);
}

static int psk_verify(const struct ikesa *sa, bool peer_initiator, const struct ike_id *id,
		      const struct ike_auth *auth)
{
	const struct engine *e = sa->eng;
	const char *psk = e->cfg->ikeconf.psk ? e->cfg->ikeconf.psk : "";
	const struct ike_sa_keys *k = sa->keys;
	if (auth->method != IKE_AUTH_SHARED_KEY)
		return -EBADMSG;
	if (peer_initiator)
		return ike_auth_psk_verify(e->crypto, sa->suite.prf, (const uint8_t *)psk,
					   strlen(psk), sa->init_req, sa->init_req_len, sa->nr,
					   sa->nr_len, k->sk_pi, k->prf_len, id->body, id->body_len,
					   auth->data, auth->len);
	return ike_auth_psk_verify(e->crypto, sa->suite.prf, (const uint8_t *)psk, strlen(psk),
				   sa->init_resp, sa->init_resp_len, sa->ni, sa->ni_len, k->sk_pr,
				   k->prf_len, id->body, id->body_len, auth->data, auth->len);
}

static void add_id_auth(struct ikesa *sa, struct msg_out *m, uint8_t pld, bool ours_initiator)
{
	uint8_t body[4 + ID_MAX];
	uint8_t authd[IKE_PRF_MAX_LEN];
	int idn = own_id(sa, body, sizeof(body));
	if (idn < 0) {
		m->b.err = IKE_ERR_INVALID_ARG;
		return;
	}
	struct ike_id id = { .type = body[0], .data = body + 4, .len = (size_t)idn - 4 };
	ike_add_id(&m->b, pld, &id);
	int an = psk_auth(sa, ours_initiator, body, (size_t)idn, authd);
	if (an < 0) {
		m->b.err = IKE_ERR_INVALID_ARG;
		return;
	}
	struct ike_auth a = { .method = IKE_AUTH_SHARED_KEY, .data = authd, .len = (size_t)an };
	ike_add_auth(&m->b, &a);
}

/* ---- initiator ------------------------------------------------------- */

static int auth_build(struct ikesa *sa, struct msg_out *m)
{
	struct engine *e = sa->eng;
	const struct conf_child *cc = &e->cfg->ikeconf.childlist[0];
	if (!sa->td && !(sa->td = calloc(1, sizeof(*sa->td))))
		return -ENOMEM;
	if (!sa->td->spi_in)
		sa->td->spi_in = new_esp_spi(e);
	sa->td->ci = 0;
	add_id_auth(sa, m, IKE_PLD_IDI, true);
	if (e->cfg->ikeconf.initialcontact)
		ike_add_notify_simple(&m->b, IKE_N_INITIAL_CONTACT, NULL, 0);
	if (!cc->tunnelmode)
		ike_add_notify_simple(&m->b, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	if (mobike_auth_build(sa, m) < 0)
		return -ENOMEM;
	struct ike_sa props;
	struct ike_ts_list tsi, tsr;
	if (prop_build_esp(e, 0, sa->td->spi_in, 0, &props) < 0)
		return -ENOBUFS;
	ts_for_tunnel(e, 0, sa->tunnel, &tsi, &tsr);
	if (ra_client_on(e))
		ra_client_build(sa, m, &tsi); /* CP(CFG_REQUEST), TSi = all */
	ike_add_sa(&m->b, &props);
	ike_add_ts(&m->b, IKE_PLD_TSI, &tsi);
	ike_add_ts(&m->b, IKE_PLD_TSR, &tsr);
	return 0;
}

static const char *first_error(const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->n_notify; i++)
		if (m->notify[i].type <= IKE_N_ERROR_MAX)
			return ike_name_notify(m->notify[i].type);
	return NULL;
}

static int auth_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			size_t raw_len)
{
	(void)raw;
	(void)raw_len;
	struct engine *e = sa->eng;
	const char *err = first_error(m);
	if (!m->has_idr || !m->has_auth) {
		sa->why = err ? err : "bad IKE_AUTH response";
		if (ike_msg_notify(m, IKE_N_AUTHENTICATION_FAILED))
			e->cnt.auth_failed++;
		return -EPROTO;
	}
	if (psk_verify(sa, false, &m->idr, &m->auth) < 0) {
		e->cnt.auth_failed++;
		sa->why = "AUTHENTICATION_FAILED (peer's AUTH)";
		return -EPERM;
	}
	id_text(&m->idr, sa->peer_id, sizeof(sa->peer_id));
	if (!peer_id_ok(sa)) {
		e->cnt.auth_failed++;
		sa->why = "peer ID does not match peerid";
		return -EPERM;
	}
	/* The IKE SA is authenticated; now the CHILD SA. */
	struct ike_suite esp;
	bool esn;
	uint8_t spi[8], spi_size = 0;
	if (err || !m->has_sa || !m->has_tsi || !m->has_tsr || !m->tsi.n || !m->tsr.n ||
	    prop_read_reply(&m->sa, &esp, &esn, spi, &spi_size) < 0 || spi_size != 4) {
		/* The IKE SA exists on both sides but the tunnel has no CHILD
		 * SA: this attempt failed; delete it politely. */
		char qb[WLOG_QLEN];
		sa->why = err ? err : "bad CHILD SA in IKE_AUTH response";
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.failed",
			   "reason=%s", wlog_q(sa->why, qb));
		ikesa_drop_init(sa);
		sa_state(sa, IKE_S_CLOSING, sa->why);
		return sa_queue_task(sa, TASK_DELETE, 1);
	}
	if (ra_client_on(e) && ra_client_take_reply(sa, m) < 0) {
		/* remote access without a virtual address: no tunnel */
		char qb[WLOG_QLEN];
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "tunnel.fail",
			   "reason=%s", wlog_q(sa->why, qb));
		ikesa_drop_init(sa);
		sa_state(sa, IKE_S_CLOSING, sa->why);
		return sa_queue_task(sa, TASK_DELETE, 1);
	}
	struct childsa *c = childsa_add(sa);
	if (!c)
		return -ENOMEM;
	c->cfg = 0;
	c->spi_in = sa->td->spi_in;
	c->spi_out = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 | spi[3];
	c->esp = esp;
	c->esn = esn;
	c->transport = ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) != NULL;
	childsa_set_ts(c, &m->tsi, &m->tsr);
	c->exch_init = true; /* IKE_AUTH: we sent the request */
	if (child_established(sa, c, sa->ni, sa->ni_len, sa->nr, sa->nr_len, NULL, 0) < 0) {
		/* No usable CHILD SA: the tunnel is not up; delete the IKE SA. */
		char qb[WLOG_QLEN];
		childsa_remove(sa, c);
		sa->why = "child_keys";
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ike.failed",
			   "reason=%s", wlog_q(sa->why, qb));
		ikesa_drop_init(sa);
		sa_state(sa, IKE_S_CLOSING, sa->why);
		return sa_queue_task(sa, TASK_DELETE, 1);
	}
	sa_state(sa, IKE_S_ESTABLISHED, NULL);
	engine_child_armed(sa, c);
	ikesa_drop_init(sa);
	task_data_free(sa);
	engine_sa_established(e, sa);
	mobike_auth_done(sa, m);
	for (unsigned ci = 1; ci < e->cfg->ikeconf.n_children; ci++)
		sa_queue_task(sa, TASK_CHILD, (int)ci);
	return 0;
}

const struct task_ops task_auth_ops = {
	.name = "auth",
	.exchange = IKE_EXCH_AUTH,
	.build_req = auth_build,
	.process_resp = auth_process,
};

/* ---- responder ------------------------------------------------------- */

int child_select(struct ikesa *sa, const struct ike_msg *m, uint16_t want_dh,
		 struct childsa *c, struct ike_ts_list *tsi, struct ike_ts_list *tsr,
		 uint8_t *num, uint16_t *notify)
{
	struct engine *e = sa->eng;
	bool any_prop = false;
	for (unsigned ci = 0; ci < e->cfg->ikeconf.n_children; ci++) {
		uint32_t peer_spi;
		if (prop_select_esp(e, (int)ci, &m->sa, want_dh, &c->esp, &c->esn, &peer_spi,
				    num) < 0)
			continue;
		any_prop = true;
		int nrc = ts_narrow(e, (int)ci, sa->tun ? sa->tunnel : -1, &m->tsi, &m->tsr, tsi,
				    tsr);
		/* remote access: the peer's side (gateway) or ours (client) is
		 * the virtual address */
		if (ra_client_own_ts(sa, &m->tsr, tsr))
			nrc = tsi->n && tsr->n ? 0 : -ENOENT;
		if (nrc < 0 || ra_narrow_peer_ts(sa, tsi) < 0)
			continue;
		c->cfg = (int)ci;
		c->spi_out = peer_spi;
		c->transport = ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) &&
			       !e->cfg->ikeconf.childlist[ci].tunnelmode;
		return 0;
	}
	*notify = any_prop ? IKE_N_TS_UNACCEPTABLE : IKE_N_NO_PROPOSAL_CHOSEN;
	return -ENOENT;
}

int task_auth_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out)
{
	struct engine *e = sa->eng;
	if (sa->state != IKE_S_CREATED || !m->has_idi || !m->has_auth) {
		ike_add_notify_simple(&out->b, IKE_N_INVALID_SYNTAX, NULL, 0);
		sa->why = "bad IKE_AUTH request";
		return -EBADMSG;
	}
	id_text(&m->idi, sa->peer_id, sizeof(sa->peer_id));
	if (psk_verify(sa, true, &m->idi, &m->auth) < 0 || !peer_id_ok(sa)) {
		e->cnt.auth_failed++;
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ike.auth.failed",
			   "peer=%016llx", (unsigned long long)sa->spi_i);
		ike_add_notify_simple(&out->b, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		sa->why = "AUTHENTICATION_FAILED";
		return -EPERM;
	}
	add_id_auth(sa, out, IKE_PLD_IDR, false);

	struct childsa tmp = { 0 };
	struct ike_ts_list tsi, tsr;
	uint8_t num = 0;
	uint16_t notify = IKE_N_NO_PROPOSAL_CHOSEN;
	int rc = -ENOENT;
	if (ra_gw_respond(sa, m, out) < 0) /* CP(CFG_REQUEST), the pool empty */
		notify = IKE_N_INTERNAL_ADDRESS_FAILURE;
	else if (m->has_sa && m->has_tsi && m->has_tsr)
		rc = child_select(sa, m, 0, &tmp, &tsi, &tsr, &num, &notify);
	sa_state(sa, IKE_S_ESTABLISHED, NULL);
	if (rc < 0) {
		/* The IKE SA stands; the CHILD SA is refused (RFC 7296 1.2). */
		ike_add_notify_simple(&out->b, notify, NULL, 0);
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.refused",
			   "reason=%s", ike_name_notify(notify));
	} else {
		struct childsa *c = childsa_add(sa);
		if (!c)
			return -ENOMEM;
		c->cfg = tmp.cfg;
		c->spi_out = tmp.spi_out;
		c->esp = tmp.esp;
		c->esn = tmp.esn;
		c->transport = tmp.transport;
		c->spi_in = new_esp_spi(e);
		childsa_set_ts(c, &tsr, &tsi);
		c->exch_init = false;
		if (child_established(sa, c, sa->ni, sa->ni_len, sa->nr, sa->nr_len, NULL, 0) < 0) {
			/* No keys, no CHILD SA: say so (RFC 7296 1.2, 2.21); the
			 * IKE SA itself stands. */
			childsa_remove(sa, c);
			ike_add_notify_simple(&out->b, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
			wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
				   "child.refused", "reason=child_keys");
		} else {
			uint8_t spi[4] = { c->spi_in >> 24, c->spi_in >> 16, c->spi_in >> 8,
					   c->spi_in };
			struct ike_sa chosen;
			if (c->transport)
				ike_add_notify_simple(&out->b, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
			prop_build_chosen(num, IKE_PROTO_ESP, spi, 4, &c->esp, c->esn, false,
					  false, &chosen);
			ike_add_sa(&out->b, &chosen);
			ike_add_ts(&out->b, IKE_PLD_TSI, &tsi);
			ike_add_ts(&out->b, IKE_PLD_TSR, &tsr);
			engine_child_armed(sa, c);
		}
	}
	/* AUTH is computed over init_resp: build first, then drop. */
	return mobike_auth_respond(sa, m, out);
}
