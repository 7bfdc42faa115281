/* IKEv2 parser: header, payload chain and every payload body.
 *
 * Validate, then parse: the chain walker checks each generic header's
 * length against the bytes left and the payload type's minimum before a
 * decoder sees the body, and each decoder reads only through a reader
 * bounded by that body.  Decoders have no side effects beyond `out`. */
#include "proto/ike.h"

#include <stddef.h>
#include <string.h>

#include "lib/util.h"

/* How the decoders report: the error and where, relative to the body. */
typedef enum ike_err (*pld_decoder)(struct ike_reader *body, uint8_t type,
				    struct ike_msg *out);

static enum ike_err short_or(const struct ike_reader *r, enum ike_err e)
{
	return r->bad ? IKE_ERR_TRUNCATED : e;
}

/* ---- SA -------------------------------------------------------------- */

/* Walk transform attributes; pick up KEY_LENGTH. */
static enum ike_err decode_attrs(struct ike_reader *r, struct ike_transform *xf)
{
	xf->attrs = ike_rd_cur(r);
	xf->attrs_len = (uint16_t)ike_rd_left(r);
	if (!xf->attrs_len)
		xf->attrs = NULL;
	while (ike_rd_left(r)) {
		uint16_t type, val;
		if (ike_rd_u16(r, &type) || ike_rd_u16(r, &val))
			return IKE_ERR_TRUNCATED;
		bool tv = type & IKE_ATTR_TV;
		type &= ~IKE_ATTR_TV;
		if (!tv && ike_rd_skip(r, val))
			return IKE_ERR_TRUNCATED;
		if (type == IKE_ATTR_KEY_LENGTH) {
			if (!tv || xf->has_keylen)
				return IKE_ERR_SYNTAX;
			xf->has_keylen = true;
			xf->keylen = val;
		}
	}
	return IKE_OK;
}

static enum ike_err decode_transform(struct ike_reader *r, bool *more, struct ike_transform *xf)
{
	uint8_t last, res, type, res2;
	uint16_t len, id;
	if (ike_rd_u8(r, &last) || ike_rd_u8(r, &res) || ike_rd_u16(r, &len))
		return IKE_ERR_TRUNCATED;
	if (last != 0 && last != 3)
		return IKE_ERR_SYNTAX;
	if (len < 8)
		return IKE_ERR_BAD_LENGTH;
	struct ike_reader body;
	if (ike_rd_sub(r, len - 4, &body))
		return IKE_ERR_TRUNCATED;
	ike_rd_u8(&body, &type);
	ike_rd_u8(&body, &res2);
	ike_rd_u16(&body, &id);
	memset(xf, 0, sizeof(*xf));
	xf->type = type;
	xf->id = id;
	*more = last == 3;
	return decode_attrs(&body, xf);
}

static enum ike_err decode_proposal(struct ike_reader *r, bool *more, struct ike_sa *sa)
{
	uint8_t last, res, num, proto, spi_size, n_xf;
	uint16_t len;
	if (ike_rd_u8(r, &last) || ike_rd_u8(r, &res) || ike_rd_u16(r, &len))
		return IKE_ERR_TRUNCATED;
	if (last != 0 && last != 2)
		return IKE_ERR_SYNTAX;
	if (len < 8)
		return IKE_ERR_BAD_LENGTH;
	struct ike_reader body;
	if (ike_rd_sub(r, len - 4, &body))
		return IKE_ERR_TRUNCATED;
	ike_rd_u8(&body, &num);
	ike_rd_u8(&body, &proto);
	ike_rd_u8(&body, &spi_size);
	ike_rd_u8(&body, &n_xf);
	if (spi_size > sizeof(sa->prop[0].spi))
		return IKE_ERR_SYNTAX;
	if (sa->n_prop >= IKE_MAX_PROPOSALS)
		return IKE_ERR_TOO_MANY;
	struct ike_proposal *p = &sa->prop[sa->n_prop];
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->protocol = proto;
	p->spi_size = spi_size;
	if (ike_rd_copy(&body, p->spi, spi_size))
		return IKE_ERR_TRUNCATED;
	p->xf_first = sa->n_xf;
	bool xf_more = ike_rd_left(&body) > 0;
	while (xf_more) {
		if (sa->n_xf >= IKE_MAX_TRANSFORMS)
			return IKE_ERR_TOO_MANY;
		enum ike_err e = decode_transform(&body, &xf_more, &sa->xf[sa->n_xf]);
		if (e)
			return e;
		sa->n_xf++;
		p->n_xf++;
		if (xf_more != (ike_rd_left(&body) > 0))
			return xf_more ? IKE_ERR_TRUNCATED : IKE_ERR_BAD_LENGTH;
	}
	if (p->n_xf != n_xf)
		return IKE_ERR_SYNTAX;
	sa->n_prop++;
	*more = last == 2;
	return IKE_OK;
}

