/* The MOBIKE address watch's limit (worker/mobike_addrmon.h): the first
 * MOBIKE_ADDRMON_TRACKED addresses of a list are tracked; one past it that
 * leaves is an error line in the log, not silence. */
#include <stdio.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/mobike.h"
#include "worker/mobike_addrmon.h"

/* 40 own addresses per tunnel (10.1.0.2 .. 10.1.0.41), 40 on the gateway
 * (10.99.0.1 .. 10.99.0.40). */
static const char client_yaml[] =
	"role: client\nnumberoftunnels: 1\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\ntunnelmaxretry: 0\nmobike: true\n"
	"mobikeaddrpertunnel: 40\nmobikeiplifetime: 1h\n"
	"ikeconf:\n  psk: secret\n  retraninterval: 1s\n  maxretran: 2\n";
static const char gateway_yaml[] =
	"role: gateway\nnumberoftunnels: 1\nbindifname: vgw\nbindifaddr: 10.99.0.1/24\n"
	"mobike: true\nmobikeaddrpergw: 40\n"
	"ikeconf:\n  psk: secret\n  retraninterval: 1s\n  maxretran: 2\n";

static char *cl_log, *gw_log;
static size_t cl_len, gw_len;
static FILE *cf, *gf;

static void setup(void)
{
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	load(&C, client_yaml);
	load(&G, gateway_yaml);
	cf = open_memstream(&cl_log, &cl_len);
	gf = open_memstream(&gw_log, &gw_len);
	start_side_log(&C, 1, cf, 2);
	start_side_log(&G, 2, gf, 2);
}

static void teardown(void)
{
	sides_fini();
	fclose(cf);
	fclose(gf);
	free(cl_log);
	free(gw_log);
}

static struct ip_addr A(const char *s)
{
	struct ip_addr a;
	ck_assert_int_eq(ip_addr_parse(s, &a), 0);
	return a;
}

START_TEST(past_the_limit_is_an_error)
{
	ck_assert_uint_eq(mobike_addrmon_list_len(&C.e), 40);
	ck_assert_uint_eq(mobike_addrmon_list_len(&G.e), 40);
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	struct ip_addr in = A("10.1.0.5"), past = A("10.1.0.37"); /* index 3, 35 */
	/* index 35: not tracked, and said so */
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &past), 0);
	fflush(cf);
	ck_assert_ptr_nonnull(strstr(cl_log, "ERROR w1 t0 mobike.addr.untracked own=10.1.0.37 "
				     "index=35 event=deleted"));
	/* index 3: tracked (the peer gets the new list) */
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &in), 1);
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &in), 0);
	fflush(cf);
	ck_assert_ptr_null(strstr(cl_log, "own=10.1.0.5 index"));
	/* the gateway's address index 35 and index 2 */
	struct ip_addr g35 = A("10.99.0.36"), g2 = A("10.99.0.3");
	ck_assert_int_eq(mobike_addr_event(&G.e, &g35, true), 0);
	fflush(gf);
	ck_assert_ptr_nonnull(strstr(gw_log, "ERROR w2 t- mobike.addr.untracked own=10.99.0.36 "
				     "index=35 event=deleted"));
	ck_assert_uint_eq(G.e.mobike_gw_gone, 0);
	ck_assert_int_eq(mobike_addr_event(&G.e, &g2, true), 0); /* tracked, not in use */
	ck_assert_uint_eq(G.e.mobike_gw_gone, 1u << 2);
}
END_TEST

static Suite *addrmon_limit_suite(void)
{
	Suite *s = suite_create("addrmon_limit");
	TCase *tc = tcase_create("limit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, past_the_limit_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(addrmon_limit_suite)
