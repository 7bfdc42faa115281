/* MOBIKE exchange tests without sockets: a client engine and a gateway
 * engine in one process, every message handed across by the test (the
 * harness of test_worker_exchange.c).  The receiver sees the sender's path
 * mirrored, so a move of the client shows up at the gateway as the new
 * addresses of the packet, as on the wire. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "proto/ike.h"
#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/engine.h"
#include "worker/mobike.h"
#include "worker/mobike_addrmon.h"
#include "worker/task.h"

/* A NAT in front of the client: its source port 500/4500 appears to the
 * gateway as 40500/44500 (and is mapped back on the way in). */

/* MOBIKE on both sides: the client tunnel owns 2 addresses, the gateway 3;
 * the client moves every 5 s. */
static const char client_yaml[] =
	"role: client\nnumberoftunnels: 2\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\nsetupinterval: 10ms\n"
	"tunnelmaxretry: 0\nmobike: true\nmobikeaddrpertunnel: 2\n"
	"mobikeiplifetime: 5s\n"
	"ikeconf:\n  psk: secret\n  retraninterval: 1s\n  maxretran: 2\n";
static const char gateway_yaml[] =
	"role: gateway\nnumberoftunnels: 2\nbindifname: vgw\nbindifaddr: 10.99.0.1/24\n"
	"mobike: true\nmobikeaddrpergw: 3\n"
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

/* Deliver everything both ways until quiet; timers due now run too (the
 * gateway queues its return routability check from one). */
static struct ip_addr A(const char *s)
{
	struct ip_addr a;
	ck_assert_int_eq(ip_addr_parse(s, &a), 0);
	return a;
}

static bool addr_is(const struct ip_addr *a, const char *s)
{
	struct ip_addr b = A(s);
	return ip_addr_cmp(a, &b) == 0;
}

/* Bring tunnel 0 up; returns the client's SA. */
static struct ikesa *up(void)
{
	go();
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.tunnels_created, 1);
	ck_assert_int_eq(G.e.cnt.tunnels_created, 1);
	return C.e.tunnels[0].sa;
}

static struct ikesa *gw_sa(const struct ikesa *csa)
{
	struct ikesa *g = spi_map_get(&G.e.sas, csa->spi_r);
	ck_assert_ptr_nonnull(g);
	return g;
}

/* Both sides see the same path (mirrored). */
static void assert_agree(const struct ikesa *c, const struct ikesa *g)
{
	ck_assert(ip_addr_cmp(&c->path.local, &g->path.remote) == 0);
	ck_assert(ip_addr_cmp(&c->path.remote, &g->path.local) == 0);
	ck_assert_int_eq(c->path.lport, g->path.rport);
	ck_assert_int_eq(c->path.rport, g->path.lport);
}

START_TEST(negotiated_with_lists)
{
	struct ikesa *c = up(), *g = gw_sa(c);
	ck_assert_ptr_nonnull(c->mob);
	ck_assert_ptr_nonnull(g->mob);
	ck_assert(c->mob->peer_supported);
	ck_assert(g->mob->peer_supported);
	/* The gateway signed its two other addresses; the client its other one. */
	ck_assert_int_eq(c->mob->n_peers, 3);
	ck_assert(addr_is(&c->mob->peers[0], "10.99.0.1"));
	ck_assert(addr_is(&c->mob->peers[1], "10.99.0.2"));
	ck_assert(addr_is(&c->mob->peers[2], "10.99.0.3"));
	ck_assert_int_eq(g->mob->n_peers, 2);
	ck_assert(addr_is(&g->mob->peers[1], "10.1.0.3"));
	/* IKE on 4500 from IKE_AUTH on. */
	ck_assert_int_eq(c->path.lport, 4500);
	ck_assert_int_eq(c->path.rport, 4500);
	ck_assert_int_eq(C.e.cnt.mobike_peerlist_changes, 1);
}
END_TEST

/* One move: the update leaves from the new path with NAT-D and COOKIE2;
 * the gateway moves, checks return routability, moves the CHILD SA. */
