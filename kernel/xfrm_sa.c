/* XFRM state messages, built with libnl's message/attribute helpers (the
 * structures are the kernel's, linux/xfrm.h; see xfrm_policy.c for why not
 * libnl-xfrm's objects). */
#include "kernel/xfrm_sa.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/udp.h>
#include <linux/ipsec.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>

#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

static void addr_to_xfrm(const struct ip_addr *a, xfrm_address_t *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->bytes, a->family == AF_INET6 ? 16 : 4);
}

static void addr_from_xfrm(const xfrm_address_t *x, int family, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	memcpy(a->bytes, x, family == AF_INET6 ? 16 : 4);
}

static void lft_infinite(struct xfrm_lifetime_cfg *l)
{
	l->soft_byte_limit = XFRM_INF;
	l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = XFRM_INF;
	l->hard_packet_limit = XFRM_INF;
}

/* The algorithm attributes with this direction's keys. */
static int put_algs(struct nl_msg *m, const struct xfrm_alg_spec *alg, const uint8_t *key)
{
	uint8_t buf[sizeof(struct xfrm_algo_auth) + 128];
	int rc;

	memset(buf, 0, sizeof(buf));
	if (alg->aead) {
		struct xfrm_algo_aead *a = (void *)buf;
		snprintf(a->alg_name, sizeof(a->alg_name), "%s", alg->encr_name);
		a->alg_key_len = alg->encr_key_len * 8u;
		a->alg_icv_len = alg->icv_bits;
		memcpy(a->alg_key, key, alg->encr_key_len);
		rc = nla_put(m, XFRMA_ALG_AEAD, (int)(sizeof(*a) + alg->encr_key_len), a);
		explicit_bzero(buf, sizeof(buf));
		return rc;
	}
	struct xfrm_algo *e = (void *)buf;
	snprintf(e->alg_name, sizeof(e->alg_name), "%s", alg->encr_name);
	e->alg_key_len = alg->encr_key_len * 8u;
	memcpy(e->alg_key, key, alg->encr_key_len);
	rc = nla_put(m, XFRMA_ALG_CRYPT, (int)(sizeof(*e) + alg->encr_key_len), e);
	if (rc < 0)
		return rc;
	memset(buf, 0, sizeof(buf));
	struct xfrm_algo_auth *i = (void *)buf;
	snprintf(i->alg_name, sizeof(i->alg_name), "%s", alg->integ_name);
	i->alg_key_len = alg->integ_key_len * 8u;
	i->alg_trunc_len = alg->trunc_bits;
	memcpy(i->alg_key, key + alg->encr_key_len, alg->integ_key_len);
	rc = nla_put(m, XFRMA_ALG_AUTH_TRUNC, (int)(sizeof(*i) + alg->integ_key_len), i);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* A replay window past 32 packets (the legacy bitmap) or ESN needs the
 * ESN-style replay state; the kernel then wants replay_window 0 in the
 * info (verify_replay()). */
static bool replay_esn_style(const struct fp_child *c)
{
	return c->esn || c->replay_window > 32;
}

static int put_replay_esn(struct nl_msg *m, const struct fp_child *c)
{
	uint8_t buf[sizeof(struct xfrm_replay_state_esn) + 4096 / 8];
	struct xfrm_replay_state_esn *r = (void *)buf;
	uint32_t bmp_len = (c->replay_window + 31) / 32;

	if (bmp_len * 4 > sizeof(buf) - sizeof(*r))
		return -EINVAL;
	memset(buf, 0, sizeof(buf));
	r->bmp_len = bmp_len;
	r->replay_window = c->replay_window;
	return nla_put(m, XFRMA_REPLAY_ESN_VAL, (int)(sizeof(*r) + bmp_len * 4), r);
}

/* The carried replay state (its type must be the one c's state has) and
 * lifetime counters. */
static int put_carry(struct nl_msg *m, const struct fp_child *c,
		     const struct xfrm_sa_carry *carry)
{
	bool esn_attr = carry->replay_type == XFRMA_REPLAY_ESN_VAL;
	int rc;

	if (carry->replay_type) {
		if (esn_attr != replay_esn_style(c) || carry->replay_len > sizeof(carry->replay))
			return -EINVAL;
		rc = nla_put(m, carry->replay_type, carry->replay_len, carry->replay);
		if (rc < 0)
			return rc;
	} else if (replay_esn_style(c)) {
		rc = put_replay_esn(m, c);
		if (rc < 0)
			return rc;
	}
	return nla_put(m, XFRMA_LTIME_VAL, sizeof(carry->lft), &carry->lft);
}

int xfrm_sa_build_add(const struct fp_child *c, const struct xfrm_alg_spec *alg,
		      enum fp_dir dir, struct nl_msg **out)
{
	return xfrm_sa_build_readd(c, alg, dir, NULL, out);
}

int xfrm_sa_build_readd(const struct fp_child *c, const struct xfrm_alg_spec *alg,
			enum fp_dir dir, const struct xfrm_sa_carry *carry, struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(XFRM_MSG_NEWSA, NLM_F_CREATE | NLM_F_EXCL);
	struct xfrm_usersa_info p;
	const struct ip_addr *src = dir == FP_OUT ? &c->ep.local : &c->ep.remote;
	const struct ip_addr *dst = dir == FP_OUT ? &c->ep.remote : &c->ep.local;
	int rc;

	if (!m)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	addr_to_xfrm(dst, &p.id.daddr);
	addr_to_xfrm(src, &p.saddr);
	p.id.spi = htonl(dir == FP_OUT ? c->spi_out : c->spi_in);
	p.id.proto = IPPROTO_ESP;
	p.family = src->family;
	p.mode = c->mode;
	p.reqid = c->reqid;
	p.flags = c->esn ? XFRM_STATE_ESN : 0;
	/* tunnel mode: the inner family is the selectors', not the outer
	 * one (IPv4 in IPv6 and back, also after a cross-family move); else
	 * the kernel gives the state a selector family of the outer one and
	 * it never matches the other family's traffic */
	if (c->mode == FP_TUNNEL)
		p.flags |= XFRM_STATE_AF_UNSPEC;
	p.replay_window = replay_esn_style(c) ? 0 : (uint8_t)c->replay_window;
	lft_infinite(&p.lft);
	rc = nlmsg_append(m, &p, sizeof(p), NLMSG_ALIGNTO);
	if (rc == 0)
		rc = put_algs(m, alg, fp_child_keys(c, alg, dir));
	if (rc == 0 && carry)
		rc = put_carry(m, c, carry);
	else if (rc == 0 && replay_esn_style(c))
		rc = put_replay_esn(m, c);
	if (rc == 0 && c->ep.local_port) {
		struct xfrm_encap_tmpl e;
		memset(&e, 0, sizeof(e));
		e.encap_type = UDP_ENCAP_ESPINUDP;
		e.encap_sport = htons(dir == FP_OUT ? c->ep.local_port : c->ep.remote_port);
		e.encap_dport = htons(dir == FP_OUT ? c->ep.remote_port : c->ep.local_port);
		rc = nla_put(m, XFRMA_ENCAP, sizeof(e), &e);
	}
	if (rc < 0) {
		nlmsg_free(m);
		return rc == -EINVAL ? -EINVAL : -EMSGSIZE;
	}
	*out = m;
	return 0;
}

static int build_id(int type, const struct ip_addr *dst, uint32_t spi, struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, 0);
	struct xfrm_usersa_id id;

	if (!m)
		return -ENOMEM;
	memset(&id, 0, sizeof(id));
	addr_to_xfrm(dst, &id.daddr);
	id.spi = htonl(spi);
	id.family = dst->family;
	id.proto = IPPROTO_ESP;
	if (nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

int xfrm_sa_build_del(const struct ip_addr *dst, uint32_t spi, struct nl_msg **out)
{
	return build_id(XFRM_MSG_DELSA, dst, spi, out);
}

int xfrm_sa_build_get(const struct ip_addr *dst, uint32_t spi, struct nl_msg **out)
{
	return build_id(XFRM_MSG_GETSA, dst, spi, out);
}

int xfrm_sa_build_flush(struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(XFRM_MSG_FLUSHSA, 0);
	struct xfrm_usersa_flush f = { .proto = IPSEC_PROTO_ANY };

	if (!m)
		return -ENOMEM;
	if (nlmsg_append(m, &f, sizeof(f), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

int xfrm_sa_parse(const struct nlmsghdr *h, struct xfrm_sa_info *out)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_usersa_info *p;

	if (h->nlmsg_type != XFRM_MSG_NEWSA || nlmsg_datalen(h) < (int)sizeof(*p))
		return -EBADMSG;
	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(*p), tb, XFRMA_MAX, NULL) < 0)
		return -EBADMSG;
	p = nlmsg_data(h);
	memset(out, 0, sizeof(*out));
	addr_from_xfrm(&p->saddr, p->family, &out->src);
	addr_from_xfrm(&p->id.daddr, p->family, &out->dst);
	out->spi = ntohl(p->id.spi);
	out->reqid = p->reqid;
	out->mode = p->mode;
	out->bytes = p->curlft.bytes;
	out->packets = p->curlft.packets;
	out->replay_window = p->replay_window;
	if (tb[XFRMA_ENCAP] && nla_len(tb[XFRMA_ENCAP]) >= (int)sizeof(struct xfrm_encap_tmpl)) {
		const struct xfrm_encap_tmpl *e = nla_data(tb[XFRMA_ENCAP]);
		out->encap_sport = ntohs(e->encap_sport);
		out->encap_dport = ntohs(e->encap_dport);
	}
	if (tb[XFRMA_REPLAY_ESN_VAL] &&
	    nla_len(tb[XFRMA_REPLAY_ESN_VAL]) >= (int)sizeof(struct xfrm_replay_state_esn)) {
		const struct xfrm_replay_state_esn *r = nla_data(tb[XFRMA_REPLAY_ESN_VAL]);
		out->oseq = (uint64_t)r->oseq_hi << 32 | r->oseq;
		out->seq = (uint64_t)r->seq_hi << 32 | r->seq;
		out->replay_window = r->replay_window;
	} else if (tb[XFRMA_REPLAY_VAL] &&
		   nla_len(tb[XFRMA_REPLAY_VAL]) >= (int)sizeof(struct xfrm_replay_state)) {
		const struct xfrm_replay_state *r = nla_data(tb[XFRMA_REPLAY_VAL]);
		out->oseq = r->oseq;
		out->seq = r->seq;
	}
	return 0;
}

int xfrm_sa_build_getae(const struct ip_addr *dst, uint32_t spi, struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(XFRM_MSG_GETAE, 0);
	struct xfrm_aevent_id id;

	if (!m)
		return -ENOMEM;
	memset(&id, 0, sizeof(id));
	addr_to_xfrm(dst, &id.sa_id.daddr);
	id.sa_id.spi = htonl(spi);
	id.sa_id.family = dst->family;
	id.sa_id.proto = IPPROTO_ESP;
	if (nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

int xfrm_sa_parse_ae(const struct nlmsghdr *h, struct xfrm_sa_carry *carry)
{
	struct nlattr *tb[XFRMA_MAX + 1];
	const struct nlattr *rp;

	if (h->nlmsg_type != XFRM_MSG_NEWAE || nlmsg_datalen(h) < (int)sizeof(struct xfrm_aevent_id))
		return -EBADMSG;
	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(struct xfrm_aevent_id), tb, XFRMA_MAX,
			NULL) < 0)
		return -EBADMSG;
	memset(carry, 0, sizeof(*carry));
	if ((rp = tb[XFRMA_REPLAY_ESN_VAL])) {
		const struct xfrm_replay_state_esn *r = nla_data(rp);
		size_t want;
		if (nla_len(rp) < (int)sizeof(*r))
			return -EBADMSG;
		want = sizeof(*r) + (size_t)r->bmp_len * sizeof(r->bmp[0]);
		if (want > sizeof(carry->replay) || (size_t)nla_len(rp) < want)
			return -EBADMSG;
		carry->replay_type = XFRMA_REPLAY_ESN_VAL;
		carry->replay_len = (uint16_t)want;
	} else if ((rp = tb[XFRMA_REPLAY_VAL])) {
		if (nla_len(rp) < (int)sizeof(struct xfrm_replay_state))
			return -EBADMSG;
		carry->replay_type = XFRMA_REPLAY_VAL;
		carry->replay_len = sizeof(struct xfrm_replay_state);
	} else {
		return -EBADMSG;
	}
	memcpy(carry->replay, nla_data(rp), carry->replay_len);
	if (!tb[XFRMA_LTIME_VAL] || nla_len(tb[XFRMA_LTIME_VAL]) < (int)sizeof(carry->lft))
		return -EBADMSG;
	memcpy(&carry->lft, nla_data(tb[XFRMA_LTIME_VAL]), sizeof(carry->lft));
	return 0;
}

void xfrm_sa_carry_seq(const struct xfrm_sa_carry *carry, uint64_t *oseq, uint64_t *seq)
{
	*oseq = *seq = 0;
	if (carry->replay_type == XFRMA_REPLAY_ESN_VAL) {
		struct xfrm_replay_state_esn r;
		memcpy(&r, carry->replay, sizeof(r));
		*oseq = (uint64_t)r.oseq_hi << 32 | r.oseq;
		*seq = (uint64_t)r.seq_hi << 32 | r.seq;
	} else if (carry->replay_type == XFRMA_REPLAY_VAL) {
		struct xfrm_replay_state r;
		memcpy(&r, carry->replay, sizeof(r));
		*oseq = r.oseq;
		*seq = r.seq;
	}
}
