/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Milenage, TS 35.206 (algorithm specification), over AES-128 (the kernel
 * function E_K, TS 35.206 4.1) from OpenSSL libcrypto. Test data: TS 35.207
 * and TS 35.208. Every key schedule and temporary is cleared before
 * returning, on every path. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aka/auth_alg.h"

#define MIL_BLOCK	16

/* TS 35.206 4.1 */
const struct aka_milenage_consts aka_milenage_default_consts = {
	.c = {
		[0] = { [15] = 0x00 },	/* c1 = 0 */
		[1] = { [15] = 0x01 },	/* c2 = 1 */
		[2] = { [15] = 0x02 },	/* c3 = 2 */
		[3] = { [15] = 0x04 },	/* c4 = 4 */
		[4] = { [15] = 0x08 },	/* c5 = 8 */
	},
	.r = { 64, 0, 32, 64, 96 },	/* r1..r5 in bits */
};

/* TS 35.206 4.1: the outputs OUT1..OUT5 */
enum mil_out {
	MIL_OUT1,	/* f1 = OUT1[0..63], f1* = OUT1[64..127] */
	MIL_OUT2,	/* f5 = OUT2[0..47], f2 = OUT2[64..127] */
	MIL_OUT3,	/* f3 = OUT3 */
	MIL_OUT4,	/* f4 = OUT4 */
	MIL_OUT5,	/* f5* = OUT5[0..47] */
};

/* One computation: the AES key schedule (the prepared one of the keys, or
 * its own), OPc, the constants and TEMP = E_K(RAND xor OPc). */
struct mil_ctx {
	EVP_CIPHER_CTX *evp;
	bool own_evp;			/* set up here, freed by mil_end() */
	const uint8_t *opc;
	const struct aka_milenage_consts *consts;
	uint8_t temp[MIL_BLOCK];
};

/* out = E_K(in), one AES-128 block */
static int mil_encrypt(struct mil_ctx *m, const uint8_t *in, uint8_t *out)
{
	int len = 0;

	if (EVP_EncryptUpdate(m->evp, out, &len, in, MIL_BLOCK) != 1 || len != MIL_BLOCK)
		return -EIO;
	return 0;
}

static void mil_end(struct mil_ctx *m)
{
	/* EVP_CIPHER_CTX_free() cleanses the key schedule */
	if (m->own_evp)
		EVP_CIPHER_CTX_free(m->evp);
	m->evp = NULL;
	OPENSSL_cleanse(m->temp, sizeof(m->temp));
}

/* AES-128-ECB, fetched once: EVP_aes_128_ecb() makes EVP_EncryptInit_ex()
 * search the provider store on every call. */
static EVP_CIPHER *mil_aes;
static CRYPTO_ONCE mil_aes_once = CRYPTO_ONCE_STATIC_INIT;

static void mil_aes_fetch(void)
{
	mil_aes = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
}

/* A new context for E_K: AES-128 with the key schedule of K, ECB on single
 * blocks without padding (the bare block cipher). NULL on failure. */
