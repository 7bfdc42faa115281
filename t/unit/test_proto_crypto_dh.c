/* DH groups: RFC 5903 section 8 (ECP 19/20/21), RFC 7748 sections 5.2 and
 * 6.1 (X25519, group 31), MODP groups 1 2 5 14-18 by two-party agreement
 * plus peer-value range checks against the RFC 2409/3526 primes (taken from
 * OpenSSL's BN_get_rfc* constants, independent of the named groups the
 * code uses). */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bn.h>

#include "t/unit/tcheck.h"
#include "t/unit/thex.h"
#include "proto/crypto.h"
#include "proto/crypto_dh.h"
#include "proto/crypto_int.h"

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

/* ---- RFC 5903 section 8 ------------------------------------------- */

struct ecp_kat {
	uint16_t group;
	const char *i, *gix, *giy, *r, *grx, *gry, *girx;
};

static const struct ecp_kat ecp_kats[] = {
	{ IKE_DH_ECP_256,   /* 8.1 */
	  "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
	  "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
	  "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
	  "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
	  "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
	  "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
	  "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE" },
	{ IKE_DH_ECP_384,   /* 8.2 */
	  "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	  "E35B538041E649EE3FAEF896783AB194",
	  "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	  "DE3AC808ACB4BDB4C88732AEE95F41AA",
	  "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
	  "EB9FCFF3C2C947DAE69B4C634573A81C",
	  "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	  "E0308312916B8ED2960E4BD55A7448FC",
	  "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	  "0D1AC43A0336DEF96FDA41D0774A3571",
	  "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
	  "F83FA40142209DFF5EAAD96DB9E6386C",
	  "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	  "D603135569B9E9D09CF5D4A270F59746" },
	{ IKE_DH_ECP_521,   /* 8.3 */
	  "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A0"
	  "95AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D"
	  "4A52",
	  "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBE"
	  "E1E3BF42E00B8E380AEAE57C2D107564941885942AF5A7F4601723C4195D176C"
	  "ED3E",
	  "017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10A"
	  "D8A788015AC405D7799DC75E7B7D5B6CF2261A6A7F1507438BF01BEB6CA3926F"
	  "9582",
	  "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E"
	  "9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB15168"
	  "5EB9",
	  "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A21"
	  "9B97C356436ADC6E95BB0352F6BE64A6C2912D4EF2D0433CED2B6171640012D9"
	  "460F",
	  "015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87"
	  "220B6536C5C408A1D2AEBB8E86D678AE49CB57091F4732296579AB44FCD17F0F"
	  "C56A",
	  "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04"
	  "D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3"
	  "DDEA" },
};

START_TEST(ecp_rfc5903)
{
	const struct ecp_kat *t = &ecp_kats[_i];
	uint8_t i[66], r[66], gi[132], gr[132], girx[66], out[200];
	size_t il = unhex(t->i, i, sizeof(i)), rl = unhex(t->r, r, sizeof(r));
	size_t fl = unhex(t->gix, gi, sizeof(gi)), len;
	struct ike_dh *a, *b;

	unhex(t->giy, gi + fl, sizeof(gi) - fl);
	unhex(t->grx, gr, sizeof(gr));
	unhex(t->gry, gr + fl, sizeof(gr) - fl);
	ck_assert_uint_eq(unhex(t->girx, girx, sizeof(girx)), fl);
	ck_assert_uint_eq(ike_dh_ke_len(t->group), 2 * fl);
	ck_assert_uint_eq(ike_dh_secret_len(t->group), fl);

	a = ike_dh_new_private(C, t->group, i, il);
	b = ike_dh_new_private(C, t->group, r, rl);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(ike_dh_group(a), t->group);

	/* KE data = gx | gy, no 0x04 prefix (RFC 5903 section 7). */
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_public(a, out, &len), 0);
	ck_assert_uint_eq(len, 2 * fl);
	ck_assert_mem_eq(out, gi, 2 * fl);
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_public(b, out, &len), 0);
	ck_assert_mem_eq(out, gr, 2 * fl);

	/* g^ir = x coordinate of the shared point (RFC 5903 section 9). */
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_shared(a, gr, 2 * fl, out, &len), 0);
	ck_assert_uint_eq(len, fl);
	ck_assert_mem_eq(out, girx, fl);
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_shared(b, gi, 2 * fl, out, &len), 0);
	ck_assert_mem_eq(out, girx, fl);

	/* Bad peer values: off the curve, short, with the 0x04 prefix,
	 * all zero (not a point). */
	gr[2 * fl - 1] ^= 1;
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_shared(a, gr, 2 * fl, out, &len), -EINVAL);
	gr[2 * fl - 1] ^= 1;
	ck_assert_int_eq(ike_dh_shared(a, gr, 2 * fl - 1, out, &len), -EINVAL);
	out[0] = 0x04;
	memcpy(out + 1, gr, 2 * fl);
	ck_assert_int_eq(ike_dh_shared(a, out, 2 * fl + 1, out, &len), -EINVAL);
	memset(gr, 0, sizeof(gr));
	ck_assert_int_eq(ike_dh_shared(a, gr, 2 * fl, out, &len), -EINVAL);
	/* Output buffer too small. */
	len = fl - 1;
	ck_assert_int_eq(ike_dh_shared(b, gi, 2 * fl, out, &len), -ENOBUFS);
	len = 2 * fl - 1;
	ck_assert_int_eq(ike_dh_public(a, out, &len), -ENOBUFS);

	ike_dh_free(a);
	ike_dh_free(b);
}
END_TEST

