/* Truncated-HMAC integrity transforms with a keyed context per SA
 * direction: per message only a re-init (same key), no allocation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "proto/crypto_int.h"
#include "proto/crypto_integ.h"

struct ike_integ {
	EVP_MAC_CTX *mac;     /* keyed */
	size_t icv_len;
};

struct ike_integ *ike_integ_new(const struct ike_crypto *c, uint16_t integ,
				const uint8_t *key, size_t key_len)
{
	static const uint8_t no_key[1];
	struct ike_integ_info ii;
	struct ike_integ *ig;

	if (ike_integ_lookup(integ, &ii))
		return NULL;
	ig = calloc(1, sizeof(*ig));
	if (!ig)
		return NULL;
	ig->icv_len = ii.icv_len;
	ig->mac = EVP_MAC_CTX_dup(c->hmac_tmpl[ike_integ_md(integ)]);
	if (!ig->mac || !EVP_MAC_init(ig->mac, key ? key : no_key,
				      key ? key_len : 0, NULL)) {
		ike_integ_free(ig);
		return NULL;
	}
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
	size_t len = 0;

	/* A NULL key re-initialises HMAC with the key already set. */
	if (!EVP_MAC_init(ig->mac, NULL, 0, NULL))
		return -EIO;
	for (size_t i = 0; i < n; i++)
		if (in[i].len && !EVP_MAC_update(ig->mac, in[i].ptr, in[i].len))
			return -EIO;
	if (!EVP_MAC_final(ig->mac, mac_out, &len, IKE_PRF_MAX_LEN) ||
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
	/* EVP_MAC_CTX_free cleanses the HMAC key state. */
	EVP_MAC_CTX_free(ig->mac);
	free(ig);
}
