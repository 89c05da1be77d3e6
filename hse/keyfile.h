/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keysets from a file (e2msim-hse --keyset-file): the key service's JSON
 * form (keyd/API.md "Keyset"), one per line; empty lines and lines starting
 * with '#' are skipped. The HSE's own store of variant A (doc/e2m-profile.md
 * 5), when no key service hands it keysets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hse/service.h"

struct hse_keyfile_counts {
	unsigned int added;	/* new sessions */
	unsigned int known;	/* held, spent or expired already */
};

/*! Hold every keyset of path as a session of svc (hse_service_add_keyset());
 *  a keyset without "expires" lives lifetime seconds from now. 0, or -1
 *  with one message naming the line and the field in err (keysets of the
 *  lines before it are held). */
int hse_keyfile_load(struct hse_service *svc, const char *path, int64_t now, int64_t lifetime,
		     struct hse_keyfile_counts *counts, char *err, size_t errlen);
