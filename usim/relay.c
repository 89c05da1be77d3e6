/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AUTHENTICATE relayed to a physical card (see relay.h): once, the USIM is
 * selected by the RID and application code of its AID (right truncation,
 * TS 102 221 8.4.2) and PIN1 verified, and only with two tries or more left
 * ('63Cx' to VERIFY without data, 11.1.9): a twin never blocks its card. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "apdu/pcsc.h"
#include "apdu/sw.h"
#include "common/log.h"
#include "usim/relay.h"

#define INS_SELECT	0xA4
#define INS_VERIFY	0x20
#define KEY_PIN1	0x01

static const uint8_t usim_rid_app[7] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };

int usim_relay_open(struct usim_relay *r, const char *reader, const uint8_t pin1[USIM_PIN_LEN],
		    char *err, size_t errlen)
{
	char why[160];
	int rc;

	memset(r, 0, sizeof(*r));
	r->reader = reader;
	memcpy(r->pin1, pin1, USIM_PIN_LEN);
	rc = apdu_pcsc_open(&r->t, reader);
	if (rc < 0) {
		snprintf(err, errlen, "--aka-reader %s: %s", reader, apdu_pcsc_open_strerror(rc, why, sizeof(why)));
		return -1;
	}
	return 0;
}

void usim_relay_close(struct usim_relay *r)
{
	if (r->t.ops)
		apdu_transport_close(&r->t);
	OPENSSL_cleanse(r->pin1, sizeof(r->pin1));
}

static uint16_t relay_send(struct usim_relay *r, const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	int rc = apdu_transceive(&r->t, cmd, rsp);

	if (rc < 0) {
		LOGP(DCARD, LOGL_ERROR, "--aka-reader %s: %s\n", r->reader, strerror(-rc));
		r->ready = false;
		return APDU_SW_TECHNICAL_PROBLEM;
	}
	return rsp->sw;
}

/* The USIM selected, PIN1 verified (or not required). */
static uint16_t prepare(struct usim_relay *r)
{
	uint8_t buf[258];
	struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };
	uint16_t sw = relay_send(r, &(const struct apdu_cmd){ .ins = INS_SELECT, .p1 = 0x04, .p2 = 0x0C,
							.nc = sizeof(usim_rid_app), .data = usim_rid_app },
			   &rsp);

	if (sw != APDU_SW_OK)
		return sw;
	rsp = (struct apdu_rsp){ .buf = buf, .cap = sizeof(buf) };
	sw = relay_send(r, &(const struct apdu_cmd){ .ins = INS_VERIFY, .p2 = KEY_PIN1 }, &rsp);
	if (sw == APDU_SW_OK)
		return sw;		/* verified already, or disabled */
	if ((sw & 0xFFF0) != APDU_SW_VERIFY_FAIL || (sw & 0x0F) < 2) {
		LOGP(DCARD, LOGL_ERROR, "--aka-reader %s: PIN1 not presented (%04X)\n", r->reader, sw);
		return sw;
	}
	rsp = (struct apdu_rsp){ .buf = buf, .cap = sizeof(buf) };
	return relay_send(r, &(const struct apdu_cmd){ .ins = INS_VERIFY, .p2 = KEY_PIN1, .nc = USIM_PIN_LEN,
						 .data = r->pin1 }, &rsp);
}

/* Twice at most: a card that was reset since (by another program in the
 * reader, SCardReconnect) is connected, selected and verified again. */
uint16_t usim_relay_authenticate(void *ctx, const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	struct usim_relay *r = ctx;
	struct apdu_cmd relayed = *cmd;
	uint16_t sw = APDU_SW_TECHNICAL_PROBLEM;

	relayed.cla = 0x00;	/* the basic channel of the physical card */
	relayed.ne = 256;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt && r->t.ops->reset(&r->t) < 0)
			break;
		if (!r->ready) {
			sw = prepare(r);
			if (sw != APDU_SW_OK) {
				if (sw == APDU_SW_TECHNICAL_PROBLEM)
					continue;
				return APDU_SW_CONDITIONS_NOT_SATISFIED;
			}
			r->ready = true;
		}
		rsp->len = 0;
		sw = relay_send(r, &relayed, rsp);
		if (sw != APDU_SW_SECURITY_NOT_SATISFIED && sw != APDU_SW_TECHNICAL_PROBLEM)
			return sw;
		r->ready = false;
	}
	return sw;
}
