/* Remote-access tunnels: the gateway's pool slices (worker/ra_pool.h) and
 * the CP exchange between a ratunnel client engine and a poolconf gateway
 * engine (worker/ra_cp.h), with the two-engine harness. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "proto/ike.h"
#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/engine.h"
#include "worker/ra_cp.h"
#include "worker/ra_pool.h"
#include "worker/task.h"

static struct ip_prefix pfx(const char *s)
{
	struct ip_prefix p;
	ck_assert_int_eq(ip_prefix_parse(s, true, &p), 0);
	return p;
}

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	ck_assert_int_eq(ip_addr_parse(s, &a), 0);
	return a;
}

static const char *fmt(const struct ip_addr *a)
{
	static char b[4][IP_ADDR_STRLEN];
	static int k;
	k = (k + 1) % 4;
	return ip_addr_format(a, b[k], sizeof(b[k]));
}

/* ---- the pool ----------------------------------------------------------- */

/* Two workers split 10.200.0.1/24 (254 hosts, .255 is broadcast) into two
 * disjoint slices of 127; each runs dry at 127, and a returned address is
 * the next one given. */
START_TEST(pool_slices_exhaust_reuse)
{
	struct ip_prefix p = pfx("10.200.0.1/24");
	struct ra_pool w0, w1;
	struct ip_addr a, first1 = { 0 };
	ck_assert_uint_eq(ra_pool_room(&p), 254);
	ck_assert_int_eq(ra_pool_init(&w0, &p, 0, 2), 0);
	ck_assert_int_eq(ra_pool_init(&w1, &p, 1, 2), 0);
	ck_assert_uint_eq(w0.size, 127);
	ck_assert_uint_eq(w1.size, 127);
	for (unsigned i = 0; i < 127; i++) {
		ck_assert_int_eq(ra_pool_alloc(&w0, &a), 0);
		ck_assert(ra_pool_owns(&w0, &a));
		ck_assert(!ra_pool_owns(&w1, &a));
		ck_assert_int_eq(ra_pool_alloc(&w1, &first1), 0);
		ck_assert(!ra_pool_owns(&w0, &first1));
	}
	ck_assert_str_eq(fmt(&a), "10.200.0.127");
	ck_assert_str_eq(fmt(&first1), "10.200.0.254"); /* never the broadcast */
	ck_assert_int_eq(ra_pool_alloc(&w0, &a), -ENOSPC);
	ck_assert_int_eq(ra_pool_alloc(&w1, &a), -ENOSPC);
	ck_assert_uint_eq(w0.in_use, 127);

	struct ip_addr back = addr("10.200.0.42"), other = addr("10.200.0.200");
	ck_assert_int_eq(ra_pool_free(&w1, &back), -EINVAL); /* not its slice */
	ck_assert_int_eq(ra_pool_free(&w0, &other), -EINVAL);
	ck_assert_int_eq(ra_pool_free(&w0, &back), 0);
	ck_assert_uint_eq(w0.in_use, 126);
	ck_assert_int_eq(ra_pool_alloc(&w0, &a), 0);
	ck_assert_str_eq(fmt(&a), "10.200.0.42");
	ck_assert_int_eq(ra_pool_alloc(&w0, &a), -ENOSPC);
	ra_pool_fini(&w0);
	ra_pool_fini(&w1);
}
END_TEST

/* Edge sizes: fewer addresses than workers leaves a slice empty; a /31
 * keeps both addresses; an IPv6 /64 is capped per worker, not counted. */
