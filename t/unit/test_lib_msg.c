/* The message table: good messages of every type pass, every kind of bad
 * message is rejected with a reason; JSON over an nng pair. */
#include <errno.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "lib/msg.h"
#include <nng/protocol/pair1/pair.h>
#include "lib/util.h"

/* One good example per table entry (the first test checks that every
 * entry has one, so a new type cannot slip in untested). */
static const char *const good[] = {
	"{\"type\":\"hello\",\"worker\":0,\"pid\":1234,\"first\":0,\"count\":500}",
	"{\"type\":\"stats\",\"worker\":3,\"counters\":{\"established\":10,\"init\":0}}",
	"{\"type\":\"event\",\"level\":2,\"worker\":2,\"tunnel\":17,\"ike\":\"5dfa8ef4cd3fe5f8\","
	"\"name\":\"mobike.update.ok\",\"fields\":{\"own\":\"192.168.1.2\",\"peer\":\"11.1.0.1\","
	"\"n\":3,\"nat\":false},\"time\":1795772401123456}",
	"{\"type\":\"summary\",\"id\":1}",
	"{\"type\":\"list\",\"id\":2,\"start\":0,\"len\":10}",
	"{\"type\":\"dump\",\"id\":3,\"spi\":\"0x5DFA8EF4CD3FE5F8\"}",
	"{\"type\":\"listchild\"}",
	"{\"type\":\"dumpchild\",\"spi\":\"c1a2b3c4\"}",
	"{\"type\":\"rekeychild\",\"id\":9,\"spi\":\"1\"}",
	"{\"type\":\"stop\",\"graceful\":true}",
	"{\"type\":\"log\",\"level\":5,\"keyword\":\"mobike\"}",
	"{\"type\":\"uptime\",\"id\":0}",
	"{\"type\":\"events\",\"worker\":1,\"dropped\":0,\"lines\":\"1 INFO w1 t- x\\n\"}",
	"{\"type\":\"subscribe\",\"level\":3,\"keyword\":\"mobike\"}",
	"{\"type\":\"filter\",\"filters\":[{\"level\":2},{\"level\":5,\"keyword\":\"t7 \"}]}",
	"{\"type\":\"reply\",\"id\":4,\"ok\":true,\"anything\":[1,2,{\"x\":null}]}",
	"{\"type\":\"error\",\"id\":4,\"ok\":false,\"error\":\"File exists\",\"errno\":17}",
	"{\"type\":\"addr.add\",\"id\":5,\"ifname\":\"veth0\",\"prefix\":\"10.0.0.1/16\","
	"\"count\":100}",
	"{\"type\":\"addr.del\",\"id\":6,\"ifname\":\"veth0\",\"prefix\":\"2001:db8::1/64\"}",
	"{\"type\":\"addr.flush\",\"id\":6,\"ifname\":\"veth0\"}",
	"{\"type\":\"route.add\",\"id\":7,\"prefix\":\"10.1.0.0/16\",\"via\":\"10.0.0.254\","
	"\"table\":330}",
	"{\"type\":\"route.del\",\"id\":8,\"prefix\":\"10.1.0.0/16\",\"local\":true}",
	"{\"type\":\"fastpath.start\",\"id\":9,\"flush\":false}",
	"{\"type\":\"child.install\",\"id\":10,\"child\":{\"reqid\":7}}",
	"{\"type\":\"child.rekey\",\"id\":11,\"old_reqid\":7,\"child\":{\"reqid\":7}}",
	"{\"type\":\"child.delete\",\"id\":12,\"reqid\":7}",
	"{\"type\":\"child.migrate\",\"id\":13,\"reqid\":7,\"to\":{\"local\":\"10.0.0.2\"}}",
	"{\"type\":\"child.batch\",\"id\":14,\"reqs\":[{\"op\":\"delete\",\"id\":1,\"reqid\":7}]}",
};

