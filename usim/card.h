/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One card: its file contents, logical channels and the response pending for
 * GET RESPONSE. usim_card_apdu() is the whole of its interface to a reader. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/apdu.h"
#include "usim/fcp.h"
#include "usim/fs.h"

#define USIM_CHANNELS		4	/* basic + 3, as the ATR's card capabilities say */
#define USIM_RSP_DATA_MAX	4096	/* largest response data field a command builds */

/* TS 102 221 8.4: the selection state of one logical channel. */
struct usim_channel {
	bool open;
	int df;		/* current DF (MF, DF or ADF) */
	int adf;	/* current application, USIM_FS_NONE if none */
	int ef;		/* current EF, USIM_FS_NONE if none */
	int record;	/* current record number (1-based), 0 if none */
};

struct usim_card_config {
	const char *iccid;	/* 19 or 20 digits; NULL keeps the table default */
};

struct usim_card {
	const struct usim_fs *fs;
	uint8_t **content;		/* per file node; NULL for DFs */
	struct usim_channel ch[USIM_CHANNELS];
	struct usim_pin_status pins[2];	/* PIN1, ADM1 */
	uint8_t pending[USIM_RSP_DATA_MAX];
	size_t pending_len;
	int pending_channel;		/* channel that may fetch it, -1 if none */
};

struct usim_card *usim_card_new(const struct usim_card_config *cfg);
void usim_card_free(struct usim_card *card);
void usim_card_reset(struct usim_card *card);
size_t usim_card_apdu(struct usim_card *card, const uint8_t *capdu, size_t clen,
		      uint8_t *rapdu, size_t rcap);

extern const uint8_t usim_atr[];
extern const size_t usim_atr_len;

int usim_iccid_encode(const char *digits, uint8_t out[10]);
