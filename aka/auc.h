/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The network side of AKA: an AuC (HLR/HSS) reference that makes the
 * authentication vectors the card answers, manages SQN = SEQ || IND as an HLR
 * does, and verifies a resynchronisation token AUTS. Pure: byte arrays in, out-parameters out, no I/O, no logging; temporaries
 * cleared before return.
 * Functions return 0, -EINVAL for unusable input, -ENOTSUP for a 3G function
 * of a GSM-only algorithm, -ERANGE for an SQN or SEQ out of its range,
 * -EBADMSG for an AUTS whose MAC-S is wrong, -EIO if the crypto library
 * fails. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aka/auth_alg.h"

#define AKA_AUC_SQN_BITS	48	/* TS 33.102 6.3.2 */
#define AKA_AUC_SQN_MAX	((1ULL << AKA_AUC_SQN_BITS) - 1)
#define AKA_AUC_IND_BITS_DEFAULT	5	/* TS 33.102 C.3.2, C.1.1.2 */
#define AKA_AUC_IND_BITS_MAX	28	/* as libosmocore's OSMO_MILENAGE_IND_BITLEN_MAX */
/* AUTN = (SQN xor AK) || AMF || MAC-A; 16 octets with a 64-bit MAC-A */
#define AKA_AUC_AUTN_MAX	(AKA_ALG_SQN_LEN + AKA_ALG_AMF_LEN + AKA_ALG_MAC_MAX)
/* AUTS = (SQN_MS xor AK*) || MAC-S; 14 octets with a 64-bit MAC-S */
#define AKA_AUC_AUTS_MAX	(AKA_ALG_SQN_LEN + AKA_ALG_MAC_MAX)

/* One authentication vector (TS 33.102 6.3.2): the quintet RAND, XRES, CK,
 * IK, AUTN with what went into AUTN, and the GSM triplet RAND, SRES, Kc.
 * Holds keys: clear it with aka_auc_vec_clear(). */
struct aka_auc_vec {
	bool umts;			/* false: a GSM-only algorithm, triplet only */
	bool gsm;			/* SRES and Kc are set */
	uint8_t rand[AKA_ALG_RAND_LEN];
	uint64_t sqn;			/* the SQN in AUTN, 48 bits */
	uint8_t amf[AKA_ALG_AMF_LEN];
	uint8_t autn[AKA_AUC_AUTN_MAX];
	size_t autn_len;
	uint8_t mac_a[AKA_ALG_MAC_MAX];	/* f1 */
	size_t mac_len;
	uint8_t xres[AKA_ALG_RES_MAX];	/* f2 */
	size_t xres_len;
	uint8_t ck[AKA_ALG_CKIK_MAX];	/* f3 */
	size_t ck_len;
	uint8_t ik[AKA_ALG_CKIK_MAX];	/* f4 */
	size_t ik_len;
	uint8_t ak[AKA_ALG_AK_LEN];	/* f5 */
	uint8_t sres[AKA_ALG_SRES_LEN];	/* A3, or c2(XRES) */
	uint8_t kc[AKA_ALG_KC_LEN];	/* A8, or c3(CK, IK) */
};

/*! One authentication vector for RAND, SQN (48 bits) and AMF (TS 33.102
 *  6.3.2): MAC-A = f1_K(SQN || RAND || AMF), XRES = f2, CK = f3, IK = f4,
 *  AK = f5, AUTN = (SQN xor AK) || AMF || MAC-A; and the GSM triplet, SRES =
 *  c2(XRES) and Kc = c3(CK, IK) (TS 33.102 6.8.1.2) where RES is at most 128
 *  bits and CK, IK are 128 bits. A GSM-only algorithm gives the triplet
 *  only (av->umts false; sqn and amf are not used). On failure av is zeroed. */
int aka_auc_gen_vec(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		     const uint8_t rand[AKA_ALG_RAND_LEN], uint64_t sqn,
		     const uint8_t amf[AKA_ALG_AMF_LEN], struct aka_auc_vec *av);

/*! Zero a vector (it holds XRES, CK, IK, Kc). */
void aka_auc_vec_clear(struct aka_auc_vec *av);

/*! Verify a resynchronisation token (TS 33.102 6.3.3): AUTS = (SQN_MS xor
 *  AK*) || MAC-S, AK* = f5*_K(RAND), MAC-S = f1*_K(SQN_MS || RAND || AMF*)
 *  with the dummy AMF* = '0000'. rand is the RAND of the vector the card
 *  refused. MAC-S is compared in constant time. 0 with *sqn_ms set;
 *  -EBADMSG when MAC-S is wrong (then *sqn_ms is not written); -EINVAL when
 *  auts_len is not 6 + the algorithm's MAC length. */
int aka_auc_auts_verify(const struct aka_alg *alg, const struct aka_alg_keys *keys,
			 const uint8_t rand[AKA_ALG_RAND_LEN], const uint8_t *auts,
			 size_t auts_len, uint64_t *sqn_ms);

/* SQN = SEQ || IND (TS 33.102 C.1.1.2, C.3.2): the low ind_bits bits are
 * the IND slot (one per serving node, or per batch of vectors), the high
 * 48 - ind_bits bits are SEQ, counting up per subscriber. The USIM keeps
 * the highest SEQ accepted per IND slot, so vectors of different slots may
 * be used out of order. With ind_bits 5: SQN 32 is SEQ 1 IND 0, SQN 33 is
 * SEQ 1 IND 1, SQN 64 is SEQ 2 IND 0. */

/*! SQN = SEQ << ind_bits | IND. -EINVAL for ind_bits above
 *  AKA_AUC_IND_BITS_MAX or ind >= 2^ind_bits; -ERANGE when SEQ does not
 *  fit in 48 - ind_bits bits. */
int aka_auc_sqn_compose(uint64_t seq, unsigned int ind, unsigned int ind_bits, uint64_t *sqn);

/*! SEQ and IND of an SQN (either pointer may be NULL). -EINVAL for
 *  ind_bits above AKA_AUC_IND_BITS_MAX, -ERANGE for an SQN over 48 bits. */
int aka_auc_sqn_split(uint64_t sqn, unsigned int ind_bits, uint64_t *seq, unsigned int *ind);

/*! The SQN an HLR hands out next from IND slot ind, after last (the highest
 *  SQN it has used for the subscriber, or SQN_MS after a resynchronisation):
 *  SEQ(last) + 1 || ind (TS 33.102 C.3.2, as libosmocore's
 *  osmo_auth_gen_vec()). -ERANGE when SEQ would pass its maximum. */
int aka_auc_sqn_next(uint64_t last, unsigned int ind, unsigned int ind_bits, uint64_t *next);

/*! 48-bit SQN to and from its 6 octets, most significant first. */
