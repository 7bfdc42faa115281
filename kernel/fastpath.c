/* CHILD SAs into the kernel: the record, and the phases of each operation
 * (build every request's messages into the packs, send, read the errors,
 * undo what failed). */
#include "kernel/fastpath.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/nl_pack.h"
#include "kernel/route330.h"
#include "kernel/xfrm_policy.h"

#define VIA_CACHE 1024 /* peers whose route is remembered */
/* A message's tag: the request it belongs to and its place k in it, so
 * that undoing a failed request removes exactly what it did add (never a
 * colliding state or policy of another SA). */
#define TAG(i, k) ((uint32_t)(i) << 8 | (uint32_t)(k))
#define TAG_REQ(t) ((t) >> 8)
#define TAG_K(t) ((t) & 0xffu)
#define NO_TAG UINT32_MAX
#define MAX_REQUESTS (1u << 23) /* requests per call, so TAG_REQ(NO_TAG) is none */
/* < 256: 2 + 3*8*8 < 200; the re-added states of a move after the routes */
enum { K_OUT = 0, K_IN = 1, K_POL = 2, K_ROUTE = 200, K_NEW_OUT = 250, K_NEW_IN = 251 };
#define MASK_BYTES 32 /* one bit per k */

/* One installed CHILD SA: what removing it needs, and what adding its
 * states again needs (a MOBIKE move XFRM_MSG_MIGRATE cannot express):
 * algorithms, ESN, replay window and the keys.  One allocation: the
 * selectors, then keymat_len octets of KEYMAT (rec_keymat()); wiped when
 * freed (rec_free()). */
struct rec {
	struct rec *next;
	uint32_t reqid, priority;
	uint32_t spi_in, spi_out;
	uint32_t replay_window;
	uint16_t encr_id, encr_keybits, integ_id, keymat_len;
	uint8_t mode, n_lts, n_rts;
	bool initiator, esn;
	struct fp_endpoints ep;
	struct fp_ts ts[]; /* n_lts local, then n_rts remote; then the keys */
};

/* A table 330 route and how many installed SAs need it. */
struct route_ref {
	struct route_ref *next;
	struct ip_prefix p;
	uint32_t refs;
};

/* A policy (direction + selector: the kernel's key, one policy per key)
 * and the installed CHILD SAs whose traffic selectors give it, newest
 * first; the kernel's policy carries the first one's template.  A CHILD SA
 * installed while an older one of the same selectors is still there (a
 * peer that dialed again before its old SA went) takes the policy over
 * (XFRM_MSG_UPDPOLICY); the older one's delete then leaves it alone, and
 * when the owner goes first the next holder gets it back (strongSwan
 * counts its policies' users per selector in the same way). */
struct pol_holder {
	struct pol_holder *next;
	uint32_t reqid;
	uint8_t l, r; /* its pair of traffic selectors giving the key */
};

struct pol_ref {
	struct pol_ref *next;
	struct xfrm_selector sel;
	uint8_t dir;
	struct pol_holder *holders;
};

struct via_slot {
	struct ip_addr dst;
	struct route330_via via;
	uint32_t gen; /* fastpath.via_gen when it was looked up */
};

struct fastpath {
	struct nl_pack *xp, *rp;  /* XFRM and route sockets */
	struct rec **recs;
	size_t nrecs_cap, nrecs;
	struct route_ref **routes;
	size_t nroutes_cap, nroutes;
	struct pol_ref **pols;
	size_t npols_cap, npols;
	bool rule_known[2], rule_ours[2]; /* [0] IPv4, [1] IPv6 */
	bool spd_known, spd_changed;
	struct xfrm_hthresh spd_orig[2], spd_now[2]; /* SPD hash thresholds */
	struct via_slot via[VIA_CACHE];
	uint32_t via_gen; /* bumped by fp_migrate: "fresh" = looked up since */
};

/* ---- hashing ---- */

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x ^ (x >> 16);
}

static uint32_t addr_hash(const struct ip_addr *a, uint32_t seed)
{
	uint32_t h = seed ^ a->family;

	for (size_t i = 0; i < 16; i += 4)
		h = mix32(h ^ (uint32_t)(a->bytes[i] | a->bytes[i + 1] << 8 |
					 a->bytes[i + 2] << 16 | (uint32_t)a->bytes[i + 3] << 24));
	return h;
}

/* Doubles a chained table when it is as full as it is wide. */
static int grow(void ***tab, size_t *cap, size_t n, size_t next_off,
		uint32_t (*hash)(const void *))
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 1024;
	void **nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (size_t b = 0; b < *cap; b++) {
		void *e = (*tab)[b];
		while (e) {
			void **link = (void **)((char *)e + next_off);
			void *next = *link;
			size_t nb = hash(e) & (ncap - 1);
			*link = nt[nb];
			nt[nb] = e;
			e = next;
		}
	}
	free(*tab);
	*tab = nt;
	*cap = ncap;
	return 0;
}

/* ---- the record ---- */

static uint32_t rec_hash(const void *e)
{
	return mix32(((const struct rec *)e)->reqid);
}

static struct rec **rec_slot(struct fastpath *fp, uint32_t reqid)
{
	if (!fp->nrecs_cap)
		return NULL;
	struct rec **r = &fp->recs[mix32(reqid) & (fp->nrecs_cap - 1)];
	while (*r && (*r)->reqid != reqid)
		r = &(*r)->next;
	return r;
}

static struct rec *rec_find(struct fastpath *fp, uint32_t reqid)
{
	struct rec **r = rec_slot(fp, reqid);
	return r ? *r : NULL;
}

static int rec_insert(struct fastpath *fp, struct rec *r)
{
	int rc = grow((void ***)&fp->recs, &fp->nrecs_cap, fp->nrecs,
		      offsetof(struct rec, next), rec_hash);
	if (rc)
		return rc;
	struct rec **head = &fp->recs[mix32(r->reqid) & (fp->nrecs_cap - 1)];
	r->next = *head;
	*head = r;
	fp->nrecs++;
	return 0;
}

/* Unlinks (does not free) the record of reqid. */
static struct rec *rec_unlink(struct fastpath *fp, uint32_t reqid)
{
	struct rec **s = rec_slot(fp, reqid), *r;

	if (!s || !*s)
		return NULL;
	r = *s;
	*s = r->next;
	fp->nrecs--;
	return r;
}

static size_t rec_size(size_t nts, size_t keymat_len)
{
	return sizeof(struct rec) + nts * sizeof(struct fp_ts) + keymat_len;
}

static uint8_t *rec_keymat(const struct rec *r)
{
	return (uint8_t *)(r->ts + r->n_lts + r->n_rts);
}

static void rec_free(struct rec *r)
{
	if (!r)
		return;
	explicit_bzero(r, rec_size((size_t)r->n_lts + r->n_rts, r->keymat_len));
	free(r);
}

static struct rec *rec_from_child(const struct fp_child *c)
{
	size_t nts = (size_t)c->n_local_ts + c->n_remote_ts;
	struct rec *r = calloc(1, rec_size(nts, c->keymat_len));

	if (!r)
		return NULL;
	r->reqid = c->reqid;
	r->priority = c->priority;
	r->spi_in = c->spi_in;
	r->spi_out = c->spi_out;
	r->replay_window = c->replay_window;
	r->encr_id = c->encr_id;
	r->encr_keybits = c->encr_keybits;
	r->integ_id = c->integ_id;
	r->keymat_len = c->keymat_len;
	r->mode = c->mode;
	r->n_lts = c->n_local_ts;
	r->n_rts = c->n_remote_ts;
	r->initiator = c->initiator;
	r->esn = c->esn;
	r->ep = c->ep;
	memcpy(r->ts, c->local_ts, c->n_local_ts * sizeof(r->ts[0]));
	memcpy(r->ts + c->n_local_ts, c->remote_ts, c->n_remote_ts * sizeof(r->ts[0]));
	memcpy(rec_keymat(r), c->keymat, c->keymat_len);
	return r;
}

