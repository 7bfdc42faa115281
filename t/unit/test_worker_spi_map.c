/* SPI map: basic contract, iteration, and 1M random operations against a
 * reference array. */
#include <errno.h>
#include <stdlib.h>

#include "t/unit/tcheck.h"
#include "worker/spi_map.h"

/* Check's ck_assert_* costs a syscall each (it records the location through
 * a pipe): hot loops use this instead. */
#define REQUIRE(c)                                                             \
	do {                                                                   \
		if (!(c))                                                      \
			ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #c); \
	} while (0)

static int dummy[4];

START_TEST(basic_contract)
{
	struct spi_map m;
	ck_assert_int_eq(spi_map_init(&m, 0), 0);
	ck_assert_ptr_null(spi_map_get(&m, 0));
	ck_assert_int_eq(spi_map_add(&m, 0, &dummy[0]), 0); /* key 0 is a key */
	ck_assert_int_eq(spi_map_add(&m, 0, &dummy[1]), -EEXIST);
	ck_assert_ptr_eq(spi_map_get(&m, 0), &dummy[0]);
	ck_assert_int_eq(spi_map_add(&m, 7, NULL), -EINVAL);
	ck_assert_int_eq(spi_map_set(&m, 0, &dummy[2]), 0);
	ck_assert_ptr_eq(spi_map_get(&m, 0), &dummy[2]);
	ck_assert_int_eq(spi_map_set(&m, UINT64_MAX, &dummy[3]), 0);
	ck_assert_uint_eq(spi_map_count(&m), 2);
	ck_assert_ptr_eq(spi_map_del(&m, 0), &dummy[2]);
	ck_assert_ptr_null(spi_map_del(&m, 0));
	ck_assert_ptr_eq(spi_map_get(&m, UINT64_MAX), &dummy[3]);
	ck_assert_uint_eq(spi_map_count(&m), 1);
	spi_map_free(&m);
}
END_TEST

/* 32-bit ESP SPIs, sequential (the worst case for a weak hash): grow from
 * the smallest table, everything found, iteration sees each once, then the
 * map is emptied the documented way. */
START_TEST(esp_spis_grow_iterate_empty)
{
	enum { N = 50000 };
	struct spi_map m;
	ck_assert_int_eq(spi_map_init(&m, 0), 0);
	static char seen[N];
	for (uint32_t i = 0; i < N; i++)
		REQUIRE(spi_map_add(&m, 0xc0000000u + i, &seen[i]) == 0);
	ck_assert_uint_eq(spi_map_count(&m), N);
	for (uint32_t i = 0; i < N; i++)
		REQUIRE(spi_map_get(&m, 0xc0000000u + i) == &seen[i]);
	ck_assert_ptr_null(spi_map_get(&m, 0xc0000000u + N));
	uint32_t pos = 0, n = 0;
	uint64_t key;
	char *v;
	while ((v = spi_map_next(&m, &pos, &key))) {
		REQUIRE(key == 0xc0000000u + (uint64_t)(v - seen));
		REQUIRE(*v == 0);
		*v = 1;
		n++;
	}
	ck_assert_uint_eq(n, N);
	/* drain half the way the engine does: restart from 0 after each delete
	 * (O(capacity) in all thanks to the lowest-slot hint) */
	for (uint32_t k = 0; k < N / 2; k++) {
		pos = 0;
		v = spi_map_next(&m, &pos, &key);
		REQUIRE(v != NULL);
		REQUIRE(spi_map_del(&m, key) == v);
		*v = 2;
	}
	ck_assert_uint_eq(spi_map_count(&m), N - N / 2);
	for (uint32_t i = 0; i < N; i++) /* re-add what was drained */
		if (seen[i] == 2)
			REQUIRE(spi_map_add(&m, 0xc0000000u + i, &seen[i]) == 0);
	ck_assert_uint_eq(spi_map_count(&m), N);
	/* delete the odd ones, then clear the rest */
	for (uint32_t i = 1; i < N; i += 2)
		REQUIRE(spi_map_del(&m, 0xc0000000u + i) == &seen[i]);
	ck_assert_uint_eq(spi_map_count(&m), N / 2);
	for (uint32_t i = 0; i < N; i++)
		REQUIRE(spi_map_get(&m, 0xc0000000u + i) == (i % 2 ? NULL : &seen[i]));
	spi_map_clear(&m);
	ck_assert_uint_eq(spi_map_count(&m), 0);
	pos = 0;
	ck_assert_ptr_null(spi_map_next(&m, &pos, &key));
	ck_assert_ptr_null(spi_map_get(&m, 0xc0000000u));
	ck_assert_int_eq(spi_map_add(&m, 0xc0000000u, &seen[0]), 0);
	spi_map_free(&m);
}
END_TEST

#define UNIVERSE 200000
static uint64_t keys[UNIVERSE];
static void *ref[UNIVERSE];
static int vals[UNIVERSE];

START_TEST(random_ops_match_reference)
{
	struct spi_map m;
	REQUIRE((spi_map_init(&m, 1000)) == (0));
	srandom(4242);
	for (int i = 0; i < UNIVERSE; i++) {
		/* distinct: low bits are the index, high bits random */
		keys[i] = (uint64_t)random() << 32 ^ (uint64_t)random() << 20 ^ (uint64_t)i;
		keys[i] = (keys[i] & ~0x3ffffull) | (uint64_t)i;
		ref[i] = NULL;
	}
	uint32_t count = 0;
	for (int op = 0; op < 1000000; op++) {
		int i = (int)(random() % UNIVERSE);
		/* bias toward adds first, deletes later, so the map grows and
		 * shrinks through many sizes */
		int what = (int)(random() % 100);
		int add_pct = op < 500000 ? 55 : 30;
		if (what < add_pct) {
			int rc = spi_map_add(&m, keys[i], &vals[i]);
			if (ref[i]) {
				REQUIRE((rc) == (-EEXIST));
			} else {
				REQUIRE((rc) == (0));
				ref[i] = &vals[i];
				count++;
			}
		} else if (what < add_pct + 5) {
			void *nv = &vals[(i + 1) % UNIVERSE];
			REQUIRE((spi_map_set(&m, keys[i], nv)) == (0));
			if (!ref[i])
				count++;
			ref[i] = nv;
		} else if (what < add_pct + 40) {
			REQUIRE((spi_map_del(&m, keys[i])) == (ref[i]));
			if (ref[i])
				count--;
			ref[i] = NULL;
		} else {
			REQUIRE((spi_map_get(&m, keys[i])) == (ref[i]));
		}
		REQUIRE((spi_map_count(&m)) == (count));
	}
	for (int i = 0; i < UNIVERSE; i++)
		REQUIRE((spi_map_get(&m, keys[i])) == (ref[i]));
	spi_map_free(&m);
}
END_TEST

static Suite *spi_map_suite(void)
{
	Suite *s = suite_create("spi_map");
	TCase *tc = tcase_create("map");
	tcase_add_test(tc, basic_contract);
	tcase_add_test(tc, esp_spis_grow_iterate_empty);
	tcase_add_test(tc, random_ops_match_reference);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(spi_map_suite)
