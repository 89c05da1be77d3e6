/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command table and the dispatcher: CLA/INS look-up, logical channel,
 * APDU case, GET RESPONSE and '61xx'/'6Cxx', state restored after an error.
 * TS 102 221 10.1 and ISO/IEC 7816-4 5. */

#include <string.h>

#include <osmocom/core/utils.h>

#include "common/log.h"
#include "apdu/sw.h"
#include "usim/command.h"

/* Families of CLA a command exists in, TS 102 221 10.1.1 table 10.3 */
enum cla_family {
	CLA_ISO		= 1 << 0,	/* '0X', '4X' */
	CLA_PROP	= 1 << 1,	/* '8X', 'CX' */
	CLA_GSM		= 1 << 2,	/* 'A0', TS 51.011 */
};

struct usim_cmd_row {
	const char *name;
	unsigned int cla;	/* enum cla_family mask */
	uint8_t ins;
	unsigned int cases;	/* enum apdu_case mask */
	bool secret;		/* data too sensitive for logs without --log-keys */
	usim_handler handler;
};

static uint16_t cmd_get_response(struct usim_card *card, struct usim_channel *ch,
				 const struct apdu_cmd *cmd, struct apdu_rsp *rsp);

#define ISO_GSM (CLA_ISO | CLA_GSM)
#define PROP_GSM (CLA_PROP | CLA_GSM)

/* TS 102 221 10.1.2 table 10.5; GSM class: TS 51.011 9.2 */
static const struct usim_cmd_row cmd_table[] = {
	{ .name = "SELECT", .cla = CLA_ISO, .ins = USIM_INS_SELECT,
	  .cases = APDU_C1 | APDU_C2 | APDU_C3 | APDU_C4, .handler = usim_cmd_select },
	{ .name = "SELECT", .cla = CLA_GSM, .ins = USIM_INS_SELECT,
	  .cases = APDU_C3 | APDU_C4, .handler = usim_gsm_select },
	{ .name = "STATUS", .cla = CLA_PROP, .ins = USIM_INS_STATUS,
	  .cases = APDU_C1 | APDU_C2, .handler = usim_cmd_status },
	{ .name = "STATUS", .cla = CLA_GSM, .ins = USIM_INS_STATUS,
	  .cases = APDU_C1 | APDU_C2, .handler = usim_gsm_status },
	{ .name = "READ BINARY", .cla = ISO_GSM, .ins = USIM_INS_READ_BINARY,
	  .cases = APDU_C2, .handler = usim_cmd_read_binary },
	{ .name = "UPDATE BINARY", .cla = ISO_GSM, .ins = USIM_INS_UPDATE_BINARY,
	  .cases = APDU_C3, .handler = usim_cmd_update_binary },
	{ .name = "READ RECORD", .cla = ISO_GSM, .ins = USIM_INS_READ_RECORD,
	  .cases = APDU_C2, .handler = usim_cmd_read_record },
	{ .name = "UPDATE RECORD", .cla = ISO_GSM, .ins = USIM_INS_UPDATE_RECORD,
	  .cases = APDU_C3, .handler = usim_cmd_update_record },
	{ .name = "SEARCH RECORD", .cla = CLA_ISO, .ins = USIM_INS_SEARCH_RECORD,
	  .cases = APDU_C3 | APDU_C4, .handler = usim_cmd_search_record },
	{ .name = "INCREASE", .cla = PROP_GSM, .ins = USIM_INS_INCREASE,
	  .cases = APDU_C3 | APDU_C4, .handler = usim_cmd_increase },
	{ .name = "VERIFY PIN", .cla = ISO_GSM, .ins = USIM_INS_VERIFY_PIN,
	  .cases = APDU_C1 | APDU_C3, .secret = true, .handler = usim_cmd_pin },
	{ .name = "CHANGE PIN", .cla = ISO_GSM, .ins = USIM_INS_CHANGE_PIN,
	  .cases = APDU_C3, .secret = true, .handler = usim_cmd_pin },
	{ .name = "DISABLE PIN", .cla = ISO_GSM, .ins = USIM_INS_DISABLE_PIN,
	  .cases = APDU_C3, .secret = true, .handler = usim_cmd_pin },
	{ .name = "ENABLE PIN", .cla = ISO_GSM, .ins = USIM_INS_ENABLE_PIN,
	  .cases = APDU_C3, .secret = true, .handler = usim_cmd_pin },
	{ .name = "UNBLOCK PIN", .cla = ISO_GSM, .ins = USIM_INS_UNBLOCK_PIN,
	  .cases = APDU_C1 | APDU_C3, .secret = true, .handler = usim_cmd_pin },
	{ .name = "MANAGE CHANNEL", .cla = CLA_ISO, .ins = USIM_INS_MANAGE_CHANNEL,
	  .cases = APDU_C1 | APDU_C2, .handler = usim_cmd_manage_channel },
	{ .name = "AUTHENTICATE", .cla = CLA_ISO, .ins = USIM_INS_AUTHENTICATE,
	  .cases = APDU_C3 | APDU_C4, .secret = true, .handler = usim_cmd_authenticate },
	{ .name = "RUN GSM ALGORITHM", .cla = CLA_GSM, .ins = USIM_INS_AUTHENTICATE,
	  .cases = APDU_C3 | APDU_C4, .secret = true, .handler = usim_gsm_run_algorithm },
	{ .name = "GET RESPONSE", .cla = ISO_GSM, .ins = USIM_INS_GET_RESPONSE,
	  .cases = APDU_C2, .handler = cmd_get_response },
	/* TS 102 221 11.2: CAT, no proactive session */
	{ .name = "TERMINAL PROFILE", .cla = PROP_GSM, .ins = USIM_INS_TERMINAL_PROFILE,
	  .cases = APDU_C3, .handler = usim_cmd_cat_accept },
	{ .name = "ENVELOPE", .cla = PROP_GSM, .ins = USIM_INS_ENVELOPE,
	  .cases = APDU_C3 | APDU_C4, .handler = usim_cmd_cat_accept },
	{ .name = "FETCH", .cla = PROP_GSM, .ins = USIM_INS_FETCH,
	  .cases = APDU_C2, .handler = usim_cmd_fetch },
	{ .name = "TERMINAL RESPONSE", .cla = PROP_GSM, .ins = USIM_INS_TERMINAL_RESPONSE,
	  .cases = APDU_C3, .handler = usim_cmd_cat_accept },
};