START_TEST(pool_sizes)
{
	struct ra_pool pl;
	struct ip_addr a;
	struct ip_prefix p30 = pfx("10.0.0.1/30"), p31 = pfx("10.0.0.0/31");
	ck_assert_uint_eq(ra_pool_room(&p30), 2);
	ck_assert_int_eq(ra_pool_init(&pl, &p30, 2, 3), -ENOSPC);
	ck_assert_uint_eq(ra_pool_room(&p31), 2);
	struct ip_prefix none = { 0 };
	ck_assert_uint_eq(ra_pool_room(&none), 0);

	struct ip_prefix p6 = pfx("2001:db8::1/64");
	ck_assert_int_eq(ra_pool_init(&pl, &p6, 1, 2), 0);
	ck_assert_uint_eq(pl.size, (uint32_t)RA_POOL_SLICE_MAX);
	struct ip_addr b;
	ck_assert_int_eq(ra_pool_alloc(&pl, &a), 0);
	/* worker 1 starts 2^32 - 1 past ::1 */
	ck_assert_str_eq(fmt(&a), "2001:db8::1:0:0");
	ck_assert_int_eq(ra_pool_alloc(&pl, &b), 0);
	ck_assert_str_eq(fmt(&b), "2001:db8::1:0:1");
	ck_assert_int_eq(ra_pool_free(&pl, &b), 0);
	ck_assert_int_eq(ra_pool_free(&pl, &a), 0);
	ck_assert_int_eq(ra_pool_free(&pl, &a), -EINVAL); /* none left in use: refused */
	ck_assert_int_eq(ra_pool_alloc(&pl, &b), 0);
	ck_assert_str_eq(fmt(&b), "2001:db8::1:0:0"); /* last in, first out */
	ra_pool_fini(&pl);
}
END_TEST

/* ---- setup checks (conf/validate.c) ------------------------------------- */

/* Load yaml; true when some message (error or warning as asked) holds
 * `text`. */
static bool conf_says(const char *yaml, bool warning, const char *text, int *rc)
{
	struct config cfg;
	struct conf_diag d = { 0 };
	bool found = false;
	*rc = conf_load_string("ra", yaml, strlen(yaml), &cfg, &d);
	for (unsigned i = 0; i < d.n; i++)
		if (d.msgs[i].warning == warning && strstr(d.msgs[i].text, text))
			found = true;
	if (!found)
		conf_diag_print(&d, stderr);
	conf_diag_free(&d);
	config_free(&cfg);
	return found;
}

#define GW_HEAD "role: gateway\nnumberoftunnels: 300\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"

/* The keys are accepted now; a pool too small for numberoftunnels warns,
 * one of the wrong family or a DNS list of the other family is an error,
 * and each role is told when it holds the other's key. */
START_TEST(setup_checks)
{
	int rc;
	ck_assert(conf_says(GW_HEAD "poolconf:\n  v4startaddr: 10.200.0.1/24\nikeconf:\n  psk: x\n",
			    true, "holds 254 addresses, fewer than numberoftunnels 300", &rc));
	ck_assert_int_eq(rc, 0);
	ck_assert(conf_says(GW_HEAD "poolconf:\n  v6startaddr: 10.200.0.1/24\nikeconf:\n  psk: x\n",
			    false, "poolconf.v6startaddr 10.200.0.1/24 is not an IPv6 prefix", &rc));
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert(conf_says(GW_HEAD "poolconf:\n  v4startaddr: 10.200.0.1/16\n"
				    "  v4dnslist: ['fd00::53']\nikeconf:\n  psk: x\n",
			    false, "poolconf.v4dnslist: IPv4 addresses only", &rc));
	ck_assert(conf_says(GW_HEAD "ikeconf:\n  psk: x\n  ratunnel: true\n", true,
			    "ikeconf.ratunnel is for a client", &rc));
	ck_assert_int_eq(rc, 0);
	ck_assert(conf_says("role: client\nnumberoftunnels: 2\nstartclntaddr: 10.1.0.2/16\n"
			    "peeraddr: 10.99.0.1\nbindifname: vcl\n"
			    "poolconf:\n  v4startaddr: 10.200.0.1/24\n"
			    "ikeconf:\n  psk: x\n  ratunnel: true\n  virtualipif: dummy0\n",
			    true, "a client ignores it", &rc));
	ck_assert_int_eq(rc, 0);
}
END_TEST

