/* The engine's side of the fastpath: CHILD SAs turned into fp_child
 * requests; the direct backend (kernel/fastpath.h in this process) and the
 * kernel-process backend (child.batch messages, see fastpath_client.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "kernel/child_json.h"
#include "kernel/fastpath.h"
#include "kernel/kproc.h"
#include "kernel/nl_addr.h"
#include "kernel/xfrm_probe.h"
#include "lib/msg.h"
#include "proto/keys.h"
#include "worker/engine.h"
#include "worker/fastpath_client.h"
#include "worker/loop.h"

/* ---- the direct backend ----------------------------------------------- */

/* Synchronous: the answer is the return value, handed to fpc_answer(). */
static int direct_install(struct fpc *f, const struct fpc_note *n, const struct fp_child *c)
{
	int err = 0, rc = fp_install(f->ctx, c, 1, &err);
	fpc_answer(f, n, rc < 0 ? rc : err);
	return 0;
}

static int direct_rekey(struct fpc *f, const struct fpc_note *n, uint32_t old_reqid,
			const struct fp_child *c)
{
	int err = 0, rc = fp_rekey(f->ctx, &old_reqid, c, 1, &err);
	fpc_answer(f, n, rc < 0 ? rc : err);
	return 0;
}

static int direct_del(struct fpc *f, const struct fpc_note *n)
{
	int err = 0, rc = fp_delete(f->ctx, &n->reqid, 1, &err);
	fpc_answer(f, n, rc < 0 ? rc : err);
	return 0;
}

static int direct_migrate(struct fpc *f, const struct fpc_note *n, const struct fp_endpoints *to)
{
	int err = 0, rc = fp_migrate(f->ctx, &n->reqid, to, 1, &err);
	fpc_answer(f, n, rc < 0 ? rc : err);
	return 0;
}

/* Virtual addresses: an address socket of our own, opened at the first. */
static int direct_vip(struct fpc *f, const struct fpc_note *n, const char *ifname,
		      const struct ip_addr *a)
{
	struct ip_prefix p = { .addr = *a, .len = (uint8_t)ip_addr_bits(a) };
	int rc = f->nl ? 0 : nladdr_open(&f->nl);
	if (rc == 0)
		rc = n->op == FPC_VIP_ADD ? nladdr_add(f->nl, ifname, &p)
					  : nladdr_del(f->nl, ifname, &p);
	fpc_answer(f, n, rc);
	return 0;
}

static void direct_close(struct fpc *f)
{
	fp_cleanup(f->ctx);
	fp_close(f->ctx);
	if (f->nl) { /* after the routes that used them */
		nladdr_cleanup(f->nl);
		nladdr_close(f->nl);
	}
}

static const struct fpc_ops direct_ops = {
	.install = direct_install, .rekey = direct_rekey, .del = direct_del,
	.migrate = direct_migrate, .close = direct_close, .vip = direct_vip,
};

