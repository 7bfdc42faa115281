/* IANA ESP transform IDs -> kernel XFRM algorithms (t/kernel/README.md has
 * the rows proven with real ESP in user-mode Linux). */
#include "kernel/xfrm_alg.h"

#include <errno.h>
#include <string.h>

#include "proto/ike_ids.h"

#define SALT_LEN 4 /* GCM and ChaCha20-Poly1305 salt, CTR nonce */

struct integ_row {
	uint16_t id;
	const char *name;
	uint16_t key_len;
	uint16_t trunc_bits;
};

static const struct integ_row integ_rows[] = {
	{ IKE_INTEG_HMAC_MD5_96, "hmac(md5)", 16, 96 },
	{ IKE_INTEG_HMAC_SHA1_96, "hmac(sha1)", 20, 96 },
	{ IKE_INTEG_AES_XCBC_96, "xcbc(aes)", 16, 96 },
	{ IKE_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 32, 128 },
	{ IKE_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 48, 192 },
	{ IKE_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 64, 256 },
};

static bool aes_bits_ok(uint16_t bits)
{
	return bits == 128 || bits == 192 || bits == 256;
}

/* The encryption half; 0 or -errno. */
static int encr_lookup(uint16_t id, uint16_t bits, struct xfrm_alg_spec *s)
{
	switch (id) {
	case IKE_ENCR_AES_CBC:
	case IKE_ENCR_AES_CTR:
		if (!aes_bits_ok(bits))
			return -EINVAL;
		s->encr_name = id == IKE_ENCR_AES_CBC ? "cbc(aes)" : "rfc3686(ctr(aes))";
		s->encr_key_len = bits / 8 + (id == IKE_ENCR_AES_CTR ? SALT_LEN : 0);
		return 0;
	case IKE_ENCR_3DES:
		if (bits && bits != 192)
			return -EINVAL;
		s->encr_name = "cbc(des3_ede)";
		s->encr_key_len = 24;
		return 0;
	case IKE_ENCR_NULL:
		if (bits)
			return -EINVAL;
		s->encr_name = "ecb(cipher_null)";
		s->encr_key_len = 0;
		return 0;
	case IKE_ENCR_AES_GCM_8:
	case IKE_ENCR_AES_GCM_12:
	case IKE_ENCR_AES_GCM_16:
		if (!aes_bits_ok(bits))
			return -EINVAL;
		s->encr_name = "rfc4106(gcm(aes))";
		s->encr_key_len = bits / 8 + SALT_LEN;
		s->aead = true;
		s->icv_bits = id == IKE_ENCR_AES_GCM_8 ? 64 : id == IKE_ENCR_AES_GCM_12 ? 96 : 128;
		return 0;
	case IKE_ENCR_CHACHA20_POLY1305:
		if (bits && bits != 256)
			return -EINVAL;
		s->encr_name = "rfc7539esp(chacha20,poly1305)";
		s->encr_key_len = 32 + SALT_LEN;
		s->aead = true;
		s->icv_bits = 128;
		return 0;
	default:
		return -ENOTSUP;
	}
}

int xfrm_alg_lookup(uint16_t encr_id, uint16_t encr_keybits, uint16_t integ_id,
		    struct xfrm_alg_spec *out)
{
	struct xfrm_alg_spec s;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = encr_lookup(encr_id, encr_keybits, &s);
	if (rc)
		return rc;
	if (s.aead) {
		if (integ_id != IKE_INTEG_NONE)
			return -EINVAL; /* RFC 4106 8.1: no separate integrity */
		*out = s;
		return 0;
	}
	if (integ_id == IKE_INTEG_NONE)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(integ_rows) / sizeof(integ_rows[0]); i++) {
		if (integ_rows[i].id == integ_id) {
			s.integ_name = integ_rows[i].name;
			s.integ_key_len = integ_rows[i].key_len;
			s.trunc_bits = integ_rows[i].trunc_bits;
			*out = s;
			return 0;
		}
	}
	return -ENOTSUP;
}
