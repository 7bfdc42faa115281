/* IKEv2 message model: wire constants (RFC 7296, RFC 4555, RFC 7383 and
 * the IANA IKEv2 registries), decoded payload structs, the parser and the
 * builder.
 *
 * Parsing is pure: bytes in, struct ike_msg out.  Variable-length fields are
 * pointers into the parsed bytes (zero copy): they stay valid as long as
 * those bytes do.  Every payload is length-checked before any field is read;
 * errors come back as enum ike_err, which maps to the notify to answer.
 *
 * Building appends to a struct ike_writer (proto/buf.h) through a struct
 * ike_builder, which chains the next-payload fields and patches lengths.
 *
 * Full message, receive:
 *     struct ike_msg m;
 *     enum ike_err e = ike_parse_message(pkt, len, &m);
 *     if (e) reply/drop with ike_err_notify(e) (data: m.err_data);
 *     if (m.sk.present) { decrypt with proto/sk.h using m.sk.off, then
 *         e = ike_parse_payloads(m.sk.first_inner, plain, plain_len, &m); }
 * Full message, send: see struct ike_builder below.
 */
#ifndef IKESWARM_PROTO_IKE_H
#define IKESWARM_PROTO_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/ike_ids.h"

/* ---- wire constants ------------------------------------------------- */

#define IKE_HDR_LEN        28   /* fixed IKE header */
#define IKE_GEN_HDR_LEN    4    /* generic payload header */
#define IKE_VERSION        0x20 /* major 2, minor 0 */
#define IKE_MAJOR(v)       ((uint8_t)(v) >> 4)
#define IKE_SPI_LEN        8
#define IKE_NONCE_MIN_LEN  16   /* RFC 7296 2.10 */
#define IKE_NONCE_MAX_LEN  256

/* Header flags (RFC 7296 3.1). */
#define IKE_FLAG_INITIATOR 0x08
#define IKE_FLAG_VERSION   0x10
#define IKE_FLAG_RESPONSE  0x20

/* Generic payload header: the critical bit (RFC 7296 2.5). */
#define IKE_PLD_CRITICAL   0x80

enum ike_exchange {
	IKE_EXCH_SA_INIT        = 34,
	IKE_EXCH_AUTH           = 35,
	IKE_EXCH_CREATE_CHILD_SA = 36,
	IKE_EXCH_INFORMATIONAL  = 37,
	IKE_EXCH_SESSION_RESUME = 38, /* RFC 5723 */
	IKE_EXCH_GSA_AUTH       = 39, /* RFC 9838 */
	IKE_EXCH_GSA_REGISTRATION = 40,
	IKE_EXCH_GSA_REKEY      = 41,
	IKE_EXCH_INTERMEDIATE   = 43, /* RFC 9242 */
	IKE_EXCH_FOLLOWUP_KE    = 44, /* RFC 9370 */
};

enum ike_payload_type {
	IKE_PLD_NONE    = 0,
	IKE_PLD_SA      = 33,
	IKE_PLD_KE      = 34,
	IKE_PLD_IDI     = 35,
	IKE_PLD_IDR     = 36,
	IKE_PLD_CERT    = 37,
	IKE_PLD_CERTREQ = 38,
	IKE_PLD_AUTH    = 39,
	IKE_PLD_NONCE   = 40,
	IKE_PLD_NOTIFY  = 41,
	IKE_PLD_DELETE  = 42,
	IKE_PLD_VENDOR  = 43,
	IKE_PLD_TSI     = 44,
	IKE_PLD_TSR     = 45,
	IKE_PLD_SK      = 46,
	IKE_PLD_CP      = 47,
	IKE_PLD_EAP     = 48,
	IKE_PLD_GSPM    = 49, /* RFC 6467 */
	IKE_PLD_IDG     = 50, /* group key management: not decoded */
	IKE_PLD_GSA     = 51,
	IKE_PLD_KD      = 52,
	IKE_PLD_SKF     = 53, /* RFC 7383 */
	IKE_PLD_PS      = 54, /* RFC 8019 puzzle solution */
};

