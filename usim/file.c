/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File commands: SELECT, STATUS, READ BINARY, READ RECORD (TS 102 221 11.1). */

#include <string.h>

#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "usim/command.h"

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
static int resolve_path(const struct usim_fs *fs, const struct usim_channel *ch, int df,
			const uint8_t *path, size_t len)
{
	int node = df;

	if (len == 0 || len % 2)
		return USIM_FS_NONE;
	for (size_t i = 0; i < len; i += 2) {
		uint16_t fid = fid_at(path + i);
		if (!usim_fs_is_df(fs, node))
			return USIM_FS_NONE;
		if (fid == 0x7FFF && i == 0)
			node = ch->adf;
		else
			node = usim_fs_child(fs, node, fid);
		if (node == USIM_FS_NONE)
			return USIM_FS_NONE;
	}
	return node;
}

static void build_fcp(struct usim_card *card, int node, struct apdu_rsp *rsp)
{
	struct apdu_buf b = { .buf = rsp->buf, .cap = rsp->cap };

	usim_fcp_build(&b, card->fs, node, card->pins, 2);
	rsp->len = b.overflow ? 0 : b.len;
}

/*! SELECT, TS 102 221 11.1.1. */
uint16_t usim_cmd_select(struct usim_card *card, struct usim_channel *ch,
			 const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const struct usim_fs *fs = card->fs;
	int target = USIM_FS_NONE;

	if (cmd->p2 != SELECT_RETURN_FCP && cmd->p2 != SELECT_RETURN_NONE && cmd->p2 != 0x00)
		return APDU_SW_INCORRECT_P1P2;

	switch (cmd->p1) {
	case SELECT_BY_FID:
		if (cmd->nc != 2)
			return APDU_SW_WRONG_LENGTH;
		target = usim_fs_select_fid(fs, ch->df, ch->adf, fid_at(cmd->data));
		break;
	case SELECT_CHILD_DF:
		if (cmd->nc != 2)
			return APDU_SW_WRONG_LENGTH;
		target = usim_fs_child(fs, ch->df, fid_at(cmd->data));
		if (target != USIM_FS_NONE && !usim_fs_is_df(fs, target))
			target = USIM_FS_NONE;
		break;
	case SELECT_PARENT_DF:
		if (cmd->nc != 0)
			return APDU_SW_WRONG_LENGTH;
		target = fs->nodes[ch->df].parent;
		if (target == USIM_FS_NONE)
			target = 0;	/* the parent of MF is MF */
		break;
	case SELECT_BY_DF_NAME:
		if (cmd->nc < 1 || cmd->nc > 16)
			return APDU_SW_WRONG_LENGTH;
		target = usim_fs_adf_by_aid(fs, cmd->data, cmd->nc);
		break;
	case SELECT_PATH_FROM_MF:
		target = resolve_path(fs, ch, 0, cmd->data, cmd->nc);
		break;
	case SELECT_PATH_FROM_DF:
		target = resolve_path(fs, ch, ch->df, cmd->data, cmd->nc);
		break;
	default:
		return APDU_SW_INCORRECT_P1P2;
	}
	if (target == USIM_FS_NONE)
		return APDU_SW_FILE_NOT_FOUND;

	if (usim_fs_is_df(fs, target)) {
		ch->df = target;
		ch->ef = USIM_FS_NONE;
		if (fs->nodes[target].def->kind == USIM_FILE_ADF)
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
		const struct usim_file_def *adf;
		struct apdu_buf b = { .buf = rsp->buf, .cap = rsp->cap };
		if (ch->adf == USIM_FS_NONE)
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

/* The EF a READ/UPDATE addresses: by short file identifier in the current DF
 * (which then becomes the current EF, ISO/IEC 7816-4 7.2.2), or the current EF. */
static uint16_t target_ef(struct usim_card *card, struct usim_channel *ch, uint8_t sfi, int *ef)
{
	if (sfi) {
		*ef = usim_fs_by_sfi(card->fs, ch->df, sfi);
		if (*ef == USIM_FS_NONE)
			return APDU_SW_FILE_NOT_FOUND;
		if (ch->ef != *ef) {
			ch->ef = *ef;
			ch->record = 0;
		}
		return APDU_SW_OK;
	}
	if (ch->ef == USIM_FS_NONE)
		return APDU_SW_NO_EF_SELECTED;
	*ef = ch->ef;
	return APDU_SW_OK;
}

static bool le_is_max(const struct apdu_cmd *cmd)
{
	return cmd->ne == 256 || cmd->ne == 65536;
}

/*! READ BINARY, TS 102 221 11.1.3. P1 b8 set: SFI in b5-b1, offset P2;
 *  otherwise a 15-bit offset. Le '00' reads to the end (at most 256 octets);
 *  an exact Le past the end gets '6Cxx' with the octets there are. */
uint16_t usim_cmd_read_binary(struct usim_card *card, struct usim_channel *ch,
			      const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const struct usim_fs_node *n;
	size_t offset, avail, count;
	uint8_t sfi = 0;
	uint16_t sw;
	int ef;

	if (cmd->p1 & 0x80) {
		if (cmd->p1 & 0x60)
			return APDU_SW_INCORRECT_P1P2;
		sfi = cmd->p1 & 0x1f;
		offset = cmd->p2;
	} else {
		offset = (size_t)cmd->p1 << 8 | cmd->p2;
	}
	sw = target_ef(card, ch, sfi, &ef);
	if (sw != APDU_SW_OK)
		return sw;
	n = &card->fs->nodes[ef];
	if (n->def->kind != USIM_FILE_TRANSPARENT)
		return APDU_SW_CMD_INCOMPATIBLE;
	if (offset >= n->content_size)
		return APDU_SW_WRONG_P1P2;
	avail = n->content_size - offset;
	if (le_is_max(cmd)) {
		count = avail < cmd->ne ? avail : cmd->ne;
		if (count > rsp->cap)
			count = rsp->cap;
	} else if (cmd->ne > avail) {
		return apdu_sw_wrong_le(avail > 255 ? 0 : (unsigned int)avail);
	} else {
		count = cmd->ne;
	}
	apdu_rsp_append(rsp, card->content[ef] + offset, count);
	return APDU_SW_OK;
}

/* READ RECORD P2 b3-b1, TS 102 221 11.1.5 table 11.11 */
enum record_mode {
	RECORD_NEXT	= 0x02,
	RECORD_PREVIOUS	= 0x03,
	RECORD_ABSOLUTE	= 0x04,	/* P1 = record number, '00' = current record */
};

/* The record a command addresses, 1-based, or 0 when there is none. Next and
 * previous move the record pointer, absolute mode leaves it alone. */
static int record_select(struct usim_channel *ch, const struct usim_file_def *d,
			 uint8_t p1, enum record_mode mode)
{
	int n = d->rec_count, cur = ch->record;

	switch (mode) {
	case RECORD_ABSOLUTE:
		return p1 ? (p1 <= n ? p1 : 0) : cur;
	case RECORD_NEXT:
		if (cur == 0)
			cur = 1;
		else if (cur < n)
			cur++;
		else if (d->kind == USIM_FILE_CYCLIC)
			cur = 1;
		else
			return 0;
		break;
	case RECORD_PREVIOUS:
		if (cur == 0)
			cur = n;
		else if (cur > 1)
			cur--;
		else if (d->kind == USIM_FILE_CYCLIC)
			cur = n;
		else
			return 0;
		break;
	}
	ch->record = cur;
	return cur;
}

/*! READ RECORD, TS 102 221 11.1.5. Le must be the record length ('00' too);
 *  any other gets '6Cxx' with the record length. */
uint16_t usim_cmd_read_record(struct usim_card *card, struct usim_channel *ch,
			      const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const struct usim_file_def *d;
	uint8_t mode = cmd->p2 & 0x07;
	uint16_t sw;
	int ef, rec;

	if (mode != RECORD_NEXT && mode != RECORD_PREVIOUS && mode != RECORD_ABSOLUTE)
		return APDU_SW_INCORRECT_P1P2;
	if (mode != RECORD_ABSOLUTE && cmd->p1)
		return APDU_SW_INCORRECT_P1P2;
	sw = target_ef(card, ch, cmd->p2 >> 3, &ef);
	if (sw != APDU_SW_OK)
		return sw;
	d = card->fs->nodes[ef].def;
	if (d->kind != USIM_FILE_LINEAR_FIXED && d->kind != USIM_FILE_CYCLIC)
		return APDU_SW_CMD_INCOMPATIBLE;
	if (cmd->ne != d->rec_len && !le_is_max(cmd))
		return apdu_sw_wrong_le(d->rec_len);
	rec = record_select(ch, d, cmd->p1, mode);
	if (!rec)
		return APDU_SW_RECORD_NOT_FOUND;
	apdu_rsp_append(rsp, card->content[ef] + (size_t)(rec - 1) * d->rec_len, d->rec_len);
	return APDU_SW_OK;
}
