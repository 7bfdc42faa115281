/* Why an incoming IKE message was dropped: each drop site counts its own
 * reason and the total (rx_dropped stays the sum), and the reasons reach
 * the stats message, the summary's "drops" object and the result.  Engines
 * are driven with crafted packets (t/unit/tengine.h). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "lib/msg.h"
#include "proto/ike.h"
#include "t/unit/tcheck.h"
#include "t/unit/tengine.h"
#include "worker/counters.h"
#include "worker/engine.h"
#include "worker/result.h"

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
	sides_start(client_yaml, gateway_yaml);
}

static void teardown(void)
{
	sides_fini();
}

/* c dropped exactly `n` messages, all for reason r, and the total is the
 * sum of the reasons. */
static void assert_drops(const struct counters *c, enum drop_reason r, uint64_t n)
{
	uint64_t sum = 0;
	for (int i = 0; i < DROP_COUNT; i++) {
		sum += c->drops[i];
		if (i != (int)r)
			ck_assert_msg(c->drops[i] == 0, "%s=%llu", drop_reason_name(i),
				      (unsigned long long)c->drops[i]);
	}
	ck_assert_msg(c->drops[r] == n, "%s=%llu, want %llu", drop_reason_name(r),
		      (unsigned long long)c->drops[r], (unsigned long long)n);
	ck_assert_uint_eq(c->rx_dropped, n);
	ck_assert_uint_eq(sum, c->rx_dropped);
}

/* The path a packet from the client takes to the gateway. */
static struct ike_path to_gateway(void)
{
	struct ike_path p = { .lport = 500, .rport = 500 };
	ck_assert_int_eq(ip_addr_parse("10.99.0.1", &p.local), 0);
	ck_assert_int_eq(ip_addr_parse("10.1.0.2", &p.remote), 0);
	return p;
}

/* A message with header h and no payloads into buf; its length. */
static size_t header_only(const struct ike_hdr *h, uint8_t *buf, size_t cap)
{
	struct ike_writer w;
	struct ike_builder b;
	ike_wr_init(&w, buf, cap);
	ck_assert_int_eq(ike_build_begin(&b, &w, h), IKE_OK);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	return w.len;
}

/* ---- names -------------------------------------------------------------- */

START_TEST(reason_names_are_stable_keys)
{
	for (int r = 0; r < DROP_COUNT; r++) {
		const char *n = drop_reason_name(r), *k = drop_reason_key(r);
		ck_assert_ptr_nonnull(k);
		ck_assert_msg(n[0] >= 'a' && n[0] <= 'z', "reason %d: '%s'", r, n);
		ck_assert_msg(strspn(n, "abcdefghijklmnopqrstuvwxyz_") == strlen(n), "'%s'", n);
		ck_assert_msg(!strncmp(k, DROP_KEY_PREFIX, strlen(DROP_KEY_PREFIX)) &&
			      !strcmp(k + strlen(DROP_KEY_PREFIX), n), "key '%s' of '%s'", k, n);
		for (int q = 0; q < r; q++)
			ck_assert_str_ne(n, drop_reason_name(q));
	}
	/* The names harnesses scrape (ikeswarm-control(7)). */
	ck_assert_str_eq(drop_reason_name(DROP_MALFORMED), "malformed");
	ck_assert_str_eq(drop_reason_name(DROP_UNKNOWN_SPI), "unknown_spi");
	ck_assert_str_eq(drop_reason_name(DROP_NOT_ACCEPTED), "not_accepted");
	ck_assert_str_eq(drop_reason_name(DROP_BAD_INIT), "bad_init");
	ck_assert_str_eq(drop_reason_name(DROP_UNPROTECTED), "unprotected");
	ck_assert_str_eq(drop_reason_name(DROP_COUNT), "?");
	ck_assert_ptr_null(drop_reason_key(DROP_COUNT));
}
END_TEST

/* ---- drop sites --------------------------------------------------------- */

