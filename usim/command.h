/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command handlers. The dispatcher (command.c) has already checked CLA, INS,
 * the channel and the APDU case; a handler checks P1/P2 and data, fills
 * rsp->buf (at most rsp->cap octets) and returns the status word. */
#pragma once

#include <stdint.h>

#include "apdu/apdu.h"
#include "usim/card.h"

typedef uint16_t (*usim_handler)(struct usim_card *card, struct usim_channel *ch,
				 const struct apdu_cmd *cmd, struct apdu_rsp *rsp);

/* TS 102 221 10.1.2 table 10.5, TS 51.011 9.2 */
enum usim_ins {
	USIM_INS_SELECT			= 0xA4,
	USIM_INS_STATUS			= 0xF2,
	USIM_INS_READ_BINARY		= 0xB0,
	USIM_INS_UPDATE_BINARY		= 0xD6,
	USIM_INS_READ_RECORD		= 0xB2,
	USIM_INS_UPDATE_RECORD		= 0xDC,
	USIM_INS_SEARCH_RECORD		= 0xA2,
	USIM_INS_INCREASE		= 0x32,
	USIM_INS_VERIFY_PIN		= 0x20,
	USIM_INS_CHANGE_PIN		= 0x24,
	USIM_INS_DISABLE_PIN		= 0x26,
	USIM_INS_ENABLE_PIN		= 0x28,
	USIM_INS_UNBLOCK_PIN		= 0x2C,
	USIM_INS_MANAGE_CHANNEL		= 0x70,
	USIM_INS_GET_RESPONSE		= 0xC0,
	USIM_INS_AUTHENTICATE		= 0x88,	/* RUN GSM ALGORITHM in the GSM class */
	USIM_INS_TERMINAL_PROFILE	= 0x10,
	USIM_INS_ENVELOPE		= 0xC2,
	USIM_INS_FETCH			= 0x12,
	USIM_INS_TERMINAL_RESPONSE	= 0x14,
};

#define USIM_HANDLER(name) \
	uint16_t name(struct usim_card *card, struct usim_channel *ch, \
		      const struct apdu_cmd *cmd, struct apdu_rsp *rsp)

USIM_HANDLER(usim_cmd_select);			/* file.c */
USIM_HANDLER(usim_cmd_status);
USIM_HANDLER(usim_cmd_read_binary);		/* rw.c */
USIM_HANDLER(usim_cmd_update_binary);
USIM_HANDLER(usim_cmd_read_record);
USIM_HANDLER(usim_cmd_update_record);
USIM_HANDLER(usim_cmd_search_record);
USIM_HANDLER(usim_cmd_increase);
USIM_HANDLER(usim_cmd_pin);			/* cmd_pin.c */
USIM_HANDLER(usim_cmd_manage_channel);		/* channel.c */
USIM_HANDLER(usim_cmd_cat_accept);		/* cat.c */
USIM_HANDLER(usim_cmd_fetch);
USIM_HANDLER(usim_cmd_authenticate);		/* auth.c */
USIM_HANDLER(usim_gsm_run_algorithm);
USIM_HANDLER(usim_gsm_select);			/* gsm.c */
USIM_HANDLER(usim_gsm_status);

uint16_t usim_gsm_sw(uint16_t sw);
