/* Remote-access tunnels: CP payloads, virtual addresses, the pool (see
 * ra_cp.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/engine.h"
#include "worker/fastpath_client.h"
#include "worker/ra_cp.h"
#include "worker/task.h"

/* ---- pools -------------------------------------------------------------- */

struct ra_pools *ra_pools_get(struct engine *e)
{
	const struct conf_pool *pc = &e->cfg->poolconf;
	if (e->pools)
		return e->pools;
	if (e->cfg->role == ROLE_CLIENT ||
	    (!ra_pool_room(&pc->v4startaddr) && !ra_pool_room(&pc->v6startaddr)))
		return NULL;
	struct ra_pools *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	unsigned nw = e->nworkers ? e->nworkers : 1, w = (unsigned)e->worker % nw;
	p->has_v4 = ra_pool_room(&pc->v4startaddr) &&
		    ra_pool_init(&p->v4, &pc->v4startaddr, w, nw) == 0;
	p->has_v6 = ra_pool_room(&pc->v6startaddr) &&
		    ra_pool_init(&p->v6, &pc->v6startaddr, w, nw) == 0;
	if (!p->has_v4 && !p->has_v6)
		wlog_event(&e->log, WLOG_ERROR, -1, 0, "ra.pool.empty",
			   "reason=\"fewer pool addresses than workers\" workers=%u", nw);
	e->pools = p;
	return p;
}

void ra_pools_free(struct ra_pools *p)
{
	if (!p)
		return;
	ra_pool_fini(&p->v4);
	ra_pool_fini(&p->v6);
	free(p);
}

/* ---- addresses ---------------------------------------------------------- */

bool ra_vip_v4(const struct ra_vip *v, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!(v->flags & RA_V4))
		return false;
	out->family = AF_INET;
	memcpy(out->bytes, v->v4, 4);
	return true;
}

bool ra_vip_v6(const struct ra_vip *v, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!(v->flags & RA_V6))
		return false;
	out->family = AF_INET6;
	memcpy(out->bytes, v->v6, 16);
	return true;
}

const char *ra_vip_format(const struct ra_vip *v, char *buf, size_t n)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
	struct ip_addr x, y;
	bool h4 = ra_vip_v4(v, &x), h6 = ra_vip_v6(v, &y);
	snprintf(buf, n, "%s%s%s", h4 ? ip_addr_format(&x, a, sizeof(a)) : "",
		 h4 && h6 ? "," : "", h6 ? ip_addr_format(&y, b, sizeof(b)) : "");
	return buf;
}

/* A selector of one address (or the whole family when a is NULL). */
static void ts_one(int family, const struct ip_addr *a, struct ike_ts *t)
{
	size_t n = family == AF_INET6 ? 16 : 4;
	memset(t, 0, sizeof(*t));
	t->type = family == AF_INET6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
	t->end_port = 65535;
	if (a) {
		memcpy(t->start, a->bytes, n);
		memcpy(t->end, a->bytes, n);
	} else {
		memset(t->end, 0xff, n);
	}
}

/* ---- client ------------------------------------------------------------- */

bool ra_client_on(const struct engine *e)
{
	return e->cfg->role == ROLE_CLIENT && e->cfg->ikeconf.ratunnel;
}

/* The families a client asks for: v4 unless childlist[0]'s ownts is IPv6
 * only, v6 when it has an IPv6 selector. */
static void families_wanted(const struct engine *e, bool *v4, bool *v6)
{
	const struct conf_child *cc = &e->cfg->ikeconf.childlist[0];
	*v4 = *v6 = false;
	for (unsigned i = 0; i < cc->n_ownts; i++) {
		if (cc->ownts[i].type == TS_V6)
			*v6 = true;
		else
			*v4 = true;
	}
	if (!*v6)
		*v4 = true;
}

void ra_client_build(struct ikesa *sa, struct msg_out *m, struct ike_ts_list *tsi)
{
	bool v4, v6;
	struct ike_cp cp = { .type = IKE_CFG_REQUEST };
	families_wanted(sa->eng, &v4, &v6);
	tsi->n = 0;
	if (v4) {
		cp.attr[cp.n++].type = IKE_CPA_INTERNAL_IP4_ADDRESS;
		cp.attr[cp.n++].type = IKE_CPA_INTERNAL_IP4_DNS;
		ts_one(AF_INET, NULL, &tsi->ts[tsi->n++]);
	}
	if (v6) {
		cp.attr[cp.n++].type = IKE_CPA_INTERNAL_IP6_ADDRESS;
		cp.attr[cp.n++].type = IKE_CPA_INTERNAL_IP6_DNS;
		ts_one(AF_INET6, NULL, &tsi->ts[tsi->n++]);
	}
	ike_add_cp(&m->b, &cp);
}

