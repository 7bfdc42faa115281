/* Name tables: the header constants and the tables agree, every table is
 * sorted (the lookup bisects), names are unique and map back. */
#include "t/unit/tcheck.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "proto/auth.h"
#include "proto/ike.h"
#include "proto/names.h"

struct known {
	enum ike_registry reg;
	unsigned value;
	const char *name;
};

/* Constants from the headers, named as the registries spell them. */
#define EXCH(x) { IKE_REG_EXCHANGE, IKE_EXCH_##x, #x }
#define N(x) { IKE_REG_NOTIFY, IKE_N_##x, #x }
static const struct known known[] = {
	{ IKE_REG_EXCHANGE, IKE_EXCH_SA_INIT, "IKE_SA_INIT" },
	{ IKE_REG_EXCHANGE, IKE_EXCH_AUTH, "IKE_AUTH" },
	EXCH(CREATE_CHILD_SA), EXCH(INFORMATIONAL),
	{ IKE_REG_PAYLOAD, IKE_PLD_SA, "SA" }, { IKE_REG_PAYLOAD, IKE_PLD_IDI, "IDi" },
	{ IKE_REG_PAYLOAD, IKE_PLD_NOTIFY, "Notify" }, { IKE_REG_PAYLOAD, IKE_PLD_SK, "SK" },
	{ IKE_REG_PAYLOAD, IKE_PLD_SKF, "SKF" }, { IKE_REG_PAYLOAD, IKE_PLD_EAP, "EAP" },
	N(UNSUPPORTED_CRITICAL_PAYLOAD), N(INVALID_IKE_SPI), N(INVALID_MAJOR_VERSION),
	N(INVALID_SYNTAX), N(INVALID_MESSAGE_ID), N(INVALID_SPI), N(NO_PROPOSAL_CHOSEN),
	N(INVALID_KE_PAYLOAD), N(AUTHENTICATION_FAILED), N(SINGLE_PAIR_REQUIRED),
	N(NO_ADDITIONAL_SAS), N(INTERNAL_ADDRESS_FAILURE), N(FAILED_CP_REQUIRED),
	N(TS_UNACCEPTABLE), N(INVALID_SELECTORS), N(UNACCEPTABLE_ADDRESSES),
	N(UNEXPECTED_NAT_DETECTED), N(TEMPORARY_FAILURE), N(CHILD_SA_NOT_FOUND),
	N(INITIAL_CONTACT), N(SET_WINDOW_SIZE), N(ADDITIONAL_TS_POSSIBLE),
	N(IPCOMP_SUPPORTED), N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
	N(COOKIE), N(USE_TRANSPORT_MODE), N(HTTP_CERT_LOOKUP_SUPPORTED), N(REKEY_SA),
	N(ESP_TFC_PADDING_NOT_SUPPORTED), N(NON_FIRST_FRAGMENTS_ALSO), N(MOBIKE_SUPPORTED),
	N(ADDITIONAL_IP4_ADDRESS), N(ADDITIONAL_IP6_ADDRESS), N(NO_ADDITIONAL_ADDRESSES),
	N(UPDATE_SA_ADDRESSES), N(COOKIE2), N(NO_NATS_ALLOWED),
	N(MULTIPLE_AUTH_SUPPORTED), N(REDIRECT_SUPPORTED), N(REDIRECT),
	N(CHILDLESS_IKEV2_SUPPORTED), N(IKEV2_FRAGMENTATION_SUPPORTED),
	N(SIGNATURE_HASH_ALGORITHMS), N(INTERMEDIATE_EXCHANGE_SUPPORTED),
	{ IKE_REG_ENCR, IKE_ENCR_AES_GCM_16, "AES_GCM_16" },
	{ IKE_REG_ENCR, IKE_ENCR_CHACHA20_POLY1305, "CHACHA20_POLY1305" },
	{ IKE_REG_PRF, IKE_PRF_HMAC_SHA2_256, "HMAC_SHA2_256" },
	{ IKE_REG_INTEG, IKE_INTEG_HMAC_SHA2_512_256, "HMAC_SHA2_512_256" },
	{ IKE_REG_DH, IKE_DH_MODP_2048, "MODP2048" },
	{ IKE_REG_DH, IKE_DH_CURVE25519, "CURVE25519" },
	{ IKE_REG_ESN, IKE_ESN_NO, "NO_ESN" },
	{ IKE_REG_ID_TYPE, IKE_ID_DER_ASN1_DN, "DER_ASN1_DN" },
	{ IKE_REG_AUTH_METHOD, IKE_AUTH_SHARED_KEY, "SHARED_KEY_MIC" },
	{ IKE_REG_AUTH_METHOD, IKE_AUTH_DIGITAL_SIG, "DIGITAL_SIGNATURE" },
	{ IKE_REG_TS_TYPE, IKE_TS_IPV6_ADDR_RANGE, "TS_IPV6_ADDR_RANGE" },
	{ IKE_REG_CP_ATTR, IKE_CPA_INTERNAL_IP4_ADDRESS, "INTERNAL_IP4_ADDRESS" },
	{ IKE_REG_PROTOCOL, IKE_PROTO_ESP, "ESP" },
};

