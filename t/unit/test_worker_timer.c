/* Timer heap: order, re-arm, cancel (also from callbacks), and 100k random
 * operations checked against a plain reference model. */
#include <stdlib.h>

#include "t/unit/tcheck.h"
#include "worker/timer.h"

struct owner {
	int id;
	struct timer t;
};

static int fired_ids[1024];
static uint64_t fired_due[1024];
static int nfired;

static void record(struct timer *t, void *arg)
{
	(void)arg;
	struct owner *o = container_of(t, struct owner, t);
	ck_assert(!timer_armed(t));
	fired_ids[nfired] = o->id;
	fired_due[nfired] = t->due;
	nfired++;
}

START_TEST(fires_in_due_order)
{
	struct timer_heap h;
	timer_heap_init(&h);
	struct owner o[50];
	nfired = 0;
	for (int i = 0; i < 50; i++) {
		o[i].id = i;
		timer_init(&o[i].t, record, NULL);
		/* a permutation of 1000..50000 */
		ck_assert_int_eq(timer_arm(&h, &o[i].t, 1000 * (uint64_t)((i * 37) % 50 + 1)), 0);
	}
	ck_assert_uint_eq(timer_next_due(&h), 1000);
	ck_assert_uint_eq(timer_run(&h, 999), 0);
	ck_assert_uint_eq(timer_run(&h, 25000), 25);
	ck_assert_uint_eq(timer_run(&h, 100000), 25);
	ck_assert_int_eq(nfired, 50);
	for (int i = 0; i < 50; i++) {
		ck_assert_uint_eq(fired_due[i], 1000 * (uint64_t)(i + 1));
		ck_assert_int_eq((fired_ids[i] * 37) % 50 + 1, i + 1);
	}
	ck_assert_ptr_null(timer_peek(&h));
	ck_assert_uint_eq(timer_next_due(&h), TIMER_NEVER);
	timer_heap_free(&h);
}
END_TEST

START_TEST(rearm_moves_both_ways)
{
	struct timer_heap h;
	timer_heap_init(&h);
	struct owner a = { .id = 1 }, b = { .id = 2 }, c = { .id = 3 };
	timer_init(&a.t, record, NULL);
	timer_init(&b.t, record, NULL);
	timer_init(&c.t, record, NULL);
	timer_arm(&h, &a.t, 10);
	timer_arm(&h, &b.t, 20);
	timer_arm(&h, &c.t, 30);
	timer_arm(&h, &a.t, 40); /* later */
	timer_arm(&h, &c.t, 5);  /* earlier */
	ck_assert_uint_eq(h.n, 3);
	nfired = 0;
	timer_run(&h, 100);
	ck_assert_int_eq(nfired, 3);
	ck_assert_int_eq(fired_ids[0], 3);
	ck_assert_int_eq(fired_ids[1], 2);
	ck_assert_int_eq(fired_ids[2], 1);
	timer_heap_free(&h);
}
END_TEST

/* A callback that cancels its victim and re-arms itself once. */
struct killer {
	struct timer t;
	struct timer *victim;
	struct timer_heap *h;
	int runs;
};

static void kill_cb(struct timer *t, void *arg)
{
	(void)arg;
	struct killer *k = container_of(t, struct killer, t);
	k->runs++;
	timer_cancel(k->h, k->victim);
	timer_cancel(k->h, k->victim); /* twice: harmless */
	if (k->runs == 1)
		ck_assert_int_eq(timer_arm(k->h, t, t->due + 100), 0);
}

START_TEST(cancel_from_callback)
{
	struct timer_heap h;
	timer_heap_init(&h);
	struct owner v = { .id = 9 }, after = { .id = 10 };
	struct killer k = { .victim = &v.t, .h = &h };
	timer_init(&v.t, record, NULL);
	timer_init(&after.t, record, NULL);
	timer_init(&k.t, kill_cb, NULL);
	timer_arm(&h, &v.t, 50);     /* due in the same run, after the killer */
	timer_arm(&h, &k.t, 40);
	timer_arm(&h, &after.t, 60);
	nfired = 0;
	ck_assert_uint_eq(timer_run(&h, 100), 2); /* killer, then "after" */
	ck_assert_int_eq(nfired, 1);
	ck_assert_int_eq(fired_ids[0], 10);
	ck_assert(!timer_armed(&v.t));
	ck_assert(timer_armed(&k.t)); /* re-armed itself from its callback */
	ck_assert_uint_eq(timer_next_due(&h), 140);
	nfired = 0;
	ck_assert_uint_eq(timer_run(&h, 200), 1);
	ck_assert_int_eq(k.runs, 2);
	ck_assert_int_eq(nfired, 0);
	ck_assert_uint_eq(h.n, 0);
	timer_heap_free(&h);
}
END_TEST

