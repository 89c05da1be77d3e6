/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one source of randomness of e2msim's libraries and tools (RAND of an
 * authentication vector). A test replaces it by linking its own
 * common_rand_bytes() before libusim. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*! Fill buf with len octets from a cryptographically secure generator.
 *  0, -EIO when the generator fails (then buf is zeroed), -EINVAL for
 *  len above INT_MAX. */
int common_rand_bytes(uint8_t *buf, size_t len);
