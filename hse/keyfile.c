/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keysets from a file, one JSON keyset a line (hse/keyfile.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hse/keyfile.h"
#include "keyd/keyset.h"

int hse_keyfile_load(struct hse_service *svc, const char *path, int64_t now, int64_t lifetime,
		     struct hse_keyfile_counts *counts, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, msg[256];
	size_t cap = 0;
	unsigned int n = 0;
	ssize_t len;
	int rc = 0;

	memset(counts, 0, sizeof(*counts));
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		struct keyd_keyset ks;
		size_t i = 0;

		n++;
		while (i < (size_t)len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == (size_t)len || line[i] == '\n' || line[i] == '\r' || line[i] == '#')
			continue;
		if (keyd_keyset_from_json(&ks, line + i, (size_t)len - i, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s: line %u: %s", path, n, msg);
			rc = -1;
			break;
		}
		if (!ks.expires)
			ks.expires = now + lifetime;
		rc = hse_service_add_keyset(svc, &ks, now);
		keyd_keyset_clear(&ks);
		if (rc == 0) {
			counts->added++;
		} else if (rc == 1) {
			counts->known++;
			rc = 0;
		} else {
			snprintf(err, errlen, "%s: line %u: %s", path, n,
				 rc == -EINVAL ? "keys EDP cannot use" : "cannot store the keyset");
			rc = -1;
		}
	}
	if (line) {
		OPENSSL_cleanse(line, cap);
		free(line);
	}
	fclose(f);
	return rc;
}