/* ---- RFC 7748 ------------------------------------------------------ */

START_TEST(x25519_rfc7748_5_2)
{
	static const char *const v[][3] = {   /* scalar, u, output */
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};

	for (size_t n = 0; n < 2; n++) {
		uint8_t k[32], u[32], want[32], out[32];
		size_t len = sizeof(out);
		struct ike_dh *dh;

		unhex(v[n][0], k, 32);
		unhex(v[n][1], u, 32);
		unhex(v[n][2], want, 32);
		dh = ike_dh_new_private(C, IKE_DH_CURVE25519, k, 32);
		ck_assert_ptr_nonnull(dh);
		ck_assert_int_eq(ike_dh_shared(dh, u, 32, out, &len), 0);
		ck_assert_uint_eq(len, 32);
		ck_assert_mem_eq(out, want, 32);
		ike_dh_free(dh);
	}
}
END_TEST

/* RFC 7748 6.1: Alice's and Bob's private and public values, and K. */
static void rfc7748_6_1(uint8_t ak[32], uint8_t apub[32], uint8_t bk[32], uint8_t bpub[32],
			uint8_t k[32])
{
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	      ak, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	      apub, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	      bk, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	      bpub, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
	      k, 32);
}

START_TEST(x25519_rfc7748_6_1)
{
	uint8_t ak[32], bk[32], apub[32], bpub[32], k[32], out[32];
	size_t len;
	struct ike_dh *a, *b;

	rfc7748_6_1(ak, apub, bk, bpub, k);
	a = ike_dh_new_private(C, IKE_DH_CURVE25519, ak, 32);
	b = ike_dh_new_private(C, IKE_DH_CURVE25519, bk, 32);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_public(a, out, &len), 0);
	ck_assert_uint_eq(len, 32);
	ck_assert_mem_eq(out, apub, 32);
	ck_assert_int_eq(ike_dh_public(b, out, &len), 0);
	ck_assert_mem_eq(out, bpub, 32);
	ck_assert_int_eq(ike_dh_shared(a, bpub, 32, out, &len), 0);
	ck_assert_mem_eq(out, k, 32);
	ck_assert_int_eq(ike_dh_shared(b, apub, 32, out, &len), 0);
	ck_assert_mem_eq(out, k, 32);

	/* RFC 8031 2.3: a low-order point gives an all-zero secret: refused. */
	memset(out, 0, sizeof(out));
	len = sizeof(k);
	ck_assert_int_eq(ike_dh_shared(a, out, 32, k, &len), -EINVAL);
	ck_assert_int_eq(ike_dh_shared(a, bpub, 31, k, &len), -EINVAL);
	ike_dh_free(a);
	ike_dh_free(b);
}
END_TEST

/* Freed X25519 pairs are pooled per cache and the next key is imported
 * into one: the new key must be used whole (RFC 7748 6.1 values), never
 * the pooled one's, over more frees than the pool holds. */
