/* Key derivation (RFC 7296 2.14, 2.17, 2.18), PSK AUTH (2.15) and NAT-D
 * (2.23).
 *
 * Expected values were computed once with an independent Python 3 model
 * (hmac, hashlib, ipaddress; prf+ written out from 2.13) from these inputs:
 *   Ni = 32 x 0x11, Nr = 32 x 0x22, SPIi = 0102030405060708,
 *   SPIr = 1112131415161718, g^ir = 256 octets (i * 7 + 3) & 0xff;
 *   SKEYSEED = HMAC(Ni | Nr, g^ir);
 *   KEYMAT   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * rekey: old PRF HMAC-SHA1, old SK_d = 20 x 0x5a, g^ir = 32 x 0x99,
 *   Ni = 16 x 0x33, Nr = 24 x 0x44, SPIs a1..a8 / b1..b8, new PRF SHA-256;
 * child: SK_d of the first SA; PFS g^ir = 32 x 0xc3;
 * AUTH: PSK "ikeswarm test psk", message = 300 octets (i * 13) & 0xff,
 *   nonce = 32 x 0x77, SK_p = 32 x 0x66 (first 20 for SHA-1),
 *   ID body = 02 000000 "client.example.org";
 * NAT-D: SHA1(SPIi | SPIr | addr | port). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "t/unit/thex.h"
#include "proto/auth.h"
#include "proto/crypto.h"
#include "proto/keys.h"
#include "proto/natd.h"

static struct ike_crypto *C;
static uint8_t ni[32], nr[32], gir[256];
static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t spi_r[8] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };

static void setup(void)
{
	C = ike_crypto_new();
	ck_assert_ptr_nonnull(C);
	memset(ni, 0x11, sizeof(ni));
	memset(nr, 0x22, sizeof(nr));
	for (int i = 0; i < 256; i++)
		gir[i] = (uint8_t)(i * 7 + 3);
}

static void teardown(void)
{
	ike_crypto_free(C);
	C = NULL;
}

/* Walk a concatenated KEYMAT: the next `len` octets must equal `key`. */
static void take(const uint8_t *km, size_t *off, const uint8_t *key, size_t len)
{
	ck_assert_mem_eq(km + *off, key, len);
	*off += len;
}

START_TEST(sa_keys_cbc)
{
	struct ike_suite s = { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128,
			       IKE_PRF_HMAC_SHA2_256, IKE_DH_MODP_2048 };
	struct ike_sa_keys k;
	uint8_t seed[32], km[224];
	size_t off = 0;

	unhex("d745524880ee98dd9231ebfecba5eeff12a156ac9d54b1758b697567cb2df371",
	      seed, sizeof(seed));
	ck_assert_uint_eq(unhex(
	      "43472c800d9a5fcaf68485a68c03082767cc87ec98ad5cfa86399abbedb574ed"
	      "13717e11cd04d4db1be36d07b3f263919f0917e3df595af19473c4b2cd01713e"
	      "881c75beb15f30908c6f8ba3aefe557a253cb4bfa0a5efce21425417976703fd"
	      "0daabc139d7c25304759a1494f0dc673c1a4c7f3a50dff38e22d74dbbc9d14f2"
	      "c0e452df30a29cbdc35b8146b82c22a83805ee64fc159d6dbbb5ec90b9d4f249"
	      "7e8aebefaea07ae2aa7e14332a48bbe465b21a389ee12e1e642270aa5a9914df",
	      km, sizeof(km)), 192);
	ck_assert_int_eq(ike_keys_derive(C, &s, ni, 32, nr, 32, spi_i, spi_r,
					 gir, 256, &k), 0);
	ck_assert_uint_eq(k.prf_len, 32);
	ck_assert_uint_eq(k.skeyseed_len, 32);
	ck_assert_uint_eq(k.integ_len, 32);
	ck_assert_uint_eq(k.encr_len, 32);
	ck_assert_mem_eq(k.skeyseed, seed, 32);
	/* Order of 2.14: SK_d SK_ai SK_ar SK_ei SK_er SK_pi SK_pr. */
	take(km, &off, k.sk_d, 32);
	take(km, &off, k.sk_ai, 32);
	take(km, &off, k.sk_ar, 32);
	ck_assert_uint_eq(off, 96);
	/* 192 octets of the vector cover SK_d..SK_er (3*32 + 2*32 = 160)
	 * plus the first 32 of SK_pi. */
	take(km, &off, k.sk_ei, 32);
	take(km, &off, k.sk_er, 32);
	take(km, &off, k.sk_pi, 32);
	ike_sa_keys_wipe(&k);
	ck_assert_uint_eq(k.prf_len, 0);
	ck_assert_uint_eq(k.sk_d[0] | k.sk_pr[31], 0);
}
END_TEST

