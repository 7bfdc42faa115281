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
