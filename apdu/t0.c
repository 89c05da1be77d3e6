/* SPDX-License-Identifier: GPL-2.0-or-later */
/* T=0 response shaping, see t0.h. */

#include <stdbool.h>
#include <string.h>

#include "apdu/sw.h"
#include "apdu/t0.h"

/* '61xx' counts 1..255 octets; '6100' means 256 or more */
static uint16_t more_data(size_t n)
{
	return apdu_sw_more_data(n > 255 ? 0 : (unsigned int)n);
}

static bool hold(struct apdu_t0 *t, int channel, const uint8_t *data, size_t len)
{
	if (len > t->cap)
		return false;
	memmove(t->buf, data, len);
	t->len = len;
	t->channel = channel;
	return true;
}

uint16_t apdu_t0_shape(struct apdu_t0 *t, int channel, const struct apdu_cmd *cmd,
		       struct apdu_rsp *rsp, uint16_t sw)
{
	bool le_max = cmd->ne == 256 || cmd->ne == 65536;
	size_t len = rsp->len;

	if (!len)
		return sw;
	if (cmd->ne == 0) {
		if (!hold(t, channel, rsp->buf, len))
			return sw;
		rsp->len = 0;
		return more_data(len);
	}
	if (cmd->form == APDU_C4 && cmd->ne < len) {
		if (!hold(t, channel, rsp->buf + cmd->ne, len - cmd->ne))
			return sw;
		rsp->len = cmd->ne;
		return more_data(t->len);
	}
	if (cmd->form == APDU_C2 && cmd->ne != len && !(le_max && len < cmd->ne)) {
		rsp->len = 0;
		return apdu_sw_wrong_le(len > 255 ? 0 : (unsigned int)len);
	}
	return sw;
}

uint16_t apdu_t0_get_response(struct apdu_t0 *t, int channel, const struct apdu_cmd *cmd,
			      struct apdu_rsp *rsp)
{
	size_t take;

	if (!t->len || t->channel != channel)
		return APDU_SW_CONDITIONS_NOT_SATISFIED;
	take = t->len;
	if (cmd->ne < take)
		take = cmd->ne;
	else if (cmd->ne > take && cmd->ne != 256 && cmd->ne != 65536)
		return apdu_sw_wrong_le((unsigned int)take);
	if (take > 256 && !cmd->extended)
		take = 256;
	apdu_rsp_append(rsp, t->buf, take);
	memmove(t->buf, t->buf + take, t->len - take);
	memset(t->buf + t->len - take, 0, take);
	t->len -= take;
	if (t->len)
		return more_data(t->len);
	t->channel = -1;
	return APDU_SW_OK;
}

void apdu_t0_drop(struct apdu_t0 *t, int channel)
{
	if (channel != -1 && t->channel != channel)
		return;
	memset(t->buf, 0, t->len);
	t->len = 0;
	t->channel = -1;
}
