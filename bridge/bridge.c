/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Authenticate for E2M against a card backend: the card's own E2M context
 * when it has one (probed once), else the 3G context and the variant E
 * derivation in the ME (doc/e2m-profile.md 2, 3). Synchronisation and MAC failures
 * pass through unchanged. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "apdu/sw.h"
#include "aka/auth_apdu.h"
#include "bridge/bridge.h"
#include "e2m/cmd.h"
#include "e2m/keyset.h"
#include "e2m/policy.h"


/*! A bridge over card with the policy of cfg (a profile's "e2m" fields). */
void bridge_init(struct bridge *b, struct apdu_transport *card, const struct e2m_config *cfg,
		 bool force_variant_e)
{
	b->card = card;
	b->cfg = *cfg;
	b->force_variant_e = force_variant_e;
	b->mode = force_variant_e ? BRIDGE_VARIANT_E : BRIDGE_UNPROBED;
}

/* Variant E: the 3G context on the card, the E2M keys from its CK || IK. */
static int variant_e(struct bridge *b, uint8_t cla, const uint8_t *data, size_t len,
		     struct apdu_rsp *rsp)
{
	struct e2m_cmd c;
	struct e2m_request req;
	struct e2m_keyset ks;
	struct e2m_fc fc = { .ke2m_me = b->cfg.fc_me, .alg = b->cfg.fc_alg };
	uint8_t d[34], answer[APDU_RSP_MAX], tag;
	struct apdu_rsp card = { .buf = answer, .cap = sizeof(answer) };
	struct aka_auth_lvs in = { .n = 0 }, out = { .n = 0 };
	struct apdu_cmd cmd = { .cla = cla, .ins = AKA_AUTH_INS, .p2 = AKA_AUTH_P2_3G, .ne = 256,
				.data = d };
	int rc;

	rsp->len = 0;
	rsp->sw = e2m_cmd_parse(data, len, &c);
	if (rsp->sw != APDU_SW_OK)
		return 0;
	if (!e2m_policy_eid_allowed(&b->cfg, c.eid, c.eid_len)) {
		rsp->sw = APDU_SW_CONDITIONS_NOT_SATISFIED;
		return 0;
	}
	aka_auth_lvs_add(&in, c.rand, 16);
	aka_auth_lvs_add(&in, c.autn, 16);
	cmd.nc = (uint16_t)aka_auth_cmd_data(&in, d, sizeof(d));
	rc = apdu_transceive(b->card, &cmd, &card);
	if (rc < 0)
		return rc;
	/* AUTS, '9862' and every refusal: the card's answer as it is */
	if (card.sw != APDU_SW_OK || card.len < 1 || card.buf[0] != AKA_AUTH_TAG_OK) {
		rc = apdu_rsp_append(rsp, card.buf, card.len);
		rsp->sw = card.sw;
		goto out;
	}
	/* RES, CK, IK (and Kc, which the E2M context does not return) */
	if (aka_auth_answer_parse(card.buf, card.len, &tag, &in) < 0 || in.n < 3 ||
	    in.len[1] != 16 || in.len[2] != 16) {
		LOGP(DBRIDGE, LOGL_ERROR, "3G context answer not understood\n");
		rsp->sw = APDU_SW_TECHNICAL_PROBLEM;
		goto out;
	}
	req = (struct e2m_request){
		.rand = c.rand, .sqn_ak = c.autn, .eid = c.eid, .eid_len = c.eid_len,
		.alg = c.alg_given ? c.alg : b->cfg.alg,
		.confidentiality = e2m_policy_confidentiality(b->cfg.home_confidentiality,
							      &b->cfg.no_confidentiality, c.snid),
	};
	if (e2m_keyset_me(&fc, in.val[1], in.val[2], &req, &ks) < 0) {
		rsp->sw = APDU_SW_TECHNICAL_PROBLEM;
		goto out;
	}
	/* 'DB' L RES L CK L IK L K_E2M_int L K_E2M_enc, doc/e2m-profile.md 3 */
	for (unsigned int i = 0; i < 3; i++)
		aka_auth_lvs_add(&out, in.val[i], in.len[i]);
	aka_auth_lvs_add(&out, ks.k_int, sizeof(ks.k_int));
	aka_auth_lvs_add(&out, ks.k_enc, ks.k_enc_len);
	rsp->sw = APDU_SW_OK;
	if (aka_auth_answer_put(rsp, AKA_AUTH_TAG_OK, &out) < 0) {
		rsp->len = 0;
		rsp->sw = APDU_SW_TECHNICAL_PROBLEM;
	}
	common_log_key(DBRIDGE, "K_E2M_int (E)", ks.k_int, sizeof(ks.k_int));
	LOGP(DBRIDGE, LOGL_INFO, "variant E keys for %s\n", ks.kid);
	e2m_keyset_clear(&ks);
out:
	OPENSSL_cleanse(answer, card.len);
	return 0;
}

/*! Run AUTHENTICATE in the E2M context (data: its command data) on
 *  logical channel cla, answering as an E2M card does: rsp gets the data
 *  and the status word. Returns 0, or a negative errno when the card cannot
 *  be reached. */
int bridge_e2m_authenticate(struct bridge *b, uint8_t cla, const uint8_t *data, size_t len,
			    struct apdu_rsp *rsp)
{
	if (b->mode != BRIDGE_VARIANT_E) {
		struct apdu_cmd cmd = { .cla = cla, .ins = AKA_AUTH_INS, .p2 = b->cfg.p2,
					.nc = (uint16_t)len, .ne = 256, .data = data };
		int rc = apdu_transceive(b->card, &cmd, rsp);
		if (rc < 0)
			return rc;
		if (rsp->sw != APDU_SW_INCORRECT_P1P2) {
			if (b->mode == BRIDGE_UNPROBED)
				LOGP(DBRIDGE, LOGL_INFO, "the card has an E2M context: using it\n");
			b->mode = BRIDGE_CARD_CONTEXT;
			return 0;
		}
		LOGP(DBRIDGE, LOGL_INFO, "the card has no E2M context ('6A86'): variant E in the ME\n");
		b->mode = BRIDGE_VARIANT_E;
	}
	return variant_e(b, cla, data, len, rsp);
}
