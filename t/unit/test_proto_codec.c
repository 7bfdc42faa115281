/* IKEv2 codec: buffers, parse(build(x)) == x for every payload type,
 * hand-checked byte vectors, the critical bit, limits, SK layout, and
 * truncation / bit-flip loops that must end in clean errors. */
#include "t/unit/tcheck.h"

#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "proto/auth.h"
#include "proto/crypto.h"
#include "proto/ike.h"
#include "proto/names.h"
#include "proto/sk.h"

/* ---- buffers ---------------------------------------------------------- */

START_TEST(reader_checks_every_read)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct ike_reader r;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	const uint8_t *p;

	ike_rd_init(&r, b, sizeof b);
	ck_assert_int_eq(ike_rd_u64(&r, &v64), 0);
	ck_assert(v64 == 0x0102030405060708ULL);
	ck_assert_int_eq(ike_rd_u16(&r, &v16), -EMSGSIZE);
	ck_assert(r.bad);
	ck_assert_uint_eq(r.off, 8); /* a short read consumes nothing */
	ck_assert_int_eq(ike_rd_u32(&r, &v32), -EMSGSIZE);
	ck_assert_int_eq(ike_rd_ref(&r, 2, &p), -EMSGSIZE);
	ck_assert_int_eq(ike_rd_ref(&r, 1, &p), 0);
	ck_assert_int_eq(*p, 9);
	ck_assert_uint_eq(ike_rd_left(&r), 0);

	struct ike_reader sub;
	ike_rd_init(&r, b, sizeof b);
	ck_assert_int_eq(ike_rd_sub(&r, 10, &sub), -EMSGSIZE);
	ck_assert_int_eq(ike_rd_sub(&r, 3, &sub), 0);
	ck_assert_uint_eq(sub.len, 3);
	ck_assert_int_eq(ike_rd_skip(&sub, 4), -EMSGSIZE);
	ck_assert_uint_eq(r.off, 3);
}
END_TEST

START_TEST(writer_fixed_overflows_cleanly)
{
	uint8_t store[6];
	struct ike_writer w;
	ike_wr_init(&w, store, sizeof store);
	size_t lf = ike_wr_begin_len16(&w);
	ck_assert_int_eq(ike_wr_u16(&w, 0xabcd), 0);
	ck_assert_int_eq(ike_wr_end_len16(&w, lf, 0), 0);
	ck_assert_int_eq(store[0], 0);
	ck_assert_int_eq(store[1], 4);
	ck_assert_int_eq(ike_wr_u32(&w, 1), -ENOBUFS);
	ck_assert(w.bad);
	ck_assert_uint_eq(w.len, 4);
	ck_assert_int_eq(ike_wr_u8(&w, 1), -ENOBUFS); /* sticky */
	ck_assert_int_eq(ike_wr_patch_u16(&w, 3, 1), -EINVAL);
}
END_TEST

START_TEST(writer_grows)
{
	struct ike_writer w;
	ike_wr_init_dyn(&w, 2);
	for (unsigned i = 0; i < 1000; i++)
		ck_assert_int_eq(ike_wr_u32(&w, i), 0);
	ck_assert(ike_wr_ok(&w));
	ck_assert_uint_eq(w.len, 4000);
	ck_assert_int_eq(w.data[3999], (uint8_t)999);
	ck_assert_int_eq(ike_wr_patch_u32(&w, 0, 0x01020304), 0);
	ck_assert_int_eq(w.data[0], 1);
	ike_wr_free(&w);
}
END_TEST

/* ---- a sample of every payload ------------------------------------------ */

static const uint8_t NONCE[32] = { 0x10, 0x11, 0x12, 0x13, [31] = 0x99 };
static const uint8_t KEDATA[32] = { 0x20, [31] = 0x21 };
static const uint8_t IDDATA[] = "client.example";
static const uint8_t BLOB[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
static const uint8_t SPI4[] = { 0xc0, 0x01, 0xca, 0xfe };
static const uint8_t SPIS[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t NATD[20] = { 0x5a, [19] = 0xa5 };
static const uint8_t SEALED[40] = { 0x77, [39] = 0x88 };
/* A transform attribute we do not know (TLV), next to KEY_LENGTH. */
static const uint8_t ODD_ATTRS[] = { 0x80, 0x0e, 0x01, 0x00, 0x00, 0x63, 0x00, 0x02, 0xaa, 0xbb };

static void sample_sa(struct ike_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	ike_sa_add_proposal(sa, 1, IKE_PROTO_IKE, NULL, 0);
	ike_sa_add_transform(sa, IKE_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 256);
	ike_sa_add_transform(sa, IKE_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 128);
	ike_sa_add_transform(sa, IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	ike_sa_add_transform(sa, IKE_TRANSFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
	ike_sa_add_transform(sa, IKE_TRANSFORM_DH, IKE_DH_CURVE25519, 0);
	ike_sa_add_transform(sa, IKE_TRANSFORM_DH, IKE_DH_MODP_2048, 0);
	ike_sa_add_proposal(sa, 2, IKE_PROTO_ESP, SPI4, 4);
	ike_sa_add_transform(sa, IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 128);
	ike_sa_add_transform(sa, IKE_TRANSFORM_ESN, IKE_ESN_NO, 0);
	ike_sa_add_transform(sa, IKE_TRANSFORM_ENCR, IKE_ENCR_AES_CTR, 0);
	sa->xf[sa->n_xf - 1].attrs = ODD_ATTRS;
	sa->xf[sa->n_xf - 1].attrs_len = sizeof ODD_ATTRS;
	sa->xf[sa->n_xf - 1].has_keylen = true;
	sa->xf[sa->n_xf - 1].keylen = 256;
}

static void sample_ts(struct ike_ts_list *l, unsigned n)
{
	memset(l, 0, sizeof(*l));
	for (unsigned i = 0; i < n; i++) {
		struct ike_ts *ts = &l->ts[i];
		bool v6 = i % 2;
		ts->type = v6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
		ts->ip_proto = i ? 17 : 0;
		ts->start_port = i ? 500 : 0;
		ts->end_port = i ? 4500 : 65535;
		memset(ts->start, 0x10 + i, v6 ? 16 : 4);
		memset(ts->end, 0x20 + i, v6 ? 16 : 4);
	}
	l->n = n;
}

/* Everything a test may put in a message, filled once. */
static void sample_msg(struct ike_msg *m)
{
	ike_msg_init(m);
	m->hdr = (struct ike_hdr){ .spi_i = 0x0102030405060708ULL, .spi_r = 0x1112131415161718ULL,
				   .version = IKE_VERSION, .exchange = IKE_EXCH_AUTH,
				   .flags = IKE_FLAG_INITIATOR, .msgid = 1 };
	sample_sa(&m->sa);
	m->ke = (struct ike_ke){ IKE_DH_CURVE25519, KEDATA, sizeof KEDATA };
	m->idi = (struct ike_id){ .type = IKE_ID_FQDN, .data = IDDATA, .len = sizeof IDDATA - 1 };
	m->idr = (struct ike_id){ .type = IKE_ID_IPV4_ADDR, .data = SPI4, .len = 4 };
	m->cert[0] = (struct ike_cert){ IKE_CERT_X509_SIG, BLOB, sizeof BLOB };
	m->certreq[0] = (struct ike_cert){ IKE_CERT_X509_SIG, NATD, sizeof NATD };
	m->auth = (struct ike_auth){ IKE_AUTH_SHARED_KEY, NATD, sizeof NATD };
	m->nonce = (struct ike_blob){ NONCE, sizeof NONCE };
	m->notify[0] = (struct ike_notify){ .protocol = IKE_PROTO_ESP, .spi_size = 4, .spi = SPI4,
					    .type = IKE_N_REKEY_SA };
	m->notify[1] = (struct ike_notify){ .type = IKE_N_NAT_DETECTION_SOURCE_IP,
					    .data = NATD, .len = sizeof NATD };
	m->del[0] = (struct ike_delete){ IKE_PROTO_ESP, 4, 2, SPIS };
	m->vendor[0] = (struct ike_blob){ BLOB, sizeof BLOB };
	sample_ts(&m->tsi, 2);
	sample_ts(&m->tsr, 3);
	m->cp.type = IKE_CFG_REQUEST;
	m->cp.n = 3;
	m->cp.attr[0] = (struct ike_cp_attr){ IKE_CPA_INTERNAL_IP4_ADDRESS, NULL, 0 };
	m->cp.attr[1] = (struct ike_cp_attr){ IKE_CPA_INTERNAL_IP4_DNS, SPI4, 4 };
	m->cp.attr[2] = (struct ike_cp_attr){ IKE_CPA_APPLICATION_VERSION, BLOB, sizeof BLOB };
	m->eap = (struct ike_eap){ IKE_EAP_RESPONSE, 7, true, 1, IDDATA, sizeof IDDATA - 1 };
	m->sk = (struct ike_sk_pld){ .first_inner = IKE_PLD_IDI, .body = SEALED,
				     .body_len = sizeof SEALED };
}

/* ---- field-by-field comparison ------------------------------------------ */

static void eq_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	ck_assert_uint_eq(alen, blen);
	if (alen)
		ck_assert_mem_eq(a, b, alen);
}

static void eq_sa(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_sa);
	ck_assert_uint_eq(g->sa.n_prop, w->sa.n_prop);
	for (unsigned i = 0; i < w->sa.n_prop; i++) {
		const struct ike_proposal *a = &w->sa.prop[i], *b = &g->sa.prop[i];
		ck_assert_uint_eq(a->num, b->num);
		ck_assert_uint_eq(a->protocol, b->protocol);
		eq_bytes(a->spi, a->spi_size, b->spi, b->spi_size);
		ck_assert_uint_eq(a->n_xf, b->n_xf);
		for (unsigned j = 0; j < a->n_xf; j++) {
			const struct ike_transform *x = ike_prop_xf(&w->sa, a, j);
			const struct ike_transform *y = ike_prop_xf(&g->sa, b, j);
			ck_assert_uint_eq(x->type, y->type);
			ck_assert_uint_eq(x->id, y->id);
			ck_assert_int_eq(x->has_keylen, y->has_keylen);
			ck_assert_uint_eq(x->keylen, y->keylen);
			if (x->attrs_len) /* unknown attributes kept as they were */
				eq_bytes(x->attrs, x->attrs_len, y->attrs, y->attrs_len);
		}
	}
}

static void eq_ke(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_ke);
	ck_assert_uint_eq(w->ke.group, g->ke.group);
	eq_bytes(w->ke.data, w->ke.len, g->ke.data, g->ke.len);
}

static void eq_id(const struct ike_id *a, const struct ike_id *b)
{
	ck_assert_uint_eq(a->type, b->type);
	eq_bytes(a->data, a->len, b->data, b->len);
	ck_assert_uint_eq(b->body_len, 4 + b->len);
	ck_assert_uint_eq(b->body[0], a->type);
	ck_assert(b->body + 4 == b->data || !b->len);
}

static void eq_idi(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_idi);
	eq_id(&w->idi, &g->idi);
}

