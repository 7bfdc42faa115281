/* Linear-probing hash map uint64 -> pointer with backward-shift deletion. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "worker/spi_map.h"

#define SPI_MAP_MIN 16

/* splitmix64 finalizer: every key bit moves every slot bit. */
static inline uint32_t home(const struct spi_map *m, uint64_t key)
{
	uint64_t x = key ^ m->seed;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (uint32_t)x & m->mask;
}

static uint32_t capacity_for(uint32_t n)
{
	uint64_t cap = SPI_MAP_MIN;
	while (cap * 3 / 4 < n)
		cap *= 2;
	return cap > (1u << 31) ? 1u << 31 : (uint32_t)cap;
}

int spi_map_init(struct spi_map *m, uint32_t hint)
{
	uint32_t cap = capacity_for(hint);
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots)
		return -ENOMEM;
	m->mask = cap - 1;
	m->n = 0;
	m->lo = cap;
	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != sizeof(m->seed))
		m->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uintptr_t)m;
	return 0;
}

void spi_map_free(struct spi_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
	m->n = 0;
}

static struct spi_slot *find(const struct spi_map *m, uint64_t key)
{
	for (uint32_t i = home(m, key);; i = (i + 1) & m->mask) {
		struct spi_slot *s = &m->slots[i];
		if (!s->val)
			return NULL;
		if (s->key == key)
			return s;
	}
}

void *spi_map_get(const struct spi_map *m, uint64_t key)
{
	struct spi_slot *s = find(m, key);
	return s ? s->val : NULL;
}

/* Put a key known to be absent; the table has a free slot. */
static void insert_new(struct spi_map *m, uint64_t key, void *val)
{
	uint32_t i = home(m, key);
	while (m->slots[i].val)
		i = (i + 1) & m->mask;
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->n++;
	if (i < m->lo)
		m->lo = i;
}

static int grow(struct spi_map *m)
{
	uint32_t old_cap = m->mask + 1;
	if (old_cap >= (1u << 31))
		return -ENOMEM;
	struct spi_slot *old = m->slots;
	struct spi_slot *slots = calloc((size_t)old_cap * 2, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	m->mask = old_cap * 2 - 1;
	m->n = 0;
	m->lo = m->mask + 1;
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].val)
			insert_new(m, old[i].key, old[i].val);
	free(old);
	return 0;
}

int spi_map_add(struct spi_map *m, uint64_t key, void *val)
{
	if (!val)
		return -EINVAL;
	if (find(m, key))
		return -EEXIST;
	if ((uint64_t)(m->n + 1) * 4 > (uint64_t)(m->mask + 1) * 3) {
		int err = grow(m);
		if (err)
			return err;
	}
	insert_new(m, key, val);
	return 0;
}

int spi_map_set(struct spi_map *m, uint64_t key, void *val)
{
	if (!val)
		return -EINVAL;
	struct spi_slot *s = find(m, key);
	if (s) {
		s->val = val;
		return 0;
	}
	return spi_map_add(m, key, val);
}

void *spi_map_del(struct spi_map *m, uint64_t key)
{
	struct spi_slot *s = find(m, key);
	if (!s)
		return NULL;
	void *val = s->val;
	uint32_t hole = (uint32_t)(s - m->slots);
	/* Shift back every later entry of the run that may sit in the hole:
	 * one whose home is not cyclically within (hole, j]. */
	for (uint32_t j = (hole + 1) & m->mask; m->slots[j].val; j = (j + 1) & m->mask) {
		uint32_t h = home(m, m->slots[j].key);
		if (((j - h) & m->mask) >= ((j - hole) & m->mask)) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].val = NULL;
	m->slots[hole].key = 0;
	m->n--;
	return val;
}

/* Deletion moves entries only into slots that were in use, so `lo` stays a
 * lower bound without being touched there; a scan from below it raises it. */
void *spi_map_next(struct spi_map *m, uint32_t *pos, uint64_t *key)
{
	if (!m->slots)
		return NULL;
	bool from_lo = *pos <= m->lo;
	for (uint32_t i = from_lo ? m->lo : *pos; i <= m->mask; i++) {
		if (m->slots[i].val) {
			if (from_lo)
				m->lo = i;
			*pos = i + 1;
			if (key)
				*key = m->slots[i].key;
			return m->slots[i].val;
		}
	}
	if (from_lo)
		m->lo = m->mask + 1;
	*pos = m->mask + 1;
	return NULL;
}

void spi_map_clear(struct spi_map *m)
{
	if (m->slots)
		memset(m->slots, 0, ((size_t)m->mask + 1) * sizeof(*m->slots));
	m->n = 0;
	m->lo = m->mask + 1;
}
