/* Exchange tests without sockets: a client engine and a gateway engine in
 * one process, each message handed across by the test (strongSwan's
 * exchange_test_helper habit).  Time is the tests' own: each engine has a
 * timer heap of its own and the test advances the clock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "proto/ike.h"
#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/engine.h"
#include "worker/task.h"

/* A NAT in front of the client: its source port 500/4500 appears to the
 * gateway as 40500/44500 (and is mapped back on the way in). */

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
	te_nat_shift = 0;
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	load(&C, client_yaml);
	load(&G, gateway_yaml);
}

/* After the test changed the configs. */
static void go(void)
{
	start_side(&C, 1);
	start_side(&G, 2);
}

static void teardown(void)
{
	sides_fini();
}

static bool msg_has_notify(const struct pkt *p, uint16_t type)
{
	struct ike_msg m;
	if (ike_parse_message(p->data, p->len, &m) != IKE_OK)
		return false;
	return ike_msg_notify(&m, type) != NULL;
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(initial_exchange)
{
	go();
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_SA_INIT);
	ck_assert(msg_has_notify(&C.q[0], IKE_N_NAT_DETECTION_SOURCE_IP));
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
	ck_assert_int_eq(C.e.cnt.has_child, 1);
	ck_assert_int_eq(G.e.cnt.tunnels_created, 1);
	ck_assert_int_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 1);
	ck_assert_int_eq(G.e.cnt.child_created, 1);
	ck_assert_int_eq(G.e.n_half_open, 0);
	struct ikesa *sa = C.e.tunnels[0].sa;
	ck_assert_ptr_nonnull(sa);
	/* NAT-D was exchanged: IKE_AUTH moved to 4500. */
	ck_assert(sa->natt);
	ck_assert_int_eq(sa->path.lport, 4500);
	/* Both sides agree on the CHILD SA's SPIs. */
	struct ikesa *gsa = spi_map_get(&G.e.sas, sa->spi_r);
	ck_assert_ptr_nonnull(gsa);
	ck_assert_int_eq(sa->children->spi_out, gsa->children->spi_in);
	ck_assert_int_eq(sa->children->spi_in, gsa->children->spi_out);
	/* Our SPI carries the worker index in its top byte. */
	ck_assert_int_eq(sa->spi_i >> 56, 1);
	ck_assert_int_eq(gsa->spi_r >> 56, 2);
}
END_TEST

START_TEST(second_child_with_pfs)
{
	C.cfg.ikeconf.n_children = 2;
	C.cfg.ikeconf.childlist[1] = C.cfg.ikeconf.childlist[0];
	C.cfg.ikeconf.childlist[1].pfsenabled = true;
	G.cfg.ikeconf.childlist[0].pfsgrpid = C.cfg.ikeconf.childlist[0].pfsgrpid;
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.child_created, 2);
	ck_assert_int_eq(G.e.cnt.child_created, 2);
	ck_assert_int_eq(C.e.tunnels[0].sa->n_children, 2);
}
END_TEST

START_TEST(no_proposal_chosen)
{
	G.cfg.ikeconf.ikeencyptalg.n = 1;
	G.cfg.ikeconf.ikeencyptalg.a[0] = (struct conf_alg){ IKE_ENCR_AES_GCM_16, 256 };
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 0);
	ck_assert_int_eq(C.e.cnt.attempts_failed, 1);
	ck_assert_int_eq(C.e.cnt.tunnels_failed, 1);
	ck_assert_int_eq(C.e.cnt.live, 0);
	ck_assert_int_eq(G.e.cnt.live, 0);
	ck_assert_int_eq(G.e.cnt.total, 0);
}
END_TEST

START_TEST(authentication_failed)
{
	free(G.cfg.ikeconf.psk);
	G.cfg.ikeconf.psk = strdup("not-the-secret");
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 0);
	ck_assert_int_eq(C.e.cnt.auth_failed, 1);
	ck_assert_int_eq(C.e.cnt.live, 0);
	/* The gateway told the peer and kept nothing. */
	ck_assert_int_eq(G.e.cnt.auth_failed, 1);
	ck_assert_int_eq(G.e.cnt.live, 0);
	ck_assert_int_eq(G.e.cnt.tunnels_created, 0);
	ck_assert_int_eq(G.e.n_half_open, 0);
	ck_assert_int_eq(spi_map_count(&G.e.sas), 0);
}
END_TEST