static void eq_idr(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_idr);
	eq_id(&w->idr, &g->idr);
}

static void eq_cert(const struct ike_cert *a, const struct ike_cert *b)
{
	ck_assert_uint_eq(a->encoding, b->encoding);
	eq_bytes(a->data, a->len, b->data, b->len);
}

static void eq_certs(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert_uint_eq(g->n_cert, 1);
	eq_cert(&w->cert[0], &g->cert[0]);
}

static void eq_certreqs(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert_uint_eq(g->n_certreq, 1);
	eq_cert(&w->certreq[0], &g->certreq[0]);
}

static void eq_auth(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_auth);
	ck_assert_uint_eq(w->auth.method, g->auth.method);
	eq_bytes(w->auth.data, w->auth.len, g->auth.data, g->auth.len);
}

static void eq_nonce(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_nonce);
	eq_bytes(w->nonce.data, w->nonce.len, g->nonce.data, g->nonce.len);
}

static void eq_notifies(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert_uint_eq(g->n_notify, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct ike_notify *a = &w->notify[i], *b = &g->notify[i];
		ck_assert_uint_eq(a->protocol, b->protocol);
		ck_assert_uint_eq(a->type, b->type);
		eq_bytes(a->spi, a->spi_size, b->spi, b->spi_size);
		eq_bytes(a->data, a->len, b->data, b->len);
	}
	ck_assert_ptr_eq(ike_msg_notify(g, IKE_N_NAT_DETECTION_SOURCE_IP), &g->notify[1]);
	ck_assert_ptr_null(ike_msg_notify(g, IKE_N_COOKIE));
}

static void eq_delete(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert_uint_eq(g->n_delete, 1);
	ck_assert_uint_eq(w->del[0].protocol, g->del[0].protocol);
	ck_assert_uint_eq(w->del[0].n_spi, g->del[0].n_spi);
	eq_bytes(w->del[0].spis, 8, g->del[0].spis, (size_t)g->del[0].n_spi * g->del[0].spi_size);
}

static void eq_vendor(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert_uint_eq(g->n_vendor, 1);
	eq_bytes(w->vendor[0].data, w->vendor[0].len, g->vendor[0].data, g->vendor[0].len);
}

static void eq_ts(const struct ike_ts_list *a, const struct ike_ts_list *b)
{
	ck_assert_uint_eq(a->n, b->n);
	for (unsigned i = 0; i < a->n; i++) {
		const struct ike_ts *x = &a->ts[i], *y = &b->ts[i];
		ck_assert_uint_eq(x->type, y->type);
		ck_assert_uint_eq(x->ip_proto, y->ip_proto);
		ck_assert_uint_eq(x->start_port, y->start_port);
		ck_assert_uint_eq(x->end_port, y->end_port);
		ck_assert_mem_eq(x->start, y->start, 16);
		ck_assert_mem_eq(x->end, y->end, 16);
	}
}

static void eq_tsi(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_tsi);
	eq_ts(&w->tsi, &g->tsi);
}

static void eq_tsr(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_tsr);
	eq_ts(&w->tsr, &g->tsr);
}

static void eq_cp(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_cp);
	ck_assert_uint_eq(w->cp.type, g->cp.type);
	ck_assert_uint_eq(w->cp.n, g->cp.n);
	for (unsigned i = 0; i < w->cp.n; i++) {
		ck_assert_uint_eq(w->cp.attr[i].type, g->cp.attr[i].type);
		eq_bytes(w->cp.attr[i].data, w->cp.attr[i].len, g->cp.attr[i].data,
			 g->cp.attr[i].len);
	}
}

static void eq_eap(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->has_eap);
	ck_assert_uint_eq(w->eap.code, g->eap.code);
	ck_assert_uint_eq(w->eap.id, g->eap.id);
	ck_assert_int_eq(w->eap.has_type, g->eap.has_type);
	ck_assert_uint_eq(w->eap.type, g->eap.type);
	eq_bytes(w->eap.data, w->eap.len, g->eap.data, g->eap.len);
}

static void eq_sk(const struct ike_msg *w, const struct ike_msg *g)
{
	ck_assert(g->sk.present);
	ck_assert_int_eq(g->is_skf, w->sk.frag_num != 0);
	ck_assert_uint_eq(w->sk.first_inner, g->sk.first_inner);
	ck_assert_uint_eq(w->sk.frag_num, g->sk.frag_num);
	ck_assert_uint_eq(w->sk.frag_total, g->sk.frag_total);
	eq_bytes(w->sk.body, w->sk.body_len, g->sk.body, g->sk.body_len);
}

/* ---- round trip, one payload type per row ------------------------------- */

static enum ike_err add_sa(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_sa(b, &m->sa); }
static enum ike_err add_ke(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_ke(b, &m->ke); }
static enum ike_err add_idi(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_id(b, IKE_PLD_IDI, &m->idi); }
static enum ike_err add_idr(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_id(b, IKE_PLD_IDR, &m->idr); }
static enum ike_err add_cert(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_cert(b, IKE_PLD_CERT, &m->cert[0]); }
static enum ike_err add_certreq(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_cert(b, IKE_PLD_CERTREQ, &m->certreq[0]); }
static enum ike_err add_auth(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_auth(b, &m->auth); }
static enum ike_err add_nonce(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_nonce(b, m->nonce.data, m->nonce.len); }
static enum ike_err add_notifies(struct ike_builder *b, const struct ike_msg *m)
{
	ike_add_notify(b, &m->notify[0]);
	return ike_add_notify_simple(b, m->notify[1].type, m->notify[1].data, m->notify[1].len);
}
static enum ike_err add_delete(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_delete(b, &m->del[0]); }
static enum ike_err add_vendor(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_vendor(b, m->vendor[0].data, m->vendor[0].len); }
static enum ike_err add_tsi(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_ts(b, IKE_PLD_TSI, &m->tsi); }
static enum ike_err add_tsr(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_ts(b, IKE_PLD_TSR, &m->tsr); }
static enum ike_err add_cp(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_cp(b, &m->cp); }
static enum ike_err add_eap(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_eap(b, &m->eap); }
static enum ike_err add_sk(struct ike_builder *b, const struct ike_msg *m)
{ return ike_add_sk_sealed(b, &m->sk); }
static enum ike_err add_skf(struct ike_builder *b, const struct ike_msg *m)
{
	struct ike_sk_pld f = m->sk;
	f.frag_num = 2;
	f.frag_total = 3;
	return ike_add_sk_sealed(b, &f);
}
static void eq_skf(const struct ike_msg *w, const struct ike_msg *g)
{
	struct ike_msg f = *w;
	f.sk.frag_num = 2;
	f.sk.frag_total = 3;
	eq_sk(&f, g);
}

