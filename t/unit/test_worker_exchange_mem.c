/* Heap per IKE SA at each step of a group 14 setup (issue 9: the gateway's
 * RSS growth per tunnel with group 14 was above 4 KB).  K tunnels start at
 * once on the tengine.h harness and the heap in use (mallinfo2) is read
 * after each step: the client's SAs waiting for the IKE_SA_INIT response
 * (DH key held), the gateway's half-open SAs (DH already freed: key set,
 * both IKE_SA_INIT messages and the cached response kept for AUTH), the
 * client waiting for IKE_AUTH, then both established.  The bounds catch a
 * DH key or a message buffer kept longer than its step; the figures are
 * printed for bench/results/2026-11-27-memory-s4.md.
 *
 * Under AddressSanitizer malloc is ASan's and mallinfo2 says nothing:
 * the tests print SKIP there. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/engine.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define K 60 /* SAs in flight together (the harness queues QMAX packets) */

static const char client_fmt[] =
	"role: client\nnumberoftunnels: %d\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\nsetupinterval: 1ms\n"
	"ikeconf:\n  psk: secret\n  dhgrpid: 14\n";
static const char gateway_fmt[] =
	"role: gateway\nnumberoftunnels: %d\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"
	"ikeconf:\n  psk: secret\n  dhgrpid: 14\n";

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static long per_sa(size_t before, size_t after)
{
	return ((long)after - (long)before) / K;
}

START_TEST(group14_steps)
{
#ifdef UNDER_ASAN
	printf("SKIP group14_steps: mallinfo2 is not ASan's allocator\n");
	return;
#endif
	char cy[512], gy[512];
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	snprintf(cy, sizeof(cy), client_fmt, K + 1);
	snprintf(gy, sizeof(gy), gateway_fmt, K + 1);
	load(&C, cy);
	load(&G, gy);
	start_side_log(&C, 1, NULL, 0);
	start_side_log(&G, 2, NULL, 0);
	/* One tunnel first: OpenSSL's per-group caches are made once. */
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_pump(1 << 20);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);

	size_t h0 = heap_in_use();
	for (int i = 1; i <= K; i++)
		ck_assert_int_eq(engine_start_tunnel(&C.e, i), 0);
	ck_assert_int_eq(C.n, K);
	size_t h1 = heap_in_use();
	while (C.n)
		te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, K);
	size_t h2 = heap_in_use();
	while (G.n)
		te_deliver(&G, &C, 0);
	ck_assert_int_eq(C.n, K);
	size_t h3 = heap_in_use();
	te_pump(1 << 20);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], K + 1);
	ck_assert_int_eq(G.e.cnt.state[IKE_S_ESTABLISHED], K + 1);
	size_t h4 = heap_in_use();
	long cl_init = per_sa(h0, h1), gw_half = per_sa(h1, h2);
	long cl_auth = per_sa(h2, h3), both_up = per_sa(h0, h4);
	printf("group 14 heap per SA: client IKE_SA_INIT sent %ld B, gateway half-open +%ld B, "
	       "client after the response %+ld B, both established %ld B (two sides)\n",
	       cl_init, gw_half, cl_auth, both_up);
	/* Measured 2026-11-27 (s4): gateway half-open 3,073 B (3,530 B with
	 * the IKE_SA_INIT response kept twice: init_resp and the cache).  A
	 * kept group 14 DH key would add about 2 KB. */
	ck_assert_int_le(gw_half, 3328);
	ck_assert_int_le(both_up, 2 * 2560);
	sides_fini();
}
END_TEST

static Suite *exchange_mem_suite(void)
{
	Suite *s = suite_create("worker_exchange_mem");
	TCase *tc = tcase_create("heap");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, group14_steps);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(exchange_mem_suite)
