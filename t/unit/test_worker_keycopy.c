/* What dump/dumpchild show: both ends of one exchange keep the same copy of
 * the IKE SA's SK_e/SK_a and the CHILD SA's ESP keys (ike_sa.h
 * sa_keycopy); and a gateway worker numbers its peers from its own range. */
#include <stdlib.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/engine.h"

static const char client_yaml[] =
	"role: client\nnumberoftunnels: 2\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\nsetupinterval: 10ms\n"
	"tunnelmaxretry: 0\nikeconf:\n  psk: secret\n";
static const char gateway_yaml[] =
	"role: gateway\nnumberoftunnels: 2\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"
	"ikeconf:\n  psk: secret\n";

static void setup(void)
{
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	load(&C, client_yaml);
	load(&G, gateway_yaml);
	start_side_log(&C, 1, NULL, 2);
	start_side_log(&G, 3, NULL, 2);
}

static void teardown(void)
{
	sides_fini();
}

static void same_keys(const struct sa_keycopy *a, const struct sa_keycopy *b, size_t ek,
		      size_t ak)
{
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(a->ek_len, ek);
	ck_assert_uint_eq(a->ak_len, ak);
	ck_assert_uint_eq(b->ek_len, ek);
	ck_assert_uint_eq(b->ak_len, ak);
	ck_assert_mem_eq(a->b, b->b, 2 * (ek + ak));
	/* the two directions differ */
	ck_assert(memcmp(a->b, a->b + ek, ek) != 0);
}

START_TEST(both_ends_keep_the_same_keys)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	struct ikesa *sa = C.e.tunnels[0].sa;
	struct ikesa *gsa = spi_map_get(&G.e.sas, sa->spi_r);
	ck_assert_ptr_nonnull(gsa);
	/* default proposal: AES-CBC-128, HMAC-SHA2-256-128 (32-byte keys) */
	same_keys(sa->dump_keys, gsa->dump_keys, 16, 32);
	ck_assert_ptr_nonnull(sa->children);
	ck_assert_ptr_nonnull(gsa->children);
	same_keys(sa->children->dump_keys, gsa->children->dump_keys, 16, 32);
	/* the IKE and the ESP keys are not the same bytes */
	ck_assert(memcmp(sa->dump_keys->b, sa->children->dump_keys->b, 16) != 0);
}
END_TEST

START_TEST(gateway_tunnel_index_in_worker_range)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	ck_assert_int_eq(engine_start_tunnel(&C.e, 1), 0);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.tunnels_created, 2);
	int seen = 0;
	for (int t = 0; t < 2; t++) {
		struct ikesa *gsa = spi_map_get(&G.e.sas, C.e.tunnels[t].sa->spi_r);
		ck_assert_ptr_nonnull(gsa);
		/* worker 3: 3000000, 3000001 */
		ck_assert_int_ge(gsa->tunnel, 3000000);
		ck_assert_int_le(gsa->tunnel, 3000001);
		seen |= 1 << (gsa->tunnel - 3000000);
	}
	ck_assert_int_eq(seen, 3);
	/* the client's indexes are its setup's */
	ck_assert_int_eq(C.e.tunnels[1].sa->tunnel, 1);
}
END_TEST

static Suite *keycopy_suite(void)
{
	Suite *s = suite_create("keycopy");
	TCase *tc = tcase_create("keycopy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, both_ends_keep_the_same_keys);
	tcase_add_test(tc, gateway_tunnel_index_in_worker_range);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(keycopy_suite)
