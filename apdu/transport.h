/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A card reachable by raw APDU exchange (a PC/SC reader, a modem's AT+CSIM),
 * and the exchange rules every client needs on top of it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "apdu/apdu.h"

struct apdu_transport;

struct apdu_transport_ops {
	const char *name;
	/* Exchange one raw C-APDU for one raw R-APDU (data || SW1 SW2).
	 * Returns 0 or a negative errno; *rlen >= 2 on success. */
	int (*transmit)(struct apdu_transport *t, const uint8_t *capdu, size_t clen,
			uint8_t *rapdu, size_t rcap, size_t *rlen);
	/* Copy the card's ATR; returns its length or a negative errno. */
	int (*atr)(struct apdu_transport *t, uint8_t *buf, size_t cap);
	/* Cold or warm reset of the card. */
	int (*reset)(struct apdu_transport *t);
	void (*close)(struct apdu_transport *t);
};

struct apdu_transport {
	const struct apdu_transport_ops *ops;
	void *priv;
};

int apdu_transceive(struct apdu_transport *t, const struct apdu_cmd *cmd, struct apdu_rsp *rsp);
int apdu_transmit_raw(struct apdu_transport *t, const uint8_t *capdu, size_t clen,
		      uint8_t *rapdu, size_t rcap, size_t *rlen);
void apdu_transport_close(struct apdu_transport *t);