/* Classify CLA; answers '6E00', '6882' (secure messaging) or '6884'
 * (chaining) for classes this card does not serve. */
static uint16_t cla_classify(uint8_t cla, unsigned int *family)
{
	switch (cla & 0xf0) {
	case 0x00:
	case 0x80:
		*family = (cla & 0x80) ? CLA_PROP : CLA_ISO;
		return (cla & 0x0c) ? APDU_SW_SM_NOT_SUPPORTED : APDU_SW_OK;
	case 0x40:
	case 0xC0:
		*family = (cla & 0x80) ? CLA_PROP : CLA_ISO;
		return APDU_SW_OK;
	case 0x10:
	case 0x50:
		return APDU_SW_CHAINING_NOT_SUPPORTED;
	case 0x60:
	case 0x70:
	case 0xE0:
		return APDU_SW_SM_NOT_SUPPORTED;
	case 0xA0:
		if (cla == 0xA0) {
			*family = CLA_GSM;
			return APDU_SW_OK;
		}
		return APDU_SW_CLA_NOT_SUPPORTED;
	default:
		return APDU_SW_CLA_NOT_SUPPORTED;
	}
}

/* The row for this INS in this class; '6D00' when no class knows the INS,
 * '6E00' when another class does. */
static const struct usim_cmd_row *cmd_lookup(uint8_t ins, unsigned int family, uint16_t *sw)
{
	bool ins_known = false;

	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++) {
		if (cmd_table[i].ins != ins)
			continue;
		if (cmd_table[i].cla & family)
			return &cmd_table[i];
		ins_known = true;
	}
	*sw = ins_known ? APDU_SW_CLA_NOT_SUPPORTED : APDU_SW_INS_NOT_SUPPORTED;
	return NULL;
}

/* GET RESPONSE, TS 102 221 10.1.5 / ISO/IEC 7816-4 7.6.1: hands out the data
 * the previous command on this channel left pending. */
