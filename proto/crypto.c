/* Algorithm tables and the fetched-algorithm cache (struct ike_crypto). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>

#include "proto/crypto_int.h"
#include "lib/util.h"

static const char *const cipher_names[CI_COUNT] = {
	[CI_3DES_CBC] = "DES-EDE3-CBC",
	[CI_AES128_CBC] = "AES-128-CBC", [CI_AES192_CBC] = "AES-192-CBC",
	[CI_AES256_CBC] = "AES-256-CBC",
	[CI_AES128_GCM] = "AES-128-GCM", [CI_AES192_GCM] = "AES-192-GCM",
	[CI_AES256_GCM] = "AES-256-GCM",
	[CI_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
};

/* Indexed by enum ike_dh_idx. */
static const struct ike_dh_group_info dh_groups[DHI_COUNT] = {
	{ IKE_DH_MODP_768,   DH_KIND_MODP, NULL,         96,   96 },
	{ IKE_DH_MODP_1024,  DH_KIND_MODP, NULL,         128,  128 },
	{ IKE_DH_MODP_1536,  DH_KIND_MODP, "modp_1536",  192,  192 },
	{ IKE_DH_MODP_2048,  DH_KIND_MODP, "modp_2048",  256,  256 },
	{ IKE_DH_MODP_3072,  DH_KIND_MODP, "modp_3072",  384,  384 },
	{ IKE_DH_MODP_4096,  DH_KIND_MODP, "modp_4096",  512,  512 },
	{ IKE_DH_MODP_6144,  DH_KIND_MODP, "modp_6144",  768,  768 },
	{ IKE_DH_MODP_8192,  DH_KIND_MODP, "modp_8192",  1024, 1024 },
	{ IKE_DH_ECP_256,    DH_KIND_ECP,  "P-256",      64,   32 },
	{ IKE_DH_ECP_384,    DH_KIND_ECP,  "P-384",      96,   48 },
	{ IKE_DH_ECP_521,    DH_KIND_ECP,  "P-521",      132,  66 },
	{ IKE_DH_CURVE25519, DH_KIND_X25519, "X25519",   32,   32 },
};

int ike_prf_md(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_MD5:      return MD_MD5;
	case IKE_PRF_HMAC_SHA1:     return MD_SHA1;
	case IKE_PRF_HMAC_SHA2_256: return MD_SHA256;
	case IKE_PRF_HMAC_SHA2_384: return MD_SHA384;
	case IKE_PRF_HMAC_SHA2_512: return MD_SHA512;
	default:                    return -1;
	}
}

int ike_integ_md(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_MD5_96:       return MD_MD5;
	case IKE_INTEG_HMAC_SHA1_96:      return MD_SHA1;
	case IKE_INTEG_HMAC_SHA2_256_128: return MD_SHA256;
	case IKE_INTEG_HMAC_SHA2_384_192: return MD_SHA384;
	case IKE_INTEG_HMAC_SHA2_512_256: return MD_SHA512;
	default:                          return -1;
	}
}

static const uint8_t md_len[MD_COUNT] = {
	[MD_MD5] = 16, [MD_SHA1] = 20, [MD_SHA256] = 32, [MD_SHA384] = 48,
	[MD_SHA512] = 64,
};

int ike_prf_lookup(uint16_t prf, struct ike_prf_info *out)
{
	int md = ike_prf_md(prf);

	if (md < 0)
		return -ENOTSUP;
	out->id = prf;
	out->out_len = md_len[md];
	return 0;
}

int ike_integ_lookup(uint16_t integ, struct ike_integ_info *out)
{
	int md = ike_integ_md(integ);

	if (md < 0)
		return -ENOTSUP;
	out->id = integ;
	out->key_len = md_len[md];
	/* RFC 2403/2404: 96 bits; RFC 4868: half the hash output. */
	out->icv_len = md <= MD_SHA1 ? 12 : md_len[md] / 2;
	return 0;
}

static int aes_idx(uint16_t keybits, int base)
{
	switch (keybits) {
	case 128: return base;
	case 192: return base + 1;
	case 256: return base + 2;
	default:  return -1;
	}
}

