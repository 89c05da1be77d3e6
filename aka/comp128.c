/* SPDX-License-Identifier: GPL-2.0-or-later */
/* COMP128 v1, v2 and v3, the example GSM A3/A8 algorithms (no 3G functions),
 * through libosmogsm's implementations. libosmogsm 1.7 does not export
 * comp128v1() itself, so all three go through its generic osmo_auth API,
 * which holds no state but the table of implementations. */

#include <errno.h>
#include <string.h>

#include <osmocom/crypt/auth.h>

#include "aka/auth_alg.h"

/* SRES (32 bits) and Kc (64 bits; v1 and v2 zero its 10 least significant
 * bits) from Ki and RAND. */
static int comp128_run(enum osmo_auth_algo algo, const struct aka_alg_keys *keys,
		       const uint8_t *rand, uint8_t *sres, uint8_t *kc)
{
	struct osmo_sub_auth_data aud = {
		.type = OSMO_AUTH_TYPE_GSM,
		.algo = algo,
	};
	struct osmo_auth_vector vec = { 0 };
	int rc;

	memcpy(aud.u.gsm.ki, keys->k, sizeof(aud.u.gsm.ki));
	rc = osmo_auth_gen_vec(&vec, &aud, rand) < 0 ? -EIO : 0;
	if (rc == 0) {
		memcpy(sres, vec.sres, AKA_ALG_SRES_LEN);
		memcpy(kc, vec.kc, AKA_ALG_KC_LEN);
	}
	explicit_bzero(&aud, sizeof(aud));
	explicit_bzero(&vec, sizeof(vec));
	return rc;
}

static int comp128v1_gsm(const struct aka_alg_keys *keys, const uint8_t *rand,
			 uint8_t *sres, uint8_t *kc)
{
	return comp128_run(OSMO_AUTH_ALG_COMP128v1, keys, rand, sres, kc);
}

static int comp128v2_gsm(const struct aka_alg_keys *keys, const uint8_t *rand,
			 uint8_t *sres, uint8_t *kc)
{
	return comp128_run(OSMO_AUTH_ALG_COMP128v2, keys, rand, sres, kc);
}

static int comp128v3_gsm(const struct aka_alg_keys *keys, const uint8_t *rand,
			 uint8_t *sres, uint8_t *kc)
{
	return comp128_run(OSMO_AUTH_ALG_COMP128v3, keys, rand, sres, kc);
}

const struct aka_alg aka_alg_comp128v1 = {
	.name = "comp128v1",
	.id = AKA_ALG_COMP128V1,
	.k_lens = AKA_ALG_K128,
	.gsm = comp128v1_gsm,
};

const struct aka_alg aka_alg_comp128v2 = {
	.name = "comp128v2",
	.id = AKA_ALG_COMP128V2,
	.k_lens = AKA_ALG_K128,
	.gsm = comp128v2_gsm,
};

const struct aka_alg aka_alg_comp128v3 = {
	.name = "comp128v3",
	.id = AKA_ALG_COMP128V3,
	.k_lens = AKA_ALG_K128,
	.gsm = comp128v3_gsm,
};