START_TEST(sa_keys_aead)
{
	/* AES-GCM-16-256 with PRF SHA-384: no SK_a, SK_e = 32 + 4 salt. */
	struct ike_suite s = { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE,
			       IKE_PRF_HMAC_SHA2_384, IKE_DH_ECP_256 };
	struct ike_sa_keys k;
	uint8_t seed[48], km[216];
	size_t off = 0;

	unhex("31443d2c7c46114571d64efd45a0b831fca300cd9f1b4eb58999390b6b720f20"
	      "d2e72e6391a3fa245fc21d53ff2a088e", seed, sizeof(seed));
	ck_assert_uint_eq(unhex(
	      "78dbd446a1bd20c705107e0b65d8a68f0547cc3ff6a96c42429663d656ee7bf0"
	      "df5bf18012f021608bb83a3f67bed0eb334c4c769edfee30786281f456441941"
	      "b71e4b524144ea8f1641e91d1e99316d341548a4630d570480c4e4b86cf9cef2"
	      "fcb4fdd2d1fa87a28b4f0817a9c2dee8066ac900ec2e83a67f8d405ae2932c5b"
	      "ec7567df6d03f38def5ff1fc1eee5c677d6f896b44c3410da5c979cc0bea2093"
	      "978e80c0b72bcc62b9d4f6167cba883f34b2288af48e6cc1f23b447f9882464b"
	      "23db5eb66d6193a3a2c75b4e2f10ff959496ea0b8c898086",
	      km, sizeof(km)), 216);
	ck_assert_int_eq(ike_keys_derive(C, &s, ni, 32, nr, 32, spi_i, spi_r,
					 gir, 256, &k), 0);
	ck_assert_uint_eq(k.integ_len, 0);
	ck_assert_uint_eq(k.encr_len, 36);
	ck_assert_uint_eq(k.prf_len, 48);
	ck_assert_mem_eq(k.skeyseed, seed, 48);
	take(km, &off, k.sk_d, 48);
	take(km, &off, k.sk_ei, 36);
	take(km, &off, k.sk_er, 36);
	take(km, &off, k.sk_pi, 48);
	take(km, &off, k.sk_pr, 48);
	ck_assert_uint_eq(off, 216);
}
END_TEST

START_TEST(sa_keys_bad_suite)
{
	struct ike_suite s = { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_HMAC_SHA1_96,
			       IKE_PRF_HMAC_SHA1, IKE_DH_MODP_2048 };
	struct ike_sa_keys k;

	ck_assert_int_eq(ike_keys_derive(C, &s, ni, 32, nr, 32, spi_i, spi_r,
					 gir, 256, &k), -EINVAL);
	s.integ = IKE_INTEG_NONE;
	s.prf = IKE_PRF_AES128_XCBC;
	ck_assert_int_eq(ike_keys_derive(C, &s, ni, 32, nr, 32, spi_i, spi_r,
					 gir, 256, &k), -ENOTSUP);
	s.prf = IKE_PRF_HMAC_SHA1;
	ck_assert_int_eq(ike_keys_derive(C, &s, ni, 0, nr, 32, spi_i, spi_r,
					 gir, 256, &k), -EINVAL);
	ck_assert_int_eq(ike_keys_derive(C, &s, ni, 32, nr, 32, spi_i, spi_r,
					 gir, 0, &k), -EINVAL);
}
END_TEST