static const struct rt_case {
	const char *name;
	uint8_t type;
	enum ike_err (*add)(struct ike_builder *, const struct ike_msg *);
	void (*eq)(const struct ike_msg *want, const struct ike_msg *got);
} rt_cases[] = {
	{ "SA", IKE_PLD_SA, add_sa, eq_sa },
	{ "KE", IKE_PLD_KE, add_ke, eq_ke },
	{ "IDi", IKE_PLD_IDI, add_idi, eq_idi },
	{ "IDr", IKE_PLD_IDR, add_idr, eq_idr },
	{ "CERT", IKE_PLD_CERT, add_cert, eq_certs },
	{ "CERTREQ", IKE_PLD_CERTREQ, add_certreq, eq_certreqs },
	{ "AUTH", IKE_PLD_AUTH, add_auth, eq_auth },
	{ "Nonce", IKE_PLD_NONCE, add_nonce, eq_nonce },
	{ "Notify", IKE_PLD_NOTIFY, add_notifies, eq_notifies },
	{ "Delete", IKE_PLD_DELETE, add_delete, eq_delete },
	{ "VendorID", IKE_PLD_VENDOR, add_vendor, eq_vendor },
	{ "TSi", IKE_PLD_TSI, add_tsi, eq_tsi },
	{ "TSr", IKE_PLD_TSR, add_tsr, eq_tsr },
	{ "CP", IKE_PLD_CP, add_cp, eq_cp },
	{ "EAP", IKE_PLD_EAP, add_eap, eq_eap },
	{ "SK", IKE_PLD_SK, add_sk, eq_sk },
	{ "SKF", IKE_PLD_SKF, add_skf, eq_skf },
};

/* Build header + one row's payload(s) into store; returns the length. */
static size_t build_row(const struct rt_case *c, const struct ike_msg *m, uint8_t *store,
			size_t cap)
{
	struct ike_writer w;
	struct ike_builder b;
	ike_wr_init(&w, store, cap);
	ck_assert_int_eq(ike_build_begin(&b, &w, &m->hdr), IKE_OK);
	ck_assert_int_eq(c->add(&b, m), IKE_OK);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	return w.len;
}

START_TEST(round_trip_each_payload)
{
	const struct rt_case *c = &rt_cases[_i];
	struct ike_msg want, got;
	uint8_t store[2048];
	sample_msg(&want);
	size_t len = build_row(c, &want, store, sizeof store);

	ck_assert_msg(ike_parse_message(store, len, &got) == IKE_OK, "%s: %s", c->name,
		      ike_err_name(ike_parse_message(store, len, &got)));
	ck_assert_uint_eq(got.hdr.spi_i, want.hdr.spi_i);
	ck_assert_uint_eq(got.hdr.spi_r, want.hdr.spi_r);
	ck_assert_uint_eq(got.hdr.exchange, want.hdr.exchange);
	ck_assert_uint_eq(got.hdr.flags, want.hdr.flags);
	ck_assert_uint_eq(got.hdr.msgid, want.hdr.msgid);
	ck_assert_uint_eq(got.hdr.length, len);
	ck_assert_uint_eq(got.hdr.next, c->type);
	ck_assert_uint_eq(got.pld[0].type, c->type);
	if (got.sk.present)
		ck_assert_uint_eq(got.sk.off, IKE_HDR_LEN);
	c->eq(&want, &got);

	/* and back: re-encoding the parse gives the same bytes */
	uint8_t again[2048];
	struct ike_writer w;
	ike_wr_init(&w, again, sizeof again);
	ck_assert_int_eq(ike_build_from_msg(&w, &got), IKE_OK);
	eq_bytes(store, len, again, w.len);
}
END_TEST

/* All rows' payloads in one chain (SK last): the chaining of next-payload
 * fields across every type. */
static size_t build_all(const struct ike_msg *m, uint8_t *store, size_t cap)
{
	struct ike_writer w;
	struct ike_builder b;
	ike_wr_init(&w, store, cap);
	ike_build_begin(&b, &w, &m->hdr);
	for (unsigned i = 0; i < ARRAY_SIZE(rt_cases); i++)
		if (rt_cases[i].type != IKE_PLD_SK && rt_cases[i].type != IKE_PLD_SKF)
			rt_cases[i].add(&b, m);
	add_sk(&b, m);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	return w.len;
}

START_TEST(round_trip_all_in_one)
{
	struct ike_msg want, got;
	uint8_t store[4096];
	sample_msg(&want);
	size_t len = build_all(&want, store, sizeof store);
	ck_assert_int_eq(ike_parse_message(store, len, &got), IKE_OK);
	for (unsigned i = 0; i < ARRAY_SIZE(rt_cases); i++)
		if (rt_cases[i].type != IKE_PLD_SKF)
			rt_cases[i].eq(&want, &got);
	ck_assert_uint_eq(got.n_pld, ARRAY_SIZE(rt_cases)); /* 2 notifies, no SKF */
	size_t off;
	uint8_t t;
	ck_assert_int_eq(ike_find_sk(store, len, &off, &t), IKE_OK);
	ck_assert_uint_eq(off, got.sk.off);
	ck_assert_uint_eq(t, IKE_PLD_SK);
}
END_TEST

/* ike_parse_message leaves the arrays of ike_msg as they were (only what
 * the counts cover is written): parsing into a struct full of garbage or
 * of a previous, bigger message gives the same fields as into a clean one,
 * and nothing of the previous message shows through the counts or flags. */
START_TEST(parse_into_used_struct)
{
	static struct ike_msg want, got, small;
	uint8_t store[4096], one[128];
	struct ike_writer w;
	struct ike_builder b;
	sample_msg(&want);
	size_t len = build_all(&want, store, sizeof store);
	memset(&got, 0xa5, sizeof got);
	ck_assert_int_eq(ike_parse_message(store, len, &got), IKE_OK);
	for (unsigned i = 0; i < ARRAY_SIZE(rt_cases); i++)
		if (rt_cases[i].type != IKE_PLD_SKF)
			rt_cases[i].eq(&want, &got);
	ck_assert_uint_eq(got.n_pld, ARRAY_SIZE(rt_cases));
	ck_assert(!got.is_skf);
	/* now a message with a nonce only, into the struct of the big one */
	ike_msg_init(&small);
	small.hdr = want.hdr;
	small.nonce = want.nonce;
	ike_wr_init(&w, one, sizeof one);
	ike_build_begin(&b, &w, &small.hdr);
	ck_assert_int_eq(add_nonce(&b, &small), IKE_OK);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	ck_assert_int_eq(ike_parse_message(one, w.len, &got), IKE_OK);
	eq_nonce(&small, &got);
	ck_assert_uint_eq(got.n_pld, 1);
	ck_assert(!got.has_sa && !got.has_ke && !got.has_idi && !got.has_idr && !got.has_auth);
	ck_assert(!got.has_tsi && !got.has_tsr && !got.has_cp && !got.has_eap);
	ck_assert_uint_eq(got.sa.n_prop, 0);
	ck_assert_uint_eq(got.sa.n_xf, 0);
	ck_assert_uint_eq(got.tsi.n + got.tsr.n + got.cp.n, 0);
	ck_assert_uint_eq(got.n_cert + got.n_certreq + got.n_notify + got.n_vendor + got.n_delete, 0);
	ck_assert(!got.sk.present && !got.is_skf);
	ck_assert_ptr_null(got.ke.data);
	ck_assert_ptr_null(got.auth.data);
	ck_assert_uint_eq(got.err_off, 0);
	ck_assert_uint_eq(got.err_data, 0);
	ck_assert_ptr_null(ike_msg_notify(&got, IKE_N_REKEY_SA));
}
END_TEST

/* ---- hand-checked byte vectors (layouts of RFC 7296 3.1, 3.10, 3.13) --- */

START_TEST(vector_header)
{
	static const uint8_t v[28] = {
		0x5d, 0xfa, 0x8e, 0xf4, 0xcd, 0x3f, 0xe5, 0xf8, /* SPIi */
		0, 0, 0, 0, 0, 0, 0, 0,                         /* SPIr */
		0x00, 0x20, 0x22, 0x08,  /* next none, v2.0, IKE_SA_INIT, I */
		0, 0, 0, 0,              /* message ID 0 */
		0, 0, 0, 28,             /* length */
	};
	struct ike_msg m;
	ck_assert_int_eq(ike_parse_message(v, sizeof v, &m), IKE_OK);
	ck_assert(m.hdr.spi_i == 0x5dfa8ef4cd3fe5f8ULL);
	ck_assert_uint_eq(m.hdr.exchange, IKE_EXCH_SA_INIT);
	ck_assert_uint_eq(m.hdr.flags, IKE_FLAG_INITIATOR);
	ck_assert_uint_eq(m.n_pld, 0);

	uint8_t out[64];
	struct ike_writer w;
	struct ike_builder b;
	ike_wr_init(&w, out, sizeof out);
	ike_build_begin(&b, &w, &m.hdr);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	eq_bytes(v, sizeof v, out, w.len);
}
END_TEST

/* One payload after a bare header: vector = the payload's bytes. */
static const struct vec_case {
	const char *name;
	uint8_t type;
	uint8_t bytes[64];
	size_t len;
} vec_cases[] = {
	/* N(NAT_DETECTION_SOURCE_IP): proto 0, SPI size 0, type 16388, 20
	 * octets of hash (here 0x5a, 18 zeros, 0xa5). */
	{ "notify_natd", IKE_PLD_NOTIFY,
	  { 0, 0, 0, 28, 0, 0, 0x40, 0x04, 0x5a, [27] = 0xa5 }, 28 },
	/* TSi: one TS_IPV4_ADDR_RANGE, any protocol, ports 0-65535,
	 * 192.0.2.0 - 192.0.2.255. */
	{ "ts_ipv4", IKE_PLD_TSI,
	  { 0, 0, 0, 24, 1, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff,
	    192, 0, 2, 0, 192, 0, 2, 255 }, 24 },
	/* Delete of two ESP SAs: protocol 3, SPI size 4, 2 SPIs. */
	{ "delete_esp", IKE_PLD_DELETE,
	  { 0, 0, 0, 16, 3, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 }, 16 },
	/* SA: one IKE proposal, AES-CBC-128 (key length TV attribute). */
	{ "sa_one_xf", IKE_PLD_SA,
	  { 0, 0, 0, 24, 0, 0, 0, 20, 1, 1, 0, 1,
	    0, 0, 0, 12, 1, 0, 0, 12, 0x80, 14, 0, 128 }, 24 },
};

