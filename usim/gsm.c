/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The classic SIM interface, CLA 'A0' (TS 51.011 9): SELECT and STATUS with
 * the GSM response format; every other command shares its handler with the
 * UICC class and has its status word translated to the GSM one here. */

#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "usim/access.h"
#include "usim/command.h"

/* TS 51.011 9.3: access condition nibbles */
enum gsm_ac {
	GSM_AC_ALW	= 0x0,
	GSM_AC_CHV1	= 0x1,
	GSM_AC_CHV2	= 0x2,
	GSM_AC_ADM	= 0x4,
	GSM_AC_NEV	= 0xF,
};

static uint8_t gsm_ac(const struct usim_card *card, int node, enum usim_access_op op)
{
	const struct fs_node *n = &card->fs->nodes[node];
	const struct fs_node *arr;
	int cond;

	if (n->arr == FS_NONE || n->def->arr_rec < 1)
		return GSM_AC_NEV;
	arr = &card->fs->nodes[n->arr];
	cond = usim_access_condition(card->content[n->arr] + (n->def->arr_rec - 1) * arr->def->rec_len,
				     arr->def->rec_len, op);
	switch (cond) {
	case USIM_ACCESS_ALWAYS: return GSM_AC_ALW;
	case USIM_KEY_PIN1: return GSM_AC_CHV1;
	case USIM_KEY_PIN2: return GSM_AC_CHV2;
	case USIM_KEY_ADM1: return GSM_AC_ADM;
	default: return GSM_AC_NEV;
	}
}

/* 9.2.1: CHV status byte: b8 initialised, b4-b1 tries left */
static uint8_t chv_status(unsigned int tries)
{
	return (uint8_t)(0x80 | (tries & 0x0f));
}

/* 9.2.1: the response to SELECT and STATUS: for MF/DF 22 octets, for an EF
 * 15 octets. */
static void gsm_response(struct usim_card *card, int node, struct apdu_rsp *rsp)
{
	const struct fs_tree *fs = card->fs;
	const struct fs_file_def *d = fs->nodes[node].def;
	uint8_t r[22] = { 0 };
	size_t len;

	r[4] = (uint8_t)(d->fid >> 8);
	r[5] = (uint8_t)d->fid;
	if (fs_is_df(fs, node)) {
		unsigned int dfs = 0, efs = 0;
		for (size_t i = 0; i < fs->count; i++) {
			if (fs->nodes[i].parent != node || fs->nodes[i].def->kind == FS_FILE_ADF ||
			    !usim_card_file_present(card, (int)i))
				continue;
			fs_is_df(fs, (int)i) ? dfs++ : efs++;
		}
		r[6] = node == 0 ? 0x01 : 0x02;		/* MF / DF */
		r[12] = 9;				/* GSM specific data: octets 14-22 */
		r[13] = 0x11 | (card->pin[USIM_PIN1].enabled ? 0 : 0x80);	/* b8: CHV1 disabled */
		r[14] = (uint8_t)dfs;
		r[15] = (uint8_t)efs;
		r[16] = 0x04;				/* CHVs, UNBLOCK CHVs, ADM */
		r[18] = chv_status(card->pin[USIM_PIN1].tries);
		r[19] = chv_status(card->pin[USIM_PIN1].puk_tries);
		r[20] = chv_status(card->pin[USIM_PIN2].tries);
		r[21] = chv_status(card->pin[USIM_PIN2].puk_tries);
		len = 22;
	} else {
		size_t size = fs->nodes[node].content_size;
		uint8_t update = gsm_ac(card, node, USIM_ACCESS_UPDATE);
		r[2] = (uint8_t)(size >> 8);
		r[3] = (uint8_t)size;
		r[6] = 0x04;				/* EF */
		r[7] = d->kind == FS_FILE_CYCLIC ? 0x40 : 0x00;	/* INCREASE allowed */
		r[8] = (uint8_t)(gsm_ac(card, node, USIM_ACCESS_READ) << 4 | update);
		r[9] = (uint8_t)(update << 4);		/* INCREASE */
		r[10] = GSM_AC_ADM << 4 | GSM_AC_ADM;	/* REHABILITATE, INVALIDATE */
		r[11] = 0x01;				/* not invalidated */
		r[12] = 2;
		r[13] = d->kind == FS_FILE_TRANSPARENT ? 0x00 :
			d->kind == FS_FILE_LINEAR_FIXED ? 0x01 : 0x03;
		r[14] = d->rec_len;
		len = 15;
	}
	apdu_rsp_append(rsp, r, len);
}

