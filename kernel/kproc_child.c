/* The kernel process's fastpath requests (see kproc.h). */
#include <errno.h>
#include <string.h>

#include "kernel/child_json.h"
#include "kernel/fastpath.h"
#include "kernel/kproc_int.h"
#include "kernel/xfrm_probe.h"
#include "lib/msg.h"

/* fastpath.start: ESP probed first, so a kernel without it is refused
 * with the probe's one line (ENOPROTOOPT) before any tunnel. */
json_t *kproc_do_fastpath_start(struct kproc *k, const json_t *m)
{
	int64_t id = msg_id(m);
	char why[160] = "";
	if (k->fp)
		return msg_reply(id);
	int rc = xfrm_probe_esp(why, sizeof(why));
	if (rc <= 0) {
		json_t *a = msg_error(id, why);
		if (a)
			json_object_set_new(a, "errno", json_integer(rc < 0 ? -rc : ENOPROTOOPT));
		return a;
	}
	if ((rc = fp_open(&k->fp)) < 0)
		return kproc_answer_err(id, -rc, "fastpath.start: fp_open");
	if (!json_is_false(json_object_get(m, "flush")) && (rc = fp_flush(k->fp)) < 0)
		return kproc_answer_err(id, -rc, "fastpath.start: flush");
	return msg_reply(id);
}

/* child.install / rekey / delete / migrate: one request, fp_* with count 1,
 * answered with the request's own errno. */
json_t *kproc_do_child(struct kproc *k, const json_t *m, const char *name)
{
	int64_t id = msg_id(m);
	char why[160] = "";
	struct fp_child c;
	struct fp_endpoints ep;
	uint32_t reqid = 0;
	int err = 0, rc;
	if (!strcmp(name, "child.batch"))
		return kproc_do_child_batch(k, m);
	if (!k->fp)
		return kproc_answer_err(id, ENOTCONN, name); /* no fastpath.start */
	if (!strcmp(name, "child.install") || !strcmp(name, "child.rekey")) {
		if (fp_child_from_json(json_object_get(m, "child"), &c, why, sizeof(why)) < 0)
			return msg_error(id, why[0] ? why : "child: invalid");
		if (name[6] == 'i') {
			rc = fp_install(k->fp, &c, 1, &err);
		} else {
			reqid = (uint32_t)json_integer_value(json_object_get(m, "old_reqid"));
			rc = fp_rekey(k->fp, &reqid, &c, 1, &err);
		}
		explicit_bzero(&c, sizeof(c));
	} else if (!strcmp(name, "child.migrate")) {
		if (fp_endpoints_from_json(json_object_get(m, "to"), &ep, why, sizeof(why)) < 0)
			return msg_error(id, why[0] ? why : "to: invalid");
		reqid = (uint32_t)json_integer_value(json_object_get(m, "reqid"));
		rc = fp_migrate(k->fp, &reqid, &ep, 1, &err);
	} else {
		reqid = (uint32_t)json_integer_value(json_object_get(m, "reqid"));
		rc = fp_delete(k->fp, &reqid, 1, &err);
	}
	if (rc < 0)
		err = rc;
	return err ? kproc_answer_err(id, -err, name) : msg_reply(id);
}

void kproc_child_report(const struct kproc *k, FILE *f)
{
	static const char *const kinds[] = { "install", "rekey", "migrate", "delete" };
	for (int i = 0; i < 4; i++) {
		const struct kproc_child_stats *st = &k->child[i];
		if (!st->reqs)
			continue;
		double span = (double)(st->last_ns - st->first_ns) / 1e9;
		double busy = (double)st->busy_ns / 1e9;
		fprintf(f, "ikeswarm-kernel: child.%s requests=%lu failed=%lu calls=%lu "
			"span=%.3fs rate=%.0f/s busy=%.3fs busy_rate=%.0f/s\n", kinds[i],
			st->reqs, st->failed, st->calls, span,
			span > 0 ? (double)st->reqs / span : 0.0, busy,
			busy > 0 ? (double)st->reqs / busy : 0.0);
	}
	if (k->child_batches)
		fprintf(f, "ikeswarm-kernel: child.batch messages=%lu serve=%.3fs\n",
			k->child_batches, (double)k->child_serve_ns / 1e9);
}
