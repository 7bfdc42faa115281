/* Proposals, traffic selectors and small helpers shared by the tasks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/keys.h"
#include "worker/engine.h"
#include "worker/fastpath_client.h"
#include "worker/task.h"

/* The kernel keys an ESP state by (destination, SPI): every SPI this
 * worker hands out must differ from those of its SAs still alive, or the
 * install of the later one fails with EEXIST on both sides (the peer's out
 * state collides too).  Drawn at random, 24 bits collide by the birthday
 * bound: 9,090 SAs in one gateway worker gave 2 (expected 2.5).  So the
 * low 24 bits are a counter through a fixed bijection of 24-bit numbers
 * (times an odd constant, xor a random key): no repeat within 2^24 SPIs
 * of one worker process, and not a plain sequence on the wire (SPIs
 * are no secret: RFC 4303 asks only that they be unique).  A restarted
 * worker draws a new key (its kernel process purged what the dead one
 * had installed). */
static struct {
	bool keyed;
	uint32_t next, key;
} esp_spi_gen;

uint32_t new_esp_spi(const struct engine *e)
{
	uint32_t spi;
	if (!esp_spi_gen.keyed) {
		rand_bytes(&esp_spi_gen.key, sizeof(esp_spi_gen.key));
		rand_bytes(&esp_spi_gen.next, sizeof(esp_spi_gen.next));
		esp_spi_gen.keyed = true;
	}
	do {
		uint32_t low = (esp_spi_gen.next++ * 0x9e3779b1u ^ esp_spi_gen.key) & 0x00ffffffu;
		spi = low | ((uint32_t)(e->worker & 0xff) << 24);
	} while (spi < 256); /* 1-255 are reserved (RFC 4303) */
	return spi;
}

/* ---- proposals ------------------------------------------------------- */

static int add_algs(struct ike_sa *out, uint8_t type, const struct conf_algs *a, int aead)
{
	int n = 0;
	for (unsigned i = 0; i < a->n; i++) {
		if (aead >= 0 && (int)conf_encr_is_aead(a->a[i].id) != aead)
			continue;
		if (ike_sa_add_transform(out, type, a->a[i].id, a->a[i].keybits) != IKE_OK)
			return -ENOBUFS;
		n++;
	}
	return n;
}

static int add_groups(struct ike_sa *out, const struct conf_ints *g)
{
	for (unsigned i = 0; i < g->n; i++)
		if (ike_sa_add_transform(out, IKE_TRANSFORM_DH, (uint16_t)g->v[i], 0) != IKE_OK)
			return -ENOBUFS;
	return 0;
}

static bool has_aead(const struct conf_algs *a, bool aead)
{
	for (unsigned i = 0; i < a->n; i++)
		if (conf_encr_is_aead(a->a[i].id) == aead)
			return true;
	return false;
}

int prop_build_ike(const struct engine *e, const uint8_t *spi, uint8_t spi_size,
		   struct ike_sa *out)
{
	const struct conf_ike *ic = &e->cfg->ikeconf;
	uint8_t num = 1;
	memset(out, 0, sizeof(*out));
	for (int aead = 0; aead <= 1; aead++) {
		if (!has_aead(&ic->ikeencyptalg, aead))
			continue;
		if (ike_sa_add_proposal(out, num++, IKE_PROTO_IKE, spi, spi_size) != IKE_OK)
			return -ENOBUFS;
		if (add_algs(out, IKE_TRANSFORM_ENCR, &ic->ikeencyptalg, aead) < 0 ||
		    add_algs(out, IKE_TRANSFORM_PRF, &ic->ikeprfalg, -1) < 0 ||
		    (!aead && add_algs(out, IKE_TRANSFORM_INTEG, &ic->ikeintegrityalg, -1) < 0) ||
		    add_groups(out, &ic->dhgrpid) < 0)
			return -ENOBUFS;
	}
	return 0;
}

int prop_build_esp(const struct engine *e, int ci, uint32_t spi, uint16_t dh,
		   struct ike_sa *out)
{
	const struct conf_child *c = &e->cfg->ikeconf.childlist[ci];
	uint8_t sb[4] = { spi >> 24, spi >> 16, spi >> 8, spi };
	uint8_t num = 1;
	memset(out, 0, sizeof(*out));
	for (int aead = 0; aead <= 1; aead++) {
		if (!has_aead(&c->encalg, aead))
			continue;
		if (ike_sa_add_proposal(out, num++, IKE_PROTO_ESP, sb, 4) != IKE_OK)
			return -ENOBUFS;
		if (add_algs(out, IKE_TRANSFORM_ENCR, &c->encalg, aead) < 0 ||
		    (!aead && add_algs(out, IKE_TRANSFORM_INTEG, &c->integrityalg, -1) < 0))
			return -ENOBUFS;
		if (dh && ike_sa_add_transform(out, IKE_TRANSFORM_DH, dh, 0) != IKE_OK)
			return -ENOBUFS;
		if (ike_sa_add_transform(out, IKE_TRANSFORM_ESN,
					 c->esn ? IKE_ESN_YES : IKE_ESN_NO, 0) != IKE_OK)
			return -ENOBUFS;
	}
	return 0;
}