/*! SELECT in the GSM class (9.2.1): by FID only, P1 P2 '0000'. */
uint16_t usim_gsm_select(struct usim_card *card, struct usim_channel *ch,
			 const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	int target;

	if (cmd->p1 || cmd->p2)
		return APDU_SW_WRONG_P1P2;
	if (cmd->nc != 2)
		return APDU_SW_WRONG_LENGTH;
	target = fs_select_fid(card->fs, ch->df, FS_NONE,
				    (uint16_t)(cmd->data[0] << 8 | cmd->data[1]));
	if (!usim_card_file_present(card, target))
		return APDU_SW_FILE_NOT_FOUND;
	if (fs_is_df(card->fs, target)) {
		ch->df = target;
		ch->ef = FS_NONE;
	} else {
		ch->ef = target;
		ch->df = card->fs->nodes[target].parent;
	}
	ch->record = 0;
	gsm_response(card, target, rsp);
	return APDU_SW_OK;
}

/*! STATUS in the GSM class (9.2.2): the current DF's response. */
uint16_t usim_gsm_status(struct usim_card *card, struct usim_channel *ch,
			 const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	if (cmd->p1 || cmd->p2)
		return APDU_SW_WRONG_P1P2;
	gsm_response(card, ch->df, rsp);
	return APDU_SW_OK;
}

/* UICC status word -> TS 51.011 9.4 status word */
struct sw_map {
	uint16_t uicc, mask, gsm;
	bool keep_low;		/* carry SW2 over (61xx -> 9Fxx) */
};

static const struct sw_map gsm_sw_table[] = {
	{ .uicc = 0x6100, .mask = 0xff00, .gsm = 0x9F00, .keep_low = true },
	{ .uicc = 0x6C00, .mask = 0xff00, .gsm = 0x6700 },
	{ .uicc = 0x63C0, .mask = 0xffff, .gsm = 0x9840 },	/* last try failed: blocked */
	{ .uicc = 0x63C0, .mask = 0xfff0, .gsm = 0x9804 },	/* wrong CHV, tries left */
	{ .uicc = 0x6982, .mask = 0xffff, .gsm = 0x9804 },
	{ .uicc = 0x6983, .mask = 0xffff, .gsm = 0x9840 },
	{ .uicc = 0x6984, .mask = 0xffff, .gsm = 0x9808 },
	{ .uicc = 0x6985, .mask = 0xffff, .gsm = 0x9808 },
	{ .uicc = 0x6A82, .mask = 0xffff, .gsm = 0x9404 },
	{ .uicc = 0x6A83, .mask = 0xffff, .gsm = 0x9402 },
	{ .uicc = 0x6986, .mask = 0xffff, .gsm = 0x9400 },
	{ .uicc = 0x6981, .mask = 0xffff, .gsm = 0x9408 },
	{ .uicc = 0x6A86, .mask = 0xffff, .gsm = 0x6B00 },
	{ .uicc = 0x6A88, .mask = 0xffff, .gsm = 0x6B00 },
	{ .uicc = 0x6A80, .mask = 0xffff, .gsm = 0x6B00 },
	{ .uicc = 0x6581, .mask = 0xffff, .gsm = 0x9240 },
};

/*! The GSM-class status word for a UICC one. */
uint16_t usim_gsm_sw(uint16_t sw)
{
	for (size_t i = 0; i < sizeof(gsm_sw_table) / sizeof(gsm_sw_table[0]); i++) {
		const struct sw_map *m = &gsm_sw_table[i];
		if ((sw & m->mask) == m->uicc)
			return m->keep_low ? (uint16_t)(m->gsm | (sw & 0xff)) : m->gsm;
	}
	return sw;
}