static void expect_vector(const struct vec_case *c, const struct ike_msg *m)
{
	switch (c->type) {
	case IKE_PLD_NOTIFY:
		ck_assert_uint_eq(m->n_notify, 1);
		ck_assert_uint_eq(m->notify[0].type, IKE_N_NAT_DETECTION_SOURCE_IP);
		eq_bytes(m->notify[0].data, m->notify[0].len, NATD, sizeof NATD);
		break;
	case IKE_PLD_TSI: {
		static const uint8_t s[4] = { 192, 0, 2, 0 }, e[4] = { 192, 0, 2, 255 };
		ck_assert_uint_eq(m->tsi.n, 1);
		ck_assert_uint_eq(m->tsi.ts[0].type, IKE_TS_IPV4_ADDR_RANGE);
		ck_assert_uint_eq(m->tsi.ts[0].end_port, 65535);
		ck_assert_mem_eq(m->tsi.ts[0].start, s, 4);
		ck_assert_mem_eq(m->tsi.ts[0].end, e, 4);
		break;
	}
	case IKE_PLD_DELETE:
		ck_assert_uint_eq(m->del[0].protocol, IKE_PROTO_ESP);
		ck_assert_uint_eq(m->del[0].n_spi, 2);
		eq_bytes(m->del[0].spis, 8, SPIS, 8);
		break;
	case IKE_PLD_SA:
		ck_assert_uint_eq(m->sa.n_prop, 1);
		ck_assert_uint_eq(m->sa.prop[0].protocol, IKE_PROTO_IKE);
		ck_assert_uint_eq(m->sa.xf[0].type, IKE_TRANSFORM_ENCR);
		ck_assert_uint_eq(m->sa.xf[0].id, IKE_ENCR_AES_CBC);
		ck_assert_uint_eq(m->sa.xf[0].keylen, 128);
		break;
	default:
		ck_abort_msg("no expectation for %s", c->name);
	}
}

START_TEST(hand_vectors)
{
	const struct vec_case *c = &vec_cases[_i];
	uint8_t msg[128];
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	struct ike_hdr h = { .version = IKE_VERSION };

	ike_wr_init(&w, msg, sizeof msg);
	ike_build_begin(&b, &w, &h);
	ike_add_raw(&b, c->type, 0, c->bytes + 4, c->len - 4);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	ck_assert_mem_eq(msg + IKE_HDR_LEN, c->bytes, c->len);
	ck_assert_msg(ike_parse_message(msg, w.len, &m) == IKE_OK, "%s", c->name);
	expect_vector(c, &m);

	uint8_t again[128];
	ike_wr_init(&w, again, sizeof again);
	ck_assert_int_eq(ike_build_from_msg(&w, &m), IKE_OK);
	eq_bytes(msg, IKE_HDR_LEN + c->len, again, w.len);
}
END_TEST

/* ---- the critical bit (RFC 7296 2.5) ------------------------------------ */