START_TEST(x25519_pool_reuse)
{
	uint8_t ak[32], bk[32], apub[32], bpub[32], k[32], out[32];
	struct ike_dh *many[IKE_X25519_POOL + 8];
	size_t len;
	struct ike_dh *a, *b;

	rfc7748_6_1(ak, apub, bk, bpub, k);
	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++) {
		many[i] = ike_dh_new(C, IKE_DH_CURVE25519);
		ck_assert_ptr_nonnull(many[i]);
	}
	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		ike_dh_free(many[i]);
	ck_assert_uint_eq(C->shared->x25519_pooled, IKE_X25519_POOL);

	/* a takes a pooled pair; used, freed back, b takes that same pair. */
	a = ike_dh_new_private(C, IKE_DH_CURVE25519, ak, 32);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(C->shared->x25519_pooled, IKE_X25519_POOL - 1);
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_public(a, out, &len), 0);
	ck_assert_mem_eq(out, apub, 32);
	ck_assert_int_eq(ike_dh_shared(a, bpub, 32, out, &len), 0);
	ck_assert_mem_eq(out, k, 32);
	ike_dh_free(a);
	b = ike_dh_new_private(C, IKE_DH_CURVE25519, bk, 32);
	ck_assert_ptr_nonnull(b);
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_public(b, out, &len), 0);
	ck_assert_mem_eq(out, bpub, 32);
	ck_assert_int_eq(ike_dh_shared(b, apub, 32, out, &len), 0);
	ck_assert_mem_eq(out, k, 32);
	/* A refused peer value leaves the pair usable for the next key. */
	memset(out, 0, sizeof(out));
	len = sizeof(k);
	ck_assert_int_eq(ike_dh_shared(b, out, 32, out, &len), -EINVAL);
	ike_dh_free(b);
	a = ike_dh_new_private(C, IKE_DH_CURVE25519, ak, 32);
	ck_assert_ptr_nonnull(a);
	len = sizeof(out);
	ck_assert_int_eq(ike_dh_shared(a, bpub, 32, out, &len), 0);
	ck_assert_mem_eq(out, k, 32);
	ike_dh_free(a);
}
END_TEST

/* ---- MODP ----------------------------------------------------------- */

static const struct {
	uint16_t group;
	BIGNUM *(*prime)(BIGNUM *);
	size_t len;
} modp[] = {
	{ IKE_DH_MODP_768,  BN_get_rfc2409_prime_768,  96 },
	{ IKE_DH_MODP_1024, BN_get_rfc2409_prime_1024, 128 },
	{ IKE_DH_MODP_1536, BN_get_rfc3526_prime_1536, 192 },
	{ IKE_DH_MODP_2048, BN_get_rfc3526_prime_2048, 256 },
	{ IKE_DH_MODP_3072, BN_get_rfc3526_prime_3072, 384 },
	{ IKE_DH_MODP_4096, BN_get_rfc3526_prime_4096, 512 },
	{ IKE_DH_MODP_6144, BN_get_rfc3526_prime_6144, 768 },
	{ IKE_DH_MODP_8192, BN_get_rfc3526_prime_8192, 1024 },
};

/* y = p + delta (delta small, may be negative) as ke_len octets. */
static void p_plus(BIGNUM *p, long delta, uint8_t *out, size_t len)
{
	BIGNUM *y = BN_dup(p);

	ck_assert_ptr_nonnull(y);
	if (delta < 0)
		ck_assert(BN_sub_word(y, (BN_ULONG)-delta));
	else
		ck_assert(BN_add_word(y, (BN_ULONG)delta));
	ck_assert_int_eq(BN_bn2binpad(y, out, (int)len), (int)len);
	BN_free(y);
}