/* Notify message types (RFC 7296 3.10.1, RFC 4555, IANA registry). */
enum ike_notify_type {
	/* errors: 0..16383 */
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI              = 4,
	IKE_N_INVALID_MAJOR_VERSION        = 5,
	IKE_N_INVALID_SYNTAX               = 7,
	IKE_N_INVALID_MESSAGE_ID           = 9,
	IKE_N_INVALID_SPI                  = 11,
	IKE_N_NO_PROPOSAL_CHOSEN           = 14,
	IKE_N_INVALID_KE_PAYLOAD           = 17,
	IKE_N_AUTHENTICATION_FAILED        = 24,
	IKE_N_SINGLE_PAIR_REQUIRED         = 34,
	IKE_N_NO_ADDITIONAL_SAS            = 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE     = 36,
	IKE_N_FAILED_CP_REQUIRED           = 37,
	IKE_N_TS_UNACCEPTABLE              = 38,
	IKE_N_INVALID_SELECTORS            = 39,
	IKE_N_UNACCEPTABLE_ADDRESSES       = 40, /* RFC 4555 */
	IKE_N_UNEXPECTED_NAT_DETECTED      = 41, /* RFC 4555 */
	IKE_N_USE_ASSIGNED_HOA             = 42,
	IKE_N_TEMPORARY_FAILURE            = 43,
	IKE_N_CHILD_SA_NOT_FOUND           = 44,
	IKE_N_INVALID_GROUP_ID             = 45,
	IKE_N_AUTHORIZATION_FAILED         = 46,
	IKE_N_STATE_NOT_FOUND              = 47,
	IKE_N_ERROR_MAX                    = 16383,
	/* status: 16384.. */
	IKE_N_INITIAL_CONTACT              = 16384,
	IKE_N_SET_WINDOW_SIZE              = 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE       = 16386,
	IKE_N_IPCOMP_SUPPORTED             = 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP      = 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE                       = 16390,
	IKE_N_USE_TRANSPORT_MODE           = 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED   = 16392,
	IKE_N_REKEY_SA                     = 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO     = 16395,
	IKE_N_MOBIKE_SUPPORTED             = 16396, /* RFC 4555 */
	IKE_N_ADDITIONAL_IP4_ADDRESS       = 16397,
	IKE_N_ADDITIONAL_IP6_ADDRESS       = 16398,
	IKE_N_NO_ADDITIONAL_ADDRESSES      = 16399,
	IKE_N_UPDATE_SA_ADDRESSES          = 16400,
	IKE_N_COOKIE2                      = 16401,
	IKE_N_NO_NATS_ALLOWED              = 16402,
	IKE_N_AUTH_LIFETIME                = 16403,
	IKE_N_MULTIPLE_AUTH_SUPPORTED      = 16404,
	IKE_N_ANOTHER_AUTH_FOLLOWS         = 16405,
	IKE_N_REDIRECT_SUPPORTED           = 16406,
	IKE_N_REDIRECT                     = 16407,
	IKE_N_REDIRECTED_FROM              = 16408,
	IKE_N_TICKET_LT_OPAQUE             = 16409,
	IKE_N_TICKET_REQUEST               = 16410,
	IKE_N_TICKET_ACK                   = 16411,
	IKE_N_TICKET_NACK                  = 16412,
	IKE_N_TICKET_OPAQUE                = 16413,
	IKE_N_LINK_ID                      = 16414,
	IKE_N_USE_WESP_MODE                = 16415,
	IKE_N_ROHC_SUPPORTED               = 16416,
	IKE_N_EAP_ONLY_AUTHENTICATION      = 16417,
	IKE_N_CHILDLESS_IKEV2_SUPPORTED    = 16418,
	IKE_N_QUICK_CRASH_DETECTION        = 16419,
	IKE_N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED = 16420,
	IKE_N_IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED = 16421,
	IKE_N_IKEV2_MESSAGE_ID_SYNC        = 16422,
	IKE_N_IPSEC_REPLAY_COUNTER_SYNC    = 16423,
	IKE_N_SECURE_PASSWORD_METHODS      = 16424,
	IKE_N_PSK_PERSIST                  = 16425,
	IKE_N_PSK_CONFIRM                  = 16426,
	IKE_N_ERX_SUPPORTED                = 16427,
	IKE_N_IFOM_CAPABILITY              = 16428,
	IKE_N_SENDER_REQUEST_ID            = 16429,
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430, /* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS    = 16431, /* RFC 7427 */
	IKE_N_CLONE_IKE_SA_SUPPORTED       = 16432,
	IKE_N_CLONE_IKE_SA                 = 16433,
	IKE_N_PUZZLE                       = 16434,
	IKE_N_USE_PPK                      = 16435,
	IKE_N_PPK_IDENTITY                 = 16436,
	IKE_N_NO_PPK_AUTH                  = 16437,
	IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED = 16438,
	IKE_N_IP4_ALLOWED                  = 16439,
	IKE_N_IP6_ALLOWED                  = 16440,
	IKE_N_ADDITIONAL_KEY_EXCHANGE      = 16441,
	IKE_N_USE_AGGFRAG                  = 16442,
};

