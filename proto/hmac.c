/* HMAC on the one-shot digest API (see hmac.h), deprecated in OpenSSL 3.0
 * but kept there: first, so no other header declares it deprecated. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "proto/hmac.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "proto/crypto_int.h"

#define HMAC_MAX_BLOCK 128

struct ike_hmac_md {
	size_t block, len;
	void (*init)(union ike_md_state *s);
	void (*update)(union ike_md_state *s, const void *p, size_t n);
	void (*final)(union ike_md_state *s, uint8_t *out);
};

/* Thin wrappers: one signature for every digest.  The one-shot calls
 * cannot fail for in-memory states (they return 1). */
static void md5_init(union ike_md_state *s)
{
	MD5_Init(&s->md5);
}
static void md5_update(union ike_md_state *s, const void *p, size_t n)
{
	MD5_Update(&s->md5, p, n);
}
static void md5_final(union ike_md_state *s, uint8_t *o)
{
	MD5_Final(o, &s->md5);
}
static void sha1_init(union ike_md_state *s)
{
	SHA1_Init(&s->sha1);
}
static void sha1_update(union ike_md_state *s, const void *p, size_t n)
{
	SHA1_Update(&s->sha1, p, n);
}
static void sha1_final(union ike_md_state *s, uint8_t *o)
{
	SHA1_Final(o, &s->sha1);
}
static void sha256_init(union ike_md_state *s)
{
	SHA256_Init(&s->sha256);
}
static void sha256_update(union ike_md_state *s, const void *p, size_t n)
{
	SHA256_Update(&s->sha256, p, n);
}
static void sha256_final(union ike_md_state *s, uint8_t *o)
{
	SHA256_Final(o, &s->sha256);
}
static void sha384_init(union ike_md_state *s)
{
	SHA384_Init(&s->sha512);
}
static void sha512_init(union ike_md_state *s)
{
	SHA512_Init(&s->sha512);
}
static void sha512_update(union ike_md_state *s, const void *p, size_t n)
{
	SHA512_Update(&s->sha512, p, n);
}
static void sha384_final(union ike_md_state *s, uint8_t *o)
{
	SHA384_Final(o, &s->sha512);
}
static void sha512_final(union ike_md_state *s, uint8_t *o)
{
	SHA512_Final(o, &s->sha512);
}

static const struct ike_hmac_md mds[MD_COUNT] = {
	[MD_MD5] = { 64, 16, md5_init, md5_update, md5_final },
	[MD_SHA1] = { 64, 20, sha1_init, sha1_update, sha1_final },
	[MD_SHA256] = { 64, 32, sha256_init, sha256_update, sha256_final },
	[MD_SHA384] = { 128, 48, sha384_init, sha512_update, sha384_final },
	[MD_SHA512] = { 128, 64, sha512_init, sha512_update, sha512_final },
};

int ike_hmac_key(struct ike_hmac *h, int md, const uint8_t *key, size_t key_len)
{
	uint8_t pad[HMAC_MAX_BLOCK];
	const struct ike_hmac_md *d;

	if (md < 0 || md >= MD_COUNT)
		return -ENOTSUP;
	d = h->md = &mds[md];
	memset(pad, 0, sizeof(pad));
	if (key_len > d->block) {
		d->init(&h->run);
		d->update(&h->run, key, key_len);
		d->final(&h->run, pad);
	} else if (key_len) {
		memcpy(pad, key, key_len);
	}
	for (size_t i = 0; i < d->block; i++)
		pad[i] ^= 0x36;
	d->init(&h->in);
	d->update(&h->in, pad, d->block);
	for (size_t i = 0; i < d->block; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	d->init(&h->out);
	d->update(&h->out, pad, d->block);
	OPENSSL_cleanse(pad, sizeof(pad));
	h->run = h->in;
	return 0;
}

void ike_hmac_restart(struct ike_hmac *h)
{
	h->run = h->in;
}

void ike_hmac_update(struct ike_hmac *h, const void *p, size_t n)
{
	if (n)
		h->md->update(&h->run, p, n);
}

size_t ike_hmac_final(struct ike_hmac *h, uint8_t *out)
{
	const struct ike_hmac_md *d = h->md;
	uint8_t inner[IKE_PRF_MAX_LEN];

	d->final(&h->run, inner);
	h->run = h->out;
	d->update(&h->run, inner, d->len);
	d->final(&h->run, out);
	OPENSSL_cleanse(inner, sizeof(inner));
	OPENSSL_cleanse(&h->run, sizeof(h->run));
	return d->len;
}

size_t ike_hmac_len(const struct ike_hmac *h)
{
	return h->md->len;
}

void ike_hmac_wipe(struct ike_hmac *h)
{
	OPENSSL_cleanse(h, sizeof(*h));
}