static enum ike_err decode_sa(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	struct ike_sa *sa = &out->sa;
	sa->n_prop = 0;
	sa->n_xf = 0;
	bool more = true;
	while (more) {
		enum ike_err e = decode_proposal(r, &more, sa);
		if (e)
			return e;
		if (more != (ike_rd_left(r) > 0))
			return more ? IKE_ERR_TRUNCATED : IKE_ERR_BAD_LENGTH;
	}
	out->has_sa = true;
	return IKE_OK;
}

/* ---- small fixed-layout payloads ------------------------------------- */

static enum ike_err decode_ke(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	uint16_t res;
	ike_rd_u16(r, &out->ke.group);
	ike_rd_u16(r, &res);
	out->ke.len = ike_rd_left(r);
	ike_rd_ref(r, out->ke.len, &out->ke.data);
	out->has_ke = true;
	return short_or(r, IKE_OK);
}

static enum ike_err decode_id(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	struct ike_id *id = type == IKE_PLD_IDI ? &out->idi : &out->idr;
	id->body = r->data;
	id->body_len = r->len;
	ike_rd_u8(r, &id->type);
	ike_rd_skip(r, 3);
	id->len = ike_rd_left(r);
	ike_rd_ref(r, id->len, &id->data);
	if (type == IKE_PLD_IDI)
		out->has_idi = true;
	else
		out->has_idr = true;
	return short_or(r, IKE_OK);
}

static enum ike_err decode_cert(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	bool req = type == IKE_PLD_CERTREQ;
	uint8_t *n = req ? &out->n_certreq : &out->n_cert;
	if (*n >= (req ? IKE_MAX_CERTREQS : IKE_MAX_CERTS))
		return IKE_ERR_TOO_MANY;
	struct ike_cert *c = req ? &out->certreq[*n] : &out->cert[*n];
	ike_rd_u8(r, &c->encoding);
	c->len = ike_rd_left(r);
	ike_rd_ref(r, c->len, &c->data);
	(*n)++;
	return short_or(r, IKE_OK);
}

static enum ike_err decode_auth(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	ike_rd_u8(r, &out->auth.method);
	ike_rd_skip(r, 3);
	out->auth.len = ike_rd_left(r);
	ike_rd_ref(r, out->auth.len, &out->auth.data);
	out->has_auth = true;
	return short_or(r, IKE_OK);
}

static enum ike_err decode_nonce(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	size_t n = ike_rd_left(r);
	if (n < IKE_NONCE_MIN_LEN || n > IKE_NONCE_MAX_LEN)
		return IKE_ERR_SYNTAX; /* RFC 7296 2.10: 16..256 octets */
	out->nonce.len = n;
	ike_rd_ref(r, n, &out->nonce.data);
	out->has_nonce = true;
	return IKE_OK;
}

static enum ike_err decode_notify(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	if (out->n_notify >= IKE_MAX_NOTIFIES)
		return IKE_ERR_TOO_MANY;
	struct ike_notify *n = &out->notify[out->n_notify];
	memset(n, 0, sizeof(*n));
	ike_rd_u8(r, &n->protocol);
	ike_rd_u8(r, &n->spi_size);
	ike_rd_u16(r, &n->type);
	if (ike_rd_ref(r, n->spi_size, &n->spi))
		return IKE_ERR_TRUNCATED;
	n->len = ike_rd_left(r);
	ike_rd_ref(r, n->len, &n->data);
	if (r->bad)
		return IKE_ERR_TRUNCATED;
	out->n_notify++;
	return IKE_OK;
}

static enum ike_err decode_delete(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	if (out->n_delete >= IKE_MAX_DELETES)
		return IKE_ERR_TOO_MANY;
	struct ike_delete *d = &out->del[out->n_delete];
	memset(d, 0, sizeof(*d));
	ike_rd_u8(r, &d->protocol);
	ike_rd_u8(r, &d->spi_size);
	ike_rd_u16(r, &d->n_spi);
	if (r->bad)
		return IKE_ERR_TRUNCATED;
	size_t need = (size_t)d->n_spi * d->spi_size;
	if (need != ike_rd_left(r))
		return need > ike_rd_left(r) ? IKE_ERR_TRUNCATED : IKE_ERR_BAD_LENGTH;
	ike_rd_ref(r, need, &d->spis);
	out->n_delete++;
	return IKE_OK;
}

