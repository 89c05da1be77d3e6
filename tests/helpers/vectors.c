/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared test helpers, see vectors.h. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hex.h"
#include "tests/helpers/vectors.h"

int tvec_hex2bin(const char *hex, uint8_t *out, size_t cap)
{
	return hex ? common_hex_decode(hex, strlen(hex), out, cap) : -1;
}

const char *tvec_bin2hex(const uint8_t *b, size_t len, char *buf)
{
	for (size_t i = 0; i < len; i++)
		sprintf(buf + 2 * i, "%02x", b[i]);
	buf[2 * len] = '\0';
	return buf;
}

size_t tvec_hex_decode(const char *what, const char *s, uint8_t *buf, size_t cap)
{
	size_t n;
	int len;

	if (!s)
		fail_msg("%s: missing or not a string", what);
	n = strlen(s);
	if (n % 2 || n / 2 > cap)
		fail_msg("%s: bad hex length %zu", what, n);
	len = tvec_hex2bin(s, buf, cap);
	if (len < 0)
		fail_msg("%s: not hex", what);
	return (size_t)len;
}

size_t tvec_get_hex(const json_t *v, const char *key, uint8_t *buf, size_t cap)
{
	return tvec_hex_decode(key, json_string_value(json_object_get(v, key)), buf, cap);
}

size_t tvec_get_uint(const json_t *v, const char *key)
{
	const json_t *j = json_object_get(v, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0)
		fail_msg("field \"%s\" missing or not a natural number", key);
	return (size_t)json_integer_value(j);
}

json_t *tvec_load(const char *file, char *err, size_t errlen)
{
	const char *dir = getenv("E2M_VECTORS");
	const char *top = getenv("top_srcdir");
	char path[4096];
	json_error_t jerr;
	json_t *root;

	if (dir && *dir)
		snprintf(path, sizeof(path), "%s/%s", dir, file);
	else if (top && *top)
		snprintf(path, sizeof(path), "%s/tests/vectors/%s", top, file);
	else
		snprintf(path, sizeof(path), "tests/vectors/%s", file);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s: %s (line %d; set E2M_VECTORS)", path, jerr.text,
			 jerr.line);
		return NULL;
	}
	if (!json_is_array(json_object_get(root, "vectors"))) {
		json_decref(root);
		snprintf(err, errlen, "%s: no \"vectors\" array", path);
		return NULL;
	}
	return root;
}

static uint64_t tvec_rng_state;

void tvec_rng_seed(uint64_t seed)
{
	tvec_rng_state = seed;
}

uint64_t tvec_rng_next(void)
{
	uint64_t z = (tvec_rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tvec_rng_fill(uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)tvec_rng_next();
}

void tvec_store48(uint64_t x, uint8_t b[6])
{
	for (int i = 5; i >= 0; i--, x >>= 8)
		b[i] = (uint8_t)x;
}

json_t *tvec_load_or_fail(const char *file)
{
	char err[4200];
	json_t *root = tvec_load(file, err, sizeof(err));

	if (!root)
		fail_msg("%s", err);
	return root;
}
