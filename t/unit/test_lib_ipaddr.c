/* lib/ipaddr: parse, format, compare, add with overflow, prefix maths. */
#include <errno.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "lib/ipaddr.h"

static struct ip_addr A(const char *s)
{
	struct ip_addr a;
	ck_assert_msg(ip_addr_parse(s, &a) == 0, "parse %s", s);
	return a;
}

static const char *fmt(const struct ip_addr *a)
{
	static char buf[IP_ADDR_STRLEN];
	return ip_addr_format(a, buf, sizeof(buf));
}

START_TEST(parse_and_format)
{
	static const char *const good[] = {
		"0.0.0.0", "10.99.0.1", "255.255.255.255", "::", "::1", "fd00:99::1",
		"2001:db8::ffff:0:1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct ip_addr a = A(good[i]);
		ck_assert_str_eq(fmt(&a), good[i]);
	}
	static const char *const bad[] = {
		"", "10.99.0.300", "10.99.0", "1.2.3.4.5", "fd00::99::1", "10.0.0.1/24", "x",
	};
	struct ip_addr a;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(ip_addr_parse(bad[i], &a), -EINVAL);
	ck_assert(ip_addr_is_unset(&a));
	ck_assert_int_eq(A("10.0.0.1").family, AF_INET);
	ck_assert_int_eq(A("::1").family, AF_INET6);
}
END_TEST

START_TEST(prefixes)
{
	struct ip_prefix p;
	char buf[IP_PREFIX_STRLEN];
	ck_assert_int_eq(ip_prefix_parse("192.168.1.1/24", true, &p), 0);
	ck_assert_str_eq(ip_prefix_format(&p, buf, sizeof(buf)), "192.168.1.1/24");
	ck_assert_int_eq(p.len, 24);
	ck_assert_int_eq(ip_prefix_parse("192.168.1.1", true, &p), -EINVAL);
	ck_assert_int_eq(ip_prefix_parse("192.168.1.1", false, &p), 0);
	ck_assert_int_eq(p.len, 32);
	ck_assert_int_eq(ip_prefix_parse("fd00::5/64", true, &p), 0);
	ck_assert_int_eq(p.len, 64);
	ck_assert_int_eq(ip_prefix_parse("fd00::5", false, &p), 0);
	ck_assert_int_eq(p.len, 128);
	ck_assert_int_eq(ip_prefix_parse("10.0.0.1/33", true, &p), -EINVAL);
	ck_assert_int_eq(ip_prefix_parse("fd00::1/129", true, &p), -EINVAL);
	ck_assert_int_eq(ip_prefix_parse("10.0.0.1/", true, &p), -EINVAL);
	ck_assert_int_eq(ip_prefix_parse("10.0.0.1/-1", true, &p), -EINVAL);
	ck_assert_int_eq(ip_prefix_parse("10.0.0.1/2x", true, &p), -EINVAL);
	ck_assert_int_eq(ip_prefix_parse("10.0.0.1/0", true, &p), 0);
}
END_TEST

START_TEST(compare)
{
	struct ip_addr a = A("10.0.0.1"), b = A("10.0.0.2"), c = A("::1");
	ck_assert_int_lt(ip_addr_cmp(&a, &b), 0);
	ck_assert_int_gt(ip_addr_cmp(&b, &a), 0);
	ck_assert_int_eq(ip_addr_cmp(&a, &a), 0);
	ck_assert_int_lt(ip_addr_cmp(&a, &c), 0); /* IPv4 sorts first */
	struct ip_addr x = A("9.255.255.255"), y = A("10.0.0.0");
	ck_assert_int_lt(ip_addr_cmp(&x, &y), 0);
}
END_TEST

