/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading and writing EFs: READ/UPDATE BINARY, READ/UPDATE RECORD, SEARCH
 * RECORD and INCREASE (TS 102 221 11.1.3-11.1.8). Every change goes through
 * usim_card_write(), stored before the answer. */

#include <string.h>

#include "apdu/sw.h"
#include "usim/access.h"
#include "usim/command.h"

/* The EF a command addresses: by short file identifier in the current DF
 * (which then becomes the current EF, ISO/IEC 7816-4 7.2.2), or the current
 * EF; it must have the structure the command needs and allow op. */
static uint16_t target_ef(struct usim_card *card, struct usim_channel *ch, uint8_t sfi,
			  bool records, enum usim_access_op op, int *ef)
{
	uint16_t sw;

	if (sfi) {
		*ef = fs_by_sfi(card->fs, ch->df, sfi);
		if (*ef == FS_NONE)
			return APDU_SW_FILE_NOT_FOUND;
		if (ch->ef != *ef) {
			ch->ef = *ef;
			ch->record = 0;
		}
	} else if (ch->ef == FS_NONE) {
		return APDU_SW_NO_EF_SELECTED;
	} else {
		*ef = ch->ef;
	}
	if (fs_is_record(card->fs, *ef) != records)
		return APDU_SW_CMD_INCOMPATIBLE;
	sw = usim_card_access(card, *ef, op);
	return sw;
}

static bool le_is_max(const struct apdu_cmd *cmd)
{
	return cmd->ne == 256 || cmd->ne == 65536;
}

/* READ/UPDATE BINARY P1 P2: P1 b8 set: SFI in b5-b1 and offset P2;
 * otherwise a 15-bit offset. */
static uint16_t binary_address(const struct apdu_cmd *cmd, uint8_t *sfi, size_t *offset)
{
	if (cmd->p1 & 0x80) {
		if (cmd->p1 & 0x60)
			return APDU_SW_INCORRECT_P1P2;
		*sfi = cmd->p1 & 0x1f;
		*offset = cmd->p2;
	} else {
		*sfi = 0;
		*offset = (size_t)cmd->p1 << 8 | cmd->p2;
	}
	return APDU_SW_OK;
}

/*! READ BINARY, 11.1.3. Le '00' reads to the end (at most 256 octets); an
 *  exact Le past the end gets '6Cxx' with the octets there are. */
uint16_t usim_cmd_read_binary(struct usim_card *card, struct usim_channel *ch,
			      const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	size_t offset, avail, count, size;
	uint8_t sfi;
	uint16_t sw;
	int ef;

	if ((sw = binary_address(cmd, &sfi, &offset)) != APDU_SW_OK)
		return sw;
	if ((sw = target_ef(card, ch, sfi, false, USIM_ACCESS_READ, &ef)) != APDU_SW_OK)
		return sw;
	size = card->fs->nodes[ef].content_size;
	if (offset >= size)
		return APDU_SW_WRONG_P1P2;
	avail = size - offset;
	if (le_is_max(cmd)) {
		count = avail < cmd->ne ? avail : cmd->ne;
		if (count > rsp->cap)
			count = rsp->cap;
	} else if (cmd->ne > avail) {
		return apdu_sw_wrong_le(avail > 255 ? 0 : (unsigned int)avail);
	} else {
		count = cmd->ne;
	}
	apdu_rsp_append(rsp, usim_card_content(card, ef) + offset, count);
	return APDU_SW_OK;
}

/*! UPDATE BINARY, 11.1.4. */
uint16_t usim_cmd_update_binary(struct usim_card *card, struct usim_channel *ch,
				const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	size_t offset, size;
	uint8_t sfi;
	uint16_t sw;
	int ef;

	if ((sw = binary_address(cmd, &sfi, &offset)) != APDU_SW_OK)
		return sw;
	if ((sw = target_ef(card, ch, sfi, false, USIM_ACCESS_UPDATE, &ef)) != APDU_SW_OK)
		return sw;
	size = card->fs->nodes[ef].content_size;
	if (offset >= size)
		return APDU_SW_WRONG_P1P2;
	if (cmd->nc > size - offset)
		return APDU_SW_WRONG_LENGTH;
	return usim_card_write(card, ef, offset, cmd->data, cmd->nc);
}

/* READ/UPDATE RECORD P2 b3-b1, 11.1.5 table 11.11 */
enum record_mode {
	RECORD_NEXT	= 0x02,
	RECORD_PREVIOUS	= 0x03,
	RECORD_ABSOLUTE	= 0x04,	/* P1 = record number, '00' = current record */
};