/* Transform types and IDs (IKE_TRANSFORM_*, IKE_ENCR_*, IKE_PRF_*,
 * IKE_INTEG_*, IKE_DH_*, IKE_ESN_*, IKE_ATTR_KEY_LENGTH) live in
 * proto/ike_ids.h, shared with the crypto code; names.h names them all. */
#define IKE_ATTR_TV         0x8000 /* AF bit: value in the type/length word */

enum ike_protocol_id {
	IKE_PROTO_IKE = 1,
	IKE_PROTO_AH  = 2,
	IKE_PROTO_ESP = 3,
};

enum ike_id_type {
	IKE_ID_IPV4_ADDR   = 1,
	IKE_ID_FQDN        = 2,
	IKE_ID_RFC822_ADDR = 3,
	IKE_ID_IPV6_ADDR   = 5,
	IKE_ID_DER_ASN1_DN = 9,
	IKE_ID_DER_ASN1_GN = 10,
	IKE_ID_KEY_ID      = 11,
	IKE_ID_FC_NAME     = 12,
	IKE_ID_NULL        = 13, /* RFC 7619 */
};

enum ike_cert_encoding {
	IKE_CERT_PKCS7          = 1,
	IKE_CERT_PGP            = 2,
	IKE_CERT_DNS_SIGNED_KEY = 3,
	IKE_CERT_X509_SIG       = 4,
	IKE_CERT_KERBEROS       = 6,
	IKE_CERT_CRL            = 7,
	IKE_CERT_ARL            = 8,
	IKE_CERT_SPKI           = 9,
	IKE_CERT_X509_ATTR      = 10,
	IKE_CERT_RAW_RSA        = 11,
	IKE_CERT_HASH_URL_X509  = 12,
	IKE_CERT_HASH_URL_BUNDLE = 13,
	IKE_CERT_OCSP           = 14,
	IKE_CERT_RAW_PUBKEY     = 15,
};

/* Authentication methods (enum ike_auth_method, IKE_AUTH_*) live in
 * proto/auth.h; names.h names them all. */

/* Hash algorithms in SIGNATURE_HASH_ALGORITHMS (RFC 7427). */
enum ike_hash_alg {
	IKE_HASH_SHA1     = 1,
	IKE_HASH_SHA2_256 = 2,
	IKE_HASH_SHA2_384 = 3,
	IKE_HASH_SHA2_512 = 4,
	IKE_HASH_IDENTITY = 5,
};