static enum ike_err decode_vendor(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	if (out->n_vendor >= IKE_MAX_VENDORS)
		return IKE_ERR_TOO_MANY;
	struct ike_blob *v = &out->vendor[out->n_vendor];
	v->len = ike_rd_left(r);
	ike_rd_ref(r, v->len, &v->data);
	out->n_vendor++;
	return IKE_OK;
}

/* ---- TS, CP, EAP ----------------------------------------------------- */

static enum ike_err decode_selector(struct ike_reader *r, struct ike_ts *ts)
{
	uint16_t len;
	memset(ts, 0, sizeof(*ts));
	if (ike_rd_u8(r, &ts->type) || ike_rd_u8(r, &ts->ip_proto) || ike_rd_u16(r, &len))
		return IKE_ERR_TRUNCATED;
	if (len < 4)
		return IKE_ERR_BAD_LENGTH;
	struct ike_reader sel;
	if (ike_rd_sub(r, len - 4, &sel))
		return IKE_ERR_TRUNCATED;
	size_t alen = ts->type == IKE_TS_IPV4_ADDR_RANGE ? 4 :
		      ts->type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 0;
	if (!alen) { /* unknown selector type: keep it whole */
		ts->raw_len = len - 4;
		ike_rd_ref(&sel, ts->raw_len, &ts->raw);
		return IKE_OK;
	}
	if (len != 8 + 2 * alen)
		return IKE_ERR_BAD_LENGTH;
	ike_rd_u16(&sel, &ts->start_port);
	ike_rd_u16(&sel, &ts->end_port);
	ike_rd_copy(&sel, ts->start, alen);
	ike_rd_copy(&sel, ts->end, alen);
	return short_or(&sel, IKE_OK);
}

static enum ike_err decode_ts(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	bool initiator = type == IKE_PLD_TSI;
	struct ike_ts_list *l = initiator ? &out->tsi : &out->tsr;
	uint8_t num;
	ike_rd_u8(r, &num);
	ike_rd_skip(r, 3);
	if (r->bad)
		return IKE_ERR_TRUNCATED;
	if (num > IKE_MAX_TS)
		return IKE_ERR_TOO_MANY;
	l->n = 0;
	for (unsigned i = 0; i < num; i++) {
		enum ike_err e = decode_selector(r, &l->ts[i]);
		if (e)
			return e;
		l->n++;
	}
	if (ike_rd_left(r))
		return IKE_ERR_BAD_LENGTH;
	if (initiator)
		out->has_tsi = true;
	else
		out->has_tsr = true;
	return IKE_OK;
}

static enum ike_err decode_cp(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	struct ike_cp *cp = &out->cp;
	ike_rd_u8(r, &cp->type);
	ike_rd_skip(r, 3);
	if (r->bad)
		return IKE_ERR_TRUNCATED;
	cp->n = 0;
	while (ike_rd_left(r)) {
		if (cp->n >= IKE_MAX_CP_ATTRS)
			return IKE_ERR_TOO_MANY;
		struct ike_cp_attr *a = &cp->attr[cp->n];
		if (ike_rd_u16(r, &a->type) || ike_rd_u16(r, &a->len) ||
		    ike_rd_ref(r, a->len, &a->data))
			return IKE_ERR_TRUNCATED;
		a->type &= IKE_CPA_TYPE_MASK;
		cp->n++;
	}
	out->has_cp = true;
	return IKE_OK;
}

static enum ike_err decode_eap(struct ike_reader *r, uint8_t type, struct ike_msg *out)
{
	(void)type;
	struct ike_eap *eap = &out->eap;
	uint16_t len;
	memset(eap, 0, sizeof(*eap));
	ike_rd_u8(r, &eap->code);
	ike_rd_u8(r, &eap->id);
	ike_rd_u16(r, &len);
	if (r->bad)
		return IKE_ERR_TRUNCATED;
	if (len != r->len)
		return IKE_ERR_BAD_LENGTH; /* EAP length covers the whole body */
	eap->has_type = eap->code == IKE_EAP_REQUEST || eap->code == IKE_EAP_RESPONSE;
	if (eap->has_type && ike_rd_u8(r, &eap->type))
		return IKE_ERR_BAD_LENGTH;
	eap->len = ike_rd_left(r);
	ike_rd_ref(r, eap->len, &eap->data);
	out->has_eap = true;
	return IKE_OK;
}