int ike_cipher_idx(uint16_t encr, uint16_t keybits)
{
	switch (encr) {
	case IKE_ENCR_3DES:
		return keybits == 0 || keybits == 192 ? CI_3DES_CBC : -1;
	case IKE_ENCR_AES_CBC:
		return aes_idx(keybits, CI_AES128_CBC);
	case IKE_ENCR_AES_GCM_8:
	case IKE_ENCR_AES_GCM_12:
	case IKE_ENCR_AES_GCM_16:
		return aes_idx(keybits, CI_AES128_GCM);
	case IKE_ENCR_CHACHA20_POLY1305:
		return keybits == 0 || keybits == 256 ? CI_CHACHA20_POLY1305 : -1;
	default:
		return -1;
	}
}

int ike_encr_lookup(uint16_t encr, uint16_t keybits, struct ike_encr_info *out)
{
	int ci = ike_cipher_idx(encr, keybits);
	struct ike_encr_info i = { .id = encr };

	if (ci < 0)
		return encr == IKE_ENCR_3DES || encr == IKE_ENCR_AES_CBC ||
		       ike_encr_is_aead(encr) ? -EINVAL : -ENOTSUP;
	switch (encr) {
	case IKE_ENCR_3DES:
		i.keybits = 192, i.key_len = 24, i.iv_len = 8, i.block_len = 8;
		break;
	case IKE_ENCR_AES_CBC:
		i.keybits = keybits, i.key_len = keybits / 8;
		i.iv_len = 16, i.block_len = 16;
		break;
	case IKE_ENCR_CHACHA20_POLY1305:
		i.keybits = 256, i.key_len = 32, i.salt_len = 4, i.iv_len = 8;
		i.block_len = 1, i.icv_len = 16, i.aead = true;
		break;
	default: /* AES-GCM */
		i.keybits = keybits, i.key_len = keybits / 8, i.salt_len = 4;
		i.iv_len = 8, i.block_len = 1, i.aead = true;
		i.icv_len = encr == IKE_ENCR_AES_GCM_8 ? 8 :
			    encr == IKE_ENCR_AES_GCM_12 ? 12 : 16;
		break;
	}
	*out = i;
	return 0;
}

const struct ike_dh_group_info *ike_dh_info(uint16_t group, int *idx)
{
	for (int i = 0; i < DHI_COUNT; i++) {
		if (dh_groups[i].id == group) {
			if (idx)
				*idx = i;
			return &dh_groups[i];
		}
	}
	return NULL;
}

int ike_suite_check(const struct ike_suite *s, bool allow_no_dh)
{
	struct ike_encr_info ei;
	struct ike_integ_info ii;
	struct ike_prf_info pi;
	int rc = ike_encr_lookup(s->encr, s->encr_keybits, &ei);

	if (rc)
		return rc;
	if (ei.aead ? s->integ != IKE_INTEG_NONE : ike_integ_lookup(s->integ, &ii))
		return -EINVAL;
	if (ike_prf_lookup(s->prf, &pi))
		return -ENOTSUP;
	if (s->dh == IKE_DH_NONE)
		return allow_no_dh ? 0 : -EINVAL;
	return ike_dh_info(s->dh, NULL) ? 0 : -ENOTSUP;
}

bool ike_ct_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/* Domain parameters for RFC 2409 groups 1 and 2: explicit safe prime p and
 * generator 2.  No q: with an explicit q OpenSSL 3.0 insists on FIPS 186-4
 * private key sizes these small groups cannot meet.  (The short private
 * exponent is set at key generation, see crypto_dh.c.) */