enum ike_ts_type {
	IKE_TS_IPV4_ADDR_RANGE = 7,
	IKE_TS_IPV6_ADDR_RANGE = 8,
	IKE_TS_FC_ADDR_RANGE   = 9,
};

enum ike_cp_type {
	IKE_CFG_REQUEST = 1,
	IKE_CFG_REPLY   = 2,
	IKE_CFG_SET     = 3,
	IKE_CFG_ACK     = 4,
};

enum ike_cp_attr_type {
	IKE_CPA_INTERNAL_IP4_ADDRESS = 1,
	IKE_CPA_INTERNAL_IP4_NETMASK = 2,
	IKE_CPA_INTERNAL_IP4_DNS     = 3,
	IKE_CPA_INTERNAL_IP4_NBNS    = 4,
	IKE_CPA_INTERNAL_IP4_DHCP    = 6,
	IKE_CPA_APPLICATION_VERSION  = 7,
	IKE_CPA_INTERNAL_IP6_ADDRESS = 8,
	IKE_CPA_INTERNAL_IP6_DNS     = 10,
	IKE_CPA_INTERNAL_IP6_DHCP    = 12,
	IKE_CPA_INTERNAL_IP4_SUBNET  = 13,
	IKE_CPA_SUPPORTED_ATTRIBUTES = 14,
	IKE_CPA_INTERNAL_IP6_SUBNET  = 15,
	IKE_CPA_MIP6_HOME_PREFIX     = 16,
	IKE_CPA_INTERNAL_IP6_LINK    = 17,
	IKE_CPA_INTERNAL_IP6_PREFIX  = 18,
	IKE_CPA_HOME_AGENT_ADDRESS   = 19,
	IKE_CPA_P_CSCF_IP4_ADDRESS   = 20,
	IKE_CPA_P_CSCF_IP6_ADDRESS   = 21,
	IKE_CPA_INTERNAL_DNS_DOMAIN  = 25, /* RFC 8598 */
	IKE_CPA_INTERNAL_DNSSEC_TA   = 26,
};
#define IKE_CPA_TYPE_MASK 0x7fff /* top bit of the attribute type is reserved */

enum ike_eap_code {
	IKE_EAP_REQUEST  = 1,
	IKE_EAP_RESPONSE = 2,
	IKE_EAP_SUCCESS  = 3,
	IKE_EAP_FAILURE  = 4,
};

/* ---- limits ---------------------------------------------------------- */
/* Exceeding one is IKE_ERR_TOO_MANY (answered as INVALID_SYNTAX); they are
 * sized for strongSwan's default proposals and MOBIKE address lists. */
#define IKE_MAX_PROPOSALS  16   /* per SA payload */
#define IKE_MAX_TRANSFORMS 256  /* per SA payload, all proposals together */
#define IKE_MAX_NOTIFIES   64   /* = IKE_MAX_PAYLOADS: MOBIKE address lists */
#define IKE_MAX_TS         16   /* per TS payload */
#define IKE_MAX_PAYLOADS   64   /* per message, clear and inner together */
#define IKE_MAX_CERTS      8
#define IKE_MAX_CERTREQS   8
#define IKE_MAX_VENDORS    16
#define IKE_MAX_DELETES    8
#define IKE_MAX_CP_ATTRS   32

/* ---- errors ---------------------------------------------------------- */

enum ike_err {
	IKE_OK = 0,
	IKE_ERR_TRUNCATED,            /* shorter than a length says */
	IKE_ERR_BAD_LENGTH,           /* length field inconsistent */
	IKE_ERR_SYNTAX,               /* field value not allowed */
	IKE_ERR_MAJOR_VERSION,        /* IKE major version is not 2 */
	IKE_ERR_UNSUPPORTED_CRITICAL, /* unknown payload, critical bit set */
	IKE_ERR_TOO_MANY,             /* a fixed limit above was exceeded */
	IKE_ERR_DUPLICATE,            /* a payload that may occur once, twice */
	IKE_ERR_SK_NOT_LAST,          /* SK/SKF followed by more payloads */
	IKE_ERR_NO_SPACE,             /* builder: output does not fit */
	IKE_ERR_INVALID_ARG,          /* builder: value cannot be encoded */
	IKE_ERR__COUNT
};

