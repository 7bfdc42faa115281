/* SK / SKF payload seal and open: round trips for every cipher and
 * integrity transform, tampering, bad padding, malformed lengths, the
 * RFC 7634 Appendix B message, and a message built from the primitives
 * (ike_cipher + ike_integ) to pin the layout independently of seal. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "t/unit/tcheck.h"
#include "t/unit/thex.h"
#include "proto/buf.h"
#include "proto/crypto.h"
#include "proto/crypto_cipher.h"
#include "proto/crypto_integ.h"
#include "proto/sk.h"

static struct ike_crypto *C;

static void setup(void)
{
	C = ike_crypto_new();
	ck_assert_ptr_nonnull(C);
}

static void teardown(void)
{
	ike_crypto_free(C);
	C = NULL;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const struct ike_suite suites[] = {
	{ IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_MD5_96, 0, 0 },
	{ IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96, 0, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 0, 0 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0, 0 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192, 0, 0 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 0, 0 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_MD5_96, 0, 0 },
	{ IKE_ENCR_AES_GCM_8, 128, IKE_INTEG_NONE, 0, 0 },
	{ IKE_ENCR_AES_GCM_12, 192, IKE_INTEG_NONE, 0, 0 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0, 0 },
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0, 0 },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, 0, 0 },
};
#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

/* Keys for one direction, deterministic per suite. */
struct dir_keys {
	uint8_t e[IKE_ENCR_MAX_KEY], a[IKE_INTEG_MAX_KEY];
	size_t e_len, a_len;
};

static void make_keys(const struct ike_suite *s, uint8_t seed, struct dir_keys *k)
{
	struct ike_encr_info ei;
	struct ike_integ_info ii;

	ck_assert_int_eq(ike_encr_lookup(s->encr, s->encr_keybits, &ei), 0);
	k->e_len = (size_t)ei.key_len + ei.salt_len;
	k->a_len = 0;
	if (!ei.aead) {
		ck_assert_int_eq(ike_integ_lookup(s->integ, &ii), 0);
		k->a_len = ii.key_len;
	}
	for (size_t i = 0; i < sizeof(k->e); i++)
		k->e[i] = (uint8_t)(seed + 3 * i);
	for (size_t i = 0; i < sizeof(k->a); i++)
		k->a[i] = (uint8_t)(seed ^ (5 * i + 1));
}

static struct ike_sk *sk_for(const struct ike_suite *s, const struct dir_keys *k)
{
	struct ike_sk *sk = ike_sk_new(C, s, k->e, k->e_len,
				       k->a_len ? k->a : NULL, k->a_len);

	ck_assert_ptr_nonnull(sk);
	return sk;
}

/* IKE header (IKE_AUTH request, next payload SK or SKF) + optional clear
 * 8-octet Vendor ID + SK(F) header + IV space + plaintext pattern.
 * Returns sk_off. */
static size_t build(uint8_t *msg, bool skf, bool clear, size_t iv_len,
		    size_t plain_len, const uint8_t *plain)
{
	size_t sk_off = 28 + (clear ? 8 : 0), hdr = skf ? 8 : 4;

	memset(msg, 0, sk_off + hdr + iv_len);
	for (int i = 0; i < 8; i++) {
		msg[i] = (uint8_t)(0xa0 + i);
		msg[8 + i] = (uint8_t)(0xb0 + i);
	}
	msg[16] = clear ? 43 : (skf ? 53 : 46);
	msg[17] = 0x20;
	msg[18] = 35;
	msg[19] = 0x08;
	msg[23] = 1;
	if (clear) {
		msg[28] = skf ? 53 : 46;
		msg[31] = 8;
		memcpy(msg + 32, "VIDdata!", 4);
	}
	msg[sk_off] = 35;   /* first inner payload: IDi */
	if (skf) {
		msg[sk_off + 5] = 1;   /* fragment 1 of 2 */
		msg[sk_off + 7] = 2;
	}
	memcpy(msg + sk_off + hdr + iv_len, plain, plain_len);
	return sk_off;
}