/* The record a command addresses, 1-based, or 0 when there is none. Next and
 * previous move the record pointer (cyclic files wrap), absolute mode leaves
 * it alone. */
static int record_select(struct usim_channel *ch, const struct fs_file_def *d,
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
		else if (d->kind == FS_FILE_CYCLIC)
			cur = 1;
		else
			return 0;
		break;
	case RECORD_PREVIOUS:
		if (cur == 0)
			cur = n;
		else if (cur > 1)
			cur--;
		else if (d->kind == FS_FILE_CYCLIC)
			cur = n;
		else
			return 0;
		break;
	}
	ch->record = cur;
	return cur;
}

static uint16_t record_mode_check(const struct apdu_cmd *cmd)
{
	uint8_t mode = cmd->p2 & 0x07;

	if (mode != RECORD_NEXT && mode != RECORD_PREVIOUS && mode != RECORD_ABSOLUTE)
		return APDU_SW_INCORRECT_P1P2;
	if (mode != RECORD_ABSOLUTE && cmd->p1)
		return APDU_SW_INCORRECT_P1P2;
	return APDU_SW_OK;
}

/*! READ RECORD, 11.1.5. Le must be the record length ('00' too); any other
 *  gets '6Cxx' with the record length. */
uint16_t usim_cmd_read_record(struct usim_card *card, struct usim_channel *ch,
			      const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const struct fs_file_def *d;
	uint16_t sw;
	int ef, rec;

	if ((sw = record_mode_check(cmd)) != APDU_SW_OK)
		return sw;
	if ((sw = target_ef(card, ch, cmd->p2 >> 3, true, USIM_ACCESS_READ, &ef)) != APDU_SW_OK)
		return sw;
	d = card->fs->nodes[ef].def;
	if (cmd->ne != d->rec_len && !le_is_max(cmd))
		return apdu_sw_wrong_le(d->rec_len);
	rec = record_select(ch, d, cmd->p1, cmd->p2 & 0x07);
	if (!rec)
		return APDU_SW_RECORD_NOT_FOUND;
	apdu_rsp_append(rsp, usim_card_content(card, ef) + (size_t)(rec - 1) * d->rec_len, d->rec_len);
	return APDU_SW_OK;
}

/* A cyclic file takes new data as record 1; the oldest record drops out
 * (TS 102 221 8.2.3). */
static uint16_t cyclic_push(struct usim_card *card, int ef, const uint8_t *rec)
{
	const struct fs_file_def *d = card->fs->nodes[ef].def;
	size_t len = d->rec_len, size = card->fs->nodes[ef].content_size;
	uint8_t next[USIM_RSP_DATA_MAX];

	if (size > sizeof(next))
		return APDU_SW_TECHNICAL_PROBLEM;
	memcpy(next, rec, len);
	memcpy(next + len, usim_card_content(card, ef), size - len);
	return usim_card_write(card, ef, 0, next, size);
}

/*! UPDATE RECORD, 11.1.6. A cyclic file is updated in previous mode only,
 *  which replaces its oldest record and makes it record 1. */
uint16_t usim_cmd_update_record(struct usim_card *card, struct usim_channel *ch,
				const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const struct fs_file_def *d;
	uint8_t mode = cmd->p2 & 0x07;
	uint16_t sw;
	int ef, rec;

	if ((sw = record_mode_check(cmd)) != APDU_SW_OK)
		return sw;
	if ((sw = target_ef(card, ch, cmd->p2 >> 3, true, USIM_ACCESS_UPDATE, &ef)) != APDU_SW_OK)
		return sw;
	d = card->fs->nodes[ef].def;
	if (cmd->nc != d->rec_len)
		return APDU_SW_WRONG_LENGTH;
	if (d->kind == FS_FILE_CYCLIC) {
		if (mode != RECORD_PREVIOUS)
			return APDU_SW_CMD_INCOMPATIBLE;
		sw = cyclic_push(card, ef, cmd->data);
		if (sw == APDU_SW_OK)
			ch->record = 1;
		return sw;
	}
	rec = record_select(ch, d, cmd->p1, mode);
	if (!rec)
		return APDU_SW_RECORD_NOT_FOUND;
	return usim_card_write(card, ef, (size_t)(rec - 1) * d->rec_len, cmd->data, cmd->nc);
}

/* SEARCH RECORD P2 b3-b1, 11.1.7 */
enum search_mode {
	SEARCH_FORWARD	= 0x04,	/* simple, from record P1 on */
	SEARCH_BACKWARD	= 0x05,	/* simple, from record P1 back */
	SEARCH_ENHANCED	= 0x06,
};

