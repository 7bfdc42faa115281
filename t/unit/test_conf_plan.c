/* The address plan: tunnel addresses (IPv4, IPv6, prefix end), gateway
 * addresses and worker slices. */
#include <errno.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "conf/conf.h"
#include "conf/plan.h"

static const char *fmt(const struct ip_addr *a)
{
	static char buf[IP_ADDR_STRLEN];
	return ip_addr_format(a, buf, sizeof(buf));
}

static void client(struct config *c, const char *start, unsigned n, bool mobike, unsigned k)
{
	config_defaults(c);
	ck_assert_int_eq(ip_prefix_parse(start, true, &c->startclntaddr), 0);
	c->numberoftunnels = n;
	c->mobike = mobike;
	c->mobikeaddrpertunnel = k;
}

START_TEST(issue_example_v4)
{
	/* startclntaddr 192.168.1.1/24, K = 3: tunnel 0 .1-.3, tunnel 1 .4-.6 */
	struct config c;
	struct ip_addr a;
	client(&c, "192.168.1.1/24", 10, true, 3);
	ck_assert_uint_eq(plan_addrs_per_tunnel(&c), 3);
	static const char *const want[2][3] = {
		{ "192.168.1.1", "192.168.1.2", "192.168.1.3" },
		{ "192.168.1.4", "192.168.1.5", "192.168.1.6" },
	};
	for (unsigned t = 0; t < 2; t++)
		for (unsigned k = 0; k < 3; k++) {
			ck_assert_int_eq(plan_tunnel_addr(&c, t, k, &a), 0);
			ck_assert_str_eq(fmt(&a), want[t][k]);
		}
	ck_assert_int_eq(plan_tunnel_addr(&c, 9, 2, &a), 0);
	ck_assert_str_eq(fmt(&a), "192.168.1.30");
	ck_assert_int_eq(plan_tunnel_addr(&c, 10, 0, &a), -EINVAL); /* no tunnel 10 */
	ck_assert_int_eq(plan_tunnel_addr(&c, 0, 3, &a), -EINVAL);  /* k >= K */
	config_free(&c);
}
END_TEST

START_TEST(without_mobike_one_address)
{
	struct config c;
	struct ip_addr a;
	client(&c, "10.1.0.250/16", 100, false, 3);
	ck_assert_uint_eq(plan_addrs_per_tunnel(&c), 1);
	ck_assert_int_eq(plan_tunnel_addr(&c, 10, 0, &a), 0);
	ck_assert_str_eq(fmt(&a), "10.1.1.4"); /* carries into the next octet */
	ck_assert_int_eq(plan_tunnel_addr(&c, 10, 1, &a), -EINVAL);
	config_free(&c);
}
END_TEST