START_TEST(ts_unacceptable)
{
	struct conf_child *gc = &G.cfg.ikeconf.childlist[0];
	ip_addr_parse("10.200.0.0", &gc->peerts[0].startaddr);
	ip_addr_parse("10.200.0.255", &gc->peerts[0].endaddr);
	struct conf_child *cc = &C.cfg.ikeconf.childlist[0];
	ip_addr_parse("10.100.0.0", &cc->ownts[0].startaddr);
	ip_addr_parse("10.100.0.255", &cc->ownts[0].endaddr);
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 0);
	ck_assert_int_eq(C.e.cnt.tunnels_failed, 1);
	ck_assert_int_eq(C.e.cnt.live, 0);
	ck_assert_int_eq(G.e.cnt.child_created, 0);
	/* The client deleted the childless IKE SA on the gateway too. */
	ck_assert_int_eq(G.e.cnt.live, 0);
}
END_TEST

START_TEST(ts_narrowed)
{
	struct conf_child *gc = &G.cfg.ikeconf.childlist[0];
	ip_addr_parse("10.1.0.0", &gc->peerts[0].startaddr);
	ip_addr_parse("10.1.255.255", &gc->peerts[0].endaddr);
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	const struct ike_ts *tsi = &C.e.tunnels[0].sa->children->ts_local;
	ck_assert_int_eq(tsi->start[0], 10);
	ck_assert_int_eq(tsi->start[1], 1);
	ck_assert_int_eq(tsi->end[1], 1);
	ck_assert_int_eq(tsi->end[2], 255);
}
END_TEST

START_TEST(invalid_ke_retry)
{
	C.cfg.ikeconf.dhgrpid.n = 2;
	C.cfg.ikeconf.dhgrpid.v[0] = 19;
	C.cfg.ikeconf.dhgrpid.v[1] = 14;
	G.cfg.ikeconf.dhgrpid.n = 1;
	G.cfg.ikeconf.dhgrpid.v[0] = 14;
	go();
	engine_start_tunnel(&C.e, 0);
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1);
	ck_assert(msg_has_notify(&G.q[0], IKE_N_INVALID_KE_PAYLOAD));
	ck_assert_int_eq(G.e.cnt.total, 0); /* stateless */
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	ck_assert_int_eq(C.e.tunnels[0].sa->suite.dh, 14);
	ck_assert_int_eq(C.e.tunnels[0].sa->init_retries, 1);
}
END_TEST

START_TEST(cookie_retry)
{
	G.cfg.ikeconf.numoftunneltoenablecookie = 0;
	go();
	engine_start_tunnel(&C.e, 0);
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1);
	ck_assert(msg_has_notify(&G.q[0], IKE_N_COOKIE));
	ck_assert_int_eq(G.e.cnt.total, 0);
	te_deliver(&G, &C, 0);
	ck_assert_int_eq(C.n, 1);
	/* The retry carries the cookie, first. */
	struct ike_msg m;
	ck_assert_int_eq(ike_parse_message(C.q[0].data, C.q[0].len, &m), IKE_OK);
	ck_assert_int_eq(m.pld[0].type, IKE_PLD_NOTIFY);
	ck_assert_int_eq(m.notify[0].type, IKE_N_COOKIE);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.cookies_sent, 1);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	ck_assert_int_eq(G.e.cnt.tunnels_created, 1);
}
END_TEST

START_TEST(retransmit_limit)
{
	go();
	engine_start_tunnel(&C.e, 0);
	ck_assert_int_eq(C.sent, 1);
	for (int i = 0; i < 5; i++) {
		C.n = 0; /* the network loses everything */
		advance(1000 * NS_PER_MS);
	}
	/* First transmission + maxretran (2) retransmissions, then failure. */
	ck_assert_int_eq(C.sent, 3);
	ck_assert_int_eq(C.e.cnt.retransmits, 2);
	ck_assert_int_eq(C.e.cnt.tunnels_failed, 1);
	ck_assert_int_eq(C.e.cnt.live, 0);
	ck_assert_str_eq(C.e.tunnels[0].sa ? "still there" : "gone", "gone");
}
END_TEST

