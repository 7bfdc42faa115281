/* Retransmit counting and the graceful stop, on the two-engine harness
 * (t/unit/tengine.h): a lossless exchange counts no retransmit, one lost
 * packet counts one; the stop sends its DELETEs in a window clocked by the
 * answers and counts what it sent and what was acknowledged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "proto/ike.h"
#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/engine.h"
#include "worker/task.h"

#define NTUN 300 /* more than the stop window (STOP_WINDOW, worker/engine.c: 256) */

static const char client_yaml[] =
	"role: client\nnumberoftunnels: 300\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\nsetupinterval: 10ms\n"
	"tunnelmaxretry: 0\n"
	"ikeconf:\n  psk: secret\n  dhgrpid: 31\n  retraninterval: 1s\n  maxretran: 2\n"
	"  initiatedpd: false\n";
static const char gateway_yaml[] =
	"role: gateway\nnumberoftunnels: 300\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"
	"ikeconf:\n  psk: secret\n  dhgrpid: 31\n  retraninterval: 1s\n  maxretran: 2\n"
	"  initiatedpd: false\n";

static void st_engine(struct side *s, int worker)
{
	struct engine_io io = { .send = cap_send, .keepalive = cap_keepalive, .ctx = s };
	timer_heap_init(&s->heap);
	s->n = s->sent = 0;
	ck_assert_int_eq(engine_init(&s->e, &s->cfg, worker, &io, &s->heap, NULL,
				     getenv("TEST_LOG") ? stderr : NULL, 5), 0);
	s->e.now_ns = 1000;
}

static void setup(void)
{
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	load(&C, client_yaml);
	load(&G, gateway_yaml);
	st_engine(&C, 1);
	st_engine(&G, 2);
}

static void teardown(void)
{
	engine_fini(&C.e);
	engine_fini(&G.e);
	timer_heap_free(&C.heap);
	timer_heap_free(&G.heap);
	config_free(&C.cfg);
	config_free(&G.cfg);
}

static void up(int n)
{
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(engine_start_tunnel(&C.e, i), 0);
		te_pump(100000);
	}
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], n);
	ck_assert_int_eq(G.e.cnt.state[IKE_S_ESTABLISHED], n);
}

START_TEST(lossless_counts_no_retransmit)
{
	up(1);
	/* Time passes, well beyond retraninterval: nothing is outstanding. */
	advance(5 * NS_PER_SEC);
	ck_assert_int_eq(C.n + G.n, 0);
	ck_assert_int_eq(C.e.cnt.retransmits, 0);
	ck_assert_int_eq(G.e.cnt.retransmits, 0);
	engine_stop(&C.e);
	te_pump(100000);
	advance(5 * NS_PER_SEC);
	ck_assert(C.e.done);
	ck_assert_int_eq(C.e.cnt.retransmits, 0);
	ck_assert_int_eq(C.e.cnt.deletes_sent, 1);
	ck_assert_int_eq(C.e.cnt.deletes_acked, 1);
	ck_assert_int_eq(G.e.cnt.live, 0);
}
END_TEST

/* One lost packet of each exchange (IKE_SA_INIT response, IKE_AUTH
 * request, the DELETE's answer): one retransmit each, no more. */
START_TEST(lost_packet_counts_one_retransmit)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_deliver(&C, &G, 0);          /* IKE_SA_INIT request */
	ck_assert_int_eq(G.n, 1);
	te_drop(&G, 0);                 /* its response is lost */
	advance(999 * NS_PER_MS);
	ck_assert_int_eq(C.n, 0);       /* not before retraninterval */
	ck_assert_int_eq(C.e.cnt.retransmits, 0);
	advance(1 * NS_PER_MS);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(C.e.cnt.retransmits, 1);
	te_deliver(&C, &G, 0);          /* answered from the gateway's cache */
	te_deliver(&G, &C, 0);
	ck_assert_int_eq(C.n, 1);       /* IKE_AUTH request */
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_AUTH);
	te_drop(&C, 0);                 /* lost */
	ck_assert_int_eq(C.e.cnt.retransmits, 1);
	advance(NS_PER_SEC);
	ck_assert_int_eq(C.e.cnt.retransmits, 2);
	te_pump(100000);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
	advance(5 * NS_PER_SEC);
	ck_assert_int_eq(C.e.cnt.retransmits, 2);

	engine_stop(&C.e);
	ck_assert_int_eq(C.n, 1);
	te_drop(&C, 0);                 /* the DELETE is lost */
	advance(NS_PER_SEC);
	ck_assert_int_eq(C.e.cnt.retransmits, 3);
	te_pump(100000);
	ck_assert(C.e.done);
	ck_assert_int_eq(C.e.cnt.deletes_sent, 1);
	ck_assert_int_eq(C.e.cnt.deletes_acked, 1);
	ck_assert_int_eq(G.e.cnt.retransmits, 0);
}
END_TEST

/* NTUN SAs: the stop sends at most the window at once; each answer lets
 * one more go; all are deleted and acknowledged. */
START_TEST(stop_window_clocked_by_answers)
{
	up(NTUN);
	unsigned before = C.sent;
	engine_stop(&C.e);
	unsigned burst = C.sent - before;
	ck_assert_uint_eq(burst, 256);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_CLOSING], 256);
	ck_assert_int_eq(C.e.cnt.deletes_sent, 256);
	/* The harness keeps QMAX of them; the rest are "lost on the wire". */
	unsigned lost = burst - C.n;
	ck_assert_uint_eq(C.n, QMAX);
	/* One answer: one more DELETE. */
	te_deliver(&C, &G, 0);
	te_deliver(&G, &C, 0);
	ck_assert_int_eq(C.e.cnt.deletes_acked, 1);
	ck_assert_int_eq(C.e.cnt.deletes_sent, 257);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_CLOSING], 256);
	te_pump(100000);
	/* The lost ones come back after retraninterval (QMAX of them get
	 * through each time: enough tries for all). */
	C.cfg.ikeconf.maxretran = 10;
	for (int i = 0; i < 10 && !C.e.done; i++) {
		advance(NS_PER_SEC);
		te_pump(100000);
	}
	ck_assert(C.e.done);
	ck_assert_int_eq(C.e.cnt.live, 0);
	ck_assert_int_eq(G.e.cnt.live, 0);
	ck_assert_int_eq(C.e.cnt.deletes_sent, NTUN);
	ck_assert_int_eq(C.e.cnt.deletes_acked, NTUN);
	/* Every send beyond a DELETE's first is a retransmit, and counted. */
	ck_assert_uint_eq(C.e.cnt.retransmits, C.sent - before - NTUN);
	ck_assert_uint_ge(C.e.cnt.retransmits, lost);
}
END_TEST

static Suite *stop_suite(void)
{
	Suite *s = suite_create("worker_stop");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lossless_counts_no_retransmit);
	tcase_add_test(tc, lost_packet_counts_one_retransmit);
	tcase_add_test(tc, stop_window_clocked_by_answers);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(stop_suite)