int ra_client_take_reply(struct ikesa *sa, const struct ike_msg *m)
{
	struct engine *e = sa->eng;
	struct ra_vip *v = &sa->vip;
	if (!m->has_cp || m->cp.type != IKE_CFG_REPLY) {
		sa->why = "no CFG_REPLY (the gateway assigned no virtual address)";
		return -ENOENT;
	}
	for (unsigned i = 0; i < m->cp.n; i++) {
		const struct ike_cp_attr *a = &m->cp.attr[i];
		uint16_t t = a->type & IKE_CPA_TYPE_MASK;
		/* the first address of each family; IP6 carries a prefix length */
		if (t == IKE_CPA_INTERNAL_IP4_ADDRESS && a->len == 4 && !(v->flags & RA_V4)) {
			memcpy(v->v4, a->data, 4);
			v->flags |= RA_V4;
		} else if (t == IKE_CPA_INTERNAL_IP6_ADDRESS && a->len == 17 &&
			   !(v->flags & RA_V6)) {
			memcpy(v->v6, a->data, 16);
			v->flags |= RA_V6;
		}
	}
	if (!(v->flags & (RA_V4 | RA_V6))) {
		sa->why = "CFG_REPLY without an address";
		return -ENOENT;
	}
	char b[2 * IP_ADDR_STRLEN];
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ra.vip",
		   "vip=%s", ra_vip_format(v, b, sizeof(b)));
	/* installfastpath: on virtualipif before the CHILD SA's route wants
	 * it as its source (queued ahead of the install) */
	struct ip_addr a;
	if (ra_vip_v4(v, &a))
		fpc_vip(sa, &a, true);
	if (ra_vip_v6(v, &a))
		fpc_vip(sa, &a, true);
	if (e->fp)
		v->flags |= RA_ON_IF;
	return 0;
}

void ra_client_child_tsi(const struct ikesa *sa, struct ike_ts_list *tsi)
{
	struct ip_addr a;
	if (!(sa->vip.flags & (RA_V4 | RA_V6)))
		return;
	tsi->n = 0;
	if (ra_vip_v4(&sa->vip, &a))
		ts_one(AF_INET, &a, &tsi->ts[tsi->n++]);
	if (ra_vip_v6(&sa->vip, &a))
		ts_one(AF_INET6, &a, &tsi->ts[tsi->n++]);
}

/* The one-address selectors of `in` that hold one of v's addresses. */
static void narrow_to_vip(const struct ra_vip *v, const struct ike_ts_list *in,
			  struct ike_ts_list *out);

int ra_client_own_ts(const struct ikesa *sa, const struct ike_ts_list *in,
		     struct ike_ts_list *out)
{
	if (!(sa->vip.flags & (RA_V4 | RA_V6)) || (sa->vip.flags & RA_POOLED))
		return 0;
	narrow_to_vip(&sa->vip, in, out);
	return 1;
}

/* ---- gateway ------------------------------------------------------------ */

/* Take a pool address of one family into sa->vip.  0 or -ENOSPC. */
static int take_addr(struct ikesa *sa, struct ra_pools *p, bool v6)
{
	struct ip_addr a;
	if (!(v6 ? p->has_v6 : p->has_v4) ||
	    ra_pool_alloc(v6 ? &p->v6 : &p->v4, &a) < 0)
		return -ENOSPC;
	if (v6)
		memcpy(sa->vip.v6, a.bytes, 16);
	else
		memcpy(sa->vip.v4, a.bytes, 4);
	sa->vip.flags |= (v6 ? RA_V6 : RA_V4) | RA_POOLED;
	return 0;
}

static void add_dns(struct ike_cp *cp, const struct conf_addrs *l, uint16_t type, size_t len)
{
	for (unsigned i = 0; i < l->n && cp->n < IKE_MAX_CP_ATTRS; i++) {
		if (l->v[i].family != (len == 16 ? AF_INET6 : AF_INET))
			continue;
		cp->attr[cp->n].type = type;
		cp->attr[cp->n].data = l->v[i].bytes;
		cp->attr[cp->n++].len = (uint16_t)len;
	}
}