/* ---- SK, SKF --------------------------------------------------------- */

static enum ike_err decode_skf(struct ike_reader *r, struct ike_msg *out)
{
	struct ike_sk_pld *sk = &out->sk;
	ike_rd_u16(r, &sk->frag_num);
	ike_rd_u16(r, &sk->frag_total);
	if (r->bad)
		return IKE_ERR_TRUNCATED;
	if (sk->frag_num == 0 || sk->frag_num > sk->frag_total)
		return IKE_ERR_SYNTAX; /* RFC 7383 2.5 */
	return IKE_OK;
}

/* ---- the chain ------------------------------------------------------- */

struct pld_kind {
	pld_decoder decode;
	uint8_t min_body;   /* octets after the generic header */
	bool once;          /* may occur once per message */
};

static const struct pld_kind *pld_kind(uint8_t type)
{
	static const struct pld_kind kinds[] = {
		[IKE_PLD_SA]      = { decode_sa, 8, true },
		[IKE_PLD_KE]      = { decode_ke, 4, true },
		[IKE_PLD_IDI]     = { decode_id, 4, true },
		[IKE_PLD_IDR]     = { decode_id, 4, true },
		[IKE_PLD_CERT]    = { decode_cert, 1, false },
		[IKE_PLD_CERTREQ] = { decode_cert, 1, false },
		[IKE_PLD_AUTH]    = { decode_auth, 4, true },
		[IKE_PLD_NONCE]   = { decode_nonce, 0, true },
		[IKE_PLD_NOTIFY]  = { decode_notify, 4, false },
		[IKE_PLD_DELETE]  = { decode_delete, 4, false },
		[IKE_PLD_VENDOR]  = { decode_vendor, 0, false },
		[IKE_PLD_TSI]     = { decode_ts, 4, true },
		[IKE_PLD_TSR]     = { decode_ts, 4, true },
		[IKE_PLD_CP]      = { decode_cp, 4, true },
		[IKE_PLD_EAP]     = { decode_eap, 4, true },
	};
	if (type >= ARRAY_SIZE(kinds) || !kinds[type].decode)
		return NULL;
	return &kinds[type];
}

static bool seen_before(const struct ike_msg *m, uint8_t type)
{
	for (unsigned i = 0; i < m->n_pld; i++)
		if (m->pld[i].type == type)
			return true;
	return false;
}

static enum ike_err fail(struct ike_msg *out, enum ike_err e, size_t off)
{
	out->err_off = off;
	return e;
}

/* The SK or SKF payload: last in the clear chain; its Next Payload field
 * names the first inner payload. */
static enum ike_err take_sk(struct ike_reader *r, struct ike_reader *body, uint8_t type,
			    uint8_t next, size_t hdr_off, struct ike_msg *out)
{
	if (out->sk.present)
		return IKE_ERR_DUPLICATE; /* also: SK inside a decrypted body */
	if (ike_rd_left(r))
		return IKE_ERR_SK_NOT_LAST;
	memset(&out->sk, 0, sizeof(out->sk));
	out->is_skf = type == IKE_PLD_SKF;
	if (out->is_skf) {
		enum ike_err e = decode_skf(body, out);
		if (e)
			return e;
	}
	out->sk.first_inner = next;
	out->sk.off = hdr_off;
	out->sk.body_len = ike_rd_left(body);
	ike_rd_ref(body, out->sk.body_len, &out->sk.body);
	out->sk.present = true;
	return IKE_OK;
}

