/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The generic key derivation function of TS 33.220 Annex B.2 and, on top of
 * it, the E2M key hierarchy of doc/e2m-profile.md section 2 (profile version 1).
 * Pure functions: byte arrays in, out-parameters out, temporaries cleared.
 * They return 0, -EINVAL for an input outside the allowed ranges (nothing
 * is written then), -EIO when libcrypto fails. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* ---- TS 33.220 Annex B.2 ---- */

#define E2M_KDF_OUT_LEN	32	/* HMAC-SHA-256 */
#define E2M_KDF_PARAM_MAX	0xFFFF	/* Li is two octets */

/* One input parameter Pi; Li is its length, coded by e2m_kdf(). */
struct e2m_kdf_param {
	const uint8_t *data;	/* may be NULL when len is 0 */
	size_t len;		/* 0..E2M_KDF_PARAM_MAX */
};

/*! KDF(Key, S) = HMAC-SHA-256(Key, S), S = FC || P0 || L0 || ... || Pn || Ln,
 *  each Li the length of Pi in two octets, big-endian (TS 33.220 B.2.1).
 *  key_len must be 1..64. */
int e2m_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
	     const struct e2m_kdf_param *params, size_t n_params,
	     uint8_t out[E2M_KDF_OUT_LEN]);

/* A KDF key prepared for many derivations (a card's K): the SHA-256 states
 * after its padded blocks K0 xor ipad and K0 xor opad (RFC 2104), hashed
 * once instead of at every derivation. Holds key material. */
struct e2m_kdf_key;

/*! A prepared key for key (1..64 octets); NULL for a bad length or when
 *  memory or libcrypto fail. Free it with e2m_kdf_key_free(). */
struct e2m_kdf_key *e2m_kdf_key_new(const uint8_t *key, size_t key_len);

/*! Clear and free a prepared key (NULL is fine). */
void e2m_kdf_key_free(struct e2m_kdf_key *kk);

/*! e2m_kdf() with a prepared key: the same output. */
int e2m_kdf_prepared(const struct e2m_kdf_key *kk, uint8_t fc,
		      const struct e2m_kdf_param *params, size_t n_params,
		      uint8_t out[E2M_KDF_OUT_LEN]);

/* ---- E2M, doc/e2m-profile.md section 2 ---- */

/* FC values, *assigned here* (doc/e2m-profile.md section 2), outside 3GPP's ranges. */
#define E2M_FC_KE2M_USIM	0xE2	/* K_E2M from K, variants A-D */
#define E2M_FC_KE2M_ME	0xE5	/* K_E2M from CK||IK, variant E */
#define E2M_FC_ALG		0xE6	/* K_E2M_int and K_E2M_enc from K_E2M */

/* The FC values a card profile may override. NULL where a function takes
 * one means E2M_FC_DEFAULT. */
struct e2m_fc {
	uint8_t ke2m_usim;
	uint8_t ke2m_me;
	uint8_t alg;
};

#define E2M_FC_DEFAULT { \
	.ke2m_usim = E2M_FC_KE2M_USIM, \
	.ke2m_me = E2M_FC_KE2M_ME, \
	.alg = E2M_FC_ALG, \
}

/* P0 of FC 0xE6: which key is derived. */
#define E2M_ALG_TYPE_INT	0x01
#define E2M_ALG_TYPE_ENC	0x02
/* EA 0: confidentiality off, no K_E2M_enc. */
#define E2M_EA_NONE	0x00

#define E2M_RAND_LEN	16
#define E2M_SQN_AK_LEN	6	/* SQN xor AK, the first 6 octets of AUTN */
#define E2M_CK_LEN		16
#define E2M_IK_LEN		16
#define E2M_KEY_LEN	32	/* K_E2M */
#define E2M_ALG_KEY_LEN	16	/* K_E2M_int, K_E2M_enc */
#define E2M_EID_MIN	1
#define E2M_EID_MAX	128
/* base64(RAND) is 24 characters; then "@", EID and a NUL. */
#define E2M_KID_MAX	(24 + 1 + E2M_EID_MAX + 1)