int fpc_direct_open(struct fpc **out, bool flush, char *why, size_t whylen)
{
	struct fastpath *fp = NULL;
	struct fpc *f = NULL;
	int rc = xfrm_probe_esp(why, whylen);
	if (rc <= 0)
		return rc;
	rc = fp_open(&fp);
	if (rc < 0) {
		snprintf(why, whylen, "cannot open the XFRM netlink socket: %s", strerror(-rc));
		return rc;
	}
	if (flush && (rc = fp_flush(fp)) < 0) {
		snprintf(why, whylen, "flushing XFRM and table 330: %s", strerror(-rc));
		goto fail;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		rc = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	f->ops = &direct_ops;
	f->ctx = fp;
	*out = f;
	return 1;
fail:
	fp_close(fp);
	return rc;
}

void fpc_close(struct fpc *f)
{
	if (!f)
		return;
	f->ops->close(f);
	if (f->stats.failed || f->stats.lost)
		fprintf(stderr, "ikeswarm-w%d: fastpath: %lu requests, %lu failed, %lu unanswered\n",
			f->worker, f->stats.reqs, f->stats.failed, f->stats.lost);
	free(f);
}

uint32_t fpc_new_reqid(struct fpc *f)
{
	uint32_t r;
	do
		r = fp_reqid_make((unsigned)f->worker, ++f->reqid_seq);
	while (!r);
	return r;
}

/* ---- the kernel-process backend --------------------------------------- */

/* Requests queue here and go as one child.batch per loop iteration (a
 * zero-delay timer fires after the iteration's events), at most one batch
 * in flight (REQ/REP: one request per socket); what queues meanwhile goes
 * in the next batch once the answer is in.  The answer's fd is in the
 * loop: nothing here blocks the worker, but fpc_close(). */
#define KPQ_BATCH_MAX 1024          /* requests per message (< KPROC_BATCH_MAX) */
#define KPQ_BATCH_BYTES (768 << 10) /* bytes per message (< MSG_MAX_SIZE) */
#define KPQ_TIMEOUT_NS (30 * NS_PER_SEC)
#define KPQ_RETRY_NS (10 * NS_PER_MS)
#define KPQ_CLOSE_MS 5000

/* One queued request: encoded when queued (holds keys: wiped when freed). */
struct kpq_ent {
	char *txt;
	size_t len;
	struct fpc_note note;
};

struct kpq {
	struct fpc *f;
	nng_socket sock;
	struct loop *loop;          /* after the first request (the engine's) */
	int rfd;
	struct timer timer;         /* flush (not in flight) or timeout (in flight) */
	struct kpq_ent *q;          /* queue: q[head, n) not sent yet */
	size_t head, n, cap;
	struct fpc_note *fl;        /* the batch in flight's notes, in id order */
	size_t nfl, capfl;
	bool in_flight;
	int64_t batch_id, next_batch; /* batches' ids */
	int64_t next_id;            /* requests' ids: consecutive in queue order,
				     * so a batch holds a run of them */
	uint64_t sent_ns;
};

static int grow_notes(struct fpc_note **v, size_t *cap, size_t want)
{
	if (want <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < want)
		n *= 2;
	struct fpc_note *p = realloc(*v, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void ent_free(struct kpq_ent *e)
{
	if (e->txt) {
		explicit_bzero(e->txt, e->len);
		free(e->txt);
	}
	e->txt = NULL;
}

/* Answer every request of the batch in flight with err (no answer came). */
static void kpq_fail_flight(struct kpq *q, int err)
{
	size_t n = q->nfl;
	q->nfl = 0;
	q->in_flight = false;
	for (size_t i = 0; i < n; i++) {
		q->f->stats.lost++;
		fpc_answer(q->f, &q->fl[i], err);
	}
}

/* Send the next batch when none is in flight (flags: NNG_FLAG_NONBLOCK
 * from the loop).  0, or -errno (-EAGAIN: later; the requests stay). */
static int kpq_send(struct kpq *q, int flags)
{
	if (q->in_flight || q->head == q->n)
		return 0;
	char hdr[80];
	int hl = snprintf(hdr, sizeof(hdr), "{\"type\":\"child.batch\",\"id\":%lld,\"reqs\":[",
			  (long long)q->next_batch);
	size_t k = 0, len = (size_t)hl + 2;
	while (q->head + k < q->n && k < KPQ_BATCH_MAX &&
	       (k == 0 || len + q->q[q->head + k].len + 1 <= KPQ_BATCH_BYTES))
		len += q->q[q->head + k++].len + 1;
	if (grow_notes(&q->fl, &q->capfl, k) < 0)
		return -ENOMEM;
	char *buf = malloc(len + 1), *p = buf;
	if (!buf)
		return -ENOMEM;
	memcpy(p, hdr, (size_t)hl);
	p += hl;
	for (size_t i = 0; i < k; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, q->q[q->head + i].txt, q->q[q->head + i].len);
		p += q->q[q->head + i].len;
	}
	*p++ = ']';
	*p++ = '}';
	int rc = msg_nng_errno(nng_send(q->sock, buf, (size_t)(p - buf), flags));
	explicit_bzero(buf, (size_t)(p - buf));
	free(buf);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < k; i++) {
		q->fl[i] = q->q[q->head + i].note;
		ent_free(&q->q[q->head + i]);
	}
	q->head += k;
	if (q->head == q->n)
		q->head = q->n = 0;
	q->nfl = k;
	q->in_flight = true;
	q->batch_id = q->next_batch++;
	q->sent_ns = mono_ns();
	q->f->stats.batches++;
	if (q->loop)
		loop_timer_in(q->loop, &q->timer, KPQ_TIMEOUT_NS);
	return 0;
}

/* Send what can go now, else try again after delay_ns. */
static void kpq_kick(struct kpq *q, uint64_t delay_ns)
{
	if (!q->in_flight && q->head < q->n && q->loop)
		loop_timer_in(q->loop, &q->timer, delay_ns);
}

static void kpq_on_timer(struct timer *t, void *arg)
{
	(void)t;
	struct kpq *q = arg;
	if (q->in_flight) {
		if (mono_ns() - q->sent_ns < KPQ_TIMEOUT_NS) {
			loop_timer_in(q->loop, &q->timer, KPQ_TIMEOUT_NS);
			return;
		}
		kpq_fail_flight(q, -ETIMEDOUT); /* the next send cancels it */
	}
	if (kpq_send(q, NNG_FLAG_NONBLOCK) < 0)
		kpq_kick(q, KPQ_RETRY_NS); /* nng's queue full or no pipe yet */
}

/* The answer of the batch in flight: every request not in "failed" worked. */
static void kpq_take_answer(struct kpq *q, const json_t *a, const struct msg_type *t)
{
	size_t i;
	json_t *pair;
	int all = 0;
	if (!q->in_flight || msg_id(a) != q->batch_id)
		return; /* a stale answer: its batch was given up */
	if (strcmp(t->name, "reply") != 0) { /* the whole batch refused */
		json_int_t e = json_integer_value(json_object_get(a, "errno"));
		all = -(int)(e ? e : EPROTO);
	}
	int *err = calloc(q->nfl ? q->nfl : 1, sizeof(*err));
	if (!err) {
		kpq_fail_flight(q, -ENOMEM);
		return;
	}
	json_array_foreach(json_object_get(a, "failed"), i, pair) {
		int64_t k = json_integer_value(json_array_get(pair, 0)) - q->fl[0].id;
		if (k >= 0 && (size_t)k < q->nfl)
			err[k] = -(int)json_integer_value(json_array_get(pair, 1));
	}
	size_t n = q->nfl;
	q->nfl = 0;
	q->in_flight = false;
	if (q->loop)
		loop_timer_cancel(q->loop, &q->timer);
	for (size_t j = 0; j < n; j++)
		fpc_answer(q->f, &q->fl[j], all ? all : err[j]);
	free(err);
}

/* Wait for the batch in flight's answer (fpc_close, or no loop). */
static void kpq_wait(struct kpq *q)
{
	while (q->in_flight) {
		json_t *a;
		const struct msg_type *t;
		char why[MSG_WHY_LEN];
		if (msg_recv(q->sock, 0, &a, &t, why, sizeof(why)) < 0) {
			kpq_fail_flight(q, -ETIMEDOUT);
			return;
		}
		kpq_take_answer(q, a, t);
		json_decref(a);
	}
}

static void kpq_on_answer(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct kpq *q = arg;
	for (;;) {
		json_t *a;
		const struct msg_type *t;
		char why[MSG_WHY_LEN];
		int rc = msg_recv(q->sock, NNG_FLAG_NONBLOCK, &a, &t, why, sizeof(why));
		if (rc == -EAGAIN)
			break;
		if (rc < 0) {
			if (rc == -EBADMSG)
				fprintf(stderr, "ikeswarm-w%d: fastpath: bad answer: %s\n",
					q->f->worker, why);
			break;
		}
		kpq_take_answer(q, a, t);
		json_decref(a);
	}
	if (kpq_send(q, NNG_FLAG_NONBLOCK) < 0)
		kpq_kick(q, KPQ_RETRY_NS);
}

/* Append request r (freed here) for note n to the queue.  0 or -ENOMEM. */
static int kpq_enqueue(struct kpq *q, const struct fpc_note *n, json_t *r)
{
	int rc = -ENOMEM;
	if (!r)
		return -ENOMEM;
	if (q->n == q->cap && q->head > 0) { /* slide the unsent part down */
		memmove(q->q, q->q + q->head, (q->n - q->head) * sizeof(*q->q));
		q->n -= q->head;
		q->head = 0;
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 256;
		struct kpq_ent *v = realloc(q->q, cap * sizeof(*v));
		if (!v)
			goto out;
		q->q = v;
		q->cap = cap;
	}
	struct kpq_ent *e = &q->q[q->n];
	e->note = *n;
	e->note.id = q->next_id++;
	json_object_set_new(r, "id", json_integer(e->note.id));
	if (!(e->txt = json_dumps(r, JSON_COMPACT)))
		goto out;
	e->len = strlen(e->txt);
	q->n++;
	q->f->stats.reqs++;
	rc = 0;
out:
	json_decref(r); /* (jansson frees the keymat text unwiped) */
	return rc;
}

/* Queue request r (freed here) for note n and see that it goes.  The
 * first request hooks the answer fd into the engine's loop. */
static int kpq_push(struct fpc *f, const struct fpc_note *n, json_t *r)
{
	struct kpq *q = f->ctx;
	if (!q->loop && f->eng && f->eng->loop) {
		q->loop = f->eng->loop;
		if (loop_fd_add(q->loop, q->rfd, EPOLLIN, kpq_on_answer, q) < 0)
			q->loop = NULL;
	}
	int rc = kpq_enqueue(q, n, r);
	if (rc < 0)
		return rc;
	if (!q->loop) { /* no loop (tests): one batch now, its answer awaited */
		kpq_send(q, 0);
		kpq_wait(q);
	} else if (!q->in_flight && !timer_armed(&q->timer)) {
		kpq_kick(q, 0);
	}
	return 0;
}

static json_t *kp_req(const char *op, const struct fpc_note *n)
{
	json_t *r = json_object();
	if (r) {
		json_object_set_new(r, "op", json_string(op));
		json_object_set_new(r, "reqid", json_integer(n->reqid));
	}
	return r;
}

static int kp_install(struct fpc *f, const struct fpc_note *n, const struct fp_child *c)
{
	json_t *r = kp_req("install", n);
	if (r)
		json_object_set_new(r, "child", fp_child_to_json(c));
	return kpq_push(f, n, r);
}

static int kp_rekey(struct fpc *f, const struct fpc_note *n, uint32_t old_reqid,
		    const struct fp_child *c)
{
	json_t *r = kp_req("rekey", n);
	if (r) {
		json_object_set_new(r, "old_reqid", json_integer(old_reqid));
		json_object_set_new(r, "child", fp_child_to_json(c));
	}
	return kpq_push(f, n, r);
}

static int kp_del(struct fpc *f, const struct fpc_note *n)
{
	return kpq_push(f, n, kp_req("delete", n));
}

static int kp_migrate(struct fpc *f, const struct fpc_note *n, const struct fp_endpoints *to)
{
	json_t *r = kp_req("migrate", n);
	if (r)
		json_object_set_new(r, "to", fp_endpoints_to_json(to));
	return kpq_push(f, n, r);
}

/* {"op": "addr.add"|"addr.del", "ifname", "prefix": "a/32", "worker"}:
 * served in the batch's order relative to the CHILD SA requests
 * (kproc_batch.c); a restarted worker's purge removes what its dead
 * predecessor added. */
static int kp_vip(struct fpc *f, const struct fpc_note *n, const char *ifname,
		  const struct ip_addr *a)
{
	char txt[IP_PREFIX_STRLEN];
	struct ip_prefix p = { .addr = *a, .len = (uint8_t)ip_addr_bits(a) };
	json_t *r = json_pack("{s:s,s:s,s:s,s:i}", "op",
			      n->op == FPC_VIP_ADD ? "addr.add" : "addr.del", "ifname", ifname,
			      "prefix", ip_prefix_format(&p, txt, sizeof(txt)), "worker", f->worker);
	return kpq_push(f, n, r);
}

/* The worker is leaving: what is queued or in flight still goes (the
 * deletes of a graceful stop), waited for up to KPQ_CLOSE_MS per batch;
 * the engine is gone by now, so answers are only counted. */
static void kp_close(struct fpc *f)
{
	struct kpq *q = f->ctx;
	f->eng = NULL;
	if (q->loop) {
		loop_timer_cancel(q->loop, &q->timer);
		loop_fd_del(q->loop, q->rfd);
	}
	nng_socket_set_ms(q->sock, NNG_OPT_SENDTIMEO, KPQ_CLOSE_MS);
	kpq_wait(q);
	while (q->head < q->n && kpq_send(q, 0) == 0)
		kpq_wait(q);
	for (size_t i = q->head; i < q->n; i++) {
		f->stats.lost++;
		ent_free(&q->q[i]);
	}
	nng_close(q->sock);
	free(q->q);
	free(q->fl);
	free(q);
}

static const struct fpc_ops kproc_ops = {
	.install = kp_install, .rekey = kp_rekey, .del = kp_del,
	.migrate = kp_migrate, .close = kp_close, .vip = kp_vip,
};

int fpc_kproc_open(struct fpc **out, const char *url, int worker)
{
	struct fpc *f = calloc(1, sizeof(*f));
	struct kpq *q = calloc(1, sizeof(*q));
	int rv = -ENOMEM;
	if (!f || !q)
		goto fail;
	if ((rv = msg_nng_errno(nng_req0_open(&q->sock))) < 0)
		goto fail;
	/* Requests are not idempotent: never resend (a timeout gives up). */
	nng_socket_set_ms(q->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(q->sock, NNG_OPT_RECVTIMEO, KPQ_CLOSE_MS);
	nng_socket_set_size(q->sock, NNG_OPT_RECVMAXSZ, MSG_MAX_SIZE);
	if ((rv = msg_nng_errno(nng_dial(q->sock, url, NULL, NNG_FLAG_NONBLOCK))) < 0 ||
	    (rv = msg_recv_fd(q->sock, &q->rfd)) < 0) {
		nng_close(q->sock);
		goto fail;
	}
	q->f = f;
	q->next_id = 1;
	q->next_batch = 1;
	timer_init(&q->timer, kpq_on_timer, q);
	f->ops = &kproc_ops;
	f->ctx = q;
	f->worker = worker;
	/* first in the first batch: what an earlier run of this worker left */
	struct fpc_note n = { .op = FPC_PURGE, .tunnel = -1 };
	json_t *purge = json_pack("{s:s,s:i}", "op", "purge", "worker", worker);
	if ((rv = kpq_enqueue(q, &n, purge)) < 0) {
		nng_close(q->sock);
		goto fail;
	}
	*out = f;
	return 0;
fail:
	free(q);
	free(f);
	return rv;
}

/* ---- CHILD SA -> request ---------------------------------------------- */

static int ts_convert(const struct ike_ts *t, struct fp_ts *out)
{
	memset(out, 0, sizeof(*out));
	int fam = t->type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET
		  : t->type == IKE_TS_IPV6_ADDR_RANGE ? AF_INET6 : 0;
	if (!fam)
		return -EINVAL;
	size_t n = fam == AF_INET ? 4 : 16;
	out->start.family = out->end.family = (uint8_t)fam;
	memcpy(out->start.bytes, t->start, n);
	memcpy(out->end.bytes, t->end, n);
	out->ip_proto = t->ip_proto;
	out->port_start = t->start_port;
	out->port_end = t->end_port;
	return 0;
}

static void endpoints_of(const struct ikesa *sa, struct fp_endpoints *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->local = sa->path.local;
	ep->remote = sa->path.remote;
	/* ESP goes in UDP only behind a NAT (RFC 3948); a MOBIKE move to
	 * 4500 alone keeps plain ESP. */
	if (sa->nat_local || sa->nat_remote) {
		ep->local_port = sa->path.lport;
		ep->remote_port = sa->path.rport;
	}
}

int fpc_child_build(const struct ikesa *sa, const struct childsa *c,
		    const struct ike_child_keys *k, bool we_initiated, struct fp_child *out)
{
	const struct config *cfg = sa->eng->cfg;
	memset(out, 0, sizeof(*out));
	out->reqid = c->reqid;
	out->initiator = we_initiated;
	out->mode = c->transport ? FP_TRANSPORT : FP_TUNNEL;
	endpoints_of(sa, &out->ep);
	out->spi_in = c->spi_in;
	out->spi_out = c->spi_out;
	out->encr_id = c->esp.encr;
	out->encr_keybits = c->esp.encr_keybits;
	out->integ_id = c->esp.integ;
	out->esn = c->esn;
	if (c->cfg >= 0 && (unsigned)c->cfg < cfg->ikeconf.n_children)
		out->replay_window = (uint32_t)cfg->ikeconf.childlist[c->cfg].replaywindowsize;
	/* every agreed selector of each side (the kernel gets a policy per
	 * pair and a table 330 route per remote one) */
	struct ike_ts_list l, r;
	childsa_ts_list(c, true, &l);
	childsa_ts_list(c, false, &r);
	if (l.n > FP_MAX_TS || r.n > FP_MAX_TS)
		return -E2BIG;
	for (unsigned i = 0; i < l.n; i++)
		if (ts_convert(&l.ts[i], &out->local_ts[i]) < 0)
			return -EINVAL;
	for (unsigned i = 0; i < r.n; i++)
		if (ts_convert(&r.ts[i], &out->remote_ts[i]) < 0)
			return -EINVAL;
	out->n_local_ts = l.n;
	out->n_remote_ts = r.n;
	size_t half = k->encr_len + k->integ_len;
	if (2 * half > sizeof(out->keymat))
		return -EINVAL;
	uint8_t *p = out->keymat;
	memcpy(p, k->encr_i, k->encr_len);
	memcpy(p + k->encr_len, k->integ_i, k->integ_len);
	memcpy(p + half, k->encr_r, k->encr_len);
	memcpy(p + half + k->encr_len, k->integ_r, k->integ_len);
	out->keymat_len = (uint16_t)(2 * half);
	return 0;
}

/* ---- engine hooks ----------------------------------------------------- */

static const char *const op_names[] = { "install", "rekey", "delete", "migrate", "purge",
					"vip.add", "vip.del" };

static void note_of(const struct ikesa *sa, const struct childsa *c, enum fpc_op op,
		    struct fpc_note *n)
{
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->tunnel = sa->tunnel;
	n->ike_spi = ikesa_our_spi(sa);
	n->spi_in = c->spi_in;
	n->reqid = c->reqid;
}

void fpc_answer(struct fpc *f, const struct fpc_note *n, int err)
{
	/* Not an error: a delete of what is already gone. */
	if (!err || (n->op == FPC_DELETE && err == -ENOENT) ||
	    (n->op == FPC_VIP_DEL && err == -EADDRNOTAVAIL) ||
	    (n->op == FPC_VIP_ADD && err == -EEXIST))
		return;
	f->stats.failed++;
	struct engine *e = f->eng;
	if (!e) /* fpc_close: the engine is gone */
		return;
	wlog_event(&e->log, WLOG_ERROR, n->tunnel, n->ike_spi, "child.fastpath.fail",
		   "op=%s spi_in=%08x reqid=%u err=\"%s\"", op_names[n->op], n->spi_in, n->reqid,
		   strerror(err < 0 ? -err : err));
	/* An install that failed left nothing in the kernel: the CHILD SA (if
	 * it is still there) holds no kernel SA, so its delete is not sent.  A
	 * failed rekey left the old kernel SA under the same reqid: the new
	 * CHILD SA keeps holding it, so its delete still removes it. */
	if (n->op != FPC_INSTALL)
		return;
	struct ikesa *sa = spi_map_get(&e->sas, n->ike_spi);
	struct childsa *c = sa ? childsa_find_in(sa, n->spi_in) : NULL;
	if (c && c->reqid == n->reqid)
		c->fp_installed = false;
}

void fpc_child_up(struct ikesa *sa, struct childsa *c, const struct ike_child_keys *k,
		  bool we_initiated, uint32_t rekeys_spi_in)
{
	struct fpc *f = sa->eng->fp;
	if (!f)
		return;
	f->eng = sa->eng;
	struct childsa *old = rekeys_spi_in ? childsa_find_in(sa, rekeys_spi_in) : NULL;
	/* A rekey keeps the reqid (the policies stay); a second rekey of the
	 * same SA (a collision, RFC 7296 2.8.1) replaces the first one. */
	bool rekey = old && old->reqid;
	c->reqid = rekey ? old->reqid : fpc_new_reqid(f);
	struct fp_child req;
	struct fpc_note n;
	note_of(sa, c, rekey ? FPC_REKEY : FPC_INSTALL, &n);
	/* Installed from now on as far as the engine knows: the answer comes
	 * later (kernel process) and fpc_answer() takes it back on failure. */
	c->fp_installed = true;
	if (old)
		old->fp_installed = false; /* the kernel SA is c's now */
	/* An older holder of the reqid (collision loser) no longer owns it. */
	for (struct childsa *o = sa->children; o; o = o->next)
		if (o != c && o->reqid == c->reqid)
			o->fp_installed = false;
	int rc = fpc_child_build(sa, c, k, we_initiated, &req);
	if (rc == 0)
		rc = rekey ? f->ops->rekey(f, &n, old->reqid, &req) : f->ops->install(f, &n, &req);
	explicit_bzero(req.keymat, sizeof(req.keymat));
	if (rc < 0) {
		fpc_answer(f, &n, rc);
		c->fp_installed = rekey; /* a rekey: the old kernel SA is still there */
	}
}

void fpc_child_gone(struct ikesa *sa, struct childsa *c)
{
	struct fpc *f = sa->eng->fp;
	if (!f || !c->fp_installed)
		return;
	f->eng = sa->eng;
	c->fp_installed = false;
	struct fpc_note n;
	note_of(sa, c, FPC_DELETE, &n);
	int rc = f->ops->del(f, &n);
	if (rc < 0)
		fpc_answer(f, &n, rc);
}

void fpc_children_moved(struct ikesa *sa)
{
	struct fpc *f = sa->eng->fp;
	if (!f)
		return;
	f->eng = sa->eng;
	struct fp_endpoints ep;
	endpoints_of(sa, &ep);
	for (struct childsa *c = sa->children; c; c = c->next) {
		if (!c->fp_installed)
			continue;
		struct fpc_note n;
		note_of(sa, c, FPC_MIGRATE, &n);
		int rc = f->ops->migrate(f, &n, &ep);
		if (rc < 0)
			fpc_answer(f, &n, rc);
	}
}

void fpc_vip(struct ikesa *sa, const struct ip_addr *a, bool add)
{
	struct fpc *f = sa->eng->fp;
	const char *ifname = sa->eng->cfg->ikeconf.virtualipif;
	if (!f)
		return;
	f->eng = sa->eng;
	struct fpc_note n = { .op = add ? FPC_VIP_ADD : FPC_VIP_DEL, .tunnel = sa->tunnel,
			      .ike_spi = ikesa_our_spi(sa) };
	int rc = f->ops->vip(f, &n, ifname && *ifname ? ifname : "lo", a);
	if (rc < 0)
		fpc_answer(f, &n, rc);
}
