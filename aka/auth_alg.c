/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table of authentication algorithms and the checked entry points to
 * them; the GSM conversion functions c2/c3 (TS 33.102 6.8.1.2). */

#include <errno.h>
#include <string.h>

#include "aka/auth_alg.h"

/* One row per algorithm, indexed by its id. A new algorithm is one new file
 * with its descriptor and one row here. */
static const struct aka_alg *const aka_algs[AKA_ALG_NUM] = {
	[AKA_ALG_MILENAGE]	= &aka_alg_milenage,
	[AKA_ALG_TUAK]		= &aka_alg_tuak,
	[AKA_ALG_XOR]		= &aka_alg_xor,
	[AKA_ALG_XOR_2G]	= &aka_alg_xor_2g,
	[AKA_ALG_COMP128V1]	= &aka_alg_comp128v1,
	[AKA_ALG_COMP128V2]	= &aka_alg_comp128v2,
	[AKA_ALG_COMP128V3]	= &aka_alg_comp128v3,
};

const struct aka_alg *aka_alg_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < AKA_ALG_NUM; i++) {
		if (aka_algs[i] && strcmp(aka_algs[i]->name, name) == 0)
			return aka_algs[i];
	}
	return NULL;
}

const struct aka_alg *aka_alg_by_id(enum aka_alg_id id)
{
	if ((unsigned int)id >= AKA_ALG_NUM)
		return NULL;
	return aka_algs[id];
}

bool aka_alg_has_umts(const struct aka_alg *alg)
{
	return alg && alg->f1 && alg->f1star && alg->f2345 && alg->f5star;
}

/* The K length must be one the algorithm takes. */
static bool keys_ok(const struct aka_alg *alg, const struct aka_alg_keys *keys)
{
	switch (keys->k_len) {
	case 16:
		return alg->k_lens & AKA_ALG_K128;
	case 32:
		return alg->k_lens & AKA_ALG_K256;
	default:
		return false;
	}
}

/* 0 if a function of alg that it has (have) may be called with keys, else
 * the error to return. */
static int check(const struct aka_alg *alg, bool have,
		 const struct aka_alg_keys *keys)
{
	if (!alg || !keys)
		return -EINVAL;
	if (!have)
		return -ENOTSUP;
	if (!keys_ok(alg, keys))
		return -EINVAL;
	return 0;
}

int aka_alg_f1(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		const uint8_t *rand, const uint8_t *sqn, const uint8_t *amf,
		uint8_t *mac, size_t *mac_len)
{
	int rc = check(alg, alg && alg->f1, keys);

	if (rc)
		return rc;
	return alg->f1(keys, rand, sqn, amf, mac, mac_len);
}

int aka_alg_f1star(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		    const uint8_t *rand, const uint8_t *sqn, const uint8_t *amf,
		    uint8_t *mac, size_t *mac_len)
{
	int rc = check(alg, alg && alg->f1star, keys);

	if (rc)
		return rc;
	return alg->f1star(keys, rand, sqn, amf, mac, mac_len);
}

int aka_alg_f2345(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		   const uint8_t *rand, struct aka_alg_vec *vec)
{
	int rc = check(alg, alg && alg->f2345, keys);

	if (rc)
		return rc;
	return alg->f2345(keys, rand, vec);
}

int aka_alg_f5star(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		    const uint8_t *rand, uint8_t ak[AKA_ALG_AK_LEN])
{
	int rc = check(alg, alg && alg->f5star, keys);

	if (rc)
		return rc;
	return alg->f5star(keys, rand, ak);
}

int aka_alg_c2(const uint8_t *res, size_t res_len, uint8_t sres[AKA_ALG_SRES_LEN])
{
	if (res_len > 16)
		return -EINVAL;
	memset(sres, 0, AKA_ALG_SRES_LEN);
	/* octets past res_len are the zero padding: they change nothing */
	for (size_t i = 0; i < res_len; i++)
		sres[i % AKA_ALG_SRES_LEN] ^= res[i];
	return 0;
}

void aka_alg_c3(const uint8_t ck[16], const uint8_t ik[16], uint8_t kc[AKA_ALG_KC_LEN])
{
	/* Kc[i] = CK1[i] xor CK2[i] xor IK1[i] xor IK2[i] */
	for (size_t i = 0; i < AKA_ALG_KC_LEN; i++)
		kc[i] = ck[i] ^ ck[i + 8] ^ ik[i] ^ ik[i + 8];
}

/* TS 33.102 6.8.1.2: a USIM in a GSM security context runs f2..f4 and
 * returns c2(RES) and c3(CK, IK). Only defined for RES up to 128 bits and
 * 128-bit CK and IK. */
static int gsm_from_umts(const struct aka_alg *alg, const struct aka_alg_keys *keys,
			 const uint8_t *rand, uint8_t *sres, uint8_t *kc)
{
	struct aka_alg_vec vec;
	int rc = alg->f2345(keys, rand, &vec);

	if (rc == 0 && (vec.ck_len != 16 || vec.ik_len != 16))
		rc = -EINVAL;
	if (rc == 0)
		rc = aka_alg_c2(vec.res, vec.res_len, sres);
	if (rc == 0)
		aka_alg_c3(vec.ck, vec.ik, kc);
	explicit_bzero(&vec, sizeof(vec));
	return rc;
}

int aka_alg_gsm(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		 const uint8_t *rand, uint8_t sres[AKA_ALG_SRES_LEN],
		 uint8_t kc[AKA_ALG_KC_LEN])
{
	int rc;

	if (alg && alg->gsm) {
		rc = check(alg, true, keys);
		return rc ? rc : alg->gsm(keys, rand, sres, kc);
	}
	rc = check(alg, alg && alg->f2345, keys);
	return rc ? rc : gsm_from_umts(alg, keys, rand, sres, kc);
}

int aka_alg_opc(const struct aka_alg *alg, struct aka_alg_keys *keys,
		 const uint8_t *op, size_t op_len)
{
	int rc = check(alg, alg && alg->opc, keys);

	if (rc)
		return rc;
	return alg->opc(keys, op, op_len);
}

int aka_alg_prepare(const struct aka_alg *alg, struct aka_alg_keys *keys)
{
	int rc = check(alg, true, keys);

	if (rc || !alg->prepare || keys->prepared)
		return rc;
	return alg->prepare(keys);
}

void aka_alg_unprepare(const struct aka_alg *alg, struct aka_alg_keys *keys)
{
	if (alg && alg->unprepare && keys && keys->prepared)
		alg->unprepare(keys);
	if (keys)
		keys->prepared = NULL;
}