static const size_t plain_lens[] = { 0, 1, 7, 15, 16, 17, 300, 1000 };

START_TEST(roundtrip)
{
	const struct ike_suite *s = &suites[_i];
	static uint8_t msg[1400], copy[1400], plain[1000];
	struct dir_keys k;
	struct ike_sk *tx, *rx;

	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 31 + 7);
	make_keys(s, (uint8_t)(0x40 + _i), &k);
	tx = sk_for(s, &k);
	rx = sk_for(s, &k);
	for (int skf = 0; skf < 2; skf++)
	for (int clear = 0; clear < 2; clear++)
	for (size_t n = 0; n < sizeof(plain_lens) / sizeof(plain_lens[0]); n++) {
		size_t pl = plain_lens[n], iv = ike_sk_iv_len(tx);
		size_t sk_off = build(msg, skf, clear, iv, pl, plain);
		size_t hdr = skf ? 8 : 4, total = 0, off = 0, len = 0;
		int rc = skf ? ike_skf_seal(tx, msg, sizeof(msg), sk_off, pl, &total)
			     : ike_sk_seal(tx, msg, sizeof(msg), sk_off, pl, &total);

		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(total, sk_off + hdr + ike_sk_overhead(tx, pl) + pl);
		ck_assert_uint_le(total - (sk_off + hdr + iv + pl),
				  ike_sk_trailer_max(tx));
		ck_assert_uint_eq(be32(msg + 24), total);
		ck_assert_uint_eq((size_t)msg[sk_off + 2] << 8 | msg[sk_off + 3],
				  total - sk_off);
		if (pl >= 16)   /* the plaintext is gone */
			ck_assert(memcmp(msg + sk_off + hdr + iv, plain, 16) != 0);
		memcpy(copy, msg, total);

		rc = skf ? ike_skf_open(rx, msg, total, sk_off, &off, &len)
			 : ike_sk_open(rx, msg, total, sk_off, &off, &len);
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(off, sk_off + hdr + iv);
		ck_assert_uint_eq(len, pl);
		ck_assert_mem_eq(msg + off, plain, pl);
		/* Clear part untouched. */
		ck_assert_mem_eq(msg, copy, sk_off + hdr + iv);
	}
	ike_sk_free(tx);
	ike_sk_free(rx);
}
END_TEST

START_TEST(tamper)
{
	const struct ike_suite *s = &suites[_i];
	uint8_t msg[400], work[400], plain[100];
	struct dir_keys k;
	struct ike_sk *tx, *rx;
	size_t total, off, len, sk_off;

	memset(plain, 0x5c, sizeof(plain));
	make_keys(s, (uint8_t)(0x90 + _i), &k);
	tx = sk_for(s, &k);
	rx = sk_for(s, &k);
	sk_off = build(msg, false, true, ike_sk_iv_len(tx), 100, plain);
	ck_assert_int_eq(ike_sk_seal(tx, msg, sizeof(msg), sk_off, 100, &total), 0);
	/* Every single-bit flip anywhere but the two length fields (which
	 * fail the length checks first) must fail the ICV. */
	for (size_t i = 0; i < total; i++) {
		bool len_field = (i >= 24 && i < 28) ||
				 (i >= sk_off + 2 && i < sk_off + 4);
		int rc;

		memcpy(work, msg, total);
		work[i] ^= 0x01;
		rc = ike_sk_open(rx, work, total, sk_off, &off, &len);
		ck_assert_int_eq(rc, len_field ? -EINVAL : -EBADMSG);
	}
	/* Truncated by one: lengths no longer match. */
	memcpy(work, msg, total);
	ck_assert_int_eq(ike_sk_open(rx, work, total - 1, sk_off, &off, &len),
			 -EINVAL);
	/* The original still opens (no state was spoiled by failures). */
	ck_assert_int_eq(ike_sk_open(rx, msg, total, sk_off, &off, &len), 0);
	ck_assert_uint_eq(len, 100);
	ike_sk_free(tx);
	ike_sk_free(rx);
}
END_TEST

