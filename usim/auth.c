/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AUTHENTICATE (TS 31.102 7.1.2) in the GSM (P2 '80'), 3G (P2 '81') and E2M
 * (doc/e2m-profile.md 3, P2 '83' by default) contexts, and RUN GSM ALGORITHM of the
 * SIM (TS 51.011 9.2.16). The SQN slot an AKA run accepts is stored before
 * the answer leaves the card. */

#include <string.h>

#include <openssl/crypto.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "aka/auth_apdu.h"
#include "usim/command.h"
#include "common/ct.h"
#include "e2m/cmd.h"
#include "e2m/keyset.h"
#include "e2m/policy.h"


/* TS 31.102 4.2.8 service numbers */
#define UST_GSM_ACCESS		27
#define UST_GSM_SEC_CONTEXT	38

static bool ust_has(struct usim_card *card, unsigned int service)
{
	int ust = card->node_ust;
	size_t byte = (service - 1) / 8;

	return byte < card->fs->nodes[ust].content_size &&
	       (usim_card_content(card, ust)[byte] >> ((service - 1) % 8) & 1);
}

/* The outcome of the 3G AKA part that every 3G-based context shares. */
struct aka {
	struct aka_alg_vec vec;	/* RES, CK, IK, AK */
	uint8_t amf[2];
	uint64_t sqn;
};

/* TS 33.102 6.3.3: AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S over AMF '0000' */
static uint16_t sync_failure(struct usim_card *card, const uint8_t *rand, struct apdu_rsp *rsp)
{
	static const uint8_t amf_dummy[2];
	uint8_t sqn_ms[6], ak_s[6], mac_s[AKA_ALG_MAC_MAX], auts[14];
	struct aka_auth_lvs f = { .n = 0 };
	size_t mac_len;

	aka_sqn_to_bytes(aka_sqn_ms(&card->sqn, &card->sqn_state), sqn_ms);
	if (aka_alg_f5star(card->alg, &card->keys, rand, ak_s) < 0 ||
	    aka_alg_f1star(card->alg, &card->keys, rand, sqn_ms, amf_dummy, mac_s, &mac_len) < 0 ||
	    mac_len != 8)
		return APDU_SW_TECHNICAL_PROBLEM;
	for (int i = 0; i < 6; i++)
		auts[i] = sqn_ms[i] ^ ak_s[i];
	memcpy(auts + 6, mac_s, 8);
	aka_auth_lvs_add(&f, auts, sizeof(auts));
	aka_auth_answer_put(rsp, AKA_AUTH_TAG_SYNC, &f);
	LOGP(DAUTH, LOGL_INFO, "%s: SQN not fresh, AUTS with SQN_MS %s\n", card->iccid,
	     osmo_hexdump_nospc(sqn_ms, 6));
	OPENSSL_cleanse(ak_s, sizeof(ak_s));
	return APDU_SW_OK;
}

/* The 3G AKA on the card (TS 33.102 6.3.3): MAC-A first ('9862' if it is
 * wrong, never an AUTS), then the SQN (AUTS in rsp, returns '9000' with
 * *synced false), then the SQN slot stored. */
static uint16_t aka_run(struct usim_card *card, const uint8_t *rand, const uint8_t *autn,
			struct aka *a, struct apdu_rsp *rsp, bool *fresh)
{
	uint8_t sqn[6], xmac[AKA_ALG_MAC_MAX];
	size_t mac_len;
	unsigned int ind;
	uint64_t seq;

	*fresh = false;
	if (aka_alg_f2345(card->alg, &card->keys, rand, &a->vec) < 0)
		return APDU_SW_TECHNICAL_PROBLEM;
	for (int i = 0; i < 6; i++)
		sqn[i] = autn[i] ^ a->vec.ak[i];
	memcpy(a->amf, autn + 6, 2);
	if (aka_alg_f1(card->alg, &card->keys, rand, sqn, a->amf, xmac, &mac_len) < 0 || mac_len != 8)
		return APDU_SW_TECHNICAL_PROBLEM;
	if (!common_ct_equal(xmac, autn + 8, 8)) {
		LOGP(DAUTH, LOGL_INFO, "%s: MAC-A wrong\n", card->iccid);
		return APDU_SW_AUTH_MAC_FAILURE;
	}
	a->sqn = aka_sqn_from_bytes(sqn);
	if (aka_sqn_check(&card->sqn, &card->sqn_state, a->sqn, &ind, &seq) != AKA_SQN_ACCEPT)
		return sync_failure(card, rand, rsp);
	*fresh = true;
	LOGP(DAUTH, LOGL_INFO, "%s: SQN %s accepted (IND %u)\n", card->iccid,
	     osmo_hexdump_nospc(sqn, 6), ind);
	return usim_card_save_sqn(card, ind, seq);
}

