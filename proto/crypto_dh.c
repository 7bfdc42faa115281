/* Diffie-Hellman over EVP_PKEY: MODP (RFC 3526/2409), ECP (RFC 5903),
 * X25519 (RFC 8031).  Key pairs come from the cache's keygen context per
 * group (no fetch of domain parameters per key; X25519: a ladder derive,
 * see x25519_from_private); the peer key is the cache's shell per group
 * (our parameters copied once), its encoded public value set per derive. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "proto/crypto_dh.h"
#include "proto/crypto_int.h"

#define ECP_MAX_KE 132   /* P-521: 2 * 66 */

struct ike_dh {
	const struct ike_crypto *c;
	const struct ike_dh_group_info *g;
	int idx;
	EVP_PKEY *pkey;                 /* our key pair, kept until free */
	EVP_PKEY_CTX *dctx;             /* derive context on pkey, made once */
	bool poolable;                  /* X25519 pkey and dctx set up whole */
	size_t pub_len;
	uint8_t pub[];                  /* KE data, g->ke_len octets */
};

size_t ike_dh_ke_len(uint16_t group)
{
	const struct ike_dh_group_info *g = ike_dh_info(group, NULL);

	return g ? g->ke_len : 0;
}

size_t ike_dh_secret_len(uint16_t group)
{
	const struct ike_dh_group_info *g = ike_dh_info(group, NULL);

	return g ? g->secret_len : 0;
}

uint16_t ike_dh_group(const struct ike_dh *dh)
{
	return dh->g->id;
}

/* Encode our public value as KE data: MODP padded to the prime length
 * (OpenSSL's encoding already is), ECP without the 0x04 prefix. */
static int encode_public(struct ike_dh *dh)
{
	uint8_t buf[1 + ECP_MAX_KE];
	uint8_t *dst = dh->g->kind == DH_KIND_ECP ? buf : dh->pub;
	size_t cap = dh->g->kind == DH_KIND_ECP ? sizeof(buf) : dh->g->ke_len;
	size_t len = 0;

	if (!EVP_PKEY_get_octet_string_param(dh->pkey,
					     OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					     dst, cap, &len))
		return -EIO;
	if (dh->g->kind == DH_KIND_ECP) {
		if (len != 1u + dh->g->ke_len || buf[0] != 0x04)
			return -EIO;
		memcpy(dh->pub, buf + 1, dh->g->ke_len);
	} else if (len != dh->g->ke_len) {
		return -EIO;
	}
	dh->pub_len = dh->g->ke_len;
	return 0;
}

/* The derive context on our key pair, made once (so no per-derive
 * context setup or algorithm fetch). */
static int derive_ctx(struct ike_dh *dh)
{
	dh->dctx = EVP_PKEY_CTX_new_from_pkey(dh->c->libctx, dh->pkey, NULL);
	if (!dh->dctx || EVP_PKEY_derive_init(dh->dctx) <= 0)
		return -EIO;
	if (dh->g->kind == DH_KIND_MODP &&
	    EVP_PKEY_CTX_set_dh_pad(dh->dctx, 1) <= 0)
		return -EIO;
	return 0;
}

/* After the key pair exists: its KE encoding and the derive context. */
static int dh_finish(struct ike_dh *dh)
{
	int rc = encode_public(dh);

	return rc ? rc : derive_ctx(dh);
}

static struct ike_dh *dh_alloc(const struct ike_crypto *c, uint16_t group)
{
	int idx;
	const struct ike_dh_group_info *g = ike_dh_info(group, &idx);
	struct ike_dh *dh;

	if (!g || !ike_dh_template(c, idx))
		return NULL;
	dh = calloc(1, sizeof(*dh) + g->ke_len);
	if (!dh)
		return NULL;
	dh->c = c;
	dh->g = g;
	dh->idx = idx;
	return dh;
}

/* The explicit RFC 2409 groups get a short private exponent (keygen does
 * not take it from the template; OpenSSL's named groups carry their own). */
static int set_priv_len(const struct ike_dh *dh, EVP_PKEY_CTX *kc)
{
	int bits = MODP_SMALL_PRIV_BITS;
	OSSL_PARAM params[] = {
		OSSL_PARAM_int(OSSL_PKEY_PARAM_DH_PRIV_LEN, &bits),
		OSSL_PARAM_END
	};

	if (dh->g->kind != DH_KIND_MODP || dh->g->ossl_name)
		return 0;
	return EVP_PKEY_CTX_set_params(kc, params) > 0 ? 0 : -EIO;
}

static EVP_PKEY *peer_key(struct ike_dh *dh, const uint8_t *peer, size_t len);