START_TEST(wrong_key)
{
	const struct ike_suite *s = &suites[_i];
	uint8_t msg[200], plain[40] = { 0 };
	struct dir_keys k1, k2;
	struct ike_sk *tx, *rx;
	size_t total, off, len, sk_off;

	make_keys(s, 1, &k1);
	make_keys(s, 1, &k2);
	k2.e[0] ^= 1;   /* encryption key differs (integrity the same) */
	tx = sk_for(s, &k1);
	rx = sk_for(s, &k2);
	sk_off = build(msg, false, false, ike_sk_iv_len(tx), 40, plain);
	ck_assert_int_eq(ike_sk_seal(tx, msg, sizeof(msg), sk_off, 40, &total), 0);
	if (ike_encr_is_aead(s->encr))
		ck_assert_int_eq(ike_sk_open(rx, msg, total, sk_off, &off, &len),
				 -EBADMSG);
	ike_sk_free(rx);
	if (!ike_encr_is_aead(s->encr)) {
		k2 = k1;
		k2.a[3] ^= 0x10;   /* integrity key differs */
		rx = sk_for(s, &k2);
		ck_assert_int_eq(ike_sk_open(rx, msg, total, sk_off, &off, &len),
				 -EBADMSG);
		ike_sk_free(rx);
	}
	ike_sk_free(tx);
}
END_TEST

/* Build a protected SK message from the primitives with a chosen
 * encrypted body (whose last octet is the pad length), bypassing seal. */
static size_t craft(const struct ike_suite *s, const struct dir_keys *k,
		    uint8_t *msg, const uint8_t *body, size_t body_len)
{
	struct ike_cipher *ci = ike_cipher_new(C, s->encr, s->encr_keybits,
					       k->e, k->e_len);
	const struct ike_encr_info *ei;
	size_t sk_off = 28, iv_off, data_off, end, total;

	ck_assert_ptr_nonnull(ci);
	ei = ike_cipher_info(ci);
	iv_off = sk_off + 4;
	data_off = iv_off + ei->iv_len;
	end = data_off + body_len;
	total = end + (ei->aead ? ei->icv_len : 0);
	if (!ei->aead) {
		struct ike_integ_info ii;

		ck_assert_int_eq(ike_integ_lookup(s->integ, &ii), 0);
		total += ii.icv_len;
	}
	build(msg, false, false, ei->iv_len, body_len, body);
	for (size_t i = 0; i < ei->iv_len; i++)
		msg[iv_off + i] = (uint8_t)(0xe0 + i);
	msg[sk_off + 2] = (uint8_t)((total - sk_off) >> 8);
	msg[sk_off + 3] = (uint8_t)(total - sk_off);
	msg[26] = (uint8_t)(total >> 8);
	msg[27] = (uint8_t)total;
	if (ei->aead) {
		ck_assert_int_eq(ike_cipher_encrypt(ci, msg + iv_off, msg, iv_off,
						    msg + data_off, body_len,
						    msg + end), 0);
	} else {
		struct ike_integ *ig = ike_integ_new(C, s->integ, k->a, k->a_len);
		struct ike_chunk all = { msg, end };

		ck_assert_ptr_nonnull(ig);
		ck_assert_int_eq(ike_cipher_encrypt(ci, msg + iv_off, NULL, 0,
						    msg + data_off, body_len,
						    NULL), 0);
		ck_assert_int_eq(ike_integ_compute(ig, &all, 1, msg + end), 0);
		ike_integ_free(ig);
	}
	ike_cipher_free(ci);
	return total;
}

