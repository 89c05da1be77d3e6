/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File control parameters, TS 102 221 11.1.1.3 and 11.1.1.4. */

#include "usim/fcp.h"

#define FCP_TEMPLATE		0x62
#define FCP_FILE_SIZE		0x80	/* 11.1.1.4.1 */
#define FCP_TOTAL_SIZE		0x81	/* 11.1.1.4.2 */
#define FCP_DESCRIPTOR		0x82	/* 11.1.1.4.3 */
#define FCP_FID			0x83	/* 11.1.1.4.4 */
#define FCP_DF_NAME		0x84	/* 11.1.1.4.5 */
#define FCP_PROPRIETARY		0xA5	/* 11.1.1.4.6 */
#define FCP_LIFE_CYCLE		0x8A	/* 11.1.1.4.9 */
#define FCP_SEC_ARR		0x8B	/* 11.1.1.4.7.3, referenced format */
#define FCP_SFI			0x88	/* 11.1.1.4.8 */
#define FCP_PIN_STATUS		0xC6	/* 11.1.1.4.10, 9.5.2 */

#define PROP_UICC_CHARS		0x80	/* 11.1.1.4.6.1 */
#define UICC_CHARS		0x71	/* clock stop allowed, no preference; 3 V and 1.8 V */
#define LCSI_OPERATIONAL	0x05	/* operational, activated */

/* 11.1.1.4.3 table 11.5: file descriptor byte and data coding byte '21' */
static void put_descriptor(struct apdu_buf *b, const struct fs_file_def *d)
{
	uint8_t fd[5] = { 0, 0x21, 0, d->rec_len, d->rec_count };
	size_t len = 2;

	switch (d->kind) {
	case FS_FILE_DF:
	case FS_FILE_ADF:
		fd[0] = 0x78;		/* shareable DF */
		break;
	case FS_FILE_TRANSPARENT:
		fd[0] = 0x41;		/* shareable working EF, transparent */
		break;
	case FS_FILE_LINEAR_FIXED:
		fd[0] = 0x42;
		len = 5;
		break;
	case FS_FILE_CYCLIC:
		fd[0] = 0x46;
		len = 5;
		break;
	}
	apdu_buf_put_tlv(b, FCP_DESCRIPTOR, fd, len);
}

/* 9.5.2: PS_DO '90' bit map (b8 for the first key listed), then each key
 * reference '83', preceded by usage qualifier '95 08' for the first. */
static void put_pin_status(struct apdu_buf *b, const struct usim_pin pins[USIM_PIN_COUNT])
{
	uint8_t ps_do = 0;
	size_t mark = apdu_buf_open_tlv(b, FCP_PIN_STATUS);

	for (unsigned int i = 0; i < USIM_PIN_COUNT; i++) {
		if (pins[i].enabled)
			ps_do |= 0x80 >> i;
	}
	apdu_buf_put_tlv(b, 0x90, &ps_do, 1);
	for (unsigned int i = 0; i < USIM_PIN_COUNT; i++) {
		if (i == 0)
			apdu_buf_put_tlv(b, 0x95, (const uint8_t[]){ 0x08 }, 1);
		apdu_buf_put_tlv(b, 0x83, &pins[i].key_ref, 1);
	}
	apdu_buf_close_tlv(b, mark);
}

/*! Write the FCP template of a file. pins: the card's PINs, whose status
 *  DFs show. */
void usim_fcp_build(struct apdu_buf *b, const struct fs_tree *fs, int node,
		    const struct usim_pin pins[USIM_PIN_COUNT])
{
	const struct fs_node *n = &fs->nodes[node];
	const struct fs_file_def *d = n->def;
	uint8_t fid[2] = { d->fid >> 8, d->fid & 0xff };
	uint16_t arr_fid = n->arr != FS_NONE ? fs->nodes[n->arr].def->fid : 0x2F06;
	uint8_t arr[3] = { (uint8_t)(arr_fid >> 8), (uint8_t)arr_fid, d->arr_rec };
	uint8_t lcsi = LCSI_OPERATIONAL;
	size_t mark = apdu_buf_open_tlv(b, FCP_TEMPLATE);
	int is_df = fs_is_df(fs, node);

	put_descriptor(b, d);
	apdu_buf_put_tlv(b, FCP_FID, fid, 2);
	if (d->kind == FS_FILE_ADF)
		apdu_buf_put_tlv(b, FCP_DF_NAME, d->aid, d->aid_len);
	if (is_df) {
		size_t prop = apdu_buf_open_tlv(b, FCP_PROPRIETARY);
		apdu_buf_put_tlv(b, PROP_UICC_CHARS, (const uint8_t[]){ UICC_CHARS }, 1);
		apdu_buf_close_tlv(b, prop);
	}
	apdu_buf_put_tlv(b, FCP_LIFE_CYCLE, &lcsi, 1);
	apdu_buf_put_tlv(b, FCP_SEC_ARR, arr, 3);
	if (is_df) {
		put_pin_status(b, pins);
	} else {
		uint8_t size[2] = { (uint8_t)(n->content_size >> 8), (uint8_t)n->content_size };
		uint8_t sfi = (uint8_t)(d->sfi << 3);
		apdu_buf_put_tlv(b, FCP_FILE_SIZE, size, 2);
		apdu_buf_put_tlv(b, FCP_TOTAL_SIZE, size, 2);
		/* An explicit '88' always: with the SFI, or empty for none. */
		apdu_buf_put_tlv(b, FCP_SFI, &sfi, d->sfi ? 1 : 0);
	}
	apdu_buf_close_tlv(b, mark);
}
