/* PRF and prf+ (RFC 7296 2.13).  All supported PRFs are HMACs. */
#ifndef IKESWARM_PROTO_CRYPTO_PRF_H
#define IKESWARM_PROTO_CRYPTO_PRF_H

#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"

/* out = prf(key, in[0] | in[1] | ... | in[n-1]); out holds at least
 * IKE_PRF_MAX_LEN (or the PRF's out_len) octets.
 * Returns the output length (> 0) or -errno. */
int ike_prf(const struct ike_crypto *c, uint16_t prf,
	    const uint8_t *key, size_t key_len,
	    const struct ike_chunk *in, size_t n, uint8_t *out);

/* out = first out_len octets of prf+(key, S) with S = in[0] | ... | in[n-1]:
 * T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02), ...
 * out_len at most 255 * PRF length.  0 or -errno. */
int ike_prf_plus(const struct ike_crypto *c, uint16_t prf,
		 const uint8_t *key, size_t key_len,
		 const struct ike_chunk *in, size_t n,
		 uint8_t *out, size_t out_len);

#endif
