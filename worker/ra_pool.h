/* The gateway's address pool for remote-access tunnels (poolconf): one
 * worker's slice of `v4startaddr` or `v6startaddr`, handed out to peers
 * that send CP(CFG_REQUEST) (RFC 7296 2.19).
 *
 * Every worker owns a disjoint slice (pool size / workers, worker w the
 * w-th), so no two processes ever hand out the same address and nothing is
 * shared.  Allocate and free are O(1) and memory grows with the peak
 * number in use, not with the pool: addresses never handed out come from a
 * cursor, returned ones from a stack (reused last in, first out). */
#ifndef IKESWARM_WORKER_RA_POOL_H
#define IKESWARM_WORKER_RA_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/ipaddr.h"

/* Slices are capped at 2^32 addresses (an IPv6 /64 is not counted out). */
#define RA_POOL_SLICE_MAX 0xffffffffull

struct ra_pool {
	struct ip_addr first;    /* this worker's first address */
	uint32_t size;           /* addresses in the slice */
	uint32_t fresh;          /* next never-used offset: [fresh, size) are free */
	uint32_t *back;          /* offsets returned, a stack */
	uint32_t n_back, cap_back;
	uint32_t in_use;
};

/* How many addresses a pool prefix holds: from its address to the end of
 * its network, less the IPv4 broadcast address (prefixes up to /30);
 * saturates at UINT64_MAX.  0 when p has no address. */
uint64_t ra_pool_room(const struct ip_prefix *p);

/* Worker `worker` of `nworkers`' slice of the pool prefix p.  0, or
 * -ENOSPC when the slice is empty (fewer addresses than workers). */
int ra_pool_init(struct ra_pool *pool, const struct ip_prefix *p, unsigned worker,
		 unsigned nworkers);
void ra_pool_fini(struct ra_pool *pool);

/* A free address of the slice into *out.  0, -ENOSPC (exhausted) or
 * -ENOMEM. */
int ra_pool_alloc(struct ra_pool *pool, struct ip_addr *out);
/* Return a (handed out by ra_pool_alloc, not yet returned).  0 or -EINVAL
 * when a is not of this slice. */
int ra_pool_free(struct ra_pool *pool, const struct ip_addr *a);
/* Is a inside this slice? */
bool ra_pool_owns(const struct ra_pool *pool, const struct ip_addr *a);

#endif
