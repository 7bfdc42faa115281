/* child.batch: many child.* requests in one message, served with one
 * fastpath call per kind (see kproc.h).
 *
 * Order per CHILD SA is the order of the batch: the requests are cut into
 * phases in which every reqid appears once (a request naming a reqid
 * already in the phase starts the next phase), and a phase runs delete,
 * install, rekey, migrate -- one fp_* call each, count = how many of that
 * kind.  Requests of one reqid never share a phase, so each SA sees its
 * requests in the order sent; across reqids only a delete can matter (it
 * frees selectors an install may want), so deletes go first.  A "purge" (a worker's
 * first request) runs alone, after everything before it.
 *
 * Virtual addresses (remote access): an "addr.add" runs when met, so it
 * is there before any later install whose route takes it as source; an
 * "addr.del" waits for the end of the batch, after the deletes of the
 * CHILD SAs whose routes used it (or until an addr.add of the same
 * address comes, which runs what is pending first). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/child_json.h"
#include "kernel/fastpath.h"
#include "kernel/kproc_int.h"
#include "lib/msg.h"

enum bop { B_INSTALL, B_REKEY, B_MIGRATE, B_DELETE, B_NKINDS };

static const char *const bop_names[B_NKINDS] = { "install", "rekey", "migrate", "delete" };

/* One phase's requests, by kind; slots[] maps each back to its place in
 * the batch (for the answer's ids). */