/* ---- client and gateway engines ---------------------------------------- */

static const char client_fmt[] =
	"role: client\nnumberoftunnels: %d\nstartclntaddr: 10.1.0.2/16\n"
	"peeraddr: 10.99.0.1\nbindifname: vcl\nsetupinterval: 10ms\n"
	"tunnelmaxretry: 0\n"
	"ikeconf:\n  psk: secret\n  retraninterval: 1s\n  maxretran: 2\n  ratunnel: true\n"
	"  childlist:\n  - ownts:\n%s";
static const char ownts_v4[] =
	"    - {type: v4, startaddr: 0.0.0.0, endaddr: 255.255.255.255}\n";
static const char ownts_v4v6[] =
	"    - {type: v4, startaddr: 0.0.0.0, endaddr: 255.255.255.255}\n"
	"    - {type: v6, startaddr: '::', endaddr: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'}\n"
	"    peerts:\n"
	"    - {type: v4, startaddr: 0.0.0.0, endaddr: 255.255.255.255}\n"
	"    - {type: v6, startaddr: '::', endaddr: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'}\n";
static const char gateway_fmt[] =
	"role: gateway\nnumberoftunnels: %d\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"
	"ikeconf:\n  psk: secret\n  retraninterval: 1s\n  maxretran: 2\n"
	"  childlist:\n  - ownts:\n%s"
	"%s";

static char *log_buf;
static size_t log_len;
static FILE *client_log;

static void setup_with(int n, const char *ownts, const char *pool)
{
	char cy[2048], gy[2048];
	te_nat_shift = 0;
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	snprintf(cy, sizeof(cy), client_fmt, n, ownts);
	snprintf(gy, sizeof(gy), gateway_fmt, n, ownts, pool);
	load(&C, cy);
	load(&G, gy);
	log_buf = NULL;
	log_len = 0;
	client_log = open_memstream(&log_buf, &log_len);
	start_side_log(&C, 1, client_log, 5);
	start_side(&G, 2);
}

static void teardown(void)
{
	sides_fini();
	if (client_log)
		fclose(client_log);
	client_log = NULL;
	free(log_buf);
	log_buf = NULL;
}

static const char pool_v4[] = "poolconf:\n  v4startaddr: 10.200.0.1/24\n"
			      "  v4dnslist: [10.0.0.53, 10.0.0.54]\n";

static struct ikesa *gw_sa_of(const struct ikesa *csa)
{
	return spi_map_get(&G.e.sas, csa->spi_r);
}

static const char *vip4(const struct ikesa *sa)
{
	struct ip_addr a;
	ck_assert(ra_vip_v4(&sa->vip, &a));
	return fmt(&a);
}

/* The CHILD SA of sa: its first local selector is the one address a. */
static void child_local_is(const struct ikesa *sa, bool local, const char *a)
{
	ck_assert_ptr_nonnull(sa->children);
	const struct ike_ts *t = local ? &sa->children->ts_local : &sa->children->ts_remote;
	struct ip_addr s = { .family = AF_INET }, e = { .family = AF_INET };
	ck_assert_int_eq(t->type, IKE_TS_IPV4_ADDR_RANGE);
	memcpy(s.bytes, t->start, 4);
	memcpy(e.bytes, t->end, 4);
	ck_assert_str_eq(fmt(&s), a);
	ck_assert_str_eq(fmt(&e), a);
}

/* What the client's IKE_AUTH request carries: CP(CFG_REQUEST) for an IPv4
 * address and DNS, TSi = 0.0.0.0-255.255.255.255 (RFC 7296 2.19). */
