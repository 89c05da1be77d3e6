/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Client-side exchange rules over any transport: GET RESPONSE on '61xx'
 * (and '9Fxx' in the GSM class), re-issue with the right Le on '6Cxx'
 * (ISO/IEC 7816-3 12.2, TS 102 221 7.3.1.1.4, TS 51.011 9.4.1). */

#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "apdu/sw.h"
#include "apdu/transport.h"

#define INS_GET_RESPONSE 0xC0

int apdu_transmit_raw(struct apdu_transport *t, const uint8_t *capdu, size_t clen,
		      uint8_t *rapdu, size_t rcap, size_t *rlen)
{
	int rc = t->ops->transmit(t, capdu, clen, rapdu, rcap, rlen);

	if (rc == 0 && *rlen < 2)
		return -EPROTO;
	return rc;
}

static int exchange(struct apdu_transport *t, const struct apdu_cmd *cmd,
		    uint8_t *raw, size_t *rlen)
{
	uint8_t c[APDU_CMD_MAX];
	size_t clen = apdu_cmd_encode(cmd, c, sizeof(c));

	if (!clen)
		return -EINVAL;
	return apdu_transmit_raw(t, c, clen, raw, APDU_RSP_MAX, rlen);
}

/*! Send cmd and collect the whole response into rsp: data of every
 *  '61xx'/'9Fxx' GET RESPONSE appended, a '6Cxx' answered by sending the same
 *  command again with Le = xx. rsp->sw is the final status word.
 *  Returns 0 or a negative errno (transport failure, or rsp too small). */
int apdu_transceive(struct apdu_transport *t, const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	uint8_t raw[APDU_RSP_MAX];
	struct apdu_cmd cur = *cmd;
	size_t rlen;
	int rc, rounds = 0;

	rsp->len = 0;
	for (;;) {
		uint16_t sw;

		if (++rounds > 64)
			return -ELOOP;
		rc = exchange(t, &cur, raw, &rlen);
		if (rc < 0)
			return rc;
		sw = (uint16_t)(raw[rlen - 2] << 8 | raw[rlen - 1]);
		if (apdu_rsp_append(rsp, raw, rlen - 2) < 0)
			return -ENOBUFS;
		rsp->sw = sw;

		if ((sw & 0xff00) == 0x6C00) {
			cur.ne = (sw & 0xff) ? (sw & 0xff) : 256;
			rsp->len -= rlen - 2;
			continue;
		}
		if ((sw & 0xff00) == 0x6100 || (sw & 0xff00) == 0x9F00) {
			cur = (struct apdu_cmd){
				.cla = cmd->cla, .ins = INS_GET_RESPONSE,
				.ne = (sw & 0xff) ? (sw & 0xff) : 256,
			};
			continue;
		}
		return 0;
	}
}

void apdu_transport_close(struct apdu_transport *t)
{
	if (t && t->ops && t->ops->close)
		t->ops->close(t);
}
