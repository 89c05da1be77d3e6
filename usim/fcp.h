/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "apdu/tlv.h"
#include "usim/fs.h"

/* What the FCP's PIN status template needs to know: TS 102 221 9.5.2. */
struct usim_pin_status {
	uint8_t key_ref;	/* '01' PIN1, '81' PIN2, '0A' ADM1 */
	int enabled;
};

void usim_fcp_build(struct apdu_buf *b, const struct usim_fs *fs, int node,
		    const struct usim_pin_status *pins, unsigned int n_pins);
