/* Exchange tests of the SA history (keepikehistory/keepchildhistory) and of
 * a CHILD SA whose keys cannot be derived, on the harness of
 * test_worker_exchange.c: two engines in one process, each message handed
 * across by the test, time advanced by the test. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "proto/ike.h"
#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/engine.h"
#include "worker/task.h"

/* Both engines log here; the tests read it (TEST_LOG copies it to stderr). */
static char *logbuf;
static size_t loglen;
static FILE *log_fp;

static const char client_yaml[] =
	"role: client\nnumberoftunnels: 2\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\nsetupinterval: 10ms\n"
	"tunnelmaxretry: 0\n"
	"ikeconf:\n  psk: secret\n  retraninterval: 1s\n  maxretran: 2\n";
static const char gateway_yaml[] =
	"role: gateway\nnumberoftunnels: 2\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"
	"ikeconf:\n  psk: secret\n  retraninterval: 1s\n  maxretran: 2\n";

static void setup(void)
{
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	log_fp = open_memstream(&logbuf, &loglen);
	ck_assert_ptr_nonnull(log_fp);
	load(&C, client_yaml);
	load(&G, gateway_yaml);
}

/* After the test changed the configs. */
static void go(void)
{
	start_side_log(&C, 1, log_fp, 5);
	start_side_log(&G, 2, log_fp, 5);
}

static void teardown(void)
{
	sides_fini();
	fclose(log_fp);
	free(logbuf);
	logbuf = NULL;
}

static const char *log_text(void)
{
	fflush(log_fp);
	if (getenv("TEST_LOG"))
		fputs(logbuf, stderr);
	return logbuf;
}

/* ---- tests -------------------------------------------------------------- */
/* Rekey the CHILD SA at 20 s and the IKE SA at 50 s, as in
 * test_worker_exchange.c's rekey_ike_and_child. */
static void rekey_both(void)
{
	C.cfg.ikeconf.ikelifetime_ns = 60 * NS_PER_SEC;
	C.cfg.ikeconf.childlist[0].lifetime_ns = 30 * NS_PER_SEC;
	C.cfg.ikeconf.margintime_ns = 10 * NS_PER_SEC;
	C.cfg.ikeconf.jitter = false;
}

START_TEST(history_keeps_rekeyed_and_closed)
{
	rekey_both();
	C.cfg.ikeconf.keepikehistory = C.cfg.ikeconf.keepchildhistory = true;
	G.cfg.ikeconf.keepikehistory = G.cfg.ikeconf.keepchildhistory = true;
	go();
	ck_assert_uint_eq(C.e.ike_hist.cap, HIST_MIN); /* 2 tunnels * 8 < 64 */
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	struct ikesa *sa = C.e.tunnels[0].sa;
	uint64_t ike_created = sa->created_ns, old_ike = sa->spi_i, old_ike_r = sa->spi_r;
	uint32_t old_child = sa->children->spi_in, old_child_out = sa->children->spi_out;
	ck_assert_uint_eq(C.e.child_hist.n, 0);
	advance(20 * NS_PER_SEC);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.child_rekeyed, 1);
	/* The replaced CHILD SA is a record on both sides, with its SPIs. */
	ck_assert_uint_eq(C.e.child_hist.n, 1);
	ck_assert_uint_eq(G.e.child_hist.n, 1);
	const struct sa_hist_rec *r = sa_hist_at(&C.e.child_hist, 0);
	ck_assert_uint_eq(r->spi, old_child);
	ck_assert_uint_eq(r->spi_peer, old_child_out);
	ck_assert_uint_eq(r->ike_spi, old_ike);
	ck_assert(r->rekeyed);
	ck_assert_int_eq(r->tunnel, 0);
	ck_assert_uint_eq(r->suite.encr, sa->children->esp.encr);
	ck_assert_uint_eq(r->ended_ns, C.e.now_ns);
	ck_assert_uint_lt(r->created_ns, r->ended_ns);
	ck_assert_uint_eq(sa_hist_at(&G.e.child_hist, 0)->spi, old_child_out);
	ck_assert_uint_eq(C.e.ike_hist.n, 0);
	advance(30 * NS_PER_SEC);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.ike_rekeyed, 1);
	/* The rekeyed IKE SA: one record each side; its CHILD SA moved to the
	 * new IKE SA, so no CHILD record was added. */
	ck_assert_uint_eq(C.e.ike_hist.n, 1);
	ck_assert_uint_eq(G.e.ike_hist.n, 1);
	r = sa_hist_at(&C.e.ike_hist, 0);
	ck_assert_uint_eq(r->spi, old_ike);
	ck_assert_uint_eq(r->spi_peer, old_ike_r);
	ck_assert(r->rekeyed);
	ck_assert(r->initiator);
	ck_assert_uint_eq(r->created_ns, ike_created);
	ck_assert_uint_eq(r->suite.prf, C.e.tunnels[0].sa->suite.prf);
	ck_assert_uint_eq(sa_hist_at(&G.e.ike_hist, 0)->spi, old_ike_r);
	ck_assert(!sa_hist_at(&G.e.ike_hist, 0)->initiator);
	/* A delete: the IKE SA and its CHILD SA are kept as closed. */
	sa = C.e.tunnels[0].sa;
	uint64_t cur_ike = sa->spi_i;
	uint32_t cur_child = sa->children->spi_in;
	unsigned child_n = C.e.child_hist.n;
	sa_state(sa, IKE_S_CLOSING, "test");
	sa_queue_task(sa, TASK_DELETE, 1);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.live, 0);
	ck_assert_uint_eq(C.e.ike_hist.n, 2);
	r = sa_hist_at(&C.e.ike_hist, 1);
	ck_assert_uint_eq(r->spi, cur_ike);
	ck_assert(!r->rekeyed);
	ck_assert_uint_eq(C.e.child_hist.n, child_n + 1);
	r = sa_hist_at(&C.e.child_hist, child_n);
	ck_assert_uint_eq(r->spi, cur_child);
	ck_assert(!r->rekeyed);
	ck_assert_uint_eq(G.e.ike_hist.n, 2);
}
END_TEST