START_TEST(critical_bit_both_ways)
{
	static const uint8_t body[3] = { 1, 2, 3 };
	for (int critical = 0; critical < 2; critical++) {
		uint8_t store[256];
		struct ike_writer w;
		struct ike_builder b;
		struct ike_msg m, want;
		sample_msg(&want);
		ike_wr_init(&w, store, sizeof store);
		ike_build_begin(&b, &w, &want.hdr);
		/* non-critical, but with the reserved bits set: kept as they are */
		ike_add_raw(&b, 200, critical ? IKE_PLD_CRITICAL : 0x7f, body, sizeof body);
		ike_add_nonce(&b, NONCE, sizeof NONCE);
		ck_assert_int_eq(ike_build_end(&b), IKE_OK);
		enum ike_err e = ike_parse_message(store, w.len, &m);
		if (critical) {
			ck_assert_int_eq(e, IKE_ERR_UNSUPPORTED_CRITICAL);
			ck_assert_uint_eq(m.err_data, 200);
			ck_assert_uint_eq(m.err_off, IKE_HDR_LEN);
			ck_assert_uint_eq(ike_err_notify(e), IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
			continue;
		}
		ck_assert_int_eq(e, IKE_OK);
		ck_assert_uint_eq(m.n_pld, 2);
		ck_assert(!m.pld[0].known);
		ck_assert_uint_eq(m.pld[0].type, 200);
		ck_assert_uint_eq(m.pld[0].flags, 0x7f);
		eq_bytes(m.pld[0].body, m.pld[0].len, body, sizeof body);
		eq_nonce(&want, &m); /* parsing went on past the skipped one */
		uint8_t again[256];
		ike_wr_init(&w, again, sizeof again);
		ck_assert_int_eq(ike_build_from_msg(&w, &m), IKE_OK);
		eq_bytes(store, m.hdr.length, again, w.len);
	}
}
END_TEST

START_TEST(critical_bit_on_known_payload_is_ignored)
{
	uint8_t store[128];
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m, want;
	sample_msg(&want);
	ike_wr_init(&w, store, sizeof store);
	ike_build_begin(&b, &w, &want.hdr);
	ike_add_raw(&b, IKE_PLD_NONCE, IKE_PLD_CRITICAL, NONCE, sizeof NONCE);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	ck_assert_int_eq(ike_parse_message(store, w.len, &m), IKE_OK);
	eq_nonce(&want, &m);
}
END_TEST

/* ---- malformed input: one row per rule ---------------------------------- */

/* Raw SA body: P proposals of X transforms each. */
static void raw_sa(struct ike_builder *b, unsigned P, unsigned X)
{
	struct ike_writer *w = b->w;
	ike_add_raw(b, IKE_PLD_SA, 0, NULL, 0);
	size_t h = b->np_off;
	for (unsigned p = 0; p < P; p++) {
		ike_wr_u8(w, p + 1 < P ? 2 : 0);
		ike_wr_u8(w, 0);
		ike_wr_u16(w, (uint16_t)(8 + 8 * X));
		ike_wr_u8(w, (uint8_t)(p + 1));
		ike_wr_u8(w, IKE_PROTO_IKE);
		ike_wr_u8(w, 0);
		ike_wr_u8(w, (uint8_t)X);
		for (unsigned x = 0; x < X; x++) {
			ike_wr_u8(w, x + 1 < X ? 3 : 0);
			ike_wr_u8(w, 0);
			ike_wr_u16(w, 8);
			ike_wr_u8(w, IKE_TRANSFORM_DH);
			ike_wr_u8(w, 0);
			ike_wr_u16(w, (uint16_t)x);
		}
	}
	ike_wr_patch_u16(w, h + 2, (uint16_t)(w->len - h));
}

static void raw_ts(struct ike_builder *b, unsigned n)
{
	struct ike_writer *w = b->w;
	ike_add_raw(b, IKE_PLD_TSI, 0, NULL, 0);
	size_t h = b->np_off;
	ike_wr_u8(w, (uint8_t)n);
	ike_wr_zeros(w, 3);
	for (unsigned i = 0; i < n; i++) {
		static const uint8_t sel[16] = { 7, 0, 0, 16, 0, 0, 0xff, 0xff };
		ike_wr_bytes(w, sel, sizeof sel);
	}
	ike_wr_patch_u16(w, h + 2, (uint16_t)(w->len - h));
}

static void bad_many_notifies(struct ike_builder *b)
{
	for (unsigned i = 0; i <= IKE_MAX_NOTIFIES; i++)
		ike_add_notify_simple(b, IKE_N_ADDITIONAL_IP4_ADDRESS, SPI4, 4);
}
static void bad_many_payloads(struct ike_builder *b)
{
	for (unsigned i = 0; i <= IKE_MAX_PAYLOADS; i++)
		ike_add_raw(b, 222, 0, NULL, 0);
}
static void bad_many_vendors(struct ike_builder *b)
{
	for (unsigned i = 0; i <= IKE_MAX_VENDORS; i++)
		ike_add_vendor(b, BLOB, sizeof BLOB);
}
static void bad_many_proposals(struct ike_builder *b) { raw_sa(b, IKE_MAX_PROPOSALS + 1, 1); }
static void bad_many_transforms(struct ike_builder *b) { raw_sa(b, 2, 130); }
static void bad_many_ts(struct ike_builder *b) { raw_ts(b, IKE_MAX_TS + 1); }
static void ok_max_transforms(struct ike_builder *b) { raw_sa(b, 2, 128); }
static void ok_max_ts(struct ike_builder *b) { raw_ts(b, IKE_MAX_TS); }
static void bad_two_sa(struct ike_builder *b) { raw_sa(b, 1, 1); raw_sa(b, 1, 1); }
static void bad_short_nonce(struct ike_builder *b) { ike_add_nonce(b, NONCE, 15); }
static void bad_long_nonce(struct ike_builder *b)
{
	static const uint8_t big[257];
	ike_add_nonce(b, big, sizeof big);
}
static void bad_short_ke(struct ike_builder *b) { ike_add_raw(b, IKE_PLD_KE, 0, SPI4, 3); }
static void bad_sk_not_last(struct ike_builder *b)
{
	ike_add_raw(b, IKE_PLD_SK, 0, SEALED, 8); /* raw: the builder chains on */
	ike_add_vendor(b, BLOB, sizeof BLOB);
}
static void bad_delete_count(struct ike_builder *b)
{
	static const uint8_t d[] = { 3, 4, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8 };
	ike_add_raw(b, IKE_PLD_DELETE, 0, d, sizeof d);
}
static void bad_ts_length(struct ike_builder *b)
{
	static const uint8_t t[] = { 1, 0, 0, 0, 7, 0, 0, 17, 0, 0, 0xff, 0xff,
				     1, 2, 3, 4, 5, 6, 7, 8, 9 };
	ike_add_raw(b, IKE_PLD_TSI, 0, t, sizeof t);
}
static void bad_xf_count(struct ike_builder *b)
{
	static const uint8_t s[] = { 0, 0, 0, 16, 1, 1, 0, 2,
				     0, 0, 0, 8, 4, 0, 0, 31 };
	ike_add_raw(b, IKE_PLD_SA, 0, s, sizeof s);
}
static void bad_two_keylens(struct ike_builder *b)
{
	static const uint8_t s[] = { 0, 0, 0, 24, 1, 1, 0, 1, 0, 0, 0, 16, 1, 0, 0, 12,
				     0x80, 14, 0, 128, 0x80, 14, 1, 0 };
	ike_add_raw(b, IKE_PLD_SA, 0, s, sizeof s);
}
static void bad_trailing_bytes(struct ike_builder *b)
{
	ike_add_nonce(b, NONCE, sizeof NONCE);
	ike_wr_bytes(b->w, BLOB, 2); /* after the last payload of the chain */
}
static void bad_xf_says_more(struct ike_builder *b)
{
	static const uint8_t s[] = { 0, 0, 0, 16, 1, 1, 0, 1,
				     3, 0, 0, 8, 4, 0, 0, 31 };
	ike_add_raw(b, IKE_PLD_SA, 0, s, sizeof s);
}
static void bad_prop_says_last(struct ike_builder *b)
{
	static const uint8_t s[] = { 0, 0, 0, 16, 1, 1, 0, 1, 0, 0, 0, 8, 4, 0, 0, 31,
				     0, 0, 0, 16, 2, 1, 0, 1, 0, 0, 0, 8, 4, 0, 0, 19 };
	ike_add_raw(b, IKE_PLD_SA, 0, s, sizeof s);
}
static void bad_keylen_tlv(struct ike_builder *b)
{
	static const uint8_t s[] = { 0, 0, 0, 20, 1, 1, 0, 1,
				     0, 0, 0, 12, 1, 0, 0, 12, 0x00, 14, 0, 0 };
	ike_add_raw(b, IKE_PLD_SA, 0, s, sizeof s);
}
static void bad_eap_length(struct ike_builder *b)
{
	static const uint8_t e[] = { 2, 1, 0, 9, 1, 'a' };
	ike_add_raw(b, IKE_PLD_EAP, 0, e, sizeof e);
}
static void bad_skf_numbers(struct ike_builder *b)
{
	static const uint8_t f[] = { 0, 3, 0, 2, 9, 9 };
	ike_add_raw(b, IKE_PLD_SKF, 0, f, sizeof f);
}

static const struct bad_case {
	const char *name;
	void (*add)(struct ike_builder *);
	enum ike_err want;
} bad_cases[] = {
	{ "65 notifies", bad_many_notifies, IKE_ERR_TOO_MANY },
	{ "65 payloads", bad_many_payloads, IKE_ERR_TOO_MANY },
	{ "17 vendor IDs", bad_many_vendors, IKE_ERR_TOO_MANY },
	{ "17 proposals", bad_many_proposals, IKE_ERR_TOO_MANY },
	{ "260 transforms", bad_many_transforms, IKE_ERR_TOO_MANY },
	{ "17 selectors", bad_many_ts, IKE_ERR_TOO_MANY },
	{ "256 transforms", ok_max_transforms, IKE_OK },
	{ "16 selectors", ok_max_ts, IKE_OK },
	{ "two SA", bad_two_sa, IKE_ERR_DUPLICATE },
	{ "15-octet nonce", bad_short_nonce, IKE_ERR_SYNTAX },
	{ "257-octet nonce", bad_long_nonce, IKE_ERR_SYNTAX },
	{ "3-octet KE", bad_short_ke, IKE_ERR_BAD_LENGTH },
	{ "SK not last", bad_sk_not_last, IKE_ERR_SK_NOT_LAST },
	{ "delete SPI count", bad_delete_count, IKE_ERR_TRUNCATED },
	{ "TS selector length", bad_ts_length, IKE_ERR_BAD_LENGTH },
	{ "transform count", bad_xf_count, IKE_ERR_SYNTAX },
	{ "key length as TLV", bad_keylen_tlv, IKE_ERR_SYNTAX },
	{ "last transform says more", bad_xf_says_more, IKE_ERR_TRUNCATED },
	{ "two key lengths", bad_two_keylens, IKE_ERR_SYNTAX },
	{ "bytes after the last payload", bad_trailing_bytes, IKE_ERR_BAD_LENGTH },
	{ "proposal says last, more follow", bad_prop_says_last, IKE_ERR_BAD_LENGTH },
	{ "EAP length", bad_eap_length, IKE_ERR_BAD_LENGTH },
	{ "SKF numbers", bad_skf_numbers, IKE_ERR_SYNTAX },
};

START_TEST(malformed_rows)
{
	const struct bad_case *c = &bad_cases[_i];
	static uint8_t store[16384];
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m, want;
	sample_msg(&want);
	ike_wr_init(&w, store, sizeof store);
	ike_build_begin(&b, &w, &want.hdr);
	c->add(&b);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	enum ike_err e = ike_parse_message(store, w.len, &m);
	ck_assert_msg(e == c->want, "%s: got %s, want %s", c->name, ike_err_name(e),
		      ike_err_name(c->want));
	if (e)
		ck_assert_uint_eq(ike_err_notify(e), IKE_N_INVALID_SYNTAX);
}
END_TEST

static const struct hdr_case {
	const char *name;
	uint8_t version;
	int length_delta;      /* added to the real length in the header */
	uint32_t length_abs;   /* or this length, when not 0 */
	size_t cut;            /* octets dropped from the end */
	enum ike_err want;
} hdr_cases[] = {
	{ "ok", 0x20, 0, 0, 0, IKE_OK },
	{ "minor version ignored", 0x21, 0, 0, 0, IKE_OK },
	{ "major 3", 0x30, 0, 0, 0, IKE_ERR_MAJOR_VERSION },
	{ "IKEv1", 0x10, 0, 0, 0, IKE_ERR_MAJOR_VERSION },
	{ "length too big", 0x20, 1, 0, 0, IKE_ERR_TRUNCATED },
	{ "length too small", 0x20, -1, 0, 0, IKE_ERR_BAD_LENGTH },
	{ "length below header", 0x20, 0, 20, 0, IKE_ERR_BAD_LENGTH },
	{ "length huge", 0x20, 0, 0xffffffff, 0, IKE_ERR_TRUNCATED },
	{ "short header", 0x20, 0, 0, 29, IKE_ERR_TRUNCATED },
};

START_TEST(header_rows)
{
	const struct hdr_case *c = &hdr_cases[_i];
	uint8_t store[64];
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	struct ike_hdr h = { .version = c->version, .exchange = IKE_EXCH_INFORMATIONAL };
	ike_wr_init(&w, store, sizeof store);
	ike_build_begin(&b, &w, &h);
	ike_add_notify_simple(&b, IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	ike_wr_patch_u32(&w, 24, c->length_abs ? c->length_abs
					       : (uint32_t)((long)w.len + c->length_delta));
	enum ike_err e = ike_parse_message(store, w.len - c->cut, &m);
	ck_assert_msg(e == c->want, "%s: got %s", c->name, ike_err_name(e));
	if (e == IKE_ERR_MAJOR_VERSION) {
		ck_assert_uint_eq(ike_err_notify(e), IKE_N_INVALID_MAJOR_VERSION);
		ck_assert_uint_eq(m.err_data, IKE_VERSION);
	}
}
END_TEST

/* ---- the SK seam: builder side of ike_sk_seal ----------------------------- */

START_TEST(sk_builder_layout_and_inner_parse)
{
	struct ike_msg want, m;
	uint8_t store[1024];
	struct ike_writer w;
	struct ike_builder b;
	const size_t iv_len = 16;
	sample_msg(&want);

	ike_wr_init(&w, store, sizeof store);
	ike_build_begin(&b, &w, &want.hdr);
	ike_add_notify_simple(&b, IKE_N_COOKIE, NATD, 8); /* a clear payload */
	ck_assert_int_eq(ike_add_sk_begin(&b, iv_len), IKE_OK);
	ck_assert_uint_eq(b.sk_off, IKE_HDR_LEN + 16);
	ck_assert_uint_eq(b.sk_iv_off, b.sk_off + 4);
	ike_add_id(&b, IKE_PLD_IDI, &want.idi);
	ike_add_auth(&b, &want.auth);
	ike_add_ts(&b, IKE_PLD_TSI, &want.tsi);
	ck_assert_int_eq(ike_add_sk_begin(&b, iv_len), IKE_ERR_INVALID_ARG); /* one SK only */
	b.err = IKE_OK;
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);

	/* SK generic header: next = first inner, length to the end. */
	ck_assert_uint_eq(store[b.sk_off], IKE_PLD_IDI);
	ck_assert_uint_eq((store[b.sk_off + 2] << 8 | store[b.sk_off + 3]), w.len - b.sk_off);
	/* The clear notify chains to SK. */
	ck_assert_uint_eq(store[IKE_HDR_LEN], IKE_PLD_SK);

	ck_assert_int_eq(ike_parse_message(store, w.len, &m), IKE_OK);
	ck_assert(m.sk.present && !m.is_skf);
	ck_assert_uint_eq(m.sk.off, b.sk_off);
	ck_assert_uint_eq(m.sk.body_len, w.len - b.sk_off - 4);
	ck_assert_uint_eq(m.n_pld, 2);
	/* "decrypt" = skip the IV: the plaintext is the inner chain */
	ck_assert_int_eq(ike_parse_payloads(m.sk.first_inner, m.sk.body + iv_len,
					    m.sk.body_len - iv_len, &m), IKE_OK);
	ck_assert_uint_eq(m.n_pld, 5);
	ck_assert(m.pld[2].inner && !m.pld[1].inner);
	eq_idi(&want, &m);
	eq_auth(&want, &m);
	eq_tsi(&want, &m);

	/* rebuilding the inner payloads gives the plaintext again */
	uint8_t again[1024];
	struct ike_writer w2;
	struct ike_builder b2;
	ike_wr_init(&w2, again, sizeof again);
	ike_build_begin(&b2, &w2, &m.hdr);
	ike_add_sk_begin(&b2, 0);
	ck_assert_int_eq(ike_add_payloads_from_msg(&b2, &m, true), IKE_OK);
	ck_assert_int_eq(ike_build_end(&b2), IKE_OK);
	eq_bytes(m.sk.body + iv_len, m.sk.body_len - iv_len, again + b2.sk_off + 4,
		 w2.len - b2.sk_off - 4);
}
END_TEST

/* The whole send/receive path through proto/sk.h: build with SK, seal,
 * parse, open, parse the inner payloads; tamper and see the ICV fail. */
static const struct ike_suite seal_suites[] = {
	{ .encr = IKE_ENCR_AES_CBC, .encr_keybits = 128, .integ = IKE_INTEG_HMAC_SHA2_256_128 },
	{ .encr = IKE_ENCR_AES_GCM_16, .encr_keybits = 256, .integ = IKE_INTEG_NONE },
	{ .encr = IKE_ENCR_CHACHA20_POLY1305, .integ = IKE_INTEG_NONE },
};

START_TEST(sk_seal_open_round_trip)
{
	const struct ike_suite *suite = &seal_suites[_i];
	struct ike_encr_info ei;
	struct ike_integ_info ii = { 0 };
	uint8_t ske[64], ska[64];
	ck_assert_int_eq(ike_encr_lookup(suite->encr, suite->encr_keybits, &ei), 0);
	if (!ei.aead)
		ck_assert_int_eq(ike_integ_lookup(suite->integ, &ii), 0);
	for (unsigned i = 0; i < sizeof ske; i++)
		ske[i] = (uint8_t)(i * 7 + 1), ska[i] = (uint8_t)(i * 5 + 3);
	struct ike_crypto *c = ike_crypto_new();
	ck_assert_ptr_nonnull(c);
	struct ike_sk *sk = ike_sk_new(c, suite, ske, ei.key_len + ei.salt_len,
				       ei.aead ? NULL : ska, ii.key_len);
	ck_assert_ptr_nonnull(sk);

	struct ike_msg want, m;
	struct ike_writer w;
	struct ike_builder b;
	sample_msg(&want);
	ike_wr_init_dyn(&w, 64); /* grows while sealing too */
	ike_build_begin(&b, &w, &want.hdr);
	ike_add_sk_begin(&b, ike_sk_iv_len(sk));
	ike_add_id(&b, IKE_PLD_IDI, &want.idi);
	ike_add_auth(&b, &want.auth);
	ike_add_sa(&b, &want.sa);
	ike_add_ts(&b, IKE_PLD_TSI, &want.tsi);
	ike_add_ts(&b, IKE_PLD_TSR, &want.tsr);
	ike_add_notify_simple(&b, IKE_N_MOBIKE_SUPPORTED, NULL, 0);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	size_t plain_len = w.len - b.sk_off - 4 - ike_sk_iv_len(sk);
	ck_assert_int_eq(ike_sk_seal_wr(sk, &w, b.sk_off), 0);
	ck_assert_uint_gt(w.len, b.sk_off + 4 + ike_sk_iv_len(sk) + plain_len);

	uint8_t *pkt = malloc(w.len);
	memcpy(pkt, w.data, w.len);
	size_t len = w.len;
	ike_wr_free(&w);
	ck_assert_int_eq(ike_parse_message(pkt, len, &m), IKE_OK);
	ck_assert(m.sk.present);
	ck_assert_uint_eq(m.sk.off, b.sk_off);

	uint8_t *bad = malloc(len); /* one flipped ciphertext bit: ICV fails */
	memcpy(bad, pkt, len);
	bad[m.sk.off + 4 + ike_sk_iv_len(sk)] ^= 1;
	size_t poff, plen;
	ck_assert_int_eq(ike_sk_open(sk, bad, len, m.sk.off, &poff, &plen), -EBADMSG);
	free(bad);

	ck_assert_int_eq(ike_sk_open(sk, pkt, len, m.sk.off, &poff, &plen), 0);
	ck_assert_uint_eq(plen, plain_len);
	ck_assert_int_eq(ike_parse_payloads(m.sk.first_inner, pkt + poff, plen, &m), IKE_OK);
	eq_idi(&want, &m);
	eq_auth(&want, &m);
	eq_sa(&want, &m);
	eq_tsi(&want, &m);
	eq_tsr(&want, &m);
	ck_assert_ptr_nonnull(ike_msg_notify(&m, IKE_N_MOBIKE_SUPPORTED));
	free(pkt);
	ike_sk_free(sk);
	ike_crypto_free(c);
}
END_TEST

START_TEST(skf_builder_layout)
{
	uint8_t store[256];
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m, want;
	sample_msg(&want);
	ike_wr_init(&w, store, sizeof store);
	ike_build_begin(&b, &w, &want.hdr);
	ck_assert_int_eq(ike_add_skf_begin(&b, 3, 2, 8), IKE_ERR_INVALID_ARG);
	b.err = IKE_OK;
	ck_assert_int_eq(ike_add_skf_begin(&b, 1, 2, 8), IKE_OK);
	ike_add_id(&b, IKE_PLD_IDI, &want.idi);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	ck_assert_uint_eq(b.sk_iv_off, IKE_HDR_LEN + 8);
	ck_assert_int_eq(ike_parse_message(store, w.len, &m), IKE_OK);
	ck_assert(m.is_skf);
	ck_assert_uint_eq(m.sk.frag_num, 1);
	ck_assert_uint_eq(m.sk.frag_total, 2);
	ck_assert_uint_eq(m.sk.first_inner, IKE_PLD_IDI);
	ck_assert_uint_eq(m.sk.body_len, w.len - IKE_HDR_LEN - 8);
}
END_TEST

START_TEST(builder_reports_no_space)
{
	struct ike_msg want;
	sample_msg(&want);
	uint8_t full[4096];
	size_t len = build_all(&want, full, sizeof full);
	for (size_t cap = 0; cap < len; cap += 7) {
		uint8_t store[4096];
		struct ike_writer w;
		struct ike_builder b;
		ike_wr_init(&w, store, cap);
		ike_build_begin(&b, &w, &want.hdr);
		for (unsigned i = 0; i < ARRAY_SIZE(rt_cases); i++)
			if (rt_cases[i].type != IKE_PLD_SKF)
				rt_cases[i].add(&b, &want);
		ck_assert_int_eq(ike_build_end(&b), IKE_ERR_NO_SPACE);
		ck_assert_uint_le(w.len, cap);
	}
}
END_TEST

/* ---- golden messages from strongSwan (t/data/golden/, see its README) --- */

static glob_t golden; /* every NN-*.hex, found when the suite is made */

static size_t unhex(const char *txt, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;
	while (*txt && n < cap && sscanf(txt, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		txt += 2;
		while (*txt == '\n' || *txt == ' ' || *txt == '\r')
			txt++;
	}
	return n;
}

static size_t load_hex(const char *path, uint8_t *out, size_t cap)
{
	static char txt[2 * 65536 + 64];
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	size_t n = fread(txt, 1, sizeof txt - 1, f);
	fclose(f);
	txt[n] = 0;
	size_t len = unhex(txt, out, cap);
	ck_assert_uint_gt(len, IKE_HDR_LEN);
	return len;
}

/* A named value from the keys.txt next to a golden file, hex-decoded. */
static size_t golden_key(const char *msg_path, const char *name, uint8_t *out, size_t cap)
{
	char path[1024], line[4096], key[64];
	snprintf(path, sizeof path, "%s", msg_path);
	char *slash = strrchr(path, '/');
	ck_assert_ptr_nonnull(slash);
	snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "keys.txt");
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	size_t len = 0;
	while (fgets(line, sizeof line, f)) {
		char *eq = strstr(line, " = ");
		if (line[0] == '#' || !eq || (size_t)(eq - line) >= sizeof key)
			continue;
		memcpy(key, line, (size_t)(eq - line));
		key[eq - line] = 0;
		if (!strcmp(key, name)) {
			len = unhex(eq + 3, out, cap);
			break;
		}
	}
	fclose(f);
	return len;
}

START_TEST(golden_parses_and_reencodes)
{
	const char *path = golden.gl_pathv[_i];
	static uint8_t buf[65536], again[65536];
	static struct ike_msg m;
	size_t len = load_hex(path, buf, sizeof buf);
	enum ike_err e = ike_parse_message(buf, len, &m);
	ck_assert_msg(e == IKE_OK, "%s: %s at %zu", path, ike_err_name(e), m.err_off);

	/* the file name says the exchange */
	const char *exch = ike_name_exchange(m.hdr.exchange);
	ck_assert_ptr_nonnull(exch);
	ck_assert_msg(strstr(path, exch), "%s is %s", path, exch);
	if (m.hdr.exchange == IKE_EXCH_SA_INIT) {
		ck_assert(m.has_sa && m.has_ke && m.has_nonce && !m.sk.present);
		ck_assert_ptr_nonnull(ike_msg_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP));
		ck_assert_ptr_nonnull(ike_msg_notify(&m, IKE_N_NAT_DETECTION_DESTINATION_IP));
	} else {
		size_t off;
		uint8_t t;
		ck_assert(m.sk.present && !m.is_skf);
		ck_assert_int_eq(ike_find_sk(buf, len, &off, &t), IKE_OK);
		ck_assert_uint_eq(off, m.sk.off);
	}
	struct ike_writer w;
	ike_wr_init(&w, again, sizeof again);
	ck_assert_int_eq(ike_build_from_msg(&w, &m), IKE_OK);
	eq_bytes(buf, len, again, w.len);
}
END_TEST