START_TEST(client_request_has_cp)
{
	setup_with(1, ownts_v4, pool_v4);
	engine_start_tunnel(&C.e, 0);
	te_deliver(&C, &G, 0);
	te_deliver(&G, &C, 0);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_AUTH);
	/* (encrypted: the gateway's answer shows what it read) */
	te_pump(50);
	struct ikesa *csa = C.e.tunnels[0].sa, *gsa = gw_sa_of(csa);
	ck_assert_ptr_nonnull(gsa);
	ck_assert(gsa->vip.flags & RA_POOLED);
	ck_assert_str_eq(vip4(gsa), "10.200.0.1");
	ck_assert_str_eq(vip4(csa), "10.200.0.1");
	/* gateway: the peer's selector narrowed to that one address */
	child_local_is(gsa, false, "10.200.0.1");
	child_local_is(csa, true, "10.200.0.1");
	fflush(client_log);
	ck_assert_ptr_nonnull(strstr(log_buf, "ra.vip vip=10.200.0.1"));
}
END_TEST

/* N clients get N distinct addresses; a deleted tunnel's address returns
 * to the pool and the next tunnel gets it. */
START_TEST(n_clients_distinct_then_reused)
{
	enum { N = 6 };
	setup_with(N, ownts_v4, pool_v4);
	for (int i = 0; i < N; i++)
		engine_start_tunnel(&C.e, i);
	te_pump(400);
	ck_assert_int_eq(C.e.cnt.has_child, N);
	ck_assert_int_eq(G.e.cnt.has_child, N);
	char seen[N][IP_ADDR_STRLEN];
	for (int i = 0; i < N; i++) {
		struct ikesa *csa = C.e.tunnels[i].sa;
		ck_assert_ptr_nonnull(csa);
		snprintf(seen[i], sizeof(seen[i]), "%s", vip4(csa));
		ck_assert_str_eq(vip4(gw_sa_of(csa)), seen[i]);
		child_local_is(csa, true, seen[i]);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(seen[i], seen[j]);
	}
	ck_assert_ptr_nonnull(G.e.pools);
	ck_assert_uint_eq(G.e.pools->v4.in_use, N);

	/* tunnel 2 goes: its address is free again */
	struct ikesa *csa = C.e.tunnels[2].sa;
	sa_queue_task(csa, TASK_DELETE, 0);
	te_pump(50);
	ck_assert_ptr_null(C.e.tunnels[2].sa);
	ck_assert_uint_eq(G.e.pools->v4.in_use, N - 1);
	/* and a new IKE SA of that tunnel gets exactly it */
	engine_start_tunnel(&C.e, 2);
	te_pump(50);
	ck_assert_ptr_nonnull(C.e.tunnels[2].sa);
	ck_assert_str_eq(vip4(C.e.tunnels[2].sa), seen[2]);
	ck_assert_uint_eq(G.e.pools->v4.in_use, N);
}
END_TEST

/* A pool of two (10.200.0.1/30: .3 is broadcast): the third client gets
 * INTERNAL_ADDRESS_FAILURE and no CHILD SA; its IKE SA is deleted. */
START_TEST(exhausted_pool_refuses)
{
	setup_with(3, ownts_v4, "poolconf:\n  v4startaddr: 10.200.0.1/30\n");
	for (int i = 0; i < 3; i++)
		engine_start_tunnel(&C.e, i);
	te_pump(400);
	ck_assert_int_eq(C.e.cnt.has_child, 2);
	ck_assert_int_eq(G.e.cnt.has_child, 2);
	ck_assert_uint_eq(G.e.pools->v4.in_use, 2);
	ck_assert_uint_eq(G.e.pools->exhausted, 1);
	int up = 0;
	for (int i = 0; i < 3; i++)
		up += C.e.tunnels[i].sa != NULL;
	ck_assert_int_eq(up, 2);
	fflush(client_log);
	ck_assert_ptr_nonnull(strstr(log_buf, "reason=INTERNAL_ADDRESS_FAILURE"));
}
END_TEST

/* No pool on the gateway: it ignores the CP; the client fails the
 * attempt with a clear reason. */
