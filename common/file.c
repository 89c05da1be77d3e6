/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole-file reading, see file.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/file.h"

int common_file_read(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	/* one octet over the cap tells a file at the cap from a larger one */
	char *b = malloc(COMMON_FILE_MAX + 2);
	size_t n = 0, got;

	*buf = NULL;
	*len = 0;
	if (!f || !b) {
		snprintf(err, errlen, "cannot open: %s", f ? "out of memory" : strerror(errno));
		goto fail;
	}
	/* a stream is read in a loop, never with one call */
	while (n <= COMMON_FILE_MAX && (got = fread(b + n, 1, COMMON_FILE_MAX + 1 - n, f)) > 0)
		n += got;
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (n > COMMON_FILE_MAX) {
		snprintf(err, errlen, "larger than %u KiB", COMMON_FILE_MAX / 1024);
		goto fail;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	if (f)
		fclose(f);
	common_file_free(b, n);
	return -1;
}

void common_file_free(char *buf, size_t len)
{
	if (!buf)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}