START_TEST(history_off_keeps_nothing)
{
	rekey_both();
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	advance(20 * NS_PER_SEC);
	te_pump(200);
	advance(30 * NS_PER_SEC);
	te_pump(200);
	ck_assert_int_ge(C.e.cnt.child_rekeyed, 1);
	ck_assert_int_eq(C.e.cnt.ike_rekeyed, 1);
	ck_assert_ptr_null(C.e.ike_hist.rec);
	ck_assert_ptr_null(C.e.child_hist.rec);
	ck_assert_uint_eq(C.e.ike_hist.n + C.e.child_hist.n + G.e.ike_hist.n +
			  G.e.child_hist.n, 0);
}
END_TEST

/* The ring keeps the newest cap records, oldest first. */
START_TEST(history_ring_bounded)
{
	struct sa_hist h;
	ck_assert_int_eq(sa_hist_init(&h, 4), 0);
	for (uint64_t i = 1; i <= 10; i++) {
		struct sa_hist_rec r = { .spi = i };
		sa_hist_add(&h, &r);
	}
	ck_assert_uint_eq(h.n, 4);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_uint_eq(sa_hist_at(&h, i)->spi, 7 + i);
	ck_assert_ptr_null(sa_hist_at(&h, 4));
	sa_hist_fini(&h);
	ck_assert_uint_eq(sa_hist_cap(1000), 1000 * HIST_PER_TUNNEL);
	ck_assert_uint_eq(sa_hist_cap(0), HIST_MIN);
}
END_TEST

/* The gateway cannot derive the CHILD SA's keys: its IKE_AUTH answer
 * carries NO_PROPOSAL_CHOSEN and no SA/TS; the client deletes the IKE SA
 * and the tunnel is not counted created. */
START_TEST(child_keys_fail_responder)
{
	go();
	G.e.test_fail_child_keys = true;
	engine_start_tunnel(&C.e, 0);
	te_deliver(&C, &G, 0);  /* IKE_SA_INIT */
	te_deliver(&G, &C, 0);
	ck_assert_int_eq(C.n, 1);
	te_deliver(&C, &G, 0);  /* IKE_AUTH */
	ck_assert_int_eq(G.n, 1);
	ck_assert_int_eq(msg_exchange(&G.q[0]), IKE_EXCH_AUTH);
	ck_assert_int_eq(G.e.cnt.child_created, 0);
	ck_assert_int_eq(G.e.cnt.has_child, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 0);
	ck_assert_int_eq(C.e.cnt.child_created, 0);
	ck_assert_int_eq(C.e.cnt.live, 0);
	ck_assert_int_eq(G.e.cnt.live, 0);  /* the client's DELETE arrived */
	const char *l = log_text();
	ck_assert_ptr_nonnull(strstr(l, "child.refused reason=child_keys"));
	ck_assert_ptr_nonnull(strstr(l, "NO_PROPOSAL_CHOSEN"));
}
END_TEST

