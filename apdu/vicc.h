/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The card end of vpcd connections: a poll loop over one or more slots that
 * connects to vpcd (and again after pcscd restarts), decodes frames and hands
 * control octets and C-APDUs to the slot's handler. The card (usim/main.c)
 * and the bridge (bridge/main.c) are two users of it. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/vpcd.h"

struct apdu_vicc;

struct apdu_vicc_ops {
	/* The ATR; negative: no card now (the slot leaves vpcd until present). */
	int (*atr)(struct apdu_vicc *v, uint8_t *buf, size_t cap);
	/* Power on, power off or reset (enum apdu_vpcd_ctrl). */
	void (*power)(struct apdu_vicc *v, uint8_t ctrl);
	/* One C-APDU; returns the R-APDU length written to rapdu (>= 2), or 0
	 * when the card went away (the slot then leaves vpcd: no card). */
	size_t (*apdu)(struct apdu_vicc *v, const uint8_t *capdu, size_t clen,
		       uint8_t *rapdu, size_t rcap);
	/* Optional: whether there is a card to offer; polled while waiting. */
	bool (*present)(struct apdu_vicc *v);
	/* Optional: make what the last C-APDU changed durable before its answer
	 * leaves. With it, answers are held until the end of the poll round and
	 * this is called for each then (the first call can flush for all: group
	 * commit); false: not durable, '6581' (memory problem) goes instead. */
	bool (*durable)(struct apdu_vicc *v);
};

struct apdu_vicc {
	const struct apdu_vicc_ops *ops;
	void *priv;
	char host[256];
	uint16_t port;
	/* internal */
	int fd;
	bool warned;
	bool powered;		/* by vpcd's last control: power on or reset */
	int held;		/* a 1-octet 00/01/02 not yet known to be a control, or -1 */
	int64_t held_until;	/* monotonic ms: no frame by then, a C-APDU */
	struct apdu_vpcd_rx rx;
	size_t out_len;		/* an answer held for ops->durable, or 0 */
	uint8_t out[APDU_VPCD_FRAME_MAX];
};

void apdu_vicc_init(struct apdu_vicc *v, const struct apdu_vicc_ops *ops, void *priv,
		    const char *host, uint16_t port);
void apdu_vicc_disconnect(struct apdu_vicc *v);
int apdu_vicc_serve(struct apdu_vicc *slots, size_t n, volatile sig_atomic_t *stop);
