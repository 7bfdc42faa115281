/* IKEv2 ESP transforms (IANA IDs, proto/ike_ids.h) -> the kernel's XFRM
 * algorithm names, key sizes and ICV/truncation lengths.
 *
 * Key material per direction, as KEYMAT hands it out (RFC 7296 2.17):
 * the encryption key, then its salt/nonce for AEAD and CTR (RFC 4106 8.1,
 * RFC 7634 4, RFC 3686 5.1), then the integrity key.  The kernel wants the
 * salt at the end of the encryption key and counts it in alg_key_len. */
#ifndef IKESWARM_KERNEL_XFRM_ALG_H
#define IKESWARM_KERNEL_XFRM_ALG_H

#include <stdbool.h>
#include <stdint.h>

struct xfrm_alg_spec {
	const char *encr_name;  /* "cbc(aes)", "rfc4106(gcm(aes))", ... */
	uint16_t encr_key_len;  /* octets, salt included */
	bool aead;              /* XFRMA_ALG_AEAD, else XFRMA_ALG_CRYPT */
	uint16_t icv_bits;      /* AEAD only */
	const char *integ_name; /* NULL for AEAD */
	uint16_t integ_key_len; /* octets */
	uint16_t trunc_bits;    /* XFRMA_ALG_AUTH_TRUNC */
};

/* encr_keybits is the Key Length attribute (0 when the transform has
 * none: 3DES, ChaCha20-Poly1305, NULL).  0, or -EINVAL for a key length
 * the transform does not have, an AEAD with an integrity algorithm or a
 * plain cipher without one; -ENOTSUP for an ID the kernel path lacks. */
int xfrm_alg_lookup(uint16_t encr_id, uint16_t encr_keybits, uint16_t integ_id,
		    struct xfrm_alg_spec *out);

/* Octets of key material one direction uses (encryption + salt + integrity). */
static inline unsigned xfrm_alg_dir_keylen(const struct xfrm_alg_spec *s)
{
	return (unsigned)s->encr_key_len + s->integ_key_len;
}

#endif
