/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A keyset as the network moves it between the HSS, the key services and
 * the endpoints (doc/e2m-profile.md 5; keyd/API.md): what an endpoint needs to use
 * one E2M key agreement, and its JSON form on the wire and in the stores.
 * K_E2M itself never leaves the node that derived it (doc/e2m-profile.md 2). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2m/kdf.h"

/* Largest JSON body any keyd request or answer carries. */
#define KEYD_BODY_MAX 4096

enum keyd_derivation {
	KEYD_DERIVED_USIM,	/* variants A-D: from K, in the USIM and the HSS */
	KEYD_DERIVED_ME,	/* variant E: from CK || IK, in the ME and the HSS */
};

struct keyd_keyset {
	char kid[E2M_KID_MAX];		/* E2M-KID: base64(RAND) "@" EID */
	char eid[E2M_EID_MAX + 1];		/* the EID part of kid */
	uint8_t alg;				/* EA << 4 | IA */
	enum keyd_derivation derivation;
	uint8_t k_int[E2M_ALG_KEY_LEN];
	uint8_t k_enc[E2M_ALG_KEY_LEN];
	size_t k_enc_len;			/* 0 iff EA is 0 */
	int64_t expires;			/* Unix seconds; 0: not yet set */
};

/* The one message of keyd's parsers into err[errlen] (when err is not
 * NULL); returns -1, for "return keyd_errf(...)". */
int keyd_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Parses a keyset JSON object (keyd/API.md "Keyset"). On error returns -1
 * and writes one message naming the field to err. */
int keyd_keyset_from_json(struct keyd_keyset *ks, const char *json, size_t len,
			  char *err, size_t errlen);
/* Writes the JSON object (with "expires" when set); returns its length,
 * or -1 when cap is too small. */
int keyd_keyset_to_json(const struct keyd_keyset *ks, char *out, size_t cap);
/* Splits kid into RAND and EID and checks both (doc/e2m-profile.md 2); 0 or -1. */
int keyd_kid_check(const char *kid, char *eid, size_t eid_cap);
/* Overwrites the keys (and the whole struct). */
void keyd_keyset_clear(struct keyd_keyset *ks);
