/* Wireshark IKEv2 decryption table writer (see keylog.h). */
#include <errno.h>
#include <string.h>

#include "proto/ike_ids.h"
#include "worker/keylog.h"

int keylog_open(struct keylog *k, const char *path)
{
	k->f = NULL;
	if (!path || !*path)
		return 0;
	k->f = fopen(path, "w");
	return k->f ? 0 : -errno;
}

void keylog_close(struct keylog *k)
{
	if (k->f)
		fclose(k->f);
	k->f = NULL;
}

const char *keylog_encr_name(uint16_t id, uint16_t keybits)
{
	switch (id) {
	case IKE_ENCR_NULL: return "NONE [RFC4306]";
	case IKE_ENCR_3DES: return "3DES [RFC2451]";
	case IKE_ENCR_AES_CBC:
		return keybits == 256 ? "AES-CBC-256 [RFC3602]" :
		       keybits == 192 ? "AES-CBC-192 [RFC3602]" : "AES-CBC-128 [RFC3602]";
	case IKE_ENCR_AES_GCM_8:
	case IKE_ENCR_AES_GCM_12:
	case IKE_ENCR_AES_GCM_16: {
		static const char *const names[3][3] = {
			{ "AES-GCM-128 with 8 octet ICV [RFC5282]",
			  "AES-GCM-192 with 8 octet ICV [RFC5282]",
			  "AES-GCM-256 with 8 octet ICV [RFC5282]" },
			{ "AES-GCM-128 with 12 octet ICV [RFC5282]",
			  "AES-GCM-192 with 12 octet ICV [RFC5282]",
			  "AES-GCM-256 with 12 octet ICV [RFC5282]" },
			{ "AES-GCM-128 with 16 octet ICV [RFC5282]",
			  "AES-GCM-192 with 16 octet ICV [RFC5282]",
			  "AES-GCM-256 with 16 octet ICV [RFC5282]" },
		};
		int k = keybits == 256 ? 2 : keybits == 192 ? 1 : 0;
		return names[id - IKE_ENCR_AES_GCM_8][k];
	}
	case IKE_ENCR_CHACHA20_POLY1305:
		return "CHACHA20-POLY1305 [RFC7634]"; /* not in tshark 4.0 */
	default:
		return NULL;
	}
}

const char *keylog_integ_name(uint16_t id)
{
	switch (id) {
	case IKE_INTEG_NONE: return "NONE [RFC4306]";
	case IKE_INTEG_HMAC_MD5_96: return "HMAC_MD5_96 [RFC2403]";
	case IKE_INTEG_HMAC_SHA1_96: return "HMAC_SHA1_96 [RFC2404]";
	case IKE_INTEG_HMAC_SHA2_256_128: return "HMAC_SHA2_256_128 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_384_192: return "HMAC_SHA2_384_192 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_512_256: return "HMAC_SHA2_512_256 [RFC4868]";
	default: return NULL;
	}
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

int keylog_write(struct keylog *k, const struct keylog_sa *sa)
{
	if (!k->f)
		return 0;
	const char *en = keylog_encr_name(sa->encr_id, sa->encr_keybits);
	const char *in = keylog_integ_name(sa->ak_len ? sa->integ_id : IKE_INTEG_NONE);
	if (!en || !in)
		return -ENOTSUP;
	fprintf(k->f, "%016llx,%016llx,", (unsigned long long)sa->spi_i,
		(unsigned long long)sa->spi_r);
	put_hex(k->f, sa->sk_ei, sa->ek_len);
	fputc(',', k->f);
	put_hex(k->f, sa->sk_er, sa->ek_len);
	fprintf(k->f, ",\"%s\",", en);
	put_hex(k->f, sa->sk_ai, sa->ak_len);
	fputc(',', k->f);
	put_hex(k->f, sa->sk_ar, sa->ak_len);
	fprintf(k->f, ",\"%s\"\n", in);
	fflush(k->f);
	return 0;
}
