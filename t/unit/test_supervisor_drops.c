/* The supervisor's side of the drop reasons: the workers' drop_<reason>
 * counters are summed per worker and over all workers, survive a worker's
 * death, and fold into the "drops" object of summary and the result. */
#include <jansson.h>
#include <string.h>

#include "supervisor/sup.h"
#include "t/unit/tcheck.h"
#include "worker/counters.h"

static json_t *stats(uint64_t unknown_spi, uint64_t malformed)
{
	struct counters c = { 0 };
	for (uint64_t i = 0; i < unknown_spi; i++)
		counters_drop(&c, DROP_UNKNOWN_SPI);
	for (uint64_t i = 0; i < malformed; i++)
		counters_drop(&c, DROP_MALFORMED);
	json_t *o = json_pack("{s:I,s:I}", "dropped", (json_int_t)c.rx_dropped, "live",
			      (json_int_t)5);
	counters_drops_put_flat(o, &c);
	return o;
}

static json_int_t reason(json_t *folded, const char *name)
{
	json_t *d = json_object_get(folded, "drops");
	ck_assert_msg(json_is_object(d), "no drops object");
	json_t *v = json_object_get(d, name);
	ck_assert_msg(json_is_integer(v), "drops.%s missing", name);
	return json_integer_value(v);
}

START_TEST(drops_summed_per_worker_and_over_deaths)
{
	struct sup_worker w[2] = { { .idx = 0 }, { .idx = 1 } };
	struct sup s = { .nworkers = 2, .w = w };
	w[0].counters = stats(2, 1);
	w[1].counters = stats(4, 0);

	/* Worker 1 dies: its totals are kept, its gauges are not. */
	sup_keep_dead(&w[1]);
	ck_assert_ptr_null(w[1].counters);
	ck_assert_int_eq(json_integer_value(json_object_get(w[1].dead, "drop_unknown_spi")), 4);
	ck_assert_ptr_null(json_object_get(w[1].dead, "live"));
	/* Its next incarnation drops more. */
	w[1].counters = stats(1, 3);

	json_t *one = sup_merged_worker(&s, 1);
	ck_assert_int_eq(counters_drops_fold(one), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(one, "dropped")), 8);
	ck_assert_int_eq(reason(one, "unknown_spi"), 5);
	ck_assert_int_eq(reason(one, "malformed"), 3);
	ck_assert_int_eq(reason(one, "late_init"), 0);
	json_decref(one);

	json_t *all = sup_merged(&s);
	struct counters c = { 0 };
	counters_drops_get_flat(all, &c);
	ck_assert_uint_eq(c.drops[DROP_UNKNOWN_SPI], 7);
	ck_assert_uint_eq(c.drops[DROP_MALFORMED], 4);
	ck_assert_int_eq(counters_drops_fold(all), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(all, "dropped")), 11);
	json_int_t sum = 0;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(all, "drops"), k, v)
		sum += json_integer_value(v);
	ck_assert_int_eq(sum, 11);
	ck_assert_uint_eq(json_object_size(json_object_get(all, "drops")), DROP_COUNT);
	json_decref(all);

	/* Out of range: nothing. */
	json_t *none = sup_merged_worker(&s, 2);
	ck_assert_uint_eq(json_object_size(none), 0);
	json_decref(none);
	for (int i = 0; i < 2; i++) {
		json_decref(w[i].counters);
		json_decref(w[i].dead);
	}
}
END_TEST

static Suite *drops_suite(void)
{
	Suite *s = suite_create("supervisor_drops");
	TCase *tc = tcase_create("merge");
	tcase_add_test(tc, drops_summed_per_worker_and_over_deaths);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(drops_suite)