START_TEST(rekey_keys)
{
	/* Old SA: PRF HMAC-SHA1; new SA: AES-CBC-128, HMAC-SHA1-96,
	 * PRF HMAC-SHA2-256.  SKEYSEED has the old PRF's 20 octets. */
	struct ike_suite s = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96,
			       IKE_PRF_HMAC_SHA2_256, IKE_DH_ECP_256 };
	uint8_t old_skd[20], n_i[16], n_r[24], g[32], seed[20], km[168];
	static const uint8_t si[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
	static const uint8_t sr[8] = { 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8 };
	struct ike_sa_keys k;
	size_t off = 0;

	memset(old_skd, 0x5a, sizeof(old_skd));
	memset(n_i, 0x33, sizeof(n_i));
	memset(n_r, 0x44, sizeof(n_r));
	memset(g, 0x99, sizeof(g));
	unhex("e352128463bc71971bdb65a5a010dc05d539f1be", seed, sizeof(seed));
	ck_assert_uint_eq(unhex(
	      "062c46adf0e12f1a9afebc378b2e4cef24fc363cf3cc1ad70851c24a07541fe0"
	      "632dd592b136578b4e8c8698c8ed67e07940d5c39d3702a886da8fb0cb1ce7af"
	      "a858d59ebb715ef663ee9707a98c86af06cb1c0904a5bb2ac1cf9773a76a4469"
	      "48ce5f9c114aa8ac80a2774011deac71d81506cfc14265cac05132d512b41120"
	      "7773bc7572810aa9f4351144aff03b513c9f66ce9005a5abada1e7a2c8626c96"
	      "307fabe652cc6a81", km, sizeof(km)), 168);
	ck_assert_int_eq(ike_keys_derive_rekey(C, IKE_PRF_HMAC_SHA1, old_skd, 20,
					       &s, n_i, 16, n_r, 24, si, sr,
					       g, 32, &k), 0);
	ck_assert_uint_eq(k.skeyseed_len, 20);
	ck_assert_uint_eq(k.prf_len, 32);
	ck_assert_mem_eq(k.skeyseed, seed, 20);
	take(km, &off, k.sk_d, 32);
	take(km, &off, k.sk_ai, 20);
	take(km, &off, k.sk_ar, 20);
	take(km, &off, k.sk_ei, 16);
	take(km, &off, k.sk_er, 16);
	take(km, &off, k.sk_pi, 32);
	take(km, &off, k.sk_pr, 32);
	ck_assert_uint_eq(off, 168);
}
END_TEST

START_TEST(child_keys)
{
	struct ike_suite ike = { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128,
				 IKE_PRF_HMAC_SHA2_256, IKE_DH_MODP_2048 };
	struct ike_suite gcm = { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0, 0 };
	struct ike_suite cbc = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 0, 0 };
	struct ike_sa_keys k;
	struct ike_child_keys ck;
	uint8_t km[72], pfs[32];
	size_t off = 0;

	ck_assert_int_eq(ike_keys_derive(C, &ike, ni, 32, nr, 32, spi_i, spi_r,
					 gir, 256, &k), 0);
	/* No PFS: KEYMAT = prf+(SK_d, Ni | Nr); AEAD keys carry the salt. */
	unhex("00b279f0ba559833b2c669ec210ddbcad655f61ac9fb6d1ae16bf515b29c15d5"
	      "41b98a6a5d03269c", km, sizeof(km));
	ck_assert_int_eq(ike_keys_child(C, IKE_PRF_HMAC_SHA2_256, k.sk_d,
					k.prf_len, &gcm, NULL, 0, ni, 32, nr, 32,
					&ck), 0);
	ck_assert_uint_eq(ck.encr_len, 20);
	ck_assert_uint_eq(ck.integ_len, 0);
	take(km, &off, ck.encr_i, 20);
	take(km, &off, ck.encr_r, 20);

	/* PFS: KEYMAT = prf+(SK_d, g^ir | Ni | Nr), ei ai er ar. */
	memset(pfs, 0xc3, sizeof(pfs));
	unhex("bd66b25e0bbded695c0ab2ce9265d7bc1f1f9e3e8962270534657134e26160b3"
	      "886047f4adf419ddc160862ba7de06e14703d933662a7057287c2077ea752c16"
	      "5cbecc825d8c6f83", km, sizeof(km));
	ck_assert_int_eq(ike_keys_child(C, IKE_PRF_HMAC_SHA2_256, k.sk_d,
					k.prf_len, &cbc, pfs, 32, ni, 32, nr, 32,
					&ck), 0);
	ck_assert_uint_eq(ck.encr_len, 16);
	ck_assert_uint_eq(ck.integ_len, 20);
	off = 0;
	take(km, &off, ck.encr_i, 16);
	take(km, &off, ck.integ_i, 20);
	take(km, &off, ck.encr_r, 16);
	take(km, &off, ck.integ_r, 20);
	ike_child_keys_wipe(&ck);
	ck_assert_uint_eq(ck.encr_len, 0);

	ck_assert_int_eq(ike_keys_child(C, IKE_PRF_HMAC_SHA2_256, k.sk_d,
					k.prf_len, &cbc, NULL, 0, ni, 0, nr, 32,
					&ck), -EINVAL);
}
END_TEST