/* Bad messages and a word their reason must contain. */
static const struct {
	const char *json;
	const char *why;
} bad[] = {
	{ "[1,2]", "not a JSON object" },
	{ "\"summary\"", "not JSON" },
	{ "{}", "'type' missing" },
	{ "{\"type\":7}", "'type' missing or not a string" },
	{ "{\"type\":\"sumary\"}", "unknown type 'sumary'" },
	{ "{\"type\":\"summary\",\"id\":-1}", "'id' must be" },
	{ "{\"type\":\"summary\",\"id\":\"1\"}", "'id' must be" },
	{ "{\"type\":\"summary\",\"id\":1.5}", "'id' must be" },
	{ "{\"type\":\"summary\",\"verbose\":true}", "unknown key 'verbose'" },
	{ "{\"type\":\"list\",\"lenght\":3}", "unknown key 'lenght'" },
	{ "{\"type\":\"list\",\"len\":-3}", "key 'len' must be an integer >= 0" },
	{ "{\"type\":\"list\",\"start\":\"0\"}", "key 'start'" },
	{ "{\"type\":\"dump\"}", "missing key 'spi'" },
	{ "{\"type\":\"dump\",\"spi\":\"\"}", "key 'spi'" },
	{ "{\"type\":\"dump\",\"spi\":\"0\"}", "key 'spi'" },
	{ "{\"type\":\"dump\",\"spi\":\"5dfa8ef4cd3fe5f8a\"}", "key 'spi'" },
	{ "{\"type\":\"dump\",\"spi\":\"xyz\"}", "key 'spi'" },
	{ "{\"type\":\"dump\",\"spi\":1234}", "key 'spi'" },
	{ "{\"type\":\"dumpchild\",\"spi\":\"5dfa8ef4cd\"}", "key 'spi'" },
	{ "{\"type\":\"stop\",\"graceful\":1}", "key 'graceful' must be true or false" },
	{ "{\"type\":\"log\"}", "missing key 'level'" },
	{ "{\"type\":\"log\",\"level\":0}", "a level 1..5" },
	{ "{\"type\":\"log\",\"level\":6}", "a level 1..5" },
	{ "{\"type\":\"log\",\"level\":2,\"keyword\":\"a\\nb\"}", "control characters" },
	{ "{\"type\":\"stats\",\"worker\":1}", "missing key 'counters'" },
	{ "{\"type\":\"stats\",\"worker\":1,\"counters\":{\"up\":-1}}", "key 'counters'" },
	{ "{\"type\":\"stats\",\"worker\":1,\"counters\":{\"up\":\"1\"}}", "key 'counters'" },
	{ "{\"type\":\"event\",\"level\":2}", "missing key 'name'" },
	{ "{\"type\":\"event\",\"level\":2,\"name\":\"Ike.Up\"}", "key 'name'" },
	{ "{\"type\":\"event\",\"level\":2,\"name\":\"ike up\"}", "key 'name'" },
	{ "{\"type\":\"event\",\"level\":2,\"name\":\"x\",\"fields\":{\"a b\":1}}", "key 'fields'" },
	{ "{\"type\":\"event\",\"level\":2,\"name\":\"x\",\"fields\":{\"a\":[1]}}", "key 'fields'" },
	{ "{\"type\":\"event\",\"level\":2,\"name\":\"x\",\"fields\":{\"a\":\"\\u001b[31m\"}}",
	  "key 'fields'" },
	{ "{\"type\":\"event\",\"level\":2,\"name\":\"x\",\"tunnel\":-1}", "key 'tunnel'" },
	{ "{\"type\":\"reply\",\"id\":1}", "missing key 'ok'" },
	{ "{\"type\":\"error\",\"id\":1}", "missing key 'error'" },
	{ "{\"type\":\"addr.add\",\"ifname\":\"v\",\"prefix\":\"10.0.0.1/8\"}", "missing key 'id'" },
	{ "{\"type\":\"addr.add\",\"id\":1,\"ifname\":\"v\",\"prefix\":\"10.0.0.1\"}",
	  "key 'prefix'" },
	{ "{\"type\":\"addr.add\",\"id\":1,\"ifname\":\"v\",\"prefix\":\"10.0.0.1/33\"}",
	  "key 'prefix'" },
	{ "{\"type\":\"addr.add\",\"id\":1,\"ifname\":\"v\",\"prefix\":\"10.0.0.300/8\"}",
	  "key 'prefix'" },
	{ "{\"type\":\"route.add\",\"id\":1,\"prefix\":\"::/0\",\"via\":\"fe80::1::2\"}",
	  "key 'via'" },
	{ "{\"type\":\"child.install\",\"id\":1}", "missing key 'child'" },
	{ "{\"type\":\"child.delete\",\"id\":1,\"reqid\":-7}", "key 'reqid'" },
	{ "{\"type\":\"fastpath.start\",\"id\":1,\"flush\":\"no\"}", "key 'flush'" },
	{ "{\"type\":\"events\",\"worker\":1}", "missing key 'lines'" },
	{ "{\"type\":\"events\",\"worker\":1,\"lines\":[\"a\",\"b\"]}", "key 'lines'" },
	{ "{\"type\":\"summary\"} x", "data after the object" },
	{ "{\"type\":\"summary\"}\nrecords", "data after the object" },
	{ "{\"type\":\"events\",\"worker\":1,\"lines\":\"a\"}\nb", "given twice" },
	{ "{\"type\":\"subscribe\",\"level\":9}", "a level 1..5" },
	{ "{\"type\":\"filter\",\"filters\":[{\"keyword\":\"x\"}]}", "key 'filters'" },
	{ "{\"type\":\"filter\",\"filters\":[{\"level\":2,\"kw\":\"x\"}]}", "key 'filters'" },
	{ "{\"type\":\"filter\",\"filters\":[{\"level\":2,\"keyword\":\"\\n\"}]}",
	  "key 'filters'" },
	{ "{\"type\":\"filter\",\"filters\":[{\"level\":1},{\"level\":1},{\"level\":1},"
	  "{\"level\":1},{\"level\":1},{\"level\":1},{\"level\":1},{\"level\":1},{\"level\":1},"
	  "{\"level\":1},{\"level\":1},{\"level\":1},{\"level\":1},{\"level\":1},{\"level\":1},"
	  "{\"level\":1},{\"level\":1}]}", "key 'filters'" },
};

