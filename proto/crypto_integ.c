/* Truncated-HMAC integrity transforms.  An ike_integ holds only its key;
 * each message keys a stack HMAC state (proto/hmac.c: two digest blocks,
 * no allocation) instead of a keyed context of about 700 octets per SA and
 * direction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "proto/crypto_int.h"
#include "proto/crypto_integ.h"
#include "proto/hmac.h"

struct ike_integ {
	const struct ike_crypto *c; /* owns the shared context */
	uint8_t md;                 /* enum ike_md_idx */
	uint8_t icv_len;
	uint8_t key_len;
	uint8_t key[IKE_INTEG_MAX_KEY];
};

struct ike_integ *ike_integ_new(const struct ike_crypto *c, uint16_t integ,
				const uint8_t *key, size_t key_len)
{
	struct ike_integ_info ii;
	struct ike_integ *ig;
	int md;

	if (ike_integ_lookup(integ, &ii) || (key ? key_len : 0) > IKE_INTEG_MAX_KEY)
		return NULL;
	md = ike_integ_md(integ);
	if (md < 0)
		return NULL;
	ig = calloc(1, sizeof(*ig));
	if (!ig)
		return NULL;
	ig->c = c;
	ig->md = (uint8_t)md;
	ig->icv_len = (uint8_t)ii.icv_len;
	ig->key_len = key ? (uint8_t)key_len : 0;
	if (key)
		memcpy(ig->key, key, key_len);
	return ig;
}

size_t ike_integ_icv_len(const struct ike_integ *ig)
{
	return ig->icv_len;
}

/* Full HMAC into mac_out (IKE_PRF_MAX_LEN octets). */
static int integ_full(struct ike_integ *ig, const struct ike_chunk *in,
		      size_t n, uint8_t *mac_out)
{
	struct ike_hmac h;
	int rc = ike_hmac_key(&h, ig->md, ig->key, ig->key_len);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		ike_hmac_update(&h, in[i].ptr, in[i].len);
	if (ike_hmac_final(&h, mac_out) < ig->icv_len)
		rc = -EIO;
	ike_hmac_wipe(&h);
	return rc;
}

int ike_integ_compute(struct ike_integ *ig, const struct ike_chunk *in,
		      size_t n, uint8_t *icv)
{
	uint8_t full[IKE_PRF_MAX_LEN];
	int rc = integ_full(ig, in, n, full);

	if (!rc)
		memcpy(icv, full, ig->icv_len);
	return rc;
}

int ike_integ_verify(struct ike_integ *ig, const struct ike_chunk *in,
		     size_t n, const uint8_t *icv)
{
	uint8_t full[IKE_PRF_MAX_LEN];
	int rc = integ_full(ig, in, n, full);

	if (rc)
		return rc;
	return CRYPTO_memcmp(full, icv, ig->icv_len) ? -EBADMSG : 0;
}

void ike_integ_free(struct ike_integ *ig)
{
	if (!ig)
		return;
	OPENSSL_cleanse(ig->key, sizeof(ig->key));
	free(ig);
}