/* X25519 key pair from 32 private octets (RFC 7748: clamped by the
 * derive).  OpenSSL's keygen and raw-key import compute the public value
 * with an Edwards-curve comb over a ~30 KB precomputed table; in a busy
 * engine that table is out of cache and a keygen cost twice a derive
 * (perf, x25519 gateway: ike_dh_new 15.7 % of the samples, ike_dh_shared
 * 7.8 %).  A derive against the base point u = 9, the Montgomery ladder
 * with no tables, gives the same public value (RFC 7748 6.1, tested).
 * The imported key carries u = 9 as its public half: never read (our
 * public value is dh->pub; an X25519 derive uses the private half). */
static int x25519_from_private(struct ike_dh *dh, const uint8_t *priv)
{
	static const uint8_t base[32] = { 9 };
	OSSL_PARAM params[] = {
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, (void *)priv, 32),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)base, 32),
		OSSL_PARAM_END
	};
	struct ike_shared_ctx *sh = dh->c->shared;
	size_t len = sizeof(base);
	EVP_PKEY *pk;

	/* A pooled pair: the import replaces the key inside the same EVP_PKEY
	 * and derive_init makes the context read the new one. */
	if (sh->x25519_pooled) {
		sh->x25519_pooled--;
		dh->pkey = sh->x25519_pool[sh->x25519_pooled].pkey;
		dh->dctx = sh->x25519_pool[sh->x25519_pooled].dctx;
	}
	if (EVP_PKEY_fromdata(dh->c->shared->x25519_import, &dh->pkey, EVP_PKEY_KEYPAIR,
			      params) <= 0)
		return -EIO;
	if (dh->dctx ? EVP_PKEY_derive_init(dh->dctx) <= 0 : derive_ctx(dh) != 0)
		return -EIO;
	pk = peer_key(dh, base, sizeof(base));
	if (!pk || EVP_PKEY_derive_set_peer_ex(dh->dctx, pk, 0) <= 0 ||
	    EVP_PKEY_derive(dh->dctx, dh->pub, &len) <= 0 || len != sizeof(base))
		return -EIO;
	dh->pub_len = len;
	dh->poolable = true;
	return 0;
}

/* The cache's keygen context for dh's group, made on first use
 * (EVP_PKEY_keygen may be called on it again and again). */
static EVP_PKEY_CTX *keygen_ctx(struct ike_dh *dh)
{
	EVP_PKEY_CTX **slot = &dh->c->shared->dh_keygen[dh->idx];
	EVP_PKEY_CTX *kc = *slot;

	if (kc)
		return kc;
	kc = EVP_PKEY_CTX_new_from_pkey(dh->c->libctx, dh->c->shared->dh_tmpl[dh->idx], NULL);
	if (!kc || EVP_PKEY_keygen_init(kc) <= 0 || set_priv_len(dh, kc)) {
		EVP_PKEY_CTX_free(kc);
		return NULL;
	}
	*slot = kc;
	return kc;
}

/* 32 fresh private octets from the cache's pool (see ike_shared_ctx). */
static int x25519_draw(const struct ike_crypto *c, uint8_t priv[32])
{
	struct ike_shared_ctx *sh = c->shared;
	pid_t pid = getpid();

	if (sh->x25519_priv_left < 32 || sh->x25519_priv_pid != pid) {
		if (RAND_priv_bytes_ex(c->libctx, sh->x25519_priv,
				       sizeof(sh->x25519_priv), 0) <= 0)
			return -EIO;
		sh->x25519_priv_left = sizeof(sh->x25519_priv);
		sh->x25519_priv_pid = pid;
	}
	sh->x25519_priv_left -= 32;
	memcpy(priv, sh->x25519_priv + sh->x25519_priv_left, 32);
	OPENSSL_cleanse(sh->x25519_priv + sh->x25519_priv_left, 32);
	return 0;
}

static struct ike_dh *x25519_new(const struct ike_crypto *c, uint16_t group)
{
	struct ike_dh *dh = dh_alloc(c, group);
	uint8_t priv[32];

	if (!dh)
		return NULL;
	if (x25519_draw(c, priv) || x25519_from_private(dh, priv)) {
		ike_dh_free(dh);
		dh = NULL;
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	return dh;
}

struct ike_dh *ike_dh_new(const struct ike_crypto *c, uint16_t group)
{
	struct ike_dh *dh;
	EVP_PKEY_CTX *kc;