static EVP_CIPHER_CTX *mil_aes_new(const uint8_t *k)
{
	EVP_CIPHER_CTX *evp = EVP_CIPHER_CTX_new();

	if (evp && CRYPTO_THREAD_run_once(&mil_aes_once, mil_aes_fetch) && mil_aes &&
	    EVP_EncryptInit_ex2(evp, mil_aes, k, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(evp, 0) == 1)
		return evp;
	EVP_CIPHER_CTX_free(evp);
	return NULL;
}

/* Set up E_K (the keys' prepared key schedule, or one of K made here) and
 * compute TEMP = E_K(RAND xor OPc). On failure nothing is left to clear but
 * what mil_end() clears. */
static int mil_begin(struct mil_ctx *m, const struct aka_alg_keys *keys,
		     const uint8_t *rand)
{
	uint8_t in[MIL_BLOCK];
	int rc;

	m->opc = keys->opc;
	m->consts = keys->mil_consts_set ? &keys->mil_consts : &aka_milenage_default_consts;
	m->evp = keys->prepared;
	if (!m->evp) {
		m->evp = mil_aes_new(keys->k);
		m->own_evp = true;
	}
	if (!m->evp)
		return -EIO;
	for (size_t i = 0; i < MIL_BLOCK; i++)
		in[i] = rand[i] ^ keys->opc[i];
	rc = mil_encrypt(m, in, m->temp);
	OPENSSL_cleanse(in, sizeof(in));
	return rc;
}

/* out = x rotated cyclically by r bits towards the most significant end:
 * rot(x, r)[i] = x[(i + r) mod 128] (TS 35.206 4.1, bit 0 the leftmost). */
static void mil_rot(const uint8_t *x, unsigned int r, uint8_t *out)
{
	unsigned int q = (r / 8) % MIL_BLOCK;
	unsigned int s = r % 8;

	for (unsigned int i = 0; i < MIL_BLOCK; i++) {
		uint8_t hi = x[(i + q) % MIL_BLOCK];
		uint8_t lo = x[(i + q + 1) % MIL_BLOCK];

		out[i] = s ? (uint8_t)(hi << s | lo >> (8 - s)) : hi;
	}
}

/* TS 35.206 4.1:
 *   OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc
 *   OUTn = E_K(rot(TEMP xor OPc, rn) xor cn) xor OPc	(n = 2..5)
 * in1 (IN1 = SQN || AMF || SQN || AMF) only for OUT1. */
static int mil_out(struct mil_ctx *m, enum mil_out n, const uint8_t *in1, uint8_t *out)
{
	uint8_t x[MIL_BLOCK], y[MIL_BLOCK];
	const uint8_t *c = m->consts->c[n];
	int rc;

	for (size_t i = 0; i < MIL_BLOCK; i++)
		x[i] = (n == MIL_OUT1 ? in1[i] : m->temp[i]) ^ m->opc[i];
	mil_rot(x, m->consts->r[n] % 128, y);
	for (size_t i = 0; i < MIL_BLOCK; i++)
		y[i] ^= c[i] ^ (n == MIL_OUT1 ? m->temp[i] : 0);
	rc = mil_encrypt(m, y, out);
	for (size_t i = 0; i < MIL_BLOCK; i++)
		out[i] ^= m->opc[i];
	OPENSSL_cleanse(x, sizeof(x));
	OPENSSL_cleanse(y, sizeof(y));
	return rc;
}

/* OUT1 for f1 and f1*: IN1 = SQN[0..47] || AMF[0..15] || SQN || AMF */
static int mil_out1(const struct aka_alg_keys *keys, const uint8_t *rand,
		    const uint8_t *sqn, const uint8_t *amf, uint8_t *out1)
{
	struct mil_ctx m = { 0 };
	uint8_t in1[MIL_BLOCK];
	int rc;

	memcpy(in1, sqn, AKA_ALG_SQN_LEN);
	memcpy(in1 + 6, amf, AKA_ALG_AMF_LEN);
	memcpy(in1 + 8, in1, 8);
	rc = mil_begin(&m, keys, rand);
	if (rc == 0)
		rc = mil_out(&m, MIL_OUT1, in1, out1);
	mil_end(&m);
	OPENSSL_cleanse(in1, sizeof(in1));
	return rc;
}

static int mil_f1(const struct aka_alg_keys *keys, const uint8_t *rand,
		  const uint8_t *sqn, const uint8_t *amf, uint8_t *mac, size_t *mac_len)
{
	uint8_t out1[MIL_BLOCK];
	int rc = mil_out1(keys, rand, sqn, amf, out1);

	if (rc == 0) {
		memcpy(mac, out1, 8);		/* MAC-A = OUT1[0..63] */
		*mac_len = 8;
	}
	OPENSSL_cleanse(out1, sizeof(out1));
	return rc;
}

static int mil_f1star(const struct aka_alg_keys *keys, const uint8_t *rand,
		      const uint8_t *sqn, const uint8_t *amf, uint8_t *mac, size_t *mac_len)
{
	uint8_t out1[MIL_BLOCK];
	int rc = mil_out1(keys, rand, sqn, amf, out1);

	if (rc == 0) {
		memcpy(mac, out1 + 8, 8);	/* MAC-S = OUT1[64..127] */
		*mac_len = 8;
	}
	OPENSSL_cleanse(out1, sizeof(out1));
	return rc;
}

static int mil_f2345(const struct aka_alg_keys *keys, const uint8_t *rand,
		     struct aka_alg_vec *vec)
{
	struct mil_ctx m = { 0 };
	uint8_t out2[MIL_BLOCK];
	int rc;

	if (keys->res_len != 0 && keys->res_len != 8)
		return -EINVAL;		/* f2 gives a 64-bit RES */
	rc = mil_begin(&m, keys, rand);
	if (rc == 0)
		rc = mil_out(&m, MIL_OUT2, NULL, out2);
	if (rc == 0) {
		memcpy(vec->ak, out2, AKA_ALG_AK_LEN);	/* AK = OUT2[0..47] */
		memcpy(vec->res, out2 + 8, 8);		/* RES = OUT2[64..127] */
		vec->res_len = 8;
		rc = mil_out(&m, MIL_OUT3, NULL, vec->ck);	/* CK = OUT3 */
		vec->ck_len = MIL_BLOCK;
	}
	if (rc == 0) {
		rc = mil_out(&m, MIL_OUT4, NULL, vec->ik);	/* IK = OUT4 */
		vec->ik_len = MIL_BLOCK;
	}
	mil_end(&m);
	OPENSSL_cleanse(out2, sizeof(out2));
	if (rc)
		OPENSSL_cleanse(vec, sizeof(*vec));	/* no partial outputs */
	return rc;
}

static int mil_f5star(const struct aka_alg_keys *keys, const uint8_t *rand, uint8_t *ak)
{
	struct mil_ctx m = { 0 };
	uint8_t out5[MIL_BLOCK];
	int rc = mil_begin(&m, keys, rand);

	if (rc == 0)
		rc = mil_out(&m, MIL_OUT5, NULL, out5);
	if (rc == 0)
		memcpy(ak, out5, AKA_ALG_AK_LEN);	/* AK* = OUT5[0..47] */
	mil_end(&m);
	OPENSSL_cleanse(out5, sizeof(out5));
	return rc;
}

/* TS 35.206 4.1: OPc = E_K(OP) xor OP */
static int mil_opc(struct aka_alg_keys *keys, const uint8_t *op, size_t op_len)
{
	EVP_CIPHER_CTX *evp;
	uint8_t e[MIL_BLOCK];
	int len = 0;
	int rc = -EIO;

	if (op_len != AKA_ALG_OPC_LEN)
		return -EINVAL;
	evp = mil_aes_new(keys->k);
	if (!evp)
		return -EIO;
	if (EVP_EncryptUpdate(evp, e, &len, op, MIL_BLOCK) == 1 && len == MIL_BLOCK) {
		for (size_t i = 0; i < MIL_BLOCK; i++)
			keys->opc[i] = e[i] ^ op[i];
		rc = 0;
	}
	EVP_CIPHER_CTX_free(evp);
	OPENSSL_cleanse(e, sizeof(e));
	return rc;
}

/* The key schedule of E_K, made once for a key set used many times (a
 * card's): saves two AES key setups per AKA run. */
static int mil_prepare(struct aka_alg_keys *keys)
{
	keys->prepared = mil_aes_new(keys->k);
	return keys->prepared ? 0 : -EIO;
}

static void mil_unprepare(struct aka_alg_keys *keys)
{
	EVP_CIPHER_CTX_free(keys->prepared);	/* cleanses the key schedule */
}

const struct aka_alg aka_alg_milenage = {
	.name = "milenage",
	.id = AKA_ALG_MILENAGE,
	.k_lens = AKA_ALG_K128,
	.f1 = mil_f1,
	.f1star = mil_f1star,
	.f2345 = mil_f2345,
	.f5star = mil_f5star,
	.gsm = NULL,		/* c2/c3 over f2..f4 (TS 33.102 6.8.1.2) */
	.opc = mil_opc,
	.prepare = mil_prepare,
	.unprepare = mil_unprepare,
};