/* The request a record came from, without keys (for the message builders). */
static void child_from_rec(const struct rec *r, struct fp_child *c)
{
	memset(c, 0, offsetof(struct fp_child, keymat));
	c->reqid = r->reqid;
	c->priority = r->priority;
	c->spi_in = r->spi_in;
	c->spi_out = r->spi_out;
	c->replay_window = r->replay_window;
	c->encr_id = r->encr_id;
	c->encr_keybits = r->encr_keybits;
	c->integ_id = r->integ_id;
	c->initiator = r->initiator;
	c->esn = r->esn;
	c->mode = r->mode;
	c->ep = r->ep;
	c->n_local_ts = r->n_lts;
	c->n_remote_ts = r->n_rts;
	memcpy(c->local_ts, r->ts, r->n_lts * sizeof(r->ts[0]));
	memcpy(c->remote_ts, r->ts + r->n_lts, r->n_rts * sizeof(r->ts[0]));
}

/* The same with the keys (the caller wipes c->keymat after use). */
static void child_from_rec_keys(const struct rec *r, struct fp_child *c)
{
	child_from_rec(r, c);
	c->keymat_len = r->keymat_len;
	memcpy(c->keymat, rec_keymat(r), r->keymat_len);
}

/* ---- table 330 route references ---- */

static uint32_t route_hash_p(const struct ip_prefix *p)
{
	return addr_hash(&p->addr, p->len);
}

static uint32_t route_hash(const void *e)
{
	return route_hash_p(&((const struct route_ref *)e)->p);
}

static struct route_ref **route_slot(struct fastpath *fp, const struct ip_prefix *p)
{
	if (!fp->nroutes_cap)
		return NULL;
	struct route_ref **r = &fp->routes[route_hash_p(p) & (fp->nroutes_cap - 1)];
	while (*r && ((*r)->p.len != p->len || ip_addr_cmp(&(*r)->p.addr, &p->addr)))
		r = &(*r)->next;
	return r;
}

/* Takes a reference; *fresh says the route must be added.  0 or -ENOMEM. */
static int route_ref(struct fastpath *fp, const struct ip_prefix *p, bool *fresh)
{
	struct route_ref **s = route_slot(fp, p);

	*fresh = false;
	if (s && *s) {
		(*s)->refs++;
		return 0;
	}
	if (grow((void ***)&fp->routes, &fp->nroutes_cap, fp->nroutes,
		 offsetof(struct route_ref, next), route_hash) < 0)
		return -ENOMEM;
	struct route_ref *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->p = *p;
	r->refs = 1;
	s = &fp->routes[route_hash_p(p) & (fp->nroutes_cap - 1)];
	r->next = *s;
	*s = r;
	fp->nroutes++;
	*fresh = true;
	return 0;
}

/* Drops a reference; true when it was the last (the route must go). */
static bool route_unref(struct fastpath *fp, const struct ip_prefix *p)
{
	struct route_ref **s = route_slot(fp, p), *r;

	if (!s || !*s)
		return false;
	r = *s;
	if (--r->refs)
		return false;
	*s = r->next;
	free(r);
	fp->nroutes--;
	return true;
}

/* ---- policy holders ---- */

static uint32_t pol_hash_key(const struct xfrm_selector *sel, uint8_t dir)
{
	const uint8_t *b = (const uint8_t *)sel;
	uint32_t h = mix32(dir);

	for (size_t o = 0; o + 4 <= sizeof(*sel); o += 4) {
		uint32_t w;
		memcpy(&w, b + o, 4);
		h = mix32(h ^ w);
	}
	return h;
}

static uint32_t pol_hash(const void *e)
{
	const struct pol_ref *p = e;
	return pol_hash_key(&p->sel, p->dir);
}

static struct pol_ref **pol_slot(struct fastpath *fp, const struct xfrm_selector *sel,
				 uint8_t dir)
{
	if (!fp->npols_cap)
		return NULL;
	struct pol_ref **p = &fp->pols[pol_hash_key(sel, dir) & (fp->npols_cap - 1)];
	while (*p && ((*p)->dir != dir || memcmp(&(*p)->sel, sel, sizeof(*sel))))
		p = &(*p)->next;
	return p;
}

/* The reqid whose template the kernel's policy (dir, sel) carries, 0 when
 * none of ours holds it. */
static uint32_t pol_owner(struct fastpath *fp, const struct xfrm_selector *sel, uint8_t dir)
{
	struct pol_ref **s = pol_slot(fp, sel, dir);
	return s && *s ? (*s)->holders->reqid : 0;
}

/* reqid (its pair l, r) becomes the newest holder of (dir, sel); *shared
 * says another one of ours holds it already (update, not add).  0 or
 * -ENOMEM. */
static int pol_take(struct fastpath *fp, uint32_t reqid, const struct xfrm_selector *sel,
		    uint8_t dir, unsigned l, unsigned r, bool *shared)
{
	struct pol_holder *h = calloc(1, sizeof(*h));
	struct pol_ref **s, *p;

	if (!h)
		return -ENOMEM;
	h->reqid = reqid;
	h->l = (uint8_t)l;
	h->r = (uint8_t)r;
	s = pol_slot(fp, sel, dir);
	if (!s || !*s) {
		p = calloc(1, sizeof(*p));
		if (!p || grow((void ***)&fp->pols, &fp->npols_cap, fp->npols,
			       offsetof(struct pol_ref, next), pol_hash) < 0) {
			free(p);
			free(h);
			return -ENOMEM;
		}
		p->sel = *sel;
		p->dir = dir;
		s = &fp->pols[pol_hash_key(sel, dir) & (fp->npols_cap - 1)];
		p->next = *s;
		*s = p;
		fp->npols++;
	}
	p = *s;
	*shared = p->holders != NULL;
	h->next = p->holders;
	p->holders = h;
	return 0;
}

enum pol_release { PR_KEEP, PR_DEL, PR_HANDOVER };

/* reqid lets go of (dir, sel): PR_DEL when it was the last holder (the
 * policy goes), PR_HANDOVER when it was the owner and *next (a copy of the
 * new first holder) must get the policy, PR_KEEP when another owns it. */
static enum pol_release pol_release(struct fastpath *fp, uint32_t reqid,
				    const struct xfrm_selector *sel, uint8_t dir,
				    struct pol_holder *next)
{
	struct pol_ref **s = pol_slot(fp, sel, dir), *p;
	struct pol_holder **hp, *h;

	if (!s || !*s)
		return PR_DEL; /* never taken (out of memory): as before */
	p = *s;
	for (hp = &p->holders; *hp && (*hp)->reqid != reqid; hp = &(*hp)->next)
		;
	if (!*hp)
		return PR_KEEP; /* not its own */
	h = *hp;
	bool owner = hp == &p->holders;
	*hp = h->next;
	free(h);
	if (!p->holders) {
		*s = p->next;
		free(p);
		fp->npols--;
		return PR_DEL;
	}
	if (!owner)
		return PR_KEEP;
	*next = *p->holders;
	return PR_HANDOVER;
}

/* A rekey to a new reqid: the holder old_reqid of (dir, sel) is new_reqid
 * now, in its place. */
static void pol_rename(struct fastpath *fp, uint32_t old_reqid, uint32_t new_reqid,
		       const struct xfrm_selector *sel, uint8_t dir)
{
	struct pol_ref **s = pol_slot(fp, sel, dir);

	for (struct pol_holder *h = s && *s ? (*s)->holders : NULL; h; h = h->next)
		if (h->reqid == old_reqid) {
			h->reqid = new_reqid;
			return;
		}
}