START_TEST(cached_response_resent)
{
	go();
	engine_start_tunnel(&C.e, 0);
	te_deliver(&C, &G, 0);   /* IKE_SA_INIT request */
	te_deliver(&G, &C, 0);   /* its response */
	ck_assert_int_eq(C.n, 1); /* IKE_AUTH request */
	struct pkt req1 = C.q[0];
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1);
	struct pkt resp1 = G.q[0];
	G.n = 0;                  /* the response is lost */
	advance(1000 * NS_PER_MS);
	ck_assert_int_eq(C.n, 1); /* the client retransmits, bit-identical */
	ck_assert_int_eq(C.q[0].len, req1.len);
	ck_assert(memcmp(C.q[0].data, req1.data, req1.len) == 0);
	/* ... from a new path (as after a MOBIKE move): the answer follows it. */
	C.q[0].path.lport = 4501;
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1);
	ck_assert_int_eq(G.e.cnt.resp_resent, 1);
	ck_assert_int_eq(G.q[0].len, resp1.len);
	ck_assert(memcmp(G.q[0].data, resp1.data, resp1.len) == 0);
	ck_assert_int_eq(G.q[0].path.rport, 4501);
	G.q[0].path.rport = 4500;
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	ck_assert_int_eq(G.e.cnt.tunnels_created, 1);
}
END_TEST

START_TEST(sa_init_retransmit_answered_from_cache)
{
	go();
	engine_start_tunnel(&C.e, 0);
	struct pkt req = C.q[0];
	te_deliver(&C, &G, 0);
	struct pkt resp = G.q[0];
	G.n = 0;
	C.q[C.n++] = req;
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1);
	ck_assert(memcmp(G.q[0].data, resp.data, resp.len) == 0);
	ck_assert_int_eq(G.e.cnt.total, 1);
}
END_TEST

/* A retransmitted IKE_SA_INIT that reaches the gateway after the SA is
 * established (it sat in a socket queue at load) is dropped: before, the
 * SA had left the half-open map, so the copy opened a second SA with a DH
 * derivation of its own that lived until the half-open timeout (9,487 of
 * them in a 10,000-tunnel group 14 run: ~3.4 KB each). */
START_TEST(late_sa_init_retransmit_dropped)
{
	go();
	engine_start_tunnel(&C.e, 0);
	struct pkt req = C.q[0];
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 1);
	struct ikesa *gsa = spi_map_get(&G.e.sas, C.e.tunnels[0].sa->spi_r);
	ck_assert_ptr_nonnull(gsa);
	/* NAT-D moved IKE to port 4500: the late copy comes from port 500. */
	ck_assert_int_eq(gsa->path.rport, 4500);
	uint64_t dropped = G.e.cnt.rx_dropped;
	C.q[C.n++] = req;
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 0);
	ck_assert_int_eq(G.e.cnt.total, 1);
	ck_assert_int_eq(spi_map_count(&G.e.sas), 1);
	ck_assert_int_eq(G.e.n_half_open, 0);
	ck_assert_int_eq(G.e.cnt.rx_dropped, dropped + 1);
	/* The entry goes with the SA. */
	engine_stop(&C.e);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.live, 0);
	ck_assert_int_eq(spi_map_count(&G.e.half_open), 0);
}
END_TEST

/* Neither role keeps its DH key past IKE_SA_INIT (the shared secret is
 * derived there): a group 14 key is about 2 KB of OpenSSL heap. */
START_TEST(dh_freed_after_sa_init)
{
	C.cfg.ikeconf.dhgrpid.v[0] = 14;
	G.cfg.ikeconf.dhgrpid.v[0] = 14;
	C.cfg.ikeconf.dhgrpid.n = G.cfg.ikeconf.dhgrpid.n = 1;
	go();
	engine_start_tunnel(&C.e, 0);
	struct ikesa *csa = C.e.tunnels[0].sa;
	ck_assert_ptr_nonnull(csa->dh);
	te_deliver(&C, &G, 0);  /* IKE_SA_INIT request */
	ck_assert_int_eq(G.n, 1);
	ck_assert_int_eq(G.e.n_half_open, 1);
	uint64_t spi_r = 0;
	for (int i = 8; i < 16; i++)
		spi_r = spi_r << 8 | G.q[0].data[i];
	struct ikesa *gsa = spi_map_get(&G.e.sas, spi_r);
	ck_assert_ptr_nonnull(gsa);
	ck_assert_int_eq(gsa->suite.dh, 14);
	ck_assert_ptr_null(gsa->dh);
	te_deliver(&G, &C, 0);  /* its response */
	ck_assert_int_eq(csa->suite.dh, 14);
	ck_assert_ptr_null(csa->dh);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
}
END_TEST

