/* Internal to proto/crypto*.c, keys.c, auth.c, natd.c, sk.c: the layout of
 * the algorithm cache.  Other rooms use only proto/crypto.h. */
#ifndef IKESWARM_PROTO_CRYPTO_INT_H
#define IKESWARM_PROTO_CRYPTO_INT_H

#include <sys/types.h>

#include <openssl/evp.h>

#include "proto/crypto.h"

/* Digests behind the HMAC-based PRFs and integrity transforms. */
enum ike_md_idx { MD_MD5, MD_SHA1, MD_SHA256, MD_SHA384, MD_SHA512, MD_COUNT };

/* Ciphers. */
enum ike_cipher_idx {
	CI_3DES_CBC,
	CI_AES128_CBC, CI_AES192_CBC, CI_AES256_CBC,
	CI_AES128_GCM, CI_AES192_GCM, CI_AES256_GCM,
	CI_CHACHA20_POLY1305,
	CI_COUNT
};

/* Supported DH groups, in a dense index. */
enum ike_dh_idx {
	DHI_MODP_768, DHI_MODP_1024, DHI_MODP_1536, DHI_MODP_2048,
	DHI_MODP_3072, DHI_MODP_4096, DHI_MODP_6144, DHI_MODP_8192,
	DHI_ECP_256, DHI_ECP_384, DHI_ECP_521, DHI_X25519,
	DHI_COUNT
};

enum ike_dh_kind { DH_KIND_MODP, DH_KIND_ECP, DH_KIND_X25519 };

/* Private exponent bits for the explicit RFC 2409 groups 1 and 2 (twice
 * their ~80-bit strength; OpenSSL's named MODP groups carry their own). */
#define MODP_SMALL_PRIV_BITS 160

struct ike_dh_group_info {
	uint16_t id;
	enum ike_dh_kind kind;
	const char *ossl_name;  /* OpenSSL group name (NULL: explicit prime) */
	uint16_t ke_len;        /* KE payload data octets */
	uint16_t secret_len;    /* g^ir octets */
};

struct ike_crypto {
	OSSL_LIB_CTX *libctx;                 /* NULL: the default context */
	/* Everything else is made on first use (crypto.c, crypto_dh.c,
	 * crypto_cipher.c): a worker fetches only the algorithms its setup
	 * uses, not all of them at start (about 11 M instructions each). */
	struct ike_shared_ctx *shared;
};

/* Freed X25519 key pairs kept for reuse per cache (crypto_dh.c): a
 * gateway frees each before the next; a client's in flight come and go
 * at the same rate. */
#define IKE_X25519_POOL 64

/* PSKs up to this long have their AUTH key cached (auth.c). */
#define IKE_PSK_CACHE_MAX 128

struct ike_psk_pad {
	uint16_t prf;                     /* 0: empty */
	uint8_t key_len;
	uint8_t psk_len;
	uint8_t psk[IKE_PSK_CACHE_MAX];
	uint8_t key[IKE_PRF_MAX_LEN];     /* prf(PSK, "Key Pad for IKEv2") */
};

/* One cipher context per cipher, made on first use and keyed per message
 * with the SA's key (crypto_cipher.c): an SA keeps only its key octets,
 * not OpenSSL contexts of about 700 octets each (issue 9, memory per
 * tunnel).  HMACs need no context here: proto/hmac.c keys a stack state
 * per call.  One cache per thread, like the rest of struct ike_crypto. */
struct ike_shared_ctx {
	EVP_CIPHER *cipher_alg[CI_COUNT];     /* fetched: ike_cipher_alg() */
	EVP_CIPHER_CTX *cipher[CI_COUNT];
	/* Key generation templates: MODP/ECP domain parameters, X25519 a
	 * throwaway key; keygen contexts come from these without a fetch
	 * (ike_dh_template()). */
	EVP_PKEY *dh_tmpl[DHI_COUNT];
	/* MODP: p - 1, big-endian, ke_len octets, for the peer range check. */
	uint8_t *modp_pm1[DHI_COUNT];
	/* X25519 key import context (EVP_PKEY_fromdata only reads it): made
	 * once, since every EVP_PKEY_CTX made walks OpenSSL 3.0's whole name
	 * table (~4 us; crypto_dh.c x25519_from_private). */
	EVP_PKEY_CTX *x25519_import;
	/* DH, made on first use per group (crypto_dh.c): a keygen context
	 * (MODP, ECP) and a peer key shell whose public value is set before
	 * each derive.  Each EVP_PKEY_CTX or EVP_PKEY made walks OpenSSL
	 * 3.0's whole name table; these two were made per key pair. */
	EVP_PKEY_CTX *dh_keygen[DHI_COUNT];
	EVP_PKEY *dh_peer[DHI_COUNT];
	/* X25519 key pairs of freed ike_dh with their derive contexts
	 * (crypto_dh.c): the next key is imported into a pooled EVP_PKEY and
	 * its context re-initialised, saving a context made (a name-table
	 * walk, ~3 us) per key.  A pooled key keeps its old private value
	 * until reused or the cache is freed (OpenSSL clears it then). */
	struct { EVP_PKEY *pkey; EVP_PKEY_CTX *dctx; } x25519_pool[IKE_X25519_POOL];
	unsigned x25519_pooled;
	/* X25519 private values drawn 32 keys at a time (crypto_dh.c): one
	 * RAND_priv_bytes call cost ~1.7 us whatever its length up to 1 KB.
	 * Handed-out octets are wiped; a refill when the pid changed, so a
	 * forked child never repeats its parent's keys. */
	uint8_t x25519_priv[32 * 32];
	size_t x25519_priv_left;
	pid_t x25519_priv_pid;
	/* The last prf(PSK, "Key Pad for IKEv2") (auth.c): the same for every
	 * SA of a setup.  Wiped at free. */
	struct ike_psk_pad psk_pad;
	/* CBC IV nonces (crypto_cipher.c): a message counter and 8 random
	 * octets drawn at the first use (iv_salted). */
	uint64_t iv_count;
	uint8_t iv_salt[8];
	bool iv_salted;
};

/* The cache's cipher algorithm idx (enum ike_cipher_idx), fetched on
 * first use; NULL when OpenSSL has none. */
EVP_CIPHER *ike_cipher_alg(const struct ike_crypto *c, int idx);

/* The cache's key generation template for DH index idx, made on first
 * use (with p - 1 for MODP and the import context for X25519); NULL
 * when OpenSSL cannot make it. */
EVP_PKEY *ike_dh_template(const struct ike_crypto *c, int idx);

/* Index of an HMAC digest for a PRF or integrity id, or -1. */
int ike_prf_md(uint16_t prf);
int ike_integ_md(uint16_t integ);
/* Index of a cipher for (encr, keybits), or -1. */
int ike_cipher_idx(uint16_t encr, uint16_t keybits);
/* Bit length of a key pair's private value (MODP: the exponent), or -1:
 * for tests of the exponent length (crypto_dh.c). */
struct ike_dh;
int ike_dh_priv_bits(const struct ike_dh *dh);

/* Group info and dense index for a DH group id, or NULL / -1. */
const struct ike_dh_group_info *ike_dh_info(uint16_t group, int *idx);

#endif
