/* MOBIKE address lists (RFC 4555 3.6) and the client's choice of the next
 * address pair (see mobike.h for the order). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/plan.h"
#include "worker/engine.h"
#include "worker/mobike.h"

static bool list_has(const struct ip_addr *l, unsigned n, const struct ip_addr *a)
{
	for (unsigned i = 0; i < n; i++)
		if (ip_addr_cmp(&l[i], a) == 0)
			return true;
	return false;
}

static void list_put(struct ip_addr *l, unsigned *n, const struct ip_addr *a)
{
	if (*n < MOBIKE_MAX_PEERS && !ip_addr_is_unset(a) && !list_has(l, *n, a))
		l[(*n)++] = *a;
}

bool mobike_msg_has_list(const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->n_notify; i++) {
		uint16_t t = m->notify[i].type;
		if (t == IKE_N_ADDITIONAL_IP4_ADDRESS || t == IKE_N_ADDITIONAL_IP6_ADDRESS ||
		    t == IKE_N_NO_ADDITIONAL_ADDRESSES)
			return true;
	}
	return false;
}

void mobike_list_text(const struct ip_addr *list, unsigned n, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = 0;
	for (unsigned i = 0; i < n && k + IP_ADDR_STRLEN + 2 < cap; i++) {
		if (i)
			out[k++] = ',';
		ip_addr_format(&list[i], out + k, cap - k);
		k += strlen(out + k);
	}
	if (!n)
		snprintf(out, cap, "-");
}

bool mobike_peers_set(struct ikesa *sa, const struct ip_addr *in_use,
		      const struct ip_addr *hdr, const struct ike_msg *m)
{
	struct mobike *mob = sa->mob;
	struct ip_addr l[MOBIKE_MAX_PEERS];
	unsigned n = 0;
	list_put(l, &n, in_use);
	list_put(l, &n, hdr);
	bool cleared = m && ike_msg_notify(m, IKE_N_NO_ADDITIONAL_ADDRESSES);
	for (unsigned i = 0; m && !cleared && i < m->n_notify; i++) {
		const struct ike_notify *nt = &m->notify[i];
		struct ip_addr a = { 0 };
		if (nt->type == IKE_N_ADDITIONAL_IP4_ADDRESS && nt->len == 4)
			a.family = AF_INET;
		else if (nt->type == IKE_N_ADDITIONAL_IP6_ADDRESS && nt->len == 16)
			a.family = AF_INET6;
		else
			continue;
		memcpy(a.bytes, nt->data, nt->len);
		list_put(l, &n, &a);
	}
	bool changed = n != mob->n_peers || memcmp(l, mob->peers, n * sizeof(l[0])) != 0;
	if (!changed)
		return false;
	struct engine *e = sa->eng;
	if (wlog_enabled(&e->log, WLOG_INFO)) {
		char o[MOBIKE_MAX_PEERS * (IP_ADDR_STRLEN + 1) + 2];
		char nw[sizeof(o)];
		mobike_list_text(mob->peers, mob->n_peers, o, sizeof(o));
		mobike_list_text(l, n, nw, sizeof(nw));
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "mobike.peerlist",
			   "old=%s new=%s", o, nw);
	}
	memcpy(mob->peers, l, n * sizeof(l[0]));
	mob->n_peers = n;
	e->cnt.mobike_peerlist_changes++;
	return true;
}

/* Bit k of a gone mask (addresses past the 32nd are not tracked). */
static bool gone_bit(uint32_t mask, unsigned k)
{
	return k < 32 && (mask >> k & 1);
}

/* Our addresses per family: K of the main family (startclntaddr's /
 * bindifaddr's), then, with mobikealt*addr, K of the other one. */
static unsigned own_per_family(const struct ikesa *sa)
{
	const struct config *cfg = sa->eng->cfg;
	return sa->tun ? plan_addrs_per_tunnel(cfg) : plan_gw_addrs(cfg);
}

