/* The Encrypted and Authenticated payload, SK (RFC 7296 3.14, AEAD per
 * RFC 5282 and RFC 7634), and the Encrypted Fragment payload, SKF
 * (RFC 7383 2.5).
 *
 * Layout of a message with an SK payload (offsets from the IKE header):
 *
 *   [0, 28)               IKE header
 *   [28, sk_off)          clear payloads (usually none)
 *   sk_off                SK generic header (4 octets)
 *                         SKF: + Fragment Number (2) + Total Fragments (2)
 *   + hdr                 IV (ike_sk_iv_len octets)
 *   + iv_len              encrypted: inner payloads | padding | pad length
 *   ...                   ICV: integrity checksum or AEAD tag
 *
 * Non-AEAD: ICV = truncated HMAC (SK_a) over the message from the first
 * octet of the IKE header to the end of the encrypted data.
 * AEAD: AAD = the message from the IKE header to the end of the SK (SKF)
 * header, i.e. before the IV; nonce = salt | IV.
 *
 * IVs: CBC ciphers take a fresh random IV per message (RAND_bytes, RFC 7296
 * asks for unpredictable IVs); AEADs take a 64-bit counter, +1 per sealed
 * message, starting at a random value below 2^63: unique per key as long as
 * one ike_sk seals with a given SK_e (each direction has its own key; make
 * one outbound ike_sk per IKE SA and keep it).
 *
 * An ike_sk holds the keyed contexts for ONE direction (SK_ei+SK_ai for
 * what the initiator sends, SK_er+SK_ar for what the responder sends):
 * seal with our outbound ike_sk, open with the inbound one.  No allocation
 * per message. */
#ifndef IKESWARM_PROTO_SK_H
#define IKESWARM_PROTO_SK_H

#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/crypto.h"
#include "proto/ike.h"      /* IKE_HDR_LEN */

#define IKE_SK_HDR_LEN    4
#define IKE_SKF_HDR_LEN   8

struct ike_sk;

/* suite: encr, encr_keybits, integ.  sk_e includes the salt for AEADs;
 * sk_a NULL / 0 with an AEAD.  NULL on invalid suite / key lengths. */
struct ike_sk *ike_sk_new(const struct ike_crypto *c,
			  const struct ike_suite *suite,
			  const uint8_t *sk_e, size_t sk_e_len,
			  const uint8_t *sk_a, size_t sk_a_len);
void ike_sk_free(struct ike_sk *sk);   /* wipes; NULL is fine */

/* IV octets the builder leaves after the SK (SKF) header. */
size_t ike_sk_iv_len(const struct ike_sk *sk);
/* Most octets ike_sk_seal appends after the plaintext (pad, pad length,
 * ICV); a buffer needs that much room past the plaintext. */
size_t ike_sk_trailer_max(const struct ike_sk *sk);
/* Octets of the SK payload body other than the inner payloads for a given
 * plaintext length (IV + pad + pad length + ICV): for fragment sizing. */
size_t ike_sk_overhead(const struct ike_sk *sk, size_t plain_len);

/* Seal in place.  On entry msg[0, sk_off + hdr + iv_len + plain_len) holds
 * the IKE header, clear payloads, the SK generic header (its Next Payload
 * set; length patched here), IV space and the plaintext inner payloads;
 * cap is the buffer size.  Writes IV, padding, pad length, encrypts,
 * appends the ICV, patches the SK payload length and the IKE header
 * length, and sets *msg_len to the final message length.
 * 0, -ENOBUFS (cap too small), -EINVAL, -EIO. */
int ike_sk_seal(struct ike_sk *sk, uint8_t *msg, size_t cap, size_t sk_off,
		size_t plain_len, size_t *msg_len);
/* The same for an SKF payload (Fragment Number / Total Fragments already
 * written after the generic header). */
int ike_skf_seal(struct ike_sk *sk, uint8_t *msg, size_t cap, size_t sk_off,
		 size_t plain_len, size_t *msg_len);
/* Convenience for a codec writer: the plaintext is w->data[sk_off + 4 +
 * iv_len, w->len); reserves the trailer, seals, and sets w->len. */
int ike_sk_seal_wr(struct ike_sk *sk, struct ike_writer *w, size_t sk_off);

/* Open in place.  msg_len is the whole message as received; the SK (SKF)
 * payload at sk_off must run to its end (its length field is checked).
 * Verifies the ICV first (constant time), then decrypts and checks the pad
 * length.  On success *plain_off / *plain_len locate the inner payloads in
 * msg.  0, -EBADMSG (ICV/tag mismatch), -EPROTO (bad padding after a good
 * ICV), -EINVAL (malformed lengths, CBC data not a block multiple), -EIO. */
int ike_sk_open(struct ike_sk *sk, uint8_t *msg, size_t msg_len,
		size_t sk_off, size_t *plain_off, size_t *plain_len);
int ike_skf_open(struct ike_sk *sk, uint8_t *msg, size_t msg_len,
		 size_t sk_off, size_t *plain_off, size_t *plain_len);

#endif