static bool alg_match(const struct ike_transform *t, const struct conf_alg *a)
{
	uint16_t kl = t->has_keylen ? t->keylen : 0;
	return t->id == a->id && (kl == a->keybits || (!t->has_keylen && a->keybits == 0) ||
				  (a->keybits == 0));
}

static bool in_algs(const struct ike_transform *t, const struct conf_algs *a)
{
	for (unsigned i = 0; i < a->n; i++)
		if (alg_match(t, &a->a[i]))
			return true;
	return false;
}

bool group_listed(uint16_t g, const struct conf_ints *l)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->v[i] == g)
			return true;
	return false;
}

static bool prop_has(const struct ike_sa *sa, const struct ike_proposal *p, uint8_t type,
		     uint16_t id)
{
	for (unsigned i = 0; i < p->n_xf; i++) {
		const struct ike_transform *t = ike_prop_xf(sa, p, i);
		if (t->type == type && t->id == id)
			return true;
	}
	return false;
}

/* First transform of `type` in p accepted by `ok`; NULL if none. */
static const struct ike_transform *pick(const struct ike_sa *sa, const struct ike_proposal *p,
					uint8_t type, const struct conf_algs *ours)
{
	for (unsigned i = 0; i < p->n_xf; i++) {
		const struct ike_transform *t = ike_prop_xf(sa, p, i);
		if (t->type == type && in_algs(t, ours))
			return t;
	}
	return NULL;
}

int prop_select_ike(const struct engine *e, const struct ike_sa *peer,
		    struct ike_suite *suite, uint8_t *chosen)
{
	const struct conf_ike *ic = &e->cfg->ikeconf;
	for (unsigned pi = 0; pi < peer->n_prop; pi++) {
		const struct ike_proposal *p = &peer->prop[pi];
		if (p->protocol != IKE_PROTO_IKE)
			continue;
		const struct ike_transform *en = pick(peer, p, IKE_TRANSFORM_ENCR, &ic->ikeencyptalg);
		const struct ike_transform *pr = pick(peer, p, IKE_TRANSFORM_PRF, &ic->ikeprfalg);
		if (!en || !pr)
			continue;
		bool aead = conf_encr_is_aead(en->id);
		const struct ike_transform *in = NULL;
		if (!aead && !(in = pick(peer, p, IKE_TRANSFORM_INTEG, &ic->ikeintegrityalg)))
			continue;
		/* Our preferred group among those the proposal offers. */
		uint16_t dh = 0;
		for (unsigned g = 0; g < ic->dhgrpid.n && !dh; g++)
			if (prop_has(peer, p, IKE_TRANSFORM_DH, (uint16_t)ic->dhgrpid.v[g]))
				dh = (uint16_t)ic->dhgrpid.v[g];
		if (!dh)
			continue;
		suite->encr = en->id;
		suite->encr_keybits = en->has_keylen ? en->keylen : 0;
		suite->integ = in ? in->id : IKE_INTEG_NONE;
		suite->prf = pr->id;
		suite->dh = dh;
		*chosen = p->num;
		return 0;
	}
	return -ENOENT;
}

bool prop_group_offered(const struct ike_sa *peer, uint8_t num, uint16_t group)
{
	for (unsigned pi = 0; pi < peer->n_prop; pi++)
		if (peer->prop[pi].num == num)
			return prop_has(peer, &peer->prop[pi], IKE_TRANSFORM_DH, group);
	return false;
}

