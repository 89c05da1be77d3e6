/* SPDX-License-Identifier: GPL-2.0-or-later */
/* E2M keysets, doc/e2m-profile.md 2: K_E2M from K (variants A-D) or from CK||IK
 * (variant E), then K_E2M_int and, unless confidentiality is off, K_E2M_enc;
 * K_E2M itself never leaves this file. */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "e2m/keyset.h"

/*! doc/e2m-profile.md 2: EA 0-2 (high nibble), IA 1-2 (low nibble). 0 or -EINVAL. */
int e2m_alg_check(uint8_t alg)
{
	return (alg >> 4) <= 2 && (alg & 0x0F) >= 1 && (alg & 0x0F) <= 2 ? 0 : -EINVAL;
}

static int from_k_e2m(const struct e2m_fc *fc, const uint8_t k_e2m[E2M_KEY_LEN],
		      const struct e2m_request *req, struct e2m_keyset *ks)
{
	uint8_t ea = req->confidentiality ? req->alg >> 4 : E2M_EA_NONE;
	size_t kid_len;
	int rc = e2m_key_int_enc(fc, k_e2m, req->alg & 0x0F, ea, ks->k_int, ks->k_enc,
				      &ks->k_enc_len);

	if (rc == 0)
		rc = e2m_kid(req->rand, req->eid, req->eid_len, ks->kid, sizeof(ks->kid), &kid_len);
	return rc;
}

/* The keyset from a K_E2M just derived (rc its derivation's result); K_E2M
 * is wiped, and the keyset too when anything failed. */
static int finish(const struct e2m_fc *fc, uint8_t k_e2m[E2M_KEY_LEN], int rc,
		  const struct e2m_request *req, struct e2m_keyset *ks)
{
	if (rc == 0)
		rc = from_k_e2m(fc, k_e2m, req, ks);
	OPENSSL_cleanse(k_e2m, E2M_KEY_LEN);
	if (rc)
		e2m_keyset_clear(ks);
	return rc;
}

/*! The keyset of variants A-D, from K. Returns 0 or a negative errno. */
int e2m_keyset_usim(const struct e2m_fc *fc, const uint8_t *k, size_t k_len,
			 const struct e2m_request *req, struct e2m_keyset *ks)
{
	uint8_t k_e2m[E2M_KEY_LEN];
	int rc = e2m_alg_check(req->alg);

	if (rc == 0)
		rc = e2m_key_usim(fc, k, k_len, req->rand, req->sqn_ak, req->eid, req->eid_len, k_e2m);
	return finish(fc, k_e2m, rc, req, ks);
}

/*! e2m_keyset_usim() with K prepared by e2m_kdf_key_new(). */
int e2m_keyset_usim_prepared(const struct e2m_fc *fc, const struct e2m_kdf_key *k,
				  const struct e2m_request *req, struct e2m_keyset *ks)
{
	uint8_t k_e2m[E2M_KEY_LEN];
	int rc = e2m_alg_check(req->alg);

	if (rc == 0)
		rc = e2m_key_usim_prepared(fc, k, req->rand, req->sqn_ak, req->eid, req->eid_len,
						k_e2m);
	return finish(fc, k_e2m, rc, req, ks);
}

/*! The keyset of variant E, from CK || IK. Returns 0 or a negative errno. */
int e2m_keyset_me(const struct e2m_fc *fc, const uint8_t ck[16], const uint8_t ik[16],
		       const struct e2m_request *req, struct e2m_keyset *ks)
{
	uint8_t k_e2m[E2M_KEY_LEN];
	int rc = e2m_alg_check(req->alg);

	if (rc == 0)
		rc = e2m_key_me(fc, ck, ik, req->rand, req->sqn_ak, req->eid, req->eid_len, k_e2m);
	return finish(fc, k_e2m, rc, req, ks);
}

void e2m_keyset_clear(struct e2m_keyset *ks)
{
	OPENSSL_cleanse(ks, sizeof(*ks));
}