/* ---- sending ---- */

/* Queue a built message (or its build error) with tag i.  *mp is read
 * here, after the build call among the arguments has set it. */
static int queue(struct nl_pack *p, int built, struct nl_msg **mp, uint32_t tag, int *err)
{
	struct nl_msg *m = *mp;
	int rc = built;

	if (rc == 0) {
		rc = nlp_add(p, m, tag);
		memset(nlmsg_hdr(m), 0, nlmsg_hdr(m)->nlmsg_len); /* may hold keys */
		nlmsg_free(m);
	}
	if (rc < 0 && err && tag != NO_TAG && err[TAG_REQ(tag)] == 0)
		err[TAG_REQ(tag)] = rc;
	return rc;
}

static bool is_gone(int e)
{
	return e == -ENOENT || e == -ESRCH || e == -EADDRNOTAVAIL;
}

/* Send both packs; the first failure of each request lands in its err[]
 * (when ignore_gone, "already gone" answers are no failure), and when
 * failed is given, the failed message's bit in the request's mask.
 * Returns -errno of a socket failure, else 0. */
static int send_packs(struct fastpath *fp, int *err, size_t count, bool ignore_gone,
		      uint8_t *failed)
{
	struct nl_pack *packs[2] = { fp->xp, fp->rp };
	int sock_err = 0;

	for (size_t pk = 0; pk < 2; pk++) {
		int rc = nlp_flush(packs[pk]);
		size_t n;
		const struct nlp_fail *f = nlp_fails(packs[pk], &n);
		if (rc < 0 && !sock_err)
			sock_err = rc;
		for (size_t j = 0; j < n; j++) {
			uint32_t i = TAG_REQ(f[j].tag), k = TAG_K(f[j].tag);
			if (i >= count || !err || (ignore_gone && is_gone(f[j].err)))
				continue;
			if (err[i] == 0)
				err[i] = f[j].err;
			if (failed)
				failed[i * MASK_BYTES + k / 8] |= (uint8_t)(1u << (k % 8));
		}
		nlp_reset(packs[pk]);
	}
	return sock_err;
}

static int count_failed(const int *err, size_t count, int sock_err)
{
	int n = 0;

	for (size_t i = 0; i < count; i++)
		n += err[i] != 0;
	return sock_err ? sock_err : n;
}

/* ---- what one CHILD SA sends ---- */

static int fam_slot(int family)
{
	return family == AF_INET6;
}

static bool bit(const uint8_t *mask, unsigned k)
{
	return mask && (mask[k / 8] >> (k % 8)) & 1;
}

static void emit_states_add(struct fastpath *fp, const struct fp_child *c, size_t i, int *err)
{
	struct xfrm_alg_spec alg;
	struct nl_msg *m = NULL;
	int rc = xfrm_alg_lookup(c->encr_id, c->encr_keybits, c->integ_id, &alg);

	for (int d = FP_OUT; d <= FP_IN && rc == 0; d++)
		rc = queue(fp->xp, xfrm_sa_build_add(c, &alg, (enum fp_dir)d, &m), &m,
			   TAG(i, d == FP_OUT ? K_OUT : K_IN), err);
	if (rc < 0 && err && err[i] == 0)
		err[i] = rc;
}

/* Deletes the out and/or in state, but not where skip has its bit. */
static void emit_states_del(struct fastpath *fp, const struct fp_endpoints *ep,
			    uint32_t spi_in, uint32_t spi_out, size_t i, int *err,
			    const uint8_t *skip)
{
	struct nl_msg *m = NULL;

	if (!bit(skip, K_OUT))
		queue(fp->xp, xfrm_sa_build_del(&ep->remote, spi_out, &m), &m, TAG(i, K_OUT), err);
	if (!bit(skip, K_IN))
		queue(fp->xp, xfrm_sa_build_del(&ep->local, spi_in, &m), &m, TAG(i, K_IN), err);
}

static const int policy_dirs[] = { XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD };

/* Policy messages (op), or with `to` their migration; k = K_POL + n in
 * loop order; not where skip has the bit. */
static void emit_policies(struct fastpath *fp, const struct fp_child *c,
			  enum xfrm_policy_op op, const struct fp_endpoints *to, size_t i,
			  int *err, const uint8_t *skip)
{
	size_t ndirs = c->mode == FP_TUNNEL ? 3 : 2;
	struct nl_msg *m = NULL;
	unsigned k = K_POL;

	for (unsigned l = 0; l < c->n_local_ts; l++)
		for (unsigned r = 0; r < c->n_remote_ts; r++)
			for (size_t d = 0; d < ndirs; d++, k++) {
				const struct fp_ts *lts = &c->local_ts[l], *rts = &c->remote_ts[r];
				int b;
				if (bit(skip, k))
					continue;
				b = to ? xfrm_policy_build_migrate(c, policy_dirs[d], lts, rts, to, &m)
				       : xfrm_policy_build(c, op, policy_dirs[d], lts, rts, &m);
				queue(fp->xp, b, &m, TAG(i, k), err);
			}
}

/* How many policies c has, and policy n's pair (l, r) and direction, in
 * emit_policies' order (its k is K_POL + n). */
static unsigned policy_count(const struct fp_child *c)
{
	return (unsigned)c->n_local_ts * c->n_remote_ts * (c->mode == FP_TUNNEL ? 3 : 2);
}

static int policy_at(const struct fp_child *c, unsigned n, unsigned *l, unsigned *r)
{
	unsigned ndirs = c->mode == FP_TUNNEL ? 3 : 2;

	*l = n / ndirs / c->n_remote_ts;
	*r = n / ndirs % c->n_remote_ts;
	return policy_dirs[n % ndirs];
}

/* An install's policies: added, or where another CHILD SA of ours holds
 * the selector, taken over (updated to c's template). */
static void emit_policies_install(struct fastpath *fp, const struct fp_child *c, size_t i,
				  int *err)
{
	for (unsigned n = 0; n < policy_count(c); n++) {
		struct xfrm_selector sel;
		struct nl_msg *m = NULL;
		unsigned l, r;
		bool shared = false;
		int dir = policy_at(c, n, &l, &r);
		xfrm_policy_selector(dir, &c->local_ts[l], &c->remote_ts[r], &sel);
		int rc = pol_take(fp, c->reqid, &sel, (uint8_t)dir, l, r, &shared);
		if (rc < 0) {
			if (err && !err[i])
				err[i] = rc;
			continue;
		}
		enum xfrm_policy_op op = shared ? XP_UPDATE : XP_ADD;
		int built = xfrm_policy_build(c, op, dir, &c->local_ts[l], &c->remote_ts[r], &m);
		queue(fp->xp, built, &m, TAG(i, K_POL + n), err);
	}
}

/* c's policies let go of: deleted where c was the last holder, handed to
 * the next holder where c owned them, left alone where another owns them;
 * no message where skip has the bit (never added). */
static void emit_policies_release(struct fastpath *fp, const struct fp_child *c, size_t i,
				  int *err, const uint8_t *skip)
{
	for (unsigned n = 0; n < policy_count(c); n++) {
		struct xfrm_selector sel;
		struct pol_holder next;
		struct nl_msg *m = NULL;
		unsigned l, r;
		int dir = policy_at(c, n, &l, &r), b;
		xfrm_policy_selector(dir, &c->local_ts[l], &c->remote_ts[r], &sel);
		enum pol_release pr = pol_release(fp, c->reqid, &sel, (uint8_t)dir, &next);
		if (pr == PR_KEEP || bit(skip, K_POL + n))
			continue;
		if (pr == PR_DEL) {
			b = xfrm_policy_build(c, XP_DEL, dir, &c->local_ts[l], &c->remote_ts[r],
					      &m);
		} else {
			const struct rec *o = rec_find(fp, next.reqid);
			struct fp_child oc;
			if (!o)
				continue;
			child_from_rec(o, &oc);
			b = xfrm_policy_build(&oc, XP_UPDATE, dir, &oc.local_ts[next.l],
					      &oc.remote_ts[next.r], &m);
		}
		queue(fp->xp, b, &m, TAG(i, K_POL + n), err);
	}
}

