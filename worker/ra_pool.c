/* A worker's slice of the poolconf address pool (see ra_pool.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "worker/ra_pool.h"

uint64_t ra_pool_room(const struct ip_prefix *p)
{
	if (ip_addr_is_unset(&p->addr))
		return 0;
	uint64_t room = ip_prefix_room(p);
	/* 255 in 10.0.0.0/24 is the broadcast address, not a host */
	if (p->addr.family == AF_INET && p->len <= 30 && room != UINT64_MAX)
		room--;
	return room;
}

int ra_pool_init(struct ra_pool *pool, const struct ip_prefix *p, unsigned worker,
		 unsigned nworkers)
{
	memset(pool, 0, sizeof(*pool));
	if (!nworkers)
		nworkers = 1;
	uint64_t room = ra_pool_room(p), slice = room / nworkers;
	if (slice > RA_POOL_SLICE_MAX)
		slice = RA_POOL_SLICE_MAX;
	if (!slice || worker >= nworkers)
		return -ENOSPC;
	if (ip_addr_add(&p->addr, slice * worker, &pool->first) < 0)
		return -ENOSPC;
	pool->size = (uint32_t)slice;
	return 0;
}

void ra_pool_fini(struct ra_pool *pool)
{
	free(pool->back);
	memset(pool, 0, sizeof(*pool));
}

int ra_pool_alloc(struct ra_pool *pool, struct ip_addr *out)
{
	uint32_t off;
	if (pool->n_back)
		off = pool->back[--pool->n_back];
	else if (pool->fresh < pool->size)
		off = pool->fresh++;
	else
		return -ENOSPC;
	if (ip_addr_add(&pool->first, off, out) < 0)
		return -ENOSPC; /* cannot happen: init checked the slice's end */
	pool->in_use++;
	return 0;
}

/* a's offset in the slice, or -1. */
static int64_t offset_of(const struct ra_pool *pool, const struct ip_addr *a)
{
	uint64_t d;
	if (!pool->size || a->family != pool->first.family ||
	    ip_addr_diff(&pool->first, a, &d) < 0 || d >= pool->size)
		return -1;
	return (int64_t)d;
}

bool ra_pool_owns(const struct ra_pool *pool, const struct ip_addr *a)
{
	return offset_of(pool, a) >= 0;
}

int ra_pool_free(struct ra_pool *pool, const struct ip_addr *a)
{
	int64_t off = offset_of(pool, a);
	if (off < 0 || (uint64_t)off >= pool->fresh || !pool->in_use)
		return -EINVAL;
	if (pool->n_back == pool->cap_back) {
		/* never more than were handed out: grows to the peak in use */
		uint32_t cap = pool->cap_back ? 2 * pool->cap_back : 16;
		uint32_t *v = realloc(pool->back, (size_t)cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		pool->back = v;
		pool->cap_back = cap;
	}
	pool->back[pool->n_back++] = (uint32_t)off;
	pool->in_use--;
	return 0;
}
