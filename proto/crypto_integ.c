/* Truncated-HMAC integrity transforms.  An ike_integ holds only its key:
 * the HMAC context is the cache's shared one for that digest (struct
 * ike_shared_ctx), keyed per message (two digest blocks), instead of a
 * keyed context of about 700 octets per SA and direction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "proto/crypto_int.h"
#include "proto/crypto_integ.h"

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
	if (md < 0 || !c->hmac_tmpl[md])
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
	static const uint8_t no_key[1];
	EVP_MAC_CTX *mac = ike_shared_hmac(ig->c, ig->md);
	size_t len = 0;

	if (!mac)
		return -ENOMEM;
	/* Never a NULL key: that would keep the previous user's key. */
	if (!EVP_MAC_init(mac, ig->key_len ? ig->key : no_key, ig->key_len, NULL))
		return -EIO;
	for (size_t i = 0; i < n; i++)
		if (in[i].len && !EVP_MAC_update(mac, in[i].ptr, in[i].len))
			return -EIO;
	if (!EVP_MAC_final(mac, mac_out, &len, IKE_PRF_MAX_LEN) ||
	    len < ig->icv_len)
		return -EIO;
	return 0;
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
