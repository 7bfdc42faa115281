/* SK / SKF payload seal and open (RFC 7296 3.14, RFC 5282, RFC 7634,
 * RFC 7383 2.5). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "proto/crypto_cipher.h"
#include "proto/crypto_integ.h"
#include "proto/sk.h"

struct ike_sk {
	struct ike_cipher *cipher;
	struct ike_integ *integ;         /* NULL with an AEAD */
	const struct ike_encr_info *ei;  /* inside cipher */
	size_t icv_len;                  /* integrity ICV or AEAD tag */
	uint64_t next_iv;                /* AEAD IV counter (0 with CBC) */
};

struct ike_sk *ike_sk_new(const struct ike_crypto *c,
			  const struct ike_suite *suite,
			  const uint8_t *sk_e, size_t sk_e_len,
			  const uint8_t *sk_a, size_t sk_a_len)
{
	struct ike_encr_info ei;
	struct ike_integ_info ii;
	struct ike_sk *sk;

	if (ike_encr_lookup(suite->encr, suite->encr_keybits, &ei))
		return NULL;
	if (ei.aead ? suite->integ != IKE_INTEG_NONE || sk_a_len
		    : ike_integ_lookup(suite->integ, &ii) || sk_a_len != ii.key_len)
		return NULL;
	sk = calloc(1, sizeof(*sk));
	if (!sk)
		return NULL;
	sk->cipher = ike_cipher_new(c, suite->encr, suite->encr_keybits, sk_e,
				    sk_e_len);
	if (!sk->cipher)
		goto fail;
	sk->ei = ike_cipher_info(sk->cipher);
	if (ei.aead) {
		/* AEAD IV counter: a random start, so an ike_sk re-made for the
		 * same key (a caller's mistake) still does not repeat IVs in
		 * practice; the top bit clear leaves 2^63 messages before the
		 * end.  (CBC IVs are E_K(nonce) with the crypto cache's message
		 * counter, see ike_cipher_encrypt_nonce_iv: no RAND call here,
		 * which costs as much as a few HMACs.) */
		if (RAND_bytes((uint8_t *)&sk->next_iv, sizeof(sk->next_iv)) != 1)
			goto fail;
		sk->next_iv &= UINT64_MAX >> 1;
		sk->icv_len = ei.icv_len;
	} else {
		sk->integ = ike_integ_new(c, suite->integ, sk_a, sk_a_len);
		if (!sk->integ)
			goto fail;
		sk->icv_len = ii.icv_len;
	}
	return sk;
fail:
	ike_sk_free(sk);
	return NULL;
}

void ike_sk_free(struct ike_sk *sk)
{
	if (!sk)
		return;
	ike_cipher_free(sk->cipher);
	ike_integ_free(sk->integ);
	free(sk);
}

size_t ike_sk_iv_len(const struct ike_sk *sk)
{
	return sk->ei->iv_len;
}

size_t ike_sk_trailer_max(const struct ike_sk *sk)
{
	/* Minimal padding: at most block_len - 1 octets, plus pad length. */
	return sk->ei->block_len + sk->icv_len;
}

static size_t pad_len(const struct ike_sk *sk, size_t plain_len)
{
	size_t b = sk->ei->block_len;

	return (b - (plain_len + 1) % b) % b;
}

size_t ike_sk_overhead(const struct ike_sk *sk, size_t plain_len)
{
	return sk->ei->iv_len + pad_len(sk, plain_len) + 1 + sk->icv_len;
}

