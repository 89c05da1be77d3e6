/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PLMN coding, TS 24.008 10.5.1.3. */

#include <string.h>

#include "common/plmn.h"

int common_plmn_encode(const char *mccmnc, struct common_plmn *out, unsigned int *mnc_len)
{
	size_t len = strlen(mccmnc);
	uint8_t d[6];

	if ((len != 5 && len != 6) || strspn(mccmnc, "0123456789") != len)
		return -1;
	for (size_t i = 0; i < len; i++)
		d[i] = (uint8_t)(mccmnc[i] - '0');
	out->id[0] = (uint8_t)(d[1] << 4 | d[0]);
	out->id[1] = (uint8_t)((len == 6 ? d[5] : 0xF) << 4 | d[2]);
	out->id[2] = (uint8_t)(d[4] << 4 | d[3]);
	if (mnc_len)
		*mnc_len = (unsigned int)len - 3;
	return 0;
}

int common_plmn_listed(const struct common_plmn_list *list, const uint8_t plmn[3])
{
	for (unsigned int i = 0; i < list->count; i++) {
		if (!memcmp(list->plmn[i].id, plmn, 3))
			return 1;
	}
	return 0;
}