	if (group == IKE_DH_CURVE25519)
		return x25519_new(c, group);
	dh = dh_alloc(c, group);
	if (!dh)
		return NULL;
	kc = keygen_ctx(dh);
	if (!kc || EVP_PKEY_keygen(kc, &dh->pkey) <= 0 || dh_finish(dh)) {
		ike_dh_free(dh);
		dh = NULL;
	}
	return dh;
}

/* Import a key pair from OSSL_PARAMs built on top of `bld`. */
static EVP_PKEY *import_keypair(struct ike_dh *dh, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(dh->c->libctx,
						      dh->c->shared->dh_tmpl[dh->idx],
						      NULL);
	EVP_PKEY *pkey = NULL;

	if (!params || !pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);   /* secret part is in secure memory: cleared */
	return pkey;
}

/* MODP key pair from an exponent x (1 <= x < p - 1): y = g^x mod p. */
static EVP_PKEY *modp_from_private(struct ike_dh *dh, const uint8_t *priv,
				   size_t priv_len)
{
	EVP_PKEY *tmpl = dh->c->shared->dh_tmpl[dh->idx], *pkey = NULL;
	BIGNUM *p = NULL, *q = NULL, *g = NULL, *x = BN_secure_new();
	BIGNUM *y = BN_new(), *pm1 = BN_new();
	BN_CTX *bc = BN_CTX_new_ex(dh->c->libctx);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

	if (!x || !y || !pm1 || !bc || !bld ||
	    !EVP_PKEY_get_bn_param(tmpl, OSSL_PKEY_PARAM_FFC_P, &p) ||
	    !EVP_PKEY_get_bn_param(tmpl, OSSL_PKEY_PARAM_FFC_G, &g) ||
	    !BN_bin2bn(priv, (int)priv_len, x) || !BN_sub(pm1, p, BN_value_one()))
		goto out;
	/* Named groups carry q; keep it so the key matches the template. */
	EVP_PKEY_get_bn_param(tmpl, OSSL_PKEY_PARAM_FFC_Q, &q);
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (BN_is_zero(x) || BN_cmp(x, pm1) >= 0 || !BN_mod_exp(y, g, x, p, bc) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    (q && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q)) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto out;
	pkey = import_keypair(dh, bld);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bc);
	BN_clear_free(x);
	BN_free(y);
	BN_free(pm1);
	BN_free(p);
	BN_free(q);
	BN_free(g);
	return pkey;
}

/* ECP key pair from a scalar d: OpenSSL 3.0 does not derive the public
 * point on import, so compute Q = d * G here (EC_POINT_mul). */
static EVP_PKEY *ecp_from_private(struct ike_dh *dh, const uint8_t *priv,
				  size_t priv_len)
{
	EVP_PKEY *pkey = NULL;
	BIGNUM *d = BN_secure_new();
	EC_GROUP *grp = EC_GROUP_new_by_curve_name_ex(
		dh->c->libctx, NULL, EC_curve_nist2nid(dh->g->ossl_name));
	EC_POINT *q = grp ? EC_POINT_new(grp) : NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t pub[1 + ECP_MAX_KE];
	size_t pub_len;

	if (!d || !q || !bld || priv_len != dh->g->secret_len ||
	    !BN_bin2bn(priv, (int)priv_len, d) || BN_is_zero(d) ||
	    BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0 ||
	    !EC_POINT_mul(grp, q, d, NULL, NULL, NULL))
		goto out;
	pub_len = EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED,
				     pub, sizeof(pub), NULL);
	if (pub_len != 1u + dh->g->ke_len ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     dh->g->ossl_name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					      pub, pub_len))
		goto out;
	pkey = import_keypair(dh, bld);
out:
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(q);
	EC_GROUP_free(grp);
	BN_clear_free(d);
	return pkey;
}

struct ike_dh *ike_dh_new_private(const struct ike_crypto *c, uint16_t group,
				  const uint8_t *priv, size_t priv_len)
{
	struct ike_dh *dh = dh_alloc(c, group);

	if (!dh)
		return NULL;
	switch (dh->g->kind) {
	case DH_KIND_MODP:
		dh->pkey = modp_from_private(dh, priv, priv_len);
		break;
	case DH_KIND_ECP:
		dh->pkey = ecp_from_private(dh, priv, priv_len);
		break;
	case DH_KIND_X25519:
		if (priv_len != 32 || x25519_from_private(dh, priv)) {
			ike_dh_free(dh);
			return NULL;
		}
		return dh;
	}
	if (!dh->pkey || dh_finish(dh)) {
		ike_dh_free(dh);
		return NULL;
	}
	return dh;
}

