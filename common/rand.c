/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common_rand_bytes() over OpenSSL's CSPRNG; nothing else in the tree draws
 * random numbers for keys or challenges. */

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/rand.h"

int common_rand_bytes(uint8_t *buf, size_t len)
{
	if (len > INT_MAX)
		return -EINVAL;		/* RAND_bytes() takes an int */
	if (len && RAND_bytes(buf, (int)len) != 1) {
		memset(buf, 0, len);
		return -EIO;
	}
	return 0;
}