START_TEST(dpd_and_delete)
{
	C.cfg.ikeconf.forcedpd = true;
	C.cfg.ikeconf.dpdinterval_ns = 5 * NS_PER_SEC;
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	advance(5 * NS_PER_SEC);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_INFORMATIONAL);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_DPD], 1);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.dpd_sent, 1);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
	/* Graceful stop: DELETE, answered, both sides closed. */
	engine_stop(&C.e);
	te_pump(200);
	ck_assert(C.e.done);
	ck_assert_int_eq(C.e.cnt.live, 0);
	ck_assert_int_eq(G.e.cnt.live, 0);
	ck_assert_int_eq(G.e.cnt.state[IKE_S_CLOSED], 1);
}
END_TEST

START_TEST(unknown_spi_informational)
{
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	/* The gateway forgets everything; the client's DPD hits an unknown SPI. */
	engine_fini(&G.e);
	timer_heap_free(&G.heap);
	start_side(&G, 2);
	sa_queue_task(C.e.tunnels[0].sa, TASK_DPD, 0);
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1);
	ck_assert(msg_has_notify(&G.q[0], IKE_N_INVALID_IKE_SPI));
	G.n = 0;
}
END_TEST

START_TEST(rekey_ike_and_child)
{
	C.cfg.ikeconf.ikelifetime_ns = 60 * NS_PER_SEC;
	C.cfg.ikeconf.childlist[0].lifetime_ns = 30 * NS_PER_SEC;
	C.cfg.ikeconf.margintime_ns = 10 * NS_PER_SEC;
	C.cfg.ikeconf.jitter = false;
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	uint32_t old_child = C.e.tunnels[0].sa->children->spi_in;
	advance(20 * NS_PER_SEC);  /* child rekey at 30 - 10 */
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.child_rekeyed, 1);
	ck_assert_int_eq(G.e.cnt.child_rekeyed, 1);
	ck_assert_int_eq(C.e.tunnels[0].sa->n_children, 1);
	ck_assert_int_ne(C.e.tunnels[0].sa->children->spi_in, old_child);
	uint64_t old_ike = C.e.tunnels[0].sa->spi_i;
	advance(30 * NS_PER_SEC);  /* IKE rekey at 60 - 10 */
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.ike_rekeyed, 1);
	ck_assert_int_eq(G.e.cnt.ike_rekeyed, 1);
	struct ikesa *sa = C.e.tunnels[0].sa;
	ck_assert_ptr_nonnull(sa);
	ck_assert(sa->spi_i != old_ike);
	ck_assert_int_eq(sa->n_children, 1);
	ck_assert_int_eq(C.e.cnt.live, 1);
	ck_assert_int_eq(G.e.cnt.live, 1);
	ck_assert_int_eq(G.e.cnt.has_child, 1);
	/* The new SA works: a DPD over it is answered. */
	sa_queue_task(sa, TASK_DPD, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
}
END_TEST

/* Asymmetric selectors and a gateway-initiated CHILD rekey: the rekey's
 * TSi must be the gateway's own side. */
static void set_ts(struct conf_ts *t, const char *a, const char *b)
{
	ip_addr_parse(a, &t->startaddr);
	ip_addr_parse(b, &t->endaddr);
}

