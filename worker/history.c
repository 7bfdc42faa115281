/* SA history rings (see history.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "worker/engine.h"
#include "worker/history.h"
#include "worker/ike_sa.h"

int sa_hist_init(struct sa_hist *h, uint32_t cap)
{
	memset(h, 0, sizeof(*h));
	if (cap == 0)
		return 0;
	h->rec = calloc(cap, sizeof(*h->rec));
	if (!h->rec)
		return -ENOMEM;
	h->cap = cap;
	return 0;
}

void sa_hist_fini(struct sa_hist *h)
{
	free(h->rec);
	memset(h, 0, sizeof(*h));
}

uint32_t sa_hist_cap(int64_t ntunnels)
{
	if (ntunnels <= 0)
		return HIST_MIN;
	if (ntunnels > (int64_t)(UINT32_MAX / HIST_PER_TUNNEL))
		ntunnels = UINT32_MAX / HIST_PER_TUNNEL;
	uint32_t cap = (uint32_t)ntunnels * HIST_PER_TUNNEL;
	return cap < HIST_MIN ? HIST_MIN : cap;
}

void sa_hist_add(struct sa_hist *h, const struct sa_hist_rec *r)
{
	if (!h->rec)
		return;
	h->rec[h->head] = *r;
	h->head = (h->head + 1) % h->cap;
	if (h->n < h->cap)
		h->n++;
}

const struct sa_hist_rec *sa_hist_at(const struct sa_hist *h, uint32_t i)
{
	if (i >= h->n)
		return NULL;
	return &h->rec[(h->head + h->cap - h->n + i) % h->cap];
}

void hist_ike_gone(struct ikesa *sa)
{
	struct engine *e = sa->eng;
	/* Only SAs that were ever up: half-open attempts are not history. */
	if (!e->ike_hist.rec || !sa->established_once)
		return;
	struct sa_hist_rec r = {
		.spi = ikesa_our_spi(sa),
		.spi_peer = sa->initiator ? sa->spi_r : sa->spi_i,
		.created_ns = sa->created_ns,
		.ended_ns = engine_now(e),
		.suite = sa->suite,
		.tunnel = sa->tunnel,
		.rekeyed = sa->rekeyed,
		.initiator = sa->initiator,
	};
	sa_hist_add(&e->ike_hist, &r);
}

void hist_child_gone(struct ikesa *sa, const struct childsa *c)
{
	struct engine *e = sa->eng;
	if (!e->child_hist.rec || !c->keyed)
		return;
	struct sa_hist_rec r = {
		.spi = c->spi_in,
		.spi_peer = c->spi_out,
		.ike_spi = ikesa_our_spi(sa),
		.created_ns = c->created_ns,
		.ended_ns = engine_now(e),
		.suite = c->esp,
		.tunnel = sa->tunnel,
		.rekeyed = c->replaced,
	};
	sa_hist_add(&e->child_hist, &r);
}
