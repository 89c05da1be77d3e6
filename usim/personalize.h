/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Personalisation: a profile written into a card's file contents and PINs
 * (TS 31.102, TS 102 221 codings). It fills what it is given and knows
 * nothing of the card that owns it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/fs.h"
#include "usim/pin.h"
#include "usim/profile.h"

/* What personalisation fills: one contents buffer per file node that owns
 * contents (fs->nodes[n].owner == n; links share their owner's), and the
 * PIN table. */
struct usim_personal {
	const struct fs_tree *fs;
	uint8_t **content;
	struct usim_pin *pin;		/* USIM_PIN_COUNT entries */
};

int usim_personalize(const struct usim_personal *t, const struct usim_profile *p, char *err,
		     size_t errlen);
int usim_iccid_encode(const char *digits, uint8_t out[10]);
int usim_imsi_encode(const char *digits, uint8_t out[9]);