START_TEST(no_pool_no_reply_fails)
{
	setup_with(1, ownts_v4, "");
	engine_start_tunnel(&C.e, 0);
	te_pump(100);
	ck_assert_ptr_null(G.e.pools);
	ck_assert_int_eq(C.e.cnt.has_child, 0);
	ck_assert_ptr_null(C.e.tunnels[0].sa);
	fflush(client_log);
	ck_assert_ptr_nonnull(strstr(log_buf, "tunnel.fail reason=\"no CFG_REPLY"));
}
END_TEST

/* IKE rekey keeps the address on both ends (the pool neither frees nor
 * hands out another); a CHILD rekey proposes the same selector. */
START_TEST(rekeys_keep_address)
{
	setup_with(1, ownts_v4, pool_v4);
	engine_start_tunnel(&C.e, 0);
	te_pump(100);
	struct ikesa *csa = C.e.tunnels[0].sa;
	uint64_t old_spi = csa->spi_i;
	ck_assert_str_eq(vip4(csa), "10.200.0.1");
	sa_queue_task(csa, TASK_IKE_REKEY, 0);
	te_pump(100);
	csa = C.e.tunnels[0].sa;
	ck_assert_ptr_nonnull(csa);
	ck_assert(csa->spi_i != old_spi);
	ck_assert_int_eq(C.e.cnt.ike_rekeyed, 1);
	ck_assert_str_eq(vip4(csa), "10.200.0.1");
	struct ikesa *gsa = gw_sa_of(csa);
	ck_assert_ptr_nonnull(gsa);
	ck_assert_str_eq(vip4(gsa), "10.200.0.1");
	ck_assert(gsa->vip.flags & RA_POOLED);
	ck_assert_uint_eq(G.e.pools->v4.in_use, 1);

	sa_queue_task(csa, TASK_CHILD_REKEY, (int)csa->children->spi_in);
	te_pump(100);
	ck_assert_int_eq(C.e.cnt.child_rekeyed, 1);
	ck_assert_int_eq(csa->n_children, 1);
	child_local_is(csa, true, "10.200.0.1");
	child_local_is(gsa, false, "10.200.0.1");

	/* a second CHILD SA (CREATE_CHILD_SA) proposes the address as TSi */
	struct ike_ts_list tsi = { 0 };
	ra_client_child_tsi(csa, &tsi);
	ck_assert_int_eq(tsi.n, 1);
	ck_assert_int_eq(tsi.ts[0].start[3], 1);
	ck_assert_int_eq(tsi.ts[0].end[3], 1);

	sa_queue_task(csa, TASK_DELETE, 0);
	te_pump(50);
	ck_assert_uint_eq(G.e.pools->v4.in_use, 0);
}
END_TEST

/* The gateway rekeys the CHILD SA: as responder the client's side is its
 * virtual address, though its ownts (10.2.0.1/32) does not hold it. */
START_TEST(gateway_child_rekey_client_ownts_elsewhere)
{
	te_nat_shift = 0;
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	load(&C, "role: client\nnumberoftunnels: 1\nstartclntaddr: 10.1.0.2/16\n"
		 "peeraddr: 10.99.0.1\nbindifname: vcl\ntunnelmaxretry: 0\n"
		 "ikeconf:\n  psk: secret\n  ratunnel: true\n  childlist:\n"
		 "  - ownts: [{type: v4, startaddr: 10.2.0.1, endaddr: 10.2.0.1}]\n"
		 "    peerts: [{type: v4, startaddr: 10.1.0.0, endaddr: 10.1.255.255}]\n");
	load(&G, "role: gateway\nnumberoftunnels: 1\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"
		 "poolconf:\n  v4startaddr: 10.200.0.7/24\n"
		 "ikeconf:\n  psk: secret\n  childlist:\n"
		 "  - ownts: [{type: v4, startaddr: 10.1.0.0, endaddr: 10.1.255.255}]\n"
		 "    peerts: [{type: v4, startaddr: 10.200.0.0, endaddr: 10.200.0.255}]\n");
	client_log = NULL;
	start_side(&C, 1);
	start_side(&G, 2);
	engine_start_tunnel(&C.e, 0);
	te_pump(100);
	struct ikesa *csa = C.e.tunnels[0].sa, *gsa = gw_sa_of(csa);
	ck_assert_ptr_nonnull(gsa);
	ck_assert_str_eq(vip4(csa), "10.200.0.7");
	child_local_is(csa, true, "10.200.0.7");
	sa_queue_task(gsa, TASK_CHILD_REKEY, (int)gsa->children->spi_in);
	te_pump(100);
	ck_assert_int_eq(G.e.cnt.child_rekeyed, 1);
	ck_assert_int_eq(csa->n_children, 1);
	child_local_is(csa, true, "10.200.0.7");
	child_local_is(gsa, false, "10.200.0.7");
}
END_TEST

