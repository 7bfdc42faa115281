/* INFORMATIONAL exchanges: DPD (an empty request), DELETE of the IKE SA,
 * DELETE of a CHILD SA, and the responder side of all of them
 * (RFC 7296 1.4, 3.11). */
#include <errno.h>
#include <string.h>

#include "worker/engine.h"
#include "worker/mobike.h"
#include "worker/task.h"

/* ---- DPD -------------------------------------------------------------- */

static int dpd_build(struct ikesa *sa, struct msg_out *m)
{
	mobike_dpd_build(sa, m);
	sa->eng->cnt.dpd_sent++;
	if (sa->state == IKE_S_ESTABLISHED)
		sa_state(sa, IKE_S_DPD, NULL);
	return 0;
}

static int dpd_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
		       size_t len)
{
	(void)raw;
	(void)len;
	if (sa->state == IKE_S_DPD)
		sa_state(sa, IKE_S_ESTABLISHED, NULL);
	mobike_dpd_done(sa, m);
	return 0;
}

const struct task_ops task_dpd_ops = {
	.name = "dpd",
	.exchange = IKE_EXCH_INFORMATIONAL,
	.build_req = dpd_build,
	.process_resp = dpd_process,
};

/* ---- DELETE (IKE SA) --------------------------------------------------- */

static int delete_build(struct ikesa *sa, struct msg_out *m)
{
	struct ike_delete d = { .protocol = IKE_PROTO_IKE, .spi_size = 0, .n_spi = 0 };
	if (sa->state != IKE_S_CLOSING)
		sa_state(sa, IKE_S_CLOSING, sa->why);
	ike_add_delete(&m->b, &d);
	sa->eng->cnt.deletes_sent++;
	return 0;
}

static int delete_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			  size_t len)
{
	(void)sa;
	(void)m;
	(void)raw;
	(void)len;
	/* The engine closes the SA once this task is done (see engine.c). */
	return 0;
}

const struct task_ops task_delete_ops = {
	.name = "delete",
	.exchange = IKE_EXCH_INFORMATIONAL,
	.build_req = delete_build,
	.process_resp = delete_process,
};

/* ---- DELETE (CHILD SA) ------------------------------------------------- */

static int child_delete_build(struct ikesa *sa, struct msg_out *m)
{
	struct childsa *c = childsa_find_in(sa, (uint32_t)sa->task_arg);
	if (!c)
		return -ENOENT;
	uint8_t spi[4] = { c->spi_in >> 24, c->spi_in >> 16, c->spi_in >> 8, c->spi_in };
	struct ike_delete d = { .protocol = IKE_PROTO_ESP, .spi_size = 4, .n_spi = 1,
				.spis = spi };
	ike_add_delete(&m->b, &d);
	return 0;
}

static int child_delete_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
				size_t len)
{
	(void)m;
	(void)raw;
	(void)len;
	struct childsa *c = childsa_find_in(sa, (uint32_t)sa->task_arg);
	if (c) {
		wlog_event(&sa->eng->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "child.deleted",
			   "spi_in=%08x spi_out=%08x", c->spi_in, c->spi_out);
		sa->eng->cnt.child_deleted++;
		childsa_remove(sa, c);
	}
	return 0;
}

const struct task_ops task_child_delete_ops = {
	.name = "child_delete",
	.exchange = IKE_EXCH_INFORMATIONAL,
	.build_req = child_delete_build,
	.process_resp = child_delete_process,
};

/* ---- responder --------------------------------------------------------- */

int task_info_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out,
		      bool *close_after)
{
	struct engine *e = sa->eng;
	uint8_t ours[IKE_MAX_DELETES * 16][4];
	unsigned n_ours = 0;
	*close_after = false;
	for (unsigned i = 0; i < m->n_delete; i++) {
		const struct ike_delete *d = &m->del[i];
		if (d->protocol == IKE_PROTO_IKE) {
			*close_after = true;
			continue;
		}
		if (d->protocol != IKE_PROTO_ESP || d->spi_size != 4)
			continue;
		for (unsigned j = 0; j < d->n_spi; j++) {
			const uint8_t *p = d->spis + 4 * j;
			uint32_t spi = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				       (uint32_t)p[2] << 8 | p[3];
			struct childsa *c = childsa_find_out(sa, spi);
			if (!c)
				continue; /* unknown: ignore (RFC 7296 3.11) */
			if (n_ours < sizeof(ours) / sizeof(ours[0])) {
				uint8_t *q = ours[n_ours++];
				q[0] = c->spi_in >> 24, q[1] = c->spi_in >> 16;
				q[2] = c->spi_in >> 8, q[3] = (uint8_t)c->spi_in;
			}
			wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
				   "child.deleted", "spi_in=%08x spi_out=%08x by=peer", c->spi_in,
				   c->spi_out);
			e->cnt.child_deleted++;
			childsa_remove(sa, c);
		}
	}
	if (n_ours && !*close_after) {
		struct ike_delete d = { .protocol = IKE_PROTO_ESP, .spi_size = 4,
					.n_spi = (uint16_t)n_ours, .spis = &ours[0][0] };
		ike_add_delete(&out->b, &d);
	}
	return 0;
}
