/* CHILD SA requests as JSON (kernel/child_json.h): the documented example
 * parses, a request survives the round trip, and each kind of bad input is
 * refused with the key named. */
#include "t/unit/tcheck.h"
#include "kernel/child_json.h"
#include "proto/ike_ids.h"

#include <errno.h>
#include <string.h>

#define EXAMPLE "{\"reqid\": 7, \"initiator\": true, \"mode\": \"tunnel\"," \
	"\"local\": \"10.99.0.2\", \"remote\": \"10.99.0.1\"," \
	"\"local_port\": 4500, \"remote_port\": 4500," \
	"\"spi_in\": 4098, \"spi_out\": 4097," \
	"\"encr\": 20, \"encr_keybits\": 128, \"integ\": 0," \
	"\"esn\": true, \"replay_window\": 128," \
	"\"local_ts\": [{\"start\": \"10.10.1.1\", \"end\": \"10.10.1.1\"}]," \
	"\"remote_ts\": [{\"start\": \"10.10.2.0\", \"end\": \"10.10.2.255\", \"proto\": 17," \
	"\"port_start\": 53, \"port_end\": 53}]," \
	"\"keymat\": \"000102030405060708090a0b0c0d0e0f10111213" \
	"000102030405060708090a0b0c0d0e0f101112FF\"}"

static json_t *example(void)
{
	json_error_t e;
	json_t *j = json_loads(EXAMPLE, 0, &e);

	ck_assert_msg(j != NULL, "example: %s", e.text);
	return j;
}

START_TEST(example_parses)
{
	json_t *j = example();
	struct fp_child c;
	char why[200] = "";

	ck_assert_msg(fp_child_from_json(j, &c, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(c.reqid, 7);
	ck_assert(c.initiator && c.esn);
	ck_assert_int_eq(c.mode, FP_TUNNEL);
	ck_assert_int_eq(c.ep.local_port, 4500);
	ck_assert_uint_eq(c.spi_in, 4098);
	ck_assert_int_eq(c.encr_id, IKE_ENCR_AES_GCM_16);
	ck_assert_int_eq(c.keymat_len, 40);
	ck_assert_int_eq(c.keymat[39], 0xff);
	ck_assert_int_eq(c.n_local_ts, 1);
	ck_assert_int_eq(c.local_ts[0].port_end, 65535); /* the default */
	ck_assert_int_eq(c.remote_ts[0].ip_proto, 17);
	ck_assert_int_eq(c.remote_ts[0].port_start, 53);
	json_decref(j);
}
END_TEST

START_TEST(round_trip)
{
	json_t *j = example();
	struct fp_child a, b;
	char why[200] = "";

	ck_assert_int_eq(fp_child_from_json(j, &a, why, sizeof(why)), 0);
	json_decref(j);
	a.priority = 99;
	a.initiator = false;
	j = fp_child_to_json(&a);
	ck_assert_ptr_nonnull(j);
	ck_assert_msg(fp_child_from_json(j, &b, why, sizeof(why)) == 0, "%s", why);
	json_decref(j);
	ck_assert_uint_eq(b.priority, 99);
	ck_assert(!b.initiator);
	ck_assert_int_eq(b.keymat_len, a.keymat_len);
	ck_assert_mem_eq(b.keymat, a.keymat, a.keymat_len);
	ck_assert_int_eq(ip_addr_cmp(&b.ep.remote, &a.ep.remote), 0);
	ck_assert_int_eq(ip_addr_cmp(&b.remote_ts[0].end, &a.remote_ts[0].end), 0);
	ck_assert_int_eq(b.remote_ts[0].port_end, 53);

	struct fp_endpoints e = a.ep, f;
	e.local_port = e.remote_port = 0;
	j = fp_endpoints_to_json(&e);
	ck_assert_int_eq(fp_endpoints_from_json(j, &f, why, sizeof(why)), 0);
	ck_assert_int_eq(f.local_port, 0);
	ck_assert_int_eq(ip_addr_cmp(&f.local, &e.local), 0);
	json_decref(j);
}
END_TEST

/* The example with key set to the JSON value text (NULL: key removed). */
static int with(const char *key, const char *value, char *why, size_t len)
{
	json_t *j = example();
	struct fp_child c;

	if (value) {
		json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(v);
		json_object_set_new(j, key, v);
	} else {
		json_object_del(j, key);
	}
	int rc = fp_child_from_json(j, &c, why, len);
	json_decref(j);
	return rc;
}

START_TEST(bad_input_named)
{
	const struct { const char *key, *value, *says; int rc; } rows[] = {
		{ "reqid", NULL, "reqid", -EINVAL },
		{ "reqid", "-1", "reqid", -EINVAL },
		{ "mode", "\"beet\"", "mode", -EINVAL },
		{ "local", "\"10.0.0.300\"", "local", -EINVAL },
		{ "remote", "\"2001:db8::1\"", "family", -EINVAL },
		{ "remote_port", NULL, "both or neither", -EINVAL },
		{ "keymat", "\"abc\"", "keymat", -EINVAL },
		{ "keymat", "\"zz\"", "hex digits", -EINVAL },
		{ "keymat", "\"0001\"", "keymat octets", -EINVAL },
		{ "encr", "999", "not on the kernel path", -ENOTSUP },
		{ "integ", "12", "hold together", -EINVAL }, /* AEAD + HMAC */
		{ "spi_in", "17", "SPIs", -EINVAL },
		{ "local_ts", "[]", "local_ts", -EINVAL },
		{ "remote_ts", "[{\"start\": \"10.0.0.1\"}]", "remote_ts[0].end", -EINVAL },
		{ "esn", "1", "esn", -EINVAL },
		{ "replay_window", "100000", "replay_window", -EINVAL },
	};
	char why[200];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		why[0] = '\0';
		int rc = with(rows[i].key, rows[i].value, why, sizeof(why));
		ck_assert_msg(rc == rows[i].rc, "%s=%s: rc %d (%s)", rows[i].key,
			      rows[i].value ? rows[i].value : "(none)", rc, why);
		ck_assert_msg(strstr(why, rows[i].says) != NULL, "%s: '%s' lacks '%s'",
			      rows[i].key, why, rows[i].says);
	}
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("child_json");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, example_parses);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, bad_input_named);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(json_suite)