START_TEST(constants_have_their_names)
{
	const struct known *k = &known[_i];
	const char *got = ike_name(k->reg, k->value);
	ck_assert_msg(got && !strcmp(got, k->name), "%s %u: %s, want %s",
		      ike_registry_name(k->reg), k->value, got ? got : "NULL", k->name);
	ck_assert_int_eq(ike_name_value(k->reg, k->name), (int)k->value);
}
END_TEST

START_TEST(tables_sorted_unique_and_reversible)
{
	enum ike_registry reg = _i;
	unsigned prev = 0, v;
	const char *name;
	ck_assert_ptr_nonnull(ike_registry_name(reg));
	for (size_t i = 0; (name = ike_name_entry(reg, i, &v)); i++) {
		if (i)
			ck_assert_msg(v > prev, "%s: %u after %u", ike_registry_name(reg), v, prev);
		prev = v;
		ck_assert_str_eq(ike_name(reg, v), name); /* bisection finds it */
		ck_assert_int_eq(ike_name_value(reg, name), (int)v); /* names unique */
		ck_assert_uint_lt(strlen(name), IKE_NAME_BUFSZ);
	}
	ck_assert_ptr_nonnull(ike_name_entry(reg, 0, &v));
}
END_TEST

START_TEST(unknown_values)
{
	char buf[IKE_NAME_BUFSZ];
	ck_assert_ptr_null(ike_name_exchange(33));
	ck_assert_ptr_null(ike_name_notify(65535));
	ck_assert_ptr_null(ike_name(IKE_REG__COUNT, 1));
	ck_assert_ptr_null(ike_name_transform_id(9, 1));
	ck_assert_int_eq(ike_name_value(IKE_REG_NOTIFY, "NO_SUCH_NOTIFY"), -1);
	ck_assert_str_eq(ike_name_or_num(ike_name_notify(12345), 12345, buf, sizeof buf),
			 "UNKNOWN(12345)");
	ck_assert_str_eq(ike_name_or_num(ike_name_notify(16396), 16396, buf, sizeof buf),
			 "MOBIKE_SUPPORTED");
	char tiny[4];
	ck_assert_str_eq(ike_name_or_num(NULL, 99999, tiny, sizeof tiny), "UNK");
}
END_TEST

START_TEST(convenience_wrappers)
{
	ck_assert_str_eq(ike_name_exchange(34), "IKE_SA_INIT");
	ck_assert_str_eq(ike_name_payload(46), "SK");
	ck_assert_str_eq(ike_name_notify(16393), "REKEY_SA");
	ck_assert_str_eq(ike_name_transform_type(IKE_TRANSFORM_DH), "DH");
	ck_assert_str_eq(ike_name_transform_id(IKE_TRANSFORM_ENCR, 12), "AES_CBC");
	ck_assert_str_eq(ike_name_transform_id(IKE_TRANSFORM_PRF, 2), "HMAC_SHA1");
	ck_assert_str_eq(ike_name_transform_id(IKE_TRANSFORM_INTEG, 2), "HMAC_SHA1_96");
	ck_assert_str_eq(ike_name_transform_id(IKE_TRANSFORM_DH, 19), "ECP256");
	ck_assert_str_eq(ike_name_transform_id(IKE_TRANSFORM_ESN, 1), "ESN");
	ck_assert_str_eq(ike_name_id_type(IKE_ID_FQDN), "FQDN");
	ck_assert_str_eq(ike_name_auth_method(2), "SHARED_KEY_MIC");
	ck_assert_int_eq(ike_name_value(IKE_REG_EXCHANGE, "ike_auth"), 35);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("proto_names");
	TCase *tc = tcase_create("names");
	tcase_add_loop_test(tc, constants_have_their_names, 0, ARRAY_SIZE(known));
	tcase_add_loop_test(tc, tables_sorted_unique_and_reversible, 0, IKE_REG__COUNT);
	tcase_add_test(tc, unknown_values);
	tcase_add_test(tc, convenience_wrappers);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(names_suite)