START_TEST(every_type_has_a_good_example)
{
	for (const struct msg_type *t = msg_types; t->name; t++) {
		bool found = false;
		for (size_t i = 0; i < ARRAY_SIZE(good) && !found; i++) {
			char pat[64];
			snprintf(pat, sizeof(pat), "{\"type\":\"%s\"", t->name);
			found = strncmp(good[i], pat, strlen(pat)) == 0;
		}
		ck_assert_msg(found, "no good example for type %s", t->name);
	}
}
END_TEST

START_TEST(good_messages_pass)
{
	const char *s = good[_i];
	json_t *m = NULL;
	const struct msg_type *t = NULL;
	char why[MSG_WHY_LEN] = "";
	int rc = msg_decode(s, strlen(s), false, &m, &t, why, sizeof(why));
	ck_assert_msg(rc == 0, "%s rejected: %s", s, why);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(t->name, json_string_value(json_object_get(m, "type")));
	json_decref(m);
}
END_TEST

START_TEST(bad_messages_fail_with_reason)
{
	const char *s = bad[_i].json;
	json_t *m = (json_t *)1;
	const struct msg_type *t = NULL;
	char why[MSG_WHY_LEN] = "";
	int rc = msg_decode(s, strlen(s), false, &m, &t, why, sizeof(why));
	ck_assert_msg(rc == -EBADMSG, "%s accepted", s);
	ck_assert_ptr_null(m);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(why, bad[_i].why), "%s: reason '%s' lacks '%s'", s, why, bad[_i].why);
}
END_TEST

START_TEST(undecodable_input)
{
	json_t *m;
	char why[MSG_WHY_LEN];
	const char *dup = "{\"type\":\"summary\",\"type\":\"stop\"}";
	ck_assert_int_eq(msg_decode(dup, strlen(dup), false, &m, NULL, why, sizeof(why)),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "not JSON"));
	const char *trunc = "{\"type\":\"summ";
	ck_assert_int_eq(msg_decode(trunc, strlen(trunc), false, &m, NULL, why, sizeof(why)),
			 -EBADMSG);
	const char nul[] = "{\"type\":\"summary\"}\0garbage";
	ck_assert_int_eq(msg_decode(nul, sizeof(nul), false, &m, NULL, why, sizeof(why)),
			 -EBADMSG);
	const char *embedded_nul = "{\"type\":\"log\",\"level\":1,\"keyword\":\"a\\u0000b\"}";
	ck_assert_int_eq(msg_decode(embedded_nul, strlen(embedded_nul), false, &m, NULL, why,
				    sizeof(why)), -EBADMSG);
	ck_assert_int_eq(msg_decode("", 0, false, &m, NULL, why, sizeof(why)), -EBADMSG);
	ck_assert_int_eq(msg_decode("x", MSG_MAX_SIZE + 1, false, &m, NULL, why, sizeof(why)),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "bytes is over"));
	/* a reason never overflows a short buffer */
	char tiny[8];
	ck_assert_int_eq(msg_decode("[]", 2, false, &m, NULL, tiny, sizeof(tiny)), -EBADMSG);
	ck_assert_int_eq(strlen(tiny), 7);
}
END_TEST

