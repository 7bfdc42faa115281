/* Go-style durations: the parser against a table, and the formatter. */
#include <errno.h>

#include "t/unit/tcheck.h"
#include "conf/duration.h"

static const struct {
	const char *text;
	int rc;
	uint64_t ns;
} cases[] = {
	{ "0", 0, 0 },
	{ "0s", 0, 0 },
	{ "+5s", 0, 5000000000ull },
	{ "100ms", 0, 100000000ull },
	{ "10ms", 0, 10000000ull },
	{ "10s", 0, 10000000000ull },
	{ "5m0s", 0, 300000000000ull },
	{ "1m", 0, 60000000000ull },
	{ "1h30m", 0, 5400000000000ull },
	{ "2h", 0, 7200000000000ull },
	{ "1.5s", 0, 1500000000ull },
	{ ".5s", 0, 500000000ull },
	{ "1.s", 0, 1000000000ull },
	{ "1h1m1s1ms1us1ns", 0, 3661001001001ull },
	{ "3\xc2\xb5s", 0, 3000 },
	{ "3\xce\xbcs", 0, 3000 },
	{ "7ns", 0, 7 },
	{ "0.000000001s", 0, 1 },
	{ "2562047h", 0, 9223369200000000000ull },
	{ "", -EINVAL, 0 },
	{ "5", -EINVAL, 0 },
	{ "s", -EINVAL, 0 },
	{ ".s", -EINVAL, 0 },
	{ "-5s", -EINVAL, 0 },
	{ "5 s", -EINVAL, 0 },
	{ "5sec", -EINVAL, 0 },
	{ "30 seconds", -EINVAL, 0 },
	{ "1d", -EINVAL, 0 },
	{ "5m0", -EINVAL, 0 },
	{ "99999999999999999999s", -ERANGE, 0 },
	{ "6000000h", -ERANGE, 0 },
};

START_TEST(parse_table)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 12345;
		int rc = conf_duration_parse(cases[i].text, &ns);
		ck_assert_msg(rc == cases[i].rc, "'%s': rc %d, want %d", cases[i].text, rc,
			      cases[i].rc);
		if (rc == 0)
			ck_assert_msg(ns == cases[i].ns, "'%s': %llu ns, want %llu", cases[i].text,
				      (unsigned long long)ns, (unsigned long long)cases[i].ns);
	}
}
END_TEST

START_TEST(format_like_go)
{
	static const struct {
		uint64_t ns;
		const char *text;
	} f[] = {
		{ 0, "0s" }, { 7, "7ns" }, { 1500, "1.5us" }, { 100000000ull, "100ms" },
		{ 1500000000ull, "1.5s" }, { 10000000000ull, "10s" },
		{ 300000000000ull, "5m0s" }, { 5400000000000ull, "1h30m0s" },
		{ 7200000000000ull, "2h0m0s" }, { 61001000000ull, "1m1.001s" },
	};
	char buf[CONF_DURATION_STRLEN];
	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		ck_assert_str_eq(conf_duration_format(f[i].ns, buf, sizeof(buf)), f[i].text);
		uint64_t back;
		ck_assert_int_eq(conf_duration_parse(buf, &back), 0);
		ck_assert_uint_eq(back, f[i].ns);
	}
}
END_TEST

static Suite *duration_suite(void)
{
	Suite *s = suite_create("duration");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, parse_table);
	tcase_add_test(tc, format_like_go);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(duration_suite)
