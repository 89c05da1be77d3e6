/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ME bridge (TR 33.863 solution 1 variant E, solution 2): "authenticate
 * for E2M" against any card. A card with an E2M context answers it itself;
 * for an unmodified card (which answers '6A86') the bridge runs the 3G
 * context and derives the variant E keys of doc/e2m-profile.md 2 from CK||IK, with
 * the policy of its configuration. Either way the caller gets the answer an
 * E2M card gives (doc/e2m-profile.md 3). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/apdu.h"
#include "apdu/transport.h"
#include "e2m/policy.h"

enum bridge_mode {
	BRIDGE_UNPROBED,	/* not yet known whether the card has an E2M context */
	BRIDGE_CARD_CONTEXT,	/* it has: relay */
	BRIDGE_VARIANT_E,	/* it has not: derive in the ME */
};

struct bridge {
	struct apdu_transport *card;
	struct e2m_config cfg;	/* policy and codings, as a profile's "e2m" */
	bool force_variant_e;		/* derive in the ME even for an E2M card */
	enum bridge_mode mode;
};

void bridge_init(struct bridge *b, struct apdu_transport *card, const struct e2m_config *cfg,
		 bool force_variant_e);
int bridge_e2m_authenticate(struct bridge *b, uint8_t cla, const uint8_t *data, size_t len,
			    struct apdu_rsp *rsp);