/* Updates to c's template the policies c owns (the others are another's:
 * a move or rekey of c leaves them alone).  With old_reqid != c->reqid (a
 * rekey to a new reqid) the holder old_reqid becomes c->reqid first. */
static void emit_policies_owned(struct fastpath *fp, const struct fp_child *c,
				uint32_t old_reqid, size_t i, int *err)
{
	for (unsigned n = 0; n < policy_count(c); n++) {
		struct xfrm_selector sel;
		struct nl_msg *m = NULL;
		unsigned l, r;
		int dir = policy_at(c, n, &l, &r);
		xfrm_policy_selector(dir, &c->local_ts[l], &c->remote_ts[r], &sel);
		if (old_reqid != c->reqid)
			pol_rename(fp, old_reqid, c->reqid, &sel, (uint8_t)dir);
		if (pol_owner(fp, &sel, (uint8_t)dir) != c->reqid)
			continue;
		int built = xfrm_policy_build(c, XP_UPDATE, dir, &c->local_ts[l],
					      &c->remote_ts[r], &m);
		queue(fp->xp, built, &m, TAG(i, K_POL + n), err);
	}
}

/* Does c own every one of its policies (XFRM_MSG_MIGRATE moves them all)? */
static bool owns_all(struct fastpath *fp, const struct fp_child *c)
{
	for (unsigned n = 0; n < policy_count(c); n++) {
		struct xfrm_selector sel;
		unsigned l, r;
		int dir = policy_at(c, n, &l, &r);
		xfrm_policy_selector(dir, &c->local_ts[l], &c->remote_ts[r], &sel);
		if (pol_owner(fp, &sel, (uint8_t)dir) != c->reqid)
			return false;
	}
	return true;
}

/* The source of c's routes: the local TS when it is one address. */
static const struct ip_addr *route_src(const struct fp_child *c)
{
	const struct fp_ts *l = &c->local_ts[0];

	if (c->n_local_ts == 1 && ip_addr_cmp(&l->start, &l->end) == 0)
		return &l->start;
	return NULL;
}

struct via_fill {
	struct fastpath *fp;
	const size_t *child;        /* child[q]: the request query q is for */
	const struct ip_addr *dst;  /* dst[q]: its address */
	struct route330_via *vias;  /* per request */
	int *verr;                  /* per request: 0 or the lookup's -errno */
};

static int via_answer(void *ctx, size_t q, const struct nlmsghdr *h, int err)
{
	struct via_fill *f = ctx;
	size_t i = f->child[q];

	if (!err)
		err = route330_parse_lookup(h, &f->vias[i]);
	f->verr[i] = err;
	if (!err) {
		struct via_slot *s = &f->fp->via[addr_hash(&f->dst[q], 0) % VIA_CACHE];
		s->dst = f->dst[q];
		s->via = f->vias[i];
		s->gen = f->fp->via_gen;
	}
	return 0;
}

/* Where each of count peers (first, first + stride, ...; only where want[i])
 * is routed now, all asked in one go (nl_pack.h nlp_query): a gateway has a
 * peer per SA, and a query each would cost a round trip each.  The cache
 * answers what it holds unless fresh; a peer equal to the last one asked
 * is asked once.  vias[i]/verr[i] get the answers; 0 or -errno (socket). */
static int vias_lookup(struct fastpath *fp, const struct ip_addr *first, size_t stride,
		       size_t count, const bool *want, bool fresh, struct route330_via *vias,
		       int *verr)
{
	size_t cap = count ? count : 1, n = 0;
	size_t *child = malloc(cap * sizeof(*child)), *src = malloc(cap * sizeof(*src));
	struct ip_addr *dst = malloc(cap * sizeof(*dst));
	struct nl_msg **msgs = malloc(cap * sizeof(*msgs));
	int rc = -ENOMEM;

	if (!child || !src || !dst || !msgs)
		goto out;
	for (size_t i = 0; i < count; i++) {
		const struct ip_addr *a = (const void *)((const char *)first + i * stride);
		const struct via_slot *sl = &fp->via[addr_hash(a, 0) % VIA_CACHE];
		verr[i] = 0;
		src[i] = i;
		if (!want[i])
			continue;
		if (sl->dst.family && !ip_addr_cmp(&sl->dst, a) && (!fresh || sl->gen == fp->via_gen)) {
			vias[i] = sl->via;
			continue;
		}
		verr[i] = -EAGAIN; /* until answered */
		if (n && !ip_addr_cmp(&dst[n - 1], a)) {
			src[i] = child[n - 1];
			continue;
		}
		if (route330_build_lookup(a, &msgs[n]) < 0)
			goto out;
		child[n] = i;
		dst[n++] = *a;
	}
	struct via_fill f = { fp, child, dst, vias, verr };
	rc = n ? nlp_query(fp->rp, msgs, n, via_answer, &f) : 0;
	for (size_t i = 0; i < count; i++) {
		if (src[i] != i) {
			vias[i] = vias[src[i]];
			verr[i] = verr[src[i]];
		}
	}
out:
	for (size_t q = 0; q < n; q++)
		nlmsg_free(msgs[q]);
	free(child);
	free(src);
	free(dst);
	free(msgs);
	return rc;
}

/* The table 330 rule for family, added once (not ours when it was there). */
static int rule_ensure(struct fastpath *fp, int family)
{
	int k = fam_slot(family), rc;
	struct nl_msg *m = NULL;
	size_t n, n0;

	if (fp->rule_known[k])
		return 0;
	nlp_fails(fp->rp, &n0);
	rc = route330_rule_build(R330_ADD, family, &m);
	if (rc == 0)
		rc = queue(fp->rp, 0, &m, NO_TAG, NULL);
	if (rc == 0)
		rc = nlp_flush(fp->rp);
	if (rc < 0)
		return rc;
	/* the rule's answer is a new failure tagged NO_TAG, if it failed (the
	 * tag keeps it out of any request's err[]) */
	const struct nlp_fail *f = nlp_fails(fp->rp, &n);
	rc = 0;
	for (size_t j = n0; j < n; j++)
		if (f[j].tag == NO_TAG)
			rc = f[j].err;
	if (rc && rc != -EEXIST)
		return rc;
	fp->rule_known[k] = true;
	fp->rule_ours[k] = rc == 0;
	return 0;
}

/* Route messages for c's remote TS: add (a reference each; the first adds),
 * or drop references (the last deletes, unless skip says its add failed). */
static void emit_routes(struct fastpath *fp, const struct fp_child *c, bool add,
			const struct route330_via *via, size_t i, int *err, const uint8_t *skip)
{
	struct nl_msg *m = NULL;

	if (c->mode != FP_TUNNEL)
		return;
	for (unsigned r = 0; r < c->n_remote_ts; r++) {
		struct ip_prefix p;
		bool fresh = false;
		fp_ts_prefix(&c->remote_ts[r], &p);
		if (add) {
			if (route_ref(fp, &p, &fresh) < 0) {
				if (err && err[i] == 0)
					err[i] = -ENOMEM;
				continue;
			}
			/* a gateway of the outer family cannot serve an inner route
			 * of the other: then the interface alone */
			struct route330_via v = *via;
			if (v.gw.family && v.gw.family != p.addr.family)
				memset(&v.gw, 0, sizeof(v.gw));
			if (fresh)
				queue(fp->rp, route330_build(R330_REPLACE, &p, &v, route_src(c), &m),
				      &m, TAG(i, K_ROUTE + r), err);
		} else if (route_unref(fp, &p) && !bit(skip, K_ROUTE + r)) {
			queue(fp->rp, route330_build(R330_DEL, &p, NULL, NULL, &m), &m,
			      TAG(i, K_ROUTE + r), err);
		}
	}
}

