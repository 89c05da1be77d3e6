/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers as command lines write them. */
#pragma once

#include <stdint.h>

int common_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
