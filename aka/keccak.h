/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Keccak-f[1600] permutation (FIPS 202 clause 3.3, 24 rounds), as used by
 * TUAK (TS 35.231). Pure: no state outside the caller's buffer. */
#pragma once

#include <stdint.h>

#define AKA_KECCAK_LANES	25
#define AKA_KECCAK_OCTETS	200

/*! Apply Keccak-f[1600] once to a state of 25 lanes, lane (x, y) at
 *  index x + 5y (FIPS 202 3.1.2). */
void aka_keccak_f1600(uint64_t lanes[AKA_KECCAK_LANES]);

/*! Apply Keccak-f[1600] once to a state of 200 octets, each lane taken
 *  little-endian from 8 consecutive octets (the byte order of FIPS 202 and
 *  of the INOUT array of TS 35.231). */
void aka_keccak_f1600_octets(uint8_t state[AKA_KECCAK_OCTETS]);