static void put_be16(uint8_t *p, size_t v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static void put_be32(uint8_t *p, size_t v)
{
	p[0] = (v >> 24) & 0xff;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* AEAD: a per-key counter (uniqueness is all GCM/ChaCha20 need).  (CBC
 * IVs come from ike_cipher_encrypt_nonce_iv.) */
static int make_iv(struct ike_sk *sk, uint8_t *iv)
{
	if (sk->next_iv == UINT64_MAX)
		return -EOVERFLOW;
	uint64_t v = sk->next_iv++;
	for (int i = 7; i >= 0; i--, v >>= 8)
		iv[i] = v & 0xff;
	return 0;
}

static int seal(struct ike_sk *sk, uint8_t *msg, size_t cap, size_t sk_off,
		size_t hdr_len, size_t plain_len, size_t *msg_len)
{
	size_t iv_off = sk_off + hdr_len, data_off = iv_off + sk->ei->iv_len;
	size_t pad = pad_len(sk, plain_len), enc_len = plain_len + pad + 1;
	size_t end = data_off + enc_len, total = end + sk->icv_len;
	int rc;

	if (sk_off < IKE_HDR_LEN || total < data_off || total - sk_off > 0xffff)
		return -EINVAL;
	if (total > cap)
		return -ENOBUFS;
	/* Padding content is free (3.14): zeros; then the pad length octet. */
	memset(msg + data_off + plain_len, 0, pad);
	msg[end - 1] = (uint8_t)pad;
	put_be16(msg + sk_off + 2, total - sk_off);
	put_be32(msg + 24, total);
	if (sk->ei->aead) {
		rc = make_iv(sk, msg + iv_off);
		/* RFC 5282: AAD = IKE header .. end of the SK(F) header. */
		if (!rc)
			rc = ike_cipher_encrypt(sk->cipher, msg + iv_off, msg, iv_off,
						msg + data_off, enc_len, msg + end);
	} else {
		/* The IV (E_K(nonce)) is written just before the data. */
		rc = ike_cipher_encrypt_nonce_iv(sk->cipher, msg + data_off, enc_len);
		if (!rc) {
			const struct ike_chunk all = { msg, end };
			rc = ike_integ_compute(sk->integ, &all, 1, msg + end);
		}
	}
	if (!rc)
		*msg_len = total;
	return rc;
}

int ike_sk_seal(struct ike_sk *sk, uint8_t *msg, size_t cap, size_t sk_off,
		size_t plain_len, size_t *msg_len)
{
	return seal(sk, msg, cap, sk_off, IKE_SK_HDR_LEN, plain_len, msg_len);
}

int ike_skf_seal(struct ike_sk *sk, uint8_t *msg, size_t cap, size_t sk_off,
		 size_t plain_len, size_t *msg_len)
{
	return seal(sk, msg, cap, sk_off, IKE_SKF_HDR_LEN, plain_len, msg_len);
}

int ike_sk_seal_wr(struct ike_sk *sk, struct ike_writer *w, size_t sk_off)
{
	size_t data_off = sk_off + IKE_SK_HDR_LEN + sk->ei->iv_len;
	size_t plain_len, msg_len;
	int rc;

	if (w->bad || w->len < data_off)
		return -EINVAL;
	plain_len = w->len - data_off;
	if (!ike_wr_reserve(w, ike_sk_trailer_max(sk)))
		return -ENOBUFS;
	rc = ike_sk_seal(sk, w->data, w->len, sk_off, plain_len, &msg_len);
	if (rc) {
		w->bad = true;
		return rc;
	}
	w->len = msg_len;
	return 0;
}

static int open_sk(struct ike_sk *sk, uint8_t *msg, size_t msg_len,
		   size_t sk_off, size_t hdr_len, size_t *plain_off,
		   size_t *plain_len)
{
	size_t iv_off = sk_off + hdr_len, data_off = iv_off + sk->ei->iv_len;
	size_t end, enc_len, pad;
	int rc;

	if (sk_off < IKE_HDR_LEN || msg_len < data_off + 1 + sk->icv_len ||
	    get_be32(msg + 24) != msg_len ||
	    ((size_t)msg[sk_off + 2] << 8 | msg[sk_off + 3]) != msg_len - sk_off)
		return -EINVAL;
	end = msg_len - sk->icv_len;
	enc_len = end - data_off;
	if (enc_len % sk->ei->block_len)
		return -EINVAL;
	if (sk->ei->aead) {
		rc = ike_cipher_decrypt(sk->cipher, msg + iv_off, msg, iv_off,
					msg + data_off, enc_len, msg + end);
	} else {
		const struct ike_chunk all = { msg, end };

		rc = ike_integ_verify(sk->integ, &all, 1, msg + end);
		if (!rc)
			rc = ike_cipher_decrypt(sk->cipher, msg + iv_off, NULL, 0,
						msg + data_off, enc_len, NULL);
	}
	if (rc)
		return rc;
	pad = msg[end - 1];
	if (pad + 1 > enc_len)
		return -EPROTO;
	*plain_off = data_off;
	*plain_len = enc_len - pad - 1;
	return 0;
}

int ike_sk_open(struct ike_sk *sk, uint8_t *msg, size_t msg_len,
		size_t sk_off, size_t *plain_off, size_t *plain_len)
{
	return open_sk(sk, msg, msg_len, sk_off, IKE_SK_HDR_LEN, plain_off,
		       plain_len);
}

int ike_skf_open(struct ike_sk *sk, uint8_t *msg, size_t msg_len,
		 size_t sk_off, size_t *plain_off, size_t *plain_len)
{
	return open_sk(sk, msg, msg_len, sk_off, IKE_SKF_HDR_LEN, plain_off,
		       plain_len);
}