START_TEST(gateway_child_rekey_asymmetric_ts)
{
	set_ts(&C.cfg.ikeconf.childlist[0].ownts[0], "10.2.0.0", "10.2.0.255");
	set_ts(&C.cfg.ikeconf.childlist[0].peerts[0], "10.1.0.0", "10.1.0.255");
	C.cfg.peertsaddrincrease = 0;
	set_ts(&G.cfg.ikeconf.childlist[0].ownts[0], "10.1.0.0", "10.1.0.255");
	set_ts(&G.cfg.ikeconf.childlist[0].peerts[0], "10.2.0.0", "10.2.0.255");
	G.cfg.ikeconf.childlist[0].lifetime_ns = 20 * NS_PER_SEC;
	G.cfg.ikeconf.margintime_ns = 4 * NS_PER_SEC;
	G.cfg.ikeconf.jitter = false;
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	advance(19 * NS_PER_SEC); /* gateway: 20 - 4 + 2 (responder's half margin) */
	ck_assert_int_eq(G.n, 1);
	ck_assert_int_eq(msg_exchange(&G.q[0]), IKE_EXCH_CREATE_CHILD_SA);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.child_rekeyed, 1);
	ck_assert_int_eq(C.e.cnt.child_rekeyed, 1);
	const struct childsa *c = C.e.tunnels[0].sa->children;
	ck_assert_ptr_null(c->next);
	ck_assert_int_eq(c->ts_local.start[1], 2);
	ck_assert_int_eq(c->ts_remote.start[1], 1);
}
END_TEST

/* Both ends rekey the same CHILD SA at once (RFC 7296 2.8.1): the rekey
 * with the lowest nonce is undone by its initiator; one CHILD SA is left,
 * the same on both ends. */
START_TEST(child_rekey_collision)
{
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	struct ikesa *csa = C.e.tunnels[0].sa;
	struct ikesa *gsa = spi_map_get(&G.e.sas, csa->spi_r);
	ck_assert_ptr_nonnull(gsa);
	csa->children->rekeying = gsa->children->rekeying = true;
	sa_queue_task(csa, TASK_CHILD_REKEY, (int)csa->children->spi_in);
	sa_queue_task(gsa, TASK_CHILD_REKEY, (int)gsa->children->spi_in);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(G.n, 1);
	te_deliver(&C, &G, 0); /* the gateway answers the client's rekey */
	te_deliver(&G, &C, 0); /* the client answers the gateway's (its request was first) */
	te_pump(200);
	ck_assert_int_eq(csa->n_children, 1);
	ck_assert_int_eq(gsa->n_children, 1);
	ck_assert_int_eq(csa->children->spi_out, gsa->children->spi_in);
	ck_assert_int_eq(csa->children->spi_in, gsa->children->spi_out);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
	ck_assert_int_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 1);
}
END_TEST

/* Both ends rekey the IKE SA at once (RFC 7296 2.8.2): one new IKE SA
 * survives on both ends, with the CHILD SA, and works. */
START_TEST(ike_rekey_collision)
{
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	struct ikesa *csa = C.e.tunnels[0].sa;
	struct ikesa *gsa = spi_map_get(&G.e.sas, csa->spi_r);
	sa_queue_task(csa, TASK_IKE_REKEY, 0);
	sa_queue_task(gsa, TASK_IKE_REKEY, 0);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(G.n, 1);
	te_deliver(&C, &G, 0);
	te_deliver(&G, &C, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.live, 1);
	ck_assert_int_eq(G.e.cnt.live, 1);
	csa = C.e.tunnels[0].sa;
	ck_assert_ptr_nonnull(csa);
	ck_assert_int_eq(csa->state, IKE_S_ESTABLISHED);
	gsa = spi_map_get(&G.e.sas, ikesa_our_spi(csa) == csa->spi_i ? csa->spi_r : csa->spi_i);
	ck_assert_ptr_nonnull(gsa);
	ck_assert_int_eq(gsa->state, IKE_S_ESTABLISHED);
	ck_assert(gsa->spi_i == csa->spi_i && gsa->spi_r == csa->spi_r);
	ck_assert_int_eq(csa->n_children, 1);
	ck_assert_int_eq(gsa->n_children, 1);
	sa_queue_task(csa, TASK_DPD, 0);
	te_pump(200);
	ck_assert_int_eq(csa->state, IKE_S_ESTABLISHED);
	ck_assert_int_eq(C.e.cnt.live, 1);
	ck_assert_int_eq(C.e.cnt.ike_rekeyed + G.e.cnt.ike_rekeyed >= 2, 1);
}
END_TEST

