/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SELECT and STATUS, TS 102 221 11.1.1 and 11.1.2. */

#include <string.h>

#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "usim/command.h"
#include "usim/fcp.h"

/* SELECT P1, TS 102 221 11.1.1.2 table 11.1 */
enum select_p1 {
	SELECT_BY_FID		= 0x00,
	SELECT_CHILD_DF		= 0x01,
	SELECT_PARENT_DF	= 0x03,
	SELECT_BY_DF_NAME	= 0x04,
	SELECT_PATH_FROM_MF	= 0x08,
	SELECT_PATH_FROM_DF	= 0x09,
};

/* SELECT P2 response data, table 11.2 (b4 b3) */
enum select_p2 {
	SELECT_RETURN_FCP	= 0x04,
	SELECT_RETURN_NONE	= 0x0C,
};

static uint16_t fid_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Walk a path of FIDs from df; every step but the last must be a DF. */
static int resolve_path(const struct usim_card *card, const struct usim_channel *ch, int df,
			const uint8_t *path, size_t len)
{
	const struct fs_tree *fs = card->fs;
	int node = df;

	if (len == 0 || len % 2)
		return FS_NONE;
	for (size_t i = 0; i < len; i += 2) {
		uint16_t fid = fid_at(path + i);
		if (!fs_is_df(fs, node))
			return FS_NONE;
		if (fid == 0x7FFF && i == 0)
			node = ch->adf;
		else
			node = fs_child(fs, node, fid);
		if (!usim_card_file_present(card, node))
			return FS_NONE;
	}
	return node;
}

static void build_fcp(struct usim_card *card, int node, struct apdu_rsp *rsp)
{
	struct apdu_buf b = { .buf = rsp->buf, .cap = rsp->cap };

	usim_fcp_build(&b, card->fs, node, card->pin);
	rsp->len = b.overflow ? 0 : b.len;
}

/*! SELECT, TS 102 221 11.1.1. */
uint16_t usim_cmd_select(struct usim_card *card, struct usim_channel *ch,
			 const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const struct fs_tree *fs = card->fs;
	int target = FS_NONE;

	if (cmd->p2 != SELECT_RETURN_FCP && cmd->p2 != SELECT_RETURN_NONE && cmd->p2 != 0x00)
		return APDU_SW_INCORRECT_P1P2;

	switch (cmd->p1) {
	case SELECT_BY_FID:
		if (cmd->nc != 2)
			return APDU_SW_WRONG_LENGTH;
		target = fs_select_fid(fs, ch->df, ch->adf, fid_at(cmd->data));
		break;
	case SELECT_CHILD_DF:
		if (cmd->nc != 2)
			return APDU_SW_WRONG_LENGTH;
		target = fs_child(fs, ch->df, fid_at(cmd->data));
		if (target != FS_NONE && !fs_is_df(fs, target))
			target = FS_NONE;
		break;
	case SELECT_PARENT_DF:
		if (cmd->nc != 0)
			return APDU_SW_WRONG_LENGTH;
		target = fs->nodes[ch->df].parent;
		if (target == FS_NONE)
			target = 0;	/* the parent of MF is MF */
		break;
	case SELECT_BY_DF_NAME:
		if (cmd->nc < 1 || cmd->nc > 16)
			return APDU_SW_WRONG_LENGTH;
		target = fs_adf_by_aid(fs, cmd->data, cmd->nc);
		break;
	case SELECT_PATH_FROM_MF:
		target = resolve_path(card, ch, 0, cmd->data, cmd->nc);
		break;
	case SELECT_PATH_FROM_DF:
		target = resolve_path(card, ch, ch->df, cmd->data, cmd->nc);
		break;
	default:
		return APDU_SW_INCORRECT_P1P2;
	}
	if (!usim_card_file_present(card, target))
		return APDU_SW_FILE_NOT_FOUND;

	if (fs_is_df(fs, target)) {
		ch->df = target;
		ch->ef = FS_NONE;
		if (fs->nodes[target].def->kind == FS_FILE_ADF)
			ch->adf = target;
	} else {
		ch->ef = target;
		ch->df = fs->nodes[target].parent;
	}
	ch->record = 0;

	if (cmd->p2 != SELECT_RETURN_NONE)
		build_fcp(card, target, rsp);
	return APDU_SW_OK;
}

/*! STATUS, TS 102 221 11.1.2: the FCP of the current DF, or the AID of the
 *  current application. */
uint16_t usim_cmd_status(struct usim_card *card, struct usim_channel *ch,
			 const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	if (cmd->p1 > 0x02)
		return APDU_SW_INCORRECT_P1P2;
	switch (cmd->p2) {
	case 0x00:
		build_fcp(card, ch->df, rsp);
		return APDU_SW_OK;
	case 0x01: {
		const struct fs_file_def *adf;
		struct apdu_buf b = { .buf = rsp->buf, .cap = rsp->cap };
		if (ch->adf == FS_NONE)
			return APDU_SW_OK;	/* no application active: no data */
		adf = card->fs->nodes[ch->adf].def;
		apdu_buf_put_tlv(&b, 0x84, adf->aid, adf->aid_len);
		rsp->len = b.len;
		return APDU_SW_OK;
	}
	case 0x0C:
		return APDU_SW_OK;
	default:
		return APDU_SW_INCORRECT_P1P2;
	}
}