START_TEST(add_v4)
{
	struct ip_addr a = A("192.168.1.1"), r;
	ck_assert_int_eq(ip_addr_add(&a, 0, &r), 0);
	ck_assert_str_eq(fmt(&r), "192.168.1.1");
	ck_assert_int_eq(ip_addr_add(&a, 3, &r), 0);
	ck_assert_str_eq(fmt(&r), "192.168.1.4");
	ck_assert_int_eq(ip_addr_add(&a, 255, &r), 0); /* carry into the third octet */
	ck_assert_str_eq(fmt(&r), "192.168.2.0");
	ck_assert_int_eq(ip_addr_add(&a, 65536 * 3 + 2, &r), 0);
	ck_assert_str_eq(fmt(&r), "192.171.1.3");
	struct ip_addr top = A("255.255.255.254");
	ck_assert_int_eq(ip_addr_add(&top, 1, &r), 0);
	ck_assert_str_eq(fmt(&r), "255.255.255.255");
	r = a;
	ck_assert_int_eq(ip_addr_add(&top, 2, &r), -ERANGE);
	ck_assert_str_eq(fmt(&r), "192.168.1.1"); /* untouched on error */
	ck_assert_int_eq(ip_addr_add(&a, 1ull << 32, &r), -ERANGE);
	ck_assert_int_eq(ip_addr_add(&a, UINT64_MAX, &r), -ERANGE);
}
END_TEST

START_TEST(add_v6)
{
	struct ip_addr a = A("fd00:99::ffff"), r;
	ck_assert_int_eq(ip_addr_add(&a, 1, &r), 0);
	ck_assert_str_eq(fmt(&r), "fd00:99::1:0");
	struct ip_addr b = A("2001:db8::ffff:ffff:ffff:ffff");
	ck_assert_int_eq(ip_addr_add(&b, 1, &r), 0); /* carry past 64 bits */
	ck_assert_str_eq(fmt(&r), "2001:db8:0:1::");
	ck_assert_int_eq(ip_addr_add(&b, UINT64_MAX, &r), 0);
	ck_assert_str_eq(fmt(&r), "2001:db8:0:1:ffff:ffff:ffff:fffe");
	struct ip_addr top = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0");
	ck_assert_int_eq(ip_addr_add(&top, 15, &r), 0);
	ck_assert_int_eq(ip_addr_add(&top, 16, &r), -ERANGE);
}
END_TEST

START_TEST(diff)
{
	struct ip_addr a = A("10.0.0.1"), b = A("10.0.1.0"), c = A("::1");
	uint64_t d;
	ck_assert_int_eq(ip_addr_diff(&a, &b, &d), 0);
	ck_assert_uint_eq(d, 255);
	ck_assert_int_eq(ip_addr_diff(&b, &a, &d), -ERANGE);
	ck_assert_int_eq(ip_addr_diff(&a, &c, &d), -ERANGE);
	struct ip_addr x = A("2001:db8::"), y = A("2001:db8::1:0:0:0"), z = A("2001:db9::");
	ck_assert_int_eq(ip_addr_diff(&x, &y, &d), 0);
	ck_assert_uint_eq(d, 1ull << 48);
	ck_assert_int_eq(ip_addr_diff(&x, &z, &d), -ERANGE); /* 2^80: too far */
}
END_TEST

