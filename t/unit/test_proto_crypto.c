/* Known-answer tests for proto/ PRFs, prf+, integrity and ciphers.
 *
 * Vectors: RFC 2202 (HMAC-MD5/SHA1), RFC 4231 (HMAC-SHA2), RFC 4868 2.7
 * (truncated HMAC-SHA2 integrity with full-length keys), McGrew & Viega GCM
 * test cases 3/4/9/15/16 (in RFC 4106 key|salt form), NIST SP 800-38A F.2.1
 * (AES-128-CBC), RFC 7634 Appendix B (ChaCha20-Poly1305 in IKEv2).
 *
 * prf+ vectors were computed once with an independent Python 3 model
 * (hmac/hashlib): T1 = HMAC(K, S|01), Tn = HMAC(K, Tn-1|S|n), with
 * K = 01 02 .. 20 (32 octets; the first 20 for SHA-1), S = "prf+ test seed". */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "t/unit/tcheck.h"
#include "t/unit/thex.h"
#include "proto/crypto.h"
#include "proto/crypto_cipher.h"
#include "proto/crypto_integ.h"
#include "proto/crypto_prf.h"

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

static void fill(uint8_t *p, uint8_t v, size_t n)
{
	memset(p, v, n);
}

/* ---- HMAC PRFs ---------------------------------------------------- */

struct hmac_kat {
	uint16_t prf;
	uint8_t key_byte;      /* key = key_byte * key_len, or "Jefe" if 0 */
	size_t key_len;
	const char *data;      /* text, or NULL: 50 x 0xdd */
	const char *out;
};

static const char big_key_text[] =
	"Test Using Larger Than Block-Size Key - Hash Key First";