static EVP_PKEY *modp_explicit(OSSL_LIB_CTX *libctx, uint16_t group)
{
	BIGNUM *p = group == IKE_DH_MODP_768 ? BN_get_rfc2409_prime_768(NULL)
					     : BN_get_rfc2409_prime_1024(NULL);
	BIGNUM *g = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pkey = NULL;

	if (!p || !g || !bld || !BN_set_word(g, 2) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	pc = EVP_PKEY_CTX_new_from_name(libctx, "DH", NULL);
	if (!params || !pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	return pkey;
}

/* Named MODP or ECP group: domain parameters by name. */
static EVP_PKEY *named_params(OSSL_LIB_CTX *libctx, const char *type,
			      const char *name)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0),
		OSSL_PARAM_END
	};
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(libctx, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (!pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(pc);
	return pkey;
}

static int modp_store_pm1(struct ike_shared_ctx *sh, EVP_PKEY *tmpl, int i)
{
	BIGNUM *p = NULL;
	int rc = -EIO;

	sh->modp_pm1[i] = malloc(dh_groups[i].ke_len);
	if (!sh->modp_pm1[i])
		return -ENOMEM;
	if (EVP_PKEY_get_bn_param(tmpl, OSSL_PKEY_PARAM_FFC_P, &p) &&
	    BN_num_bytes(p) == dh_groups[i].ke_len && BN_sub_word(p, 1) &&
	    BN_bn2binpad(p, sh->modp_pm1[i], dh_groups[i].ke_len) > 0)
		rc = 0;
	BN_free(p);
	return rc;
}

/* Make the template of group i with what goes with it; 0 or -errno. */
static int dh_template_make(const struct ike_crypto *c, int i)
{
	const struct ike_dh_group_info *g = &dh_groups[i];
	struct ike_shared_ctx *sh = c->shared;
	EVP_PKEY *t = NULL;

	switch (g->kind) {
	case DH_KIND_MODP:
		t = g->ossl_name ? named_params(c->libctx, "DH", g->ossl_name) :
				   modp_explicit(c->libctx, g->id);
		if (t && !sh->modp_pm1[i] && modp_store_pm1(sh, t, i))
			goto fail;
		break;
	case DH_KIND_ECP:
		t = named_params(c->libctx, "EC", g->ossl_name);
		break;
	case DH_KIND_X25519:
		t = EVP_PKEY_Q_keygen(c->libctx, NULL, "X25519");
		if (t && !sh->x25519_import) {
			sh->x25519_import = EVP_PKEY_CTX_new_from_pkey(c->libctx, t, NULL);
			if (!sh->x25519_import || EVP_PKEY_fromdata_init(sh->x25519_import) <= 0) {
				EVP_PKEY_CTX_free(sh->x25519_import);
				sh->x25519_import = NULL;
				goto fail;
			}
		}
		break;
	}
	if (!t)
		return -EIO;
	sh->dh_tmpl[i] = t;
	return 0;
fail:
	EVP_PKEY_free(t);
	return -EIO;
}

EVP_PKEY *ike_dh_template(const struct ike_crypto *c, int idx)
{
	if (idx < 0 || idx >= DHI_COUNT)
		return NULL;
	if (!c->shared->dh_tmpl[idx])
		dh_template_make(c, idx);
	return c->shared->dh_tmpl[idx];
}

EVP_CIPHER *ike_cipher_alg(const struct ike_crypto *c, int idx)
{
	EVP_CIPHER **slot;

	if (idx < 0 || idx >= CI_COUNT)
		return NULL;
	slot = &c->shared->cipher_alg[idx];
	if (!*slot)
		*slot = EVP_CIPHER_fetch(c->libctx, cipher_names[idx], NULL);
	return *slot;
}

int ike_crypto_prepare(const struct ike_crypto *c, uint16_t group, uint16_t encr,
		       uint16_t keybits)
{
	int idx, rc = 0;

	if (group && (!ike_dh_info(group, &idx) || !ike_dh_template(c, idx)))
		rc = -ENOTSUP;
	if (encr && !ike_cipher_alg(c, ike_cipher_idx(encr, keybits)))
		rc = -ENOTSUP;
	return rc;
}

struct ike_crypto *ike_crypto_new(void)
{
	struct ike_crypto *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->shared = calloc(1, sizeof(*c->shared));
	if (!c->shared) {
		free(c);
		return NULL;
	}
	return c;
}

void ike_crypto_free(struct ike_crypto *c)
{
	struct ike_shared_ctx *sh;

	if (!c)
		return;
	sh = c->shared;
	if (sh) {
		for (int i = 0; i < CI_COUNT; i++) {
			EVP_CIPHER_CTX_free(sh->cipher[i]);
			EVP_CIPHER_free(sh->cipher_alg[i]);
		}
		for (unsigned i = 0; i < sh->x25519_pooled; i++) {
			EVP_PKEY_CTX_free(sh->x25519_pool[i].dctx);
			EVP_PKEY_free(sh->x25519_pool[i].pkey);
		}
		for (int i = 0; i < DHI_COUNT; i++) {
			EVP_PKEY_CTX_free(sh->dh_keygen[i]);
			EVP_PKEY_free(sh->dh_peer[i]);
			EVP_PKEY_free(sh->dh_tmpl[i]);
			free(sh->modp_pm1[i]);
		}
		EVP_PKEY_CTX_free(sh->x25519_import);
		OPENSSL_cleanse(&sh->psk_pad, sizeof(sh->psk_pad));
		OPENSSL_cleanse(sh->x25519_priv, sizeof(sh->x25519_priv));
		free(sh);
	}
	free(c);
}
