/* The client's setup window (worker/engine.h ENGINE_SETUP_WINDOW): with
 * setupinterval 0 a worker has at most setup_window tunnels in IKE_SA_INIT
 * or IKE_AUTH at once and starts the next as one comes up or fails; a
 * paced setup (setupinterval > 0) keeps its rate whatever the answers.
 * On the two-engine harness (t/unit/tengine.h). */
#include "conf/conf.h"
#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/engine.h"

#define NTUN 10
#define WIN 4

static const char client_fast[] =
	"role: client\nnumberoftunnels: 10\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\nsetupinterval: 0s\ntunnelmaxretry: 0\n"
	"ikeconf:\n  psk: secret\n  dhgrpid: 31\n  retraninterval: 1s\n  maxretran: 1\n"
	"  initiatedpd: false\n";
static const char client_paced[] =
	"role: client\nnumberoftunnels: 10\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\nsetupinterval: 1ms\ntunnelmaxretry: 0\n"
	"ikeconf:\n  psk: secret\n  dhgrpid: 31\n  retraninterval: 1s\n  maxretran: 1\n"
	"  initiatedpd: false\n";
static const char gateway_yaml[] =
	"role: gateway\nnumberoftunnels: 10\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"
	"ikeconf:\n  psk: secret\n  dhgrpid: 31\n  retraninterval: 1s\n  maxretran: 1\n"
	"  initiatedpd: false\n";

static void sides(const char *client)
{
	sides_start(client, gateway_yaml);
	C.e.setup_window = WIN;
	ck_assert_int_eq(engine_start(&C.e), 0);
}

static void teardown(void)
{
	sides_fini();
}

static unsigned in_setup(const struct engine *e)
{
	return (unsigned)(e->cnt.state[IKE_S_INIT] + e->cnt.state[IKE_S_CREATED]);
}

/* Unanswered: the window stops the setup at WIN, however long it waits
 * for the timer; each answered exchange lets exactly the freed slots go. */
START_TEST(window_caps_and_refills)
{
	sides(client_fast);
	for (int i = 0; i < 20; i++)
		advance(100000);
	ck_assert_uint_eq(C.sent, WIN);
	ck_assert_uint_eq(in_setup(&C.e), WIN);
	ck_assert(C.e.setup_blocked);
	/* Bring the WIN tunnels up one exchange at a time; never more than
	 * WIN setting up, and the rest follow until all are up. */
	for (int guard = 0; guard < 10000 && (C.n || G.n || C.e.next_start < NTUN); guard++) {
		if (C.n)
			te_deliver(&C, &G, 0);
		if (G.n)
			te_deliver(&G, &C, 0);
		ck_assert_uint_le(in_setup(&C.e), WIN);
		advance(1000);
	}
	te_pump(10000);
	ck_assert_int_eq(C.e.next_start, NTUN);
	ck_assert_uint_eq(C.e.cnt.state[IKE_S_ESTABLISHED], NTUN);
	ck_assert_uint_eq(C.e.cnt.tunnels_created, NTUN);
	ck_assert(!C.e.setup_blocked);
}
END_TEST

/* A failed setup frees its slot too: with every request lost, each
 * tunnel times out (maxretran 1: after two retranintervals) and the next
 * WIN start, until all were tried. */
START_TEST(failures_free_the_window)
{
	sides(client_fast);
	for (int round = 0; round < NTUN; round++) {
		advance(100000);
		if (round == 0)
			ck_assert_uint_eq(C.sent, WIN);
		while (C.n)
			te_drop(&C, 0);
		ck_assert_uint_le(in_setup(&C.e), WIN);
		advance(3 * NS_PER_SEC);
	}
	ck_assert_int_eq(C.e.next_start, NTUN);
	ck_assert_uint_eq(C.sent, 2 * NTUN); /* each: first + one retransmission */
	ck_assert_uint_eq(C.e.cnt.tunnels_created, 0);
}
END_TEST

/* Paced: no window; all NTUN go out on time with no answer at all. */
START_TEST(paced_ignores_window)
{
	sides(client_paced);
	for (int i = 0; i < 12; i++)
		advance(NS_PER_SEC / 1000);
	ck_assert_uint_eq(C.sent, NTUN);
	ck_assert_uint_eq(in_setup(&C.e), NTUN);
	ck_assert(!C.e.setup_blocked);
}
END_TEST

static Suite *window_suite(void)
{
	Suite *s = suite_create("worker_setup_window");
	TCase *tc = tcase_create("window");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, window_caps_and_refills);
	tcase_add_test(tc, failures_free_the_window);
	tcase_add_test(tc, paced_ignores_window);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(window_suite)