static const struct hmac_kat hmac_kats[] = {
	/* RFC 2202 section 2: HMAC-MD5 test cases 1, 2, 3, 6 */
	{ IKE_PRF_HMAC_MD5, 0x0b, 16, "Hi There",
	  "9294727a3638bb1c13f48ef8158bfc9d" },
	{ IKE_PRF_HMAC_MD5, 0, 4, "what do ya want for nothing?",
	  "750c783e6ab0b503eaa86e310a5db738" },
	{ IKE_PRF_HMAC_MD5, 0xaa, 16, NULL,
	  "56be34521d144c88dbb8c733f0e8b3f6" },
	{ IKE_PRF_HMAC_MD5, 0xaa, 80, big_key_text,
	  "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd" },
	/* RFC 2202 section 3: HMAC-SHA-1 test cases 1, 2, 3, 6 */
	{ IKE_PRF_HMAC_SHA1, 0x0b, 20, "Hi There",
	  "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ IKE_PRF_HMAC_SHA1, 0, 4, "what do ya want for nothing?",
	  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ IKE_PRF_HMAC_SHA1, 0xaa, 20, NULL,
	  "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
	{ IKE_PRF_HMAC_SHA1, 0xaa, 80, big_key_text,
	  "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	/* RFC 4231 test cases 1, 3, 6 */
	{ IKE_PRF_HMAC_SHA2_256, 0x0b, 20, "Hi There",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ IKE_PRF_HMAC_SHA2_384, 0x0b, 20, "Hi There",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6" },
	{ IKE_PRF_HMAC_SHA2_512, 0x0b, 20, "Hi There",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ IKE_PRF_HMAC_SHA2_256, 0xaa, 20, NULL,
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ IKE_PRF_HMAC_SHA2_384, 0xaa, 20, NULL,
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27" },
	{ IKE_PRF_HMAC_SHA2_512, 0xaa, 20, NULL,
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ IKE_PRF_HMAC_SHA2_256, 0xaa, 131, big_key_text,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ IKE_PRF_HMAC_SHA2_384, 0xaa, 131, big_key_text,
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952" },
	{ IKE_PRF_HMAC_SHA2_512, 0xaa, 131, big_key_text,
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
};

/* Key and data of a KAT into buffers. */
static void kat_inputs(const struct hmac_kat *t, uint8_t *key, size_t *key_len,
		       struct ike_chunk *data, uint8_t *dd)
{
	if (t->key_byte) {
		fill(key, t->key_byte, t->key_len);
	} else {
		memcpy(key, "JefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefe",
		       t->key_len);
	}
	*key_len = t->key_len;
	if (t->data) {
		data->ptr = (const uint8_t *)t->data;
		data->len = strlen(t->data);
	} else {
		fill(dd, 0xdd, 50);
		data->ptr = dd;
		data->len = 50;
	}
}

START_TEST(prf_hmac_kat)
{
	const struct hmac_kat *t = &hmac_kats[_i];
	uint8_t key[131], dd[50], want[64], got[IKE_PRF_MAX_LEN];
	size_t key_len, want_len = unhex(t->out, want, sizeof(want));
	struct ike_chunk data;
	struct ike_prf_info pi;

	kat_inputs(t, key, &key_len, &data, dd);
	ck_assert_int_eq(ike_prf_lookup(t->prf, &pi), 0);
	ck_assert_uint_eq(pi.out_len, want_len);
	ck_assert_int_eq(ike_prf(C, t->prf, key, key_len, &data, 1, got),
			 (int)want_len);
	ck_assert_mem_eq(got, want, want_len);

	/* Same input split over several chunks (and an empty one). */
	if (data.len > 3) {
		struct ike_chunk parts[] = {
			{ data.ptr, 1 }, { data.ptr + 1, 0 },
			{ data.ptr + 1, 2 }, { data.ptr + 3, data.len - 3 },
		};
		memset(got, 0, sizeof(got));
		ck_assert_int_eq(ike_prf(C, t->prf, key, key_len, parts, 4, got),
				 (int)want_len);
		ck_assert_mem_eq(got, want, want_len);
	}
}
END_TEST

START_TEST(prf_unknown)
{
	uint8_t out[IKE_PRF_MAX_LEN];
	struct ike_chunk d = { (const uint8_t *)"x", 1 };

	ck_assert_int_eq(ike_prf(C, IKE_PRF_AES128_XCBC, d.ptr, 1, &d, 1, out),
			 -ENOTSUP);
	ck_assert_int_eq(ike_prf(C, 99, d.ptr, 1, &d, 1, out), -ENOTSUP);
}
END_TEST

/* proto/hmac.c against OpenSSL's own HMAC (EVP_Q_mac) at the edges of
 * the digest blocks: empty key, keys of a block and one octet either side
 * (a longer key is hashed first), messages that end at the padding edge. */
START_TEST(prf_hmac_vs_openssl)
{
	static const struct { uint16_t prf; const char *md; } prfs[] = {
		{ IKE_PRF_HMAC_MD5, "MD5" }, { IKE_PRF_HMAC_SHA1, "SHA1" },
		{ IKE_PRF_HMAC_SHA2_256, "SHA256" }, { IKE_PRF_HMAC_SHA2_384, "SHA384" },
		{ IKE_PRF_HMAC_SHA2_512, "SHA512" },
	};
	static const size_t key_lens[] = { 0, 1, 63, 64, 65, 127, 128, 129, 200 };
	static const size_t msg_lens[] = { 0, 1, 55, 56, 64, 111, 112, 128, 300 };
	uint8_t key[200], msg[300], want[64], got[IKE_PRF_MAX_LEN];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 13 + 1);
	for (size_t p = 0; p < sizeof(prfs) / sizeof(prfs[0]); p++) {
		for (size_t k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
			for (size_t m = 0; m < sizeof(msg_lens) / sizeof(msg_lens[0]); m++) {
				struct ike_chunk d = { msg, msg_lens[m] };
				size_t want_len = 0;
				int got_len;

				ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, prfs[p].md,
								NULL, key, key_lens[k], msg,
								msg_lens[m], want, sizeof(want),
								&want_len));
				got_len = ike_prf(C, prfs[p].prf, key_lens[k] ? key : NULL,
						  key_lens[k], &d, 1, got);
				ck_assert_int_eq(got_len, (int)want_len);
				ck_assert_mem_eq(got, want, want_len);
			}
		}
	}
}
END_TEST

/* ---- prf+ --------------------------------------------------------- */

START_TEST(prf_plus_kat)
{
	uint8_t key[32], want[100], got[101];
	static const char seed[] = "prf+ test seed";
	struct ike_chunk s = { (const uint8_t *)seed, sizeof(seed) - 1 };
	struct ike_chunk split[] = { { s.ptr, 4 }, { s.ptr + 4, s.len - 4 } };

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i + 1);
	unhex("d6187d1ef72f752eaa35fb50373dcdbb43bc9dc619c19da2ffd8f64711351c78"
	      "70ec0be2615e2e3ef3d7b145333a4873370d47376cd0432d4dcf9dfa156b7e82"
	      "76c1b02ccc0257dc8ce06f7c042b6181f8ec11813abba314934096c31b286f08"
	      "6e7fba11", want, sizeof(want));
	memset(got, 0xee, sizeof(got));
	ck_assert_int_eq(ike_prf_plus(C, IKE_PRF_HMAC_SHA2_256, key, 32, &s, 1,
				      got, 100), 0);
	ck_assert_mem_eq(got, want, 100);
	ck_assert_uint_eq(got[100], 0xee);   /* nothing written past out_len */
	ck_assert_int_eq(ike_prf_plus(C, IKE_PRF_HMAC_SHA2_256, key, 32, split,
				      2, got, 100), 0);
	ck_assert_mem_eq(got, want, 100);

	unhex("1a5cae04ef701144635fac6483728c7ae82ca71058e364201332e9b60d492265"
	      "7fe0568c7cebf44431ef4b60d6", want, sizeof(want));
	ck_assert_int_eq(ike_prf_plus(C, IKE_PRF_HMAC_SHA1, key, 20, &s, 1,
				      got, 45), 0);
	ck_assert_mem_eq(got, want, 45);
}
END_TEST

START_TEST(prf_plus_limit)
{
	static uint8_t out[255 * 20 + 1];
	uint8_t key[20] = { 1 };
	struct ike_chunk s = { key, 20 };

	/* prf+ stops after 255 rounds (the counter is one octet). */
	ck_assert_int_eq(ike_prf_plus(C, IKE_PRF_HMAC_SHA1, key, 20, &s, 1, out,
				      255 * 20), 0);
	ck_assert_int_eq(ike_prf_plus(C, IKE_PRF_HMAC_SHA1, key, 20, &s, 1, out,
				      255 * 20 + 1), -EINVAL);
}
END_TEST

/* ---- integrity ---------------------------------------------------- */

struct integ_kat {
	uint16_t integ;
	uint8_t key_byte;      /* 0: "Jefe" repeated */
	size_t key_len;
	const char *data;      /* NULL: 50 x 0xdd */
	const char *icv;
};

static const struct integ_kat integ_kats[] = {
	/* RFC 2202 test case 5 (truncation) and case 1, cut to 96 bits */
	{ IKE_INTEG_HMAC_MD5_96, 0x0c, 16, "Test With Truncation",
	  "56461ef2342edc00f9bab995" },
	{ IKE_INTEG_HMAC_MD5_96, 0x0b, 16, "Hi There",
	  "9294727a3638bb1c13f48ef8" },
	{ IKE_INTEG_HMAC_SHA1_96, 0x0c, 20, "Test With Truncation",
	  "4c1a03424b55e07fe7f27be1" },
	{ IKE_INTEG_HMAC_SHA1_96, 0xaa, 20, NULL,
	  "125d7342b9ac11cd91a39af4" },
	/* RFC 4231 test case 5 (truncation to 128 bits) */
	{ IKE_INTEG_HMAC_SHA2_256_128, 0x0c, 20, "Test With Truncation",
	  "a3b6167473100ee06e0c796c2955552b" },
	/* RFC 4868 2.7.2.x: keys of the full transform key length */
	{ IKE_INTEG_HMAC_SHA2_256_128, 0x0b, 32, "Hi There",
	  "198a607eb44bfbc69903a0f1cf2bbdc5" },
	{ IKE_INTEG_HMAC_SHA2_384_192, 0x0b, 48, "Hi There",
	  "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973" },
	{ IKE_INTEG_HMAC_SHA2_512_256, 0x0b, 64, "Hi There",
	  "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
	{ IKE_INTEG_HMAC_SHA2_256_128, 0, 32, "what do ya want for nothing?",
	  "167f928588c5cc2eef8e3093caa0e87c" },
	{ IKE_INTEG_HMAC_SHA2_384_192, 0, 48, "what do ya want for nothing?",
	  "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d" },
	{ IKE_INTEG_HMAC_SHA2_512_256, 0, 64, "what do ya want for nothing?",
	  "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454" },
	{ IKE_INTEG_HMAC_SHA2_256_128, 0xaa, 32, NULL,
	  "cdcb1220d1ecccea91e53aba3092f962" },
	{ IKE_INTEG_HMAC_SHA2_384_192, 0xaa, 48, NULL,
	  "809f439be00274321d4a538652164b53554a508184a0c316" },
	{ IKE_INTEG_HMAC_SHA2_512_256, 0xaa, 64, NULL,
	  "2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8" },
};

START_TEST(integ_kat)
{
	const struct integ_kat *t = &integ_kats[_i];
	struct hmac_kat h = { 0, t->key_byte, t->key_len, t->data, NULL };
	uint8_t key[64], dd[50], want[32], got[IKE_ICV_MAX];
	size_t key_len, want_len = unhex(t->icv, want, sizeof(want));
	struct ike_integ_info ii;
	struct ike_chunk data;
	struct ike_integ *ig;

	kat_inputs(&h, key, &key_len, &data, dd);
	ck_assert_int_eq(ike_integ_lookup(t->integ, &ii), 0);
	ck_assert_uint_eq(ii.icv_len, want_len);
	ig = ike_integ_new(C, t->integ, key, key_len);
	ck_assert_ptr_nonnull(ig);
	ck_assert_uint_eq(ike_integ_icv_len(ig), want_len);
	/* Twice: the keyed context is re-initialised per message. */
	for (int round = 0; round < 2; round++) {
		memset(got, 0, sizeof(got));
		ck_assert_int_eq(ike_integ_compute(ig, &data, 1, got), 0);
		ck_assert_mem_eq(got, want, want_len);
		ck_assert_int_eq(ike_integ_verify(ig, &data, 1, want), 0);
	}
	want[want_len - 1] ^= 1;
	ck_assert_int_eq(ike_integ_verify(ig, &data, 1, want), -EBADMSG);
	ike_integ_free(ig);
}
END_TEST

START_TEST(integ_lengths)
{
	static const struct { uint16_t id; uint8_t key, icv; } want[] = {
		{ IKE_INTEG_HMAC_MD5_96, 16, 12 },
		{ IKE_INTEG_HMAC_SHA1_96, 20, 12 },
		{ IKE_INTEG_HMAC_SHA2_256_128, 32, 16 },
		{ IKE_INTEG_HMAC_SHA2_384_192, 48, 24 },
		{ IKE_INTEG_HMAC_SHA2_512_256, 64, 32 },
	};
	struct ike_integ_info ii;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(ike_integ_lookup(want[i].id, &ii), 0);
		ck_assert_uint_eq(ii.key_len, want[i].key);
		ck_assert_uint_eq(ii.icv_len, want[i].icv);
	}
	ck_assert_int_eq(ike_integ_lookup(IKE_INTEG_AES_XCBC_96, &ii), -ENOTSUP);
	ck_assert_ptr_null(ike_integ_new(C, IKE_INTEG_NONE, NULL, 0));
}
END_TEST

/* ---- ciphers ------------------------------------------------------ */

START_TEST(encr_lookup)
{
	struct ike_encr_info ei;

	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_AES_CBC, 128, &ei), 0);
	ck_assert(!ei.aead && ei.key_len == 16 && ei.iv_len == 16 &&
		  ei.block_len == 16 && ei.salt_len == 0);
	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_AES_CBC, 0, &ei), -EINVAL);
	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_AES_CBC, 100, &ei), -EINVAL);
	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_3DES, 0, &ei), 0);
	ck_assert(ei.key_len == 24 && ei.iv_len == 8 && ei.block_len == 8);
	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_AES_GCM_8, 256, &ei), 0);
	ck_assert(ei.aead && ei.key_len == 32 && ei.salt_len == 4 &&
		  ei.iv_len == 8 && ei.icv_len == 8);
	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_AES_GCM_12, 192, &ei), 0);
	ck_assert_uint_eq(ei.icv_len, 12);
	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_CHACHA20_POLY1305, 0, &ei), 0);
	ck_assert(ei.aead && ei.key_len == 32 && ei.salt_len == 4 &&
		  ei.icv_len == 16);
	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_CHACHA20_POLY1305, 128, &ei),
			 -EINVAL);
	ck_assert_int_eq(ike_encr_lookup(IKE_ENCR_NULL, 0, &ei), -ENOTSUP);
}
END_TEST

