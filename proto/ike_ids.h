/* IANA IKEv2 identifiers shared by the codec and the crypto code:
 * transform types and transform IDs (RFC 7296 3.3.2, IANA "IKEv2
 * Parameters").  Values are the wire numbers; APIs carry them as uint16_t. */
#ifndef IKESWARM_PROTO_IKE_IDS_H
#define IKESWARM_PROTO_IKE_IDS_H

/* Transform types (RFC 7296 3.3.2). */
enum ike_transform_type {
	IKE_TRANSFORM_ENCR  = 1,
	IKE_TRANSFORM_PRF   = 2,
	IKE_TRANSFORM_INTEG = 3,
	IKE_TRANSFORM_DH    = 4,
	IKE_TRANSFORM_ESN   = 5,
};

/* Transform attribute carrying the key length in bits (RFC 7296 3.3.5). */
enum { IKE_ATTR_KEY_LENGTH = 14 };

/* Transform type 1: encryption algorithms. */
enum ike_encr_id {
	IKE_ENCR_3DES              = 3,
	IKE_ENCR_NULL              = 11,
	IKE_ENCR_AES_CBC           = 12,
	IKE_ENCR_AES_CTR           = 13,
	IKE_ENCR_AES_GCM_8         = 18,
	IKE_ENCR_AES_GCM_12        = 19,
	IKE_ENCR_AES_GCM_16        = 20,
	IKE_ENCR_CHACHA20_POLY1305 = 28,
};

/* Transform type 2: pseudorandom functions. */
enum ike_prf_id {
	IKE_PRF_HMAC_MD5      = 1,
	IKE_PRF_HMAC_SHA1     = 2,
	IKE_PRF_AES128_XCBC   = 4,
	IKE_PRF_HMAC_SHA2_256 = 5,
	IKE_PRF_HMAC_SHA2_384 = 6,
	IKE_PRF_HMAC_SHA2_512 = 7,
};

/* Transform type 3: integrity algorithms (IANA calls them AUTH_*; INTEG
 * here so they do not read like the AUTH payload's methods). */
enum ike_integ_id {
	IKE_INTEG_NONE             = 0,
	IKE_INTEG_HMAC_MD5_96      = 1,
	IKE_INTEG_HMAC_SHA1_96     = 2,
	IKE_INTEG_AES_XCBC_96      = 5,
	IKE_INTEG_HMAC_SHA2_256_128 = 12,
	IKE_INTEG_HMAC_SHA2_384_192 = 13,
	IKE_INTEG_HMAC_SHA2_512_256 = 14,
};

/* Transform type 4: Diffie-Hellman groups. */
enum ike_dh_id {
	IKE_DH_NONE       = 0,
	IKE_DH_MODP_768   = 1,
	IKE_DH_MODP_1024  = 2,
	IKE_DH_MODP_1536  = 5,
	IKE_DH_MODP_2048  = 14,
	IKE_DH_MODP_3072  = 15,
	IKE_DH_MODP_4096  = 16,
	IKE_DH_MODP_6144  = 17,
	IKE_DH_MODP_8192  = 18,
	IKE_DH_ECP_256    = 19,
	IKE_DH_ECP_384    = 20,
	IKE_DH_ECP_521    = 21,
	IKE_DH_CURVE25519 = 31,
};

/* Transform type 5: extended sequence numbers. */
enum ike_esn_id {
	IKE_ESN_NO  = 0,
	IKE_ESN_YES = 1,
};

#endif