/* Notify type to answer with (INVALID_SYNTAX, UNSUPPORTED_CRITICAL_PAYLOAD,
 * INVALID_MAJOR_VERSION, ...); 0 for IKE_OK and builder errors. */
uint16_t ike_err_notify(enum ike_err e);
/* Stable lower-case name for logs ("truncated", ...); never NULL. */
const char *ike_err_name(enum ike_err e);

/* ---- decoded payloads ------------------------------------------------ */

struct ike_hdr {
	uint64_t spi_i;   /* the 8 octets read big-endian: %016llx = wire hex */
	uint64_t spi_r;
	uint8_t next;     /* first payload type */
	uint8_t version;  /* IKE_VERSION */
	uint8_t exchange; /* enum ike_exchange */
	uint8_t flags;    /* IKE_FLAG_* */
	uint32_t msgid;
	uint32_t length;  /* whole message, header included */
};

struct ike_transform {
	uint8_t type;          /* enum ike_transform_type (proto/ike_ids.h) */
	uint16_t id;
	bool has_keylen;       /* a KEY_LENGTH attribute is present */
	uint16_t keylen;       /* bits */
	/* Parsed: all attribute bytes as received (KEY_LENGTH included, and
	 * any unknown ones, each checked to be well formed).  The builder
	 * writes these verbatim when attrs_len > 0, else only KEY_LENGTH. */
	const uint8_t *attrs;
	uint16_t attrs_len;
};

struct ike_proposal {
	uint8_t num;       /* proposal number, 1.. */
	uint8_t protocol;  /* enum ike_protocol_id */
	uint8_t spi_size;  /* 0, 4 or 8 */
	uint8_t spi[8];
	uint16_t xf_first; /* index of the first transform in ike_sa.xf */
	uint16_t n_xf;     /* transforms of this proposal: xf[first..first+n) */
};

struct ike_sa {
	uint8_t n_prop;
	struct ike_proposal prop[IKE_MAX_PROPOSALS];
	uint16_t n_xf;
	struct ike_transform xf[IKE_MAX_TRANSFORMS];
};

struct ike_ke {
	uint16_t group;       /* enum ike_dh_id */
	const uint8_t *data;
	size_t len;
};

struct ike_id {
	uint8_t type;         /* enum ike_id_type */
	const uint8_t *data;
	size_t len;
	/* Parsed only: the payload body after the generic header (type, the
	 * three reserved octets and data) -- what AUTH signs (RFC 7296 2.15). */
	const uint8_t *body;
	size_t body_len;
};

struct ike_cert {           /* CERT and CERTREQ */
	uint8_t encoding;     /* enum ike_cert_encoding */
	const uint8_t *data;
	size_t len;
};

struct ike_auth {
	uint8_t method;       /* enum ike_auth_method (proto/auth.h) */
	const uint8_t *data;
	size_t len;
};

struct ike_blob {           /* Nonce, Vendor ID */
	const uint8_t *data;
	size_t len;
};

struct ike_notify {
	uint8_t protocol;     /* enum ike_protocol_id, or 0 */
	uint8_t spi_size;
	const uint8_t *spi;
	uint16_t type;        /* enum ike_notify_type */
	const uint8_t *data;
	size_t len;
};

struct ike_delete {
	uint8_t protocol;
	uint8_t spi_size;     /* 0 for IKE, 4 for ESP/AH */
	uint16_t n_spi;
	const uint8_t *spis;  /* n_spi * spi_size octets */
};

