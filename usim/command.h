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

/* TS 102 221 10.1.2 table 10.5 */
enum usim_ins {
	USIM_INS_SELECT		= 0xA4,
	USIM_INS_STATUS		= 0xF2,
	USIM_INS_READ_BINARY	= 0xB0,
	USIM_INS_READ_RECORD	= 0xB2,
	USIM_INS_GET_RESPONSE	= 0xC0,
};

uint16_t usim_cmd_select(struct usim_card *card, struct usim_channel *ch,
			 const struct apdu_cmd *cmd, struct apdu_rsp *rsp);
uint16_t usim_cmd_status(struct usim_card *card, struct usim_channel *ch,
			 const struct apdu_cmd *cmd, struct apdu_rsp *rsp);
uint16_t usim_cmd_read_binary(struct usim_card *card, struct usim_channel *ch,
			      const struct apdu_cmd *cmd, struct apdu_rsp *rsp);
uint16_t usim_cmd_read_record(struct usim_card *card, struct usim_channel *ch,
			      const struct apdu_cmd *cmd, struct apdu_rsp *rsp);
