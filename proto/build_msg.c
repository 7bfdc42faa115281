/* Re-encoding a parsed message through the builders, payload by payload in
 * the order they were received (golden round trips, rebuilt plaintext). */
#include "proto/ike.h"

/* Which occurrence of each repeatable payload comes next. */
struct occ {
	unsigned cert, certreq, notify, vendor, del;
};

/* Index of the next occurrence, or -1 when the refs name more payloads of
 * this type than the message holds (a hand-made, inconsistent ike_msg). */
static int next_idx(unsigned *ctr, unsigned n)
{
	unsigned i = (*ctr)++;
	return i < n ? (int)i : -1;
}

static enum ike_err add_one(struct ike_builder *b, const struct ike_msg *m,
			    const struct ike_pld_ref *ref, struct occ *o, bool emit)
{
	/* Count every occurrence, emit only the ones asked for, so indexes
	 * stay aligned when clear and inner payloads share a type. */
	int i;
	switch (ref->type) {
	case IKE_PLD_CERT:
		if ((i = next_idx(&o->cert, m->n_cert)) < 0)
			goto inconsistent;
		return emit ? ike_add_cert(b, ref->type, &m->cert[i]) : IKE_OK;
	case IKE_PLD_CERTREQ:
		if ((i = next_idx(&o->certreq, m->n_certreq)) < 0)
			goto inconsistent;
		return emit ? ike_add_cert(b, ref->type, &m->certreq[i]) : IKE_OK;
	case IKE_PLD_NOTIFY:
		if ((i = next_idx(&o->notify, m->n_notify)) < 0)
			goto inconsistent;
		return emit ? ike_add_notify(b, &m->notify[i]) : IKE_OK;
	case IKE_PLD_VENDOR:
		if ((i = next_idx(&o->vendor, m->n_vendor)) < 0)
			goto inconsistent;
		return emit ? ike_add_vendor(b, m->vendor[i].data, m->vendor[i].len) : IKE_OK;
	case IKE_PLD_DELETE:
		if ((i = next_idx(&o->del, m->n_delete)) < 0)
			goto inconsistent;
		return emit ? ike_add_delete(b, &m->del[i]) : IKE_OK;
	default:
		break;
	}
	if (!emit)
		return IKE_OK;
	if (!ref->known)
		return ike_add_raw(b, ref->type, ref->flags, ref->body, ref->len);
	switch (ref->type) {
	case IKE_PLD_SA:    return ike_add_sa(b, &m->sa);
	case IKE_PLD_KE:    return ike_add_ke(b, &m->ke);
	case IKE_PLD_IDI:   return ike_add_id(b, ref->type, &m->idi);
	case IKE_PLD_IDR:   return ike_add_id(b, ref->type, &m->idr);
	case IKE_PLD_AUTH:  return ike_add_auth(b, &m->auth);
	case IKE_PLD_NONCE: return ike_add_nonce(b, m->nonce.data, m->nonce.len);
	case IKE_PLD_TSI:   return ike_add_ts(b, ref->type, &m->tsi);
	case IKE_PLD_TSR:   return ike_add_ts(b, ref->type, &m->tsr);
	case IKE_PLD_CP:    return ike_add_cp(b, &m->cp);
	case IKE_PLD_EAP:   return ike_add_eap(b, &m->eap);
	case IKE_PLD_SK:
	case IKE_PLD_SKF:   return ike_add_sk_sealed(b, &m->sk);
	default:            return ike_add_raw(b, ref->type, ref->flags, ref->body, ref->len);
	}
inconsistent:
	if (!b->err)
		b->err = IKE_ERR_INVALID_ARG;
	return b->err;
}

enum ike_err ike_add_payloads_from_msg(struct ike_builder *b, const struct ike_msg *m,
				       bool inner)
{
	struct occ o = { 0 };
	for (unsigned i = 0; i < m->n_pld && i < IKE_MAX_PAYLOADS; i++) {
		const struct ike_pld_ref *ref = &m->pld[i];
		bool is_sk = ref->type == IKE_PLD_SK || ref->type == IKE_PLD_SKF;
		bool emit = ref->inner == inner && !(inner && is_sk);
		enum ike_err e = add_one(b, m, ref, &o, emit);
		if (e)
			return e;
	}
	return b->err;
}

enum ike_err ike_build_from_msg(struct ike_writer *w, const struct ike_msg *m)
{
	struct ike_builder b;
	ike_build_begin(&b, w, &m->hdr);
	ike_add_payloads_from_msg(&b, m, false);
	return ike_build_end(&b);
}