struct phase {
	size_t n[B_NKINDS];
	size_t *slot[B_NKINDS];
	struct fp_child *child[2];   /* install, rekey */
	uint32_t *reqid[B_NKINDS];   /* rekey: old reqid; migrate, delete */
	struct fp_endpoints *to;
	int *err;
	uint32_t *seen;              /* reqids of the phase, open addressing */
	size_t seen_cap;             /* power of two, >= 2 * batch size */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int phase_alloc(struct phase *p, size_t cap)
{
	memset(p, 0, sizeof(*p));
	for (p->seen_cap = 16; p->seen_cap < 2 * cap; p->seen_cap *= 2)
		;
	p->seen = calloc(p->seen_cap, sizeof(*p->seen));
	p->err = calloc(cap, sizeof(*p->err));
	p->to = calloc(cap, sizeof(*p->to));
	for (int k = 0; k < B_NKINDS; k++) {
		p->slot[k] = calloc(cap, sizeof(size_t));
		p->reqid[k] = calloc(cap, sizeof(uint32_t));
		if (!p->slot[k] || !p->reqid[k])
			return -ENOMEM;
	}
	p->child[0] = calloc(cap, sizeof(struct fp_child));
	p->child[1] = calloc(cap, sizeof(struct fp_child));
	return p->seen && p->err && p->to && p->child[0] && p->child[1] ? 0 : -ENOMEM;
}

static void phase_free(struct phase *p, size_t cap)
{
	for (int c = 0; c < 2; c++) {
		if (p->child[c])
			explicit_bzero(p->child[c], cap * sizeof(struct fp_child));
		free(p->child[c]);
	}
	for (int k = 0; k < B_NKINDS; k++) {
		free(p->slot[k]);
		free(p->reqid[k]);
	}
	free(p->seen);
	free(p->err);
	free(p->to);
}

/* Mark reqid as used by the phase; false when it already was (0 = none). */
static bool phase_claim(struct phase *p, uint32_t reqid)
{
	if (!reqid)
		return true;
	size_t mask = p->seen_cap - 1;
	for (size_t i = (reqid * 0x9e3779b1u) & mask;; i = (i + 1) & mask) {
		if (p->seen[i] == reqid)
			return false;
		if (!p->seen[i]) {
			p->seen[i] = reqid;
			return true;
		}
	}
}

static bool phase_empty(const struct phase *p)
{
	for (int k = 0; k < B_NKINDS; k++)
		if (p->n[k])
			return false;
	return true;
}

/* Run the phase: one fp_* call per kind, each request's errno into
 * errs[slot].  Then empty it for the next one. */
static void phase_run(struct kproc *k, struct phase *p, int *errs)
{
	/* Deletes first: an install may need the selectors a delete of
	 * another reqid frees (an INITIAL_CONTACT replacing the peer's old
	 * IKE SA queues the old CHILD SA's delete before the new install). */
	static const int order[B_NKINDS] = { B_DELETE, B_INSTALL, B_REKEY, B_MIGRATE };
	for (int o = 0; o < B_NKINDS; o++) {
		int kind = order[o];
		size_t n = p->n[kind];
		struct kproc_child_stats *st = &k->child[kind];
		uint64_t t0 = mono_ns();
		int rc = 0;
		if (!n)
			continue;
		memset(p->err, 0, n * sizeof(*p->err));
		switch (kind) {
		case B_INSTALL:
			rc = fp_install(k->fp, p->child[0], n, p->err);
			break;
		case B_REKEY:
			rc = fp_rekey(k->fp, p->reqid[B_REKEY], p->child[1], n, p->err);
			break;
		case B_MIGRATE:
			rc = fp_migrate(k->fp, p->reqid[B_MIGRATE], p->to, n, p->err);
			break;
		default:
			rc = fp_delete(k->fp, p->reqid[B_DELETE], n, p->err);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			int e = rc < 0 ? rc : p->err[i];
			errs[p->slot[kind][i]] = e;
			st->failed += e != 0;
		}
		st->last_ns = mono_ns();
		if (!st->calls++)
			st->first_ns = t0;
		st->busy_ns += st->last_ns - t0;
		st->reqs += n;
	}
	for (int kind = 0; kind < 2; kind++)
		explicit_bzero(p->child[kind], p->n[kind == 0 ? B_INSTALL : B_REKEY] *
				sizeof(struct fp_child));
	memset(p->n, 0, sizeof(p->n));
	memset(p->seen, 0, p->seen_cap * sizeof(*p->seen));
}

static int op_of(const char *s)
{
	for (int k = 0; s && k < B_NKINDS; k++)
		if (!strcmp(s, bop_names[k]))
			return k;
	return -1;
}

static uint32_t get_reqid(const json_t *r, const char *key)
{
	const json_t *v = json_object_get(r, key);
	json_int_t x = json_is_integer(v) ? json_integer_value(v) : 0;
	return x > 0 && x <= UINT32_MAX ? (uint32_t)x : 0;
}

/* Decode request r (batch slot i) into the phase; the phase runs first
 * when r names a reqid it already holds.  0, or -EINVAL for a bad r. */
static int add_request(struct kproc *k, struct phase *p, const json_t *r, size_t i, int *errs)
{
	char why[160];
	int kind = op_of(json_string_value(json_object_get(r, "op")));
	uint32_t a = 0, b = 0;          /* the reqids r touches */
	struct fp_child c;
	struct fp_endpoints ep;

	switch (kind) {
	case B_INSTALL:
	case B_REKEY:
		if (fp_child_from_json(json_object_get(r, "child"), &c, why, sizeof(why)) < 0)
			return -EINVAL;
		a = c.reqid;
		if (kind == B_REKEY && !(b = get_reqid(r, "old_reqid")))
			goto bad;
		break;
	case B_MIGRATE:
		if (fp_endpoints_from_json(json_object_get(r, "to"), &ep, why, sizeof(why)) < 0)
			return -EINVAL;
		/* fall through */
	case B_DELETE:
		if (!(a = get_reqid(r, "reqid")))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!phase_claim(p, a) || (b != a && !phase_claim(p, b))) {
		phase_run(k, p, errs);
		phase_claim(p, a);
		phase_claim(p, b);
	}
	size_t j = p->n[kind]++;
	p->slot[kind][j] = i;
	if (kind == B_INSTALL || kind == B_REKEY)
		p->child[kind == B_REKEY][j] = c;
	if (kind == B_REKEY)
		p->reqid[kind][j] = b;
	else if (kind != B_INSTALL)
		p->reqid[kind][j] = a;
	if (kind == B_MIGRATE)
		p->to[j] = ep;
	explicit_bzero(&c, sizeof(c));
	return 0;
bad:
	explicit_bzero(&c, sizeof(c));
	return -EINVAL;
}

static bool of_worker(uint32_t reqid, void *arg)
{
	return fp_reqid_worker(reqid) == *(const unsigned *)arg;
}

/* {"op": "purge", "worker": W}: a (re)started worker's first request.
 * What the kernel holds under W's reqids (kernel/child_sa.h) was left by
 * a dead incarnation of W: removed, so the new one's reqids are free; so
 * are the virtual addresses W had added. */
static int purge_worker(struct kproc *k, const json_t *r)
{
	const json_t *wv = json_object_get(r, "worker");
	if (!json_is_integer(wv) || json_integer_value(wv) < 0)
		return -EINVAL;
	unsigned w = (unsigned)json_integer_value(wv) & 0xff;
	size_t n = fp_reqids(k->fp, of_worker, &w, NULL, 0);
	uint32_t *ids = n ? malloc(n * sizeof(*ids)) : NULL;
	int *err = n ? malloc(n * sizeof(*err)) : NULL;
	int rc = n ? -ENOMEM : 0;
	if (ids && err) {
		fp_reqids(k->fp, of_worker, &w, ids, n);
		rc = fp_delete(k->fp, ids, n, err);
		fprintf(stderr, "ikeswarm-kernel: worker %u (re)started: removed the %zu CHILD SAs "
			"its last run left (%d failed)\n", w, n, rc < 0 ? (int)n : rc);
		rc = rc < 0 ? rc : 0;
	}
	free(ids);
	free(err);
	/* then its virtual addresses (remote access), which those CHILD SAs'
	 * routes took as their source */
	size_t nv = kproc_vip_purge(k, w);
	if (nv)
		fprintf(stderr, "ikeswarm-kernel: worker %u (re)started: removed the %zu virtual "
			"addresses its last run left\n", w, nv);
	return rc;
}

/* Is the address of request r also that of a waiting addr.del? */
static bool del_waits(const json_t *reqs, const size_t *dels, size_t ndels, const json_t *r)
{
	const char *pfx = json_string_value(json_object_get(r, "prefix"));
	for (size_t j = 0; pfx && j < ndels; j++) {
		const json_t *d = json_array_get(reqs, dels[j]);
		if (json_equal(json_object_get(d, "prefix"), json_object_get(r, "prefix")))
			return true;
	}
	return false;
}

static void run_dels(struct kproc *k, const json_t *reqs, size_t *dels, size_t *ndels,
		     int *errs)
{
	for (size_t j = 0; j < *ndels; j++)
		errs[dels[j]] = kproc_vip_op(k, json_array_get(reqs, dels[j]), false);
	*ndels = 0;
}

json_t *kproc_do_child_batch(struct kproc *k, const json_t *m)
{
	int64_t id = msg_id(m);
	const json_t *reqs = json_object_get(m, "reqs");
	size_t n = json_array_size(reqs);
	struct phase p;
	int *errs = NULL;
	size_t *dels = NULL, ndels = 0;  /* addr.del requests waiting */
	json_t *a = NULL, *failed = NULL;

	if (!k->fp)
		return kproc_answer_err(id, ENOTCONN, "child.batch"); /* no fastpath.start */
	if (!json_is_array(reqs) || n > KPROC_BATCH_MAX)
		return kproc_answer_err(id, json_is_array(reqs) ? E2BIG : EINVAL, "child.batch");
	uint64_t t0 = mono_ns();
	if (phase_alloc(&p, n ? n : 1) < 0 || !(errs = calloc(n ? n : 1, sizeof(*errs))) ||
	    !(dels = calloc(n ? n : 1, sizeof(*dels)))) {
		a = kproc_answer_err(id, ENOMEM, "child.batch");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *r = json_array_get(reqs, i);
		const char *op = json_string_value(json_object_get(r, "op"));
		if (op && !strcmp(op, "purge")) { /* after what came before it */
			if (!phase_empty(&p))
				phase_run(k, &p, errs);
			errs[i] = purge_worker(k, r);
			continue;
		}
		if (op && !strcmp(op, "addr.del")) {
			dels[ndels++] = i;
			continue;
		}
		if (op && !strcmp(op, "addr.add")) {
			if (del_waits(reqs, dels, ndels, r)) {
				if (!phase_empty(&p))
					phase_run(k, &p, errs);
				run_dels(k, reqs, dels, &ndels, errs);
			}
			errs[i] = kproc_vip_op(k, r, true);
			continue;
		}
		errs[i] = add_request(k, &p, r, i, errs);
	}
	if (!phase_empty(&p))
		phase_run(k, &p, errs);
	run_dels(k, reqs, dels, &ndels, errs);
	k->child_batches++;
	/* The answer: how many worked, and [id, errno] of each that did not
	 * (the requester logs those against their CHILD SAs). */
	a = msg_reply(id);
	failed = json_array();
	size_t done = 0;
	for (size_t i = 0; a && failed && i < n; i++) {
		if (!errs[i]) {
			done++;
			continue;
		}
		json_t *pair = json_pack("[Ii]", msg_id(json_array_get(reqs, i)), -errs[i]);
		json_array_append_new(failed, pair);
	}
	if (a) {
		json_object_set_new(a, "done", json_integer((json_int_t)done));
		json_object_set(a, "failed", failed);
	}
out:
	json_decref(failed);
	phase_free(&p, n ? n : 1);
	free(errs);
	free(dels);
	k->child_serve_ns += mono_ns() - t0;
	return a;
}
