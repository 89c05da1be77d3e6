/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The AuC reference: authentication vectors (TS 33.102 6.3.2), SQN = SEQ ||
 * IND as an HLR allocates it (TS 33.102 C.3.2) and AUTS verification
 * (TS 33.102 6.3.3), over the algorithm table of aka/auth_alg.c. */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aka/auc.h"
#include "common/ct.h"
#include "aka/sqn.h"

/* TS 33.102 6.3.3: MAC-S is computed over a dummy AMF of all zeros. */
static const uint8_t auc_amf_resync[AKA_ALG_AMF_LEN];

int aka_auc_sqn_compose(uint64_t seq, unsigned int ind, unsigned int ind_bits, uint64_t *sqn)
{
	if (ind_bits > AKA_AUC_IND_BITS_MAX || ind >= (1u << ind_bits) || !sqn)
		return -EINVAL;
	if (seq > AKA_AUC_SQN_MAX >> ind_bits)
		return -ERANGE;
	*sqn = seq << ind_bits | ind;
	return 0;
}

int aka_auc_sqn_split(uint64_t sqn, unsigned int ind_bits, uint64_t *seq, unsigned int *ind)
{
	if (ind_bits > AKA_AUC_IND_BITS_MAX)
		return -EINVAL;
	if (sqn > AKA_AUC_SQN_MAX)
		return -ERANGE;
	if (seq)
		*seq = sqn >> ind_bits;
	if (ind)
		*ind = (unsigned int)(sqn & ((1ULL << ind_bits) - 1));
	return 0;
}

/* TS 33.102 C.3.2: the HLR steps SEQ by one for every vector it makes and
 * puts the IND of the slot the vector is for below it. The USIM accepts it
 * when SEQ is above the highest SEQ it has seen in that slot, so one SEQ
 * counter serves all slots. */
int aka_auc_sqn_next(uint64_t last, unsigned int ind, unsigned int ind_bits, uint64_t *next)
{
	uint64_t seq;
	int rc = aka_auc_sqn_split(last, ind_bits, &seq, NULL);

	if (rc)
		return rc;
	if (seq == AKA_AUC_SQN_MAX >> ind_bits)
		return -ERANGE;		/* SEQ exhausted: a new K is due */
	return aka_auc_sqn_compose(seq + 1, ind, ind_bits, next);
}

void aka_auc_vec_clear(struct aka_auc_vec *av)
{
	OPENSSL_cleanse(av, sizeof(*av));
}

/* The 3G part of a vector, TS 33.102 6.3.2 (figure 7). */
static int auc_gen_umts(const struct aka_alg *alg, const struct aka_alg_keys *keys,
			uint64_t sqn, const uint8_t *amf, struct aka_auc_vec *av)
{
	struct aka_alg_vec vec = { 0 };
	uint8_t sqn_b[AKA_ALG_SQN_LEN];
	int rc;

	if (!amf)
		return -EINVAL;
	if (sqn > AKA_AUC_SQN_MAX)
		return -ERANGE;
	aka_sqn_to_bytes(sqn, sqn_b);
	rc = aka_alg_f2345(alg, keys, av->rand, &vec);
	if (rc == 0)	/* MAC-A = f1_K(SQN || RAND || AMF) */
		rc = aka_alg_f1(alg, keys, av->rand, sqn_b, amf, av->mac_a, &av->mac_len);
	if (rc == 0) {
		av->umts = true;
		av->sqn = sqn;
		memcpy(av->amf, amf, AKA_ALG_AMF_LEN);
		memcpy(av->xres, vec.res, vec.res_len);
		av->xres_len = vec.res_len;
		memcpy(av->ck, vec.ck, vec.ck_len);
		av->ck_len = vec.ck_len;
		memcpy(av->ik, vec.ik, vec.ik_len);
		av->ik_len = vec.ik_len;
		memcpy(av->ak, vec.ak, AKA_ALG_AK_LEN);
		/* AUTN = (SQN xor AK) || AMF || MAC-A */
		for (size_t i = 0; i < AKA_ALG_SQN_LEN; i++)
			av->autn[i] = sqn_b[i] ^ vec.ak[i];
		memcpy(av->autn + AKA_ALG_SQN_LEN, amf, AKA_ALG_AMF_LEN);
		memcpy(av->autn + AKA_ALG_SQN_LEN + AKA_ALG_AMF_LEN, av->mac_a, av->mac_len);
		av->autn_len = AKA_ALG_SQN_LEN + AKA_ALG_AMF_LEN + av->mac_len;
		/* TS 33.102 6.8.1.2: SRES = c2(XRES), Kc = c3(CK, IK), defined
		 * for RES up to 128 bits and 128-bit CK and IK only */
		if (vec.ck_len == 16 && vec.ik_len == 16 &&
		    aka_alg_c2(vec.res, vec.res_len, av->sres) == 0) {
			aka_alg_c3(vec.ck, vec.ik, av->kc);
			av->gsm = true;
		}
	}
	OPENSSL_cleanse(&vec, sizeof(vec));
	return rc;
}