START_TEST(truncated_header_is_malformed)
{
	struct ike_path p = to_gateway();
	uint8_t buf[64];
	struct ike_hdr h = { .spi_i = 0x0102030405060708ull, .version = IKE_VERSION,
			     .exchange = IKE_EXCH_SA_INIT, .flags = IKE_FLAG_INITIATOR };
	size_t len = header_only(&h, buf, sizeof(buf));
	ck_assert_uint_eq(len, 28);
	engine_input(&G.e, &p, buf, 20);        /* shorter than a header */
	assert_drops(&G.e.cnt, DROP_MALFORMED, 1);
	engine_input(&G.e, &p, buf, len - 1);   /* length field says more */
	assert_drops(&G.e.cnt, DROP_MALFORMED, 2);
	ck_assert_uint_eq(G.sent, 0);
}
END_TEST

START_TEST(unknown_spi)
{
	struct ike_path p = to_gateway();
	uint8_t buf[64];
	struct ike_hdr h = { .spi_i = 0x1111222233334444ull, .spi_r = 0x0255666677778888ull,
			     .version = IKE_VERSION, .exchange = IKE_EXCH_CREATE_CHILD_SA,
			     .flags = IKE_FLAG_INITIATOR, .msgid = 2 };
	size_t len = header_only(&h, buf, sizeof(buf));
	engine_input(&G.e, &p, buf, len);
	assert_drops(&G.e.cnt, DROP_UNKNOWN_SPI, 1);
	ck_assert_uint_eq(G.e.cnt.live, 0);
}
END_TEST

START_TEST(init_request_to_a_client)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_SA_INIT);
	/* A client answers no IKE_SA_INIT: its own request handed back. */
	te_deliver(&C, &C, 0);
	assert_drops(&C.e.cnt, DROP_NOT_ACCEPTED, 1);
	ck_assert_int_eq(C.n, 0);
}
END_TEST

START_TEST(init_without_ke)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	ck_assert_int_eq(C.n, 1);
	struct ike_msg m;
	ck_assert_int_eq(ike_parse_message(C.q[0].data, C.q[0].len, &m), IKE_OK);
	ck_assert(m.has_sa && m.has_ke && m.has_nonce);
	/* The same IKE_SA_INIT rebuilt without its KE payload. */
	uint8_t buf[PKTMAX];
	struct ike_writer w;
	struct ike_builder b;
	ike_wr_init(&w, buf, sizeof(buf));
	ck_assert_int_eq(ike_build_begin(&b, &w, &m.hdr), IKE_OK);
	ck_assert_int_eq(ike_add_sa(&b, &m.sa), IKE_OK);
	ck_assert_int_eq(ike_add_nonce(&b, m.nonce.data, m.nonce.len), IKE_OK);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	struct ike_path p = to_gateway();
	engine_input(&G.e, &p, buf, w.len);
	assert_drops(&G.e.cnt, DROP_BAD_INIT, 1);
	ck_assert_uint_eq(G.sent, 0);
	ck_assert_uint_eq(G.e.cnt.total, 0);
	/* The whole message as the client sent it is accepted. */
	te_deliver(&C, &G, 0);
	ck_assert_uint_eq(G.e.cnt.rx_dropped, 1);
	ck_assert_int_eq(G.n, 1);
}
END_TEST

START_TEST(response_twice_is_unexpected)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_deliver(&C, &G, 0);
	ck_assert_int_eq(G.n, 1);
	struct pkt copy = G.q[0];
	te_deliver(&G, &C, 0);              /* IKE_SA_INIT response: IKE_AUTH goes out */
	ck_assert_uint_eq(C.e.cnt.rx_dropped, 0);
	G.q[G.n++] = copy;
	te_deliver(&G, &C, G.n - 1);        /* the same response again */
	assert_drops(&C.e.cnt, DROP_UNEXPECTED_RESPONSE, 1);
}
END_TEST

START_TEST(bad_integrity_is_decrypt_failed)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_deliver(&C, &G, 0);
	te_deliver(&G, &C, 0);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_AUTH);
	C.q[0].data[C.q[0].len - 1] ^= 0x01; /* the ICV's last octet */
	te_deliver(&C, &G, 0);
	assert_drops(&G.e.cnt, DROP_DECRYPT_FAILED, 1);
	ck_assert_int_eq(G.n, 0);
	ck_assert_uint_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 0);
}
END_TEST

