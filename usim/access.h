/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Access conditions from EF.ARR rules, TS 102 221 9.2.4 and 9.5. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "usim/pin.h"

/* ISO/IEC 7816-4 table 17: access mode bits for EFs */
enum usim_access_op {
	USIM_ACCESS_READ	= 0x01,	/* READ, SEARCH */
	USIM_ACCESS_UPDATE	= 0x02,	/* UPDATE, INCREASE */
	USIM_ACCESS_DEACTIVATE	= 0x08,
	USIM_ACCESS_ACTIVATE	= 0x10,
};

uint16_t usim_access_check(const uint8_t *rule, size_t len, enum usim_access_op op,
			   const struct usim_pin pins[USIM_PIN_COUNT]);

#define USIM_ACCESS_ALWAYS	0x100
#define USIM_ACCESS_NEVER	(-1)

int usim_access_condition(const uint8_t *rule, size_t len, enum usim_access_op op);