START_TEST(own_only_update)
{
	struct ikesa *c = up(), *g = gw_sa(c);
	/* The timer moves it after mobikeiplifetime. */
	advance(5 * NS_PER_SEC);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(c->state, IKE_S_UPDATINGADDR);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_UPDATINGADDR], 1);
	ck_assert(addr_is(&C.q[0].path.local, "10.1.0.3"));
	ck_assert(addr_is(&C.q[0].path.remote, "10.99.0.1"));
	ck_assert_int_eq(C.q[0].path.lport, 4500);
	ck_assert_int_eq(C.q[0].path.rport, 4500);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_INFORMATIONAL);
	te_deliver(&C, &G, 0);
	/* The response, then (from a timer) the return routability check. */
	ck_assert_int_eq(G.n, 1);
	timer_run(&G.heap, G.e.now_ns);
	ck_assert_int_eq(G.n, 2);
	ck_assert_uint_eq(G.e.cnt.mobike_probes, 1);
	ck_assert(addr_is(&g->path.remote, "10.1.0.3"));
	ck_assert_uint_eq(G.e.cnt.mobike_children_moved, 0); /* not before the check */
	te_pump(200);
	ck_assert_int_eq(c->state, IKE_S_ESTABLISHED);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_sent, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 1);
	ck_assert_uint_eq(G.e.cnt.mobike_updates_ok, 1);
	ck_assert_uint_eq(G.e.cnt.mobike_probes, 1);
	ck_assert_uint_eq(G.e.cnt.mobike_children_moved, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_children_moved, 1);
	assert_agree(c, g);
	ck_assert(!c->nat_local && !c->nat_remote && !g->nat_remote);
	/* And back to the first address at the next lifetime (cyclic). */
	advance(5 * NS_PER_SEC);
	te_pump(200);
	ck_assert(addr_is(&c->path.local, "10.1.0.2"));
	assert_agree(c, g);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 2);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_failed + G.e.cnt.mobike_updates_failed, 0);
}
END_TEST

START_TEST(peer_only_cycles)
{
	C.cfg.mobikechangeaddrtype = MOBIKE_PEER_ONLY;
	struct ikesa *c = up(), *g = gw_sa(c);
	const char *want[] = { "10.99.0.2", "10.99.0.3", "10.99.0.1", "10.99.0.2" };
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(mobike_move(c), 0);
		ck_assert(addr_is(&C.q[0].path.remote, want[i]));
		te_pump(200);
		ck_assert(addr_is(&c->path.remote, want[i]));
		ck_assert(addr_is(&c->path.local, "10.1.0.2"));
		/* The gateway answered from the address the update reached. */
		ck_assert(addr_is(&g->path.local, want[i]));
		assert_agree(c, g);
	}
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 4);
	ck_assert_uint_eq(G.e.cnt.mobike_updates_ok, 4);
}
END_TEST

/* both: own-major order, the peer changes fastest (K=2, P=3). */
START_TEST(both_order)
{
	C.cfg.mobikechangeaddrtype = MOBIKE_BOTH;
	struct ikesa *c = up(), *g = gw_sa(c);
	const char *own[] = { "10.1.0.2", "10.1.0.2", "10.1.0.3", "10.1.0.3", "10.1.0.3",
			      "10.1.0.2", "10.1.0.2" };
	const char *peer[] = { "10.99.0.2", "10.99.0.3", "10.99.0.1", "10.99.0.2",
			       "10.99.0.3", "10.99.0.1", "10.99.0.2" };
	for (int i = 0; i < 7; i++) {
		ck_assert_int_eq(mobike_move(c), 0);
		te_pump(200);
		ck_assert(addr_is(&c->path.local, own[i]));
		ck_assert(addr_is(&c->path.remote, peer[i]));
		assert_agree(c, g);
	}
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 7);
}
END_TEST

START_TEST(cookie2_mismatch_closes)
{
	struct ikesa *c = up();
	ck_assert_int_eq(mobike_move(c), 0);
	te_deliver(&C, &G, 0);
	/* As if the peer echoed something else. */
	c->mob->cookie2[0] ^= 0xff;
	te_deliver(&G, &C, 0);
	ck_assert_ptr_null(C.e.tunnels[0].sa);
	ck_assert_uint_eq(C.e.cnt.mobike_cookie2_mismatch, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_failed, 1);
	ck_assert_uint_eq(C.e.cnt.live, 0);
}
END_TEST

