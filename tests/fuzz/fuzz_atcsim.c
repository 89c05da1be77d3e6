/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the parser of a modem's answer to AT+CSIM,
 * apdu_atcsim_parse(). The input is the text (up to its first NUL).
 *
 * With room to spare, the verdict must be one apdu/atcsim.h promises; on
 * success the R-APDU (2 octets or more) must be written in the text in hex.
 * Then bounds: the same text into a buffer of exactly the R-APDU's length
 * gives the same R-APDU, into one octet less -ENOBUFS. Every buffer has its
 * exact size, for ASan. */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu/atcsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_atcsim: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

/* Parse text into a buffer of exactly cap octets; the R-APDU into out. */
static int parse(const char *text, size_t cap, uint8_t *out, size_t *len, int *cme)
{
	uint8_t *r = malloc(cap ? cap : 1);
	int rc;

	if (!r)
		fail("out of memory");
	*len = 12345;
	rc = apdu_atcsim_parse(text, r, cap, len, cme);
	if (rc == 0 && (*len < 2 || *len > cap))
		fail("R-APDU of %zu octets in a buffer of %zu", *len, cap);
	if (rc != 0 && *len != 0)
		fail("verdict %d with a length of %zu", rc, *len);
	if (rc == 0 && out)
		memcpy(out, r, *len);
	free(r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *hex;
	size_t cap = size / 2 + 2, len, len2;
	uint8_t *r = malloc(cap), *r2 = malloc(cap);
	int rc, cme, cme2;

	if (!text || !r || !r2)
		fail("out of memory");
	memcpy(text, data, size);
	text[size] = '\0';

	rc = parse(text, cap, r, &len, &cme);
	if (rc > 0 || rc == -ENOBUFS)
		fail("verdict %d with a buffer larger than the text", rc);
	if (cme == -1 && rc != 0 && rc != -EAGAIN && rc != -EPROTO && rc != -EIO)
		fail("verdict %d without a +CME ERROR", rc);
	if (cme != -1 && (rc == 0 || cme < 0))
		fail("verdict %d with +CME ERROR %d", rc, cme);
	if (rc == 0) {
		hex = malloc(2 * len + 1);
		if (!hex)
			fail("out of memory");
		for (size_t i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02X", r[i]);
		if (!strcasestr(text, hex))
			fail("R-APDU %s is not in the text", hex);
		free(hex);

		if (parse(text, len, r2, &len2, &cme2) != 0 || len2 != len || memcmp(r, r2, len))
			fail("a buffer of exactly %zu octets changes the result", len);
		if (parse(text, len - 1, NULL, &len2, &cme2) != -ENOBUFS)
			fail("%zu octets into a buffer of %zu: no -ENOBUFS", len, len - 1);
	}
	free(text);
	free(r);
	free(r2);
	return 0;
}