struct ike_ts {
	uint8_t type;         /* enum ike_ts_type */
	uint8_t ip_proto;     /* 0: any */
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start[16];    /* 4 octets used for IPv4 */
	uint8_t end[16];
	/* Unknown TS types: the selector after its 4-octet header, as is. */
	const uint8_t *raw;
	uint16_t raw_len;
};

struct ike_ts_list {
	uint8_t n;
	struct ike_ts ts[IKE_MAX_TS];
};

struct ike_cp_attr {
	uint16_t type;        /* enum ike_cp_attr_type */
	const uint8_t *data;
	uint16_t len;
};

struct ike_cp {
	uint8_t type;         /* enum ike_cp_type */
	uint8_t n;
	struct ike_cp_attr attr[IKE_MAX_CP_ATTRS];
};

struct ike_eap {
	uint8_t code;         /* enum ike_eap_code */
	uint8_t id;
	bool has_type;        /* Request/Response carry a type octet */
	uint8_t type;
	const uint8_t *data;  /* after the type octet */
	size_t len;
};

/* SK (RFC 7296 3.14) and SKF (RFC 7383 2.5): the encrypted body is
 * IV | ciphertext | ICV, decoded by proto/sk.h. */
struct ike_sk_pld {
	bool present;
	uint8_t first_inner;  /* type of the first inner payload */
	size_t off;           /* offset of the SK/SKF generic header from the
	                       * start of the message (IKE header) */
	const uint8_t *body;  /* after the generic header (after the fragment
	                       * numbers for SKF) */
	size_t body_len;
	uint16_t frag_num;    /* SKF only */
	uint16_t frag_total;  /* SKF only */
};

/* Every payload in order, as met, including unknown ones (skipped). */
struct ike_pld_ref {
	uint8_t type;
	uint8_t flags;        /* the octet after next-payload (critical bit) */
	bool inner;           /* from a decrypted SK/SKF body */
	bool known;           /* decoded into one of ike_msg's fields */
	const uint8_t *body;  /* after the generic header */
	uint16_t len;         /* body length */
};

/* About 13 KB: keep one per worker as scratch, not one per SA. */
struct ike_msg {
	struct ike_hdr hdr;

	uint8_t n_pld;
	struct ike_pld_ref pld[IKE_MAX_PAYLOADS];

	bool has_sa, has_ke, has_idi, has_idr, has_auth, has_nonce;
	bool has_tsi, has_tsr, has_cp, has_eap;
	struct ike_sa sa;
	struct ike_ke ke;
	struct ike_id idi, idr;
	struct ike_auth auth;
	struct ike_blob nonce;
	struct ike_ts_list tsi, tsr;
	struct ike_cp cp;
	struct ike_eap eap;

	uint8_t n_cert, n_certreq, n_notify, n_vendor, n_delete;
	struct ike_cert cert[IKE_MAX_CERTS];
	struct ike_cert certreq[IKE_MAX_CERTREQS];
	struct ike_notify notify[IKE_MAX_NOTIFIES];
	struct ike_blob vendor[IKE_MAX_VENDORS];
	struct ike_delete del[IKE_MAX_DELETES];

	struct ike_sk_pld sk;     /* SK, or SKF (sk.frag_num != 0) */
	bool is_skf;

	/* On error: the offset (from the start of the parsed bytes) where it
	 * was found and the notify data to answer with (the payload type for
	 * UNSUPPORTED_CRITICAL_PAYLOAD; IKE_VERSION for INVALID_MAJOR_VERSION). */
	size_t err_off;
	uint8_t err_data;
};

/* ---- parsing --------------------------------------------------------- */

/* Zero a message struct (ike_parse_message does it itself). */
void ike_msg_init(struct ike_msg *m);

/* Decode the 28-octet header.  Checks: len >= 28, major version 2
 * (IKE_ERR_MAJOR_VERSION otherwise), header length field >= 28 and
 * <= len.  Does not require length == len: see ike_parse_message. */
