/* HMAC (RFC 2104) on OpenSSL's one-shot digest states, internal to proto/
 * (crypto_prf.c, crypto_integ.c).  No allocation: a keyed state lives on
 * the caller's stack.  OpenSSL 3.0's EVP_MAC costs about 1.9 us per keyed
 * HMAC-SHA-256 of 64 octets (provider dispatch, a digest context made and
 * freed per init and per final), this about 0.5 us: an IKE SA setup runs
 * about 18 HMACs per side (issue 9, bench/results/2026-11-27-path-s4.md). */
#ifndef IKESWARM_PROTO_HMAC_H
#define IKESWARM_PROTO_HMAC_H

#include <openssl/md5.h>
#include <openssl/sha.h>
#include <stddef.h>
#include <stdint.h>

union ike_md_state {
	MD5_CTX md5;
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512; /* SHA-384 too */
};

struct ike_hmac_md;

/* A keyed HMAC: the inner and outer digest states after the padded key
 * block, and the running inner state of the current message. */
struct ike_hmac {
	const struct ike_hmac_md *md;
	union ike_md_state in, out, run;
};

/* Key h for digest md (enum ike_md_idx) and start a message.  Any key
 * length (longer than a block: hashed first; NULL with 0 is empty).
 * 0 or -ENOTSUP. */
int ike_hmac_key(struct ike_hmac *h, int md, const uint8_t *key, size_t key_len);
/* Start another message with the same key. */
void ike_hmac_restart(struct ike_hmac *h);
void ike_hmac_update(struct ike_hmac *h, const void *p, size_t n);
/* Finish the message into out (ike_hmac_len octets, at most 64); the
 * running state is wiped.  Returns the length. */
size_t ike_hmac_final(struct ike_hmac *h, uint8_t *out);
size_t ike_hmac_len(const struct ike_hmac *h);
/* Wipe the key states. */
void ike_hmac_wipe(struct ike_hmac *h);

#endif
