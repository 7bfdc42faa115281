/* Common crypto types for proto/: the algorithm cache, the negotiated suite,
 * per-algorithm facts (key, IV, block, ICV lengths) and size limits.
 *
 * Everything goes through OpenSSL 3 EVP.  Algorithms are fetched on first
 * use into a struct ike_crypto (one per process or thread: it keeps
 * contexts and pools that every call changes) and every other crypto call
 * takes it, so no hot path does a provider fetch and proto/ keeps no
 * globals.
 *
 * Errors: negative errno.  -EINVAL bad argument or length, -ENOTSUP
 * algorithm or group not supported, -ENOMEM, -EIO OpenSSL failure,
 * -EBADMSG integrity/ICV failure, -ENOBUFS output does not fit.
 */
#ifndef IKESWARM_PROTO_CRYPTO_H
#define IKESWARM_PROTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ike_ids.h"

/* Upper bounds, for sizing stack buffers. */
#define IKE_PRF_MAX_LEN    64   /* PRF output and SK_d/SK_p: HMAC-SHA2-512 */
#define IKE_INTEG_MAX_KEY  64   /* SK_a: HMAC-SHA2-512-256 */
#define IKE_ICV_MAX        32   /* integrity ICV or AEAD tag */
#define IKE_ENCR_MAX_KEY   36   /* SK_e incl. salt: AES-256 or ChaCha20 + 4 */
#define IKE_IV_MAX         16   /* AES-CBC */
#define IKE_BLOCK_MAX      16
#define IKE_DH_MAX_LEN   1024   /* KE data and g^ir: MODP 8192 */
#define IKE_NONCE_MAX     256   /* RFC 7296 3.9 */

/* A byte string by reference; arrays of these feed a PRF/MAC the
 * concatenation of their parts without copying. */
struct ike_chunk {
	const uint8_t *ptr;
	size_t len;
};

/* The negotiated suite of an IKE SA (all fields) or of an ESP CHILD SA
 * (encr, encr_keybits, integ; dh for PFS; prf unused). */
struct ike_suite {
	uint16_t encr;          /* IKE_ENCR_* */
	uint16_t encr_keybits;  /* key-length attribute; 0 = fixed-key cipher */
	uint16_t integ;         /* IKE_INTEG_*; IKE_INTEG_NONE with an AEAD */
	uint16_t prf;           /* IKE_PRF_* */
	uint16_t dh;            /* IKE_DH_* or IKE_DH_NONE */
};

/* Facts about an encryption transform with a given key length. */
struct ike_encr_info {
	uint16_t id;
	uint16_t keybits;   /* effective key bits (3DES: 192) */
	uint8_t key_len;    /* cipher key octets, without salt */
	uint8_t salt_len;   /* 4 for AES-GCM and ChaCha20-Poly1305, else 0 */
	uint8_t iv_len;     /* IV octets in the SK payload: 16 AES-CBC, 8 others */
	uint8_t block_len;  /* padding alignment: 16 AES-CBC, 8 3DES, 1 AEAD */
	uint8_t icv_len;    /* AEAD tag octets; 0 for non-AEAD ciphers */
	bool aead;
};

/* Facts about an integrity transform. */
struct ike_integ_info {
	uint16_t id;
	uint8_t key_len;    /* SK_a octets (= hash output length) */
	uint8_t icv_len;    /* truncated output octets */
};

/* Facts about a PRF.  All supported PRFs are HMACs: variable key length,
 * so the nonces go in as is (RFC 7296 2.14); preferred key = output. */
struct ike_prf_info {
	uint16_t id;
	uint8_t out_len;    /* output octets = SK_d and SK_p length */
};

/* Lookups: 0 and *out filled, or -ENOTSUP (unknown id) / -EINVAL (key
 * length not valid for that cipher: AES needs 128/192/256; 3DES and
 * ChaCha20-Poly1305 take 0 or their fixed length). */
int ike_encr_lookup(uint16_t encr, uint16_t keybits, struct ike_encr_info *out);
int ike_integ_lookup(uint16_t integ, struct ike_integ_info *out);
int ike_prf_lookup(uint16_t prf, struct ike_prf_info *out);
static inline bool ike_encr_is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_8 || encr == IKE_ENCR_AES_GCM_12 ||
	       encr == IKE_ENCR_AES_GCM_16 || encr == IKE_ENCR_CHACHA20_POLY1305;
}

/* Consistency of an IKE SA suite: known encr+keybits, integ NONE iff AEAD,
 * known PRF, DH group supported (or NONE when allow_no_dh).  0 or -errno. */
int ike_suite_check(const struct ike_suite *s, bool allow_no_dh);

/* The algorithm cache.  NULL on failure (out of memory).  Algorithms are
 * made on first use; ike_crypto_prepare() makes a setup's now. */
struct ike_crypto;
struct ike_crypto *ike_crypto_new(void);
void ike_crypto_free(struct ike_crypto *c);

/* Make what the first SA of DH group `group` (0: none) and IKE cipher
 * encr/keybits (encr 0: none) would make: the group's template and the
 * cipher's fetch.  A worker does this at start, so its idle memory holds
 * its setup's algorithms and the first tunnel pays nothing extra.
 * 0, or -ENOTSUP when OpenSSL cannot make one (the SA using it fails
 * later with the same error). */
int ike_crypto_prepare(const struct ike_crypto *c, uint16_t group, uint16_t encr,
		       uint16_t keybits);

/* Constant-time comparison: true when equal. */
bool ike_ct_equal(const uint8_t *a, const uint8_t *b, size_t len);

#endif
