/* Key derivation (RFC 7296 2.14, 2.17, 2.18).
 *
 *   SKEYSEED = prf(Ni | Nr, g^ir)
 *   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *            = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 *   rekeyed IKE SA: SKEYSEED = prf_old(SK_d_old, g^ir_new | Ni | Nr)
 *   CHILD SA: KEYMAT = prf+(SK_d, [g^ir_new |] Ni | Nr), taken as
 *            encr_i | integ_i | encr_r | integ_r   (i = initiator->responder)
 *
 * All PRFs here are HMACs (variable key length), so Ni | Nr is used whole
 * as the SKEYSEED key.  With an AEAD there is no SK_a (length 0) and SK_e
 * includes the 4-octet salt. */
#ifndef IKESWARM_PROTO_KEYS_H
#define IKESWARM_PROTO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"

/* The keys of one IKE SA.  Lengths: prf_len for sk_d, sk_pi, sk_pr;
 * integ_len for sk_ai/sk_ar (0 with AEAD); encr_len for sk_ei/sk_er
 * (key + salt); skeyseed_len (= prf_len, except after a rekey that changed
 * the PRF: SKEYSEED then has the old PRF's length). */
struct ike_sa_keys {
	struct ike_suite suite;
	size_t prf_len, integ_len, encr_len, skeyseed_len;
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	uint8_t sk_d[IKE_PRF_MAX_LEN];
	uint8_t sk_ai[IKE_INTEG_MAX_KEY], sk_ar[IKE_INTEG_MAX_KEY];
	uint8_t sk_ei[IKE_ENCR_MAX_KEY], sk_er[IKE_ENCR_MAX_KEY];
	uint8_t sk_pi[IKE_PRF_MAX_LEN], sk_pr[IKE_PRF_MAX_LEN];
};

/* The ESP keys of one CHILD SA; _i = initiator->responder SA, _r =
 * responder->initiator SA.  encr_len includes the salt of AEAD ciphers
 * (what XFRM's rfc4106/rfc7539esp algorithms expect). */
struct ike_child_keys {
	struct ike_suite suite;         /* encr, encr_keybits, integ */
	size_t encr_len, integ_len;
	uint8_t encr_i[IKE_ENCR_MAX_KEY], integ_i[IKE_INTEG_MAX_KEY];
	uint8_t encr_r[IKE_ENCR_MAX_KEY], integ_r[IKE_INTEG_MAX_KEY];
};

/* Initial IKE SA (IKE_SA_INIT).  spi_i/spi_r are the 8-octet SPIs as on
 * the wire.  0 or -errno (suite invalid, lengths). */
int ike_keys_derive(const struct ike_crypto *c, const struct ike_suite *s,
		    const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len,
		    const uint8_t spi_i[8], const uint8_t spi_r[8],
		    const uint8_t *gir, size_t gir_len,
		    struct ike_sa_keys *out);

/* Rekeyed IKE SA (CREATE_CHILD_SA): SKEYSEED with the OLD SA's PRF and
 * SK_d, everything else with the new suite s, the new SPIs and nonces. */
int ike_keys_derive_rekey(const struct ike_crypto *c, uint16_t old_prf,
			  const uint8_t *old_sk_d, size_t old_sk_d_len,
			  const struct ike_suite *s,
			  const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len,
			  const uint8_t spi_i[8], const uint8_t spi_r[8],
			  const uint8_t *gir, size_t gir_len,
			  struct ike_sa_keys *out);

/* CHILD SA keys from the IKE SA's PRF and SK_d.  esp: encr, encr_keybits,
 * integ (IKE_INTEG_NONE with an AEAD).  gir NULL / 0 without PFS.  For the
 * first CHILD SA (IKE_AUTH) use the IKE_SA_INIT nonces; for
 * CREATE_CHILD_SA the nonces of that exchange. */
int ike_keys_child(const struct ike_crypto *c, uint16_t prf,
		   const uint8_t *sk_d, size_t sk_d_len,
		   const struct ike_suite *esp,
		   const uint8_t *gir, size_t gir_len,
		   const uint8_t *ni, size_t ni_len,
		   const uint8_t *nr, size_t nr_len,
		   struct ike_child_keys *out);

/* OPENSSL_cleanse the whole struct; NULL is fine. */
void ike_sa_keys_wipe(struct ike_sa_keys *k);
void ike_child_keys_wipe(struct ike_child_keys *k);

#endif
