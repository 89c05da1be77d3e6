/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the unit tests: hex, the JSON vector files of
 * tests/vectors/ (official vectors, each file naming its source), and a
 * seeded generator for cross-checks. The vector files are found in
 * $E2M_VECTORS, else in $top_srcdir/tests/vectors (tests/Makefile.am exports
 * top_srcdir), else in tests/vectors. The
 * functions that say so fail the running cmocka test. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*! Value of a hex digit, -1 if c is not one. */

/*! Octets of a hex string into out; -1 if hex is NULL, not hex, of odd
 *  length or longer than cap octets. */
int tvec_hex2bin(const char *hex, uint8_t *out, size_t cap);

/*! Lowercase hex of len octets into buf (2 * len + 1 characters); buf. */
const char *tvec_bin2hex(const uint8_t *b, size_t len, char *buf);

/*! Octets of hex string s into buf; fails the running test, naming what,
 *  when s is NULL, not hex or longer than cap octets. Returns its length. */
size_t tvec_hex_decode(const char *what, const char *s, uint8_t *buf, size_t cap);

/*! tvec_hex_decode() of the string field key of v. */
size_t tvec_get_hex(const json_t *v, const char *key, uint8_t *buf, size_t cap);

/*! The natural number field key of v; fails the running test if it is not
 *  one. */
size_t tvec_get_uint(const json_t *v, const char *key);

/*! Load a vector file ("milenage.json"...) that has a "vectors" array. NULL
 *  with one line in err (path and reason) when it cannot. */
json_t *tvec_load(const char *file, char *err, size_t errlen);
/* tvec_load() inside a cmocka test: a file that cannot be read fails it. */
json_t *tvec_load_or_fail(const char *file);

/*! splitmix64: a fixed seed, so that every run checks the same inputs. */
void tvec_rng_seed(uint64_t seed);
uint64_t tvec_rng_next(void);
void tvec_rng_fill(uint8_t *b, size_t len);

/*! The low 48 bits of x into 6 octets, most significant first (an SQN). */
void tvec_store48(uint64_t x, uint8_t b[6]);