START_TEST(modp_agreement)
{
	size_t plen = modp[_i].len, len1, len2;
	uint16_t g = modp[_i].group;
	static uint8_t pa[1024], pb[1024], s1[1025], s2[1025], y[1024];
	struct ike_dh *a, *b;
	BIGNUM *p = modp[_i].prime(NULL);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(ike_dh_ke_len(g), plen);
	ck_assert_uint_eq(ike_dh_secret_len(g), plen);
	a = ike_dh_new(C, g);
	b = ike_dh_new(C, g);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	len1 = sizeof(pa);
	len2 = sizeof(pb);
	ck_assert_int_eq(ike_dh_public(a, pa, &len1), 0);
	ck_assert_int_eq(ike_dh_public(b, pb, &len2), 0);
	ck_assert_uint_eq(len1, plen);
	ck_assert_uint_eq(len2, plen);
	ck_assert(memcmp(pa, pb, plen) != 0);

	len1 = sizeof(s1);
	len2 = sizeof(s2);
	ck_assert_int_eq(ike_dh_shared(a, pb, plen, s1, &len1), 0);
	ck_assert_int_eq(ike_dh_shared(b, pa, plen, s2, &len2), 0);
	ck_assert_uint_eq(len1, plen);   /* left-padded to the prime length */
	ck_assert_uint_eq(len2, plen);
	ck_assert_mem_eq(s1, s2, plen);

	/* Peer range 1 < y < p - 1 against the RFC prime. */
	memset(y, 0, plen);
	ck_assert_int_eq(ike_dh_shared(a, y, plen, s1, &len1), -EINVAL);
	y[plen - 1] = 1;
	ck_assert_int_eq(ike_dh_shared(a, y, plen, s1, &len1), -EINVAL);
	y[plen - 1] = 2;
	len1 = sizeof(s1);
	ck_assert_int_eq(ike_dh_shared(a, y, plen, s1, &len1), 0);
	p_plus(p, -1, y, plen);
	ck_assert_int_eq(ike_dh_shared(a, y, plen, s1, &len1), -EINVAL);
	p_plus(p, 0, y, plen);
	ck_assert_int_eq(ike_dh_shared(a, y, plen, s1, &len1), -EINVAL);
	memset(y, 0xff, plen);
	ck_assert_int_eq(ike_dh_shared(a, y, plen, s1, &len1), -EINVAL);
	p_plus(p, -2, y, plen);
	len1 = sizeof(s1);
	ck_assert_int_eq(ike_dh_shared(a, y, plen, s1, &len1), 0);
	ck_assert_int_eq(ike_dh_shared(a, pb, plen - 1, s1, &len1), -EINVAL);

	BN_free(p);
	ike_dh_free(a);
	ike_dh_free(b);
}
END_TEST

START_TEST(modp_from_private)
{
	/* g^x for x = 2 is 4: checks the private-key path and padding. */
	uint8_t x[1] = { 2 }, pub[256];
	size_t len = sizeof(pub);
	struct ike_dh *dh = ike_dh_new_private(C, IKE_DH_MODP_2048, x, 1);

	ck_assert_ptr_nonnull(dh);
	ck_assert_int_eq(ike_dh_public(dh, pub, &len), 0);
	ck_assert_uint_eq(len, 256);
	for (int i = 0; i < 255; i++)
		ck_assert_uint_eq(pub[i], 0);
	ck_assert_uint_eq(pub[255], 4);
	ike_dh_free(dh);
}
END_TEST

START_TEST(fresh_keys_differ)
{
	static const uint16_t groups[] = { IKE_DH_ECP_256, IKE_DH_CURVE25519,
					   IKE_DH_MODP_1024 };

	for (size_t i = 0; i < 3; i++) {
		struct ike_dh *a = ike_dh_new(C, groups[i]);
		struct ike_dh *b = ike_dh_new(C, groups[i]);
		size_t la, lb;
		const uint8_t *pa = ike_dh_public_ref(a, &la);
		const uint8_t *pb = ike_dh_public_ref(b, &lb);

		ck_assert_uint_eq(la, ike_dh_ke_len(groups[i]));
		ck_assert_uint_eq(la, lb);
		ck_assert(memcmp(pa, pb, la) != 0);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}
END_TEST

/* X25519 private values come from a per-cache pool of 32: over two
 * refills every public value differs, and a forked child refills its own
 * instead of handing out its parent's next key. */
START_TEST(x25519_priv_pool)
{
	enum { KEYS = 70 };
	static uint8_t pubs[KEYS][32];
	uint8_t child_pub[32];
	int fds[2];
	pid_t pid;
	int status;

	for (int i = 0; i < KEYS; i++) {
		struct ike_dh *dh = ike_dh_new(C, IKE_DH_CURVE25519);
		size_t len;

		ck_assert_ptr_nonnull(dh);
		memcpy(pubs[i], ike_dh_public_ref(dh, &len), 32);
		ike_dh_free(dh);
		for (int j = 0; j < i; j++)
			ck_assert(memcmp(pubs[i], pubs[j], 32) != 0);
	}
	ck_assert_uint_gt(C->shared->x25519_priv_left, 0);   /* mid-pool */
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct ike_dh *dh = ike_dh_new(C, IKE_DH_CURVE25519);
		size_t len;

		if (!dh || write(fds[1], ike_dh_public_ref(dh, &len), 32) != 32)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], child_pub, 32), 32);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	{
		struct ike_dh *dh = ike_dh_new(C, IKE_DH_CURVE25519);
		size_t len;

		ck_assert_ptr_nonnull(dh);
		ck_assert(memcmp(ike_dh_public_ref(dh, &len), child_pub, 32) != 0);
		ike_dh_free(dh);
	}
}
END_TEST