/* The client cannot derive the keys: not created, a DELETE is sent. */
START_TEST(child_keys_fail_initiator)
{
	go();
	C.e.test_fail_child_keys = true;
	engine_start_tunnel(&C.e, 0);
	te_deliver(&C, &G, 0);
	te_deliver(&G, &C, 0);
	te_deliver(&C, &G, 0);
	te_deliver(&G, &C, 0);  /* IKE_AUTH response with the CHILD SA */
	ck_assert_int_eq(C.e.cnt.tunnels_created, 0);
	ck_assert_int_eq(C.e.cnt.child_created, 0);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 0);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_INFORMATIONAL);
	ck_assert_int_eq(G.e.cnt.live, 1);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.live, 0);
	ck_assert_int_eq(C.e.cnt.live, 0);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 0);
	ck_assert_ptr_nonnull(strstr(log_text(), "ike.failed reason=child_keys"));
}
END_TEST

/* CREATE_CHILD_SA for a second CHILD SA: the gateway answers
 * TEMPORARY_FAILURE, the IKE SA and the first CHILD SA stay. */
START_TEST(child_keys_fail_create_child)
{
	C.cfg.ikeconf.n_children = 2;
	C.cfg.ikeconf.childlist[1] = C.cfg.ikeconf.childlist[0];
	go();
	engine_start_tunnel(&C.e, 0);
	for (int i = 0; i < 4; i++)
		te_deliver(i % 2 ? &G : &C, i % 2 ? &C : &G, 0);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	G.e.test_fail_child_keys = true;
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_CREATE_CHILD_SA);
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.child_created, 1);
	ck_assert_int_eq(C.e.cnt.child_created, 1);
	ck_assert_int_eq(C.e.tunnels[0].sa->n_children, 1);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
	ck_assert_int_eq(G.e.cnt.live, 1);
	ck_assert_ptr_nonnull(strstr(log_text(), "TEMPORARY_FAILURE"));
}
END_TEST

/* The client cannot key its second CHILD SA: it deletes it at the
 * gateway; the IKE SA and the first CHILD SA stay. */
START_TEST(child_keys_fail_create_child_initiator)
{
	C.cfg.ikeconf.n_children = 2;
	C.cfg.ikeconf.childlist[1] = C.cfg.ikeconf.childlist[0];
	go();
	engine_start_tunnel(&C.e, 0);
	for (int i = 0; i < 4; i++)
		te_deliver(i % 2 ? &G : &C, i % 2 ? &C : &G, 0);
	C.e.test_fail_child_keys = true;
	te_deliver(&C, &G, 0);  /* CREATE_CHILD_SA */
	ck_assert_int_eq(G.e.cnt.child_created, 2);
	te_deliver(&G, &C, 0);
	ck_assert_int_eq(C.e.cnt.child_created, 1);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_INFORMATIONAL);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.child_deleted, 1);
	ck_assert_int_eq(C.e.tunnels[0].sa->n_children, 1);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
	struct ikesa *gsa = spi_map_get(&G.e.sas, C.e.tunnels[0].sa->spi_r);
	ck_assert_ptr_nonnull(gsa);
	ck_assert_int_eq(gsa->n_children, 1);
	ck_assert_int_eq(gsa->children->spi_in, C.e.tunnels[0].sa->children->spi_out);
	ck_assert_ptr_nonnull(strstr(log_text(), "child.failed reason=child_keys"));
}
END_TEST

static Suite *hist_suite(void)
{
	Suite *s = suite_create("worker_exchange_hist");
	TCase *tc = tcase_create("hist");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, history_keeps_rekeyed_and_closed);
	tcase_add_test(tc, history_off_keeps_nothing);
	tcase_add_test(tc, history_ring_bounded);
	tcase_add_test(tc, child_keys_fail_responder);
	tcase_add_test(tc, child_keys_fail_initiator);
	tcase_add_test(tc, child_keys_fail_create_child);
	tcase_add_test(tc, child_keys_fail_create_child_initiator);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(hist_suite)
