/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Constant-time comparison. */

#include <stdint.h>

#include "common/ct.h"

bool common_ct_equal(const void *a, const void *b, size_t len)
{
	/* volatile: the compiler may neither stop at the first difference
	 * nor turn the loop into a call to memcmp() */
	const volatile uint8_t *x = a;
	const volatile uint8_t *y = b;
	volatile uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	/* (diff - 1) >> 8 is all ones only for diff == 0: no branch on it */
	return (((unsigned int)diff - 1) >> 8) & 1;
}
