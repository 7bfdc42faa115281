/* Timers embedded in the structs they govern, kept in a binary min-heap.
 *
 * Why a heap and not a wheel: IKE timers span milliseconds (retransmit) to
 * hours (rekey) and want ns-exact due times; a heap needs no granularity or
 * cascading, gives O(1) peek and O(log n) arm/re-arm/cancel (cancel uses the
 * index stored in the node, never a scan), and at 10^6 timers log2 n = 20.
 *
 * A struct timer lives inside its owner (an SA, a tunnel...): the owner
 * gets itself back with container_of() in the callback.  The heap only
 * holds pointers; it never allocates per timer, only grows its array. */
#ifndef IKESWARM_WORKER_TIMER_H
#define IKESWARM_WORKER_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

#define TIMER_IDLE UINT32_MAX /* heap_idx of a timer that is not armed */
#define TIMER_NEVER UINT64_MAX /* timer_next_due() of an empty heap */

struct timer;
typedef void (*timer_fn)(struct timer *t, void *arg);

struct timer {
	uint64_t due;      /* monotonic ns (same clock as loop_now()) */
	uint32_t heap_idx; /* position in the heap, TIMER_IDLE when not armed */
	timer_fn fn;
	void *arg;
};

/* A heap slot keeps a copy of its timer's due time: comparisons while
 * sifting read the heap array only, not each timer's owner (one cache miss
 * less per level with the SAs spread over memory). */
struct timer_slot {
	uint64_t due;
	struct timer *t;
};

struct timer_heap {
	struct timer_slot *v;
	uint32_t n;
	uint32_t cap;
};

/* Prepare a timer (not armed).  Must be called once before any other use. */
void timer_init(struct timer *t, timer_fn fn, void *arg);

static inline bool timer_armed(const struct timer *t)
{
	return t->heap_idx != TIMER_IDLE;
}

void timer_heap_init(struct timer_heap *h);
/* Frees the array; armed timers are left idle (heap_idx = TIMER_IDLE). */
void timer_heap_free(struct timer_heap *h);
/* Make room for n armed timers so that timer_arm() cannot fail below it. */
int timer_heap_reserve(struct timer_heap *h, uint32_t n);

/* Arm, or re-arm when already armed, to fire at `due`.  0 or -ENOMEM (only
 * when the array must grow; a re-arm never fails). */
int timer_arm(struct timer_heap *h, struct timer *t, uint64_t due);
/* Disarm; harmless when not armed.  Safe from inside any timer callback. */
void timer_cancel(struct timer_heap *h, struct timer *t);

/* The earliest timer, or NULL.  O(1). */
static inline struct timer *timer_peek(const struct timer_heap *h)
{
	return h->n ? h->v[0].t : NULL;
}

static inline uint64_t timer_next_due(const struct timer_heap *h)
{
	return h->n ? h->v[0].due : TIMER_NEVER;
}

/* Fire every timer with due <= now, earliest first (equal due times: any
 * order).  Each is disarmed before its callback, which may re-arm it, arm
 * or cancel others, or free its owner (after cancelling its other timers).
 * A timer re-armed at <= now fires again in this call only while the call
 * has fired fewer timers than were armed when it started (no livelock).
 * Returns the number fired. */
unsigned timer_run(struct timer_heap *h, uint64_t now);

#endif