static const struct ip_prefix *own_alt(const struct ikesa *sa)
{
	const struct config *cfg = sa->eng->cfg;
	const struct ip_prefix *p = sa->tun ? &cfg->mobikealtclntaddr : &cfg->mobikealtgwaddr;
	return ip_addr_is_unset(&p->addr) ? NULL : p;
}

unsigned mobike_own_count(const struct ikesa *sa)
{
	return own_per_family(sa) * (own_alt(sa) ? 2 : 1);
}

int mobike_own_addr(const struct ikesa *sa, unsigned idx, struct ip_addr *out)
{
	const struct config *cfg = sa->eng->cfg;
	unsigned K = own_per_family(sa);
	if (idx < K)
		return sa->tun ? plan_tunnel_addr(cfg, (unsigned)sa->tunnel, idx, out) :
				 plan_gw_addr(cfg, idx, out);
	const struct ip_prefix *alt = own_alt(sa);
	if (!alt || idx >= 2 * K)
		return -EINVAL;
	uint64_t off = (sa->tun ? (uint64_t)sa->tunnel * K : 0) + (idx - K);
	if (off >= ip_prefix_room(alt))
		return -ERANGE;
	return ip_addr_add(&alt->addr, off, out);
}

/* The family of our address idx. */
static int own_family(const struct ikesa *sa, unsigned idx)
{
	const struct config *cfg = sa->eng->cfg;
	const struct ip_prefix *alt = own_alt(sa);
	if (alt && idx >= own_per_family(sa))
		return alt->addr.family;
	return sa->tun ? cfg->startclntaddr.addr.family : cfg->bindifaddr.addr.family;
}

unsigned mobike_own_list(const struct ikesa *sa, struct ip_addr *out, unsigned cap)
{
	bool gw = sa->tun == NULL;
	unsigned K = mobike_own_count(sa), n = 0;
	uint32_t gone = gw ? sa->eng->mobike_gw_gone : sa->mob ? sa->mob->own_gone : 0;
	for (unsigned k = 0; k < K && n < cap; k++) {
		if (gone_bit(gone, k))
			continue;
		if (mobike_own_addr(sa, k, &out[n]) == 0)
			n++;
	}
	return n;
}

int mobike_own_for_family(const struct ikesa *sa, unsigned o, int family, unsigned *out)
{
	unsigned Kf = own_per_family(sa), K = mobike_own_count(sa);
	for (unsigned i = 0; i < K; i++) {
		unsigned c = (o % Kf + i) % Kf + (own_family(sa, o % Kf) == family ? 0 : Kf);
		if (c < K && own_family(sa, c) == family &&
		    (c == o || !gone_bit(sa->mob ? sa->mob->own_gone : 0, c))) {
			*out = c;
			return 0;
		}
	}
	return -ENOENT;
}

bool mobike_list_holds(const struct ike_msg *m, const struct ip_addr *hdr,
		       const struct ip_addr *a)
{
	if (ip_addr_cmp(hdr, a) == 0)
		return true;
	if (ike_msg_notify(m, IKE_N_NO_ADDITIONAL_ADDRESSES))
		return false;
	unsigned al = ip_addr_bits(a) / 8;
	uint16_t want = al == 16 ? IKE_N_ADDITIONAL_IP6_ADDRESS : IKE_N_ADDITIONAL_IP4_ADDRESS;
	for (unsigned i = 0; i < m->n_notify; i++) {
		const struct ike_notify *nt = &m->notify[i];
		if (nt->type == want && nt->len == al && memcmp(nt->data, a->bytes, al) == 0)
			return true;
	}
	return false;
}