/* IPv4 and IPv6 asked for (ownts has both): both pools answer. */
START_TEST(dual_stack)
{
	setup_with(2, ownts_v4v6,
		   "poolconf:\n  v4startaddr: 10.200.0.1/24\n  v6startaddr: fd00:200::1/112\n"
		   "  v6dnslist: ['fd00::53']\n");
	engine_start_tunnel(&C.e, 0);
	engine_start_tunnel(&C.e, 1);
	te_pump(200);
	ck_assert_int_eq(C.e.cnt.has_child, 2);
	struct ikesa *a = C.e.tunnels[0].sa, *b = C.e.tunnels[1].sa;
	struct ip_addr x, y;
	ck_assert(ra_vip_v6(&a->vip, &x));
	ck_assert(ra_vip_v6(&b->vip, &y));
	ck_assert(ip_addr_cmp(&x, &y) != 0);
	ck_assert_str_eq(vip4(a), "10.200.0.1");
	char buf[2 * IP_ADDR_STRLEN];
	ck_assert_str_eq(ra_vip_format(&a->vip, buf, sizeof(buf)), "10.200.0.1,fd00:200::1");
	/* the client's CHILD SA: one selector per address */
	ck_assert_int_eq(a->children->n_ts_local, 2);
	ck_assert_uint_eq(G.e.pools->v6.in_use, 2);
}
END_TEST

/* The gateway's CFG_REPLY itself (built in the clear, parsed back): the
 * address of each family asked for (IPv6 with prefix length 128) and the
 * DNS servers of that family's list (sent with the address, asked for or
 * not); freeing the IKE SA gives the addresses back, and the next IKE SA
 * gets the same ones (round 2). */
