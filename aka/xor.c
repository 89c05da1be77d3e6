/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XOR test algorithms: TS 34.108 8.1.2 for a test USIM (3G; a GSM
 * context then uses c2/c3), and TS 51.010-1 Annex 4 A4.1.2 for a test SIM
 * (2G only). Not secure: for conformance test equipment only. */

#include <errno.h>
#include <string.h>

#include "aka/auth_alg.h"

#define XOR_LEN		16
#define XOR_RES_MIN	4	/* TS 34.108 8.1.2.1: RES of 32..128 bits */
#define XOR_RES_DEFAULT	16

/* TS 34.108 8.1.2.1 step 1: XDOUT[0..127] = K[0..127] xor RAND[0..127] */
static void xor_xdout(const struct aka_alg_keys *keys, const uint8_t *rand, uint8_t *xdout)
{
	for (size_t i = 0; i < XOR_LEN; i++)
		xdout[i] = keys->k[i] ^ rand[i];
}

/* TS 34.108 8.1.2.1 steps 3 and 4:
 *   CDOUT[0..63] = SQN[0..47] || AMF[0..15]
 *   MAC[0..63]   = XDOUT[0..63] xor CDOUT[0..63]
 * MAC-S of a resynchronisation (8.1.2.2) is the same function over SQN_MS
 * and the dummy AMF. */
static int xor_mac(const struct aka_alg_keys *keys, const uint8_t *rand,
		   const uint8_t *sqn, const uint8_t *amf, uint8_t *mac, size_t *mac_len)
{
	uint8_t xdout[XOR_LEN];

	xor_xdout(keys, rand, xdout);
	for (size_t i = 0; i < AKA_ALG_SQN_LEN; i++)
		mac[i] = xdout[i] ^ sqn[i];
	for (size_t i = 0; i < AKA_ALG_AMF_LEN; i++)
		mac[AKA_ALG_SQN_LEN + i] = xdout[AKA_ALG_SQN_LEN + i] ^ amf[i];
	*mac_len = 8;
	explicit_bzero(xdout, sizeof(xdout));
	return 0;
}

/* TS 34.108 8.1.2.1 step 2:
 *   RES[0..n-1]  = XDOUT[0..n-1]
 *   CK[0..127]   = XDOUT[8..127] || XDOUT[0..7]
 *   IK[0..127]   = XDOUT[16..127] || XDOUT[0..15]
 *   AK[0..47]    = XDOUT[24..71] */
static int xor_f2345(const struct aka_alg_keys *keys, const uint8_t *rand,
		     struct aka_alg_vec *vec)
{
	size_t res_len = keys->res_len ? keys->res_len : XOR_RES_DEFAULT;
	uint8_t xdout[XOR_LEN];

	if (res_len < XOR_RES_MIN || res_len > XOR_LEN)
		return -EINVAL;
	xor_xdout(keys, rand, xdout);
	memcpy(vec->res, xdout, res_len);
	vec->res_len = res_len;
	for (size_t i = 0; i < XOR_LEN; i++) {
		vec->ck[i] = xdout[(i + 1) % XOR_LEN];
		vec->ik[i] = xdout[(i + 2) % XOR_LEN];
	}
	vec->ck_len = XOR_LEN;
	vec->ik_len = XOR_LEN;
	memcpy(vec->ak, xdout + 3, AKA_ALG_AK_LEN);
	explicit_bzero(xdout, sizeof(xdout));
	return 0;
}

/* TS 34.108 8.1.2.2: AK* is computed as AK, AK*[0..47] = XDOUT[24..71] */
static int xor_f5star(const struct aka_alg_keys *keys, const uint8_t *rand, uint8_t *ak)
{
	uint8_t xdout[XOR_LEN];

	xor_xdout(keys, rand, xdout);
	memcpy(ak, xdout + 3, AKA_ALG_AK_LEN);
	explicit_bzero(xdout, sizeof(xdout));
	return 0;
}

/* TS 51.010-1 Annex 4 A4.1.2:
 *   RES1[0..127] = RAND xor Ki
 *   SRES = RES1[0..31], Kc = RES1[32..95]; RES1[96..127] unused */
static int xor_2g(const struct aka_alg_keys *keys, const uint8_t *rand,
		  uint8_t *sres, uint8_t *kc)
{
	uint8_t res1[XOR_LEN];

	xor_xdout(keys, rand, res1);
	memcpy(sres, res1, AKA_ALG_SRES_LEN);
	memcpy(kc, res1 + AKA_ALG_SRES_LEN, AKA_ALG_KC_LEN);
	explicit_bzero(res1, sizeof(res1));
	return 0;
}

const struct aka_alg aka_alg_xor = {
	.name = "xor",
	.id = AKA_ALG_XOR,
	.k_lens = AKA_ALG_K128,
	.f1 = xor_mac,
	.f1star = xor_mac,
	.f2345 = xor_f2345,
	.f5star = xor_f5star,
	.gsm = NULL,		/* c2/c3 over f2..f4 (TS 33.102 6.8.1.2) */
};

const struct aka_alg aka_alg_xor_2g = {
	.name = "xor-2g",
	.id = AKA_ALG_XOR_2G,
	.k_lens = AKA_ALG_K128,
	.gsm = xor_2g,
};
