/* --keylog FILE: Wireshark's IKEv2 decryption table (ikev2_decryption_table
 * UAT), one record per IKE SA, so anyone can decrypt a capture of the run:
 *   SPIi,SPIr,SK_ei,SK_er,"encryption name",SK_ai,SK_ar,"integrity name"
 * SPIs as 16 hex digits, keys as hex (AEAD: SK_a empty, SK_e with salt). */
#ifndef IKESWARM_WORKER_KEYLOG_H
#define IKESWARM_WORKER_KEYLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct keylog {
	FILE *f; /* NULL: off */
};

/* Opens (truncates) path; path NULL or "" leaves the log off.  0 or -errno. */
int keylog_open(struct keylog *k, const char *path);
void keylog_close(struct keylog *k);

/* Wireshark's names for an IKE transform, or NULL when it has none. */
const char *keylog_encr_name(uint16_t encr_id, uint16_t keybits);
const char *keylog_integ_name(uint16_t integ_id);

struct keylog_sa {
	uint64_t spi_i, spi_r;
	uint16_t encr_id, encr_keybits, integ_id;
	const uint8_t *sk_ei, *sk_er, *sk_ai, *sk_ar;
	size_t ek_len, ak_len; /* ak_len 0 for AEAD */
};

/* Appends one record and flushes.  -ENOTSUP when Wireshark cannot name the
 * algorithms (nothing written). */
int keylog_write(struct keylog *k, const struct keylog_sa *sa);

#endif