/* RES, CK, IK: the first fields of a successful answer, TS 31.102 7.1.2.1 */
static void access_keys(struct aka_auth_lvs *f, const struct aka *a)
{
	aka_auth_lvs_add(f, a->vec.res, a->vec.res_len);
	aka_auth_lvs_add(f, a->vec.ck, a->vec.ck_len);
	aka_auth_lvs_add(f, a->vec.ik, a->vec.ik_len);
}

/* RAND and AUTN as LVs of 16 octets each, exactly. */
static uint16_t parse_rand_autn(const uint8_t **pos, const uint8_t *end,
				const uint8_t **rand, const uint8_t **autn)
{
	size_t len;

	if (apdu_lv_next(pos, end, rand, &len) < 0)
		return APDU_SW_WRONG_LENGTH;
	if (len != 16)
		return APDU_SW_WRONG_DATA;
	if (apdu_lv_next(pos, end, autn, &len) < 0)
		return APDU_SW_WRONG_LENGTH;
	if (len != 16)
		return APDU_SW_WRONG_DATA;
	return APDU_SW_OK;
}

static uint16_t auth_3g(struct usim_card *card, const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const uint8_t *pos = cmd->data, *end = cmd->data + cmd->nc, *rand, *autn;
	struct aka_auth_lvs f = { .n = 0 };
	uint8_t kc[AKA_ALG_KC_LEN];
	struct aka a;
	bool fresh;
	uint16_t sw;

	if ((sw = parse_rand_autn(&pos, end, &rand, &autn)) != APDU_SW_OK)
		return sw;
	if (pos != end)
		return APDU_SW_WRONG_LENGTH;
	sw = aka_run(card, rand, autn, &a, rsp, &fresh);
	if (sw == APDU_SW_OK && fresh) {
		access_keys(&f, &a);
		if (ust_has(card, UST_GSM_ACCESS) && a.vec.ck_len == 16 && a.vec.ik_len == 16) {
			aka_alg_c3(a.vec.ck, a.vec.ik, kc);	/* TS 33.102 6.8.1.2 */
			aka_auth_lvs_add(&f, kc, sizeof(kc));
		}
		aka_auth_answer_put(rsp, AKA_AUTH_TAG_OK, &f);
	}
	OPENSSL_cleanse(kc, sizeof(kc));
	OPENSSL_cleanse(&a, sizeof(a));
	return sw;
}

static uint16_t auth_gsm(struct usim_card *card, const struct apdu_cmd *cmd, struct apdu_rsp *rsp,
			 bool sim_format)
{
	uint8_t sres[AKA_ALG_SRES_LEN], kc[AKA_ALG_KC_LEN];
	const uint8_t *rand = cmd->data;

	if (!sim_format) {
		/* TS 31.102 7.1.2.1: LV(RAND) in, LV(SRES) LV(Kc) out */
		if (cmd->nc != 17 || cmd->data[0] != 16)
			return cmd->nc != 17 ? APDU_SW_WRONG_LENGTH : APDU_SW_WRONG_DATA;
		rand = cmd->data + 1;
	} else if (cmd->nc != 16) {
		return APDU_SW_WRONG_LENGTH;	/* TS 51.011 9.2.16: RAND only */
	}
	if (aka_alg_gsm(card->alg, &card->keys, rand, sres, kc) < 0)
		return APDU_SW_TECHNICAL_PROBLEM;
	if (sim_format) {
		apdu_rsp_append(rsp, sres, sizeof(sres));
		apdu_rsp_append(rsp, kc, sizeof(kc));
	} else {
		struct aka_auth_lvs f = { .n = 0 };
		aka_auth_lvs_add(&f, sres, sizeof(sres));
		aka_auth_lvs_add(&f, kc, sizeof(kc));
		aka_auth_answer_put(rsp, AKA_AUTH_NO_TAG, &f);
	}
	OPENSSL_cleanse(kc, sizeof(kc));
	return APDU_SW_OK;
}

