/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TUAK, the Keccak-based 3GPP authentication and key generation algorithm set
 * (TS 35.231; conformance data TS 35.233). Pure functions: byte arrays in,
 * out-parameters out, temporaries cleared before return.
 *
 * All functions return 0, or -EINVAL when a length or the iteration count is
 * not one TS 35.231 allows (then nothing is written). All multi-octet values
 * are in the usual 3GPP order (most significant octet first). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define AKA_TUAK_TOP_LEN	32	/* TOP and TOPc */
#define AKA_TUAK_RAND_LEN	16
#define AKA_TUAK_SQN_LEN	6
#define AKA_TUAK_AMF_LEN	2
#define AKA_TUAK_AK_LEN	6	/* f5 and f5* */
#define AKA_TUAK_OUT_MAX	32	/* longest MAC, RES, CK or IK */

/* One subscriber's TUAK configuration. The output lengths are part of the
 * algorithm: TS 35.231 codes them into the INSTANCE octet, so f1 depends on
 * mac_len and f2..f5 (AK included) on res_len, ck_len and ik_len together.
 * Every function of one subscriber must therefore see the same values. */
struct aka_tuak_params {
	const uint8_t *k;		/* K, k_len octets */
	size_t k_len;			/* 16 or 32 */
	uint8_t topc[AKA_TUAK_TOP_LEN];	/* TOPc, see aka_tuak_topc() */
	unsigned int iterations;	/* Keccak-f[1600] applications, >= 1 (usually 1) */
	size_t mac_len;			/* MAC-A and MAC-S: 8, 16 or 32 */
	size_t res_len;			/* RES: 4, 8, 16 or 32 */
	size_t ck_len;			/* CK: 16 or 32 */
	size_t ik_len;			/* IK: 16 or 32 */
};

/*! TOPc from TOP and K (TS 35.231 clause 6). iterations as in the params. */
int aka_tuak_topc(const uint8_t top[AKA_TUAK_TOP_LEN], const uint8_t *k, size_t k_len,
		   unsigned int iterations, uint8_t topc[AKA_TUAK_TOP_LEN]);

/*! Check every field of p: 0 when all lengths and the iteration count are
 *  allowed, -EINVAL otherwise. For validating a profile once, at load time. */
int aka_tuak_params_check(const struct aka_tuak_params *p);

/*! f1: MAC-A (p->mac_len octets) over RAND, SQN, AMF. */
int aka_tuak_f1(const struct aka_tuak_params *p, const uint8_t rnd[AKA_TUAK_RAND_LEN],
		 const uint8_t sqn[AKA_TUAK_SQN_LEN], const uint8_t amf[AKA_TUAK_AMF_LEN],
		 uint8_t *mac_a);

/*! f1*: MAC-S (p->mac_len octets) over RAND, SQN_MS, AMF (for AUTS the AMF
 *  is '0000', TS 33.102 6.3.3). */
int aka_tuak_f1star(const struct aka_tuak_params *p, const uint8_t rnd[AKA_TUAK_RAND_LEN],
		     const uint8_t sqn[AKA_TUAK_SQN_LEN], const uint8_t amf[AKA_TUAK_AMF_LEN],
		     uint8_t *mac_s);

/*! f2, f3, f4, f5 in one Keccak run: RES (p->res_len octets), CK (p->ck_len),
 *  IK (p->ik_len) and AK (6 octets). Any output may be NULL when not wanted;
 *  the lengths are checked and enter the computation all the same. */
int aka_tuak_f2345(const struct aka_tuak_params *p, const uint8_t rnd[AKA_TUAK_RAND_LEN],
		    uint8_t *res, uint8_t *ck, uint8_t *ik, uint8_t *ak);

/*! f5*: the resynchronisation AK (6 octets) that conceals SQN_MS in AUTS. */
int aka_tuak_f5star(const struct aka_tuak_params *p, const uint8_t rnd[AKA_TUAK_RAND_LEN],
		     uint8_t ak[AKA_TUAK_AK_LEN]);