/*! SEARCH RECORD, 11.1.7: the numbers of the records that hold the pattern,
 *  at their start (simple search) or from the offset / first occurrence of a
 *  value the enhanced search names (11.1.7.2). */
uint16_t usim_cmd_search_record(struct usim_card *card, struct usim_channel *ch,
				const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const struct fs_file_def *d;
	const uint8_t *pattern = cmd->data;
	size_t plen = cmd->nc, offset = 0;
	bool backward, by_value = false;
	uint8_t value = 0, mode = cmd->p2 & 0x07;
	uint16_t sw;
	int ef, first, n;

	if (mode == SEARCH_ENHANCED) {
		uint8_t ind;
		if (plen < 3)
			return APDU_SW_WRONG_LENGTH;
		ind = pattern[0];
		/* b3-b1: 100 forward / 101 backward from P1 (110/111 from the
		 * record after / before the current one); b4: by value */
		backward = ind & 0x01;
		by_value = ind & 0x08;
		if ((ind & 0x04) == 0)
			return APDU_SW_WRONG_DATA;
		if (by_value)
			value = pattern[1];
		else
			offset = pattern[1];
		pattern += 2;
		plen -= 2;
	} else if (mode == SEARCH_FORWARD || mode == SEARCH_BACKWARD) {
		backward = mode == SEARCH_BACKWARD;
	} else {
		return APDU_SW_INCORRECT_P1P2;
	}
	if ((sw = target_ef(card, ch, cmd->p2 >> 3, true, USIM_ACCESS_READ, &ef)) != APDU_SW_OK)
		return sw;
	d = card->fs->nodes[ef].def;
	n = d->rec_count;
	first = cmd->p1 ? cmd->p1 : (ch->record ? ch->record : (backward ? n : 1));
	if (first > n)
		return APDU_SW_RECORD_NOT_FOUND;
	if (plen == 0 || plen > d->rec_len)
		return APDU_SW_WRONG_LENGTH;
	for (int r = first; r >= 1 && r <= n; r += backward ? -1 : 1) {
		const uint8_t *rec = usim_card_content(card, ef) + (size_t)(r - 1) * d->rec_len;
		size_t from = offset;
		if (by_value) {
			const uint8_t *hit = memchr(rec, value, d->rec_len);
			if (!hit)
				continue;
			from = (size_t)(hit - rec) + 1;
		}
		for (size_t at = from; at + plen <= d->rec_len; at++) {
			if (!memcmp(rec + at, pattern, plen)) {
				uint8_t num = (uint8_t)r;
				apdu_rsp_append(rsp, &num, 1);
				break;
			}
			if (mode != SEARCH_ENHANCED)
				break;	/* simple search: at the record start only */
		}
	}
	if (rsp->len)
		ch->record = rsp->buf[0];
	return APDU_SW_OK;
}

/*! INCREASE, 11.1.8: adds the value to record 1 of a cyclic EF and stores
 *  the sum as the new record 1; answers the sum and the value added. */
uint16_t usim_cmd_increase(struct usim_card *card, struct usim_channel *ch,
			   const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	const struct fs_file_def *d;
	uint8_t sum[255];
	unsigned int carry = 0;
	uint16_t sw;
	int ef;

	if (cmd->p1 || cmd->p2)
		return APDU_SW_INCORRECT_P1P2;
	if ((sw = target_ef(card, ch, 0, true, USIM_ACCESS_UPDATE, &ef)) != APDU_SW_OK)
		return sw;
	d = card->fs->nodes[ef].def;
	if (d->kind != FS_FILE_CYCLIC)
		return APDU_SW_CMD_INCOMPATIBLE;
	if (cmd->nc == 0 || cmd->nc > d->rec_len)
		return APDU_SW_WRONG_LENGTH;
	/* record 1 + value, big-endian, value right-aligned */
	for (int i = d->rec_len - 1, j = cmd->nc - 1; i >= 0; i--, j--) {
		unsigned int v = usim_card_content(card, ef)[i] + carry + (j >= 0 ? cmd->data[j] : 0);
		sum[i] = (uint8_t)v;
		carry = v >> 8;
	}
	if (carry)
		return APDU_SW_MAX_VALUE_REACHED;
	if ((sw = cyclic_push(card, ef, sum)) != APDU_SW_OK)
		return sw;
	ch->record = 1;
	apdu_rsp_append(rsp, sum, d->rec_len);
	apdu_rsp_append(rsp, cmd->data, cmd->nc);
	return APDU_SW_OK;
}