/* strongSwan's default IKE proposals: far more transforms than a naive
 * 16 x 32 limit would hold. */
START_TEST(strongswan_default_proposals)
{
	static uint8_t buf[4096];
	static struct ike_msg m;
	size_t len = load_hex(SRCDIR "/t/data/codec/strongswan-default/01-IKE_SA_INIT-i-req.hex",
			      buf, sizeof buf);
	ck_assert_int_eq(ike_parse_message(buf, len, &m), IKE_OK);
	ck_assert_uint_eq(m.sa.n_prop, 2);
	ck_assert_uint_eq(m.sa.prop[0].n_xf, 34);
	ck_assert_uint_eq(m.sa.prop[1].n_xf, 36);
	ck_assert_uint_eq(m.sa.n_xf, 70);
	const struct ike_transform *x = ike_prop_xf(&m.sa, &m.sa.prop[1], 0);
	ck_assert_uint_eq(x->type, IKE_TRANSFORM_ENCR);
	ck_assert_uint_eq(x->id, IKE_ENCR_AES_GCM_16);
	ck_assert(x->has_keylen && x->keylen == 128);
	ck_assert_ptr_nonnull(ike_msg_notify(&m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED));
	ck_assert_ptr_nonnull(ike_msg_notify(&m, IKE_N_SIGNATURE_HASH_ALGORITHMS));
}
END_TEST