START_TEST(crafted_padding)
{
	const struct ike_suite *s = &suites[_i];
	uint8_t msg[300], body[64];
	struct dir_keys k;
	struct ike_sk *rx;
	size_t total, off, len;

	make_keys(s, 0x22, &k);
	rx = sk_for(s, &k);
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)i;

	/* Receivers accept any padding that fits (RFC 7296 3.14): 20 octets
	 * of payload, 43 of padding, pad length 43. */
	body[63] = 43;
	total = craft(s, &k, msg, body, 64);
	ck_assert_int_eq(ike_sk_open(rx, msg, total, 28, &off, &len), 0);
	ck_assert_uint_eq(len, 20);
	ck_assert_mem_eq(msg + off, body, 20);

	/* Pad length 63: no payload left, still valid. */
	body[63] = 63;
	total = craft(s, &k, msg, body, 64);
	ck_assert_int_eq(ike_sk_open(rx, msg, total, 28, &off, &len), 0);
	ck_assert_uint_eq(len, 0);

	/* Pad length 64 runs past the start: bad padding after a good ICV. */
	body[63] = 64;
	total = craft(s, &k, msg, body, 64);
	ck_assert_int_eq(ike_sk_open(rx, msg, total, 28, &off, &len), -EPROTO);
	body[63] = 255;
	total = craft(s, &k, msg, body, 64);
	ck_assert_int_eq(ike_sk_open(rx, msg, total, 28, &off, &len), -EPROTO);
	ike_sk_free(rx);
}
END_TEST

START_TEST(malformed)
{
	const struct ike_suite *cbc = &suites[3];
	uint8_t msg[300], body[32] = { 0 };
	struct dir_keys k;
	struct ike_sk *rx;
	size_t total, off, len;

	make_keys(cbc, 7, &k);
	rx = sk_for(cbc, &k);
	total = craft(cbc, &k, msg, body, 32);
	ck_assert_int_eq(ike_sk_open(rx, msg, total, 28, &off, &len), 0);
	/* SK offset inside the IKE header. */
	ck_assert_int_eq(ike_sk_open(rx, msg, total, 20, &off, &len), -EINVAL);
	/* Shorter than header + IV + pad length + ICV (lengths patched). */
	msg[28 + 2] = 0;
	msg[28 + 3] = 4 + 16 + 16;
	msg[27] = 28 + 4 + 16 + 16;
	ck_assert_int_eq(ike_sk_open(rx, msg, 28 + 4 + 16 + 16, 28, &off, &len),
			 -EINVAL);
	/* CBC data not a block multiple: one octet less, lengths consistent. */
	total = craft(cbc, &k, msg, body, 32) - 1;
	msg[28 + 2] = (uint8_t)((total - 28) >> 8);
	msg[28 + 3] = (uint8_t)(total - 28);
	msg[26] = (uint8_t)(total >> 8);
	msg[27] = (uint8_t)total;
	ck_assert_int_eq(ike_sk_open(rx, msg, total, 28, &off, &len), -EINVAL);
	ike_sk_free(rx);
}
END_TEST

START_TEST(seal_limits)
{
	const struct ike_suite *s = &suites[3];
	uint8_t msg[200], plain[64] = { 0 };
	struct dir_keys k;
	struct ike_sk *tx;
	size_t sk_off, total;

	make_keys(s, 9, &k);
	tx = sk_for(s, &k);
	sk_off = build(msg, false, false, 16, 64, plain);
	/* Needs 28 + 4 + 16 + 64 + 16 (pad + pad length) + 16 = 144. */
	ck_assert_int_eq(ike_sk_seal(tx, msg, 143, sk_off, 64, &total), -ENOBUFS);
	ck_assert_int_eq(ike_sk_seal(tx, msg, 144, sk_off, 64, &total), 0);
	ck_assert_uint_eq(total, 144);
	ck_assert_int_eq(ike_sk_seal(tx, msg, sizeof(msg), 4, 64, &total), -EINVAL);
	ike_sk_free(tx);

	/* Invalid constructions. */
	ck_assert_ptr_null(ike_sk_new(C, s, k.e, k.e_len, k.a, k.a_len - 1));
	ck_assert_ptr_null(ike_sk_new(C, s, k.e, k.e_len - 1, k.a, k.a_len));
	ck_assert_ptr_null(ike_sk_new(C, &suites[9], k.e, 36, k.a, 16));
	ck_assert_ptr_null(ike_sk_new(C, &suites[9], k.e, 32, NULL, 0));
	ike_sk_free(NULL);
}
END_TEST