enum ike_err ike_parse_header(const uint8_t *bytes, size_t len, struct ike_hdr *h);

/* Walk a payload chain starting with `first_type`, decoding into `out`.
 * APPENDS to `out` (does not clear it), so the inner payloads of SK/SKF
 * land in the same struct as the clear ones; payloads parsed here are
 * marked inner when out->sk.present.  An SK/SKF payload must be the last
 * one; its body runs to the end of `bytes`; out->sk.off is relative to
 * `bytes`.  Pure: no allocation, no global state. */
enum ike_err ike_parse_payloads(uint8_t first_type, const uint8_t *bytes, size_t len,
				struct ike_msg *out);

/* A whole datagram (after the non-ESP marker on port 4500): clears `out`,
 * parses the header (its length must equal len), then the clear payload
 * chain; out->sk.off is then relative to `bytes` (the IKE header). */
enum ike_err ike_parse_message(const uint8_t *bytes, size_t len, struct ike_msg *out);

/* Find the SK or SKF payload in a raw message without decoding the others:
 * on IKE_OK, *off is the offset of its generic header from bytes[0] and
 * *type is IKE_PLD_SK or IKE_PLD_SKF; IKE_ERR_SYNTAX when there is none. */
enum ike_err ike_find_sk(const uint8_t *bytes, size_t len, size_t *off, uint8_t *type);

/* Transform i of proposal p (no bounds check beyond p->n_xf). */
static inline const struct ike_transform *
ike_prop_xf(const struct ike_sa *sa, const struct ike_proposal *p, unsigned i)
{
	return &sa->xf[p->xf_first + i];
}

/* First notify of `type` in m, or NULL. */
const struct ike_notify *ike_msg_notify(const struct ike_msg *m, uint16_t type);

/* ---- building --------------------------------------------------------- */

/* SA assembly for the builder: append a proposal, then its transforms. */
enum ike_err ike_sa_add_proposal(struct ike_sa *sa, uint8_t num, uint8_t protocol,
				 const uint8_t *spi, uint8_t spi_size);
/* keylen 0: no KEY_LENGTH attribute. Adds to the last proposal. */
enum ike_err ike_sa_add_transform(struct ike_sa *sa, uint8_t type, uint16_t id,
				  uint16_t keylen);

/* Builds one message into a writer.  Usage:
 *     struct ike_builder b;
 *     ike_build_begin(&b, &w, &hdr);      // hdr.next and hdr.length ignored
 *     ike_add_sa(&b, &sa); ike_add_ke(&b, &ke); ike_add_nonce(&b, ni, ni_len);
 *     ike_add_notify(&b, &n); ...
 *     e = ike_build_end(&b);              // patches the header length
 * With SK:
 *     ike_build_begin(...); [clear payloads, rarely any]
 *     ike_add_sk_begin(&b, ike_sk_iv_len(sk)); // SK header + zeroed IV room
 *     ike_add_id(&b, IKE_PLD_IDI, ...); ike_add_auth(&b, ...); ... // plaintext
 *     e = ike_build_end(&b);              // lengths cover the plaintext only
 *     rc = ike_sk_seal_wr(sk, &w, b.sk_off);   // proto/sk.h: pads, encrypts,
 *                                         // appends the ICV, patches lengths
 * The message must start at offset 0 of the writer when it is to be sealed
 * (proto/sk.h takes offsets from the IKE header).
 * Each ike_add_* returns IKE_ERR_NO_SPACE when the writer is full (and stays
 * so: ike_build_end reports it too), IKE_ERR_INVALID_ARG for values that
 * do not fit their fields. */