int aka_auc_gen_vec(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		     const uint8_t rand[AKA_ALG_RAND_LEN], uint64_t sqn,
		     const uint8_t amf[AKA_ALG_AMF_LEN], struct aka_auc_vec *av)
{
	int rc;

	if (!av)
		return -EINVAL;
	*av = (struct aka_auc_vec){ .umts = false };
	if (!alg || !keys || !rand)
		return -EINVAL;
	memcpy(av->rand, rand, AKA_ALG_RAND_LEN);
	if (aka_alg_has_umts(alg)) {
		rc = auc_gen_umts(alg, keys, sqn, amf, av);
	} else {
		/* GSM-only: A3/A8 give the triplet, there is no quintet */
		rc = aka_alg_gsm(alg, keys, rand, av->sres, av->kc);
		av->gsm = rc == 0;
	}
	if (rc)
		aka_auc_vec_clear(av);
	return rc;
}

int aka_auc_auts_verify(const struct aka_alg *alg, const struct aka_alg_keys *keys,
			 const uint8_t rand[AKA_ALG_RAND_LEN], const uint8_t *auts,
			 size_t auts_len, uint64_t *sqn_ms)
{
	uint8_t ak_s[AKA_ALG_AK_LEN], sqn_b[AKA_ALG_SQN_LEN], mac_s[AKA_ALG_MAC_MAX];
	size_t mac_len = 0;
	int rc;

	if (!rand || !auts || !sqn_ms || auts_len <= AKA_ALG_SQN_LEN ||
	    auts_len > AKA_AUC_AUTS_MAX)
		return -EINVAL;
	/* SQN_MS = (SQN_MS xor AK*) xor AK*, AK* = f5*_K(RAND) */
	rc = aka_alg_f5star(alg, keys, rand, ak_s);
	if (rc == 0) {
		for (size_t i = 0; i < AKA_ALG_SQN_LEN; i++)
			sqn_b[i] = auts[i] ^ ak_s[i];
		/* XMAC-S = f1*_K(SQN_MS || RAND || AMF*) */
		rc = aka_alg_f1star(alg, keys, rand, sqn_b, auc_amf_resync, mac_s, &mac_len);
	}
	if (rc == 0 && auts_len != AKA_ALG_SQN_LEN + mac_len)
		rc = -EINVAL;
	if (rc == 0 && !common_ct_equal(mac_s, auts + AKA_ALG_SQN_LEN, mac_len))
		rc = -EBADMSG;
	if (rc == 0)
		*sqn_ms = aka_sqn_from_bytes(sqn_b);
	OPENSSL_cleanse(ak_s, sizeof(ak_s));
	OPENSSL_cleanse(sqn_b, sizeof(sqn_b));
	OPENSSL_cleanse(mac_s, sizeof(mac_s));
	return rc;
}
