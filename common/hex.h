/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hex digits, as profiles, vectors and command lines write octets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int common_hex_nibble(char c);
int common_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap);
/*! len octets as 2 * len lower-case hex digits and a NUL into out[cap];
 *  -1 (out empty when cap > 0) when cap < 2 * len + 1. */
int common_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap);