START_TEST(prefix_maths)
{
	struct ip_prefix p;
	struct ip_addr first, last;
	ck_assert_int_eq(ip_prefix_parse("192.168.1.77/26", true, &p), 0);
	ip_prefix_first(&p, &first);
	ip_prefix_last(&p, &last);
	ck_assert_str_eq(fmt(&first), "192.168.1.64");
	ck_assert_str_eq(fmt(&last), "192.168.1.127");
	ck_assert_uint_eq(ip_prefix_room(&p), 51); /* .77 .. .127 */
	struct ip_addr in = A("192.168.1.64"), out = A("192.168.1.128"), v6 = A("::1");
	ck_assert(ip_prefix_contains(&p, &in));
	ck_assert(!ip_prefix_contains(&p, &out));
	ck_assert(!ip_prefix_contains(&p, &v6));

	ck_assert_int_eq(ip_prefix_parse("10.1.2.3/0", true, &p), 0);
	ip_prefix_first(&p, &first);
	ck_assert_str_eq(fmt(&first), "0.0.0.0");
	ck_assert_uint_eq(ip_prefix_room(&p), 4294967296ull - 0x0a010203);
	ck_assert_int_eq(ip_prefix_parse("10.1.2.3/32", true, &p), 0);
	ck_assert_uint_eq(ip_prefix_room(&p), 1);

	ck_assert_int_eq(ip_prefix_parse("2001:db8::fff0/124", true, &p), 0);
	ck_assert_uint_eq(ip_prefix_room(&p), 16);
	ip_prefix_last(&p, &last);
	ck_assert_str_eq(fmt(&last), "2001:db8::ffff");
	ck_assert_int_eq(ip_prefix_parse("2001:db8::1/64", true, &p), 0);
	ck_assert_uint_eq(ip_prefix_room(&p), UINT64_MAX); /* 2^64 - 1: saturated */
	ck_assert_int_eq(ip_prefix_parse("2001:db8::/48", true, &p), 0);
	ck_assert_uint_eq(ip_prefix_room(&p), UINT64_MAX);
	ck_assert_int_eq(ip_prefix_parse("2001:db8::/65", true, &p), 0);
	ck_assert_uint_eq(ip_prefix_room(&p), 1ull << 63);
}
END_TEST

/* The blocks of a cover: contiguous from `first`, aligned, `count` in
 * total, and no two neighbours that could merge into one (so minimal). */
static int check_cover(const char *first, uint64_t count, struct ip_prefix *out)
{
	struct ip_addr at = A(first);
	int n = ip_range_cidrs(&at, count, out, IP_RANGE_MAX_CIDRS);
	uint64_t total = 0;
	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		unsigned host = ip_addr_bits(&at) - out[i].len;
		struct ip_addr net;
		ck_assert_msg(ip_addr_cmp(&out[i].addr, &at) == 0, "%s: block %d not contiguous",
			      first, i);
		ip_prefix_first(&out[i], &net);
		ck_assert_msg(ip_addr_cmp(&net, &at) == 0, "%s: block %d not aligned", first, i);
		ck_assert_uint_lt(host, 64);
		total += (uint64_t)1 << host;
		if (i > 0 && out[i].len == out[i - 1].len) {
			struct ip_prefix both = { .addr = out[i - 1].addr, .len = out[i].len - 1 };
			ip_prefix_first(&both, &net);
			ck_assert_msg(ip_addr_cmp(&net, &out[i - 1].addr) != 0,
				      "%s: blocks %d and %d merge", first, i - 1, i);
		}
		if (i + 1 < n)
			ck_assert_int_eq(ip_addr_add(&at, (uint64_t)1 << host, &at), 0);
	}
	ck_assert_uint_eq(total, count);
	return n;
}

static const char *pfmt(const struct ip_prefix *p)
{
	static char buf[IP_PREFIX_STRLEN];
	return ip_prefix_format(p, buf, sizeof(buf));
}

