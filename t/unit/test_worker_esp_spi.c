/* worker/task_util new_esp_spi: the kernel keys an ESP state by
 * (destination, SPI), so a worker's SPIs must not repeat while its SAs
 * live.  Random 24-bit SPIs repeated by the birthday bound (the fastpath
 * bench: 2 of 9,090 installs per side failed with EEXIST, both sides of
 * one tunnel at once); these checks fail on that code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "worker/engine.h"
#include "worker/task.h"

#define LOW_SPACE (1u << 24)

static uint8_t *bitmap_new(void)
{
	uint8_t *b = calloc(LOW_SPACE / 8, 1);
	ck_assert_ptr_nonnull(b);
	return b;
}

/* Marks low in b; false when it was marked already. */
static bool mark(uint8_t *b, uint32_t low)
{
	uint8_t bit = (uint8_t)(1u << (low % 8));
	if (b[low / 8] & bit)
		return false;
	b[low / 8] |= bit;
	return true;
}

/* Two workers' engines in one process (as the exchange tests run them),
 * 2^20 SPIs each, interleaved: worker byte on top, never 0-255, no
 * repeat within a worker (random draws would repeat about 32,000 times). */
START_TEST(test_spi_unique)
{
	struct engine e0, e5;
	memset(&e0, 0, sizeof(e0));
	memset(&e5, 0, sizeof(e5));
	e0.worker = 0;
	e5.worker = 5;
	uint8_t *seen0 = bitmap_new(), *seen5 = bitmap_new();
	unsigned repeats = 0, bad = 0;
	/* no ck_assert per SPI: each one costs a write to Check's pipe */
	for (uint32_t i = 0; i < (1u << 20); i++) {
		uint32_t a = new_esp_spi(&e0), b = new_esp_spi(&e5);
		bad += a < 256 || a >> 24 != 0 || b >> 24 != 5;
		repeats += !mark(seen0, a & 0xffffffu);
		repeats += !mark(seen5, b & 0xffffffu);
	}
	ck_assert_msg(bad == 0, "%u SPIs reserved or of another worker", bad);
	ck_assert_msg(repeats == 0, "%u SPIs repeated", repeats);
	free(seen0);
	free(seen5);
}
END_TEST

/* 2^24 SPIs of worker 1 in a row: every low value exactly once (the
 * period the header promises), and not a plain sequence. */
START_TEST(test_spi_full_period)
{
	struct engine e;
	memset(&e, 0, sizeof(e));
	e.worker = 1;
	uint8_t *seen = bitmap_new();
	uint32_t prev = 0, steps_of_one = 0, repeats = 0, bad = 0;
	for (uint32_t i = 0; i < LOW_SPACE; i++) {
		uint32_t s = new_esp_spi(&e);
		bad += s >> 24 != 1;
		repeats += !mark(seen, s & 0xffffffu);
		steps_of_one += i && s == prev + 1;
		prev = s;
	}
	ck_assert_msg(bad == 0, "%u SPIs of another worker", bad);
	ck_assert_msg(repeats == 0, "%u of 2^24 SPIs repeated", repeats);
	ck_assert_uint_lt(steps_of_one, 1000);
	free(seen);
}
END_TEST

static Suite *esp_spi_suite(void)
{
	Suite *s = suite_create("worker_esp_spi");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_spi_unique);
	tcase_add_test(tc, test_spi_full_period);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(esp_spi_suite)
