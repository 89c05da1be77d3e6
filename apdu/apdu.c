/* SPDX-License-Identifier: GPL-2.0-or-later */
/* C-APDU parsing and R-APDU building, ISO/IEC 7816-3 clause 12.1. */

#include <string.h>

#include "apdu/apdu.h"
#include "apdu/sw.h"

static uint32_t ne_short(uint8_t le)
{
	return le ? le : 256;
}

static uint32_t ne_extended(const uint8_t *le)
{
	uint32_t ne = ((uint32_t)le[0] << 8) | le[1];
	return ne ? ne : 65536;
}

/*! Parse the octets of a C-APDU into cmd, by their structure alone
 *  (ISO/IEC 7816-3 12.1.3). Returns 0, or APDU_SW_WRONG_LENGTH when the length
 *  octets contradict the buffer length. Never reads past buf + len. */
int apdu_cmd_parse(struct apdu_cmd *cmd, const uint8_t *buf, size_t len)
{
	const uint8_t *body;
	size_t rest;

	memset(cmd, 0, sizeof(*cmd));
	if (len < 4)
		return APDU_SW_WRONG_LENGTH;
	cmd->cla = buf[0];
	cmd->ins = buf[1];
	cmd->p1 = buf[2];
	cmd->p2 = buf[3];
	body = buf + 4;
	rest = len - 4;

	if (rest == 0) {			/* case 1 */
		cmd->form = APDU_C1;
		return 0;
	}
	if (rest == 1) {			/* case 2S */
		cmd->form = APDU_C2;
		cmd->ne = ne_short(body[0]);
		return 0;
	}
	if (body[0] != 0x00) {			/* short Lc */
		size_t lc = body[0];
		if (rest == 1 + lc) {
			cmd->form = APDU_C3;
		} else if (rest == 2 + lc) {
			cmd->form = APDU_C4;
			cmd->ne = ne_short(body[1 + lc]);
		} else {
			return APDU_SW_WRONG_LENGTH;
		}
		cmd->nc = lc;
		cmd->data = body + 1;
		return 0;
	}
	/* First body octet '00' with more than one octet: extended lengths. */
	cmd->extended = true;
	if (rest == 3) {			/* case 2E */
		cmd->form = APDU_C2;
		cmd->ne = ne_extended(body + 1);
		return 0;
	}
	if (rest < 3)
		return APDU_SW_WRONG_LENGTH;
	{
		size_t lc = ((size_t)body[1] << 8) | body[2];
		if (lc == 0)
			return APDU_SW_WRONG_LENGTH;
		if (rest == 3 + lc) {
			cmd->form = APDU_C3;
		} else if (rest == 5 + lc) {
			cmd->form = APDU_C4;
			cmd->ne = ne_extended(body + 3 + lc);
		} else {
			return APDU_SW_WRONG_LENGTH;
		}
		cmd->nc = (uint16_t)lc;
		cmd->data = body + 3;
	}
	return 0;
}

/*! Reconcile the parsed form with the cases the command table allows for this
 *  instruction. A T=0 TPDU cannot tell case 1 from case 2 with P3 = '00', nor
 *  case 3 from case 4 without Le (ISO/IEC 7816-3 12.2), so the table decides:
 *  - 5 octets with P3 '00' for a command without Le: case 1;
 *  - data without Le for a case 4 command: case 4 with Ne unknown (ne = 0),
 *    answered '61xx' by the dispatcher;
 *  - Le sent with a case 3 command (T=1 habit): Le ignored.
 *  Returns 0 or APDU_SW_WRONG_LENGTH. */
int apdu_cmd_fit_case(struct apdu_cmd *cmd, unsigned int allowed)
{
	if (cmd->form & allowed)
		return 0;
	switch (cmd->form) {
	case APDU_C2:
		if ((allowed & APDU_C1) && !cmd->extended && cmd->ne == 256) {
			cmd->form = APDU_C1;
			cmd->ne = 0;
			return 0;
		}
		break;
	case APDU_C3:
		if (allowed & APDU_C4) {
			cmd->form = APDU_C4;
			return 0;
		}
		break;
	case APDU_C4:
		if (allowed & APDU_C3) {
			cmd->form = APDU_C3;
			cmd->ne = 0;
			return 0;
		}
		break;
	case APDU_C1:
		/* A case 2 command without Le: as much as there is (Le '00'). */
		if (allowed & APDU_C2) {
			cmd->form = APDU_C2;
			cmd->ne = 256;
			return 0;
		}
		break;
	}
	return APDU_SW_WRONG_LENGTH;
}

/*! Encode cmd as a C-APDU, short lengths when they fit and extended otherwise.
 *  Returns the number of octets written, or 0 when cap is too small. */
size_t apdu_cmd_encode(const struct apdu_cmd *cmd, uint8_t *out, size_t cap)
{
	bool ext = cmd->extended || cmd->nc > 255 || cmd->ne > 256;
	size_t need = 4;
	size_t pos;

	if (cmd->nc)
		need += (ext ? 3 : 1) + cmd->nc;
	if (cmd->ne)
		need += ext ? (cmd->nc ? 2 : 3) : 1;
	if (need > cap)
		return 0;

	out[0] = cmd->cla;
	out[1] = cmd->ins;
	out[2] = cmd->p1;
	out[3] = cmd->p2;
	pos = 4;
	if (cmd->nc) {
		if (ext) {
			out[pos++] = 0x00;
			out[pos++] = cmd->nc >> 8;
		}
		out[pos++] = cmd->nc & 0xff;
		memcpy(out + pos, cmd->data, cmd->nc);
		pos += cmd->nc;
	}
	if (cmd->ne) {
		uint32_t le = cmd->ne == (ext ? 65536u : 256u) ? 0 : cmd->ne;
		if (ext) {
			if (!cmd->nc)
				out[pos++] = 0x00;
			out[pos++] = le >> 8;
		}
		out[pos++] = le & 0xff;
	}
	return pos;
}

/*! Append data to a response, bounded by its capacity. Returns 0, or -1 (and
 *  appends nothing) when it does not fit. */
int apdu_rsp_append(struct apdu_rsp *rsp, const uint8_t *data, size_t len)
{
	if (len > rsp->cap - rsp->len)
		return -1;
	if (!len)
		return 0;
	memcpy(rsp->buf + rsp->len, data, len);
	rsp->len += len;
	return 0;
}

/*! Serialise a response as data || SW1 SW2. Returns the octets written, or 0
 *  when cap is too small. */
size_t apdu_rsp_encode(const struct apdu_rsp *rsp, uint8_t *out, size_t cap)
{
	if (rsp->len + 2 > cap)
		return 0;
	memmove(out, rsp->buf, rsp->len);
	out[rsp->len] = rsp->sw >> 8;
	out[rsp->len + 1] = rsp->sw & 0xff;
	return rsp->len + 2;
}

int apdu_cla_channel(uint8_t cla)
{
	switch (cla & 0xf0) {
	case 0x00:	/* ISO interindustry, TS 102 221 table 10.3 */
	case 0x80:	/* UICC proprietary, same channel coding */
	case 0xA0:	/* TS 51.011 GSM class: channel bits as in '0X' */
		return cla & 0x03;
	case 0x40:	/* further interindustry, channels 4..19 */
	case 0xC0:
		return 4 + (cla & 0x0f);
	default:
		return -1;
	}
}
