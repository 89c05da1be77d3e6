/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MANAGE CHANNEL, TS 102 221 11.1.17. */

#include "apdu/sw.h"
#include "usim/command.h"

enum manage_channel_p1 {
	CHANNEL_OPEN	= 0x00,
	CHANNEL_CLOSE	= 0x80,
};

/*! Open (P2 '00': the card picks and answers the number; or P2 names it) or
 *  close (P2) a logical channel. A channel opened from the basic channel
 *  starts at MF; one opened from another channel takes that channel's DF and
 *  application (11.1.17.2). */
uint16_t usim_cmd_manage_channel(struct usim_card *card, struct usim_channel *ch,
				 const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	int from = (int)(ch - card->ch), target = cmd->p2;

	switch (cmd->p1) {
	case CHANNEL_OPEN:
		if (target == 0) {
			for (target = 1; target < USIM_CHANNELS && card->ch[target].open; target++)
				;
			if (target == USIM_CHANNELS)
				return APDU_SW_FUNC_NOT_SUPPORTED;	/* none free */
		} else if (target >= USIM_CHANNELS) {
			return APDU_SW_CHANNEL_NOT_SUPPORTED;
		} else if (card->ch[target].open) {
			return APDU_SW_CONDITIONS_NOT_SATISFIED;
		}
		if (cmd->p2 == 0 && cmd->form != APDU_C2)
			return APDU_SW_WRONG_LENGTH;	/* the number needs Le */
		if (from == 0)
			card->ch[target] = (struct usim_channel){
				.open = true, .df = 0, .adf = FS_NONE, .ef = FS_NONE,
			};
		else
			card->ch[target] = (struct usim_channel){
				.open = true, .df = ch->df, .adf = ch->adf, .ef = FS_NONE,
			};
		if (cmd->p2 == 0) {
			uint8_t n = (uint8_t)target;
			apdu_rsp_append(rsp, &n, 1);
		}
		return APDU_SW_OK;
	case CHANNEL_CLOSE:
		if (target == 0)
			return APDU_SW_INCORRECT_P1P2;
		if (target >= USIM_CHANNELS || !card->ch[target].open)
			return APDU_SW_CHANNEL_NOT_SUPPORTED;
		card->ch[target].open = false;
		apdu_t0_drop(&card->pending, target);
		return APDU_SW_OK;
	default:
		return APDU_SW_INCORRECT_P1P2;
	}
}