/* A timer re-arming itself at "now" must not spin forever. */
static void again(struct timer *t, void *arg)
{
	timer_arm(arg, t, t->due);
}

START_TEST(rearm_at_now_terminates)
{
	struct timer_heap h;
	timer_heap_init(&h);
	struct timer t;
	timer_init(&t, again, &h);
	timer_arm(&h, &t, 1);
	ck_assert_uint_eq(timer_run(&h, 10), 1);
	ck_assert(timer_armed(&t));
	timer_heap_free(&h);
	ck_assert(!timer_armed(&t));
}
END_TEST

/* Random operations against a reference: due[i] or "idle" per timer. */
#define NT 100000
static struct timer tt[NT];
static uint64_t ref_due[NT];
static char ref_armed[NT];
static uint64_t last_fired_due;
static long fired_total;

/* Check's ck_assert_* costs a syscall each (it records the location through
 * a pipe): hot loops use this instead. */
#define REQUIRE(c)                                                             \
	do {                                                                   \
		if (!(c))                                                      \
			ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #c); \
	} while (0)

static void check_fire(struct timer *t, void *arg)
{
	uint64_t now = *(uint64_t *)arg;
	size_t i = (size_t)(t - tt);
	REQUIRE(ref_armed[i]);
	REQUIRE((ref_due[i]) == (t->due));
	REQUIRE((t->due) <= (now));
	REQUIRE((t->due) >= (last_fired_due));
	last_fired_due = t->due;
	ref_armed[i] = 0;
	fired_total++;
}

static void check_heap(const struct timer_heap *h)
{
	for (uint32_t i = 0; i < h->n; i++) {
		REQUIRE((h->v[i].t->heap_idx) == (i));
		REQUIRE((h->v[i].due) == (h->v[i].t->due));
		if (i)
			REQUIRE((h->v[(i - 1) / 2].due) <= (h->v[i].due));
	}
}

START_TEST(random_ops_match_reference)
{
	struct timer_heap h;
	timer_heap_init(&h);
	srandom(12345);
	uint64_t now = 0;
	for (int i = 0; i < NT; i++) {
		timer_init(&tt[i], check_fire, &now);
		ref_armed[i] = 0;
	}
	fired_total = 0;
	for (int op = 0; op < 400000; op++) {
		int i = (int)(random() % NT);
		int what = (int)(random() % 10);
		if (what < 6) {
			ref_due[i] = now + 1 + (uint64_t)(random() % 1000000);
			ref_armed[i] = 1;
			REQUIRE((timer_arm(&h, &tt[i], ref_due[i])) == (0));
		} else if (what < 9) {
			ref_armed[i] = 0;
			timer_cancel(&h, &tt[i]);
		} else {
			now += (uint64_t)(random() % 20000);
			last_fired_due = 0;
			timer_run(&h, now);
		}
		if (op % 50000 == 0)
			check_heap(&h);
	}
	check_heap(&h);
	/* Every armed timer must still be in the heap, and only those. */
	uint32_t armed = 0;
	uint64_t min = TIMER_NEVER;
	for (int i = 0; i < NT; i++) {
		REQUIRE((timer_armed(&tt[i])) == (ref_armed[i]));
		if (ref_armed[i]) {
			armed++;
			REQUIRE((h.v[tt[i].heap_idx].t) == (&tt[i]));
			if (ref_due[i] < min)
				min = ref_due[i];
			REQUIRE((ref_due[i]) > (now));
		}
	}
	REQUIRE((h.n) == (armed));
	REQUIRE((timer_next_due(&h)) == (min));
	REQUIRE((fired_total) > (1000));
	/* Drain: everything fires, in order. */
	long before = fired_total;
	now = TIMER_NEVER - 1;
	last_fired_due = 0;
	timer_run(&h, now);
	REQUIRE((fired_total - before) == (armed));
	REQUIRE((h.n) == (0));
	timer_heap_free(&h);
}
END_TEST

static Suite *timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *tc = tcase_create("heap");
	tcase_add_test(tc, fires_in_due_order);
	tcase_add_test(tc, rearm_moves_both_ways);
	tcase_add_test(tc, cancel_from_callback);
	tcase_add_test(tc, rearm_at_now_terminates);
	tcase_add_test(tc, random_ops_match_reference);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(timer_suite)
