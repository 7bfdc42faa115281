/* libFuzzer harness: SK/SKF open (proto/sk.h) with fixed keys, then the
 * decrypted inner payload chain.
 *
 * Input: one selector octet, then an IKE message whose SK (or SKF) payload
 * holds PLAINTEXT: inner payloads, padding and the pad length octet, then
 * room for the ICV.  Selector bits 0-2 pick the suite (table below); bit 3
 * set means "open as is" (lengths, ICV and ciphertext as given: the
 * length checks and the ICV/tag failure paths).  Otherwise the harness
 * patches the header and SK lengths to the input length and seals the
 * body in place with the primitives (ike_cipher_encrypt, ike_integ_compute)
 * keeping the fuzzer's padding and pad length, so ike_sk_open gets past the
 * ICV into decryption, the padding check and the inner parse.
 *
 * Oracles beyond the sanitizers: a body the harness sealed is never refused
 * for its ICV; on success the plaintext lies inside the message after the
 * IV; the inner chain, parsed from an exact-size copy, re-encodes to a
 * fixed point. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crypto.h"
#include "proto/crypto_cipher.h"
#include "proto/crypto_integ.h"
#include "proto/ike.h"
#include "proto/sk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Index 0..2 are the golden captures' suites (seeds use them). */
static const struct ike_suite suites[8] = {
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0, 0 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0, 0 },
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0, 0 },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, 0, 0 },
	{ IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96, 0, 0 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 0, 0 },
	{ IKE_ENCR_AES_GCM_8, 192, IKE_INTEG_NONE, 0, 0 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_MD5_96, 0, 0 },
};

struct keyed {
	struct ike_encr_info ei;
	size_t icv_len;
	struct ike_sk *sk;
	struct ike_cipher *ci;     /* the same key, to seal */
	struct ike_integ *ig;      /* the same key, NULL with an AEAD */
};

static struct ike_crypto *crypto;
static struct keyed keyed[8];
static struct ike_msg m, m2;
static uint8_t out1[1 << 17], out2[1 << 17];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t key[IKE_ENCR_MAX_KEY], akey[IKE_INTEG_MAX_KEY];
	struct ike_integ_info ii;

	(void)argc, (void)argv;
	for (unsigned i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(0x11 * i + 1);
	for (unsigned i = 0; i < sizeof akey; i++)
		akey[i] = (uint8_t)(0x23 * i + 7);
	crypto = ike_crypto_new();
	if (!crypto)
		abort();
	for (unsigned i = 0; i < 8; i++) {
		const struct ike_suite *s = &suites[i];
		struct keyed *k = &keyed[i];
		size_t klen, alen = 0;

		if (ike_encr_lookup(s->encr, s->encr_keybits, &k->ei))
			abort();
		klen = k->ei.key_len + k->ei.salt_len;
		k->icv_len = k->ei.icv_len;
		if (!k->ei.aead) {
			if (ike_integ_lookup(s->integ, &ii))
				abort();
			alen = ii.key_len;
			k->icv_len = ii.icv_len;
			k->ig = ike_integ_new(crypto, s->integ, akey, alen);
		}
		k->sk = ike_sk_new(crypto, s, key, klen, alen ? akey : NULL, alen);
		k->ci = ike_cipher_new(crypto, s->encr, s->encr_keybits, key, klen);
		if (!k->sk || !k->ci || (!k->ei.aead && !k->ig))
			abort();
	}
	return 0;
}

