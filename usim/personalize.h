/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "usim/card.h"
#include "usim/profile.h"

int usim_personalize(struct usim_card *card, const struct usim_profile *p, char *err, size_t errlen);
int usim_iccid_encode(const char *digits, uint8_t out[10]);
int usim_imsi_encode(const char *digits, uint8_t out[9]);
