/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GSUP proxy between MSC/SGSN and osmo-hlr (e2msim-gsup-proxy): GSUP
 * over IPA on both sides, coded by libosmocore and libosmo-abis, the HLR
 * side by osmo-hlr's libosmo-gsup-client. Each client (MSC, SGSN) that
 * connects gets its own connection to the HLR under its own IPA identity
 * (the HLR names it, and assigns its IND slot, by it). Every GSUP message
 * is relayed unchanged, in order, both ways; a message to an HLR that is
 * down waits until it is back (the library reconnects every second). A
 * client message that does not decode as GSUP is dropped and logged.
 *
 * On a SendAuthInfo Result for a subscriber with E2M (gsup/e2m.h) the
 * result is held, with the messages to the same client behind it, until
 * the worker has delivered its keysets (as e2msim-auc hands out no AV
 * before its keyset is stored); other clients' messages go on meanwhile.
 * It is relayed unchanged whether or not the delivery succeeded.
 *
 * This file moves messages; gsup/e2m.c decides about keys. */
#pragma once

#include <stdint.h>

struct gsup_proxy;
struct gsup_e2m;

struct gsup_proxy_config {
	const char *listen_addr;
	uint16_t listen_port;
	const char *hlr_addr;
	uint16_t hlr_port;
	struct gsup_e2m *e2m;		/* NULL: relay only */
};

/*! Listens for clients. NULL when the address cannot be bound (logged). */
struct gsup_proxy *gsup_proxy_create(void *ctx, const struct gsup_proxy_config *cfg);

/*! Closes every connection. */
void gsup_proxy_destroy(struct gsup_proxy *p);
