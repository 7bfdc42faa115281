/* IKEv2 builder: header, payload chain and every payload body.
 *
 * Each payload is written as: patch the previous payload's next-payload
 * octet (or the header's) with our type, write our generic header with a
 * zero next-payload and a placeholder length, write the body, patch the
 * length.  The first error sticks in b->err; later calls do nothing. */
#include "proto/ike.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define NP_CLOSED SIZE_MAX /* nothing may follow (sealed SK/SKF written) */

static enum ike_err set_err(struct ike_builder *b, enum ike_err e)
{
	if (!b->err)
		b->err = e;
	return b->err;
}

static enum ike_err wr_status(struct ike_builder *b)
{
	if (!b->err && b->w->bad)
		b->err = IKE_ERR_NO_SPACE;
	return b->err;
}

enum ike_err ike_build_begin(struct ike_builder *b, struct ike_writer *w,
			     const struct ike_hdr *h)
{
	memset(b, 0, sizeof(*b));
	b->w = w;
	b->msg_off = ike_wr_mark(w);
	b->np_off = b->msg_off + 16;
	b->sk_off = SIZE_MAX;
	ike_wr_u64(w, h->spi_i);
	ike_wr_u64(w, h->spi_r);
	ike_wr_u8(w, IKE_PLD_NONE);
	ike_wr_u8(w, h->version ? h->version : IKE_VERSION);
	ike_wr_u8(w, h->exchange);
	ike_wr_u8(w, h->flags);
	ike_wr_u32(w, h->msgid);
	ike_wr_u32(w, 0);
	return wr_status(b);
}

/* Chain in a payload of `type` and write its generic header; *hdr_off is
 * where that header starts. */
static enum ike_err pld_begin(struct ike_builder *b, uint8_t type, uint8_t flags,
			      size_t *hdr_off)
{
	if (b->err)
		return b->err;
	if (b->np_off == NP_CLOSED)
		return set_err(b, IKE_ERR_INVALID_ARG);
	ike_wr_patch_u8(b->w, b->np_off, type);
	*hdr_off = ike_wr_mark(b->w);
	ike_wr_u8(b->w, IKE_PLD_NONE);
	ike_wr_u8(b->w, flags);
	ike_wr_u16(b->w, 0);
	b->np_off = *hdr_off;
	return wr_status(b);
}

static enum ike_err pld_end(struct ike_builder *b, size_t hdr_off)
{
	if (wr_status(b))
		return b->err;
	size_t len = b->w->len - hdr_off;
	if (len > UINT16_MAX)
		return set_err(b, IKE_ERR_INVALID_ARG);
	ike_wr_patch_u16(b->w, hdr_off + 2, (uint16_t)len);
	b->last_body_off = hdr_off + IKE_GEN_HDR_LEN;
	b->last_body_len = len - IKE_GEN_HDR_LEN;
	return wr_status(b);
}

enum ike_err ike_build_end(struct ike_builder *b)
{
	if (wr_status(b))
		return b->err;
	struct ike_writer *w = b->w;
	if (b->sk_off != SIZE_MAX) {
		size_t sk_len = w->len - b->sk_off;
		if (sk_len > UINT16_MAX)
			return set_err(b, IKE_ERR_INVALID_ARG);
		ike_wr_patch_u16(w, b->sk_off + 2, (uint16_t)sk_len);
	}
	size_t len = w->len - b->msg_off;
	if (len > UINT32_MAX)
		return set_err(b, IKE_ERR_INVALID_ARG);
	ike_wr_patch_u32(w, b->msg_off + 24, (uint32_t)len);
	return wr_status(b);
}

/* ---- SA -------------------------------------------------------------- */

enum ike_err ike_sa_add_proposal(struct ike_sa *sa, uint8_t num, uint8_t protocol,
				 const uint8_t *spi, uint8_t spi_size)
{
	if (sa->n_prop >= IKE_MAX_PROPOSALS)
		return IKE_ERR_TOO_MANY;
	if (spi_size > sizeof(sa->prop[0].spi) || (spi_size && !spi))
		return IKE_ERR_INVALID_ARG;
	struct ike_proposal *p = &sa->prop[sa->n_prop++];
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->protocol = protocol;
	p->spi_size = spi_size;
	if (spi_size)
		memcpy(p->spi, spi, spi_size);
	p->xf_first = sa->n_xf;
	return IKE_OK;
}