START_TEST(control_requests_use_cmd)
{
	json_t *m;
	const struct msg_type *t;
	char why[MSG_WHY_LEN];
	const char *ok = "{\"cmd\":\"list\",\"start\":5,\"len\":2}";
	ck_assert_int_eq(msg_decode(ok, strlen(ok), true, &m, &t, why, sizeof(why)), 0);
	ck_assert_str_eq(t->name, "list");
	json_decref(m);
	/* only commands: a reply, event or kernel request is not a command */
	const char *notcmd[] = {
		"{\"cmd\":\"reply\",\"ok\":true}",
		"{\"cmd\":\"event\",\"level\":1,\"name\":\"x\"}",
		"{\"cmd\":\"addr.add\",\"id\":1,\"ifname\":\"v\",\"prefix\":\"1.2.3.4/32\"}",
		"{\"type\":\"summary\"}",
		"{\"cmd\":\"summary\",\"type\":\"x\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(notcmd); i++)
		ck_assert_msg(msg_decode(notcmd[i], strlen(notcmd[i]), true, &m, &t, why,
					 sizeof(why)) == -EBADMSG, "%s accepted", notcmd[i]);
	const char *unk = "{\"cmd\":\"reboot\"}";
	ck_assert_int_eq(msg_decode(unk, strlen(unk), true, &m, &t, why, sizeof(why)), -EBADMSG);
	ck_assert_str_eq(why, "unknown command 'reboot'");
}
END_TEST

START_TEST(spi_text)
{
	uint64_t v;
	char buf[17];
	ck_assert_int_eq(msg_spi_parse("5dfa8ef4cd3fe5f8", 64, &v), 0);
	ck_assert_uint_eq(v, 0x5dfa8ef4cd3fe5f8ull);
	ck_assert_str_eq(msg_spi_format(v, 64, buf, sizeof(buf)), "5dfa8ef4cd3fe5f8");
	ck_assert_int_eq(msg_spi_parse("0XFFFFFFFFFFFFFFFF", 64, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(msg_spi_parse("c1a2b3c4", 32, &v), 0);
	ck_assert_str_eq(msg_spi_format(v, 32, buf, sizeof(buf)), "c1a2b3c4");
	ck_assert_str_eq(msg_spi_format(0x1f, 32, buf, sizeof(buf)), "0000001f");
	ck_assert_int_eq(msg_spi_parse("1c1a2b3c4", 32, &v), -EINVAL);
	ck_assert_int_eq(msg_spi_parse("0x", 64, &v), -EINVAL);
	ck_assert_int_eq(msg_spi_parse("0000", 64, &v), -EINVAL);
	ck_assert_int_eq(msg_spi_parse("12 4", 64, &v), -EINVAL);
	ck_assert_int_eq(msg_spi_parse("-1", 64, &v), -EINVAL);
}
END_TEST

START_TEST(builders)
{
	char why[MSG_WHY_LEN];
	json_t *r = msg_reply(12);
	ck_assert_int_eq(msg_check(r, NULL, why, sizeof(why)), 0);
	ck_assert_int_eq(msg_id(r), 12);
	json_decref(r);
	json_t *e = msg_error(-1, "no such SA");
	ck_assert_int_eq(msg_check(e, NULL, why, sizeof(why)), 0);
	ck_assert_int_eq(msg_id(e), -1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "error")), "no such SA");
	json_decref(e);
	json_t *k = msg_new("addr.add", -1);
	json_object_set_new(k, "ifname", json_string("lo"));
	json_object_set_new(k, "prefix", json_string("127.0.0.2/8"));
	ck_assert_int_eq(msg_check(k, NULL, why, sizeof(why)), -EBADMSG); /* no id */
	json_object_set_new(k, "id", json_integer(1));
	ck_assert_int_eq(msg_check(k, NULL, why, sizeof(why)), 0);
	json_decref(k);
}
END_TEST

START_TEST(event_builder)
{
	char why[MSG_WHY_LEN];
	json_t *m = msg_event(2, 3, 17, 0x5dfa8ef4cd3fe5f8ull, "mobike.update.ok",
			      json_pack("{s:s}", "own", "192.168.1.2"), "peer=11.1.0.1");
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(msg_check(m, NULL, why, sizeof(why)) == 0, "%s", why);
	ck_assert_str_eq(json_string_value(json_object_get(m, "ike")), "5dfa8ef4cd3fe5f8");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "tunnel")), 17);
	ck_assert_int_gt(json_integer_value(json_object_get(m, "time")), 1700000000000000);
	json_decref(m);
	m = msg_event(1, -1, -1, 0, "worker.died", NULL, NULL);
	ck_assert_int_eq(msg_check(m, NULL, why, sizeof(why)), 0);
	ck_assert_ptr_null(json_object_get(m, "worker"));
	ck_assert_ptr_null(json_object_get(m, "tunnel"));
	ck_assert_ptr_null(json_object_get(m, "ike"));
	json_decref(m);
	/* the builder does not check: a bad name is caught on receipt */
	m = msg_event(2, 0, 0, 0, "Bad Name", NULL, NULL);
	ck_assert_int_eq(msg_check(m, NULL, why, sizeof(why)), -EBADMSG);
	json_decref(m);
}
END_TEST