START_TEST(rr_cookie2_mismatch_closes_gateway_sa)
{
	struct ikesa *c = up(), *g = gw_sa(c);
	ck_assert_int_eq(mobike_move(c), 0);
	te_deliver(&C, &G, 0);
	timer_run(&G.heap, G.e.now_ns); /* the check goes out */
	g->mob->rr_cookie2[3] ^= 1;
	te_pump(200);
	ck_assert_uint_eq(G.e.cnt.mobike_cookie2_mismatch, 1);
	ck_assert_uint_eq(G.e.cnt.live, 0);
	ck_assert_uint_eq(G.e.cnt.mobike_children_moved, 0);
}
END_TEST

START_TEST(no_return_routability)
{
	G.cfg.mobikereturnroutability = false;
	struct ikesa *c = up();
	ck_assert_int_eq(mobike_move(c), 0);
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1); /* the response only */
	ck_assert_uint_eq(G.e.cnt.mobike_children_moved, 1);
	te_pump(200);
	ck_assert_uint_eq(G.e.cnt.mobike_probes, 0);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 1);
}
END_TEST

/* NO_NATS_ALLOWED against a NAT that appears after IKE_AUTH: the gateway
 * answers UNEXPECTED_NAT_DETECTED and keeps the old path; the client tries
 * MOBIKE_MAX_RETRY times and falls back to the old pair. */
START_TEST(no_nats_mismatch)
{
	C.cfg.disallownat = true;
	struct ikesa *c = up(), *g = gw_sa(c);
	struct ike_path before = g->path;
	te_nat_shift = 40000;
	ck_assert_int_eq(mobike_move(c), 0);
	te_pump(200);
	ck_assert(addr_is(&g->path.remote, "10.1.0.2"));
	ck_assert_int_eq(ip_addr_cmp(&g->path.remote, &before.remote), 0);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_sent, MOBIKE_MAX_RETRY);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_failed, 1);
	ck_assert_uint_eq(G.e.cnt.mobike_updates_failed, MOBIKE_MAX_RETRY);
	ck_assert_uint_eq(G.e.cnt.mobike_updates_ok, 0);
	/* Back on the old pair, still up. */
	ck_assert(addr_is(&c->path.local, "10.1.0.2"));
	ck_assert_int_eq(c->state, IKE_S_ESTABLISHED);
	ck_assert_ptr_nonnull(C.e.tunnels[0].sa);
	/* Without the NAT the next move goes through. */
	te_nat_shift = 0;
	ck_assert_int_eq(mobike_move(c), 0);
	te_pump(200);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 1);
	assert_agree(c, g);
}
END_TEST

START_TEST(peer_without_mobike)
{
	G.cfg.mobike = false;
	struct ikesa *c = up();
	ck_assert_ptr_nonnull(c->mob);
	ck_assert(!c->mob->peer_supported);
	ck_assert_ptr_null(gw_sa(c)->mob);
	ck_assert_uint_eq(C.e.cnt.mobike_unsupported, 1);
	ck_assert_int_eq(mobike_move(c), -ENOTSUP);
	advance(30 * NS_PER_SEC);
	te_pump(200);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_sent, 0);
	ck_assert_int_eq(C.e.cnt.state[IKE_S_UPDATINGADDR], 0);
	ck_assert(addr_is(&c->path.local, "10.1.0.2"));
}
END_TEST

/* A second move before the answer: the request in flight goes out again on
 * the newer path at once, its answer is stale, a new update follows. */
START_TEST(second_move_while_pending)
{
	C.cfg.mobikechangeaddrtype = MOBIKE_BOTH;
	struct ikesa *c = up(), *g = gw_sa(c);
	ck_assert_int_eq(mobike_move(c), 0);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(mobike_move(c), 0);
	ck_assert_int_eq(C.n, 2);
	/* Bit-identical, on the new path. */
	ck_assert_int_eq(C.q[0].len, C.q[1].len);
	ck_assert(memcmp(C.q[0].data, C.q[1].data, C.q[0].len) == 0);
	ck_assert(addr_is(&C.q[1].path.remote, "10.99.0.3"));
	/* The first copy is lost; the retransmission arrives. */
	C.n = 0;
	memmove(&C.q[0], &C.q[1], sizeof(C.q[0]));
	C.n = 1;
	te_pump(200);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_stale, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_sent, 2);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 1);
	ck_assert(addr_is(&c->path.remote, "10.99.0.3"));
	assert_agree(c, g);
	ck_assert_int_eq(c->state, IKE_S_ESTABLISHED);
}
END_TEST

