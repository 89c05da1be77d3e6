/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the keyset JSON that e2msim-keyd takes from the network
 * (keyd/API.md "Keyset"), keyd_keyset_from_json(), and the E2M-KID check.
 *
 * Besides crashes and leaks: a refusal always has a message; a keyset that
 * parses has a kid that keyd_kid_check() accepts with the keyset's EID, IA 1
 * or 2, EA 0-2 and K_E2M_enc exactly when EA is not 0; written back with
 * keyd_keyset_to_json() it parses again to the same keyset (the stores and
 * the answers use that writer). */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyd/keyset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_keyset: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static void check_keyset(const struct keyd_keyset *ks)
{
	char eid[E2M_EID_MAX + 1];
	uint8_t ea = ks->alg >> 4, ia = ks->alg & 0x0f;

	if (keyd_kid_check(ks->kid, eid, sizeof(eid)) || strcmp(eid, ks->eid))
		fail("accepted kid '%s' with EID '%s'", ks->kid, ks->eid);
	if (ia < 1 || ia > 2 || ea > 2)
		fail("accepted ALG %02x", ks->alg);
	if ((ea != 0) != (ks->k_enc_len == E2M_ALG_KEY_LEN) ||
	    (ea == 0 && ks->k_enc_len != 0))
		fail("EA %u with K_E2M_enc of %zu octets", ea, ks->k_enc_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyd_keyset ks, again;
	char err[256], json[KEYD_BODY_MAX];
	int n;

	/* the kid alone, as a NUL-terminated string */
	if (size < E2M_KID_MAX + 8) {
		char kid[E2M_KID_MAX + 8], eid[E2M_EID_MAX + 1];

		memcpy(kid, data, size);
		kid[size] = '\0';
		if (keyd_kid_check(kid, eid, sizeof(eid)) == 0 &&
		    (strlen(eid) < 1 || strcmp(strchr(kid, '@') + 1, eid)))
			fail("kid '%s' accepted with EID '%s'", kid, eid);
	}

	err[0] = '\0';
	if (keyd_keyset_from_json(&ks, (const char *)data, size, err, sizeof(err)) < 0) {
		if (!err[0])
			fail("refused without a message");
		return 0;
	}
	check_keyset(&ks);
	n = keyd_keyset_to_json(&ks, json, sizeof(json));
	if (n < 0)
		fail("a parsed keyset does not fit %d octets", KEYD_BODY_MAX);
	if (keyd_keyset_from_json(&again, json, (size_t)n, err, sizeof(err)) < 0)
		fail("written keyset refused: %s", err);
	if (strcmp(ks.kid, again.kid) || strcmp(ks.eid, again.eid) || ks.alg != again.alg ||
	    ks.derivation != again.derivation || ks.expires != again.expires ||
	    memcmp(ks.k_int, again.k_int, sizeof(ks.k_int)) || ks.k_enc_len != again.k_enc_len ||
	    memcmp(ks.k_enc, again.k_enc, ks.k_enc_len))
		fail("keyset changed when written and parsed again");
	keyd_keyset_clear(&ks);
	keyd_keyset_clear(&again);
	return 0;
}