/*! 0 when eid_len is 1..128 and eid is not NULL, else -EINVAL. */
int e2m_eid_check(const uint8_t *eid, size_t eid_len);

/*! K_E2M of variants A-D, derived in the USIM and the HSS:
 *  KDF(K, FC=0xE2, P0=RAND, P1=SQN xor AK, P2=EID). K is 16 or 32 octets. */
int e2m_key_usim(const struct e2m_fc *fc, const uint8_t *k, size_t k_len,
		      const uint8_t rnd[E2M_RAND_LEN],
		      const uint8_t sqn_ak[E2M_SQN_AK_LEN],
		      const uint8_t *eid, size_t eid_len,
		      uint8_t k_e2m[E2M_KEY_LEN]);

/*! e2m_key_usim() with K prepared by e2m_kdf_key_new(). */
int e2m_key_usim_prepared(const struct e2m_fc *fc, const struct e2m_kdf_key *k,
			       const uint8_t rnd[E2M_RAND_LEN],
			       const uint8_t sqn_ak[E2M_SQN_AK_LEN],
			       const uint8_t *eid, size_t eid_len,
			       uint8_t k_e2m[E2M_KEY_LEN]);

/*! K_E2M of variant E, derived in the ME and the HSS:
 *  KDF(CK || IK, FC=0xE5, P0=RAND, P1=SQN xor AK, P2=EID). */
int e2m_key_me(const struct e2m_fc *fc, const uint8_t ck[E2M_CK_LEN],
		    const uint8_t ik[E2M_IK_LEN],
		    const uint8_t rnd[E2M_RAND_LEN],
		    const uint8_t sqn_ak[E2M_SQN_AK_LEN],
		    const uint8_t *eid, size_t eid_len,
		    uint8_t k_e2m[E2M_KEY_LEN]);

/*! K_E2M_int: octets 16..31 of KDF(K_E2M, FC=0xE6, P0=0x01, P1=IA).
 *  IA is not checked against the table of section 2; the caller does. */
int e2m_key_int(const struct e2m_fc *fc, const uint8_t k_e2m[E2M_KEY_LEN],
		     uint8_t ia, uint8_t k_int[E2M_ALG_KEY_LEN]);

/*! K_E2M_enc: octets 16..31 of KDF(K_E2M, FC=0xE6, P0=0x02, P1=EA), and
 *  *k_enc_len = 16; when EA is 0 the key is absent: k_enc is zeroed and
 *  *k_enc_len = 0 (the L of the AUTHENTICATE response, section 3). */
int e2m_key_enc(const struct e2m_fc *fc, const uint8_t k_e2m[E2M_KEY_LEN],
		     uint8_t ea, uint8_t k_enc[E2M_ALG_KEY_LEN], size_t *k_enc_len);

/*! K_E2M_int (IA) and K_E2M_enc (EA) as e2m_key_int() and
 *  e2m_key_enc() give them, K_E2M's padded blocks hashed once for
 *  both. EA 0: no K_E2M_enc (*k_enc_len = 0). k_int, or k_enc with
 *  k_enc_len, may be NULL: that key is not derived. */
int e2m_key_int_enc(const struct e2m_fc *fc, const uint8_t k_e2m[E2M_KEY_LEN],
			 uint8_t ia, uint8_t ea, uint8_t k_int[E2M_ALG_KEY_LEN],
			 uint8_t k_enc[E2M_ALG_KEY_LEN], size_t *k_enc_len);

/*! E2M-KID = base64(RAND) "@" EID, standard base64 with padding (RFC 4648
 *  clause 4), NUL-terminated in kid[cap]; *kid_len (if not NULL) gets its
 *  length. -EINVAL for an EID outside 1..128 octets or containing a NUL
 *  octet, -ENOSPC when cap is too small (E2M_KID_MAX always fits). */
int e2m_kid(const uint8_t rnd[E2M_RAND_LEN], const uint8_t *eid, size_t eid_len,
		 char *kid, size_t cap, size_t *kid_len);