/* Address lists replace each other; NO_ADDITIONAL_ADDRESSES clears; the
 * address in use stays. */
START_TEST(peer_list_replacement)
{
	struct ikesa *c = up();
	static struct ike_msg m;
	uint8_t a5[4] = { 10, 99, 0, 5 }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	memset(&m, 0, sizeof(m));
	m.notify[0] = (struct ike_notify){ .type = IKE_N_ADDITIONAL_IP4_ADDRESS, .data = a5,
					   .len = 4 };
	m.notify[1] = (struct ike_notify){ .type = IKE_N_ADDITIONAL_IP6_ADDRESS, .data = a6,
					   .len = 16 };
	m.n_notify = 2;
	struct ip_addr hdr = A("10.99.0.2");
	ck_assert(mobike_peers_set(c, &c->path.remote, &hdr, &m));
	ck_assert_int_eq(c->mob->n_peers, 4);
	ck_assert(addr_is(&c->mob->peers[0], "10.99.0.1"));
	ck_assert(addr_is(&c->mob->peers[1], "10.99.0.2"));
	ck_assert(addr_is(&c->mob->peers[2], "10.99.0.5"));
	ck_assert(addr_is(&c->mob->peers[3], "2001:db8::1"));
	/* The same list again: no change. */
	ck_assert(!mobike_peers_set(c, &c->path.remote, &hdr, &m));
	/* peer-only walks the IPv4 addresses only (our own are IPv4). */
	C.cfg.mobikechangeaddrtype = MOBIKE_PEER_ONLY;
	const char *walk[] = { "10.99.0.2", "10.99.0.5", "10.99.0.1", "10.99.0.2" };
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(mobike_move(c), 0);
		te_pump(200);
		ck_assert(addr_is(&c->path.remote, walk[i]));
	}
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 4);
	m.notify[0] = (struct ike_notify){ .type = IKE_N_NO_ADDITIONAL_ADDRESSES };
	m.n_notify = 1;
	ck_assert(mobike_peers_set(c, &c->path.remote, &c->path.remote, &m));
	ck_assert_int_eq(c->mob->n_peers, 1);
	ck_assert(addr_is(&c->mob->peers[0], "10.99.0.2"));
	/* peer-only with one address: no move, nothing sent. */
	ck_assert_int_eq(mobike_move(c), 0);
	ck_assert_int_eq(C.n, 0);
	ck_assert_uint_eq(C.e.cnt.mobike_peerlist_changes, 3);
}
END_TEST

/* The IKE SA rekeyed after moves keeps the addresses and goes on moving. */
START_TEST(rekey_keeps_path)
{
	struct ikesa *c = up();
	ck_assert_int_eq(mobike_move(c), 0);
	te_pump(200);
	ck_assert_int_eq(sa_queue_task(c, TASK_IKE_REKEY, 0), 0);
	te_pump(200);
	struct ikesa *n = C.e.tunnels[0].sa;
	ck_assert_ptr_ne(n, c);
	ck_assert_ptr_nonnull(n->mob);
	ck_assert(addr_is(&n->path.local, "10.1.0.3"));
	ck_assert_int_eq(mobike_move(n), 0);
	te_pump(200);
	ck_assert(addr_is(&n->path.local, "10.1.0.2"));
	assert_agree(n, gw_sa(n));
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 2);
}
END_TEST

/* The peer rekeys a CHILD SA while our update is in flight (strongSwan
 * does right after answering it): accepted, not TEMPORARY_FAILURE. */
START_TEST(peer_child_rekey_during_update)
{
	struct ikesa *c = up(), *g = gw_sa(c);
	ck_assert_int_eq(mobike_move(c), 0);
	ck_assert_int_eq(c->state, IKE_S_UPDATINGADDR);
	engine_on_child_rekey_timer(g, g->children);
	ck_assert_int_eq(G.n, 1);
	te_deliver(&G, &C, 0);    /* the rekey reaches the updating client */
	ck_assert_int_eq(C.e.cnt.child_rekeyed, 1);
	te_pump(200);
	ck_assert_uint_eq(G.e.cnt.child_rekeyed, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 1);
	ck_assert_int_eq(c->state, IKE_S_ESTABLISHED);
	assert_agree(c, g);
}
END_TEST

