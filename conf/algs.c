/* Algorithm name table.  Canonical names first (as MyIKEv2 5.1 writes them),
 * then aliases people bring from strongSwan and from the RFC names. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "conf/algs.h"
#include "lib/util.h"

struct alg_name {
	const char *name;
	int xform;
	struct conf_alg alg;
	bool esp_only;
	bool alias;
};

static const struct alg_name alg_names[] = {
	{ "3des", XFORM_ENCR, { ENCR_3DES, 0 }, false, false },
	{ "aes-cbc:128", XFORM_ENCR, { ENCR_AES_CBC, 128 }, false, false },
	{ "aes-cbc:192", XFORM_ENCR, { ENCR_AES_CBC, 192 }, false, false },
	{ "aes-cbc:256", XFORM_ENCR, { ENCR_AES_CBC, 256 }, false, false },
	{ "aes-gcm-8:128", XFORM_ENCR, { ENCR_AES_GCM_8, 128 }, false, false },
	{ "aes-gcm-8:192", XFORM_ENCR, { ENCR_AES_GCM_8, 192 }, false, false },
	{ "aes-gcm-8:256", XFORM_ENCR, { ENCR_AES_GCM_8, 256 }, false, false },
	{ "aes-gcm-12:128", XFORM_ENCR, { ENCR_AES_GCM_12, 128 }, false, false },
	{ "aes-gcm-12:192", XFORM_ENCR, { ENCR_AES_GCM_12, 192 }, false, false },
	{ "aes-gcm-12:256", XFORM_ENCR, { ENCR_AES_GCM_12, 256 }, false, false },
	{ "aes-gcm-16:128", XFORM_ENCR, { ENCR_AES_GCM_16, 128 }, false, false },
	{ "aes-gcm-16:192", XFORM_ENCR, { ENCR_AES_GCM_16, 192 }, false, false },
	{ "aes-gcm-16:256", XFORM_ENCR, { ENCR_AES_GCM_16, 256 }, false, false },
	{ "chacha20-poly1305", XFORM_ENCR, { ENCR_CHACHA20_POLY1305, 0 }, false, false },
	{ "null", XFORM_ENCR, { ENCR_NULL, 0 }, true, false },
	/* strongSwan-style aliases */
	{ "aes128", XFORM_ENCR, { ENCR_AES_CBC, 128 }, false, true },
	{ "aes192", XFORM_ENCR, { ENCR_AES_CBC, 192 }, false, true },
	{ "aes256", XFORM_ENCR, { ENCR_AES_CBC, 256 }, false, true },
	{ "aes128gcm16", XFORM_ENCR, { ENCR_AES_GCM_16, 128 }, false, true },
	{ "aes256gcm16", XFORM_ENCR, { ENCR_AES_GCM_16, 256 }, false, true },
	{ "chacha20poly1305", XFORM_ENCR, { ENCR_CHACHA20_POLY1305, 0 }, false, true },

	{ "md5-96", XFORM_INTEG, { AUTH_HMAC_MD5_96, 0 }, false, false },
	{ "sha1-96", XFORM_INTEG, { AUTH_HMAC_SHA1_96, 0 }, false, false },
	{ "sha256", XFORM_INTEG, { AUTH_HMAC_SHA2_256_128, 0 }, false, false },
	{ "sha384", XFORM_INTEG, { AUTH_HMAC_SHA2_384_192, 0 }, false, false },
	{ "sha512", XFORM_INTEG, { AUTH_HMAC_SHA2_512_256, 0 }, false, false },
	{ "md5", XFORM_INTEG, { AUTH_HMAC_MD5_96, 0 }, false, true },
	{ "sha1", XFORM_INTEG, { AUTH_HMAC_SHA1_96, 0 }, false, true },
	{ "sha256-128", XFORM_INTEG, { AUTH_HMAC_SHA2_256_128, 0 }, false, true },
	{ "sha384-192", XFORM_INTEG, { AUTH_HMAC_SHA2_384_192, 0 }, false, true },
	{ "sha512-256", XFORM_INTEG, { AUTH_HMAC_SHA2_512_256, 0 }, false, true },

	{ "md5", XFORM_PRF, { PRF_HMAC_MD5, 0 }, false, false },
	{ "sha1", XFORM_PRF, { PRF_HMAC_SHA1, 0 }, false, false },
	{ "sha256", XFORM_PRF, { PRF_HMAC_SHA2_256, 0 }, false, false },
	{ "sha384", XFORM_PRF, { PRF_HMAC_SHA2_384, 0 }, false, false },
	{ "sha512", XFORM_PRF, { PRF_HMAC_SHA2_512, 0 }, false, false },
	{ "prfmd5", XFORM_PRF, { PRF_HMAC_MD5, 0 }, false, true },
	{ "prfsha1", XFORM_PRF, { PRF_HMAC_SHA1, 0 }, false, true },
	{ "prfsha256", XFORM_PRF, { PRF_HMAC_SHA2_256, 0 }, false, true },
	{ "prfsha384", XFORM_PRF, { PRF_HMAC_SHA2_384, 0 }, false, true },
	{ "prfsha512", XFORM_PRF, { PRF_HMAC_SHA2_512, 0 }, false, true },
};

int conf_alg_parse(int xform, const char *name, bool esp, struct conf_alg *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(alg_names); i++) {
		const struct alg_name *a = &alg_names[i];
		if (a->xform == xform && strcasecmp(a->name, name) == 0 &&
		    (esp || !a->esp_only)) {
			*out = a->alg;
			return 0;
		}
	}
	return -EINVAL;
}

const char *conf_alg_name(int xform, struct conf_alg alg)
{
	for (unsigned i = 0; i < ARRAY_SIZE(alg_names); i++) {
		const struct alg_name *a = &alg_names[i];
		if (a->xform == xform && !a->alias && a->alg.id == alg.id &&
		    a->alg.keybits == alg.keybits)
			return a->name;
	}
	return "?";
}

const char *conf_alg_names(int xform, bool esp)
{
	switch (xform) {
	case XFORM_ENCR:
		return esp ? "3des aes-cbc:{128,192,256} aes-gcm-{8,12,16}:{128,192,256} "
			     "chacha20-poly1305 null"
			   : "3des aes-cbc:{128,192,256} aes-gcm-{8,12,16}:{128,192,256} "
			     "chacha20-poly1305";
	case XFORM_INTEG:
		return "md5-96 sha1-96 sha256 sha384 sha512";
	case XFORM_PRF:
		return "md5 sha1 sha256 sha384 sha512";
	}
	return "";
}

bool conf_dh_group_ok(long g)
{
	static const long ok[] = { 1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31 };
	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++)
		if (ok[i] == g)
			return true;
	return false;
}
