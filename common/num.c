/* SPDX-License-Identifier: GPL-2.0-or-later */

#include "common/hex.h"
#include "common/num.h"

/*! Parse the whole of s as a number from min to max: decimal, or hex after
 *  "0x". No sign, no blanks, nothing after the digits. Returns 0, or -1 with
 *  *out untouched. */
int common_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		int d = common_hex_nibble(*s);

		if (d < 0 || (unsigned int)d >= base || (uint64_t)d > max ||
		    v > (max - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}