enum ike_err ike_sa_add_transform(struct ike_sa *sa, uint8_t type, uint16_t id,
				  uint16_t keylen)
{
	if (!sa->n_prop)
		return IKE_ERR_INVALID_ARG;
	struct ike_proposal *p = &sa->prop[sa->n_prop - 1];
	if (p->xf_first + p->n_xf != sa->n_xf || p->n_xf >= UINT8_MAX)
		return IKE_ERR_INVALID_ARG;
	if (sa->n_xf >= IKE_MAX_TRANSFORMS)
		return IKE_ERR_TOO_MANY;
	struct ike_transform *xf = &sa->xf[sa->n_xf++];
	memset(xf, 0, sizeof(*xf));
	xf->type = type;
	xf->id = id;
	xf->has_keylen = keylen != 0;
	xf->keylen = keylen;
	p->n_xf++;
	return IKE_OK;
}

static void put_transform(struct ike_writer *w, const struct ike_transform *xf, bool last)
{
	ike_wr_u8(w, last ? 0 : 3);
	ike_wr_u8(w, 0);
	size_t len_off = ike_wr_begin_len16(w);
	size_t start = len_off - 2;
	ike_wr_u8(w, xf->type);
	ike_wr_u8(w, 0);
	ike_wr_u16(w, xf->id);
	if (xf->attrs_len) {
		ike_wr_bytes(w, xf->attrs, xf->attrs_len);
	} else if (xf->has_keylen) {
		ike_wr_u16(w, IKE_ATTR_TV | IKE_ATTR_KEY_LENGTH);
		ike_wr_u16(w, xf->keylen);
	}
	ike_wr_end_len16(w, len_off, start);
}

static enum ike_err put_proposal(struct ike_writer *w, const struct ike_sa *sa,
				 const struct ike_proposal *p, bool last)
{
	if (p->spi_size > sizeof(p->spi) || p->n_xf > UINT8_MAX ||
	    (size_t)p->xf_first + p->n_xf > sa->n_xf)
		return IKE_ERR_INVALID_ARG;
	ike_wr_u8(w, last ? 0 : 2);
	ike_wr_u8(w, 0);
	size_t len_off = ike_wr_begin_len16(w);
	size_t start = len_off - 2;
	ike_wr_u8(w, p->num);
	ike_wr_u8(w, p->protocol);
	ike_wr_u8(w, p->spi_size);
	ike_wr_u8(w, (uint8_t)p->n_xf);
	ike_wr_bytes(w, p->spi, p->spi_size);
	for (unsigned i = 0; i < p->n_xf; i++)
		put_transform(w, ike_prop_xf(sa, p, i), i + 1 == p->n_xf);
	if (ike_wr_end_len16(w, len_off, start) == -EOVERFLOW)
		return IKE_ERR_INVALID_ARG;
	return IKE_OK;
}

enum ike_err ike_add_sa(struct ike_builder *b, const struct ike_sa *sa)
{
	size_t h;
	if (pld_begin(b, IKE_PLD_SA, 0, &h))
		return b->err;
	if (!sa->n_prop || sa->n_prop > IKE_MAX_PROPOSALS)
		return set_err(b, IKE_ERR_INVALID_ARG);
	for (unsigned i = 0; i < sa->n_prop; i++) {
		enum ike_err e = put_proposal(b->w, sa, &sa->prop[i], i + 1 == sa->n_prop);
		if (e)
			return set_err(b, e);
	}
	return pld_end(b, h);
}

/* ---- small fixed-layout payloads ------------------------------------- */

/* Payloads whose body is: one octet, `pad` zero octets, data. */
static enum ike_err add_tagged(struct ike_builder *b, uint8_t type, uint8_t tag,
			       size_t pad, const void *data, size_t len)
{
	size_t h;
	if (pld_begin(b, type, 0, &h))
		return b->err;
	ike_wr_u8(b->w, tag);
	ike_wr_zeros(b->w, pad);
	ike_wr_bytes(b->w, data, len);
	return pld_end(b, h);
}

enum ike_err ike_add_ke(struct ike_builder *b, const struct ike_ke *ke)
{
	size_t h;
	if (pld_begin(b, IKE_PLD_KE, 0, &h))
		return b->err;
	ike_wr_u16(b->w, ke->group);
	ike_wr_u16(b->w, 0);
	ike_wr_bytes(b->w, ke->data, ke->len);
	return pld_end(b, h);
}