/* A gateway holding tunnels is fed random and mutated packets (truncated,
 * bit-flipped, wrong lengths, unknown SPIs, replays): it stays up, answers
 * only what it may (IKE_SA_INIT responses, INVALID_IKE_SPI, its cached
 * responses re-sent) and keeps every tunnel. */
static uint64_t fz_state = 88172645463325252ull;
static uint32_t fz_rand(void)
{
	fz_state ^= fz_state << 13;
	fz_state ^= fz_state >> 7;
	fz_state ^= fz_state << 17;
	return (uint32_t)fz_state;
}

START_TEST(gateway_survives_garbage)
{
	C.cfg.numberoftunnels = 5;
	C.cfg.ikeconf.dhgrpid.n = G.cfg.ikeconf.dhgrpid.n = 1;
	C.cfg.ikeconf.dhgrpid.v[0] = G.cfg.ikeconf.dhgrpid.v[0] = 31;
	go();
	static struct pkt seeds[64];
	unsigned nseeds = 0;
	for (int t = 0; t < 5; t++) {
		engine_start_tunnel(&C.e, t);
		for (int guard = 0; guard < 50 && (C.n || G.n); guard++) {
			if (C.n && nseeds < 64)
				seeds[nseeds++] = C.q[0];
			if (C.n)
				te_deliver(&C, &G, 0);
			if (G.n)
				te_deliver(&G, &C, 0);
		}
	}
	/* INFORMATIONAL seeds too: a DPD on each tunnel. */
	for (int t = 0; t < 5; t++) {
		sa_queue_task(C.e.tunnels[t].sa, TASK_DPD, 0);
		seeds[nseeds++] = C.q[0];
		te_deliver(&C, &G, 0);
		te_deliver(&G, &C, 0);
	}
	ck_assert_int_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 5);
	ck_assert_int_ge(nseeds, 15);
	uint64_t resent0 = G.e.cnt.resp_resent;
	unsigned bad_answers = 0, n_init = 0, n_invalid = 0;
	for (int i = 0; i < 20000; i++) {
		struct pkt p = seeds[fz_rand() % nseeds];
		switch (fz_rand() % 6) {
		case 0: /* truncate */
			p.len = fz_rand() % (p.len + 1);
			break;
		case 1: /* flip bits */
			for (int k = 1 + fz_rand() % 4; k; k--)
				p.data[fz_rand() % p.len] ^= (uint8_t)(1u << (fz_rand() % 8));
			break;
		case 2: /* wrong length field or payload length */
			p.data[24 + fz_rand() % 4] = (uint8_t)fz_rand();
			if (p.len > 31)
				p.data[30 + fz_rand() % 2] = (uint8_t)fz_rand();
			break;
		case 3: /* unknown SPIs */
			for (int k = 0; k < 16; k++)
				p.data[k] = (uint8_t)fz_rand();
			break;
		case 4: /* random bytes after the header */
			for (size_t k = 28; k < p.len; k++)
				p.data[k] = (uint8_t)fz_rand();
			break;
		default: /* replay as is */
			break;
		}
		struct ike_path r = { .local = p.path.remote, .remote = p.path.local,
				      .lport = p.path.rport, .rport = p.path.lport };
		engine_input(&G.e, &r, p.data, p.len);
		while (G.n) {
			struct pkt *a = &G.q[--G.n];
			struct ike_hdr h;
			ck_assert_int_eq(ike_parse_header(a->data, a->len, &h), IKE_OK);
			bool init_resp = h.exchange == IKE_EXCH_SA_INIT;
			bool invalid_spi = h.exchange == IKE_EXCH_INFORMATIONAL &&
					   msg_has_notify(a, IKE_N_INVALID_IKE_SPI);
			n_init += init_resp;
			n_invalid += invalid_spi;
			if (!init_resp && !invalid_spi && G.e.cnt.resp_resent == resent0)
				bad_answers++;
			resent0 = G.e.cnt.resp_resent;
		}
	}
	ck_assert_int_eq(bad_answers, 0);
	/* The loop did reach each kind of answer. */
	ck_assert_int_gt(n_init, 0);
	ck_assert_int_gt(n_invalid, 0);
	ck_assert_int_gt(G.e.cnt.resp_resent, 0);
	ck_assert_int_gt(G.e.cnt.rx_dropped, 1000);
	/* Every tunnel is still there and works: a DPD over each. */
	ck_assert_int_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 5);
	for (int t = 0; t < 5; t++)
		sa_queue_task(C.e.tunnels[t].sa, TASK_DPD, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 5);
	ck_assert_int_eq(C.e.cnt.retransmits, 0);
}
END_TEST