START_TEST(gateway_reply_contents)
{
	char gy[1024];
	memset(&G, 0, sizeof(G));
	snprintf(gy, sizeof(gy),
		 "role: gateway\nnumberoftunnels: 2\nbindifname: vgw\nbindifaddr: 10.99.0.1\n"
		 "poolconf:\n  v4startaddr: 10.200.0.1/24\n  v4dnslist: [10.0.0.53, 10.0.0.54]\n"
		 "  v6startaddr: fd00:200::1/112\n  v6dnslist: ['fd00::53']\n"
		 "ikeconf:\n  psk: secret\n");
	load(&G, gy);
	load(&C, "role: client\nnumberoftunnels: 1\nstartclntaddr: 10.1.0.2/16\n"
		 "peeraddr: 10.99.0.1\nbindifname: vcl\nikeconf:\n  psk: secret\n");
	start_side(&G, 0);
	start_side(&C, 1);
	struct ike_path path = { .local = addr("10.99.0.1"), .remote = addr("10.1.0.2"),
				 .lport = 4500, .rport = 4500 };
	for (int round = 0; round < 2; round++) {
		struct ikesa *sa = ikesa_new(&G.e, false, -1, &path, 0);
		ck_assert_ptr_nonnull(sa);
		struct ike_msg req = { .has_cp = true };
		req.cp.type = IKE_CFG_REQUEST;
		req.cp.attr[req.cp.n++].type = IKE_CPA_INTERNAL_IP4_ADDRESS;
		req.cp.attr[req.cp.n++].type = IKE_CPA_INTERNAL_IP4_DNS;
		req.cp.attr[req.cp.n++].type = IKE_CPA_INTERNAL_IP6_ADDRESS;
		static struct msg_out out;
		struct ike_hdr h = { .spi_i = 1, .spi_r = 2, .version = 0x20,
				     .exchange = IKE_EXCH_AUTH, .flags = IKE_FLAG_RESPONSE };
		ike_wr_init(&out.w, out.buf, sizeof(out.buf));
		ck_assert_int_eq(ike_build_begin(&out.b, &out.w, &h), IKE_OK);
		ck_assert_int_eq(ra_gw_respond(sa, &req, &out), 0);
		ck_assert_int_eq(ike_build_end(&out.b), IKE_OK);
		struct ike_msg m;
		ck_assert_int_eq(ike_parse_message(out.buf, out.w.len, &m), IKE_OK);
		ck_assert(m.has_cp);
		ck_assert_int_eq(m.cp.type, IKE_CFG_REPLY);
		unsigned a4 = 0, a6 = 0, d4 = 0, d6 = 0;
		for (unsigned i = 0; i < m.cp.n; i++) {
			const struct ike_cp_attr *at = &m.cp.attr[i];
			switch (at->type) {
			case IKE_CPA_INTERNAL_IP4_ADDRESS:
				ck_assert_int_eq(at->len, 4);
				ck_assert_int_eq(at->data[3], 1);
				a4++;
				break;
			case IKE_CPA_INTERNAL_IP6_ADDRESS:
				ck_assert_int_eq(at->len, 17);
				ck_assert_int_eq(at->data[15], 1);
				ck_assert_int_eq(at->data[16], 128);
				a6++;
				break;
			case IKE_CPA_INTERNAL_IP4_DNS:
				ck_assert_int_eq(at->len, 4);
				ck_assert_int_eq(at->data[3], d4 ? 54 : 53);
				d4++;
				break;
			case IKE_CPA_INTERNAL_IP6_DNS:
				ck_assert_int_eq(at->len, 16);
				d6++;
				break;
			default:
				ck_abort_msg("unexpected CP attribute %u", at->type);
			}
		}
		ck_assert_uint_eq(a4, 1);
		ck_assert_uint_eq(a6, 1);
		ck_assert_uint_eq(d4, 2);
		ck_assert_uint_eq(d6, 1);
		ck_assert_uint_eq(G.e.pools->v4.in_use, 1);
		ck_assert_uint_eq(G.e.pools->v6.in_use, 1);
		sa_state(sa, IKE_S_CLOSED, "test");
		ikesa_free(sa);
		ck_assert_uint_eq(G.e.pools->v4.in_use, 0);
		ck_assert_uint_eq(G.e.pools->v6.in_use, 0);
	}
}
END_TEST

static Suite *ra_suite(void)
{
	Suite *s = suite_create("worker_ra");
	TCase *tp = tcase_create("pool");
	tcase_add_test(tp, pool_slices_exhaust_reuse);
	tcase_add_test(tp, pool_sizes);
	tcase_add_test(tp, setup_checks);
	suite_add_tcase(s, tp);
	TCase *tc = tcase_create("engines");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, client_request_has_cp);
	tcase_add_test(tc, n_clients_distinct_then_reused);
	tcase_add_test(tc, exhausted_pool_refuses);
	tcase_add_test(tc, no_pool_no_reply_fails);
	tcase_add_test(tc, rekeys_keep_address);
	tcase_add_test(tc, gateway_child_rekey_client_ownts_elsewhere);
	tcase_add_test(tc, dual_stack);
	tcase_add_test(tc, gateway_reply_contents);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(ra_suite)