/* Behind a NAT that rebinds (RFC 4555 3.8): DPDs carry NAT-D; when the
 * gateway's DESTINATION hash changes the client sends an update from the
 * same path and the gateway takes the new mapping from the headers. */
START_TEST(nat_rebinding_by_dpd)
{
	te_nat_shift = 40000;
	struct ikesa *c = up(), *g = gw_sa(c);
	ck_assert(c->nat_local);
	ck_assert_int_eq(g->path.rport, 44500);
	ck_assert_int_eq(sa_queue_task(c, TASK_DPD, 0), 0);
	te_pump(200);
	ck_assert(c->mob->natd_dst_known);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_sent, 0); /* same mapping: nothing */
	te_nat_shift = 41000; /* the NAT gives us another port */
	ck_assert_int_eq(sa_queue_task(c, TASK_DPD, 0), 0);
	te_pump(200);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_sent, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 1);
	ck_assert_int_eq(g->path.rport, 45500);
	ck_assert_int_eq(c->path.lport, 4500);
	/* Without a change, the next DPD sends no update. */
	ck_assert_int_eq(sa_queue_task(c, TASK_DPD, 0), 0);
	te_pump(200);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_sent, 1);
}
END_TEST

/* The responder side with what other peers send: COOKIE2 of 8 and 64
 * octets echoed unchanged, one with Protocol ID 1 (iked) too; 7 or 65
 * octets are not COOKIE2s we echo. */
START_TEST(cookie2_sizes_echoed)
{
	struct ikesa *c = up(), *g = gw_sa(c);
	static const unsigned lens[] = { 8, 64, 16, 7, 65 };
	for (unsigned i = 0; i < 5; i++) {
		static struct ike_msg m;
		static struct msg_out out;
		static struct ike_msg r;
		uint8_t ck[65];
		memset(&m, 0, sizeof(m));
		for (unsigned k = 0; k < sizeof(ck); k++)
			ck[k] = (uint8_t)(k * 7 + i);
		m.hdr.msgid = 9;
		m.notify[0] = (struct ike_notify){ .type = IKE_N_COOKIE2, .data = ck, .len = lens[i],
						   .protocol = i == 2 ? 1 : 0 };
		m.n_notify = 1;
		msg_begin(g, &out, IKE_EXCH_INFORMATIONAL, true, 9, false);
		mobike_info_respond(g, &m, &out, &g->path);
		const uint8_t *pkt;
		size_t len;
		ck_assert_int_eq(msg_finish(g, &out, &pkt, &len), 0);
		ck_assert_int_eq(ike_parse_message(pkt, len, &r), IKE_OK);
		const struct ike_notify *e = ike_msg_notify(&r, IKE_N_COOKIE2);
		if (lens[i] < 8 || lens[i] > 64) {
			ck_assert_ptr_null(e);
			continue;
		}
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->len, lens[i]);
		ck_assert(memcmp(e->data, ck, lens[i]) == 0);
	}
	(void)c;
}
END_TEST

/* The gateway rekeys the IKE SA while our update is in flight: the rekey
 * reaches us first, the update reaches the old gateway SA; the new SAs on
 * both sides end on the new path, the stale answer on the old SA is
 * ignored, nothing fails. */
START_TEST(update_racing_gateway_rekey)
{
	struct ikesa *c = up(), *g = gw_sa(c);
	ck_assert_int_eq(mobike_move(c), 0);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(sa_queue_task(g, TASK_IKE_REKEY, 0), 0);
	ck_assert_int_eq(G.n, 1);
	te_deliver(&G, &C, 0);   /* the rekey: answered while updating */
	ck_assert_int_eq(C.n, 3);  /* the update, the rekey's answer, the update again on the new SA */
	te_pump(200);
	ck_assert_uint_eq(C.e.cnt.ike_rekeyed, 1);
	struct ikesa *n = C.e.tunnels[0].sa;
	ck_assert_ptr_ne(n, c);
	ck_assert_ptr_nonnull(n->mob);
	ck_assert(addr_is(&n->path.local, "10.1.0.3"));
	/* The gateway made the new SA: it is its initiator now. */
	ck_assert(!n->initiator);
	struct ikesa *gn = spi_map_get(&G.e.sas, n->spi_i);
	ck_assert_ptr_nonnull(gn);
	ck_assert(addr_is(&gn->path.remote, "10.1.0.3"));
	assert_agree(n, gn);
	ck_assert_uint_eq(G.e.cnt.ike_rekeyed, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_failed + G.e.cnt.mobike_updates_failed, 0);
	ck_assert_uint_eq(C.e.cnt.live, 1);
	ck_assert_uint_eq(G.e.cnt.live, 1);
	/* And the new SA goes on moving. */
	ck_assert_int_eq(mobike_move(n), 0);
	te_pump(200);
	ck_assert(addr_is(&n->path.local, "10.1.0.2"));
	assert_agree(n, gn);
}
END_TEST

