/* PRF and prf+ (RFC 7296 2.13) on proto/hmac.c's stack HMAC states, keyed
 * per call (EVP_MAC cost about four times as much per keyed HMAC). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>

#include "proto/crypto_int.h"
#include "proto/crypto_prf.h"
#include "proto/hmac.h"

/* out = MAC(head | in[0..n) | tail) with h keyed; `again`: h was used
 * since, so restart it from the keyed pads (no key hashing). */
static void mac_run(struct ike_hmac *h, bool again,
		    const struct ike_chunk *head, const struct ike_chunk *in,
		    size_t n, const struct ike_chunk *tail, uint8_t *out,
		    size_t *out_len)
{
	if (again)
		ike_hmac_restart(h);
	if (head)
		ike_hmac_update(h, head->ptr, head->len);
	for (size_t i = 0; i < n; i++)
		ike_hmac_update(h, in[i].ptr, in[i].len);
	if (tail)
		ike_hmac_update(h, tail->ptr, tail->len);
	*out_len = ike_hmac_final(h, out);
}

int ike_prf(const struct ike_crypto *c, uint16_t prf,
	    const uint8_t *key, size_t key_len,
	    const struct ike_chunk *in, size_t n, uint8_t *out)
{
	struct ike_hmac h;
	size_t len = 0;
	int rc;

	(void)c;
	rc = ike_hmac_key(&h, ike_prf_md(prf), key, key_len);
	if (rc)
		return rc;
	mac_run(&h, false, NULL, in, n, NULL, out, &len);
	ike_hmac_wipe(&h);
	return (int)len;
}

int ike_prf_plus(const struct ike_crypto *c, uint16_t prf,
		 const uint8_t *key, size_t key_len,
		 const struct ike_chunk *in, size_t n,
		 uint8_t *out, size_t out_len)
{
	struct ike_prf_info pi;
	uint8_t t[IKE_PRF_MAX_LEN];
	size_t t_len = 0, done = 0;
	struct ike_hmac h;
	int rc = ike_prf_lookup(prf, &pi);

	if (rc)
		return rc;
	if (out_len > 255 * (size_t)pi.out_len)
		return -EINVAL;
	(void)c;
	/* T(k) = prf(K, T(k-1) | S | k), T(0) empty; output T1 | T2 | ...
	 * The key is hashed into the pads once for all the T(k). */
	rc = ike_hmac_key(&h, ike_prf_md(prf), key, key_len);
	if (rc)
		return rc;
	for (unsigned k = 1; done < out_len; k++) {
		uint8_t counter = (uint8_t)k;
		struct ike_chunk prev = { t, t_len }, tail = { &counter, 1 };
		size_t take;

		mac_run(&h, k > 1, &prev, in, n, &tail, t, &t_len);
		take = out_len - done < t_len ? out_len - done : t_len;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	ike_hmac_wipe(&h);
	return 0;
}