/* The policy DF.E2M's files hold now (they may have been updated). */
static void e2m_policy(struct usim_card *card, struct e2m_config *pol)
{
	const struct fs_file_def *eid = card->fs->nodes[card->node_e2m_eid].def;

	e2m_policy_files_decode(usim_card_content(card, card->node_e2m_pol),
				card->fs->nodes[card->node_e2m_pol].content_size,
				usim_card_content(card, card->node_e2m_eid), eid->rec_len, eid->rec_count,
				pol);
}

/* The E2M context, doc/e2m-profile.md 3: the whole 3G AKA, then the E2M keys. */
static uint16_t auth_e2m(struct usim_card *card, const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	struct e2m_cmd c;
	struct e2m_request req;
	struct e2m_fc fc = { .ke2m_usim = card->e2m.fc_usim, .alg = card->e2m.fc_alg };
	struct e2m_keyset ks;
	struct e2m_config pol;
	struct aka_auth_lvs f = { .n = 0 };
	struct aka a;
	bool fresh;
	uint16_t sw = e2m_cmd_parse(cmd->data, cmd->nc, &c);

	memset(&ks, 0, sizeof(ks));

	if (sw != APDU_SW_OK)
		return sw;
	e2m_policy(card, &pol);
	if (!e2m_policy_eid_allowed(&pol, c.eid, c.eid_len))
		return APDU_SW_CONDITIONS_NOT_SATISFIED;
	req = (struct e2m_request){
		.rand = c.rand, .sqn_ak = c.autn, .eid = c.eid, .eid_len = c.eid_len,
		.alg = c.alg_given ? c.alg : card->e2m.alg,
		.confidentiality = e2m_policy_confidentiality(pol.home_confidentiality,
							      &pol.no_confidentiality, c.snid),
	};
	sw = aka_run(card, c.rand, c.autn, &a, rsp, &fresh);
	if (sw != APDU_SW_OK || !fresh)
		goto out;
	/* 'DB' L RES L CK L IK L K_E2M_int L K_E2M_enc */
	access_keys(&f, &a);
	if (card->e2m.amf_mask && (((a.amf[0] << 8) | a.amf[1]) & card->e2m.amf_mask) != card->e2m.amf_mask) {
		/* E2M indicator required but absent: access keys only */
		aka_auth_lvs_add(&f, NULL, 0);
		aka_auth_lvs_add(&f, NULL, 0);
		aka_auth_answer_put(rsp, AKA_AUTH_TAG_OK, &f);
		LOGP(DE2M, LOGL_INFO, "%s: AMF without the E2M indicator, no E2M keys\n", card->iccid);
		goto out;
	}
	if (e2m_keyset_usim_prepared(&fc, card->e2m_k, &req, &ks) < 0) {
		sw = APDU_SW_TECHNICAL_PROBLEM;
		goto out;
	}
	aka_auth_lvs_add(&f, ks.k_int, sizeof(ks.k_int));
	aka_auth_lvs_add(&f, ks.k_enc, ks.k_enc_len);
	aka_auth_answer_put(rsp, AKA_AUTH_TAG_OK, &f);
	common_log_key(DE2M, "K_E2M_int", ks.k_int, sizeof(ks.k_int));
	common_log_key(DE2M, "K_E2M_enc", ks.k_enc, ks.k_enc_len);
	LOGP(DE2M, LOGL_INFO, "%s: E2M keys for %s, ALG %02X%s\n", card->iccid, ks.kid, req.alg,
	     ks.k_enc_len ? "" : ", no confidentiality");
out:
	e2m_keyset_clear(&ks);
	OPENSSL_cleanse(&a, sizeof(a));
	return sw;
}

static bool e2m_context_on(struct usim_card *card, uint8_t p2)
{
	const uint8_t *pol;

	if (!card->e2m.present || p2 != card->e2m.p2)
		return false;
	pol = usim_card_content(card, card->node_e2m_pol);
	return card->fs->nodes[card->node_e2m_pol].content_size && (pol[0] & E2M_POL_ENABLED);
}