/* base: offset of bytes[0] in the message, for sk.off and err_off. */
static enum ike_err parse_chain(uint8_t type, const uint8_t *bytes, size_t len, size_t base,
				struct ike_msg *out)
{
	struct ike_reader r;
	bool inner = out->sk.present;
	ike_rd_init(&r, bytes, len);
	while (type != IKE_PLD_NONE) {
		size_t at = r.off;
		uint8_t next, flags;
		uint16_t plen;
		if (ike_rd_u8(&r, &next) || ike_rd_u8(&r, &flags) || ike_rd_u16(&r, &plen))
			return fail(out, IKE_ERR_TRUNCATED, base + at);
		if (plen < IKE_GEN_HDR_LEN)
			return fail(out, IKE_ERR_BAD_LENGTH, base + at);
		struct ike_reader body;
		if (ike_rd_sub(&r, plen - IKE_GEN_HDR_LEN, &body))
			return fail(out, IKE_ERR_TRUNCATED, base + at);
		if (out->n_pld >= IKE_MAX_PAYLOADS)
			return fail(out, IKE_ERR_TOO_MANY, base + at);

		const struct pld_kind *k = pld_kind(type);
		enum ike_err e = IKE_OK;
		if (type == IKE_PLD_SK || type == IKE_PLD_SKF) {
			e = take_sk(&r, &body, type, next, base + at, out);
			next = IKE_PLD_NONE; /* the rest is encrypted */
		} else if (!k) {
			if (flags & IKE_PLD_CRITICAL) {
				out->err_data = type;
				e = IKE_ERR_UNSUPPORTED_CRITICAL;
			}
		} else if (body.len < k->min_body) {
			e = IKE_ERR_BAD_LENGTH;
		} else if (k->once && seen_before(out, type)) {
			e = IKE_ERR_DUPLICATE;
		} else {
			e = k->decode(&body, type, out);
		}
		if (e)
			return fail(out, e, base + at);

		struct ike_pld_ref *ref = &out->pld[out->n_pld++];
		ref->type = type;
		ref->flags = flags;
		ref->inner = inner;
		ref->known = k || type == IKE_PLD_SK || type == IKE_PLD_SKF;
		ref->body = body.data;
		ref->len = (uint16_t)body.len;
		type = next;
	}
	if (ike_rd_left(&r))
		return fail(out, IKE_ERR_BAD_LENGTH, base + r.off); /* bytes after the last */
	return IKE_OK;
}

void ike_msg_init(struct ike_msg *m)
{
	memset(m, 0, sizeof(*m));
}

enum ike_err ike_parse_payloads(uint8_t first_type, const uint8_t *bytes, size_t len,
				struct ike_msg *out)
{
	return parse_chain(first_type, bytes, len, 0, out);
}

enum ike_err ike_parse_header(const uint8_t *bytes, size_t len, struct ike_hdr *h)
{
	struct ike_reader r;
	ike_rd_init(&r, bytes, len);
	if (len < IKE_HDR_LEN)
		return IKE_ERR_TRUNCATED;
	ike_rd_u64(&r, &h->spi_i);
	ike_rd_u64(&r, &h->spi_r);
	ike_rd_u8(&r, &h->next);
	ike_rd_u8(&r, &h->version);
	ike_rd_u8(&r, &h->exchange);
	ike_rd_u8(&r, &h->flags);
	ike_rd_u32(&r, &h->msgid);
	ike_rd_u32(&r, &h->length);
	if (IKE_MAJOR(h->version) != IKE_MAJOR(IKE_VERSION))
		return IKE_ERR_MAJOR_VERSION;
	if (h->length < IKE_HDR_LEN)
		return IKE_ERR_BAD_LENGTH;
	if (h->length > len)
		return IKE_ERR_TRUNCATED;
	return IKE_OK;
}

/* The arrays of struct ike_msg, in field order: each entry is written
 * whole by its decoder before the count that covers it grows, and read
 * only below that count, so a parse need not clear them: about 13.9 KB of
 * the 14.2 KB that a full memset per message would write. */
#define MSG_ARRAY(f) { offsetof(struct ike_msg, f), sizeof(((struct ike_msg *)0)->f) }
static const struct { size_t off, len; } msg_arrays[] = {
	MSG_ARRAY(pld), MSG_ARRAY(sa.prop), MSG_ARRAY(sa.xf), MSG_ARRAY(tsi.ts),
	MSG_ARRAY(tsr.ts), MSG_ARRAY(cp.attr), MSG_ARRAY(cert), MSG_ARRAY(certreq),
	MSG_ARRAY(notify), MSG_ARRAY(vendor), MSG_ARRAY(del),
};
_Static_assert(offsetof(struct ike_msg, pld) < offsetof(struct ike_msg, sa) &&
	       offsetof(struct ike_msg, sa) < offsetof(struct ike_msg, tsi) &&
	       offsetof(struct ike_msg, tsi) < offsetof(struct ike_msg, tsr) &&
	       offsetof(struct ike_msg, tsr) < offsetof(struct ike_msg, cp) &&
	       offsetof(struct ike_msg, cp) < offsetof(struct ike_msg, cert) &&
	       offsetof(struct ike_msg, cert) < offsetof(struct ike_msg, certreq) &&
	       offsetof(struct ike_msg, certreq) < offsetof(struct ike_msg, notify) &&
	       offsetof(struct ike_msg, notify) < offsetof(struct ike_msg, vendor) &&
	       offsetof(struct ike_msg, vendor) < offsetof(struct ike_msg, del),
	       "msg_arrays must follow the field order of struct ike_msg");

