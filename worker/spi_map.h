/* Open-addressing hash table: uint64 key -> non-NULL pointer.
 *
 * For IKE SPIs (64 bit) and ESP SPIs (32 bit, zero-extended).  Linear
 * probing with backward-shift deletion (no tombstones, so lookups stay short
 * after churn); grows by doubling at 3/4 load; never shrinks.  Keys are
 * mixed with a per-map random seed, so peer-chosen SPIs cannot pile up in
 * one probe run.  Any key is allowed, including 0; values must be non-NULL. */
#ifndef IKESWARM_WORKER_SPI_MAP_H
#define IKESWARM_WORKER_SPI_MAP_H

#include <stdint.h>

struct spi_slot {
	uint64_t key;
	void *val; /* NULL = empty slot */
};

struct spi_map {
	struct spi_slot *slots;
	uint32_t mask; /* capacity - 1 (capacity a power of two) */
	uint32_t n;    /* entries in use */
	uint32_t lo;   /* no entry sits below this slot (iteration hint) */
	uint64_t seed;
};

/* hint: expected entries (0 for a small default).  0 or -ENOMEM. */
int spi_map_init(struct spi_map *m, uint32_t hint);
void spi_map_free(struct spi_map *m);

/* The value for key, or NULL. */
void *spi_map_get(const struct spi_map *m, uint64_t key);
/* Insert; -EEXIST when key is present (value unchanged), -EINVAL for a NULL
 * val, -ENOMEM when growing fails.  0 on success. */
int spi_map_add(struct spi_map *m, uint64_t key, void *val);
/* Replace the value of a present key, or insert it.  0 or -errno. */
int spi_map_set(struct spi_map *m, uint64_t key, void *val);
/* Remove; returns the value removed, or NULL when absent. */
void *spi_map_del(struct spi_map *m, uint64_t key);

static inline uint32_t spi_map_count(const struct spi_map *m)
{
	return m->n;
}

/* Iterate: start with *pos = 0; returns the next value (key in *key, may be
 * NULL) or NULL at the end.  O(capacity) for a full pass.  Do not add or
 * delete while iterating (a deletion shifts later entries back).  To drain
 * the map, restart from *pos = 0 after each deletion: a hint (lowest used
 * slot) makes the whole drain O(capacity), not O(n * capacity). */
void *spi_map_next(struct spi_map *m, uint32_t *pos, uint64_t *key);
/* Remove every entry (capacity kept). */
void spi_map_clear(struct spi_map *m);

#endif