/* Everything of c, as far as it is there, except what skip marks as never
 * added; answers "gone" are expected. */
static void emit_remove(struct fastpath *fp, const struct fp_child *c, size_t i, int *err,
			const uint8_t *skip)
{
	emit_policies_release(fp, c, i, err, skip);
	emit_states_del(fp, &c->ep, c->spi_in, c->spi_out, i, err, skip);
	emit_routes(fp, c, false, NULL, i, err, skip);
}

/* ---- the operations ---- */

int fp_open(struct fastpath **out)
{
	struct fastpath *fp = calloc(1, sizeof(*fp));
	int rc;

	if (!fp)
		return -ENOMEM;
	rc = nlp_open(&fp->xp, NETLINK_XFRM);
	if (rc == 0)
		rc = nlp_open(&fp->rp, NETLINK_ROUTE);
	if (rc) {
		fp_close(fp);
		return rc;
	}
	*out = fp;
	return 0;
}

static void forget_all(struct fastpath *fp)
{
	for (size_t b = 0; b < fp->nrecs_cap; b++) {
		while (fp->recs[b]) {
			struct rec *r = fp->recs[b];
			fp->recs[b] = r->next;
			rec_free(r);
		}
	}
	for (size_t b = 0; b < fp->nroutes_cap; b++) {
		while (fp->routes[b]) {
			struct route_ref *r = fp->routes[b];
			fp->routes[b] = r->next;
			free(r);
		}
	}
	for (size_t b = 0; b < fp->npols_cap; b++) {
		while (fp->pols[b]) {
			struct pol_ref *p = fp->pols[b];
			fp->pols[b] = p->next;
			while (p->holders) {
				struct pol_holder *h = p->holders;
				p->holders = h->next;
				free(h);
			}
			free(p);
		}
	}
	fp->nrecs = 0;
	fp->nroutes = 0;
	fp->npols = 0;
	memset(fp->rule_known, 0, sizeof(fp->rule_known));
	memset(fp->rule_ours, 0, sizeof(fp->rule_ours));
	memset(fp->via, 0, sizeof(fp->via));
}

void fp_close(struct fastpath *fp)
{
	if (!fp)
		return;
	forget_all(fp);
	free(fp->recs);
	free(fp->routes);
	free(fp->pols);
	nlp_close(fp->xp);
	nlp_close(fp->rp);
	free(fp);
}

size_t fp_installed(const struct fastpath *fp)
{
	return fp->nrecs;
}

size_t fp_reqids(const struct fastpath *fp, bool (*keep)(uint32_t reqid, void *arg), void *arg,
		 uint32_t *out, size_t max)
{
	size_t n = 0;
	for (size_t b = 0; b < fp->nrecs_cap; b++)
		for (const struct rec *r = fp->recs[b]; r; r = r->next)
			if (!keep || keep(r->reqid, arg)) {
				if (n < max)
					out[n] = r->reqid;
				n++;
			}
	return n;
}

static int spd_reply(void *ctx, const struct nlmsghdr *h)
{
	return xfrm_policy_parse_spd(h, ctx);
}

/* Lowers the SPD hash thresholds to c's least specific selectors, so that
 * its policies are hashed, not scanned (xfrm_policy.h).  The old values go
 * back at fp_cleanup().  0 or -errno. */
static int spd_tune(struct fastpath *fp, const struct fp_child *c)
{
	int k = fam_slot(c->local_ts[0].start.family), rc;
	struct xfrm_hthresh t;
	struct nl_msg *m = NULL;

	if (!fp->spd_known) {
		rc = xfrm_policy_build_getspd(&m);
		if (rc)
			return rc;
		rc = nlp_request(fp->xp, m, spd_reply, fp->spd_orig);
		nlmsg_free(m);
		if (rc)
			return rc;
		memcpy(fp->spd_now, fp->spd_orig, sizeof(fp->spd_now));
		fp->spd_known = true;
	}
	t = fp->spd_now[k];
	for (unsigned i = 0; i < c->n_local_ts; i++) {
		struct ip_prefix p;
		fp_ts_prefix(&c->local_ts[i], &p);
		t.lbits = p.len < t.lbits ? p.len : t.lbits;
	}
	for (unsigned i = 0; i < c->n_remote_ts; i++) {
		struct ip_prefix p;
		fp_ts_prefix(&c->remote_ts[i], &p);
		t.rbits = p.len < t.rbits ? p.len : t.rbits;
	}
	if (t.lbits == fp->spd_now[k].lbits && t.rbits == fp->spd_now[k].rbits)
		return 0;
	/* in order with the policies that follow in the same pack */
	rc = queue(fp->xp, xfrm_policy_build_hthresh(c->local_ts[0].start.family, t, &m), &m,
		   NO_TAG, NULL);
	if (rc)
		return rc;
	fp->spd_now[k] = t;
	fp->spd_changed = true;
	return 0;
}

/* Checks and records request i; 0 or -errno (then nothing is recorded). */
static int install_prepare(struct fastpath *fp, const struct fp_child *c)
{
	struct xfrm_alg_spec alg;
	int rc = fp_child_check(c, &alg);

	if (rc)
		return rc;
	if (rec_find(fp, c->reqid))
		return -EEXIST;
	rc = spd_tune(fp, c);
	if (rc)
		return rc;
	if (c->mode == FP_TUNNEL) {
		rc = rule_ensure(fp, c->remote_ts[0].start.family);
		if (rc)
			return rc;
	}
	struct rec *r = rec_from_child(c);
	if (!r)
		return -ENOMEM;
	rc = rec_insert(fp, r);
	if (rc)
		free(r);
	return rc;
}

int fp_install(struct fastpath *fp, const struct fp_child *c, size_t count, int *err)
{
	if (count > MAX_REQUESTS)
		return -E2BIG;
	size_t cap = count ? count : 1;
	bool *sent = calloc(cap, sizeof(*sent));
	struct route330_via *vias = malloc(cap * sizeof(*vias));
	int *verr = malloc(cap * sizeof(*verr));
	uint8_t *failed = calloc(cap, MASK_BYTES);
	int sock_err, rc = -ENOMEM;

	if (!sent || !vias || !verr || !failed)
		goto out;
	for (size_t i = 0; i < count; i++)
		sent[i] = c[i].mode == FP_TUNNEL; /* "want" for the lookups */
	rc = vias_lookup(fp, &c[0].ep.remote, sizeof(c[0]), count, sent, false, vias, verr);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < count; i++) {
		sent[i] = false;
		err[i] = verr[i] ? verr[i] : install_prepare(fp, &c[i]);
		if (err[i])
			continue;
		sent[i] = true;
		emit_states_add(fp, &c[i], i, err);
		emit_policies_install(fp, &c[i], i, err);
		emit_routes(fp, &c[i], true, &vias[i], i, err, NULL);
	}
	sock_err = send_packs(fp, err, count, false, failed);
	/* undo the failed ones: nothing half-installed stays */
	bool undo = false;
	for (size_t i = 0; i < count; i++) {
		if (!sent[i] || (err[i] == 0 && !sock_err))
			continue;
		if (err[i] == 0)
			err[i] = sock_err;
		rec_free(rec_unlink(fp, c[i].reqid));
		/* what failed was never added: a state or policy that collided
		 * is another SA's, not ours to remove */
		emit_remove(fp, &c[i], i, NULL, failed + i * MASK_BYTES);
		undo = true;
	}
	if (undo)
		send_packs(fp, NULL, count, true, NULL);
	rc = count_failed(err, count, sock_err);