static uint16_t cmd_get_response(struct usim_card *card, struct usim_channel *ch,
				 const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	if (cmd->p1 || cmd->p2)
		return APDU_SW_INCORRECT_P1P2;
	return apdu_t0_get_response(&card->pending, (int)(ch - card->ch), cmd, rsp);
}

static void log_exchange(const struct usim_cmd_row *row, int channel, const uint8_t *capdu,
			 size_t clen, const struct apdu_cmd *cmd, const struct apdu_rsp *rsp)
{
	bool show_data = !row || !row->secret || common_log_keys;

	if (!log_check_level(DAPDU, LOGL_INFO))
		return;
	LOGP(DAPDU, LOGL_INFO, "ch%d %-12s %02X %02X %02X %02X Nc=%u Ne=%u -> %04X %s (%zu octets)\n",
	     channel, row ? row->name : "?", cmd->cla, cmd->ins, cmd->p1, cmd->p2, cmd->nc,
	     cmd->ne, rsp->sw, apdu_sw_name(rsp->sw), rsp->len);
	if (show_data) {
		LOGP(DAPDU, LOGL_DEBUG, "  C: %s\n", osmo_hexdump_nospc(capdu, clen));
		LOGP(DAPDU, LOGL_DEBUG, "  R: %s\n", osmo_hexdump_nospc(rsp->buf, rsp->len));
	}
}

static uint16_t dispatch(struct usim_card *card, const uint8_t *capdu, size_t clen,
			 struct apdu_cmd *cmd, struct apdu_rsp *rsp,
			 const struct usim_cmd_row **row_out, int *channel_out)
{
	const struct usim_cmd_row *row;
	struct usim_channel saved;
	unsigned int family = 0;
	int channel;
	uint16_t sw;

	sw = (uint16_t)apdu_cmd_parse(cmd, capdu, clen);
	if (sw)
		return sw;
	sw = cla_classify(cmd->cla, &family);
	if (sw != APDU_SW_OK)
		return sw;
	row = cmd_lookup(cmd->ins, family, &sw);
	*row_out = row;
	if (!row)
		return sw;
	channel = apdu_cla_channel(cmd->cla);
	*channel_out = channel;
	if (channel < 0 || channel >= USIM_CHANNELS || !card->ch[channel].open)
		return APDU_SW_CHANNEL_NOT_SUPPORTED;
	if (apdu_cmd_fit_case(cmd, row->cases))
		return APDU_SW_WRONG_LENGTH;
	if (row->handler != cmd_get_response)
		apdu_t0_drop(&card->pending, -1);

	saved = card->ch[channel];
	sw = row->handler(card, &card->ch[channel], cmd, rsp);
	if (!apdu_sw_is_success(sw)) {
		card->ch[channel] = saved;
		rsp->len = 0;
	} else if (row->handler != cmd_get_response) {
		/* ISO/IEC 7816-3 12.2.2: the data fit to Le, or held */
		sw = apdu_t0_shape(&card->pending, channel, cmd, rsp, sw);
	}
	return family == CLA_GSM ? usim_gsm_sw(sw) : sw;
}

/*! Process one C-APDU and write the R-APDU (data || SW1 SW2) into rapdu.
 *  Every input gets an answer: malformed APDUs their status word, internal
 *  trouble '6F00'. Returns the R-APDU length (>= 2 when rcap >= 2). */
size_t usim_card_apdu(struct usim_card *card, const uint8_t *capdu, size_t clen,
		      uint8_t *rapdu, size_t rcap)
{
	uint8_t data[USIM_RSP_DATA_MAX];
	struct apdu_rsp rsp = { .buf = data, .cap = sizeof(data) };
	struct apdu_cmd cmd;
	const struct usim_cmd_row *row = NULL;
	int channel = 0;

	rsp.sw = dispatch(card, capdu, clen, &cmd, &rsp, &row, &channel);
	if (rcap < 2 || rsp.len > rcap - 2) {
		rsp.len = 0;
		rsp.sw = APDU_SW_TECHNICAL_PROBLEM;
	}
	log_exchange(row, channel, capdu, clen, &cmd, &rsp);
	return apdu_rsp_encode(&rsp, rapdu, rcap);
}
