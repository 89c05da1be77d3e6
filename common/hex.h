/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hex digits, as profiles, vectors and command lines write octets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int common_hex_nibble(char c);
int common_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap);