out:
	free(vias);
	free(verr);
	free(sent);
	free(failed);
	return rc;
}

/* Field by field: callers need not zero the padding. */
static bool ts_equal(const struct fp_ts *a, const struct fp_ts *b)
{
	return !ip_addr_cmp(&a->start, &b->start) && !ip_addr_cmp(&a->end, &b->end) &&
	       a->ip_proto == b->ip_proto && a->port_start == b->port_start &&
	       a->port_end == b->port_end;
}

static bool same_ts(const struct rec *r, const struct fp_child *c)
{
	if (r->n_lts != c->n_local_ts || r->n_rts != c->n_remote_ts)
		return false;
	for (unsigned i = 0; i < r->n_lts; i++)
		if (!ts_equal(&r->ts[i], &c->local_ts[i]))
			return false;
	for (unsigned i = 0; i < r->n_rts; i++)
		if (!ts_equal(&r->ts[r->n_lts + i], &c->remote_ts[i]))
			return false;
	return true;
}

static bool same_ep(const struct fp_endpoints *a, const struct fp_endpoints *b)
{
	return !ip_addr_cmp(&a->local, &b->local) && !ip_addr_cmp(&a->remote, &b->remote) &&
	       a->local_port == b->local_port && a->remote_port == b->remote_port;
}

int fp_rekey(struct fastpath *fp, const uint32_t *old_reqid, const struct fp_child *c,
	     size_t count, int *err)
{
	if (count > MAX_REQUESTS)
		return -E2BIG;
	bool *added = calloc(count ? count : 1, sizeof(*added));
	uint8_t *failed = calloc(count ? count : 1, MASK_BYTES);
	struct xfrm_alg_spec alg;
	int sock_err;

	if (!added || !failed) {
		free(added);
		free(failed);
		return -ENOMEM;
	}
	/* phase 1: the new states, next to the old ones */
	for (size_t i = 0; i < count; i++) {
		struct rec *r = rec_find(fp, old_reqid[i]);
		err[i] = fp_child_check(&c[i], &alg);
		if (!err[i] && !r)
			err[i] = -ENOENT;
		if (!err[i] && (!same_ts(r, &c[i]) || r->mode != c[i].mode))
			err[i] = -EINVAL;
		if (!err[i] && c[i].reqid != old_reqid[i] && rec_find(fp, c[i].reqid))
			err[i] = -EEXIST;
		if (err[i])
			continue;
		added[i] = true;
		emit_states_add(fp, &c[i], i, err);
	}
	sock_err = send_packs(fp, err, count, false, failed);
	/* phase 2: the policies when their template changes, then the old
	 * states; where phase 1 failed, its half is removed again and the old
	 * SA stays as it was */
	for (size_t i = 0; i < count; i++) {
		struct rec *r = rec_find(fp, old_reqid[i]);
		if (!added[i])
			continue;
		if (err[i] || sock_err) {
			added[i] = false;
			/* only the new state that went in: the other collided
			 * (or was never sent) */
			emit_states_del(fp, &c[i].ep, c[i].spi_in, c[i].spi_out, i, NULL,
					failed + i * MASK_BYTES);
			if (!err[i])
				err[i] = sock_err;
			continue;
		}
		if (r->reqid != c[i].reqid || !same_ep(&r->ep, &c[i].ep) ||
		    r->priority != c[i].priority)
			emit_policies_owned(fp, &c[i], old_reqid[i], i, err);
		emit_states_del(fp, &r->ep, r->spi_in, r->spi_out, i, err, NULL);
	}
	int rc = send_packs(fp, err, count, true, NULL);
	if (!sock_err)
		sock_err = rc;
	/* the record follows the kernel: where phase 1 worked the new states
	 * are in, whatever phase 2 said (the new keys with them) */
	for (size_t i = 0; i < count; i++) {
		if (!added[i])
			continue;
		struct rec *r = rec_unlink(fp, old_reqid[i]), *nr = rec_from_child(&c[i]);
		if (!nr) { /* keep the old record with the new identity */
			explicit_bzero(rec_keymat(r), r->keymat_len);
			r->reqid = c[i].reqid;
			r->spi_in = c[i].spi_in;
			r->spi_out = c[i].spi_out;
			r->ep = c[i].ep;
			r->priority = c[i].priority;
			r->keymat_len = 0; /* its keys are not these: no re-add */
		} else {
			rec_free(r);
			r = nr;
		}
		if (rec_insert(fp, r) < 0) {
			rec_free(r);
			if (!err[i])
				err[i] = -ENOMEM;
		}
	}
	free(added);
	free(failed);
	return count_failed(err, count, sock_err);
}

/* How a move of r to `to` is done.  XFRM_MSG_MIGRATE needs new
 * addresses (the kernel refuses old == new, so no ports-only move) and
 * cannot drop the UDP encapsulation (its clone keeps the old one when the
 * request names none).  A change of family it did in UML's 6.1 (tried
 * once), but that rests on each kernel's clone: the re-add, which builds
 * the states afresh, is used there too.  Anything else migrates. */
enum move { MV_NONE, MV_MIGRATE, MV_READD };

static enum move move_kind(const struct rec *r, const struct fp_endpoints *to)
{
	bool same_addrs = !ip_addr_cmp(&r->ep.local, &to->local) &&
			  !ip_addr_cmp(&r->ep.remote, &to->remote);

	if (same_addrs && r->ep.local_port == to->local_port &&
	    r->ep.remote_port == to->remote_port)
		return MV_NONE;
	if (same_addrs || r->ep.local.family != to->local.family ||
	    (r->ep.local_port && !to->local_port))
		return MV_READD;
	return MV_MIGRATE;
}

/* c's table 330 routes replaced to follow the new path (via). */
static void emit_routes_moved(struct fastpath *fp, const struct fp_child *c,
			      const struct route330_via *via, size_t i, int *err)
{
	for (unsigned k = 0; k < c->n_remote_ts; k++) {
		struct ip_prefix p;
		struct nl_msg *m = NULL;
		struct route330_via v = *via;
		fp_ts_prefix(&c->remote_ts[k], &p);
		if (v.gw.family && v.gw.family != p.addr.family)
			memset(&v.gw, 0, sizeof(v.gw)); /* as in emit_routes */
		queue(fp->rp, route330_build(R330_REPLACE, &p, &v, route_src(c), &m), &m,
		      TAG(i, K_ROUTE + k), err);
	}
}

/* How many of r's policy migrates failed (failed: its mask). */
static unsigned policies_failed(const struct rec *r, const uint8_t *failed, unsigned *npol)
{
	unsigned n = 0;

	*npol = (unsigned)r->n_lts * r->n_rts * (r->mode == FP_TUNNEL ? 3 : 2);
	for (unsigned k = K_POL; k < K_POL + *npol; k++)
		n += bit(failed, k);
	return n;
}

/* Every policy migrate of r worked: its states and templates moved. */
static bool policies_moved(const struct rec *r, const uint8_t *failed)
{
	unsigned npol;
	return policies_failed(r, failed, &npol) == 0;
}

/* Every one failed: nothing moved (a partial move stays an error). */
static bool migrate_refused(const struct rec *r, const uint8_t *failed)
{
	unsigned npol;
	return policies_failed(r, failed, &npol) == npol;
}

#define READD_CHUNK 256 /* re-added CHILD SAs per round (bounds the carries) */

struct ae_fill {
	const size_t *idx;              /* idx[j]: the request of chunk entry j */
	struct xfrm_sa_carry (*carry)[2]; /* [j][FP_OUT / FP_IN] */
	int *err;
};

static int ae_answer(void *ctx, size_t q, const struct nlmsghdr *h, int e)
{
	struct ae_fill *f = ctx;
	size_t i = f->idx[q / 2];

	if (!e)
		e = xfrm_sa_parse_ae(h, &f->carry[q / 2][q % 2]);
	if (e && !f->err[i])
		f->err[i] = e;
	return 0;
}