/* The peer key shell is one per group and cache (crypto_dh.c peer_shell):
 * derives of different key pairs interleaved, and a refused peer value in
 * between, still give each pair its own agreement. */
START_TEST(shared_peer_interleaved)
{
	static const uint16_t groups[] = { IKE_DH_CURVE25519, IKE_DH_ECP_256,
					   IKE_DH_MODP_1024 };
	uint8_t bad[128] = { 0 }, ab[128], ba[128], ca[128], ac[128];
	size_t len, klen;

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct ike_dh *a = ike_dh_new(C, groups[i]);
		struct ike_dh *b = ike_dh_new(C, groups[i]);
		struct ike_dh *c = ike_dh_new(C, groups[i]);
		const uint8_t *pa, *pb, *pc;
		size_t slen = ike_dh_secret_len(groups[i]);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_ptr_nonnull(c);
		pa = ike_dh_public_ref(a, &klen);
		pb = ike_dh_public_ref(b, &klen);
		pc = ike_dh_public_ref(c, &klen);
		ck_assert_uint_le(klen, sizeof(bad));
		len = sizeof(ab);
		ck_assert_int_eq(ike_dh_shared(a, pb, klen, ab, &len), 0);
		len = sizeof(ca);
		ck_assert_int_eq(ike_dh_shared(c, pa, klen, ca, &len), 0);
		/* All-zero: X25519 low order, ECP off the curve, MODP y = 0. */
		len = sizeof(ba);
		ck_assert_int_eq(ike_dh_shared(b, bad, klen, ba, &len), -EINVAL);
		len = sizeof(ba);
		ck_assert_int_eq(ike_dh_shared(b, pa, klen, ba, &len), 0);
		ck_assert_uint_eq(len, slen);
		ck_assert_mem_eq(ab, ba, slen);
		len = sizeof(ac);
		ck_assert_int_eq(ike_dh_shared(a, pc, klen, ac, &len), 0);
		ck_assert_mem_eq(ac, ca, slen);
		ck_assert(memcmp(ab, ac, slen) != 0);
		ike_dh_free(b);   /* a's context still works after b is gone */
		len = sizeof(ab);
		ck_assert_int_eq(ike_dh_shared(a, pc, klen, ab, &len), 0);
		ck_assert_mem_eq(ab, ca, slen);
		ike_dh_free(a);
		ike_dh_free(c);
	}
}
END_TEST

START_TEST(unsupported_groups)
{
	static const uint16_t bad[] = { 0, 3, 4, 22, 23, 24, 25, 26, 32, 999 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_uint_eq(ike_dh_ke_len(bad[i]), 0);
		ck_assert(!ike_dh_supported(bad[i]));
		ck_assert_ptr_null(ike_dh_new(C, bad[i]));
	}
	ike_dh_free(NULL);
}
END_TEST

/* Short private exponents (RFC 3526 section 8, SP 800-56A: twice the
 * group's strength): OpenSSL's named MODP groups draw 225 bits for 2048
 * (strength 112) and 325 for 4096 (152), our explicit groups 1 and 2 take
 * 160; a full-length exponent would cost about 9x per keygen and derive.
 * Lower bounds: an exponent below them has probability under 2^-24. */