/*! AUTHENTICATE, TS 31.102 7.1.2: in the USIM application, with PIN1. */
uint16_t usim_cmd_authenticate(struct usim_card *card, struct usim_channel *ch,
			       const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	bool e2m = e2m_context_on(card, cmd->p2);

	if (cmd->p1 != 0x00 || (cmd->p2 != AKA_AUTH_P2_GSM && cmd->p2 != AKA_AUTH_P2_3G && !e2m))
		return APDU_SW_INCORRECT_P1P2;
	if (ch->adf == FS_NONE)
		return APDU_SW_CONDITIONS_NOT_SATISFIED;
	if (!usim_pin_satisfied(&card->pin[USIM_PIN1]))
		return APDU_SW_SECURITY_NOT_SATISFIED;
	if (!card->alg)		/* a card without keys: its physical card's AKA, or none */
		return card->aka_relay ? card->aka_relay(card->aka_relay_ctx, cmd, rsp)
				       : APDU_SW_REF_DATA_NOT_FOUND;
	if (cmd->p2 == AKA_AUTH_P2_GSM) {
		if (!ust_has(card, UST_GSM_SEC_CONTEXT))
			return APDU_SW_INCORRECT_P1P2;
		return auth_gsm(card, cmd, rsp, false);
	}
	if (!aka_alg_has_umts(card->alg))
		return APDU_SW_AUTH_CONTEXT_NOT_SUPPORTED;
	return e2m ? auth_e2m(card, cmd, rsp) : auth_3g(card, cmd, rsp);
}

/* RUN GSM ALGORITHM of a card without keys: AUTHENTICATE in the GSM
 * context on its physical card (TS 31.102 7.1.2.1, LV(RAND) in, LV(SRES)
 * LV(Kc) out), answered in the SIM's format SRES || Kc (TS 51.011 9.2.16). */
static uint16_t gsm_relayed(struct usim_card *card, const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	uint8_t data[1 + AKA_ALG_RAND_LEN], buf[64];
	struct apdu_cmd auth = { .ins = AKA_AUTH_INS, .p2 = AKA_AUTH_P2_GSM, .nc = sizeof(data),
				 .ne = 256, .form = APDU_C4, .data = data };
	struct apdu_rsp ans = { .buf = buf, .cap = sizeof(buf) };
	struct aka_auth_lvs f;
	uint16_t sw;

	if (cmd->nc != AKA_ALG_RAND_LEN)
		return APDU_SW_WRONG_LENGTH;
	data[0] = AKA_ALG_RAND_LEN;
	memcpy(data + 1, cmd->data, AKA_ALG_RAND_LEN);
	sw = card->aka_relay(card->aka_relay_ctx, &auth, &ans);
	if (sw == APDU_SW_OK && (aka_auth_lvs_parse(ans.buf, ans.len, &f) < 0 || f.n != 2 ||
				 f.len[0] != AKA_ALG_SRES_LEN || f.len[1] != AKA_ALG_KC_LEN))
		sw = APDU_SW_TECHNICAL_PROBLEM;
	if (sw == APDU_SW_OK) {
		apdu_rsp_append(rsp, f.val[0], f.len[0]);
		apdu_rsp_append(rsp, f.val[1], f.len[1]);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return sw;
}

/*! RUN GSM ALGORITHM, TS 51.011 9.2.16: in DF.GSM, with CHV1; SRES || Kc. */
uint16_t usim_gsm_run_algorithm(struct usim_card *card, struct usim_channel *ch,
				const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	if (cmd->p1 || cmd->p2)
		return APDU_SW_WRONG_P1P2;
	if (card->fs->nodes[ch->df].def->fid != 0x7F20 || ch->df == 0)
		return APDU_SW_CONDITIONS_NOT_SATISFIED;
	if (!usim_pin_satisfied(&card->pin[USIM_PIN1]))
		return APDU_SW_SECURITY_NOT_SATISFIED;
	if (!card->alg)		/* a card without keys: its physical card's, or '9808' */
		return card->aka_relay ? gsm_relayed(card, cmd, rsp) : APDU_SW_CONDITIONS_NOT_SATISFIED;
	return auth_gsm(card, cmd, rsp, true);
}
