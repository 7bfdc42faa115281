/* Shared-key AUTH payload data (RFC 7296 2.15):
 *
 *   AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>)
 *   SignedOctets = RealMessage | Nonce(peer) | prf(SK_p, RestOfIDPayload)
 *
 * For the initiator's AUTH: RealMessage = the IKE_SA_INIT request as sent,
 * peer nonce = Nr, SK_p = SK_pi, ID = IDi.  For the responder's: the
 * IKE_SA_INIT response, Ni, SK_pr, IDr.  RestOfIDPayload is the ID
 * payload body after the generic header: ID type, 3 reserved octets, data. */
#ifndef IKESWARM_PROTO_AUTH_H
#define IKESWARM_PROTO_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"

/* IKEv2 Authentication Methods (RFC 7296 3.8). */
enum ike_auth_method {
	IKE_AUTH_RSA_SIG       = 1,
	IKE_AUTH_SHARED_KEY    = 2,
	IKE_AUTH_DSS_SIG       = 3,
	IKE_AUTH_DIGITAL_SIG   = 14,
};

/* out (IKE_PRF_MAX_LEN octets) = AUTH data.  Returns its length (the
 * PRF output length) or -errno. */
int ike_auth_psk(const struct ike_crypto *c, uint16_t prf,
		 const uint8_t *psk, size_t psk_len,
		 const uint8_t *real_msg, size_t real_msg_len,
		 const uint8_t *peer_nonce, size_t peer_nonce_len,
		 const uint8_t *sk_p, size_t sk_p_len,
		 const uint8_t *id_body, size_t id_body_len,
		 uint8_t *out);

/* Recompute and compare in constant time: 0, -EBADMSG (mismatch or wrong
 * length), or -errno. */
int ike_auth_psk_verify(const struct ike_crypto *c, uint16_t prf,
			const uint8_t *psk, size_t psk_len,
			const uint8_t *real_msg, size_t real_msg_len,
			const uint8_t *peer_nonce, size_t peer_nonce_len,
			const uint8_t *sk_p, size_t sk_p_len,
			const uint8_t *id_body, size_t id_body_len,
			const uint8_t *auth, size_t auth_len);

#endif
