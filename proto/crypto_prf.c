/* PRF and prf+ (RFC 7296 2.13) on the cache's shared HMAC context per
 * digest, keyed per call (a context dup and free per call cost about as
 * much as the HMAC of a short input). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>

#include "proto/crypto_int.h"
#include "proto/crypto_prf.h"

/* HMAC accepts empty keys, but EVP_MAC_init takes a NULL key as "keep the
 * old one": always hand it a real pointer when setting a key. */
static const uint8_t no_key[1];

/* Key the MAC context (hashes the key into the HMAC pads once). */
static int mac_key(EVP_MAC_CTX *m, const uint8_t *key, size_t key_len)
{
	return EVP_MAC_init(m, key ? key : no_key, key ? key_len : 0, NULL) ? 0
									 : -EIO;
}

/* out = MAC(key, head | in[0..n) | tail) with the key already set by
 * mac_key; `again`: the context was used since, so restart it from the
 * keyed pads (a NULL key re-initialises with the key already set: no key
 * hashing, which a fresh EVP_MAC_init with the key would repeat). */
static int mac_run(EVP_MAC_CTX *m, bool again,
		   const struct ike_chunk *head, const struct ike_chunk *in,
		   size_t n, const struct ike_chunk *tail, uint8_t *out,
		   size_t *out_len)
{
	if (again && !EVP_MAC_init(m, NULL, 0, NULL))
		return -EIO;
	if (head && head->len && !EVP_MAC_update(m, head->ptr, head->len))
		return -EIO;
	for (size_t i = 0; i < n; i++)
		if (in[i].len && !EVP_MAC_update(m, in[i].ptr, in[i].len))
			return -EIO;
	if (tail && tail->len && !EVP_MAC_update(m, tail->ptr, tail->len))
		return -EIO;
	if (!EVP_MAC_final(m, out, out_len, IKE_PRF_MAX_LEN))
		return -EIO;
	return 0;
}

int ike_prf(const struct ike_crypto *c, uint16_t prf,
	    const uint8_t *key, size_t key_len,
	    const struct ike_chunk *in, size_t n, uint8_t *out)
{
	int md = ike_prf_md(prf);
	size_t len = 0;
	EVP_MAC_CTX *m;
	int rc;

	if (md < 0)
		return -ENOTSUP;
	m = ike_shared_hmac(c, md);
	if (!m)
		return -ENOMEM;
	rc = mac_key(m, key, key_len);
	if (!rc)
		rc = mac_run(m, false, NULL, in, n, NULL, out, &len);
	return rc ? rc : (int)len;
}

int ike_prf_plus(const struct ike_crypto *c, uint16_t prf,
		 const uint8_t *key, size_t key_len,
		 const struct ike_chunk *in, size_t n,
		 uint8_t *out, size_t out_len)
{
	struct ike_prf_info pi;
	uint8_t t[IKE_PRF_MAX_LEN];
	size_t t_len = 0, done = 0;
	EVP_MAC_CTX *m;
	int rc = ike_prf_lookup(prf, &pi);

	if (rc)
		return rc;
	if (out_len > 255 * (size_t)pi.out_len)
		return -EINVAL;
	m = ike_shared_hmac(c, ike_prf_md(prf));
	if (!m)
		return -ENOMEM;
	/* T(k) = prf(K, T(k-1) | S | k), T(0) empty; output T1 | T2 | ...
	 * The key is hashed into the context once for all the T(k). */
	rc = mac_key(m, key, key_len);
	for (unsigned k = 1; !rc && done < out_len; k++) {
		uint8_t counter = (uint8_t)k;
		struct ike_chunk prev = { t, t_len }, tail = { &counter, 1 };
		size_t take;

		rc = mac_run(m, k > 1, &prev, in, n, &tail, t, &t_len);
		if (rc)
			break;
		take = out_len - done < t_len ? out_len - done : t_len;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}