int prop_select_esp(const struct engine *e, int ci, const struct ike_sa *peer,
		    uint16_t want_dh, struct ike_suite *esp, bool *esn, uint32_t *peer_spi,
		    uint8_t *chosen)
{
	const struct conf_child *c = &e->cfg->ikeconf.childlist[ci];
	for (unsigned pi = 0; pi < peer->n_prop; pi++) {
		const struct ike_proposal *p = &peer->prop[pi];
		if (p->protocol != IKE_PROTO_ESP || p->spi_size != 4)
			continue;
		const struct ike_transform *en = pick(peer, p, IKE_TRANSFORM_ENCR, &c->encalg);
		if (!en)
			continue;
		bool aead = conf_encr_is_aead(en->id);
		const struct ike_transform *in = NULL;
		if (!aead && !(in = pick(peer, p, IKE_TRANSFORM_INTEG, &c->integrityalg)))
			continue;
		if (want_dh && !prop_has(peer, p, IKE_TRANSFORM_DH, want_dh))
			continue;
		bool yes = prop_has(peer, p, IKE_TRANSFORM_ESN, IKE_ESN_YES);
		bool no = prop_has(peer, p, IKE_TRANSFORM_ESN, IKE_ESN_NO);
		*esn = c->esn ? (yes || !no) : (!no && yes);
		esp->encr = en->id;
		esp->encr_keybits = en->has_keylen ? en->keylen : 0;
		esp->integ = in ? in->id : IKE_INTEG_NONE;
		esp->prf = 0;
		esp->dh = want_dh;
		*peer_spi = (uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 |
			    (uint32_t)p->spi[2] << 8 | p->spi[3];
		*chosen = p->num;
		return 0;
	}
	return -ENOENT;
}

int prop_build_chosen(uint8_t num, uint8_t protocol, const uint8_t *spi, uint8_t spi_size,
		      const struct ike_suite *s, bool esn, bool with_dh, bool with_prf,
		      struct ike_sa *out)
{
	memset(out, 0, sizeof(*out));
	if (ike_sa_add_proposal(out, num, protocol, spi, spi_size) != IKE_OK ||
	    ike_sa_add_transform(out, IKE_TRANSFORM_ENCR, s->encr, s->encr_keybits) != IKE_OK)
		return -ENOBUFS;
	if (with_prf && ike_sa_add_transform(out, IKE_TRANSFORM_PRF, s->prf, 0) != IKE_OK)
		return -ENOBUFS;
	if (s->integ != IKE_INTEG_NONE &&
	    ike_sa_add_transform(out, IKE_TRANSFORM_INTEG, s->integ, 0) != IKE_OK)
		return -ENOBUFS;
	if (with_dh && s->dh && ike_sa_add_transform(out, IKE_TRANSFORM_DH, s->dh, 0) != IKE_OK)
		return -ENOBUFS;
	if (protocol != IKE_PROTO_IKE &&
	    ike_sa_add_transform(out, IKE_TRANSFORM_ESN, esn ? IKE_ESN_YES : IKE_ESN_NO, 0) !=
		    IKE_OK)
		return -ENOBUFS;
	return 0;
}

int prop_read_reply(const struct ike_sa *sa, struct ike_suite *s, bool *esn, uint8_t *spi,
		    uint8_t *spi_size)
{
	if (sa->n_prop != 1)
		return -EBADMSG;
	const struct ike_proposal *p = &sa->prop[0];
	memset(s, 0, sizeof(*s));
	*esn = false;
	bool have_encr = false;
	for (unsigned i = 0; i < p->n_xf; i++) {
		const struct ike_transform *t = ike_prop_xf(sa, p, i);
		switch (t->type) {
		case IKE_TRANSFORM_ENCR:
			s->encr = t->id;
			s->encr_keybits = t->has_keylen ? t->keylen : 0;
			have_encr = true;
			break;
		case IKE_TRANSFORM_PRF: s->prf = t->id; break;
		case IKE_TRANSFORM_INTEG: s->integ = t->id; break;
		case IKE_TRANSFORM_DH: s->dh = t->id; break;
		case IKE_TRANSFORM_ESN: *esn = t->id == IKE_ESN_YES; break;
		}
	}
	if (spi) {
		memcpy(spi, p->spi, p->spi_size);
		*spi_size = p->spi_size;
	}
	return have_encr ? 0 : -EBADMSG;
}

/* ---- traffic selectors ----------------------------------------------- */

static void conf_to_ts(const struct conf_ts *c, uint64_t add, struct ike_ts *t)
{
	memset(t, 0, sizeof(*t));
	t->type = c->type == TS_V6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
	t->ip_proto = (uint8_t)c->protocol;
	t->start_port = (uint16_t)c->startport;
	t->end_port = (uint16_t)c->endport;
	struct ip_addr s = c->startaddr, en = c->endaddr;
	if (add) {
		struct ip_addr tmp;
		if (ip_addr_add(&s, add, &tmp) == 0)
			s = tmp;
		if (ip_addr_add(&en, add, &tmp) == 0)
			en = tmp;
		else
			memset(en.bytes, 0xff, c->type == TS_V6 ? 16 : 4); /* clamp */
	}
	size_t n = c->type == TS_V6 ? 16 : 4;
	memcpy(t->start, s.bytes, n);
	memcpy(t->end, en.bytes, n);
}

void ts_for_tunnel(const struct engine *e, int ci, int t, struct ike_ts_list *tsi,
		   struct ike_ts_list *tsr)
{
	const struct conf_child *c = &e->cfg->ikeconf.childlist[ci];
	uint64_t own = t > 0 ? (uint64_t)t * (uint64_t)e->cfg->owntsaddrincrease : 0;
	uint64_t peer = t > 0 ? (uint64_t)t * (uint64_t)e->cfg->peertsaddrincrease : 0;
	tsi->n = 0;
	tsr->n = 0;
	for (unsigned i = 0; i < c->n_ownts && i < IKE_MAX_TS; i++)
		conf_to_ts(&c->ownts[i], own, &tsi->ts[tsi->n++]);
	for (unsigned i = 0; i < c->n_peerts && i < IKE_MAX_TS; i++)
		conf_to_ts(&c->peerts[i], peer, &tsr->ts[tsr->n++]);
}

static bool ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	if (a->type != b->type ||
	    (a->type != IKE_TS_IPV4_ADDR_RANGE && a->type != IKE_TS_IPV6_ADDR_RANGE))
		return false;
	if (a->ip_proto && b->ip_proto && a->ip_proto != b->ip_proto)
		return false;
	size_t n = a->type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->ip_proto = a->ip_proto ? a->ip_proto : b->ip_proto;
	out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	if (out->start_port > out->end_port)
		return false;
	memcpy(out->start, memcmp(a->start, b->start, n) > 0 ? a->start : b->start, n);
	memcpy(out->end, memcmp(a->end, b->end, n) < 0 ? a->end : b->end, n);
	return memcmp(out->start, out->end, n) <= 0;
}