START_TEST(suite_check)
{
	struct ike_suite ok = { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128,
				IKE_PRF_HMAC_SHA2_256, IKE_DH_MODP_2048 };
	struct ike_suite s = ok;

	ck_assert_int_eq(ike_suite_check(&s, false), 0);
	s.integ = IKE_INTEG_NONE;
	ck_assert_int_eq(ike_suite_check(&s, false), -EINVAL);
	s = ok;
	s.encr = IKE_ENCR_AES_GCM_16;   /* AEAD with an integrity transform */
	ck_assert_int_eq(ike_suite_check(&s, false), -EINVAL);
	s.integ = IKE_INTEG_NONE;
	ck_assert_int_eq(ike_suite_check(&s, false), 0);
	s.dh = IKE_DH_NONE;
	ck_assert_int_eq(ike_suite_check(&s, false), -EINVAL);
	ck_assert_int_eq(ike_suite_check(&s, true), 0);
	s.dh = 3;   /* EC2N, not supported */
	ck_assert_int_eq(ike_suite_check(&s, false), -ENOTSUP);
}
END_TEST

/* GCM test vectors (McGrew & Viega): K, salt = cafebabe, IV =
 * facedbaddecaf888; P of test case 3 (64 octets), or of case 4 (60) with
 * AAD feedfacedeadbeef feedfacedeadbeef abaddad2. */
