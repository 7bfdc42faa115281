/* Diffie-Hellman for the KE payload: MODP groups 1 2 5 14-18 (RFC 2409,
 * RFC 3526), ECP groups 19 20 21 (RFC 5903: KE data is x | y, no 0x04
 * prefix; g^ir is the x coordinate) and Curve25519 group 31 (RFC 8031).
 *
 * The key pair is generated once by ike_dh_new and kept (with its public
 * encoding) until ike_dh_free, which wipes it. */
#ifndef IKESWARM_PROTO_CRYPTO_DH_H
#define IKESWARM_PROTO_CRYPTO_DH_H

#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"

struct ike_dh;

/* KE payload data length for a group (MODP: prime length; ECP: 2 * field
 * length; X25519: 32), or 0 for an unsupported group. */
size_t ike_dh_ke_len(uint16_t group);
/* Shared secret g^ir length (MODP: prime length, left-padded; ECP: field
 * length; X25519: 32), or 0 for an unsupported group. */
size_t ike_dh_secret_len(uint16_t group);
static inline int ike_dh_supported(uint16_t group)
{
	return ike_dh_ke_len(group) != 0;
}

/* Generate a key pair for `group`.  NULL if the group is unsupported or
 * OpenSSL fails. */
struct ike_dh *ike_dh_new(const struct ike_crypto *c, uint16_t group);

/* A key pair from a known private value (known-answer tests, replays):
 * ECP: big-endian scalar of field length; X25519: 32 raw octets; MODP:
 * big-endian exponent.  The public value is computed from it. */
struct ike_dh *ike_dh_new_private(const struct ike_crypto *c, uint16_t group,
				  const uint8_t *priv, size_t priv_len);

uint16_t ike_dh_group(const struct ike_dh *dh);

/* Our KE payload data.  *len: in = capacity of out, out = octets written
 * (ike_dh_ke_len).  0, or -ENOBUFS. */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t *len);
/* The same, by reference (valid until ike_dh_free). */
const uint8_t *ike_dh_public_ref(const struct ike_dh *dh, size_t *len);

/* g^ir from the peer's KE data.  The peer value is validated: exact KE
 * length; MODP 1 < y < p-1; ECP point on the curve; X25519 non-zero
 * result.  *len: in = capacity, out = ike_dh_secret_len(group).
 * 0, -EINVAL (bad peer value), -ENOBUFS, -EIO.  May be called again with
 * another peer value (the key pair is unchanged). */
int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
		  uint8_t *out, size_t *len);

/* Wipes and frees; NULL is fine. */
void ike_dh_free(struct ike_dh *dh);

#endif