/* Our address in use deleted: the tunnel moves at once, even in peer-only
 * mode (the own address must change).  Another own address leaving or
 * coming back sends the gateway our new list (RFC 4555 3.6); an address
 * of nobody's is ignored. */
START_TEST(own_address_deleted)
{
	C.cfg.mobikechangeaddrtype = MOBIKE_PEER_ONLY;
	struct ikesa *c = up(), *g = gw_sa(c);
	struct ip_addr other = A("10.1.0.3"), used = A("10.1.0.2"), far = A("10.2.0.9");
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &far), 0);
	ck_assert_int_eq(C.n, 0);
	/* The other one leaves: a list with none but the address in use. */
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &other), 1);
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &other), 0); /* told once */
	ck_assert_int_eq(C.n, 1);
	te_pump(200);
	ck_assert(addr_is(&c->path.local, "10.1.0.2"));
	ck_assert_uint_eq(C.e.cnt.mobike_lists_sent, 1);
	ck_assert_uint_eq(g->mob->n_peers, 1);
	ck_assert(addr_is(&g->mob->peers[0], "10.1.0.2"));
	/* The one in use cannot go anywhere now: no other own address. */
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &used), -ENOENT);
	ck_assert(addr_is(&c->path.local, "10.1.0.2"));
	te_pump(200);
	/* Both come back: lists again (the gateway learns .3). */
	ck_assert_int_eq(mobike_addr_event(&C.e, &used, false), 1);
	ck_assert_int_eq(mobike_addr_event(&C.e, &other, false), 1);
	te_pump(200);
	ck_assert_uint_eq(g->mob->n_peers, 2);
	uint64_t lists = C.e.cnt.mobike_lists_sent;
	ck_assert_uint_ge(lists, 2);
	/* Now the one in use leaves: the move and its update carry the list. */
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &used), 1);
	ck_assert_int_eq(C.n, 1);
	te_pump(200);
	ck_assert(addr_is(&c->path.local, "10.1.0.3"));
	ck_assert(addr_is(&c->path.remote, "10.99.0.2"));
	assert_agree(c, g);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_lists_sent, lists + 1);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_sent, 1); /* no separate list */
	ck_assert_uint_eq(g->mob->n_peers, 1);
	ck_assert(addr_is(&g->mob->peers[0], "10.1.0.3"));
	/* Tunnel 1 owns 10.1.0.4 and .5. */
	ck_assert_int_eq(engine_start_tunnel(&C.e, 1), 0);
	te_pump(200);
	struct ikesa *c1 = C.e.tunnels[1].sa;
	struct ip_addr t1 = A("10.1.0.4");
	ck_assert_int_eq(mobike_addr_deleted(&C.e, &t1), 1);
	te_pump(200);
	ck_assert(addr_is(&c1->path.local, "10.1.0.5"));
	assert_agree(c1, gw_sa(c1));
}
END_TEST

/* Scenario 15: the gateway's address in use leaves its interface.  The
 * gateway sends its new list from a remaining address; the client, whose
 * peer address is gone from it, moves to where the list came from at once
 * and the gateway takes the update.  The address coming back is a new
 * list, no move. */