/* ---- PSK AUTH ----------------------------------------------------- */

START_TEST(auth_psk)
{
	static const char psk[] = "ikeswarm test psk";
	uint8_t msg[300], nonce[32], skp[32], id[22], want[32], out[IKE_PRF_MAX_LEN];

	for (int i = 0; i < 300; i++)
		msg[i] = (uint8_t)(i * 13);
	memset(nonce, 0x77, sizeof(nonce));
	memset(skp, 0x66, sizeof(skp));
	memcpy(id, "\x02\x00\x00\x00" "client.example.org", 22);

	unhex("4de5ce393ba71c4be88db0bd769ba525a09756d26b87e92a9b7d365740d0abc2",
	      want, 32);
	ck_assert_int_eq(ike_auth_psk(C, IKE_PRF_HMAC_SHA2_256,
				      (const uint8_t *)psk, strlen(psk), msg, 300,
				      nonce, 32, skp, 32, id, 22, out), 32);
	ck_assert_mem_eq(out, want, 32);
	ck_assert_int_eq(ike_auth_psk_verify(C, IKE_PRF_HMAC_SHA2_256,
					     (const uint8_t *)psk, strlen(psk),
					     msg, 300, nonce, 32, skp, 32, id, 22,
					     want, 32), 0);
	/* Wrong PSK, wrong length, altered message: all refused. */
	ck_assert_int_eq(ike_auth_psk_verify(C, IKE_PRF_HMAC_SHA2_256,
					     (const uint8_t *)"other", 5, msg, 300,
					     nonce, 32, skp, 32, id, 22, want, 32),
			 -EBADMSG);
	ck_assert_int_eq(ike_auth_psk_verify(C, IKE_PRF_HMAC_SHA2_256,
					     (const uint8_t *)psk, strlen(psk),
					     msg, 300, nonce, 32, skp, 32, id, 22,
					     want, 31), -EBADMSG);
	msg[7] ^= 1;
	ck_assert_int_eq(ike_auth_psk_verify(C, IKE_PRF_HMAC_SHA2_256,
					     (const uint8_t *)psk, strlen(psk),
					     msg, 300, nonce, 32, skp, 32, id, 22,
					     want, 32), -EBADMSG);
	msg[7] ^= 1;

	unhex("db8fb1f8866f55241561d5f9ec76279c59ecb255", want, 20);
	ck_assert_int_eq(ike_auth_psk(C, IKE_PRF_HMAC_SHA1,
				      (const uint8_t *)psk, strlen(psk), msg, 300,
				      nonce, 32, skp, 20, id, 22, out), 20);
	ck_assert_mem_eq(out, want, 20);
}
END_TEST

/* The cache keeps the last prf(PSK, "Key Pad for IKEv2") (auth.c): AUTH
 * values with PSKs and PRFs switching, a PSK that is a prefix of another
 * and one too long to be kept all equal those of a fresh cache. */