START_TEST(modp_short_exponent)
{
	static const struct { uint16_t group; int lo, hi; } want[] = {
		{ IKE_DH_MODP_1024, 136, 160 },
		{ IKE_DH_MODP_2048, 201, 225 },
		{ IKE_DH_MODP_4096, 301, 325 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		for (int n = 0; n < 4; n++) {
			struct ike_dh *dh = ike_dh_new(C, want[i].group);
			int bits;

			ck_assert_ptr_nonnull(dh);
			bits = ike_dh_priv_bits(dh);
			ck_assert_int_ge(bits, want[i].lo);
			ck_assert_int_le(bits, want[i].hi);
			ike_dh_free(dh);
		}
	}
}
END_TEST

/* The cache makes a group's template on first use only (a worker paid
 * ~11 M instructions at start making every group's and fetching every
 * cipher): a fresh cache holds none, a key of group 31 makes only
 * X25519's, and a second key reuses it. */
START_TEST(templates_on_first_use)
{
	const struct ike_shared_ctx *sh = C->shared;
	struct ike_dh *a, *b;
	EVP_PKEY *made;

	for (int i = 0; i < DHI_COUNT; i++)
		ck_assert_ptr_null(sh->dh_tmpl[i]);
	for (int i = 0; i < CI_COUNT; i++)
		ck_assert_ptr_null(sh->cipher_alg[i]);
	ck_assert_ptr_null(sh->x25519_import);
	a = ike_dh_new(C, IKE_DH_CURVE25519);
	ck_assert_ptr_nonnull(a);
	made = sh->dh_tmpl[DHI_X25519];
	ck_assert_ptr_nonnull(made);
	ck_assert_ptr_nonnull(sh->x25519_import);
	for (int i = 0; i < DHI_COUNT; i++)
		if (i != DHI_X25519)
			ck_assert_ptr_null(sh->dh_tmpl[i]);
	b = ike_dh_new(C, IKE_DH_CURVE25519);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_eq(sh->dh_tmpl[DHI_X25519], made);
	ike_dh_free(a);
	ike_dh_free(b);
	a = ike_dh_new(C, IKE_DH_MODP_2048);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(sh->dh_tmpl[DHI_MODP_2048]);
	ck_assert_ptr_nonnull(sh->modp_pm1[DHI_MODP_2048]);
	ck_assert_ptr_null(sh->dh_tmpl[DHI_MODP_3072]);
	ike_dh_free(a);
}
END_TEST

/* ike_crypto_prepare makes exactly the named group's template and
 * cipher (what a worker's setup uses), and says when one is unknown. */
START_TEST(prepare_makes_only_the_named)
{
	const struct ike_shared_ctx *sh = C->shared;

	ck_assert_int_eq(ike_crypto_prepare(C, IKE_DH_CURVE25519, IKE_ENCR_AES_CBC, 128), 0);
	for (int i = 0; i < DHI_COUNT; i++)
		ck_assert(!sh->dh_tmpl[i] == (i != DHI_X25519));
	for (int i = 0; i < CI_COUNT; i++)
		ck_assert(!sh->cipher_alg[i] == (i != CI_AES128_CBC));
	ck_assert_int_eq(ike_crypto_prepare(C, 0, 0, 0), 0);
	ck_assert_int_eq(ike_crypto_prepare(C, 3, 0, 0), -ENOTSUP);
	ck_assert_int_eq(ike_crypto_prepare(C, 0, IKE_ENCR_AES_CBC, 100), -ENOTSUP);
}
END_TEST

static Suite *dh_suite(void)
{
	Suite *s = suite_create("proto_crypto_dh");
	TCase *tc = tcase_create("ecp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, ecp_rfc5903, 0,
			    sizeof(ecp_kats) / sizeof(ecp_kats[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("x25519");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, x25519_rfc7748_5_2);
	tcase_add_test(tc, x25519_rfc7748_6_1);
	tcase_add_test(tc, x25519_pool_reuse);
	tcase_add_test(tc, x25519_priv_pool);
	tcase_add_test(tc, templates_on_first_use);
	tcase_add_test(tc, prepare_makes_only_the_named);
	suite_add_tcase(s, tc);

	tc = tcase_create("modp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, modp_agreement, 0, sizeof(modp) / sizeof(modp[0]));
	tcase_add_test(tc, modp_from_private);
	tcase_add_test(tc, modp_short_exponent);
	tcase_add_test(tc, fresh_keys_differ);
	tcase_add_test(tc, shared_peer_interleaved);
	tcase_add_test(tc, unsupported_groups);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(dh_suite)