START_TEST(range_cidrs)
{
	struct ip_prefix out[IP_RANGE_MAX_CIDRS];
	struct ip_addr a;

	ck_assert_int_eq(check_cover("10.0.0.1", 1, out), 1);
	ck_assert_str_eq(pfmt(&out[0]), "10.0.0.1/32");
	ck_assert_int_eq(check_cover("10.0.0.0", 256, out), 1);
	ck_assert_str_eq(pfmt(&out[0]), "10.0.0.0/24");
	/* .1 to .254 of a /24: the gateway's .254 neighbours stay out. */
	ck_assert_int_eq(check_cover("10.0.0.1", 253, out), 13);
	ck_assert_str_eq(pfmt(&out[0]), "10.0.0.1/32");
	ck_assert_str_eq(pfmt(&out[7]), "10.0.0.128/26");
	ck_assert_str_eq(pfmt(&out[12]), "10.0.0.252/31");
	/* The client's usual shape: 100,000 from x.x.0.1. */
	ck_assert_int_eq(check_cover("10.1.0.1", 100000, out), 22);
	ck_assert_str_eq(pfmt(&out[0]), "10.1.0.1/32");
	ck_assert_str_eq(pfmt(&out[21]), "10.2.134.160/32");
	check_cover("10.1.0.2", 99999, out);
	check_cover("10.255.255.255", 3, out);     /* crosses a /8 */
	/* The ends of the family. */
	ck_assert_int_eq(check_cover("255.255.255.255", 1, out), 1);
	ck_assert_str_eq(pfmt(&out[0]), "255.255.255.255/32");
	ck_assert_int_eq(check_cover("255.255.255.0", 256, out), 1);
	ck_assert_int_eq(check_cover("0.0.0.0", (uint64_t)1 << 32, out), 1);
	ck_assert_str_eq(pfmt(&out[0]), "0.0.0.0/0");
	ck_assert_int_eq(check_cover("0.0.0.1", ((uint64_t)1 << 32) - 1, out), 32);
	ck_assert_int_eq(check_cover("0.0.0.1", ((uint64_t)1 << 32) - 2, out), 62);
	a = A("255.255.255.255");
	ck_assert_int_eq(ip_range_cidrs(&a, 2, out, IP_RANGE_MAX_CIDRS), -ERANGE);
	a = A("10.0.0.1");
	ck_assert_int_eq(ip_range_cidrs(&a, 0, out, IP_RANGE_MAX_CIDRS), -ERANGE);
	ck_assert_int_eq(ip_range_cidrs(&a, 3, out, 1), -ENOSPC);
	ck_assert_int_eq(ip_range_cidrs(&a, 3, out, 2), 2);
	struct ip_addr unset = { 0 };
	ck_assert_int_eq(ip_range_cidrs(&unset, 1, out, IP_RANGE_MAX_CIDRS), -ERANGE);

	/* IPv6. */
	ck_assert_int_eq(check_cover("2001:db8::1", 100000, out), 22);
	ck_assert_str_eq(pfmt(&out[21]), "2001:db8::1:86a0/128");
	ck_assert_str_eq(pfmt(&out[0]), "2001:db8::1/128");
	ck_assert_int_eq(check_cover("2001:db8::", (uint64_t)1 << 63, out), 1);
	ck_assert_str_eq(pfmt(&out[0]), "2001:db8::/65");
	ck_assert_int_eq(check_cover("2001:db8::1", UINT64_MAX, out), 64);
	ck_assert_str_eq(pfmt(&out[63]), "2001:db8:0:0:8000::/65");
	ck_assert_int_eq(check_cover("2001:db8::ffff:ffff:ffff:ffff", 2, out), 2);
	ck_assert_str_eq(pfmt(&out[1]), "2001:db8:0:1::/128");
	ck_assert_int_eq(check_cover("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, out), 1);
	ck_assert_str_eq(pfmt(&out[0]), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	ck_assert_int_eq(ip_range_cidrs(&a, 3, out, IP_RANGE_MAX_CIDRS), -ERANGE);
	ck_assert_int_eq(ip_range_cidrs(&a, 2, out, IP_RANGE_MAX_CIDRS), 1);
	ck_assert_str_eq(pfmt(&out[0]), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
}
END_TEST

static Suite *ipaddr_suite(void)
{
	Suite *s = suite_create("ipaddr");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, parse_and_format);
	tcase_add_test(tc, prefixes);
	tcase_add_test(tc, compare);
	tcase_add_test(tc, add_v4);
	tcase_add_test(tc, add_v6);
	tcase_add_test(tc, diff);
	tcase_add_test(tc, prefix_maths);
	tcase_add_test(tc, range_cidrs);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(ipaddr_suite)
