/* SKEYSEED, SK_* and CHILD SA KEYMAT (RFC 7296 2.14, 2.17, 2.18). */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "proto/crypto_prf.h"
#include "proto/keys.h"

/* Largest prf+ output: 3 * 64 (SK_d, SK_pi, SK_pr) + 2 * 64 + 2 * 36. */
#define SA_KEYMAT_MAX (3 * IKE_PRF_MAX_LEN + 2 * IKE_INTEG_MAX_KEY + \
		       2 * IKE_ENCR_MAX_KEY)
#define CHILD_KEYMAT_MAX (2 * IKE_INTEG_MAX_KEY + 2 * IKE_ENCR_MAX_KEY)

/* Lengths of SK_a and SK_e (with salt) for an encr/integ pair. */
static int key_lengths(const struct ike_suite *s, size_t *encr_len,
		       size_t *integ_len)
{
	struct ike_encr_info ei;
	struct ike_integ_info ii;
	int rc = ike_encr_lookup(s->encr, s->encr_keybits, &ei);

	if (rc)
		return rc;
	*encr_len = (size_t)ei.key_len + ei.salt_len;
	*integ_len = 0;
	if (ei.aead)
		return s->integ == IKE_INTEG_NONE ? 0 : -EINVAL;
	if (ike_integ_lookup(s->integ, &ii))
		return -ENOTSUP;
	*integ_len = ii.key_len;
	return 0;
}

/* Split prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) into the SK_* keys. */
static int sa_keys_expand(const struct ike_crypto *c, const struct ike_suite *s,
			  const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len,
			  const uint8_t spi_i[8], const uint8_t spi_r[8],
			  struct ike_sa_keys *k)
{
	uint8_t km[SA_KEYMAT_MAX];
	const struct ike_chunk seed[] = {
		{ ni, ni_len }, { nr, nr_len }, { spi_i, 8 }, { spi_r, 8 },
	};
	size_t p = k->prf_len, a = k->integ_len, e = k->encr_len;
	size_t total = 3 * p + 2 * a + 2 * e, off = 0;
	int rc = ike_prf_plus(c, s->prf, k->skeyseed, k->skeyseed_len, seed, 4,
			      km, total);

	if (rc)
		goto out;
	memcpy(k->sk_d, km + off, p), off += p;
	memcpy(k->sk_ai, km + off, a), off += a;
	memcpy(k->sk_ar, km + off, a), off += a;
	memcpy(k->sk_ei, km + off, e), off += e;
	memcpy(k->sk_er, km + off, e), off += e;
	memcpy(k->sk_pi, km + off, p), off += p;
	memcpy(k->sk_pr, km + off, p);
out:
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

/* Common checks and lengths for both IKE SA derivations. */
static int sa_keys_begin(const struct ike_suite *s, size_t ni_len,
			 size_t nr_len, struct ike_sa_keys *k)
{
	struct ike_prf_info pi;
	int rc;

	memset(k, 0, sizeof(*k));
	if (!ni_len || !nr_len || ni_len > IKE_NONCE_MAX || nr_len > IKE_NONCE_MAX)
		return -EINVAL;
	rc = ike_prf_lookup(s->prf, &pi);
	if (rc)
		return rc;
	rc = key_lengths(s, &k->encr_len, &k->integ_len);
	if (rc)
		return rc;
	k->suite = *s;
	k->prf_len = pi.out_len;
	return 0;
}

int ike_keys_derive(const struct ike_crypto *c, const struct ike_suite *s,
		    const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len,
		    const uint8_t spi_i[8], const uint8_t spi_r[8],
		    const uint8_t *gir, size_t gir_len,
		    struct ike_sa_keys *out)
{
	uint8_t nonces[2 * IKE_NONCE_MAX];
	const struct ike_chunk in[] = { { gir, gir_len } };
	int rc = sa_keys_begin(s, ni_len, nr_len, out);

	if (rc)
		return rc;
	if (!gir_len)
		return -EINVAL;
	/* HMAC PRFs take any key length: the key is Ni | Nr whole. */
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	rc = ike_prf(c, s->prf, nonces, ni_len + nr_len, in, 1, out->skeyseed);
	OPENSSL_cleanse(nonces, ni_len + nr_len);
	if (rc > 0) {
		out->skeyseed_len = (size_t)rc;
		rc = sa_keys_expand(c, s, ni, ni_len, nr, nr_len, spi_i, spi_r,
				    out);
	}
	if (rc)
		ike_sa_keys_wipe(out);
	return rc;
}

int ike_keys_derive_rekey(const struct ike_crypto *c, uint16_t old_prf,
			  const uint8_t *old_sk_d, size_t old_sk_d_len,
			  const struct ike_suite *s,
			  const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len,
			  const uint8_t spi_i[8], const uint8_t spi_r[8],
			  const uint8_t *gir, size_t gir_len,
			  struct ike_sa_keys *out)
{
	const struct ike_chunk in[] = {
		{ gir, gir_len }, { ni, ni_len }, { nr, nr_len },
	};
	struct ike_prf_info old;
	int rc = sa_keys_begin(s, ni_len, nr_len, out);

	if (rc)
		return rc;
	if (!gir_len || ike_prf_lookup(old_prf, &old))
		return -EINVAL;
	/* SKEYSEED has the old PRF's length; prf+ keys the new PRF with it
	 * (HMAC: any key length). */
	rc = ike_prf(c, old_prf, old_sk_d, old_sk_d_len, in, 3, out->skeyseed);
	if (rc > 0) {
		out->skeyseed_len = (size_t)rc;
		rc = sa_keys_expand(c, s, ni, ni_len, nr, nr_len, spi_i, spi_r,
				    out);
	}
	if (rc)
		ike_sa_keys_wipe(out);
	return rc;
}

int ike_keys_child(const struct ike_crypto *c, uint16_t prf,
		   const uint8_t *sk_d, size_t sk_d_len,
		   const struct ike_suite *esp,
		   const uint8_t *gir, size_t gir_len,
		   const uint8_t *ni, size_t ni_len,
		   const uint8_t *nr, size_t nr_len,
		   struct ike_child_keys *out)
{
	uint8_t km[CHILD_KEYMAT_MAX];
	const struct ike_chunk seed[] = {
		{ gir, gir ? gir_len : 0 }, { ni, ni_len }, { nr, nr_len },
	};
	size_t e, a, off = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ni_len || !nr_len || !sk_d_len)
		return -EINVAL;
	rc = key_lengths(esp, &e, &a);
	if (rc)
		return rc;
	out->suite = *esp;
	out->encr_len = e;
	out->integ_len = a;
	/* 2.17: initiator->responder encr | integ, then responder->initiator. */
	rc = ike_prf_plus(c, prf, sk_d, sk_d_len, seed, 3, km, 2 * (e + a));
	if (rc)
		goto out;
	memcpy(out->encr_i, km + off, e), off += e;
	memcpy(out->integ_i, km + off, a), off += a;
	memcpy(out->encr_r, km + off, e), off += e;
	memcpy(out->integ_r, km + off, a);
out:
	OPENSSL_cleanse(km, sizeof(km));
	if (rc)
		ike_child_keys_wipe(out);
	return rc;
}

void ike_sa_keys_wipe(struct ike_sa_keys *k)
{
	if (k)
		OPENSSL_cleanse(k, sizeof(*k));
}

void ike_child_keys_wipe(struct ike_child_keys *k)
{
	if (k)
		OPENSSL_cleanse(k, sizeof(*k));
}
