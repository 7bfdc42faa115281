/* Number-to-name tables, one per IANA IKEv2 registry (see names.h).
 * Each table is sorted by value (a unit test checks it) and searched by
 * bisection, so a lookup costs O(log n). */
#include "proto/names.h"

#include <stdint.h>
#include <stdio.h>
#include <strings.h>

#include "lib/util.h"

struct name_entry {
	uint16_t value;
	const char *name;
};

struct name_table {
	const char *registry;
	const struct name_entry *e;
	size_t n;
};

static const struct name_entry exchange_names[] = {
	{ 34, "IKE_SA_INIT" }, { 35, "IKE_AUTH" }, { 36, "CREATE_CHILD_SA" },
	{ 37, "INFORMATIONAL" }, { 38, "IKE_SESSION_RESUME" }, { 39, "GSA_AUTH" },
	{ 40, "GSA_REGISTRATION" }, { 41, "GSA_REKEY" }, { 43, "IKE_INTERMEDIATE" },
	{ 44, "IKE_FOLLOWUP_KE" },
};

static const struct name_entry payload_names[] = {
	{ 0, "NONE" }, { 33, "SA" }, { 34, "KE" }, { 35, "IDi" }, { 36, "IDr" },
	{ 37, "CERT" }, { 38, "CERTREQ" }, { 39, "AUTH" }, { 40, "Nonce" },
	{ 41, "Notify" }, { 42, "Delete" }, { 43, "VendorID" }, { 44, "TSi" },
	{ 45, "TSr" }, { 46, "SK" }, { 47, "CP" }, { 48, "EAP" }, { 49, "GSPM" },
	{ 50, "IDg" }, { 51, "GSA" }, { 52, "KD" }, { 53, "SKF" }, { 54, "PS" },
};