START_TEST(iv_fresh)
{
	/* AEAD: counter IVs, unique and increasing, from a random start (two
	 * ike_sk on the same key start apart); CBC: see iv_cbc_nonce. */
	for (int w = 0; w < 2; w++) {
		const struct ike_suite *s = w ? &suites[9] : &suites[3];
		uint8_t msg[2][200], plain[10] = { 0 };
		struct dir_keys k;
		struct ike_sk *tx;
		size_t iv, total;

		make_keys(s, 3, &k);
		tx = sk_for(s, &k);
		iv = ike_sk_iv_len(tx);
		for (int m = 0; m < 2; m++) {
			size_t sk_off = build(msg[m], false, false, iv, 10, plain);

			ck_assert_int_eq(ike_sk_seal(tx, msg[m], sizeof(msg[m]),
						     sk_off, 10, &total), 0);
		}
		ck_assert(memcmp(msg[0] + 32, msg[1] + 32, iv) != 0);
		if (w) {   /* counter: big-endian, +1, below 2^63 */
			uint64_t a = 0, b = 0;

			for (int j = 0; j < 8; j++) {
				a = a << 8 | msg[0][32 + j];
				b = b << 8 | msg[1][32 + j];
			}
			ck_assert_uint_eq(b, a + 1);
			ck_assert_uint_lt(a, UINT64_MAX >> 1);
		}
		ike_sk_free(tx);
	}
}
END_TEST

/* CBC IVs are E_K(nonce) (crypto_cipher.c ike_cipher_encrypt_nonce_iv):
 * decrypting them with the key alone (ECB, OpenSSL directly) gives a
 * big-endian message counter, +1 per sealed message and shared by the
 * SAs of one crypto cache, then (16-octet blocks) the same 8 octets for
 * every message; the messages still open. */
START_TEST(iv_cbc_nonce)
{
	static const struct { int suite; const char *ecb; size_t b; } w[] = {
		{ 0, "DES-EDE3-ECB", 8 }, { 3, "AES-128-ECB", 16 },
		{ 5, "AES-256-ECB", 16 },
	};
	const struct ike_suite *s = &suites[w[_i].suite];
	uint8_t msg[3][200], plain[10] = { 1, 2, 3 }, nonce[3][16];
	struct dir_keys k, k2;
	struct ike_sk *tx, *tx2, *rx;
	size_t b = w[_i].b, total[3], off, len;
	EVP_CIPHER *ecb = EVP_CIPHER_fetch(NULL, w[_i].ecb, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	ck_assert_ptr_nonnull(ecb);
	ck_assert_ptr_nonnull(ctx);
	make_keys(s, 3, &k);
	make_keys(s, 9, &k2);
	tx = sk_for(s, &k);
	tx2 = sk_for(s, &k2);
	rx = sk_for(s, &k);
	ck_assert_uint_eq(ike_sk_iv_len(tx), b);
	for (int m = 0; m < 3; m++) {
		struct ike_sk *use = m == 1 ? tx2 : tx;
		size_t sk_off = build(msg[m], false, false, b, 10, plain);
		const uint8_t *key = m == 1 ? k2.e : k.e;
		int outl = 0;

		ck_assert_int_eq(ike_sk_seal(use, msg[m], sizeof(msg[m]), sk_off, 10,
					     &total[m]), 0);
		ck_assert(EVP_DecryptInit_ex2(ctx, ecb, key, NULL, NULL));
		ck_assert(EVP_CIPHER_CTX_set_padding(ctx, 0));
		ck_assert(EVP_DecryptUpdate(ctx, nonce[m], &outl, msg[m] + sk_off + 4,
					    (int)b));
		ck_assert_int_eq(outl, (int)b);
	}
	for (int m = 1; m < 3; m++) {
		uint64_t a = 0, c = 0;

		for (int j = 0; j < 8; j++) {
			a = a << 8 | nonce[m - 1][j];
			c = c << 8 | nonce[m][j];
		}
		ck_assert_uint_eq(c, a + 1);
		if (b > 8)
			ck_assert_mem_eq(nonce[m] + 8, nonce[0] + 8, b - 8);
	}
	ck_assert(memcmp(msg[0] + 32, msg[2] + 32, b) != 0);
	for (int m = 0; m < 3; m += 2) {
		ck_assert_int_eq(ike_sk_open(rx, msg[m], total[m], 28, &off, &len), 0);
		ck_assert_uint_eq(len, 10);
		ck_assert_mem_eq(msg[m] + off, plain, 10);
	}
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(ecb);
	ike_sk_free(tx);
	ike_sk_free(tx2);
	ike_sk_free(rx);
}
END_TEST

START_TEST(rfc7634_open)
{
	/* RFC 7634 Appendix B: the whole protected message. */
	static const struct ike_suite s = { IKE_ENCR_CHACHA20_POLY1305, 0,
					    IKE_INTEG_NONE, 0, 0 };
	uint8_t key[36], msg[69], notify[12];
	struct ike_sk *rx;
	size_t off, len;

	unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	      "a0a1a2a3", key, sizeof(key));
	ck_assert_uint_eq(unhex(
	      "c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e202500000000090000004529000029"
	      "1011121314151617610394701f8d017f7c129248896b71bfe25236efd7cdc670"
	      "66906315b2", msg, sizeof(msg)), 69);
	unhex("0000000c000040010000000a", notify, sizeof(notify));
	rx = ike_sk_new(C, &s, key, 36, NULL, 0);
	ck_assert_ptr_nonnull(rx);
	ck_assert_int_eq(ike_sk_open(rx, msg, 69, 28, &off, &len), 0);
	ck_assert_uint_eq(off, 40);
	ck_assert_uint_eq(len, 12);
	ck_assert_mem_eq(msg + off, notify, 12);
	ike_sk_free(rx);
}
END_TEST

