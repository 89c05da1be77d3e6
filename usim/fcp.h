/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "apdu/tlv.h"
#include "fs/fs.h"
#include "usim/pin.h"

void usim_fcp_build(struct apdu_buf *b, const struct fs_tree *fs, int node,
		    const struct usim_pin pins[USIM_PIN_COUNT]);