START_TEST(gateway_address_lost)
{
	C.cfg.mobikeiplifetime_ns = 0; /* only the loss moves the tunnel */
	struct ikesa *c = up(), *g = gw_sa(c);
	struct ip_addr gw1 = A("10.99.0.1"), gw9 = A("10.99.0.9");
	ck_assert_uint_eq(c->mob->n_peers, 3);
	ck_assert_int_eq(mobike_addr_event(&G.e, &gw9, true), 0); /* not ours */
	ck_assert_int_eq(mobike_addr_event(&G.e, &gw1, true), 1);
	ck_assert_int_eq(mobike_addr_event(&G.e, &gw1, true), 0);
	ck_assert(addr_is(&g->path.local, "10.99.0.2"));
	ck_assert_int_eq(G.n, 1);
	ck_assert(addr_is(&G.q[0].path.local, "10.99.0.2"));
	te_pump(200);
	ck_assert(addr_is(&c->path.local, "10.1.0.2"));
	ck_assert(addr_is(&c->path.remote, "10.99.0.2"));
	assert_agree(c, g);
	ck_assert_uint_eq(C.e.cnt.mobike_peer_gone, 1);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 1);
	ck_assert_uint_eq(G.e.cnt.mobike_updates_ok, 1);
	ck_assert_uint_eq(G.e.cnt.mobike_lists_sent, 1);
	ck_assert_uint_eq(c->mob->n_peers, 2);
	ck_assert(addr_is(&c->mob->peers[0], "10.99.0.2"));
	ck_assert(addr_is(&c->mob->peers[1], "10.99.0.3"));
	/* What the gateway offers now (a new SA's IKE_AUTH too). */
	struct ip_addr own[4];
	ck_assert_uint_eq(mobike_own_list(g, own, 4), 2);
	ck_assert(addr_is(&own[0], "10.99.0.2"));
	/* Back: the full list again; nobody moves. */
	ck_assert_int_eq(mobike_addr_event(&G.e, &gw1, false), 0);
	ck_assert_int_eq(G.n, 1);
	te_pump(200);
	ck_assert_uint_eq(c->mob->n_peers, 3);
	ck_assert(addr_is(&c->path.remote, "10.99.0.2"));
	ck_assert_uint_eq(C.e.cnt.mobike_peer_gone, 1);
	ck_assert_uint_eq(G.e.cnt.mobike_lists_sent, 2);
	ck_assert_uint_eq(mobike_own_list(g, own, 4), 3);
}
END_TEST

/* mobikeunacceptableaddr: the gateway answers UNACCEPTABLE_ADDRESSES and
 * keeps the old path; the client tries MOBIKE_MAX_RETRY times, then falls
 * back to the pair the gateway last took. */
START_TEST(unacceptable_addresses)
{
	ck_assert_int_eq(ip_prefix_parse("10.1.0.3/32", true, &G.cfg.mobikeunacceptableaddr),
			 0);
	struct ikesa *c = up(), *g = gw_sa(c);
	ck_assert_int_eq(mobike_move(c), 0);
	te_pump(200);
	ck_assert_uint_eq(G.e.cnt.mobike_refused, MOBIKE_MAX_RETRY);
	ck_assert_uint_eq(G.e.cnt.mobike_updates_ok, 0);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 0);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_failed, 1);
	ck_assert(addr_is(&c->path.local, "10.1.0.2"));
	ck_assert(addr_is(&g->path.remote, "10.1.0.2"));
	assert_agree(c, g);
	ck_assert_uint_eq(C.e.cnt.live, 1);
	/* The next move (back to .3 in own-only) is refused the same way; a
	 * gateway without the knob takes it. */
	memset(&G.cfg.mobikeunacceptableaddr, 0, sizeof(G.cfg.mobikeunacceptableaddr));
	ck_assert_int_eq(mobike_move(c), 0);
	te_pump(200);
	ck_assert(addr_is(&c->path.local, "10.1.0.3"));
	assert_agree(c, g);
	ck_assert_uint_eq(G.e.cnt.mobike_updates_ok, 1);
}
END_TEST

/* IPv4 <-> IPv6 (ikeswarm's mobikealt*addr): both ends own addresses of
 * both families; peer-only walks the gateway's list across families, the
 * client taking its own address of the peer's family; both ends agree at
 * every step, v4 -> v6 -> v4. */