START_TEST(v6)
{
	struct config c;
	struct ip_addr a;
	client(&c, "fd00:99::fffe/64", 1000, true, 2);
	ck_assert_int_eq(plan_tunnel_addr(&c, 0, 1, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00:99::ffff");
	ck_assert_int_eq(plan_tunnel_addr(&c, 1, 0, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00:99::1:0");
	ck_assert_int_eq(plan_tunnel_addr(&c, 999, 1, &a), 0);
	ck_assert_str_eq(fmt(&a), "fd00:99::1:7cd");
	config_free(&c);
}
END_TEST

START_TEST(prefix_end)
{
	/* .250/24 with K = 2: tunnels 0-2 fit (.250-.255), tunnel 3 does not. */
	struct config c;
	struct ip_addr a;
	client(&c, "10.0.0.250/24", 4, true, 2);
	ck_assert_int_eq(plan_tunnel_addr(&c, 2, 1, &a), 0);
	ck_assert_str_eq(fmt(&a), "10.0.0.255");
	ck_assert_int_eq(plan_tunnel_addr(&c, 3, 0, &a), -ERANGE);
	config_free(&c);

	client(&c, "2001:db8::fff0/124", 17, false, 1);
	ck_assert_int_eq(plan_tunnel_addr(&c, 15, 0, &a), 0);
	ck_assert_str_eq(fmt(&a), "2001:db8::ffff");
	ck_assert_int_eq(plan_tunnel_addr(&c, 16, 0, &a), -ERANGE);
	config_free(&c);

	/* The validator refuses the same setups, so the engine never sees them. */
	struct config cfg;
	struct conf_diag d = { 0 };
	const char *text = "startclntaddr: 10.0.0.250/24\npeeraddr: 10.0.0.1\nbindifname: x\n"
			   "numberoftunnels: 4\nmobike: true\nikeconf: {psk: x}\n";
	ck_assert_int_eq(conf_load_string("p.yaml", text, strlen(text), &cfg, &d), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_ptr_nonnull(strstr(d.msgs[0].text, "room for 6 (10.0.0.250 to 10.0.0.255)"));
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(gateway_addresses)
{
	struct config c;
	struct ip_addr a;
	config_defaults(&c);
	c.role = ROLE_GATEWAY;
	ck_assert_int_eq(plan_gw_addr(&c, 0, &a), -EINVAL); /* no bindifaddr */
	ck_assert_int_eq(ip_prefix_parse("10.99.0.1/24", false, &c.bindifaddr), 0);
	ck_assert_uint_eq(plan_gw_addrs(&c), 1);
	ck_assert_int_eq(plan_gw_addr(&c, 0, &a), 0);
	ck_assert_str_eq(fmt(&a), "10.99.0.1");
	ck_assert_int_eq(plan_gw_addr(&c, 1, &a), -EINVAL);
	c.mobike = true;
	c.mobikeaddrpergw = 3;
	ck_assert_int_eq(plan_gw_addr(&c, 2, &a), 0);
	ck_assert_str_eq(fmt(&a), "10.99.0.3");
	ck_assert_int_eq(plan_gw_addr(&c, 3, &a), -EINVAL);
	config_free(&c);
}
END_TEST

START_TEST(worker_slices)
{
	/* Every split covers [0, n) exactly once, in order, sizes within one. */
	static const unsigned ns[] = { 0, 1, 2, 7, 10, 100, 100001 };
	static const unsigned ws[] = { 1, 2, 3, 8, 64 };
	for (unsigned i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (unsigned j = 0; j < sizeof(ws) / sizeof(ws[0]); j++) {
			unsigned n = ns[i], w = ws[j], next = 0, lo = ~0u, hi = 0;
			for (unsigned k = 0; k < w; k++) {
				unsigned first, count;
				plan_worker_slice(n, w, k, &first, &count);
				ck_assert_uint_eq(first, next);
				next += count;
				lo = count < lo ? count : lo;
				hi = count > hi ? count : hi;
			}
			ck_assert_uint_eq(next, n);
			ck_assert_uint_le(hi - lo, 1);
		}
	unsigned first, count;
	plan_worker_slice(10, 3, 0, &first, &count);
	ck_assert_uint_eq(first, 0);
	ck_assert_uint_eq(count, 4);
	plan_worker_slice(10, 3, 2, &first, &count);
	ck_assert_uint_eq(first, 7);
	ck_assert_uint_eq(count, 3);
	plan_worker_slice(10, 3, 3, &first, &count); /* no such worker */
	ck_assert_uint_eq(count, 0);
}
END_TEST

START_TEST(worker_count)
{
	struct config c;
	config_defaults(&c);
	c.workers = 4;
	c.numberoftunnels = 2;
	ck_assert_uint_eq(plan_workers(&c), 2); /* a client: no idle workers */
	c.role = ROLE_GATEWAY;
	ck_assert_uint_eq(plan_workers(&c), 4);
	c.workers = 0;
	ck_assert_uint_ge(plan_workers(&c), 1);
	config_free(&c);
}
END_TEST

START_TEST(selectors_per_tunnel)
{
	struct config c;
	struct conf_ts ts = { .type = TS_V4, .endport = 65535 }, out;
	config_defaults(&c);
	c.owntsaddrincrease = 3;
	ip_addr_parse("192.168.1.1", &ts.startaddr);
	ip_addr_parse("192.168.1.1", &ts.endaddr);
	/* MyIKEv2's example: step 3 gives tunnel 1 192.168.1.4-192.168.1.4 */
	ck_assert_int_eq(plan_tunnel_ts(&c, 1, true, &ts, &out), 0);
	ck_assert_str_eq(fmt(&out.startaddr), "192.168.1.4");
	ck_assert_str_eq(fmt(&out.endaddr), "192.168.1.4");
	ck_assert_int_eq(plan_tunnel_ts(&c, 0, true, &ts, &out), 0);
	ck_assert_str_eq(fmt(&out.startaddr), "192.168.1.1");
	/* peer step is the default 1 */
	ck_assert_int_eq(plan_tunnel_ts(&c, 5, false, &ts, &out), 0);
	ck_assert_str_eq(fmt(&out.endaddr), "192.168.1.6");
	/* the default 0.0.0.0-255.255.255.255 is "any" and never moves */
	const struct conf_ts *any = &c.ikeconf.childlist[0].peerts[0];
	ck_assert(plan_ts_is_any(any));
	ck_assert_int_eq(plan_tunnel_ts(&c, 1000, false, any, &out), 0);
	ck_assert_str_eq(fmt(&out.endaddr), "255.255.255.255");
	ip_addr_parse("255.255.255.250", &ts.endaddr);
	ck_assert(!plan_ts_is_any(&ts));
	ck_assert_int_eq(plan_tunnel_ts(&c, 2, true, &ts, &out), -ERANGE);
	c.role = ROLE_GATEWAY; /* gateways keep the configured selectors */
	ck_assert_int_eq(plan_tunnel_ts(&c, 2, true, &ts, &out), 0);
	ck_assert_str_eq(fmt(&out.endaddr), "255.255.255.250");
	config_free(&c);

	struct config cfg;
	struct conf_diag d = { 0 };
	const char *text = "startclntaddr: 10.0.0.1/16\npeeraddr: 10.0.0.1\nbindifname: x\n"
			   "numberoftunnels: 300\npeertsaddrincrease: 1\nikeconf:\n  psk: x\n"
			   "  childlist:\n  - peerts:\n    - startaddr: 10.9.255.0\n"
			   "      endaddr: 255.255.255.0\n";
	ck_assert_int_eq(conf_load_string("ts.yaml", text, strlen(text), &cfg, &d), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_str_eq(d.msgs[0].text, "ts.yaml:5:1: peertsaddrincrease: tunnel 299 would move "
			 "ikeconf.childlist[0].peerts[0] past the last address");
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

/* clntaddrmode: auto is interface up to PLAN_CLNTADDR_IFACE_MAX addresses
 * (tunnels x addresses per tunnel), route above; the others as set. */
START_TEST(addr_mode)
{
	struct config c;
	client(&c, "10.1.0.1/14", PLAN_CLNTADDR_IFACE_MAX, false, 3);
	ck_assert_uint_eq(plan_client_addrs(&c), PLAN_CLNTADDR_IFACE_MAX);
	ck_assert(!plan_clntaddr_route(&c));
	c.numberoftunnels = PLAN_CLNTADDR_IFACE_MAX + 1;
	ck_assert(plan_clntaddr_route(&c));
	c.mobike = true; /* 3 addresses per tunnel */
	c.numberoftunnels = PLAN_CLNTADDR_IFACE_MAX / 3;
	ck_assert(!plan_clntaddr_route(&c));
	c.numberoftunnels++;
	ck_assert_uint_eq(plan_client_addrs(&c), (PLAN_CLNTADDR_IFACE_MAX / 3 + 1) * 3);
	ck_assert(plan_clntaddr_route(&c));
	c.clntaddrmode = CLNTADDR_INTERFACE;
	c.numberoftunnels = 100000;
	ck_assert(!plan_clntaddr_route(&c));
	c.clntaddrmode = CLNTADDR_ROUTE;
	c.numberoftunnels = 1;
	ck_assert(plan_clntaddr_route(&c));
	config_free(&c);
}
END_TEST

static Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, issue_example_v4);
	tcase_add_test(tc, without_mobike_one_address);
	tcase_add_test(tc, v6);
	tcase_add_test(tc, prefix_end);
	tcase_add_test(tc, gateway_addresses);
	tcase_add_test(tc, worker_slices);
	tcase_add_test(tc, worker_count);
	tcase_add_test(tc, selectors_per_tunnel);
	tcase_add_test(tc, addr_mode);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(plan_suite)