/* Behind a NAT: NAT-D shows it, IKE moves to 4500, the client sends
 * keepalives every nattkeepaliveinterval; the gateway (not behind NAT)
 * sends none. */
START_TEST(nat_keepalives)
{
	C.cfg.ikeconf.nattkeepaliveinterval_ns = 2 * NS_PER_SEC;
	G.cfg.ikeconf.nattkeepaliveinterval_ns = 2 * NS_PER_SEC;
	go();
	te_nat_shift = 40000;
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	struct ikesa *sa = C.e.tunnels[0].sa;
	ck_assert(sa->nat_local);
	ck_assert(!sa->nat_remote);
	ck_assert_int_eq(sa->path.lport, 4500);
	struct ikesa *gsa = spi_map_get(&G.e.sas, sa->spi_r);
	ck_assert(gsa->nat_remote);
	ck_assert_int_eq(gsa->path.rport, 44500);
	for (int i = 0; i < 5; i++)
		advance(NS_PER_SEC);
	ck_assert_int_eq(C.keepalives, 2);
	ck_assert_int_eq(G.keepalives, 0);
	ck_assert_int_eq(C.e.cnt.keepalives, 2);
}
END_TEST

/* Without a NAT nobody sends keepalives. */
START_TEST(no_nat_no_keepalives)
{
	C.cfg.ikeconf.nattkeepaliveinterval_ns = 2 * NS_PER_SEC;
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert(!C.e.tunnels[0].sa->nat_local);
	for (int i = 0; i < 5; i++)
		advance(NS_PER_SEC);
	ck_assert_int_eq(C.keepalives, 0);
}
END_TEST

/* myid with "&d": an RFC822 name per tunnel; the gateway checks it with
 * matchpeerid (and refuses a wrong one); the client sees the gateway's
 * address ID (client-src-addr default on the gateway: its own address). */
START_TEST(ids_and_matchpeerid)
{
	free(C.cfg.ikeconf.myid);
	C.cfg.ikeconf.myid = strdup("user&d@example.com");
	free(G.cfg.ikeconf.peerid);
	G.cfg.ikeconf.peerid = strdup("user&d@example.com");
	G.cfg.ikeconf.matchpeerid = true;
	go();
	engine_start_tunnel(&C.e, 1);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	struct ikesa *sa = C.e.tunnels[1].sa;
	ck_assert_str_eq(sa->peer_id, "10.99.0.1");
	struct ikesa *gsa = spi_map_get(&G.e.sas, sa->spi_r);
	ck_assert_str_eq(gsa->peer_id, "user1@example.com");
	/* Another name does not match. */
	free(G.cfg.ikeconf.peerid);
	G.cfg.ikeconf.peerid = strdup("admin&d@example.com");
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.auth_failed, 1);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	ck_assert_int_eq(G.e.cnt.live, 1);
}
END_TEST

/* tunnelmode: false on both ends: USE_TRANSPORT_MODE agreed. */
START_TEST(transport_mode)
{
	C.cfg.ikeconf.childlist[0].tunnelmode = false;
	G.cfg.ikeconf.childlist[0].tunnelmode = false;
	go();
	engine_start_tunnel(&C.e, 0);
	ck_assert_int_eq(C.n, 1);
	te_pump(200);
	struct ikesa *sa = C.e.tunnels[0].sa;
	ck_assert(sa->children->transport);
	ck_assert(((struct ikesa *)spi_map_get(&G.e.sas, sa->spi_r))->children->transport);
}
END_TEST

/* A client restarts without deleting (crash): its new IKE SA carries
 * INITIAL_CONTACT and the gateway drops the stale one. */
