/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The card end of T=0 response shaping (ISO/IEC 7816-3 12.2.2, TS 102 221
 * 7.3.1.1.4): data for a command sent without Le wait for GET RESPONSE
 * ('61xx'); a case 4 Le shorter than the data gives Le octets now and the
 * rest later; an exact case 2 Le that differs from the data gives '6Cxx'.
 * One copy serves the card and the ME bridge, so that both answer alike. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "apdu/apdu.h"

/* Data held for GET RESPONSE, in storage the owner provides. */
struct apdu_t0 {
	uint8_t *buf;
	size_t cap;
	size_t len;		/* octets held */
	int channel;		/* who may fetch them (a logical channel, or a CLA); -1: none */
};

/*! Fit rsp (the data and status word sw of a successful command) to the
 *  Le of cmd, received on channel; data to hold go to t. Returns the status
 *  word to send (rsp->len is cut to what is sent now). Data that does not
 *  fit t's storage is sent as it is. */
uint16_t apdu_t0_shape(struct apdu_t0 *t, int channel, const struct apdu_cmd *cmd,
		       struct apdu_rsp *rsp, uint16_t sw);

/*! GET RESPONSE on channel: the held data into rsp, at most Le octets
 *  ('61xx' while more remain); '6Cxx' for an exact Le other than what is
 *  held; '6985' when nothing is held for channel. P1/P2 are the caller's. */
uint16_t apdu_t0_get_response(struct apdu_t0 *t, int channel, const struct apdu_cmd *cmd,
			      struct apdu_rsp *rsp);

/*! Forget (and zero) what is held; for channel -1 whatever it is for,
 *  else only when it is for channel. */
void apdu_t0_drop(struct apdu_t0 *t, int channel);
