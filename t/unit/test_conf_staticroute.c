/* conf/staticroute: "ip route replace ..." commands into routes, and the
 * words it refuses. */
#include <errno.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "conf/staticroute.h"

static struct conf_route r[CONF_ROUTES_MAX];
static char why[200];

static int parse(const char *s)
{
	why[0] = 0;
	return conf_staticroute_parse(s, r, CONF_ROUTES_MAX, why, sizeof(why));
}

static const char *dst(const struct conf_route *x)
{
	static char buf[IP_PREFIX_STRLEN];
	return ip_prefix_format(&x->dst, buf, sizeof(buf));
}

static const char *via(const struct conf_route *x)
{
	static char buf[IP_ADDR_STRLEN];
	return ip_addr_format(&x->via, buf, sizeof(buf));
}

START_TEST(empty_and_blank)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert_int_eq(parse(NULL), 0);
	ck_assert_int_eq(parse("  ;\n ; "), 0);
}
END_TEST

START_TEST(myikev2_forms)
{
	ck_assert_int_eq(parse("ip route replace 10.2.0.0/16 via 10.99.0.1"), 1);
	ck_assert_str_eq(dst(&r[0]), "10.2.0.0/16");
	ck_assert_str_eq(via(&r[0]), "10.99.0.1");
	ck_assert_str_eq(r[0].dev, "");
	ck_assert_uint_eq(r[0].table, 0);
	ck_assert_uint_eq(r[0].metric, 0);

	ck_assert_int_eq(parse("ip -6 route replace default dev veth1 table 100 metric 5; "
			       "ip route add 192.0.2.7 dev eth0\n"
			       "replace 198.51.100.0/24 via 192.0.2.1 dev eth0 table main "
			       "preference 9"), 3);
	ck_assert_str_eq(dst(&r[0]), "::/0");
	ck_assert_str_eq(r[0].dev, "veth1");
	ck_assert_uint_eq(r[0].table, 100);
	ck_assert_uint_eq(r[0].metric, 5);
	ck_assert_str_eq(dst(&r[1]), "192.0.2.7/32"); /* a bare address is a host route */
	ck_assert_str_eq(r[1].dev, "eth0");
	ck_assert_str_eq(dst(&r[2]), "198.51.100.0/24");
	ck_assert_uint_eq(r[2].table, 0);
	ck_assert_uint_eq(r[2].metric, 9);

	ck_assert_int_eq(parse("ip route replace default via 10.0.0.1"), 1);
	ck_assert_str_eq(dst(&r[0]), "0.0.0.0/0");
	ck_assert_int_eq(parse("ip -6 r replace 2001:db8::/32 via fe80::1 dev v0"), 1);
	ck_assert_str_eq(via(&r[0]), "fe80::1");
}
END_TEST

START_TEST(refused)
{
	static const struct {
		const char *in, *says;
	} bad[] = {
		{ "ip route del 10.0.0.0/8 dev eth0", "'del'" },
		{ "ip addr add 10.0.0.1/8 dev eth0", "'addr'" },
		{ "ip route replace 10.0.0.0/8", "needs via or dev" },
		{ "ip route replace 10.0.0.0/33 dev e0", "bad destination" },
		{ "ip route replace 10.0.0.0/8 via 2001:db8::1", "different families" },
		{ "ip -4 route replace 2001:db8::/32 dev e0", "-4/-6" },
		{ "ip route replace 10.0.0.0/8 dev e0 src 10.0.0.1", "'src' is not supported" },
		{ "ip route replace 10.0.0.0/8 dev", "'dev' needs a value" },
		{ "ip route replace 10.0.0.0/8 dev e0 table local", "table 'local'" },
		{ "ip route replace 10.0.0.0/8 dev e0 table 255", "table '255'" },
		{ "ip route replace 10.0.0.0/8 dev e0 metric -1", "bad metric" },
		{ "ip route replace 10.0.0.0/8 dev e0 metric 4294967296", "bad metric" },
		{ "ip route replace 10.0.0.0/8 dev a-very-long-interface-name", "too long" },
		{ "ip route replace", "no destination" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i].in) == -EINVAL, "accepted: %s", bad[i].in);
		ck_assert_msg(strstr(why, bad[i].says) != NULL, "%s: why '%s' lacks '%s'",
			      bad[i].in, why, bad[i].says);
	}
	/* the command is named by its number */
	ck_assert_int_eq(parse("ip route replace 10.0.0.0/8 dev e0; ip route flush"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "command 2"));
	/* more commands than fit */
	char many[CONF_ROUTES_MAX * 40 + 64] = "";
	for (int i = 0; i <= CONF_ROUTES_MAX; i++)
		strcat(many, "replace 10.0.0.0/8 dev e0;");
	ck_assert_int_eq(parse(many), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "more than"));
}
END_TEST

static Suite *staticroute_suite(void)
{
	Suite *s = suite_create("staticroute");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, empty_and_blank);
	tcase_add_test(tc, myikev2_forms);
	tcase_add_test(tc, refused);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(staticroute_suite)