void mobike_add_list(struct ike_builder *b, const struct ip_addr *list, unsigned n,
		     const struct ip_addr *skip)
{
	unsigned added = 0;
	for (unsigned i = 0; i < n; i++) {
		if (skip && ip_addr_cmp(&list[i], skip) == 0)
			continue;
		unsigned len = ip_addr_bits(&list[i]) / 8;
		ike_add_notify_simple(b, len == 16 ? IKE_N_ADDITIONAL_IP6_ADDRESS :
				      IKE_N_ADDITIONAL_IP4_ADDRESS, list[i].bytes, len);
		added++;
	}
	if (!added)
		ike_add_notify_simple(b, IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0);
}

/* Index of the address in use in the peer list (0 when absent: the list
 * always starts with the address in use when it was received). */
static unsigned peer_index(const struct mobike *mob, const struct ip_addr *a)
{
	for (unsigned i = 0; i < mob->n_peers; i++)
		if (ip_addr_cmp(&mob->peers[i], a) == 0)
			return i;
	return 0;
}

/* The first peer address of family fam, or -1. */
static int peer_of_family(const struct mobike *mob, int fam)
{
	for (unsigned i = 0; i < mob->n_peers; i++)
		if (mob->peers[i].family == fam)
			return (int)i;
	return -1;
}

void mobike_next_pair(const struct ikesa *sa, unsigned *own_idx, struct ip_addr *peer)
{
	const struct config *cfg = sa->eng->cfg;
	const struct mobike *mob = sa->mob;
	unsigned K = mobike_own_count(sa);
	unsigned P = mob->n_peers ? mob->n_peers : 1;
	unsigned o0 = mob->own_idx % K, p0 = peer_index(mob, &sa->path.remote);
	unsigned o = o0, p = p0, c = o0 * P + p0;
	bool found = false;
	/* A pair needs one family on both ends: own-only takes the first peer
	 * address of the new own address's family when it changes family;
	 * peer-only the own address of the same rank in the peer's family;
	 * both passes mismatched pairs over.  Own addresses deleted from the
	 * interface are passed over too.  At most one full turn. */
	for (unsigned tries = 0; tries < K * P && !found; tries++) {
		int pf;
		switch (cfg->mobikechangeaddrtype) {
		case MOBIKE_OWN_ONLY:
			o = (o + 1) % K;
			p = p0;
			if (mob->n_peers && mob->peers[p0].family != own_family(sa, o)) {
				pf = peer_of_family(mob, own_family(sa, o));
				if (pf < 0)
					continue;
				p = (unsigned)pf;
			}
			break;
		case MOBIKE_PEER_ONLY:
			p = (p + 1) % P;
			o = o0;
			if (mob->n_peers && mob->peers[p].family != own_family(sa, o0) &&
			    mobike_own_for_family(sa, o0, mob->peers[p].family, &o) < 0)
				continue;
			break;
		case MOBIKE_BOTH:
			c = (c + 1) % (K * P);
			o = c / P;
			p = c % P;
			break;
		}
		found = (!mob->n_peers || mob->peers[p].family == own_family(sa, o)) &&
			(o == o0 || !gone_bit(mob->own_gone, o));
	}
	if (!found)
		o = o0, p = p0;
	*own_idx = o;
	*peer = mob->n_peers ? mob->peers[p] : sa->path.remote;
}

int mobike_away_pair(const struct ikesa *sa, unsigned *own_idx, struct ip_addr *peer)
{
	const struct mobike *mob = sa->mob;
	unsigned K = mobike_own_count(sa), cur = mob->own_idx % K;
	mobike_next_pair(sa, own_idx, peer);
	if (*own_idx != cur)
		return 0;
	/* peer-only (or no other pair): the own address must change too. */
	for (unsigned i = 1; i < K; i++) {
		unsigned c = (cur + i) % K;
		if (gone_bit(mob->own_gone, c))
			continue;
		if (peer->family != own_family(sa, c)) {
			int pf = peer_of_family(mob, own_family(sa, c));
			if (pf < 0)
				continue;
			*peer = mob->peers[pf];
		}
		*own_idx = c;
		return 0;
	}
	return -ENOENT;
}