static void put_be(uint8_t *p, size_t v, unsigned n)
{
	while (n--) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

/* Seal msg's SK body in place as ike_sk_seal would, but with the padding
 * as given.  True when the result is a correctly protected message. */
static bool seal_as_is(struct keyed *k, uint8_t *msg, size_t len, size_t sk_off,
		       size_t hdr_len)
{
	size_t iv_off = sk_off + hdr_len, data_off = iv_off + k->ei.iv_len;
	size_t end, enc_len;

	if (len - sk_off > 0xffff || len > 0xffffffffu)
		return false;
	put_be(msg + 24, len, 4);
	put_be(msg + sk_off + 2, len - sk_off, 2);
	if (len < data_off + 1 + k->icv_len)
		return false;
	end = len - k->icv_len;
	enc_len = end - data_off;
	if (enc_len % k->ei.block_len)
		return false;
	if (k->ei.aead)
		return ike_cipher_encrypt(k->ci, msg + iv_off, msg, iv_off, msg + data_off,
					  enc_len, msg + end) == 0;
	if (ike_cipher_encrypt(k->ci, msg + iv_off, NULL, 0, msg + data_off, enc_len, NULL))
		return false;
	const struct ike_chunk all = { msg, end };
	return ike_integ_compute(k->ig, &all, 1, msg + end) == 0;
}

static size_t rebuild_inner(const struct ike_msg *src, uint8_t *out, size_t cap)
{
	struct ike_writer w;
	struct ike_builder b;

	ike_wr_init(&w, out, cap);
	ike_build_begin(&b, &w, &src->hdr);
	ike_add_sk_begin(&b, 0);
	if (ike_add_payloads_from_msg(&b, src, true) != IKE_OK || ike_build_end(&b) != IKE_OK)
		abort();
	return w.len;
}

/* The decrypted chain: parse from an exact-size copy, re-encode, parse the
 * re-encoding, re-encode again: the same bytes. */
static void inner_chain(const struct ike_hdr *h, uint8_t first, const uint8_t *plain,
			size_t plain_len)
{
	uint8_t *copy = malloc(plain_len ? plain_len : 1);
	size_t len1, len2;
	enum ike_err e;

	if (!copy)
		abort();
	memcpy(copy, plain, plain_len);
	ike_msg_init(&m);
	m.hdr = *h;
	m.sk.present = true;
	e = ike_parse_payloads(first, copy, plain_len, &m);
	if (e >= IKE_ERR__COUNT)
		abort();
	if (e == IKE_OK) {
		len1 = rebuild_inner(&m, out1, sizeof out1);
		if (ike_parse_message(out1, len1, &m2) != IKE_OK || !m2.sk.present ||
		    ike_parse_payloads(m2.sk.first_inner, m2.sk.body, m2.sk.body_len,
				       &m2) != IKE_OK)
			abort();
		len2 = rebuild_inner(&m2, out2, sizeof out2);
		if (len1 != len2 || memcmp(out1, out2, len1))
			abort();
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyed *k;
	struct ike_hdr h;
	uint8_t *msg, type, first;
	size_t len, sk_off, poff = 0, plen = 0, hdr_len;
	bool raw, sealed = false;
	int rc;

	if (size < 1 + IKE_HDR_LEN)
		return 0;
	k = &keyed[data[0] & 7];
	raw = data[0] & 8;
	len = size - 1;
	msg = malloc(len);  /* exact size: ASan sees reads past the end */
	if (!msg)
		abort();
	memcpy(msg, data + 1, len);
	if (ike_find_sk(msg, len, &sk_off, &type) != IKE_OK) {
		if (raw) /* an SK offset the parser did not vouch for */
			(void)ike_sk_open(k->sk, msg, len, IKE_HDR_LEN, &poff, &plen);
		goto out;
	}
	hdr_len = type == IKE_PLD_SKF ? IKE_SKF_HDR_LEN : IKE_SK_HDR_LEN;
	first = msg[sk_off];
	if (!raw)
		sealed = seal_as_is(k, msg, len, sk_off, hdr_len);
	if (type == IKE_PLD_SKF)
		rc = ike_skf_open(k->sk, msg, len, sk_off, &poff, &plen);
	else
		rc = ike_sk_open(k->sk, msg, len, sk_off, &poff, &plen);
	if (sealed && rc == -EBADMSG)
		abort(); /* our own seal refused */
	if (rc)
		goto out;
	if (poff != sk_off + hdr_len + k->ei.iv_len || poff + plen + 1 + k->icv_len > len)
		abort();
	if (ike_parse_header(msg, len, &h) != IKE_OK)
		abort();
	inner_chain(&h, first, msg + poff, plen);
out:
	free(msg);
	return 0;
}
