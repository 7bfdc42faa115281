/* Shared-key AUTH data (RFC 7296 2.15). */
#include <errno.h>

#include <openssl/crypto.h>

#include <string.h>

#include "proto/auth.h"
#include "proto/crypto_int.h"
#include "proto/crypto_prf.h"

static const char key_pad[] = "Key Pad for IKEv2";   /* 17 octets, no NUL */

/* prf(PSK, "Key Pad for IKEv2") into out; its length or a negative errno.
 * The same for every SA of a setup: the cache keeps the last one, by PRF
 * and PSK octets (a PSK longer than IKE_PSK_CACHE_MAX is not kept). */
static int psk_pad_key(const struct ike_crypto *c, uint16_t prf,
		   const uint8_t *psk, size_t psk_len, uint8_t *out)
{
	const struct ike_chunk pad[] = {
		{ (const uint8_t *)key_pad, sizeof(key_pad) - 1 },
	};
	struct ike_psk_pad *k = &c->shared->psk_pad;
	int len;

	if (k->prf && k->prf == prf && k->psk_len == psk_len &&
	    !CRYPTO_memcmp(k->psk, psk, psk_len)) {
		memcpy(out, k->key, k->key_len);
		return k->key_len;
	}
	len = ike_prf(c, prf, psk, psk_len, pad, 1, out);
	if (len < 0 || psk_len > IKE_PSK_CACHE_MAX)
		return len;
	k->prf = prf;
	k->key_len = (uint8_t)len;
	k->psk_len = (uint8_t)psk_len;
	memcpy(k->psk, psk, psk_len);
	memcpy(k->key, out, (size_t)len);
	return len;
}

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
	key_len = psk_pad_key(c, prf, psk, psk_len, psk_key);
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