struct ike_builder {
	struct ike_writer *w;
	size_t msg_off;       /* where the IKE header starts in w */
	size_t np_off;        /* next-payload octet to patch with the next type */
	size_t last_body_off; /* body (after generic header) of the last payload */
	size_t last_body_len;
	size_t sk_off;        /* SK/SKF generic header; SIZE_MAX without */
	size_t sk_iv_off;     /* first IV octet */
	size_t sk_iv_len;
	enum ike_err err;     /* first error, sticky */
};

enum ike_err ike_build_begin(struct ike_builder *b, struct ike_writer *w,
			     const struct ike_hdr *h);
enum ike_err ike_build_end(struct ike_builder *b);

enum ike_err ike_add_sa(struct ike_builder *b, const struct ike_sa *sa);
enum ike_err ike_add_ke(struct ike_builder *b, const struct ike_ke *ke);
/* pld_type: IKE_PLD_IDI or IKE_PLD_IDR */
enum ike_err ike_add_id(struct ike_builder *b, uint8_t pld_type, const struct ike_id *id);
/* pld_type: IKE_PLD_CERT or IKE_PLD_CERTREQ */
enum ike_err ike_add_cert(struct ike_builder *b, uint8_t pld_type, const struct ike_cert *c);
enum ike_err ike_add_auth(struct ike_builder *b, const struct ike_auth *a);
enum ike_err ike_add_nonce(struct ike_builder *b, const uint8_t *nonce, size_t len);
enum ike_err ike_add_notify(struct ike_builder *b, const struct ike_notify *n);
/* Status notify, protocol 0, no SPI: the common case. */
enum ike_err ike_add_notify_simple(struct ike_builder *b, uint16_t type,
				   const void *data, size_t len);
enum ike_err ike_add_delete(struct ike_builder *b, const struct ike_delete *d);
enum ike_err ike_add_vendor(struct ike_builder *b, const uint8_t *vid, size_t len);
/* pld_type: IKE_PLD_TSI or IKE_PLD_TSR */
enum ike_err ike_add_ts(struct ike_builder *b, uint8_t pld_type, const struct ike_ts_list *ts);
enum ike_err ike_add_cp(struct ike_builder *b, const struct ike_cp *cp);
enum ike_err ike_add_eap(struct ike_builder *b, const struct ike_eap *eap);
/* Any payload from its body bytes (unknown types, tests of the critical
 * bit, re-encoding).  flags is the octet after next-payload. */
enum ike_err ike_add_raw(struct ike_builder *b, uint8_t type, uint8_t flags,
			 const void *body, size_t len);

/* Open SK: writes its generic header (length patched by ike_build_end to
 * cover IV and plaintext) and iv_len zero octets for the IV; the payloads
 * added afterwards are the inner (plaintext) chain.  Must come last. */
enum ike_err ike_add_sk_begin(struct ike_builder *b, size_t iv_len);
/* Open SKF (RFC 7383): like SK, with fragment number and total. */
enum ike_err ike_add_skf_begin(struct ike_builder *b, uint16_t frag_num,
			       uint16_t frag_total, size_t iv_len);
/* Append an SK payload (SKF when sk->frag_num != 0) whose body (IV |
 * ciphertext | ICV) is already encrypted, e.g. to re-encode a parsed
 * message.  Nothing may follow it. */
enum ike_err ike_add_sk_sealed(struct ike_builder *b, const struct ike_sk_pld *sk);

/* Re-encode a parsed message: header and every clear payload in order
 * (decoded ones through their builders, unknown ones raw with their flags,
 * SK/SKF as sealed).  For golden-message round trips. */
enum ike_err ike_build_from_msg(struct ike_writer *w, const struct ike_msg *m);
/* Append the payloads of m whose ref is `inner` (decrypted) or not, in
 * order, the same way: e.g. after ike_add_sk_begin to rebuild a decrypted
 * body (SK/SKF refs are skipped when inner is true). */
enum ike_err ike_add_payloads_from_msg(struct ike_builder *b, const struct ike_msg *m,
				       bool inner);

#endif