int ra_gw_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out)
{
	struct engine *e = sa->eng;
	const struct conf_pool *pc = &e->cfg->poolconf;
	if (!m->has_cp || m->cp.type != IKE_CFG_REQUEST || sa->vip.flags)
		return 0;
	struct ra_pools *p = ra_pools_get(e);
	if (!p)
		return 0; /* no pool: the CP is ignored (RFC 7296 2.19) */
	bool want4 = false, want6 = false;
	for (unsigned i = 0; i < m->cp.n; i++) {
		uint16_t t = m->cp.attr[i].type & IKE_CPA_TYPE_MASK;
		want4 |= t == IKE_CPA_INTERNAL_IP4_ADDRESS;
		want6 |= t == IKE_CPA_INTERNAL_IP6_ADDRESS;
	}
	/* A family without a pool is not answered; an empty pool of an asked
	 * family refuses the lot (nothing half-given stays taken). */
	const char *empty = NULL;
	if (want4 && p->has_v4 && take_addr(sa, p, false) < 0)
		empty = "ipv4";
	else if (want6 && p->has_v6 && take_addr(sa, p, true) < 0)
		empty = "ipv6";
	if (empty) {
		p->exhausted++;
		ra_sa_gone(sa);
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ra.pool.exhausted",
			   "family=%s in_use=%u refused=%llu", empty, p->v4.in_use + p->v6.in_use,
			   (unsigned long long)p->exhausted);
		return -ENOSPC;
	}
	if (!sa->vip.flags)
		return 0; /* nothing asked that we have */
	struct ike_cp cp = { .type = IKE_CFG_REPLY };
	uint8_t v6[17];
	if (sa->vip.flags & RA_V4) {
		cp.attr[cp.n].type = IKE_CPA_INTERNAL_IP4_ADDRESS;
		cp.attr[cp.n].data = sa->vip.v4;
		cp.attr[cp.n++].len = 4;
		add_dns(&cp, &pc->v4dnslist, IKE_CPA_INTERNAL_IP4_DNS, 4);
	}
	if (sa->vip.flags & RA_V6) {
		memcpy(v6, sa->vip.v6, 16);
		v6[16] = 128; /* the selectors give the peer this one address */
		cp.attr[cp.n].type = IKE_CPA_INTERNAL_IP6_ADDRESS;
		cp.attr[cp.n].data = v6;
		cp.attr[cp.n++].len = 17;
		add_dns(&cp, &pc->v6dnslist, IKE_CPA_INTERNAL_IP6_DNS, 16);
	}
	ike_add_cp(&out->b, &cp);
	char b[2 * IP_ADDR_STRLEN];
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "ra.assigned", "vip=%s",
		   ra_vip_format(&sa->vip, b, sizeof(b)));
	return 0;
}

/* Does selector t hold address a? */
static bool ts_holds(const struct ike_ts *t, const struct ip_addr *a)
{
	size_t n = a->family == AF_INET6 ? 16 : 4;
	uint8_t type = a->family == AF_INET6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
	return t->type == type && memcmp(t->start, a->bytes, n) <= 0 &&
	       memcmp(a->bytes, t->end, n) <= 0;
}

static void narrow_to_vip(const struct ra_vip *v, const struct ike_ts_list *in,
			  struct ike_ts_list *out)
{
	struct ip_addr vip[2];
	unsigned nv = 0;
	if (ra_vip_v4(v, &vip[nv]))
		nv++;
	if (ra_vip_v6(v, &vip[nv]))
		nv++;
	out->n = 0;
	for (unsigned i = 0; i < in->n; i++) {
		for (unsigned j = 0; j < nv && out->n < IKE_MAX_TS; j++) {
			if (!ts_holds(&in->ts[i], &vip[j]))
				continue;
			struct ike_ts *t = &out->ts[out->n++];
			*t = in->ts[i];
			size_t n = vip[j].family == AF_INET6 ? 16 : 4;
			memcpy(t->start, vip[j].bytes, n);
			memcpy(t->end, vip[j].bytes, n);
		}
	}
}

int ra_narrow_peer_ts(const struct ikesa *sa, struct ike_ts_list *ts)
{
	if (!(sa->vip.flags & RA_POOLED))
		return 0; /* only a gateway narrows to what it assigned */
	struct ike_ts_list out;
	narrow_to_vip(&sa->vip, ts, &out);
	*ts = out;
	return out.n ? 0 : -ENOENT;
}

/* ---- both --------------------------------------------------------------- */

void ra_rekeyed(struct ikesa *old, struct ikesa *n)
{
	n->vip = old->vip;
	memset(&old->vip, 0, sizeof(old->vip));
}

void ra_sa_gone(struct ikesa *sa)
{
	struct ra_vip *v = &sa->vip;
	struct ip_addr a;
	if (v->flags & RA_POOLED) {
		struct ra_pools *p = sa->eng->pools;
		if (p && ra_vip_v4(v, &a))
			ra_pool_free(&p->v4, &a);
		if (p && ra_vip_v6(v, &a))
			ra_pool_free(&p->v6, &a);
	}
	if (v->flags & RA_ON_IF) {
		if (ra_vip_v4(v, &a))
			fpc_vip(sa, &a, false);
		if (ra_vip_v6(v, &a))
			fpc_vip(sa, &a, false);
	}
	memset(v, 0, sizeof(*v));
}