START_TEST(seal_writer)
{
	const struct ike_suite *s = &suites[10];
	struct dir_keys k;
	struct ike_sk *tx, *rx;
	struct ike_writer w;
	size_t sk_off, iv, off, len;
	uint8_t hdr[28] = { 0 };

	make_keys(s, 0x31, &k);
	tx = sk_for(s, &k);
	rx = sk_for(s, &k);
	iv = ike_sk_iv_len(tx);
	ike_wr_init_dyn(&w, 16);   /* small: seal must grow it */
	hdr[16] = 46;
	hdr[17] = 0x20;
	ike_wr_bytes(&w, hdr, sizeof(hdr));
	sk_off = w.len;
	ike_wr_u8(&w, 41);    /* first inner payload: Notify */
	ike_wr_u8(&w, 0);
	ike_wr_u16(&w, 0);
	ike_wr_zeros(&w, iv);
	for (int i = 0; i < 200; i++)
		ike_wr_u8(&w, (uint8_t)i);
	ck_assert(ike_wr_ok(&w));
	ck_assert_int_eq(ike_sk_seal_wr(tx, &w, sk_off), 0);
	ck_assert(ike_wr_ok(&w));
	ck_assert_uint_eq(w.len, 28 + 4 + iv + 200 + 1 + 16);
	ck_assert_uint_eq(be32(w.data + 24), w.len);
	ck_assert_int_eq(ike_sk_open(rx, w.data, w.len, sk_off, &off, &len), 0);
	ck_assert_uint_eq(len, 200);
	for (int i = 0; i < 200; i++)
		ck_assert_uint_eq(w.data[off + i], (uint8_t)i);
	ike_wr_free(&w);
	ike_sk_free(tx);
	ike_sk_free(rx);
}
END_TEST

static Suite *sk_suite(void)
{
	Suite *s = suite_create("proto_sk");
	TCase *tc = tcase_create("sk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, roundtrip, 0, N_SUITES);
	tcase_add_loop_test(tc, tamper, 0, N_SUITES);
	tcase_add_loop_test(tc, wrong_key, 0, N_SUITES);
	tcase_add_loop_test(tc, crafted_padding, 0, N_SUITES);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, seal_limits);
	tcase_add_test(tc, iv_fresh);
	tcase_add_loop_test(tc, iv_cbc_nonce, 0, 3);
	tcase_add_test(tc, rfc7634_open);
	tcase_add_test(tc, seal_writer);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(sk_suite)
