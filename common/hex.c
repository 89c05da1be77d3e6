/* SPDX-License-Identifier: GPL-2.0-or-later */

#include "common/hex.h"

/*! The value of one hex digit, or -1. */
int common_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*! Decode len hex digits (an even number, no separators) into at most cap
 *  octets. Returns the octet count, or -1 (odd length, a non-hex digit, or
 *  more than cap octets) with nothing promised about out. */
int common_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = common_hex_nibble(s[2 * i]), lo = common_hex_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

int common_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";

	if (cap < 2 * len + 1) {
		if (cap)
			out[0] = '\0';
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return 0;
}
