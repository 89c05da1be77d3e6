/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Card life cycle: contents from the file table's defaults, reset. */

#include <stdlib.h>
#include <string.h>

#include "usim/card.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Fill a file's contents from its table default: hex, records separated by
 * '|', everything not given 'FF' (unused octets of a UICC file are 'FF'). */
static int content_from_default(const struct usim_fs_node *n, uint8_t *buf)
{
	const struct usim_file_def *d = n->def;
	size_t unit = d->kind == USIM_FILE_TRANSPARENT ? n->content_size : d->rec_len;
	size_t pos = 0, rec_start = 0;

	memset(buf, 0xff, n->content_size);
	for (const char *p = d->content; p && *p;) {
		int hi, lo;
		if (*p == '|') {
			rec_start += unit;
			pos = rec_start;
			p++;
			continue;
		}
		hi = hexval(p[0]);
		lo = hi < 0 ? -1 : hexval(p[1]);
		if (lo < 0 || pos >= rec_start + unit || pos >= n->content_size)
			return -1;
		buf[pos++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	return 0;
}

/*! Encode an ICCID of 19 or 20 decimal digits as EF.ICCID (TS 102 221 13.2:
 *  BCD, nibbles swapped, 'F' padded). Returns 0 or -1. */
int usim_iccid_encode(const char *digits, uint8_t out[10])
{
	size_t len = strlen(digits);

	if (len < 19 || len > 20)
		return -1;
	memset(out, 0xff, 10);
	for (size_t i = 0; i < len; i++) {
		uint8_t v;
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
		v = (uint8_t)(digits[i] - '0');
		if (i & 1)
			out[i / 2] = (uint8_t)((out[i / 2] & 0x0f) | (v << 4));
		else
			out[i / 2] = (uint8_t)(0xf0 | v);
	}
	return 0;
}

/*! Power-on / reset state (TS 102 221 8.4: MF selected on the basic channel;
 *  every other channel closed). Contents are kept. */
void usim_card_reset(struct usim_card *card)
{
	memset(card->ch, 0, sizeof(card->ch));
	card->ch[0] = (struct usim_channel){
		.open = true, .df = 0, .adf = USIM_FS_NONE, .ef = USIM_FS_NONE,
	};
	card->pending_len = 0;
	card->pending_channel = -1;
}

void usim_card_free(struct usim_card *card)
{
	if (!card)
		return;
	if (card->content) {
		for (size_t i = 0; i < card->fs->count; i++)
			free(card->content[i]);
		free(card->content);
	}
	free(card);
}

/*! A card with the file table's default contents and cfg applied. Returns
 *  NULL when memory runs out or cfg is invalid. */
struct usim_card *usim_card_new(const struct usim_card_config *cfg)
{
	struct usim_card *card = calloc(1, sizeof(*card));
	int iccid;

	if (!card)
		return NULL;
	card->fs = usim_fs_get();
	card->content = calloc(card->fs->count, sizeof(*card->content));
	if (!card->content)
		goto fail;
	for (size_t i = 0; i < card->fs->count; i++) {
		const struct usim_fs_node *n = &card->fs->nodes[i];
		if (!n->content_size)
			continue;
		card->content[i] = malloc(n->content_size);
		if (!card->content[i] || content_from_default(n, card->content[i]) < 0)
			goto fail;
	}
	iccid = usim_fs_by_path(card->fs, "EF.ICCID");
	if (cfg && cfg->iccid && usim_iccid_encode(cfg->iccid, card->content[iccid]) < 0)
		goto fail;
	card->pins[0] = (struct usim_pin_status){ .key_ref = 0x01, .enabled = 1 };
	card->pins[1] = (struct usim_pin_status){ .key_ref = 0x0A, .enabled = 1 };
	usim_card_reset(card);
	return card;
fail:
	usim_card_free(card);
	return NULL;
}
