/* Shared-key AUTH data (RFC 7296 2.15). */
#include <errno.h>

#include <openssl/crypto.h>

#include "proto/auth.h"
#include "proto/crypto_prf.h"

static const char key_pad[] = "Key Pad for IKEv2";   /* 17 octets, no NUL */

int ike_auth_psk(const struct ike_crypto *c, uint16_t prf,
		 const uint8_t *psk, size_t psk_len,
		 const uint8_t *real_msg, size_t real_msg_len,
		 const uint8_t *peer_nonce, size_t peer_nonce_len,
		 const uint8_t *sk_p, size_t sk_p_len,
		 const uint8_t *id_body, size_t id_body_len,
		 uint8_t *out)
{
	uint8_t maced_id[IKE_PRF_MAX_LEN], psk_key[IKE_PRF_MAX_LEN];
	const struct ike_chunk id[] = { { id_body, id_body_len } };
	const struct ike_chunk pad[] = {
		{ (const uint8_t *)key_pad, sizeof(key_pad) - 1 },
	};
	struct ike_chunk signed_octets[] = {
		{ real_msg, real_msg_len },
		{ peer_nonce, peer_nonce_len },
		{ maced_id, 0 },          /* prf(SK_p, RestOfIDPayload) */
	};
	int id_len, key_len, rc;

	if (!psk_len || !real_msg_len || !peer_nonce_len || !id_body_len)
		return -EINVAL;
	id_len = ike_prf(c, prf, sk_p, sk_p_len, id, 1, maced_id);
	if (id_len < 0)
		return id_len;
	signed_octets[2].len = (size_t)id_len;
	key_len = ike_prf(c, prf, psk, psk_len, pad, 1, psk_key);
	rc = key_len < 0 ? key_len :
	     ike_prf(c, prf, psk_key, (size_t)key_len, signed_octets, 3, out);
	OPENSSL_cleanse(psk_key, sizeof(psk_key));
	return rc;
}

int ike_auth_psk_verify(const struct ike_crypto *c, uint16_t prf,
			const uint8_t *psk, size_t psk_len,
			const uint8_t *real_msg, size_t real_msg_len,
			const uint8_t *peer_nonce, size_t peer_nonce_len,
			const uint8_t *sk_p, size_t sk_p_len,
			const uint8_t *id_body, size_t id_body_len,
			const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	int len = ike_auth_psk(c, prf, psk, psk_len, real_msg, real_msg_len,
			       peer_nonce, peer_nonce_len, sk_p, sk_p_len,
			       id_body, id_body_len, want);

	if (len < 0)
		return len;
	if ((size_t)len != auth_len || CRYPTO_memcmp(want, auth, auth_len))
		return -EBADMSG;
	return 0;
}
