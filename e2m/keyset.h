/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keyset of one E2M key agreement (doc/e2m-profile.md 2): K_E2M_int, K_E2M_enc
 * when confidentiality is on, and E2M-KID. The same code serves the card
 * (variants A-D), the HSS side of e2msim-auc (A-D and E) and the ME (E). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2m/kdf.h"

struct e2m_request {
	const uint8_t *rand;		/* 16 octets */
	const uint8_t *sqn_ak;		/* SQN xor AK: the first 6 octets of AUTN */
	const uint8_t *eid;
	size_t eid_len;			/* 1..128 */
	uint8_t alg;			/* EA << 4 | IA */
	bool confidentiality;		/* the policy allows K_E2M_enc */
};

struct e2m_keyset {
	uint8_t k_int[E2M_ALG_KEY_LEN];
	uint8_t k_enc[E2M_ALG_KEY_LEN];
	size_t k_enc_len;		/* 0: no K_E2M_enc */
	char kid[E2M_KID_MAX];
};

int e2m_alg_check(uint8_t alg);
int e2m_keyset_usim(const struct e2m_fc *fc, const uint8_t *k, size_t k_len,
			 const struct e2m_request *req, struct e2m_keyset *ks);
int e2m_keyset_usim_prepared(const struct e2m_fc *fc, const struct e2m_kdf_key *k,
				  const struct e2m_request *req, struct e2m_keyset *ks);
int e2m_keyset_me(const struct e2m_fc *fc, const uint8_t ck[16], const uint8_t ik[16],
		       const struct e2m_request *req, struct e2m_keyset *ks);
void e2m_keyset_clear(struct e2m_keyset *ks);