struct gcm_kat {
	uint16_t encr, keybits;
	const char *key;
	bool aad;
	const char *ct_tag;
};

static const char gcm_plain[] =
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
static const char gcm_k128[] = "feffe9928665731c6d6a8f9467308308";
static const char gcm_k192[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c";
static const char gcm_k256[] =
	"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";

static const struct gcm_kat gcm_kats[] = {
	/* test case 3, tag cut to 8/12/16 */
	{ IKE_ENCR_AES_GCM_8, 128, gcm_k128, false,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
	  "4d5c2af327cd64a6" },
	{ IKE_ENCR_AES_GCM_12, 128, gcm_k128, false,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
	  "4d5c2af327cd64a62cf35abd" },
	{ IKE_ENCR_AES_GCM_16, 128, gcm_k128, false,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	/* test case 4: with AAD */
	{ IKE_ENCR_AES_GCM_16, 128, gcm_k128, true,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	/* test case 9: AES-192 */
	{ IKE_ENCR_AES_GCM_16, 192, gcm_k192, false,
	  "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c"
	  "7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710acade256"
	  "9924a7c8587336bfb118024db8674a14" },
	/* test cases 15 and 16: AES-256 */
	{ IKE_ENCR_AES_GCM_16, 256, gcm_k256, false,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ IKE_ENCR_AES_GCM_16, 256, gcm_k256, true,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

START_TEST(gcm_kat)
{
	const struct gcm_kat *t = &gcm_kats[_i];
	uint8_t key[36], iv[8], aad[20], plain[64], buf[64], want[80], tag[16];
	size_t kl = unhex(t->key, key, sizeof(key));
	size_t pl = t->aad ? 60 : 64, aad_len = t->aad ? 20 : 0;
	size_t wl = unhex(t->ct_tag, want, sizeof(want)), tl = wl - pl;
	struct ike_cipher *ci;

	kl += unhex("cafebabe", key + kl, sizeof(key) - kl);
	unhex("facedbaddecaf888", iv, sizeof(iv));
	unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, sizeof(aad));
	unhex(gcm_plain, plain, sizeof(plain));
	ci = ike_cipher_new(C, t->encr, t->keybits, key, kl);
	ck_assert_ptr_nonnull(ci);
	ck_assert_uint_eq(ike_cipher_info(ci)->icv_len, tl);
	for (int round = 0; round < 2; round++) {
		memcpy(buf, plain, pl);
		ck_assert_int_eq(ike_cipher_encrypt(ci, iv, t->aad ? aad : NULL,
						    aad_len, buf, pl, tag), 0);
		ck_assert_mem_eq(buf, want, pl);
		ck_assert_mem_eq(tag, want + pl, tl);
		ck_assert_int_eq(ike_cipher_decrypt(ci, iv, t->aad ? aad : NULL,
						    aad_len, buf, pl, tag), 0);
		ck_assert_mem_eq(buf, plain, pl);
	}
	memcpy(buf, want, pl);
	tag[0] ^= 0x80;
	ck_assert_int_eq(ike_cipher_decrypt(ci, iv, t->aad ? aad : NULL, aad_len,
					    buf, pl, tag), -EBADMSG);
	ike_cipher_free(ci);
	/* Wrong key length (no salt) is refused. */
	ck_assert_ptr_null(ike_cipher_new(C, t->encr, t->keybits, key, kl - 4));
}
END_TEST

START_TEST(aes_cbc_kat)
{
	/* NIST SP 800-38A F.2.1/F.2.2, first two blocks */
	uint8_t key[16], iv[16], plain[32], want[32], buf[32];
	struct ike_cipher *ci;

	unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	unhex("000102030405060708090a0b0c0d0e0f", iv, 16);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
	      plain, 32);
	unhex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2",
	      want, 32);
	ci = ike_cipher_new(C, IKE_ENCR_AES_CBC, 128, key, 16);
	ck_assert_ptr_nonnull(ci);
	for (int round = 0; round < 2; round++) {
		memcpy(buf, plain, 32);
		ck_assert_int_eq(ike_cipher_encrypt(ci, iv, NULL, 0, buf, 32, NULL), 0);
		ck_assert_mem_eq(buf, want, 32);
		ck_assert_int_eq(ike_cipher_decrypt(ci, iv, NULL, 0, buf, 32, NULL), 0);
		ck_assert_mem_eq(buf, plain, 32);
	}
	/* Not a block multiple. */
	ck_assert_int_eq(ike_cipher_encrypt(ci, iv, NULL, 0, buf, 31, NULL), -EINVAL);
	ike_cipher_free(ci);
}
END_TEST

START_TEST(des3_roundtrip)
{
	uint8_t key[24], iv[8], plain[40], buf[40];
	struct ike_cipher *ci;

	for (int i = 0; i < 24; i++)
		key[i] = (uint8_t)(0x10 + i * 3);
	memset(iv, 0x42, sizeof(iv));
	for (int i = 0; i < 40; i++)
		plain[i] = (uint8_t)i;
	ci = ike_cipher_new(C, IKE_ENCR_3DES, 0, key, 24);
	ck_assert_ptr_nonnull(ci);
	memcpy(buf, plain, 40);
	ck_assert_int_eq(ike_cipher_encrypt(ci, iv, NULL, 0, buf, 40, NULL), 0);
	ck_assert(memcmp(buf, plain, 40) != 0);
	ck_assert_int_eq(ike_cipher_decrypt(ci, iv, NULL, 0, buf, 40, NULL), 0);
	ck_assert_mem_eq(buf, plain, 40);
	ike_cipher_free(ci);
}
END_TEST

START_TEST(chacha_rfc7634)
{
	/* RFC 7634 Appendix B: an INFORMATIONAL request with one notify
	 * (SET_WINDOW_SIZE 10); AAD = IKE header + SK header (32 octets),
	 * plaintext = notify (12) + pad length 0. */
	uint8_t key[36], iv[8], aad[32], plain[13], want[29], buf[13], tag[16];
	struct ike_cipher *ci;

	unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	      "a0a1a2a3", key, sizeof(key));
	unhex("1011121314151617", iv, 8);
	unhex("c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d72e20250000000009000000452900"
	      "0029", aad, sizeof(aad));
	unhex("0000000c000040010000000a00", plain, sizeof(plain));
	unhex("610394701f8d017f7c12924889"
	      "6b71bfe25236efd7cdc670669063 15b2", want, sizeof(want));
	ci = ike_cipher_new(C, IKE_ENCR_CHACHA20_POLY1305, 0, key, 36);
	ck_assert_ptr_nonnull(ci);
	memcpy(buf, plain, 13);
	ck_assert_int_eq(ike_cipher_encrypt(ci, iv, aad, 32, buf, 13, tag), 0);
	ck_assert_mem_eq(buf, want, 13);
	ck_assert_mem_eq(tag, want + 13, 16);
	ck_assert_int_eq(ike_cipher_decrypt(ci, iv, aad, 32, buf, 13, tag), 0);
	ck_assert_mem_eq(buf, plain, 13);
	aad[17] ^= 1;   /* AAD is authenticated */
	memcpy(buf, want, 13);
	ck_assert_int_eq(ike_cipher_decrypt(ci, iv, aad, 32, buf, 13, want + 13),
			 -EBADMSG);
	ike_cipher_free(ci);
}
END_TEST

START_TEST(ct_equal)
{
	uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 3, 4 };

	ck_assert(ike_ct_equal(a, b, 4));
	b[3] = 5;
	ck_assert(!ike_ct_equal(a, b, 4));
	ck_assert(ike_ct_equal(a, b, 3));
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("proto_crypto");
	TCase *tc = tcase_create("prf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, prf_hmac_kat, 0,
			    sizeof(hmac_kats) / sizeof(hmac_kats[0]));
	tcase_add_test(tc, prf_unknown);
	tcase_add_test(tc, prf_hmac_vs_openssl);
	tcase_add_test(tc, prf_plus_kat);
	tcase_add_test(tc, prf_plus_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("integ");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, integ_kat, 0,
			    sizeof(integ_kats) / sizeof(integ_kats[0]));
	tcase_add_test(tc, integ_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("cipher");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, encr_lookup);
	tcase_add_test(tc, suite_check);
	tcase_add_loop_test(tc, gcm_kat, 0, sizeof(gcm_kats) / sizeof(gcm_kats[0]));
	tcase_add_test(tc, aes_cbc_kat);
	tcase_add_test(tc, des3_roundtrip);
	tcase_add_test(tc, chacha_rfc7634);
	tcase_add_test(tc, ct_equal);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(crypto_suite)
