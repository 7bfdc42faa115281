/* Number-to-name tables for the IKEv2 registries, so logs and dumps say
 * names, not numbers.  Names are the RFC/IANA spellings without prefixes
 * ("IKE_SA_INIT", "NAT_DETECTION_SOURCE_IP", "AES_GCM_16", "MODP2048").
 *
 * Lookups return NULL for a value the table does not know; ike_name_or_num
 * formats such a value into a caller buffer instead, so nothing here keeps
 * state (safe from any thread).
 */
#ifndef IKESWARM_PROTO_NAMES_H
#define IKESWARM_PROTO_NAMES_H

#include <stddef.h>

enum ike_registry {
	IKE_REG_EXCHANGE,
	IKE_REG_PAYLOAD,
	IKE_REG_NOTIFY,
	IKE_REG_TRANSFORM_TYPE,
	IKE_REG_ENCR,
	IKE_REG_PRF,
	IKE_REG_INTEG,
	IKE_REG_DH,
	IKE_REG_ESN,
	IKE_REG_PROTOCOL,
	IKE_REG_ID_TYPE,
	IKE_REG_CERT_ENCODING,
	IKE_REG_AUTH_METHOD,
	IKE_REG_TS_TYPE,
	IKE_REG_CP_TYPE,
	IKE_REG_CP_ATTR,
	IKE_REG_EAP_CODE,
	IKE_REG_HASH_ALG,
	IKE_REG__COUNT
};

/* Name of `value` in registry `reg`, or NULL when unknown. */
const char *ike_name(enum ike_registry reg, unsigned value);
/* Value of `name` (exact, case-insensitive) in `reg`, or -1. */
int ike_name_value(enum ike_registry reg, const char *name);
/* Iterate a registry: the i-th entry's name (value in *value), in
 * increasing value order; NULL past the end. */
const char *ike_name_entry(enum ike_registry reg, size_t i, unsigned *value);
/* Name of the registry itself ("notify", "encr", ...). */
const char *ike_registry_name(enum ike_registry reg);

/* Convenience wrappers of ike_name(). */
const char *ike_name_exchange(unsigned v);
const char *ike_name_payload(unsigned v);
const char *ike_name_notify(unsigned v);
const char *ike_name_transform_type(unsigned v);
/* Transform ID within its type (IKE_TRANSFORM_ENCR, _PRF, _INTEG, _DH, _ESN). */
const char *ike_name_transform_id(unsigned type, unsigned id);
const char *ike_name_id_type(unsigned v);
const char *ike_name_auth_method(unsigned v);

/* Enough for any name or "UNKNOWN(65535)". */
#define IKE_NAME_BUFSZ 48

/* `name` when not NULL, else "UNKNOWN(<v>)" written to buf; returns the
 * string to print.  Typical use:
 *     char nb[IKE_NAME_BUFSZ];
 *     ike_name_or_num(ike_name_notify(t), t, nb, sizeof nb); */
const char *ike_name_or_num(const char *name, unsigned v, char *buf, size_t size);

#endif
