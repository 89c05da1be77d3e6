/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command data of AUTHENTICATE in the E2M context, doc/e2m-profile.md 3:
 * LV(RAND) LV(AUTN) LV(EID) LV(SNID) [LV(ALG)]. Shared by the card and the
 * ME bridge, which answers it for cards without an E2M context. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2m_cmd {
	const uint8_t *rand;	/* 16 octets */
	const uint8_t *autn;	/* 16 octets */
	const uint8_t *eid;
	size_t eid_len;		/* 1..128 */
	const uint8_t *snid;	/* 3 octets, or NULL when unknown */
	bool alg_given;
	uint8_t alg;
};

uint16_t e2m_cmd_parse(const uint8_t *data, size_t len, struct e2m_cmd *c);
