/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a whole (configuration) file, with one size cap for them all. */
#pragma once

#include <stddef.h>

#define COMMON_FILE_MAX	(1u << 20)	/* profiles, configurations: 1 MiB */

/*! The contents of path into a new NUL-terminated buffer (*buf, free it
 *  with common_file_free()) of *len octets. 0, or -1 with the reason in
 *  err ("cannot open: No such file or directory", "larger than 1 MiB"). */
int common_file_read(const char *path, char **buf, size_t *len, char *err, size_t errlen);

/*! Zero (the contents may hold keys) and free a buffer of common_file_read(). */
void common_file_free(char *buf, size_t len);