/* Zero everything but the arrays (so a field added later is cleared). */
static void msg_clear(struct ike_msg *m)
{
	uint8_t *base = (uint8_t *)m;
	size_t at = 0;

	for (size_t i = 0; i < sizeof(msg_arrays) / sizeof(msg_arrays[0]); i++) {
		memset(base + at, 0, msg_arrays[i].off - at);
		at = msg_arrays[i].off + msg_arrays[i].len;
	}
	memset(base + at, 0, sizeof(*m) - at);
}

enum ike_err ike_parse_message(const uint8_t *bytes, size_t len, struct ike_msg *out)
{
	msg_clear(out);
	enum ike_err e = ike_parse_header(bytes, len, &out->hdr);
	if (e == IKE_ERR_MAJOR_VERSION)
		out->err_data = IKE_VERSION;
	if (e)
		return e;
	if (out->hdr.length != len)
		return fail(out, IKE_ERR_BAD_LENGTH, 24);
	return parse_chain(out->hdr.next, bytes + IKE_HDR_LEN, len - IKE_HDR_LEN,
			   IKE_HDR_LEN, out);
}

enum ike_err ike_find_sk(const uint8_t *bytes, size_t len, size_t *off, uint8_t *type)
{
	struct ike_hdr h;
	enum ike_err e = ike_parse_header(bytes, len, &h);
	if (e)
		return e;
	struct ike_reader r;
	ike_rd_init(&r, bytes, h.length);
	ike_rd_skip(&r, IKE_HDR_LEN);
	uint8_t t = h.next;
	while (t != IKE_PLD_NONE) {
		size_t at = r.off;
		uint8_t next, flags;
		uint16_t plen;
		if (ike_rd_u8(&r, &next) || ike_rd_u8(&r, &flags) || ike_rd_u16(&r, &plen))
			return IKE_ERR_TRUNCATED;
		if (plen < IKE_GEN_HDR_LEN)
			return IKE_ERR_BAD_LENGTH;
		if (ike_rd_skip(&r, plen - IKE_GEN_HDR_LEN))
			return IKE_ERR_TRUNCATED;
		if (t == IKE_PLD_SK || t == IKE_PLD_SKF) {
			if (ike_rd_left(&r))
				return IKE_ERR_SK_NOT_LAST;
			*off = at;
			*type = t;
			return IKE_OK;
		}
		t = next;
	}
	return IKE_ERR_SYNTAX;
}

const struct ike_notify *ike_msg_notify(const struct ike_msg *m, uint16_t type)
{
	for (unsigned i = 0; i < m->n_notify; i++)
		if (m->notify[i].type == type)
			return &m->notify[i];
	return NULL;
}

/* ---- errors ---------------------------------------------------------- */

static const struct {
	const char *name;
	uint16_t notify;
} err_info[IKE_ERR__COUNT] = {
	[IKE_OK]                       = { "ok", 0 },
	[IKE_ERR_TRUNCATED]            = { "truncated", IKE_N_INVALID_SYNTAX },
	[IKE_ERR_BAD_LENGTH]           = { "bad_length", IKE_N_INVALID_SYNTAX },
	[IKE_ERR_SYNTAX]               = { "syntax", IKE_N_INVALID_SYNTAX },
	[IKE_ERR_MAJOR_VERSION]        = { "major_version", IKE_N_INVALID_MAJOR_VERSION },
	[IKE_ERR_UNSUPPORTED_CRITICAL] = { "unsupported_critical",
					   IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD },
	[IKE_ERR_TOO_MANY]             = { "too_many", IKE_N_INVALID_SYNTAX },
	[IKE_ERR_DUPLICATE]            = { "duplicate", IKE_N_INVALID_SYNTAX },
	[IKE_ERR_SK_NOT_LAST]          = { "sk_not_last", IKE_N_INVALID_SYNTAX },
	[IKE_ERR_NO_SPACE]             = { "no_space", 0 },
	[IKE_ERR_INVALID_ARG]          = { "invalid_arg", 0 },
};

uint16_t ike_err_notify(enum ike_err e)
{
	return (unsigned)e < IKE_ERR__COUNT ? err_info[e].notify : IKE_N_INVALID_SYNTAX;
}

const char *ike_err_name(enum ike_err e)
{
	return (unsigned)e < IKE_ERR__COUNT ? err_info[e].name : "unknown_error";
}