/* c's states (fp_child_check()ed: alg) added at c->ep carrying carry[],
 * tagged k_out and k_in; not where skip has the bit. */
static void emit_states_carry(struct fastpath *fp, const struct fp_child *c,
			      const struct xfrm_alg_spec *alg, const struct xfrm_sa_carry carry[2],
			      size_t i, int *err, const uint8_t *skip, unsigned k_out, unsigned k_in)
{
	struct nl_msg *m = NULL;

	if (!bit(skip, k_out))
		queue(fp->xp, xfrm_sa_build_readd(c, alg, FP_OUT, &carry[FP_OUT], &m), &m,
		      TAG(i, k_out), err);
	if (!bit(skip, k_in))
		queue(fp->xp, xfrm_sa_build_readd(c, alg, FP_IN, &carry[FP_IN], &m), &m,
		      TAG(i, k_in), err);
}

/* Re-adds the n CHILD SAs reqid[idx[j]] (MV_READD) at to[idx[j]]: their
 * replay state and counters read (XFRM_MSG_GETAE, one packed query, no
 * keys in the answers), then in one pack the old states deleted, the new
 * ones added carrying them, the policies' templates updated and the
 * routes replaced: the kernel runs a pack in one go, so traffic misses at
 * most the packets in flight meanwhile (none where the state's
 * destination changes: added before the old one goes).  Where any of that fails, the old
 * states and templates are put back (best effort; the routes stay on the
 * new path).  failed: count * MASK_BYTES, zero.  0 or -errno (socket). */
static int readd_chunk(struct fastpath *fp, const uint32_t *reqid, const size_t *idx, size_t n,
		       const struct fp_endpoints *to, const struct route330_via *vias,
		       const int *verr, size_t count, int *err, uint8_t *failed)
{
	struct xfrm_sa_carry (*carry)[2] = calloc(n, sizeof(*carry));
	struct nl_msg **q = calloc(2 * n, sizeof(*q));
	bool *sent = calloc(n, sizeof(*sent));
	struct xfrm_alg_spec alg;
	struct fp_child c;
	int rc = -ENOMEM, sock_err;

	if (!carry || !q || !sent)
		goto out;
	for (size_t j = 0; j < n; j++) {
		const struct rec *r = rec_find(fp, reqid[idx[j]]);
		if (xfrm_sa_build_getae(&r->ep.remote, r->spi_out, &q[2 * j + FP_OUT]) < 0 ||
		    xfrm_sa_build_getae(&r->ep.local, r->spi_in, &q[2 * j + FP_IN]) < 0)
			goto out;
	}
	struct ae_fill f = { idx, carry, err };
	rc = nlp_query(fp->xp, q, 2 * n, ae_answer, &f);
	if (rc < 0)
		goto out;
	for (size_t j = 0; j < n; j++) {
		size_t i = idx[j];
		const struct rec *r = rec_find(fp, reqid[i]);
		if (!err[i] && r->mode == FP_TUNNEL)
			err[i] = verr[i];
		if (err[i])
			continue;
		child_from_rec_keys(r, &c);
		c.ep = to[i];
		/* no keys kept (a rekey that ran out of memory): cannot re-add */
		err[i] = r->keymat_len ? fp_child_check(&c, &alg) : -EOPNOTSUPP;
		if (!err[i]) {
			/* A state whose id (destination, SPI) stays goes before its
			 * successor comes (the kernel refuses two); one whose id
			 * changes goes after the policies point to the new one, so
			 * no packet finds a template without a state meanwhile. */
			uint8_t moving[MASK_BYTES] = { 0 }, kept[MASK_BYTES] = { 0 };
			bool out_kept = !ip_addr_cmp(&r->ep.remote, &to[i].remote);
			bool in_kept = !ip_addr_cmp(&r->ep.local, &to[i].local);
			(out_kept ? kept : moving)[0] |= 1u << K_OUT;
			(in_kept ? kept : moving)[0] |= 1u << K_IN;
			sent[j] = true;
			/* skip: the moving ones now, the kept ones after */
			emit_states_del(fp, &r->ep, r->spi_in, r->spi_out, i, err, moving);
			emit_states_carry(fp, &c, &alg, carry[j], i, err, NULL, K_NEW_OUT, K_NEW_IN);
			emit_policies_owned(fp, &c, c.reqid, i, err);
			emit_states_del(fp, &r->ep, r->spi_in, r->spi_out, i, err, kept);
			if (c.mode == FP_TUNNEL)
				emit_routes_moved(fp, &c, &vias[i], i, err);
		}
		explicit_bzero(c.keymat, c.keymat_len);
	}
	sock_err = send_packs(fp, err, count, false, failed);
	/* put back what failed: the new states that went in out, the old
	 * ones whose delete worked in again, the templates back */
	bool undo = false;
	for (size_t j = 0; j < n; j++) {
		size_t i = idx[j];
		struct rec *r = rec_find(fp, reqid[i]);
		const uint8_t *fm = failed + i * MASK_BYTES;
		struct nl_msg *m = NULL;
		if (!sent[j])
			continue;
		if (!err[i] && !sock_err) {
			r->ep = to[i];
			continue;
		}
		if (!err[i])
			err[i] = sock_err;
		child_from_rec_keys(r, &c);
		if (!bit(fm, K_NEW_OUT))
			queue(fp->xp, xfrm_sa_build_del(&to[i].remote, c.spi_out, &m), &m, NO_TAG, NULL);
		if (!bit(fm, K_NEW_IN))
			queue(fp->xp, xfrm_sa_build_del(&to[i].local, c.spi_in, &m), &m, NO_TAG, NULL);
		/* the old states again where their delete worked (a failed
		 * delete, K_OUT / K_IN in fm, left it there) */
		if (fp_child_check(&c, &alg) == 0)
			emit_states_carry(fp, &c, &alg, carry[j], i, NULL, fm, K_OUT, K_IN);
		emit_policies_owned(fp, &c, c.reqid, i, NULL);
		explicit_bzero(c.keymat, c.keymat_len);
		undo = true;
	}
	if (undo)
		send_packs(fp, NULL, count, true, NULL);
	rc = sock_err;
out:
	for (size_t k = 0; q && k < 2 * n; k++)
		if (q[k])
			nlmsg_free(q[k]);
	if (carry)
		explicit_bzero(carry, n * sizeof(*carry));
	free(carry);
	free(q);
	free(sent);
	return rc;
}

