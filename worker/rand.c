/* rand_bytes: random octets for SPIs, nonces and cookies.  A tunnel draws
 * about five times per side; one getrandom() each was 1-2 % of a worker's
 * CPU at setup (bench/results/2026-11-27-io-s3.md).  So the octets come
 * from a per-process pool refilled with one getrandom() per POOL octets.
 * The pool page is MADV_WIPEONFORK: a forked child finds it zeroed (its
 * `left` 0) and refills, so parent and child never hand out the same
 * octets.  Octets are used once and wiped as handed out. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "worker/rand.h"

#define POOL 4000

struct pool {
	uint32_t left;       /* unread octets at the end of b; 0 after a fork */
	uint8_t b[POOL];
};

static struct pool *pool;   /* one page, mapped at the first draw */
static struct pool fallback; /* if mmap fails: direct getrandom, no pool */

static void fill(void *p, size_t n)
{
	uint8_t *b = p;
	while (n) {
		ssize_t r = getrandom(b, n, 0);
		if (r <= 0)
			continue; /* EINTR; getrandom does not fail otherwise */
		b += r;
		n -= (size_t)r;
	}
}

static struct pool *pool_get(void)
{
	if (pool)
		return pool;
	void *m = mmap(NULL, sizeof(struct pool), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return &fallback;
	if (madvise(m, sizeof(struct pool), MADV_WIPEONFORK) < 0) {
		/* without it a fork would repeat our octets: no pool */
		munmap(m, sizeof(struct pool));
		return &fallback;
	}
	pool = m;
	return pool;
}

void rand_bytes(void *p, size_t n)
{
	struct pool *pl = pool_get();
	if (pl == &fallback || n > POOL / 4) {
		fill(p, n);
		return;
	}
	if (pl->left < n) {
		fill(pl->b, POOL);
		pl->left = POOL;
	}
	uint8_t *src = pl->b + POOL - pl->left;
	memcpy(p, src, n);
	memset(src, 0, n);
	pl->left -= (uint32_t)n;
}
