/* SPDX-License-Identifier: GPL-2.0-or-later */

#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "e2m/cmd.h"
#include "e2m/keyset.h"

/*! Parse the E2M command data. Returns '9000'; '6700' when the LVs do not
 *  fill the data exactly; '6A80' for a field of a wrong length or an ALG
 *  that names no algorithm (doc/e2m-profile.md 2, 3). Never reads past data + len. */
uint16_t e2m_cmd_parse(const uint8_t *data, size_t len, struct e2m_cmd *c)
{
	const uint8_t *pos = data, *end = data + len, *alg = NULL, *snid;
	size_t rand_len, autn_len, snid_len, alg_len = 0;

	if (apdu_lv_next(&pos, end, &c->rand, &rand_len) < 0 ||
	    apdu_lv_next(&pos, end, &c->autn, &autn_len) < 0 ||
	    apdu_lv_next(&pos, end, &c->eid, &c->eid_len) < 0 ||
	    apdu_lv_next(&pos, end, &snid, &snid_len) < 0 ||
	    (pos < end && apdu_lv_next(&pos, end, &alg, &alg_len) < 0) || pos != end)
		return APDU_SW_WRONG_LENGTH;
	if (rand_len != 16 || autn_len != 16 || e2m_eid_check(c->eid, c->eid_len) < 0 ||
	    (snid_len != 0 && snid_len != 3) || (alg && alg_len != 1) ||
	    (alg && e2m_alg_check(alg[0]) < 0))
		return APDU_SW_WRONG_DATA;
	c->snid = snid_len ? snid : NULL;
	c->alg_given = alg != NULL;
	c->alg = alg ? alg[0] : 0;
	return APDU_SW_OK;
}