/* The IKE SA suite strongSwan chose: the SA of its IKE_SA_INIT response. */
static void golden_suite(const char *msg_path, struct ike_suite *suite)
{
	static uint8_t buf[4096];
	static struct ike_msg m;
	char path[1024];
	glob_t g;
	snprintf(path, sizeof path, "%s", msg_path);
	snprintf(strrchr(path, '/') + 1, 64, "*-IKE_SA_INIT-r-resp.hex");
	ck_assert_int_eq(glob(path, 0, NULL, &g), 0);
	size_t len = load_hex(g.gl_pathv[0], buf, sizeof buf);
	globfree(&g);
	ck_assert_int_eq(ike_parse_message(buf, len, &m), IKE_OK);
	ck_assert_uint_eq(m.sa.n_prop, 1);
	memset(suite, 0, sizeof(*suite));
	for (unsigned i = 0; i < m.sa.prop[0].n_xf; i++) {
		const struct ike_transform *xf = ike_prop_xf(&m.sa, &m.sa.prop[0], i);
		if (xf->type == IKE_TRANSFORM_ENCR) {
			suite->encr = xf->id;
			suite->encr_keybits = xf->keylen;
		} else if (xf->type == IKE_TRANSFORM_INTEG) {
			suite->integ = xf->id;
		} else if (xf->type == IKE_TRANSFORM_PRF) {
			suite->prf = xf->id;
		} else if (xf->type == IKE_TRANSFORM_DH) {
			suite->dh = xf->id;
		}
	}
}

/* Which IKE SA's keys a message is under: "" (first) or "ike2_" (after the
 * IKE rekey), from its SPIs; NULL when neither matches. */
static const char *golden_sa_prefix(const char *path, const struct ike_hdr *h)
{
	static const char *prefixes[] = { "", "ike2_" };
	for (unsigned i = 0; i < ARRAY_SIZE(prefixes); i++) {
		uint8_t spi[8], want[8];
		char name[32];
		snprintf(name, sizeof name, "%sspi_i", prefixes[i]);
		if (golden_key(path, name, spi, sizeof spi) != 8)
			continue;
		for (int b = 0; b < 8; b++)
			want[b] = (uint8_t)(h->spi_i >> (56 - 8 * b));
		if (!memcmp(spi, want, 8))
			return prefixes[i];
	}
	return NULL;
}

/* Decrypt with the keys charon logged (proto/sk.h), parse the inner
 * payloads, rebuild them: the same plaintext; IDs and AUTH as logged. */
START_TEST(golden_inner_payloads)
{
	const char *path = golden.gl_pathv[_i];
	static uint8_t buf[65536], again[65536];
	static struct ike_msg m;
	size_t len = load_hex(path, buf, sizeof buf);
	ck_assert_int_eq(ike_parse_message(buf, len, &m), IKE_OK);
	if (!m.sk.present)
		return; /* IKE_SA_INIT: nothing encrypted */

	struct ike_suite suite;
	golden_suite(path, &suite);
	const char *pre = golden_sa_prefix(path, &m.hdr);
	ck_assert_msg(pre != NULL, "%s: SPIs not in keys.txt", path);
	bool from_i = m.hdr.flags & IKE_FLAG_INITIATOR;
	char name[32];
	uint8_t ske[64], ska[64];
	snprintf(name, sizeof name, "%ssk_e%c", pre, from_i ? 'i' : 'r');
	size_t ske_len = golden_key(path, name, ske, sizeof ske);
	snprintf(name, sizeof name, "%ssk_a%c", pre, from_i ? 'i' : 'r');
	size_t ska_len = golden_key(path, name, ska, sizeof ska);
	ck_assert_uint_gt(ske_len, 0);

	struct ike_crypto *c = ike_crypto_new();
	ck_assert_ptr_nonnull(c);
	struct ike_sk *sk = ike_sk_new(c, &suite, ske, ske_len, ska_len ? ska : NULL, ska_len);
	ck_assert_ptr_nonnull(sk);
	size_t poff, plen;
	int rc = ike_sk_open(sk, buf, len, m.sk.off, &poff, &plen);
	ike_sk_free(sk);
	ike_crypto_free(c);
	ck_assert_msg(rc == 0, "%s: ike_sk_open %d", path, rc);

	enum ike_err e = ike_parse_payloads(m.sk.first_inner, buf + poff, plen, &m);
	ck_assert_msg(e == IKE_OK, "%s: inner %s at %zu", path, ike_err_name(e), m.err_off);

	struct ike_writer w;
	struct ike_builder b;
	ike_wr_init(&w, again, sizeof again);
	ike_build_begin(&b, &w, &m.hdr);
	ike_add_sk_begin(&b, 0);
	ck_assert_int_eq(ike_add_payloads_from_msg(&b, &m, true), IKE_OK);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	eq_bytes(buf + poff, plen, again + b.sk_off + 4, w.len - b.sk_off - 4);

	if (m.hdr.exchange == IKE_EXCH_AUTH) {
		uint8_t want[512];
		bool req = !(m.hdr.flags & IKE_FLAG_RESPONSE);
		const struct ike_id *id = req ? &m.idi : &m.idr;
		ck_assert(req ? m.has_idi : m.has_idr);
		ck_assert(m.has_auth && m.has_sa && m.has_tsi && m.has_tsr);
		size_t n = golden_key(path, req ? "idi_body" : "idr_body", want, sizeof want);
		eq_bytes(want, n, id->body, id->body_len);
		n = golden_key(path, req ? "auth_i" : "auth_r", want, sizeof want);
		eq_bytes(want, n, m.auth.data, m.auth.len);
		if (strstr(path, "mobike"))
			ck_assert_ptr_nonnull(ike_msg_notify(&m, IKE_N_MOBIKE_SUPPORTED));
	}
}
END_TEST

