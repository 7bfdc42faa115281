/* Integrity transforms: HMAC truncated (RFC 2404, RFC 4868, RFC 2403):
 * HMAC-MD5-96, HMAC-SHA1-96, HMAC-SHA2-256-128, -384-192, -512-256.
 *
 * An ike_integ holds a keyed HMAC context made once (per SA direction)
 * and re-initialised per message without any allocation. */
#ifndef IKESWARM_PROTO_CRYPTO_INTEG_H
#define IKESWARM_PROTO_CRYPTO_INTEG_H

#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"

struct ike_integ;

/* key_len must be the transform's key length (SK_a), except that
 * known-answer tests may pass any length (HMAC accepts all).
 * NULL on unknown id or failure. */
struct ike_integ *ike_integ_new(const struct ike_crypto *c, uint16_t integ,
				const uint8_t *key, size_t key_len);
/* Truncated ICV length of this transform. */
size_t ike_integ_icv_len(const struct ike_integ *ig);

/* icv = truncated HMAC over in[0] | ... | in[n-1]; icv holds
 * ike_integ_icv_len octets.  0 or -EIO. */
int ike_integ_compute(struct ike_integ *ig, const struct ike_chunk *in,
		      size_t n, uint8_t *icv);
/* Constant-time check of a received ICV: 0, -EBADMSG, or -EIO. */
int ike_integ_verify(struct ike_integ *ig, const struct ike_chunk *in,
		     size_t n, const uint8_t *icv);

/* Wipes and frees; NULL is fine. */
void ike_integ_free(struct ike_integ *ig);

#endif