START_TEST(auth_psk_cached)
{
	static uint8_t long_psk[300];
	static const struct { const char *psk; size_t len; uint16_t prf; } seq[] = {
		{ "ikeswarm test psk", 17, IKE_PRF_HMAC_SHA2_256 },
		{ "ikeswarm test psk", 17, IKE_PRF_HMAC_SHA2_256 },
		{ "ikeswarm test psK", 17, IKE_PRF_HMAC_SHA2_256 },
		{ "ikeswarm test ps", 16, IKE_PRF_HMAC_SHA2_256 },
		{ "ikeswarm test psk", 17, IKE_PRF_HMAC_SHA1 },
		{ "ikeswarm test psk", 17, IKE_PRF_HMAC_SHA2_256 },
		{ NULL, sizeof(long_psk), IKE_PRF_HMAC_SHA2_256 },
		{ NULL, sizeof(long_psk), IKE_PRF_HMAC_SHA2_256 },
		{ "ikeswarm test psk", 17, IKE_PRF_HMAC_SHA2_512 },
		{ "ikeswarm test psk", 17, IKE_PRF_HMAC_SHA2_256 },
	};
	uint8_t msg[64], nonce[32], skp[64], id[8] = { 1, 0, 0, 0, 10, 0, 0, 1 };
	uint8_t got[IKE_PRF_MAX_LEN], want[IKE_PRF_MAX_LEN];

	memset(long_psk, 0xa5, sizeof(long_psk));
	memset(msg, 0x3c, sizeof(msg));
	memset(nonce, 0x77, sizeof(nonce));
	memset(skp, 0x66, sizeof(skp));
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		const uint8_t *psk = seq[i].psk ? (const uint8_t *)seq[i].psk : long_psk;
		struct ike_crypto *fresh = ike_crypto_new();
		int n, m;

		ck_assert_ptr_nonnull(fresh);
		n = ike_auth_psk(C, seq[i].prf, psk, seq[i].len, msg, sizeof(msg),
				 nonce, sizeof(nonce), skp, 32, id, sizeof(id), got);
		m = ike_auth_psk(fresh, seq[i].prf, psk, seq[i].len, msg, sizeof(msg),
				 nonce, sizeof(nonce), skp, 32, id, sizeof(id), want);
		ike_crypto_free(fresh);
		ck_assert_int_gt(m, 0);
		ck_assert_int_eq(n, m);
		ck_assert_mem_eq(got, want, (size_t)m);
		msg[0]++;   /* a different message each time, too */
	}
}
END_TEST

/* ---- NAT-D --------------------------------------------------------- */

START_TEST(natd)
{
	uint8_t want[20], out[20], zero[8] = { 0 };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(500) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(4500) };

	inet_pton(AF_INET, "192.0.2.1", &s4.sin_addr);
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	unhex("d798d986143f878f70765e0e869c80bbc375f701", want, 20);
	ck_assert_int_eq(ike_natd_hash(C, spi_i, spi_r,
				       (struct sockaddr *)&s4, out), 0);
	ck_assert_mem_eq(out, want, 20);
	ck_assert_int_eq(ike_natd_hash_raw(C, spi_i, spi_r,
					   (const uint8_t *)&s4.sin_addr, 4, 500,
					   out), 0);
	ck_assert_mem_eq(out, want, 20);
	/* IKE_SA_INIT request: SPIr zero. */
	unhex("98c75483db80168697635aa7844504963e87de33", want, 20);
	ck_assert_int_eq(ike_natd_hash(C, spi_i, zero,
				       (struct sockaddr *)&s6, out), 0);
	ck_assert_mem_eq(out, want, 20);
	s6.sin6_port = htons(4501);
	ck_assert_int_eq(ike_natd_hash(C, spi_i, zero,
				       (struct sockaddr *)&s6, out), 0);
	ck_assert(memcmp(out, want, 20) != 0);
	s6.sin6_family = AF_UNIX;
	ck_assert_int_eq(ike_natd_hash(C, spi_i, zero,
				       (struct sockaddr *)&s6, out), -EAFNOSUPPORT);
}
END_TEST

static Suite *keys_suite(void)
{
	Suite *s = suite_create("proto_keys");
	TCase *tc = tcase_create("derive");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sa_keys_cbc);
	tcase_add_test(tc, sa_keys_aead);
	tcase_add_test(tc, sa_keys_bad_suite);
	tcase_add_test(tc, rekey_keys);
	tcase_add_test(tc, child_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth_natd");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, auth_psk);
	tcase_add_test(tc, auth_psk_cached);
	tcase_add_test(tc, natd);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(keys_suite)