/* ---- truncation and bit flips ------------------------------------------- */

/* Every zero-copy pointer the parse produced lies inside [buf, buf+len). */
static void assert_inside(const struct ike_msg *m, const uint8_t *buf, size_t len)
{
#define INSIDE(p, n) ck_assert(!(n) || ((p) >= buf && (p) + (n) <= buf + len))
	for (unsigned i = 0; i < m->n_pld; i++)
		INSIDE(m->pld[i].body, m->pld[i].len);
	for (unsigned i = 0; i < m->n_notify; i++) {
		INSIDE(m->notify[i].spi, m->notify[i].spi_size);
		INSIDE(m->notify[i].data, m->notify[i].len);
	}
	for (unsigned i = 0; i < m->sa.n_xf; i++)
		INSIDE(m->sa.xf[i].attrs, m->sa.xf[i].attrs_len);
	INSIDE(m->ke.data, m->ke.len);
	INSIDE(m->idi.body, m->idi.body_len);
	INSIDE(m->nonce.data, m->nonce.len);
	INSIDE(m->sk.body, m->sk.body_len);
	for (unsigned i = 0; i < m->cp.n; i++)
		INSIDE(m->cp.attr[i].data, m->cp.attr[i].len);
#undef INSIDE
}

/* Parse a copy of exactly len bytes on the heap, so that ASan sees any read
 * past the end.  *keep (when asked for) gets the copy m points into. */
static enum ike_err parse_exact(const uint8_t *bytes, size_t len, struct ike_msg *m,
				uint8_t **keep)
{
	uint8_t *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, bytes, len);
	enum ike_err e = ike_parse_message(copy, len, m);
	if (!e)
		assert_inside(m, copy, len);
	if (keep)
		*keep = copy;
	else
		free(copy);
	return e;
}

/* Inputs of the loops: 0 = every payload in one message, then one per
 * round-trip row, then every golden message. */
#define N_SYNTHETIC (ARRAY_SIZE(rt_cases) + 1)

static size_t sample_wire(unsigned which, uint8_t *store, size_t cap)
{
	struct ike_msg want;
	sample_msg(&want);
	if (which == 0)
		return build_all(&want, store, cap);
	if (which < N_SYNTHETIC)
		return build_row(&rt_cases[which - 1], &want, store, cap);
	return load_hex(golden.gl_pathv[which - N_SYNTHETIC], store, cap);
}

START_TEST(every_prefix_is_an_error)
{
	static uint8_t full[65536];
	static struct ike_msg m;
	size_t len = sample_wire(_i, full, sizeof full);
	for (size_t cut = 0; cut < len; cut++) {
		/* as received: header length says more than we have */
		ck_assert_int_ne(parse_exact(full, cut, &m, NULL), IKE_OK);
		/* consistent header, chain cut short */
		if (cut < IKE_HDR_LEN)
			continue;
		uint8_t *p = malloc(cut);
		memcpy(p, full, cut);
		p[24] = cut >> 24, p[25] = cut >> 16, p[26] = cut >> 8, p[27] = cut;
		enum ike_err e = ike_parse_message(p, cut, &m);
		free(p);
		ck_assert_msg(e != IKE_OK, "prefix %zu of %zu parsed", cut, len);
	}
}
END_TEST

START_TEST(bit_flips_never_crash)
{
	static uint8_t full[65536], flip[65536], again[2 * 65536];
	static struct ike_msg m, m2;
	size_t len = sample_wire(_i, full, sizeof full);
	unsigned errors = 0;
	for (size_t bit = 0; bit < len * 8; bit++) {
		memcpy(flip, full, len);
		flip[bit / 8] ^= 1u << (bit % 8);
		uint8_t *copy;
		enum ike_err e = parse_exact(flip, len, &m, &copy);
		ck_assert_int_lt(e, IKE_ERR__COUNT);
		if (e) {
			free(copy);
			ck_assert_ptr_nonnull(ike_err_name(e));
			errors++;
			continue;
		}
		/* what parsed must re-encode and parse back to the same bytes */
		struct ike_writer w;
		ike_wr_init(&w, again, sizeof again);
		ck_assert_int_eq(ike_build_from_msg(&w, &m), IKE_OK);
		ck_assert_int_eq(ike_parse_message(again, w.len, &m2), IKE_OK);
		size_t l1 = w.len;
		ike_wr_init(&w, again + l1, sizeof again - l1);
		ck_assert_int_eq(ike_build_from_msg(&w, &m2), IKE_OK);
		eq_bytes(again, l1, again + l1, w.len);
		free(copy);
	}
	ck_assert_uint_gt(errors, 0);
}
END_TEST

/* ---- errors ---------------------------------------------------------- */

START_TEST(every_error_has_a_name_and_notify)
{
	for (int e = 0; e < IKE_ERR__COUNT; e++) {
		ck_assert_ptr_nonnull(ike_err_name(e));
		for (int f = 0; f < e; f++)
			ck_assert_str_ne(ike_err_name(e), ike_err_name(f));
		bool parse_err = e != IKE_OK && e != IKE_ERR_NO_SPACE && e != IKE_ERR_INVALID_ARG;
		ck_assert_int_eq(ike_err_notify(e) != 0, parse_err);
	}
	ck_assert_uint_eq(ike_err_notify(IKE_ERR_TRUNCATED), IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(ike_err_notify(IKE_ERR_UNSUPPORTED_CRITICAL), 1);
	ck_assert_uint_eq(ike_err_notify(IKE_ERR_MAJOR_VERSION), 5);
	ck_assert_str_eq(ike_err_name(IKE_ERR__COUNT + 3), "unknown_error");
}
END_TEST

START_TEST(find_sk_without_sk)
{
	struct ike_msg want;
	sample_msg(&want);
	uint8_t store[256];
	size_t len = build_row(&rt_cases[0], &want, store, sizeof store);
	size_t off;
	uint8_t t;
	ck_assert_int_eq(ike_find_sk(store, len, &off, &t), IKE_ERR_SYNTAX);
	ck_assert_int_eq(ike_find_sk(store, len - 1, &off, &t), IKE_ERR_TRUNCATED);
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("proto_codec");
	TCase *tc = tcase_create("buf");
	tcase_add_test(tc, reader_checks_every_read);
	tcase_add_test(tc, writer_fixed_overflows_cleanly);
	tcase_add_test(tc, writer_grows);
	suite_add_tcase(s, tc);

	tc = tcase_create("round_trip");
	tcase_add_loop_test(tc, round_trip_each_payload, 0, ARRAY_SIZE(rt_cases));
	tcase_add_test(tc, round_trip_all_in_one);
	tcase_add_test(tc, parse_into_used_struct);
	tcase_add_test(tc, vector_header);
	tcase_add_loop_test(tc, hand_vectors, 0, ARRAY_SIZE(vec_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, critical_bit_both_ways);
	tcase_add_test(tc, critical_bit_on_known_payload_is_ignored);
	tcase_add_loop_test(tc, malformed_rows, 0, ARRAY_SIZE(bad_cases));
	tcase_add_loop_test(tc, header_rows, 0, ARRAY_SIZE(hdr_cases));
	tcase_add_test(tc, every_error_has_a_name_and_notify);
	tcase_add_test(tc, find_sk_without_sk);
	suite_add_tcase(s, tc);

	tc = tcase_create("sk");
	tcase_add_test(tc, sk_builder_layout_and_inner_parse);
	tcase_add_loop_test(tc, sk_seal_open_round_trip, 0, ARRAY_SIZE(seal_suites));
	tcase_add_test(tc, skf_builder_layout);
	tcase_add_test(tc, builder_reports_no_space);
	suite_add_tcase(s, tc);

	/* t/data/golden: the capture issue's cases; t/data/codec: ours */
	int g1 = glob(SRCDIR "/t/data/golden/*/[0-9]*.hex", 0, NULL, &golden);
	int g2 = glob(SRCDIR "/t/data/codec/*/[0-9]*.hex", g1 ? 0 : GLOB_APPEND, NULL, &golden);
	if (g1 && g2)
		golden.gl_pathc = 0;
	if (!golden.gl_pathc)
		printf("SKIP golden: no t/data/{golden,codec}/*/NN-*.hex files\n");
	tc = tcase_create("golden");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, strongswan_default_proposals);
	tcase_add_loop_test(tc, golden_parses_and_reencodes, 0, golden.gl_pathc);
	tcase_add_loop_test(tc, golden_inner_payloads, 0, golden.gl_pathc);
	suite_add_tcase(s, tc);

	tc = tcase_create("robust");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, every_prefix_is_an_error, 0, N_SYNTHETIC + golden.gl_pathc);
	tcase_add_loop_test(tc, bit_flips_never_crash, 0, N_SYNTHETIC + golden.gl_pathc);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(codec_suite)
