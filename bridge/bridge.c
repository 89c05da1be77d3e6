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
#include "apdu/tlv.h"
#include "bridge/bridge.h"
#include "e2m/cmd.h"
#include "e2m/keyset.h"
#include "e2m/policy.h"

#define INS_AUTHENTICATE	0x88
#define AUTH_CTX_3G		0x81	/* TS 31.102 7.1.2 */
#define AUTH_SUCCESS		0xDB

/*! A bridge over card with the policy of cfg (a profile's "e2m" fields). */
void bridge_init(struct bridge *b, struct apdu_transport *card, const struct e2m_config *cfg,
		 bool force_variant_e)
{
	b->card = card;
	b->cfg = *cfg;
	b->force_variant_e = force_variant_e;
	b->mode = force_variant_e ? BRIDGE_VARIANT_E : BRIDGE_UNPROBED;
}

static void put_lv(struct apdu_rsp *rsp, const uint8_t *v, size_t len)
{
	uint8_t l = (uint8_t)len;

	apdu_rsp_append(rsp, &l, 1);
	apdu_rsp_append(rsp, v, len);
}

/* Variant E: the 3G context on the card, the E2M keys from its CK || IK. */
static int variant_e(struct bridge *b, uint8_t cla, const uint8_t *data, size_t len,
		     struct apdu_rsp *rsp)
{
	struct e2m_cmd c;
	struct e2m_request req;
	struct e2m_keyset ks;
	struct e2m_fc fc = { .ke2m_me = b->cfg.fc_me, .alg = b->cfg.fc_alg };
	uint8_t d[34], answer[APDU_RSP_MAX];
	struct apdu_rsp card = { .buf = answer, .cap = sizeof(answer) };
	const uint8_t *pos, *end, *res, *ck, *ik;
	size_t res_len, ck_len, ik_len;
	struct apdu_cmd cmd = { .cla = cla, .ins = INS_AUTHENTICATE, .p2 = AUTH_CTX_3G,
				.nc = sizeof(d), .ne = 256, .data = d };
	int rc;

	rsp->len = 0;
	rsp->sw = e2m_cmd_parse(data, len, &c);
	if (rsp->sw != APDU_SW_OK)
		return 0;
	if (!e2m_policy_eid_allowed(&b->cfg, c.eid, c.eid_len)) {
		rsp->sw = APDU_SW_CONDITIONS_NOT_SATISFIED;
		return 0;
	}
	d[0] = 16;
	memcpy(d + 1, c.rand, 16);
	d[17] = 16;
	memcpy(d + 18, c.autn, 16);
	rc = apdu_transceive(b->card, &cmd, &card);
	if (rc < 0)
		return rc;
	/* AUTS, '9862' and every refusal: the card's answer as it is */
	if (card.sw != APDU_SW_OK || card.len < 1 || card.buf[0] != AUTH_SUCCESS) {
		rc = apdu_rsp_append(rsp, card.buf, card.len);
		rsp->sw = card.sw;
		goto out;
	}
	pos = card.buf + 1;
	end = card.buf + card.len;
	if (apdu_lv_next(&pos, end, &res, &res_len) < 0 || apdu_lv_next(&pos, end, &ck, &ck_len) < 0 ||
	    apdu_lv_next(&pos, end, &ik, &ik_len) < 0 || ck_len != 16 || ik_len != 16) {
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
	if (e2m_keyset_me(&fc, ck, ik, &req, &ks) < 0) {
		rsp->sw = APDU_SW_TECHNICAL_PROBLEM;
		goto out;
	}
	/* 'DB' L RES L CK L IK L K_E2M_int L K_E2M_enc, doc/e2m-profile.md 3 */
	apdu_rsp_append(rsp, (const uint8_t[]){ AUTH_SUCCESS }, 1);
	put_lv(rsp, res, res_len);
	put_lv(rsp, ck, 16);
	put_lv(rsp, ik, 16);
	put_lv(rsp, ks.k_int, sizeof(ks.k_int));
	put_lv(rsp, ks.k_enc, ks.k_enc_len);
	rsp->sw = APDU_SW_OK;
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
		struct apdu_cmd cmd = { .cla = cla, .ins = INS_AUTHENTICATE, .p2 = b->cfg.p2,
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