static void narrow_list(const struct ike_ts_list *in, const struct ike_ts_list *mine,
			struct ike_ts_list *out)
{
	out->n = 0;
	for (unsigned i = 0; i < in->n; i++)
		for (unsigned j = 0; j < mine->n && out->n < IKE_MAX_TS; j++)
			if (ts_intersect(&in->ts[i], &mine->ts[j], &out->ts[out->n]))
				out->n++;
}

int ts_narrow(const struct engine *e, int ci, int t, const struct ike_ts_list *tsi_in,
	      const struct ike_ts_list *tsr_in, struct ike_ts_list *tsi_out,
	      struct ike_ts_list *tsr_out)
{
	struct ike_ts_list own, peer;
	ts_for_tunnel(e, ci, t, &own, &peer);
	/* We answer: TSi is the peer's side, TSr ours. */
	narrow_list(tsi_in, &peer, tsi_out);
	narrow_list(tsr_in, &own, tsr_out);
	return tsi_out->n && tsr_out->n ? 0 : -ENOENT;
}

/* ---- CHILD SA completion ---------------------------------------------- */

int child_established(struct ikesa *sa, struct childsa *c, const uint8_t *ni, size_t ni_len,
		      const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len)
{
	struct engine *e = sa->eng;
	struct ike_child_keys k;
	int rc = ike_keys_child(e->crypto, sa->suite.prf, sa->sk_d, sa->sk_d_len,
				&c->esp, gir, gir_len, ni, ni_len, nr, nr_len, &k);
	if (rc == 0 && e->test_fail_child_keys)
		rc = -EINVAL;
	/* installfastpath: the kernel SA gets the keys; a copy stays for
	 * dumpchild (ike_sa.h sa_keycopy), these are wiped here. */
	if (rc == 0) {
		fpc_child_up(sa, c, &k, c->exch_init, c->rekeys_spi_in);
		childsa_keep_keys(c, &k); /* for dumpchild */
	}
	ike_child_keys_wipe(&k);
	if (rc < 0) {
		wlog_event(&e->log, WLOG_ERROR, sa->tunnel, ikesa_our_spi(sa), "child.keys.fail",
			   "rc=%d", rc);
		return rc;
	}
	c->created_ns = engine_now(e);
	c->keyed = true;
	e->cnt.child_created++;
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.established",
		   "child=%d spi_in=%08x spi_out=%08x encr=%u integ=%u%s", c->cfg, c->spi_in,
		   c->spi_out, c->esp.encr, c->esp.integ, c->transport ? " mode=transport" : "");
	return 0;
}

void task_data_free(struct ikesa *sa)
{
	if (!sa->td)
		return;
	ike_dh_free(sa->td->dh);
	struct ikesa *n = sa->td->new_sa;
	if (n) {
		sa_state(n, IKE_S_CLOSED, "rekey abandoned");
		ikesa_free(n);
	}
	free(sa->td);
	sa->td = NULL;
}
