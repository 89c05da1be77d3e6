/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-card --aka-reader: AUTHENTICATE of a card without keys (a physical
 * card's twin) relayed to that physical card in a PC/SC reader. Part of the
 * program, not of the card: the card only knows usim_aka_relay. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "apdu/apdu.h"
#include "apdu/transport.h"
#include "usim/pin.h"

struct usim_relay {
	struct apdu_transport t;
	const char *reader;
	uint8_t pin1[USIM_PIN_LEN];	/* the twin's PIN1, the physical card's too */
	bool ready;			/* USIM selected and PIN1 verified there */
};

/*! Connect to the physical card in reader. 0, or -1 with err. */
int usim_relay_open(struct usim_relay *r, const char *reader, const uint8_t pin1[USIM_PIN_LEN],
		    char *err, size_t errlen);
void usim_relay_close(struct usim_relay *r);

/*! usim_aka_relay for a struct usim_relay. */
uint16_t usim_relay_authenticate(void *ctx, const struct apdu_cmd *cmd, struct apdu_rsp *rsp);