START_TEST(late_init_after_established)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	struct pkt init = C.q[0];
	te_pump(200);
	ck_assert_uint_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 1);
	ck_assert_uint_eq(G.e.cnt.rx_dropped, 0);
	/* The IKE_SA_INIT arrives again, well after IKE_AUTH. */
	C.q[C.n++] = init;
	te_deliver(&C, &G, C.n - 1);
	assert_drops(&G.e.cnt, DROP_LATE_INIT, 1);
	ck_assert_int_eq(G.n, 0);
	ck_assert_uint_eq(G.e.cnt.total, 1);
}
END_TEST

START_TEST(request_outside_the_window)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_pump(200);
	struct ikesa *sa = C.e.tunnels[0].sa;
	ck_assert_ptr_nonnull(sa);
	/* A request on the live SA, message ID 7 where 2 is next: refused
	 * before any decryption is tried. */
	struct ike_path p = to_gateway();
	uint8_t buf[64];
	struct ike_hdr h = { .spi_i = sa->spi_i, .spi_r = sa->spi_r, .version = IKE_VERSION,
			     .exchange = IKE_EXCH_CREATE_CHILD_SA, .flags = IKE_FLAG_INITIATOR,
			     .msgid = 7 };
	size_t len = header_only(&h, buf, sizeof(buf));
	engine_input(&G.e, &p, buf, len);
	assert_drops(&G.e.cnt, DROP_MSGID_WINDOW, 1);
	/* The next message ID gets as far as the SK check. */
	h.msgid = 2;
	len = header_only(&h, buf, sizeof(buf));
	engine_input(&G.e, &p, buf, len);
	ck_assert_uint_eq(G.e.cnt.drops[DROP_UNPROTECTED], 1);
	ck_assert_uint_eq(G.e.cnt.rx_dropped, 2);
	ck_assert_uint_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 1);
}
END_TEST

/* The client's DELETE at stop is answered, the answer is lost: the
 * gateway has freed the SA, so the retransmitted DELETE finds no SPI there
 * and is answered by an unprotected INVALID_IKE_SPI, which the client
 * cannot take as the answer to its protected request (seen under 10 %
 * loss in t/netns/10-engine.sh engine_loss). */
START_TEST(lost_delete_answer_is_unknown_spi_then_unprotected)
{
	ck_assert_int_eq(engine_start_tunnel(&C.e, 0), 0);
	te_pump(200);
	ck_assert_uint_eq(G.e.cnt.state[IKE_S_ESTABLISHED], 1);
	engine_stop(&C.e);
	ck_assert_int_eq(C.n, 1);
	ck_assert_int_eq(msg_exchange(&C.q[0]), IKE_EXCH_INFORMATIONAL);
	te_deliver(&C, &G, 0);
	ck_assert_uint_eq(G.e.cnt.live, 0);
	ck_assert_int_eq(G.n, 1);
	te_drop(&G, 0);                     /* the DELETE's answer is lost */
	advance(NS_PER_SEC);                /* retraninterval: the DELETE again */
	ck_assert_int_eq(C.n, 1);
	te_deliver(&C, &G, 0);
	assert_drops(&G.e.cnt, DROP_UNKNOWN_SPI, 1);
	ck_assert_int_eq(G.n, 1);           /* INVALID_IKE_SPI, unprotected */
	te_deliver(&G, &C, 0);
	assert_drops(&C.e.cnt, DROP_UNPROTECTED, 1);
}
END_TEST

/* ---- stats and result --------------------------------------------------- */

