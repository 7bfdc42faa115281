/* Encryption transforms for the SK payload: 3DES-CBC, AES-CBC-128/192/256,
 * AES-GCM with 8/12/16-octet ICV (RFC 5282) and ChaCha20-Poly1305
 * (RFC 7634).
 *
 * For the AEADs the key material (SK_e) is key | 4-octet salt and the
 * nonce is salt | 8-octet IV, the IV being what travels in the payload.
 * An ike_cipher keeps keyed OpenSSL contexts (one per direction of use,
 * made on first use) so per-message work only sets the IV. */
#ifndef IKESWARM_PROTO_CRYPTO_CIPHER_H
#define IKESWARM_PROTO_CRYPTO_CIPHER_H

#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"

struct ike_cipher;

/* key_len must equal info.key_len + info.salt_len for (encr, keybits).
 * NULL on bad arguments or failure. */
struct ike_cipher *ike_cipher_new(const struct ike_crypto *c, uint16_t encr,
				  uint16_t keybits, const uint8_t *key,
				  size_t key_len);
const struct ike_encr_info *ike_cipher_info(const struct ike_cipher *ci);

/* CBC only: in-place encryption of buf[0, len) (len a multiple of
 * block_len) under a fresh IV, written to the iv_len octets just before
 * buf.  IV = E_K(nonce), the nonce a message counter of the crypto cache
 * (unique per key: a key seals through one cache) and, for 16-octet
 * blocks, 8 random octets drawn once per cache: NIST SP 800-38A appendix
 * C's first method (RFC 7296 3.14 refers to it for unpredictable IVs).
 * One CBC pass over nonce | buf from a zero IV does both, since the
 * chaining value after the first block is E_K(nonce).  No RAND call per
 * message.  0 or -EINVAL / -EIO / -EOVERFLOW. */
int ike_cipher_encrypt_nonce_iv(struct ike_cipher *ci, uint8_t *buf, size_t len);

/* In-place encryption of buf[0, len).  iv has info.iv_len octets.
 * CBC: len a multiple of block_len, aad/tag unused (pass NULL, 0).
 * AEAD: aad authenticated, tag (info.icv_len octets) written.
 * 0 or -EINVAL / -EIO. */
int ike_cipher_encrypt(struct ike_cipher *ci, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       uint8_t *buf, size_t len, uint8_t *tag);
/* In-place decryption; for AEAD the tag is checked: -EBADMSG on mismatch
 * (buf content is then undefined).  0 or -errno. */
int ike_cipher_decrypt(struct ike_cipher *ci, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       uint8_t *buf, size_t len, const uint8_t *tag);

/* Wipes and frees; NULL is fine. */
void ike_cipher_free(struct ike_cipher *ci);

#endif