enum ike_err ike_add_id(struct ike_builder *b, uint8_t pld_type, const struct ike_id *id)
{
	if (pld_type != IKE_PLD_IDI && pld_type != IKE_PLD_IDR)
		return set_err(b, IKE_ERR_INVALID_ARG);
	return add_tagged(b, pld_type, id->type, 3, id->data, id->len);
}

enum ike_err ike_add_cert(struct ike_builder *b, uint8_t pld_type, const struct ike_cert *c)
{
	if (pld_type != IKE_PLD_CERT && pld_type != IKE_PLD_CERTREQ)
		return set_err(b, IKE_ERR_INVALID_ARG);
	return add_tagged(b, pld_type, c->encoding, 0, c->data, c->len);
}

enum ike_err ike_add_auth(struct ike_builder *b, const struct ike_auth *a)
{
	return add_tagged(b, IKE_PLD_AUTH, a->method, 3, a->data, a->len);
}

enum ike_err ike_add_raw(struct ike_builder *b, uint8_t type, uint8_t flags,
			 const void *body, size_t len)
{
	size_t h;
	if (pld_begin(b, type, flags, &h))
		return b->err;
	ike_wr_bytes(b->w, body, len);
	return pld_end(b, h);
}

enum ike_err ike_add_nonce(struct ike_builder *b, const uint8_t *nonce, size_t len)
{
	return ike_add_raw(b, IKE_PLD_NONCE, 0, nonce, len);
}

enum ike_err ike_add_vendor(struct ike_builder *b, const uint8_t *vid, size_t len)
{
	return ike_add_raw(b, IKE_PLD_VENDOR, 0, vid, len);
}

enum ike_err ike_add_notify(struct ike_builder *b, const struct ike_notify *n)
{
	size_t h;
	if (pld_begin(b, IKE_PLD_NOTIFY, 0, &h))
		return b->err;
	ike_wr_u8(b->w, n->protocol);
	ike_wr_u8(b->w, n->spi_size);
	ike_wr_u16(b->w, n->type);
	ike_wr_bytes(b->w, n->spi, n->spi_size);
	ike_wr_bytes(b->w, n->data, n->len);
	return pld_end(b, h);
}

enum ike_err ike_add_notify_simple(struct ike_builder *b, uint16_t type,
				   const void *data, size_t len)
{
	struct ike_notify n = { .type = type, .data = data, .len = len };
	return ike_add_notify(b, &n);
}

enum ike_err ike_add_delete(struct ike_builder *b, const struct ike_delete *d)
{
	size_t h;
	if (pld_begin(b, IKE_PLD_DELETE, 0, &h))
		return b->err;
	ike_wr_u8(b->w, d->protocol);
	ike_wr_u8(b->w, d->spi_size);
	ike_wr_u16(b->w, d->n_spi);
	ike_wr_bytes(b->w, d->spis, (size_t)d->n_spi * d->spi_size);
	return pld_end(b, h);
}

/* ---- TS, CP, EAP ----------------------------------------------------- */

static enum ike_err put_selector(struct ike_writer *w, const struct ike_ts *ts)
{
	size_t alen = ts->type == IKE_TS_IPV4_ADDR_RANGE ? 4 :
		      ts->type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 0;
	if (!alen && ts->raw_len > UINT16_MAX - 4)
		return IKE_ERR_INVALID_ARG;
	ike_wr_u8(w, ts->type);
	ike_wr_u8(w, ts->ip_proto);
	if (!alen) {
		ike_wr_u16(w, (uint16_t)(4 + ts->raw_len));
		ike_wr_bytes(w, ts->raw, ts->raw_len);
		return IKE_OK;
	}
	ike_wr_u16(w, (uint16_t)(8 + 2 * alen));
	ike_wr_u16(w, ts->start_port);
	ike_wr_u16(w, ts->end_port);
	ike_wr_bytes(w, ts->start, alen);
	ike_wr_bytes(w, ts->end, alen);
	return IKE_OK;
}