static const struct name_entry notify_names[] = {
	{ 1, "UNSUPPORTED_CRITICAL_PAYLOAD" }, { 4, "INVALID_IKE_SPI" },
	{ 5, "INVALID_MAJOR_VERSION" }, { 7, "INVALID_SYNTAX" },
	{ 9, "INVALID_MESSAGE_ID" }, { 11, "INVALID_SPI" },
	{ 14, "NO_PROPOSAL_CHOSEN" }, { 17, "INVALID_KE_PAYLOAD" },
	{ 24, "AUTHENTICATION_FAILED" }, { 34, "SINGLE_PAIR_REQUIRED" },
	{ 35, "NO_ADDITIONAL_SAS" }, { 36, "INTERNAL_ADDRESS_FAILURE" },
	{ 37, "FAILED_CP_REQUIRED" }, { 38, "TS_UNACCEPTABLE" },
	{ 39, "INVALID_SELECTORS" }, { 40, "UNACCEPTABLE_ADDRESSES" },
	{ 41, "UNEXPECTED_NAT_DETECTED" }, { 42, "USE_ASSIGNED_HoA" },
	{ 43, "TEMPORARY_FAILURE" }, { 44, "CHILD_SA_NOT_FOUND" },
	{ 45, "INVALID_GROUP_ID" }, { 46, "AUTHORIZATION_FAILED" },
	{ 47, "STATE_NOT_FOUND" },
	{ 16384, "INITIAL_CONTACT" }, { 16385, "SET_WINDOW_SIZE" },
	{ 16386, "ADDITIONAL_TS_POSSIBLE" }, { 16387, "IPCOMP_SUPPORTED" },
	{ 16388, "NAT_DETECTION_SOURCE_IP" }, { 16389, "NAT_DETECTION_DESTINATION_IP" },
	{ 16390, "COOKIE" }, { 16391, "USE_TRANSPORT_MODE" },
	{ 16392, "HTTP_CERT_LOOKUP_SUPPORTED" }, { 16393, "REKEY_SA" },
	{ 16394, "ESP_TFC_PADDING_NOT_SUPPORTED" }, { 16395, "NON_FIRST_FRAGMENTS_ALSO" },
	{ 16396, "MOBIKE_SUPPORTED" }, { 16397, "ADDITIONAL_IP4_ADDRESS" },
	{ 16398, "ADDITIONAL_IP6_ADDRESS" }, { 16399, "NO_ADDITIONAL_ADDRESSES" },
	{ 16400, "UPDATE_SA_ADDRESSES" }, { 16401, "COOKIE2" },
	{ 16402, "NO_NATS_ALLOWED" }, { 16403, "AUTH_LIFETIME" },
	{ 16404, "MULTIPLE_AUTH_SUPPORTED" }, { 16405, "ANOTHER_AUTH_FOLLOWS" },
	{ 16406, "REDIRECT_SUPPORTED" }, { 16407, "REDIRECT" },
	{ 16408, "REDIRECTED_FROM" }, { 16409, "TICKET_LT_OPAQUE" },
	{ 16410, "TICKET_REQUEST" }, { 16411, "TICKET_ACK" }, { 16412, "TICKET_NACK" },
	{ 16413, "TICKET_OPAQUE" }, { 16414, "LINK_ID" }, { 16415, "USE_WESP_MODE" },
	{ 16416, "ROHC_SUPPORTED" }, { 16417, "EAP_ONLY_AUTHENTICATION" },
	{ 16418, "CHILDLESS_IKEV2_SUPPORTED" }, { 16419, "QUICK_CRASH_DETECTION" },
	{ 16420, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED" },
	{ 16421, "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED" },
	{ 16422, "IKEV2_MESSAGE_ID_SYNC" }, { 16423, "IPSEC_REPLAY_COUNTER_SYNC" },
	{ 16424, "SECURE_PASSWORD_METHODS" }, { 16425, "PSK_PERSIST" },
	{ 16426, "PSK_CONFIRM" }, { 16427, "ERX_SUPPORTED" },
	{ 16428, "IFOM_CAPABILITY" }, { 16429, "SENDER_REQUEST_ID" },
	{ 16430, "IKEV2_FRAGMENTATION_SUPPORTED" }, { 16431, "SIGNATURE_HASH_ALGORITHMS" },
	{ 16432, "CLONE_IKE_SA_SUPPORTED" }, { 16433, "CLONE_IKE_SA" },
	{ 16434, "PUZZLE" }, { 16435, "USE_PPK" }, { 16436, "PPK_IDENTITY" },
	{ 16437, "NO_PPK_AUTH" }, { 16438, "INTERMEDIATE_EXCHANGE_SUPPORTED" },
	{ 16439, "IP4_ALLOWED" }, { 16440, "IP6_ALLOWED" },
	{ 16441, "ADDITIONAL_KEY_EXCHANGE" }, { 16442, "USE_AGGFRAG" },
};

static const struct name_entry transform_type_names[] = {
	{ 1, "ENCR" }, { 2, "PRF" }, { 3, "INTEG" }, { 4, "DH" }, { 5, "ESN" },
};

static const struct name_entry encr_names[] = {
	{ 1, "DES_IV64" }, { 2, "DES" }, { 3, "3DES" }, { 4, "RC5" }, { 5, "IDEA" },
	{ 6, "CAST" }, { 7, "BLOWFISH" }, { 8, "3IDEA" }, { 9, "DES_IV32" },
	{ 11, "NULL" }, { 12, "AES_CBC" }, { 13, "AES_CTR" }, { 14, "AES_CCM_8" },
	{ 15, "AES_CCM_12" }, { 16, "AES_CCM_16" }, { 18, "AES_GCM_8" },
	{ 19, "AES_GCM_12" }, { 20, "AES_GCM_16" }, { 21, "NULL_AUTH_AES_GMAC" },
	{ 23, "CAMELLIA_CBC" }, { 24, "CAMELLIA_CTR" }, { 25, "CAMELLIA_CCM_8" },
	{ 26, "CAMELLIA_CCM_12" }, { 27, "CAMELLIA_CCM_16" },
	{ 28, "CHACHA20_POLY1305" },
};

static const struct name_entry prf_names[] = {
	{ 1, "HMAC_MD5" }, { 2, "HMAC_SHA1" }, { 3, "HMAC_TIGER" },
	{ 4, "AES128_XCBC" }, { 5, "HMAC_SHA2_256" }, { 6, "HMAC_SHA2_384" },
	{ 7, "HMAC_SHA2_512" }, { 8, "AES128_CMAC" },
};

static const struct name_entry integ_names[] = {
	{ 0, "NONE" }, { 1, "HMAC_MD5_96" }, { 2, "HMAC_SHA1_96" }, { 3, "DES_MAC" },
	{ 4, "KPDK_MD5" }, { 5, "AES_XCBC_96" }, { 6, "HMAC_MD5_128" },
	{ 7, "HMAC_SHA1_160" }, { 8, "AES_CMAC_96" }, { 9, "AES_128_GMAC" },
	{ 10, "AES_192_GMAC" }, { 11, "AES_256_GMAC" }, { 12, "HMAC_SHA2_256_128" },
	{ 13, "HMAC_SHA2_384_192" }, { 14, "HMAC_SHA2_512_256" },
};

static const struct name_entry dh_names[] = {
	{ 0, "NONE" }, { 1, "MODP768" }, { 2, "MODP1024" }, { 5, "MODP1536" },
	{ 14, "MODP2048" }, { 15, "MODP3072" }, { 16, "MODP4096" }, { 17, "MODP6144" },
	{ 18, "MODP8192" }, { 19, "ECP256" }, { 20, "ECP384" }, { 21, "ECP521" },
	{ 22, "MODP1024_160" }, { 23, "MODP2048_224" }, { 24, "MODP2048_256" },
	{ 25, "ECP192" }, { 26, "ECP224" }, { 27, "BRAINPOOL224" },
	{ 28, "BRAINPOOL256" }, { 29, "BRAINPOOL384" }, { 30, "BRAINPOOL512" },
	{ 31, "CURVE25519" }, { 32, "CURVE448" },
};

static const struct name_entry esn_names[] = {
	{ 0, "NO_ESN" }, { 1, "ESN" },
};

static const struct name_entry protocol_names[] = {
	{ 1, "IKE" }, { 2, "AH" }, { 3, "ESP" },
};

static const struct name_entry id_type_names[] = {
	{ 1, "IPV4_ADDR" }, { 2, "FQDN" }, { 3, "RFC822_ADDR" }, { 5, "IPV6_ADDR" },
	{ 9, "DER_ASN1_DN" }, { 10, "DER_ASN1_GN" }, { 11, "KEY_ID" },
	{ 12, "FC_NAME" }, { 13, "NULL" },
};

static const struct name_entry cert_encoding_names[] = {
	{ 1, "PKCS7_X509" }, { 2, "PGP" }, { 3, "DNS_SIGNED_KEY" },
	{ 4, "X509_SIGNATURE" }, { 6, "KERBEROS_TOKEN" }, { 7, "CRL" }, { 8, "ARL" },
	{ 9, "SPKI" }, { 10, "X509_ATTRIBUTE" }, { 11, "RAW_RSA_KEY" },
	{ 12, "HASH_URL_X509_CERT" }, { 13, "HASH_URL_X509_BUNDLE" },
	{ 14, "OCSP_CONTENT" }, { 15, "RAW_PUBLIC_KEY" },
};

static const struct name_entry auth_method_names[] = {
	{ 1, "RSA_SIG" }, { 2, "SHARED_KEY_MIC" }, { 3, "DSS_SIG" },
	{ 9, "ECDSA_SHA256_P256" }, { 10, "ECDSA_SHA384_P384" },
	{ 11, "ECDSA_SHA512_P521" }, { 12, "GENERIC_SECURE_PASSWORD" },
	{ 13, "NULL_AUTH" }, { 14, "DIGITAL_SIGNATURE" },
};

static const struct name_entry ts_type_names[] = {
	{ 7, "TS_IPV4_ADDR_RANGE" }, { 8, "TS_IPV6_ADDR_RANGE" },
	{ 9, "TS_FC_ADDR_RANGE" },
};

static const struct name_entry cp_type_names[] = {
	{ 1, "CFG_REQUEST" }, { 2, "CFG_REPLY" }, { 3, "CFG_SET" }, { 4, "CFG_ACK" },
};

static const struct name_entry cp_attr_names[] = {
	{ 1, "INTERNAL_IP4_ADDRESS" }, { 2, "INTERNAL_IP4_NETMASK" },
	{ 3, "INTERNAL_IP4_DNS" }, { 4, "INTERNAL_IP4_NBNS" },
	{ 6, "INTERNAL_IP4_DHCP" }, { 7, "APPLICATION_VERSION" },
	{ 8, "INTERNAL_IP6_ADDRESS" }, { 10, "INTERNAL_IP6_DNS" },
	{ 12, "INTERNAL_IP6_DHCP" }, { 13, "INTERNAL_IP4_SUBNET" },
	{ 14, "SUPPORTED_ATTRIBUTES" }, { 15, "INTERNAL_IP6_SUBNET" },
	{ 16, "MIP6_HOME_PREFIX" }, { 17, "INTERNAL_IP6_LINK" },
	{ 18, "INTERNAL_IP6_PREFIX" }, { 19, "HOME_AGENT_ADDRESS" },
	{ 20, "P_CSCF_IP4_ADDRESS" }, { 21, "P_CSCF_IP6_ADDRESS" },
	{ 25, "INTERNAL_DNS_DOMAIN" }, { 26, "INTERNAL_DNSSEC_TA" },
};

static const struct name_entry eap_code_names[] = {
	{ 1, "REQUEST" }, { 2, "RESPONSE" }, { 3, "SUCCESS" }, { 4, "FAILURE" },
};

static const struct name_entry hash_alg_names[] = {
	{ 1, "SHA1" }, { 2, "SHA2_256" }, { 3, "SHA2_384" }, { 4, "SHA2_512" },
	{ 5, "IDENTITY" },
};

#define TABLE(reg, name, arr) [reg] = { name, arr, ARRAY_SIZE(arr) }

static const struct name_table tables[IKE_REG__COUNT] = {
	TABLE(IKE_REG_EXCHANGE, "exchange", exchange_names),
	TABLE(IKE_REG_PAYLOAD, "payload", payload_names),
	TABLE(IKE_REG_NOTIFY, "notify", notify_names),
	TABLE(IKE_REG_TRANSFORM_TYPE, "transform_type", transform_type_names),
	TABLE(IKE_REG_ENCR, "encr", encr_names),
	TABLE(IKE_REG_PRF, "prf", prf_names),
	TABLE(IKE_REG_INTEG, "integ", integ_names),
	TABLE(IKE_REG_DH, "dh", dh_names),
	TABLE(IKE_REG_ESN, "esn", esn_names),
	TABLE(IKE_REG_PROTOCOL, "protocol", protocol_names),
	TABLE(IKE_REG_ID_TYPE, "id_type", id_type_names),
	TABLE(IKE_REG_CERT_ENCODING, "cert_encoding", cert_encoding_names),
	TABLE(IKE_REG_AUTH_METHOD, "auth_method", auth_method_names),
	TABLE(IKE_REG_TS_TYPE, "ts_type", ts_type_names),
	TABLE(IKE_REG_CP_TYPE, "cp_type", cp_type_names),
	TABLE(IKE_REG_CP_ATTR, "cp_attr", cp_attr_names),
	TABLE(IKE_REG_EAP_CODE, "eap_code", eap_code_names),
	TABLE(IKE_REG_HASH_ALG, "hash_alg", hash_alg_names),
};

const char *ike_name(enum ike_registry reg, unsigned value)
{
	if ((unsigned)reg >= IKE_REG__COUNT)
		return NULL;
	const struct name_table *t = &tables[reg];
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->e[mid].value == value)
			return t->e[mid].name;
		if (t->e[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int ike_name_value(enum ike_registry reg, const char *name)
{
	if ((unsigned)reg >= IKE_REG__COUNT || !name)
		return -1;
	const struct name_table *t = &tables[reg];
	for (size_t i = 0; i < t->n; i++)
		if (!strcasecmp(t->e[i].name, name))
			return t->e[i].value;
	return -1;
}

const char *ike_registry_name(enum ike_registry reg)
{
	return (unsigned)reg < IKE_REG__COUNT ? tables[reg].registry : NULL;
}

const char *ike_name_entry(enum ike_registry reg, size_t i, unsigned *value)
{
	if ((unsigned)reg >= IKE_REG__COUNT || i >= tables[reg].n)
		return NULL;
	*value = tables[reg].e[i].value;
	return tables[reg].e[i].name;
}

const char *ike_name_exchange(unsigned v) { return ike_name(IKE_REG_EXCHANGE, v); }
const char *ike_name_payload(unsigned v) { return ike_name(IKE_REG_PAYLOAD, v); }
const char *ike_name_notify(unsigned v) { return ike_name(IKE_REG_NOTIFY, v); }
const char *ike_name_id_type(unsigned v) { return ike_name(IKE_REG_ID_TYPE, v); }
const char *ike_name_auth_method(unsigned v) { return ike_name(IKE_REG_AUTH_METHOD, v); }

const char *ike_name_transform_type(unsigned v)
{
	return ike_name(IKE_REG_TRANSFORM_TYPE, v);
}

const char *ike_name_transform_id(unsigned type, unsigned id)
{
	static const enum ike_registry by_type[] = {
		[1] = IKE_REG_ENCR, [2] = IKE_REG_PRF, [3] = IKE_REG_INTEG,
		[4] = IKE_REG_DH, [5] = IKE_REG_ESN,
	};
	if (type < 1 || type >= ARRAY_SIZE(by_type))
		return NULL;
	return ike_name(by_type[type], id);
}

const char *ike_name_or_num(const char *name, unsigned v, char *buf, size_t size)
{
	if (name)
		return name;
	if (size)
		snprintf(buf, size, "UNKNOWN(%u)", v);
	return size ? buf : "UNKNOWN";
}
