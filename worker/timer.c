/* Binary min-heap of embedded timers (see timer.h for why a heap). */
#include <errno.h>
#include <stdlib.h>

#include "worker/timer.h"

void timer_init(struct timer *t, timer_fn fn, void *arg)
{
	t->due = 0;
	t->heap_idx = TIMER_IDLE;
	t->fn = fn;
	t->arg = arg;
}

void timer_heap_init(struct timer_heap *h)
{
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
}

void timer_heap_free(struct timer_heap *h)
{
	for (uint32_t i = 0; i < h->n; i++)
		h->v[i].t->heap_idx = TIMER_IDLE;
	free(h->v);
	timer_heap_init(h);
}

int timer_heap_reserve(struct timer_heap *h, uint32_t n)
{
	if (n <= h->cap)
		return 0;
	uint32_t cap = h->cap ? h->cap : 64;
	while (cap < n)
		cap = cap > UINT32_MAX / 2 ? n : cap * 2;
	struct timer_slot *v = realloc(h->v, (size_t)cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

static void place(struct timer_heap *h, uint32_t i, struct timer *t)
{
	h->v[i] = (struct timer_slot){ .due = t->due, .t = t };
	t->heap_idx = i;
}

static void move(struct timer_heap *h, uint32_t to, uint32_t from)
{
	h->v[to] = h->v[from];
	h->v[to].t->heap_idx = to;
}

/* Move t up from hole i while its parent is later. */
static void sift_up(struct timer_heap *h, uint32_t i, struct timer *t)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (h->v[parent].due <= t->due)
			break;
		move(h, i, parent);
		i = parent;
	}
	place(h, i, t);
}

/* Move t down from hole i while a child is earlier. */
static void sift_down(struct timer_heap *h, uint32_t i, struct timer *t)
{
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1].due < h->v[c].due)
			c++;
		if (t->due <= h->v[c].due)
			break;
		move(h, i, c);
		i = c;
	}
	place(h, i, t);
}

/* Put t (already holding its new due) back in order from slot i. */
static void fix(struct timer_heap *h, uint32_t i, struct timer *t)
{
	if (i > 0 && h->v[(i - 1) / 2].due > t->due)
		sift_up(h, i, t);
	else
		sift_down(h, i, t);
}

int timer_arm(struct timer_heap *h, struct timer *t, uint64_t due)
{
	if (timer_armed(t)) {
		t->due = due;
		fix(h, t->heap_idx, t);
		return 0;
	}
	if (h->n == h->cap && h->n == UINT32_MAX - 1)
		return -ENOMEM;
	int err = timer_heap_reserve(h, h->n + 1);
	if (err)
		return err;
	t->due = due;
	sift_up(h, h->n++, t);
	return 0;
}

void timer_cancel(struct timer_heap *h, struct timer *t)
{
	if (!timer_armed(t))
		return;
	uint32_t i = t->heap_idx;
	t->heap_idx = TIMER_IDLE;
	struct timer *last = h->v[--h->n].t;
	if (i < h->n)
		fix(h, i, last);
}

unsigned timer_run(struct timer_heap *h, uint64_t now)
{
	unsigned fired = 0, limit = h->n;
	while (fired < limit && h->n && h->v[0].due <= now) {
		struct timer *t = h->v[0].t;
		timer_cancel(h, t);
		fired++;
		t->fn(t, t->arg);
	}
	return fired;
}
