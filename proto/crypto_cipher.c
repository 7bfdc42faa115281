/* SK payload ciphers: CBC (3DES, AES) and AEAD (AES-GCM, ChaCha20-Poly1305).
 * An ike_cipher holds only its key: the cipher context is the cache's
 * shared one for that cipher (struct ike_shared_ctx), keyed per message;
 * a key schedule costs less than a context kept per SA and direction. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "proto/crypto_cipher.h"
#include "proto/crypto_int.h"

#define AEAD_NONCE_LEN 12   /* salt (4) | IV (8) */

struct ike_cipher {
	struct ike_encr_info info;
	const struct ike_crypto *c; /* owns the shared context */
	uint8_t idx;                /* enum ike_cipher_idx */
	uint8_t key[IKE_ENCR_MAX_KEY];   /* key | salt */
};

struct ike_cipher *ike_cipher_new(const struct ike_crypto *c, uint16_t encr,
				  uint16_t keybits, const uint8_t *key,
				  size_t key_len)
{
	struct ike_cipher *ci;
	struct ike_encr_info info;
	int idx;

	if (ike_encr_lookup(encr, keybits, &info) ||
	    key_len != (size_t)info.key_len + info.salt_len)
		return NULL;
	idx = ike_cipher_idx(encr, keybits);
	if (idx < 0 || !ike_cipher_alg(c, idx))
		return NULL;
	ci = calloc(1, sizeof(*ci));
	if (!ci)
		return NULL;
	ci->info = info;
	ci->c = c;
	ci->idx = (uint8_t)idx;
	memcpy(ci->key, key, key_len);
	return ci;
}

const struct ike_encr_info *ike_cipher_info(const struct ike_cipher *ci)
{
	return &ci->info;
}

/* The shared context of ci's cipher, made on first use (padding off for
 * CBC: SK pads itself; the setting survives re-keying). */
static EVP_CIPHER_CTX *shared_ctx(struct ike_cipher *ci)
{
	EVP_CIPHER_CTX **slot = &ci->c->shared->cipher[ci->idx];
	EVP_CIPHER_CTX *ctx = *slot;

	if (ctx)
		return ctx;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	if (!EVP_CipherInit_ex2(ctx, ci->c->shared->cipher_alg[ci->idx], NULL, NULL, 1, NULL) ||
	    (!ci->info.aead && !EVP_CIPHER_CTX_set_padding(ctx, 0))) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	*slot = ctx;
	return ctx;
}

/* Key the shared context with ci's key and the per-message IV (AEAD:
 * nonce = salt | IV) for one direction. */
static EVP_CIPHER_CTX *start(struct ike_cipher *ci, const uint8_t *iv, int enc)
{
	EVP_CIPHER_CTX *ctx = shared_ctx(ci);
	uint8_t nonce[AEAD_NONCE_LEN];
	const uint8_t *use = iv;

	if (!ctx)
		return NULL;
	if (ci->info.aead) {
		memcpy(nonce, ci->key + ci->info.key_len, ci->info.salt_len);
		memcpy(nonce + ci->info.salt_len, iv, ci->info.iv_len);
		use = nonce;
	}
	if (!EVP_CipherInit_ex2(ctx, NULL, ci->key, use, enc, NULL))
		return NULL;
	return ctx;
}

static int run(struct ike_cipher *ci, EVP_CIPHER_CTX *ctx,
	       const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len)
{
	int outl = 0;

	if (len > INT_MAX || aad_len > INT_MAX)
		return -EINVAL;
	if (ci->info.aead && aad_len &&
	    !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len))
		return -EIO;
	if (len && (!EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) ||
		    (size_t)outl != len))
		return -EIO;
	return 0;
}

int ike_cipher_encrypt(struct ike_cipher *ci, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       uint8_t *buf, size_t len, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t fin[IKE_BLOCK_MAX];
	int outl = 0, rc;

	if (len % ci->info.block_len)
		return -EINVAL;
	ctx = start(ci, iv, 1);
	if (!ctx)
		return -EIO;
	rc = run(ci, ctx, aad, aad_len, buf, len);
	if (rc)
		return rc;
	if (!EVP_CipherFinal_ex(ctx, fin, &outl) || outl != 0)
		return -EIO;
	if (ci->info.aead &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, ci->info.icv_len,
				tag) <= 0)
		return -EIO;
	return 0;
}

/* The next CBC IV nonce block (block_len octets) of the cache. */
static int next_nonce(struct ike_cipher *ci, uint8_t *nonce)
{
	struct ike_shared_ctx *sh = ci->c->shared;
	uint64_t v;

	if (!sh->iv_salted) {
		if (RAND_bytes(sh->iv_salt, sizeof(sh->iv_salt)) != 1)
			return -EIO;
		sh->iv_salted = true;
	}
	if (sh->iv_count == UINT64_MAX)
		return -EOVERFLOW;
	v = sh->iv_count++;
	for (int i = 7; i >= 0; i--, v >>= 8)
		nonce[i] = v & 0xff;
	if (ci->info.block_len > 8)
		memcpy(nonce + 8, sh->iv_salt, ci->info.block_len - 8u);
	return 0;
}

int ike_cipher_encrypt_nonce_iv(struct ike_cipher *ci, uint8_t *buf, size_t len)
{
	static const uint8_t zero_iv[IKE_BLOCK_MAX];
	size_t b = ci->info.block_len;
	uint8_t *iv = buf - ci->info.iv_len;
	EVP_CIPHER_CTX *ctx;
	uint8_t fin[IKE_BLOCK_MAX];
	int outl = 0, rc;

	if (ci->info.aead || ci->info.iv_len != b || b > 16 || len % b)
		return -EINVAL;
	rc = next_nonce(ci, iv);
	if (rc)
		return rc;
	ctx = start(ci, zero_iv, 1);
	if (!ctx)
		return -EIO;
	rc = run(ci, ctx, NULL, 0, iv, b + len);
	if (rc)
		return rc;
	if (!EVP_CipherFinal_ex(ctx, fin, &outl) || outl != 0)
		return -EIO;
	return 0;
}

int ike_cipher_decrypt(struct ike_cipher *ci, const uint8_t *iv,
		       const uint8_t *aad, size_t aad_len,
		       uint8_t *buf, size_t len, const uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t fin[IKE_BLOCK_MAX];
	int outl = 0, rc;

	if (len % ci->info.block_len)
		return -EINVAL;
	ctx = start(ci, iv, 0);
	if (!ctx)
		return -EIO;
	if (ci->info.aead &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, ci->info.icv_len,
				(void *)tag) <= 0)
		return -EIO;
	rc = run(ci, ctx, aad, aad_len, buf, len);
	if (rc)
		return rc;
	if (!EVP_CipherFinal_ex(ctx, fin, &outl))
		return ci->info.aead ? -EBADMSG : -EIO;
	return outl == 0 ? 0 : -EIO;
}

void ike_cipher_free(struct ike_cipher *ci)
{
	if (!ci)
		return;
	OPENSSL_cleanse(ci->key, sizeof(ci->key));
	free(ci);
}
