/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Constant-time helpers for secrets (MAC checks). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*! True if the len octets at a and b are equal. The time taken depends on
 *  len only, never on where the octets differ: every octet is read and the
 *  differences are OR-ed together. Not an alias of memcmp(). */
bool common_ct_equal(const void *a, const void *b, size_t len);