START_TEST(family_moves)
{
	C.cfg.mobikechangeaddrtype = MOBIKE_PEER_ONLY;
	ck_assert_int_eq(ip_prefix_parse("fd00:1::2/64", true, &C.cfg.mobikealtclntaddr), 0);
	ck_assert_int_eq(ip_prefix_parse("fd00:99::1/64", true, &G.cfg.mobikealtgwaddr), 0);
	struct ikesa *c = up(), *g = gw_sa(c);
	ck_assert_uint_eq(c->mob->n_peers, 6);
	ck_assert(addr_is(&c->mob->peers[3], "fd00:99::1"));
	ck_assert_uint_eq(g->mob->n_peers, 4); /* our list: both families */
	ck_assert(addr_is(&g->mob->peers[2], "fd00:1::2"));
	static const char *const want[][2] = {
		{ "10.1.0.2", "10.99.0.2" },  { "10.1.0.2", "10.99.0.3" },
		{ "fd00:1::2", "fd00:99::1" }, { "fd00:1::2", "fd00:99::2" },
		{ "fd00:1::2", "fd00:99::3" }, { "10.1.0.2", "10.99.0.1" },
	};
	for (unsigned i = 0; i < 6; i++) {
		ck_assert_int_eq(mobike_move(c), 0);
		te_pump(200);
		ck_assert_msg(addr_is(&c->path.local, want[i][0]) &&
			      addr_is(&c->path.remote, want[i][1]), "move %u", i);
		assert_agree(c, g);
	}
	ck_assert_uint_eq(C.e.cnt.mobike_updates_ok, 6);
	ck_assert_uint_eq(G.e.cnt.mobike_updates_ok, 6);
	ck_assert_uint_eq(C.e.cnt.mobike_updates_failed + G.e.cnt.mobike_updates_failed, 0);
	/* own-only walks our four addresses, the peer following the family. */
	C.cfg.mobikechangeaddrtype = MOBIKE_OWN_ONLY;
	static const char *const own[][2] = {
		{ "10.1.0.3", "10.99.0.1" }, { "fd00:1::2", "fd00:99::1" },
		{ "fd00:1::3", "fd00:99::1" }, { "10.1.0.2", "10.99.0.1" },
	};
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_int_eq(mobike_move(c), 0);
		te_pump(200);
		ck_assert_msg(addr_is(&c->path.local, own[i][0]) &&
			      addr_is(&c->path.remote, own[i][1]), "own move %u", i);
		assert_agree(c, g);
	}
	/* The gateway loses its v4 addresses but one... and then that one:
	 * it sends its list over IPv6 to the client's IPv6 address, and the
	 * client goes over to IPv6. */
	struct ip_addr g1 = A("10.99.0.1"), g2 = A("10.99.0.2"), g3 = A("10.99.0.3");
	mobike_addr_event(&G.e, &g2, true);
	mobike_addr_event(&G.e, &g3, true);
	te_pump(200);
	ck_assert(addr_is(&c->path.remote, "10.99.0.1"));
	ck_assert_int_eq(mobike_addr_event(&G.e, &g1, true), 1);
	ck_assert(addr_is(&g->path.local, "fd00:99::1"));
	ck_assert(addr_is(&g->path.remote, "fd00:1::2"));
	te_pump(200);
	ck_assert(addr_is(&c->path.local, "fd00:1::2"));
	ck_assert(addr_is(&c->path.remote, "fd00:99::1"));
	assert_agree(c, g);
	ck_assert_uint_eq(c->mob->n_peers, 3);
}
END_TEST

static Suite *mobike_suite(void)
{
	Suite *s = suite_create("worker_mobike");
	TCase *tc = tcase_create("mobike");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, negotiated_with_lists);
	tcase_add_test(tc, own_only_update);
	tcase_add_test(tc, peer_only_cycles);
	tcase_add_test(tc, both_order);
	tcase_add_test(tc, cookie2_mismatch_closes);
	tcase_add_test(tc, rr_cookie2_mismatch_closes_gateway_sa);
	tcase_add_test(tc, no_return_routability);
	tcase_add_test(tc, no_nats_mismatch);
	tcase_add_test(tc, peer_without_mobike);
	tcase_add_test(tc, second_move_while_pending);
	tcase_add_test(tc, peer_list_replacement);
	tcase_add_test(tc, rekey_keeps_path);
	tcase_add_test(tc, own_address_deleted);
	tcase_add_test(tc, gateway_address_lost);
	tcase_add_test(tc, unacceptable_addresses);
	tcase_add_test(tc, family_moves);
	tcase_add_test(tc, peer_child_rekey_during_update);
	tcase_add_test(tc, nat_rebinding_by_dpd);
	tcase_add_test(tc, cookie2_sizes_echoed);
	tcase_add_test(tc, update_racing_gateway_rekey);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(mobike_suite)