/* Over a real nng pair (inproc): a checked message comes through; a
 * malformed one is dropped with its reason; the receive fd signals. */
START_TEST(send_recv_over_nng)
{
	nng_socket a, b;
	ck_assert_int_eq(nng_pair1_open(&a), 0);
	ck_assert_int_eq(nng_pair1_open(&b), 0);
	ck_assert_int_eq(nng_listen(a, "inproc://msgtest", NULL, 0), 0);
	ck_assert_int_eq(nng_dial(b, "inproc://msgtest", NULL, 0), 0);
	nng_socket_set_ms(a, NNG_OPT_RECVTIMEO, 2000);

	json_t *m, *got;
	const struct msg_type *t;
	char why[MSG_WHY_LEN];
	ck_assert_int_eq(msg_recv(a, NNG_FLAG_NONBLOCK, &got, &t, why, sizeof(why)), -EAGAIN);

	m = msg_new("dump", 42);
	json_object_set_new(m, "spi", json_string("5dfa8ef4cd3fe5f8"));
	ck_assert_int_eq(msg_send(b, m, 0), 0);
	json_decref(m);
	ck_assert_int_eq(msg_recv(a, 0, &got, &t, why, sizeof(why)), 0);
	ck_assert_str_eq(t->name, "dump");
	ck_assert_int_eq(msg_id(got), 42);
	json_decref(got);

	const char *junk = "{\"type\":\"dump\",\"id\":1}";
	ck_assert_int_eq(nng_send(b, (void *)junk, strlen(junk), 0), 0);
	ck_assert_int_eq(msg_recv(a, 0, &got, &t, why, sizeof(why)), -EBADMSG);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(why, "dump: missing key 'spi'");

	/* bulk text after the object: taken as is, not parsed */
	m = msg_new("events", -1);
	json_object_set_new(m, "worker", json_integer(3));
	const char recs[] = "1 INFO w3 t- a \"q\\\n2 INFO w3 t1 b \xff\n";
	ck_assert_int_eq(msg_send_trailer(b, m, recs, sizeof(recs) - 1, 0), 0);
	json_decref(m);
	ck_assert_int_eq(msg_recv(a, 0, &got, &t, why, sizeof(why)), 0);
	ck_assert_str_eq(t->name, "events");
	ck_assert_str_eq(json_string_value(json_object_get(got, "lines")), recs);
	json_decref(got);
	/* a type without a trailer refuses one */
	m = msg_new("summary", 1);
	ck_assert_int_eq(msg_send_trailer(b, m, "x", 1, 0), 0);
	json_decref(m);
	ck_assert_int_eq(msg_recv(a, 0, &got, &t, why, sizeof(why)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "data after the object"));

	int fd = -1;
	ck_assert_int_eq(msg_recv_fd(a, &fd), 0);
	ck_assert_int_ge(fd, 0);
	nng_close(a);
	ck_assert_int_eq(msg_recv(a, NNG_FLAG_NONBLOCK, &got, &t, why, sizeof(why)), -EBADF);
	nng_close(b);
}
END_TEST

static Suite *msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, every_type_has_a_good_example);
	tcase_add_loop_test(tc, good_messages_pass, 0, ARRAY_SIZE(good));
	tcase_add_loop_test(tc, bad_messages_fail_with_reason, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, undecodable_input);
	tcase_add_test(tc, control_requests_use_cmd);
	tcase_add_test(tc, spi_text);
	tcase_add_test(tc, builders);
	tcase_add_test(tc, event_builder);
	suite_add_tcase(s, tc);
	TCase *io = tcase_create("nng");
	tcase_add_test(io, send_recv_over_nng);
	suite_add_tcase(s, io);
	return s;
}

TCHECK_MAIN(msg_suite)