int fp_migrate(struct fastpath *fp, const uint32_t *reqid, const struct fp_endpoints *to,
	       size_t count, int *err)
{
	if (count > MAX_REQUESTS)
		return -E2BIG;
	size_t cap = count ? count : 1, nre = 0;
	struct route330_via *vias = malloc(cap * sizeof(*vias));
	int *verr = malloc(cap * sizeof(*verr));
	bool *want = calloc(cap, sizeof(*want));
	uint8_t *kind = calloc(cap, sizeof(*kind));
	size_t *idx = malloc(cap * sizeof(*idx));
	uint8_t *failed = NULL;
	struct fp_child c;
	int rc = -ENOMEM, sock_err;

	if (!vias || !verr || !want || !kind || !idx || !(failed = calloc(cap, MASK_BYTES)))
		goto out;
	for (size_t i = 0; i < count; i++) {
		struct rec *r = rec_find(fp, reqid[i]);
		err[i] = r ? 0 : -ENOENT;
		if (err[i])
			continue;
		if (to[i].local.family != to[i].remote.family ||
		    !!to[i].local_port != !!to[i].remote_port) {
			err[i] = -EINVAL;
			continue;
		}
		kind[i] = (uint8_t)move_kind(r, &to[i]);
		/* XFRM_MSG_MIGRATE moves the policies with the states: not for
		 * one whose selectors a newer CHILD SA owns (re-added instead,
		 * those policies left alone) */
		if (kind[i] == MV_MIGRATE) {
			child_from_rec(r, &c);
			if (!owns_all(fp, &c))
				kind[i] = MV_READD;
		}
		want[i] = kind[i] != MV_NONE && r->mode == FP_TUNNEL;
		nre += kind[i] == MV_READD;
	}
	/* the routes follow the new path to each peer, looked up afresh */
	fp->via_gen++;
	rc = vias_lookup(fp, &to[0].remote, sizeof(to[0]), count, want, true, vias, verr);
	if (rc < 0)
		goto out;
	/* XFRM_MSG_MIGRATE per policy: the kernel moves the policy's template
	 * and clones the state it finds (replay state and counters kept) */
	for (size_t i = 0; i < count; i++) {
		struct rec *r = rec_find(fp, reqid[i]);
		if (err[i] || kind[i] != MV_MIGRATE)
			continue;
		if (want[i] && verr[i]) {
			err[i] = verr[i];
			kind[i] = MV_NONE; /* nothing sent */
			continue;
		}
		child_from_rec(r, &c);
		emit_policies(fp, &c, XP_UPDATE, &to[i], i, err, NULL);
		if (want[i])
			emit_routes_moved(fp, &c, &vias[i], i, err);
	}
	sock_err = send_packs(fp, err, count, false, failed);
	for (size_t i = 0; i < count && !sock_err; i++) {
		struct rec *r = rec_find(fp, reqid[i]);
		const uint8_t *fm = failed + i * MASK_BYTES;
		if (kind[i] != MV_MIGRATE)
			continue;
		if (!err[i] || policies_moved(r, fm)) {
			r->ep = to[i]; /* the states went (a route may have failed) */
		} else if (migrate_refused(r, fm)) {
			/* the kernel migrated nothing of it (no CONFIG_XFRM_MIGRATE,
			 * or a move it cannot clone): the states are where they
			 * were, so delete + re-add can move them */
			err[i] = 0;
			kind[i] = MV_READD;
			nre++;
		}
	}
	memset(failed, 0, cap * MASK_BYTES);
	/* the rest: delete and add again, READD_CHUNK at a time */
	for (size_t i = 0, n = 0; nre && !sock_err && i < count; i++) {
		if (!err[i] && kind[i] == MV_READD)
			idx[n++] = i;
		if (n && (n == READD_CHUNK || i + 1 == count)) {
			sock_err = readd_chunk(fp, reqid, idx, n, to, vias, verr, count, err, failed);
			n = 0;
		}
	}
	rc = count_failed(err, count, sock_err);
out:
	free(vias);
	free(verr);
	free(want);
	free(kind);
	free(idx);
	free(failed);
	return rc;
}

int fp_delete(struct fastpath *fp, const uint32_t *reqid, size_t count, int *err)
{
	struct fp_child c;

	for (size_t i = 0; i < count; i++) {
		struct rec *r = rec_unlink(fp, reqid[i]);
		err[i] = r ? 0 : -ENOENT;
		if (!r)
			continue;
		child_from_rec(r, &c);
		rec_free(r);
		emit_remove(fp, &c, i, err, NULL);
	}
	return count_failed(err, count, send_packs(fp, err, count, true, NULL));
}

int fp_cleanup(struct fastpath *fp)
{
	size_t n = fp->nrecs, k = 0;
	uint32_t *ids = malloc((n ? n : 1) * sizeof(*ids));
	int *err = malloc((n ? n : 1) * sizeof(*err)), failed = 0;
	struct nl_msg *m = NULL;

	if (!ids || !err) {
		free(ids);
		free(err);
		return -ENOMEM;
	}
	for (size_t b = 0; b < fp->nrecs_cap; b++)
		for (struct rec *r = fp->recs[b]; r; r = r->next)
			ids[k++] = r->reqid;
	if (n) {
		int rc = fp_delete(fp, ids, n, err);
		failed = rc < 0 ? (int)n : rc;
	}
	for (int f = AF_INET; f; f = f == AF_INET ? AF_INET6 : 0) {
		int slot = fam_slot(f), e = 0;
		if (!fp->rule_ours[slot])
			continue;
		queue(fp->rp, route330_rule_build(R330_DEL, f, &m), &m, 0, &e);
		send_packs(fp, &e, 1, true, NULL);
		failed += e != 0;
		fp->rule_ours[slot] = false;
		fp->rule_known[slot] = false;
	}
	if (fp->spd_changed) {
		for (int f = AF_INET; f; f = f == AF_INET ? AF_INET6 : 0) {
			int e = 0, slot = fam_slot(f);
			queue(fp->xp, xfrm_policy_build_hthresh(f, fp->spd_orig[slot], &m), &m, 0, &e);
			send_packs(fp, &e, 1, false, NULL);
			failed += e != 0;
			fp->spd_now[slot] = fp->spd_orig[slot];
		}
		fp->spd_changed = false;
	}
	free(ids);
	free(err);
	return failed;
}

/* ---- flush ---- */

struct dump_dels {
	struct nl_msg **m;
	size_t n, cap;
};

static int collect_del(void *ctx, const struct nlmsghdr *h)
{
	struct dump_dels *d = ctx;
	struct nl_msg *m = NULL;
	int rc = route330_del_from_dump(h, &m);

	if (rc == 1 || rc == -EBADMSG)
		return 0;
	if (rc < 0)
		return rc;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct nl_msg **nm = realloc(d->m, cap * sizeof(*nm));
		if (!nm) {
			nlmsg_free(m);
			return -ENOMEM;
		}
		d->m = nm;
		d->cap = cap;
	}
	d->m[d->n++] = m;
	return 0;
}

/* Delete every route (RTM_GETROUTE) or rule (RTM_GETRULE) of table 330. */
static int flush330(struct fastpath *fp, int type)
{
	struct dump_dels d = { 0 };
	struct nl_msg *m = NULL;
	int rc = route330_build_dump(type, &m), e = 0;

	if (rc)
		return rc;
	rc = nlp_request(fp->rp, m, collect_del, &d);
	nlmsg_free(m);
	for (size_t i = 0; i < d.n; i++) {
		if (rc == 0)
			queue(fp->rp, 0, &d.m[i], 0, &e);
		else
			nlmsg_free(d.m[i]);
	}
	free(d.m);
	if (rc == 0)
		rc = send_packs(fp, &e, 1, true, NULL);
	return rc ? rc : e;
}

int fp_flush(struct fastpath *fp)
{
	struct nl_msg *m = NULL;
	int e = 0, rc;

	queue(fp->xp, xfrm_policy_build_flush(&m), &m, 0, &e);
	queue(fp->xp, xfrm_sa_build_flush(&m), &m, 0, &e);
	rc = send_packs(fp, &e, 1, false, NULL);
	if (!rc)
		rc = e;
	e = flush330(fp, RTM_GETROUTE);
	if (!rc)
		rc = e;
	e = flush330(fp, RTM_GETRULE);
	if (!rc)
		rc = e;
	forget_all(fp);
	return rc;
}

/* ---- reading ---- */

static int sa_reply(void *ctx, const struct nlmsghdr *h)
{
	return xfrm_sa_parse(h, ctx);
}

int fp_sa_get(struct fastpath *fp, const struct ip_addr *dst, uint32_t spi,
	      struct xfrm_sa_info *out)
{
	struct nl_msg *m = NULL;
	int rc = xfrm_sa_build_get(dst, spi, &m);

	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->spi = 0;
	rc = nlp_request(fp->xp, m, sa_reply, out);
	nlmsg_free(m);
	if (rc == 0 && out->spi != spi)
		rc = -EBADMSG;
	return rc;
}
