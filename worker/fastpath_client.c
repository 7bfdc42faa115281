/* The engine's side of the fastpath: CHILD SAs turned into fp_child
 * requests, and the direct backend (kernel/fastpath.h in this process). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel/child_json.h"
#include "kernel/fastpath.h"
#include "kernel/kproc.h"
#include "kernel/xfrm_probe.h"
#include "lib/msg.h"
#include "proto/keys.h"
#include "worker/engine.h"
#include "worker/fastpath_client.h"

/* ---- the direct backend ----------------------------------------------- */

static int direct_install(void *ctx, const struct fp_child *c)
{
	int err = 0, rc = fp_install(ctx, c, 1, &err);
	return rc < 0 ? rc : err;
}

static int direct_rekey(void *ctx, uint32_t old_reqid, const struct fp_child *c)
{
	int err = 0, rc = fp_rekey(ctx, &old_reqid, c, 1, &err);
	return rc < 0 ? rc : err;
}

static int direct_del(void *ctx, uint32_t reqid)
{
	int err = 0, rc = fp_delete(ctx, &reqid, 1, &err);
	return rc < 0 ? rc : err;
}

static int direct_migrate(void *ctx, uint32_t reqid, const struct fp_endpoints *to)
{
	int err = 0, rc = fp_migrate(ctx, &reqid, to, 1, &err);
	return rc < 0 ? rc : err;
}

static void direct_close(void *ctx)
{
	fp_cleanup(ctx);
	fp_close(ctx);
}

static const struct fpc_ops direct_ops = {
	.install = direct_install, .rekey = direct_rekey, .del = direct_del,
	.migrate = direct_migrate, .close = direct_close,
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
	f->ops->close(f->ctx);
	free(f);
}

uint32_t fpc_new_reqid(struct fpc *f)
{
	uint32_t r;
	do
		r = (f->reqid_base + ++f->reqid_seq) * 0x9e3779b1u;
	while (!r);
	return r;
}

/* ---- the kernel-process backend --------------------------------------- */

#define FPC_KPROC_TIMEOUT_MS 5000

static int kp_call(void *ctx, json_t *m)
{
	char why[160];
	if (!m)
		return -ENOMEM;
	return kproc_call(ctx, m, why, sizeof(why));
}

static int kp_install(void *ctx, const struct fp_child *c)
{
	json_t *m = msg_new("child.install", 0);
	if (m)
		json_object_set_new(m, "child", fp_child_to_json(c));
	return kp_call(ctx, m);
}

static int kp_rekey(void *ctx, uint32_t old_reqid, const struct fp_child *c)
{
	json_t *m = msg_new("child.rekey", 0);
	if (m) {
		json_object_set_new(m, "old_reqid", json_integer(old_reqid));
		json_object_set_new(m, "child", fp_child_to_json(c));
	}
	return kp_call(ctx, m);
}

static int kp_del(void *ctx, uint32_t reqid)
{
	json_t *m = msg_new("child.delete", 0);
	if (m)
		json_object_set_new(m, "reqid", json_integer(reqid));
	return kp_call(ctx, m);
}

static int kp_migrate(void *ctx, uint32_t reqid, const struct fp_endpoints *to)
{
	json_t *m = msg_new("child.migrate", 0);
	if (m) {
		json_object_set_new(m, "reqid", json_integer(reqid));
		json_object_set_new(m, "to", fp_endpoints_to_json(to));
	}
	return kp_call(ctx, m);
}

static void kp_close(void *ctx)
{
	kproc_client_close(ctx);
}

static const struct fpc_ops kproc_ops = {
	.install = kp_install, .rekey = kp_rekey, .del = kp_del,
	.migrate = kp_migrate, .close = kp_close,
};

int fpc_kproc_open(struct fpc **out, const char *url, int worker)
{
	struct kproc_client *kc;
	struct fpc *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	int rc = kproc_client_open(&kc, url, FPC_KPROC_TIMEOUT_MS);
	if (rc < 0) {
		free(f);
		return rc;
	}
	f->ops = &kproc_ops;
	f->ctx = kc;
	f->reqid_base = (uint32_t)worker << 24; /* x odd constant: still distinct */
	*out = f;
	return 0;
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
	if (ts_convert(&c->ts_local, &out->local_ts[0]) < 0 ||
	    ts_convert(&c->ts_remote, &out->remote_ts[0]) < 0)
		return -EINVAL;
	out->n_local_ts = out->n_remote_ts = 1;
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

static void fp_fail(struct ikesa *sa, const struct childsa *c, const char *what, int rc)
{
	struct engine *e = sa->eng;
	wlog_event(&e->log, WLOG_ERROR, sa->tunnel, ikesa_our_spi(sa), "child.fastpath.fail",
		   "op=%s spi_in=%08x reqid=%u err=\"%s\"", what, c->spi_in, c->reqid,
		   strerror(rc < 0 ? -rc : rc));
}

void fpc_child_up(struct ikesa *sa, struct childsa *c, const struct ike_child_keys *k,
		  bool we_initiated, uint32_t rekeys_spi_in)
{
	struct fpc *f = sa->eng->fp;
	if (!f)
		return;
	struct childsa *old = rekeys_spi_in ? childsa_find_in(sa, rekeys_spi_in) : NULL;
	/* A rekey keeps the reqid (the policies stay); a second rekey of the
	 * same SA (a collision, RFC 7296 2.8.1) replaces the first one. */
	c->reqid = old && old->reqid ? old->reqid : fpc_new_reqid(f);
	struct fp_child req;
	int rc = fpc_child_build(sa, c, k, we_initiated, &req);
	const char *what = old && old->reqid ? "rekey" : "install";
	if (rc == 0)
		rc = old && old->reqid ? f->ops->rekey(f->ctx, old->reqid, &req)
				       : f->ops->install(f->ctx, &req);
	explicit_bzero(req.keymat, sizeof(req.keymat));
	if (rc < 0) {
		fp_fail(sa, c, what, rc);
		c->reqid = 0;
		return;
	}
	c->fp_installed = true;
	if (old)
		old->fp_installed = false; /* the kernel SA is c's now */
	/* An older holder of the reqid (collision loser) no longer owns it. */
	for (struct childsa *o = sa->children; o; o = o->next)
		if (o != c && o->reqid == c->reqid)
			o->fp_installed = false;
}

void fpc_child_gone(struct ikesa *sa, struct childsa *c)
{
	struct fpc *f = sa->eng->fp;
	if (!f || !c->fp_installed)
		return;
	c->fp_installed = false;
	int rc = f->ops->del(f->ctx, c->reqid);
	if (rc < 0 && rc != -ENOENT)
		fp_fail(sa, c, "delete", rc);
}

void fpc_children_moved(struct ikesa *sa)
{
	struct fpc *f = sa->eng->fp;
	if (!f)
		return;
	struct fp_endpoints ep;
	endpoints_of(sa, &ep);
	for (struct childsa *c = sa->children; c; c = c->next) {
		if (!c->fp_installed)
			continue;
		int rc = f->ops->migrate(f->ctx, c->reqid, &ep);
		if (rc < 0 && rc != -EINVAL) /* -EINVAL: the addresses stayed */
			fp_fail(sa, c, "migrate", rc);
	}
}
