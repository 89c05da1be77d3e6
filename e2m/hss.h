/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSS's keysets for one authentication vector (doc/e2m-profile.md 2,
 * 5): variant E's from CK || IK, and variants A-D's from K for a
 * subscriber whose card has an E2M context. e2msim-auc, the key flow
 * benchmark and any other HSS front end make them here. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "aka/auc.h"
#include "e2m/keyset.h"
#include "e2m/policy.h"

/* What the HSS decided for this run: the endpoint, the ALG, and whether
 * its policy (e2m_policy_confidentiality) allows K_E2M_enc. */
struct e2m_hss_request {
	const char *eid;
	uint8_t alg;
	bool confidentiality;
};

/*! The keysets of av for r under the subscriber's E2M configuration e (its
 *  FC values; A-D only when e is present and enabled): *usim from K (keys)
 *  when usim is not NULL, *me from the AV's CK || IK when me is not NULL.
 *  *have_usim says whether *usim was made. 0, or -EINVAL (an AV without
 *  128-bit CK and IK, a bad EID or ALG). */
int e2m_hss_keysets(const struct e2m_config *e, const struct aka_alg_keys *keys,
		    const struct aka_auc_vec *av, const struct e2m_hss_request *r,
		    struct e2m_keyset *usim, struct e2m_keyset *me, bool *have_usim);
