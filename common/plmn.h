/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PLMN identities in TS 24.008 10.5.1.3 coding, as EF.PLMNwAcT, EF.FPLMN,
 * EF.E2M_POL and the E2M command's SNID hold them. */
#pragma once

#include <stdint.h>

#define COMMON_PLMN_LIST_MAX	64

/* MCC digit 2|1, MNC digit 3|MCC digit 3, MNC digit 2|1 ('F' for a 2-digit MNC) */
struct common_plmn {
	uint8_t id[3];
};

struct common_plmn_list {
	unsigned int count;
	struct common_plmn plmn[COMMON_PLMN_LIST_MAX];
};

/*! Encode "MCCMNC" (5 or 6 decimal digits); *mnc_len (may be NULL) gets 2
 *  or 3. 0, or -1 for anything else. */
int common_plmn_encode(const char *mccmnc, struct common_plmn *out, unsigned int *mnc_len);

/*! True when list holds plmn. */
int common_plmn_listed(const struct common_plmn_list *list, const uint8_t plmn[3]);