START_TEST(initial_contact_replaces_stale_sa)
{
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.live, 1);
	engine_fini(&C.e);      /* gone without a word */
	timer_heap_free(&C.heap);
	start_side(&C, 1);
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	ck_assert_int_eq(G.e.cnt.live, 1);
	ck_assert_int_eq(G.e.cnt.state[IKE_S_CLOSED], 1);
	/* Without INITIAL_CONTACT both would stay. */
	engine_fini(&C.e);
	timer_heap_free(&C.heap);
	C.cfg.ikeconf.initialcontact = false;
	start_side(&C, 1);
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	ck_assert_int_eq(G.e.cnt.live, 2);
}
END_TEST

/* After an IKE rekey the old SA goes even when its DELETE is lost for
 * good: the peer's old SA times out instead of lingering. */
START_TEST(rekeyed_sa_does_not_linger)
{
	go();
	engine_start_tunnel(&C.e, 0);
	te_pump(200);
	sa_queue_task(C.e.tunnels[0].sa, TASK_IKE_REKEY, 0);
	te_deliver(&C, &G, 0);
	te_deliver(&G, &C, 0);
	ck_assert_int_eq(G.e.cnt.live, 2);
	for (int i = 0; i < 6; i++) {
		C.n = 0; /* every DELETE of the old SA is lost */
		advance(NS_PER_SEC);
	}
	ck_assert_int_eq(G.e.cnt.live, 1);
	ck_assert_int_eq(C.e.cnt.live, 1);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_ESTABLISHED], 1);
	ck_assert_int_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 1);
}
END_TEST

/* Two client workers share setupinterval: each starts every 2 intervals,
 * the second one interval later, so together one start per interval. */
START_TEST(setup_pacing_across_workers)
{
	C.cfg.setupinterval_ns = 10 * NS_PER_MS;
	C.cfg.numberoftunnels = 4;
	go();
	engine_set_pacing(&C.e, 2);
	C.e.worker = 1;
	engine_set_pacing(&C.e, 2); /* as worker 1 of 2 */
	ck_assert_int_eq(engine_start(&C.e), 0);
	timer_run(&C.heap, C.e.now_ns);
	ck_assert_int_eq(C.sent, 0);          /* worker 1 waits one interval */
	advance(10 * NS_PER_MS);
	ck_assert_int_eq(C.sent, 1);
	advance(10 * NS_PER_MS);
	ck_assert_int_eq(C.sent, 1);          /* its next start: 2 intervals later */
	advance(10 * NS_PER_MS);
	ck_assert_int_eq(C.sent, 2);
	C.n = 0;
}
END_TEST

static Suite *exchange_suite(void)
{
	Suite *s = suite_create("worker_exchange");
	TCase *tc = tcase_create("exchange");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, initial_exchange);
	tcase_add_test(tc, second_child_with_pfs);
	tcase_add_test(tc, no_proposal_chosen);
	tcase_add_test(tc, authentication_failed);
	tcase_add_test(tc, ts_unacceptable);
	tcase_add_test(tc, ts_narrowed);
	tcase_add_test(tc, invalid_ke_retry);
	tcase_add_test(tc, cookie_retry);
	tcase_add_test(tc, retransmit_limit);
	tcase_add_test(tc, cached_response_resent);
	tcase_add_test(tc, sa_init_retransmit_answered_from_cache);
	tcase_add_test(tc, late_sa_init_retransmit_dropped);
	tcase_add_test(tc, dh_freed_after_sa_init);
	tcase_add_test(tc, dpd_and_delete);
	tcase_add_test(tc, unknown_spi_informational);
	tcase_add_test(tc, rekey_ike_and_child);
	tcase_add_test(tc, gateway_child_rekey_asymmetric_ts);
	tcase_add_loop_test(tc, child_rekey_collision, 0, 8);
	tcase_add_loop_test(tc, ike_rekey_collision, 0, 8);
	tcase_add_test(tc, gateway_survives_garbage);
	tcase_add_test(tc, nat_keepalives);
	tcase_add_test(tc, ids_and_matchpeerid);
	tcase_add_test(tc, transport_mode);
	tcase_add_test(tc, initial_contact_replaces_stale_sa);
	tcase_add_test(tc, rekeyed_sa_does_not_linger);
	tcase_add_test(tc, setup_pacing_across_workers);
	tcase_add_test(tc, no_nat_no_keepalives);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(exchange_suite)