int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t *len)
{
	if (*len < dh->pub_len)
		return -ENOBUFS;
	memcpy(out, dh->pub, dh->pub_len);
	*len = dh->pub_len;
	return 0;
}

const uint8_t *ike_dh_public_ref(const struct ike_dh *dh, size_t *len)
{
	*len = dh->pub_len;
	return dh->pub;
}

/* MODP peer value: 1 < y < p - 1 (RFC 7296 / SP 800-56A partial check;
 * the groups are safe primes, so this excludes the small subgroup). */
static bool modp_peer_ok(const struct ike_dh *dh, const uint8_t *y, size_t len)
{
	uint8_t high = 0;

	for (size_t i = 0; i + 1 < len; i++)
		high |= y[i];
	if (!high && y[len - 1] <= 1)
		return false;
	return memcmp(y, dh->c->shared->modp_pm1[dh->idx], len) < 0;
}

/* The cache's peer key shell for dh's group, made on first use by
 * copying our domain parameters (the same for every key of the group).
 * One per group and cache, not per key pair: an EVP_PKEY made walks
 * OpenSSL 3.0's name table.  Its public value is set before each derive
 * (a derive context keeps a reference to it, and reads it only in the
 * EVP_PKEY_derive that follows set_peer: one thread per cache). */
static EVP_PKEY *peer_shell(struct ike_dh *dh)
{
	EVP_PKEY **slot = &dh->c->shared->dh_peer[dh->idx];
	EVP_PKEY *pk = *slot;

	if (pk)
		return pk;
	pk = EVP_PKEY_new();
	if (!pk || EVP_PKEY_copy_parameters(pk, dh->pkey) <= 0) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	*slot = pk;
	return pk;
}

/* The peer shell with the peer's public value loaded, or NULL (bad value
 * or OpenSSL failure).  ECP decoding checks that the point is on the
 * curve. */
static EVP_PKEY *peer_key(struct ike_dh *dh, const uint8_t *peer, size_t len)
{
	uint8_t buf[1 + ECP_MAX_KE];
	const uint8_t *enc = peer;
	EVP_PKEY *pk = peer_shell(dh);

	if (!pk)
		return NULL;
	if (dh->g->kind == DH_KIND_ECP) {
		buf[0] = 0x04;   /* RFC 5903: KE is x | y, uncompressed */
		memcpy(buf + 1, peer, len);
		enc = buf;
		len++;
	}
	return EVP_PKEY_set1_encoded_public_key(pk, enc, len) > 0 ? pk : NULL;
}

int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
		  uint8_t *out, size_t *len)
{
	size_t want = dh->g->secret_len, got = want;
	EVP_PKEY *pk;

	if (*len < want)
		return -ENOBUFS;
	if (peer_len != dh->g->ke_len)
		return -EINVAL;
	if (dh->g->kind == DH_KIND_MODP && !modp_peer_ok(dh, peer, peer_len))
		return -EINVAL;
	pk = peer_key(dh, peer, peer_len);
	if (!pk)
		return -EINVAL;   /* ECP: not on the curve */
	/* Validation is done above (MODP range, ECP on-curve at decode);
	 * X25519 derive fails on an all-zero result (RFC 8031 2.3). */
	if (EVP_PKEY_derive_set_peer_ex(dh->dctx, pk, 0) <= 0)
		return -EINVAL;
	if (EVP_PKEY_derive(dh->dctx, out, &got) <= 0)
		return dh->g->kind == DH_KIND_X25519 ? -EINVAL : -EIO;
	if (got != want) {
		OPENSSL_cleanse(out, got);
		return -EIO;
	}
	*len = got;
	return 0;
}

int ike_dh_priv_bits(const struct ike_dh *dh)
{
	BIGNUM *x = NULL;
	int bits;

	if (!EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &x))
		return -1;
	bits = BN_num_bits(x);
	BN_clear_free(x);
	return bits;
}

void ike_dh_free(struct ike_dh *dh)
{
	struct ike_shared_ctx *sh;

	if (!dh)
		return;
	sh = dh->c->shared;
	if (dh->poolable && sh->x25519_pooled < IKE_X25519_POOL) {
		sh->x25519_pool[sh->x25519_pooled].pkey = dh->pkey;
		sh->x25519_pool[sh->x25519_pooled].dctx = dh->dctx;
		sh->x25519_pooled++;
	} else {
		EVP_PKEY_CTX_free(dh->dctx);   /* drops its reference to the peer shell */
		EVP_PKEY_free(dh->pkey);   /* clears the private key */
	}
	OPENSSL_cleanse(dh->pub, dh->g->ke_len);
	free(dh);
}
