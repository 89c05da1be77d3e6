/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSS's keysets for one AV, see hss.h. */

#include <errno.h>
#include <string.h>

#include "e2m/hss.h"

int e2m_hss_keysets(const struct e2m_config *e, const struct aka_alg_keys *keys,
		    const struct aka_auc_vec *av, const struct e2m_hss_request *r,
		    struct e2m_keyset *usim, struct e2m_keyset *me, bool *have_usim)
{
	/* the KDF inputs of doc/e2m-profile.md 2: RAND, SQN xor AK (AUTN's
	 * first 6 octets), EID */
	struct e2m_request req = {
		.rand = av->rand, .sqn_ak = av->autn, .eid = (const uint8_t *)r->eid,
		.eid_len = strlen(r->eid), .alg = r->alg, .confidentiality = r->confidentiality,
	};
	struct e2m_fc fc = { .ke2m_usim = e->fc_usim, .ke2m_me = e->fc_me, .alg = e->fc_alg };
	int rc = 0;

	*have_usim = false;
	if (av->ck_len != E2M_CK_LEN || av->ik_len != E2M_IK_LEN)
		return -EINVAL;
	if (me)
		rc = e2m_keyset_me(&fc, av->ck, av->ik, &req, me);
	if (rc == 0 && usim && e->present && e->enabled) {
		rc = e2m_keyset_usim(&fc, keys->k, keys->k_len, &req, usim);
		*have_usim = rc == 0;
	}
	return rc;
}