enum ike_err ike_add_ts(struct ike_builder *b, uint8_t pld_type, const struct ike_ts_list *ts)
{
	size_t h;
	if (pld_type != IKE_PLD_TSI && pld_type != IKE_PLD_TSR)
		return set_err(b, IKE_ERR_INVALID_ARG);
	if (ts->n > IKE_MAX_TS)
		return set_err(b, IKE_ERR_INVALID_ARG);
	if (pld_begin(b, pld_type, 0, &h))
		return b->err;
	ike_wr_u8(b->w, ts->n);
	ike_wr_zeros(b->w, 3);
	for (unsigned i = 0; i < ts->n; i++) {
		enum ike_err e = put_selector(b->w, &ts->ts[i]);
		if (e)
			return set_err(b, e);
	}
	return pld_end(b, h);
}

enum ike_err ike_add_cp(struct ike_builder *b, const struct ike_cp *cp)
{
	size_t h;
	if (cp->n > IKE_MAX_CP_ATTRS)
		return set_err(b, IKE_ERR_INVALID_ARG);
	if (pld_begin(b, IKE_PLD_CP, 0, &h))
		return b->err;
	ike_wr_u8(b->w, cp->type);
	ike_wr_zeros(b->w, 3);
	for (unsigned i = 0; i < cp->n; i++) {
		const struct ike_cp_attr *a = &cp->attr[i];
		ike_wr_u16(b->w, a->type & IKE_CPA_TYPE_MASK);
		ike_wr_u16(b->w, a->len);
		ike_wr_bytes(b->w, a->data, a->len);
	}
	return pld_end(b, h);
}

enum ike_err ike_add_eap(struct ike_builder *b, const struct ike_eap *eap)
{
	size_t h;
	size_t len = 4 + (eap->has_type ? 1 : 0) + eap->len;
	if (len > UINT16_MAX)
		return set_err(b, IKE_ERR_INVALID_ARG);
	if (pld_begin(b, IKE_PLD_EAP, 0, &h))
		return b->err;
	ike_wr_u8(b->w, eap->code);
	ike_wr_u8(b->w, eap->id);
	ike_wr_u16(b->w, (uint16_t)len);
	if (eap->has_type)
		ike_wr_u8(b->w, eap->type);
	ike_wr_bytes(b->w, eap->data, eap->len);
	return pld_end(b, h);
}

/* ---- SK, SKF --------------------------------------------------------- */

static enum ike_err sk_open(struct ike_builder *b, uint8_t type, uint16_t frag_num,
			    uint16_t frag_total, size_t iv_len)
{
	size_t h;
	if (b->sk_off != SIZE_MAX)
		return set_err(b, IKE_ERR_INVALID_ARG);
	if (pld_begin(b, type, 0, &h))
		return b->err;
	if (type == IKE_PLD_SKF) {
		ike_wr_u16(b->w, frag_num);
		ike_wr_u16(b->w, frag_total);
	}
	b->sk_off = h;
	b->sk_iv_off = ike_wr_mark(b->w);
	b->sk_iv_len = iv_len;
	ike_wr_zeros(b->w, iv_len);
	/* b->np_off stays at the SK header: its Next Payload names the first
	 * inner payload. */
	return wr_status(b);
}

enum ike_err ike_add_sk_begin(struct ike_builder *b, size_t iv_len)
{
	return sk_open(b, IKE_PLD_SK, 0, 0, iv_len);
}

enum ike_err ike_add_skf_begin(struct ike_builder *b, uint16_t frag_num,
			       uint16_t frag_total, size_t iv_len)
{
	if (frag_num == 0 || frag_num > frag_total)
		return set_err(b, IKE_ERR_INVALID_ARG);
	return sk_open(b, IKE_PLD_SKF, frag_num, frag_total, iv_len);
}

enum ike_err ike_add_sk_sealed(struct ike_builder *b, const struct ike_sk_pld *sk)
{
	size_t h;
	bool skf = sk->frag_num != 0;
	uint8_t type = skf ? IKE_PLD_SKF : IKE_PLD_SK;
	if (b->sk_off != SIZE_MAX)
		return set_err(b, IKE_ERR_INVALID_ARG);
	if (pld_begin(b, type, 0, &h))
		return b->err;
	if (skf) {
		ike_wr_u16(b->w, sk->frag_num);
		ike_wr_u16(b->w, sk->frag_total);
	}
	ike_wr_bytes(b->w, sk->body, sk->body_len);
	ike_wr_patch_u8(b->w, h, sk->first_inner);
	b->np_off = NP_CLOSED;
	return pld_end(b, h);
}