START_TEST(stats_message_carries_every_reason)
{
	struct counters c = { 0 };
	counters_drop(&c, DROP_UNKNOWN_SPI);
	counters_drop(&c, DROP_UNKNOWN_SPI);
	counters_drop(&c, DROP_LATE_INIT);
	ck_assert_uint_eq(c.rx_dropped, 3);
	/* As the worker sends it: flat integers, which the message table checks. */
	json_t *o = json_object();
	json_object_set_new(o, "dropped", json_integer((json_int_t)c.rx_dropped));
	counters_drops_put_flat(o, &c);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "drop_unknown_spi")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "drop_late_init")), 1);
	ck_assert(json_is_integer(json_object_get(o, "drop_malformed")));
	json_t *m = msg_new("stats", -1);
	json_object_set_new(m, "worker", json_integer(0));
	json_object_set(m, "counters", o);
	char why[MSG_WHY_LEN] = "";
	const struct msg_type *t;
	ck_assert_msg(msg_check(m, &t, why, sizeof(why)) == 0, "%s", why);
	json_decref(m);

	/* The supervisor reads them back ... */
	struct counters back = { 0 };
	counters_drops_get_flat(o, &back);
	ck_assert(!memcmp(back.drops, c.drops, sizeof(c.drops)));
	/* ... and answers them as one "drops" object of every reason. */
	ck_assert_int_eq(counters_drops_fold(o), 0);
	json_t *d = json_object_get(o, "drops");
	ck_assert(json_is_object(d));
	ck_assert_uint_eq(json_object_size(d), DROP_COUNT);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "unknown_spi")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "late_init")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "malformed")), 0);
	ck_assert_ptr_null(json_object_get(o, "drop_unknown_spi"));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "dropped")), 3);
	json_decref(o);
}
END_TEST

static char *print_text(const struct run_result *r, char *buf, size_t n)
{
	FILE *f = fmemopen(buf, n - 1, "w");
	result_print_text(r, f);
	fclose(f);
	return buf;
}

START_TEST(result_shows_drops)
{
	struct counters c = { .configured = 1 };
	struct run_result r = { .role = "gateway", .configured = 1, .created = 1,
				.duration_s = 1, .c = &c };
	char text[2048] = "";
	/* Nothing dropped: no line. */
	ck_assert_ptr_null(strstr(print_text(&r, text, sizeof(text)), "drops:"));

	counters_drop(&c, DROP_MALFORMED);
	counters_drop(&c, DROP_MSGID_WINDOW);
	counters_drop(&c, DROP_MSGID_WINDOW);
	memset(text, 0, sizeof(text));
	print_text(&r, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, " dropped=3 "));
	ck_assert_msg(strstr(text, "\ndrops: malformed=1 msgid_window=2\n") != NULL, "%s", text);

	char *js = NULL;
	size_t jlen = 0;
	FILE *f = open_memstream(&js, &jlen);
	result_print_json(&r, f);
	fclose(f);
	json_error_t err;
	json_t *j = json_loads(js, 0, &err);
	ck_assert_msg(j != NULL, "not JSON: %s (%s)", js, err.text);
	free(js);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "dropped")), 3);
	json_t *d = json_object_get(j, "drops");
	ck_assert(json_is_object(d));
	ck_assert_uint_eq(json_object_size(d), DROP_COUNT);
	json_int_t sum = 0;
	const char *k;
	json_t *v;
	json_object_foreach(d, k, v)
		sum += json_integer_value(v);
	ck_assert_int_eq(sum, 3);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "msgid_window")), 2);
	json_decref(j);
}
END_TEST

static Suite *drops_suite(void)
{
	Suite *s = suite_create("worker_drops");
	TCase *tc = tcase_create("sites");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, truncated_header_is_malformed);
	tcase_add_test(tc, unknown_spi);
	tcase_add_test(tc, init_request_to_a_client);
	tcase_add_test(tc, init_without_ke);
	tcase_add_test(tc, response_twice_is_unexpected);
	tcase_add_test(tc, bad_integrity_is_decrypt_failed);
	tcase_add_test(tc, late_init_after_established);
	tcase_add_test(tc, request_outside_the_window);
	tcase_add_test(tc, lost_delete_answer_is_unknown_spi_then_unprotected);
	suite_add_tcase(s, tc);
	TCase *out = tcase_create("output");
	tcase_add_test(out, reason_names_are_stable_keys);
	tcase_add_test(out, stats_message_carries_every_reason);
	tcase_add_test(out, result_shows_drops);
	suite_add_tcase(s, out);
	return s;
}

TCHECK_MAIN(drops_suite)
