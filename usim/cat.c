/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CAT commands, TS 102 221 11.2 / TS 31.111: accepted, with no proactive
 * session (the card never answers '91xx'). */

#include "apdu/sw.h"
#include "usim/command.h"

/*! TERMINAL PROFILE (11.2.1), ENVELOPE (11.2.2), TERMINAL RESPONSE
 *  (11.2.4): taken and acknowledged. */
uint16_t usim_cmd_cat_accept(struct usim_card *card, struct usim_channel *ch,
			     const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	if (cmd->p1 || cmd->p2)
		return APDU_SW_INCORRECT_P1P2;
	return APDU_SW_OK;
}

/*! FETCH (11.2.3): there is never a proactive command to fetch. */
uint16_t usim_cmd_fetch(struct usim_card *card, struct usim_channel *ch,
			const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	if (cmd->p1 || cmd->p2)
		return APDU_SW_INCORRECT_P1P2;
	return APDU_SW_CONDITIONS_NOT_SATISFIED;
}
