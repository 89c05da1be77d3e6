/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keyset's JSON form (keyd/API.md "Keyset"): one parser and one writer
 * for the key service, its stores and its clients. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/hex.h"
#include "common/json.h"
#include "keyd/keyset.h"

#define KID_RAND_B64_LEN 24	/* base64 of the 16-octet RAND, with "==" */

int keyd_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* E2M-KID = base64(RAND) "@" EID (doc/e2m-profile.md 2): 22 base64 characters,
 * "==", "@", and an EID of 1..128 octets without NUL. */
int keyd_kid_check(const char *kid, char *eid, size_t eid_cap)
{
	uint8_t rnd[KID_RAND_B64_LEN];
	size_t i, eid_len;

	if (!kid || strnlen(kid, E2M_KID_MAX) >= E2M_KID_MAX)
		return -1;
	for (i = 0; i < KID_RAND_B64_LEN - 2; i++)
		if (!is_base64_char(kid[i]))
			return -1;
	if (kid[22] != '=' || kid[23] != '=' || kid[24] != '@')
		return -1;
	/* the last character before "==" carries 2 bits; the other 4 are 0:
	 * they, and the "==", decode into octets 16 and 17 */
	if (EVP_DecodeBlock(rnd, (const unsigned char *)kid, KID_RAND_B64_LEN) != 18 ||
	    rnd[16] || rnd[17]) {
		OPENSSL_cleanse(rnd, sizeof(rnd));
		return -1;
	}
	OPENSSL_cleanse(rnd, sizeof(rnd));
	eid_len = strlen(kid + 25);
	if (eid_len < E2M_EID_MIN || eid_len > E2M_EID_MAX)
		return -1;
	if (eid) {
		if (eid_cap <= eid_len)
			return -1;
		memcpy(eid, kid + 25, eid_len + 1);
	}
	return 0;
}

/* A string member of 1 to max octets (common/json.h); NULL, with one line
 * naming the field in err, when it is absent or not one. */
static const char *get_string(json_t *obj, const char *field, size_t max, char *err, size_t errlen)
{
	struct common_json_ctx c = { .name = field, .err = err, .errlen = errlen, .plain = true };
	json_t *v = json_object_get(obj, field);
	const char *s = NULL;

	if (!v)
		common_json_fail(&c, "missing");
	else
		common_json_string(&c, v, max, &s);
	return s;
}

static int get_key(json_t *obj, const char *field, uint8_t out[E2M_ALG_KEY_LEN],
		   char *err, size_t errlen)
{
	const char *s = get_string(obj, field, 2 * E2M_ALG_KEY_LEN, err, errlen);

	if (!s)
		return -1;
	if (strlen(s) != 2 * E2M_ALG_KEY_LEN ||
	    common_hex_decode(s, strlen(s), out, E2M_ALG_KEY_LEN) != E2M_ALG_KEY_LEN)
		return keyd_errf(err, errlen, "%s: expected %d hex digits", field,
			    2 * E2M_ALG_KEY_LEN);
	return 0;
}

static const char *const derivation_names[] = {
	[KEYD_DERIVED_USIM] = "usim",
	[KEYD_DERIVED_ME] = "me",
};

static int parse_object(struct keyd_keyset *ks, json_t *obj, char *err, size_t errlen)
{
	const char *kid, *eid, *alg, *derivation;
	uint8_t alg_octet, ea, ia;
	json_t *expires;
	size_t i;

	if (!json_is_object(obj))
		return keyd_errf(err, errlen, "keyset: not a JSON object");
	kid = get_string(obj, "kid", E2M_KID_MAX - 1, err, errlen);
	if (!kid)
		return -1;
	if (keyd_kid_check(kid, ks->eid, sizeof(ks->eid)))
		return keyd_errf(err, errlen, "kid: not base64(RAND) \"@\" EID (doc/e2m-profile.md 2)");
	memcpy(ks->kid, kid, strlen(kid) + 1);
	eid = get_string(obj, "eid", E2M_EID_MAX, err, errlen);
	if (!eid)
		return -1;
	if (strcmp(eid, ks->eid))
		return keyd_errf(err, errlen, "eid: differs from the EID in kid");

	alg = get_string(obj, "alg", 2, err, errlen);
	if (!alg)
		return -1;
	if (strlen(alg) != 2 || common_hex_decode(alg, 2, &alg_octet, 1) != 1)
		return keyd_errf(err, errlen, "alg: expected 2 hex digits");
	ea = alg_octet >> 4;
	ia = alg_octet & 0x0f;
	if (ia < 1 || ia > 2 || ea > 2)
		return keyd_errf(err, errlen, "alg: IA must be 1 or 2 and EA 0, 1 or 2 (doc/e2m-profile.md 2)");
	ks->alg = alg_octet;

	derivation = get_string(obj, "derivation", 8, err, errlen);
	if (!derivation)
		return -1;
	for (i = 0; i < sizeof(derivation_names) / sizeof(derivation_names[0]); i++)
		if (!strcmp(derivation, derivation_names[i]))
			break;
	if (i == sizeof(derivation_names) / sizeof(derivation_names[0]))
		return keyd_errf(err, errlen, "derivation: expected \"usim\" or \"me\"");
	ks->derivation = (enum keyd_derivation)i;

	if (get_key(obj, "k_int", ks->k_int, err, errlen))
		return -1;
	if (ea == E2M_EA_NONE) {
		if (json_object_get(obj, "k_enc"))
			return keyd_errf(err, errlen, "k_enc: present although EA is 0");
		ks->k_enc_len = 0;
	} else {
		if (get_key(obj, "k_enc", ks->k_enc, err, errlen))
			return -1;
		ks->k_enc_len = E2M_ALG_KEY_LEN;
	}

	expires = json_object_get(obj, "expires");
	if (expires && !json_is_integer(expires))
		return keyd_errf(err, errlen, "expires: not an integer");
	ks->expires = expires ? (int64_t)json_integer_value(expires) : 0;
	return 0;
}

int keyd_keyset_from_json(struct keyd_keyset *ks, const char *json, size_t len,
			  char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *obj;
	int rc;

	memset(ks, 0, sizeof(*ks));
	if (len > KEYD_BODY_MAX)
		return keyd_errf(err, errlen, "keyset: longer than %d octets", KEYD_BODY_MAX);
	obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	/* jerr.text quotes the input near the error, which may be a key: only
	 * the position */
	if (!obj)
		return keyd_errf(err, errlen, "keyset: not JSON (line %d, column %d)", jerr.line,
			    jerr.column);
	rc = parse_object(ks, obj, err, errlen);
	/* jansson keeps its own copies of the hex keys: overwrite them */
	json_t *v = json_object_get(obj, "k_int");
	if (json_is_string(v))
		OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
	v = json_object_get(obj, "k_enc");
	if (json_is_string(v))
		OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
	json_decref(obj);
	if (rc)
		keyd_keyset_clear(ks);
	return rc;
}

/* JSON string escaping is not needed: keyd_kid_check() admits no '"' or '\\'
 * in the base64 part, and the EID is escaped below. */
static int put_escaped(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int w;

		if (c == '"' || c == '\\')
			w = snprintf(out + n, cap - n, "\\%c", c);
		else if (c < 0x20)
			w = snprintf(out + n, cap - n, "\\u%04x", c);
		else
			w = snprintf(out + n, cap - n, "%c", c);
		if (w < 0 || (size_t)w >= cap - n)
			return -1;
		n += (size_t)w;
	}
	return (int)n;
}

int keyd_keyset_to_json(const struct keyd_keyset *ks, char *out, size_t cap)
{
	char k_int[2 * E2M_ALG_KEY_LEN + 1], k_enc[2 * E2M_ALG_KEY_LEN + 1];
	char kid[2 * E2M_KID_MAX * 3], eid[E2M_EID_MAX * 6 + 1];
	int n = -1;

	if (put_escaped(kid, sizeof(kid), ks->kid) < 0 || put_escaped(eid, sizeof(eid), ks->eid) < 0)
		return -1;
	common_hex_encode(ks->k_int, sizeof(ks->k_int), k_int, sizeof(k_int));
	common_hex_encode(ks->k_enc, ks->k_enc_len, k_enc, sizeof(k_enc));
	n = snprintf(out, cap,
		     "{\"kid\":\"%s\",\"eid\":\"%s\",\"alg\":\"%02x\",\"derivation\":\"%s\","
		     "\"k_int\":\"%s\"%s%s%s",
		     kid, eid, ks->alg, derivation_names[ks->derivation], k_int,
		     ks->k_enc_len ? ",\"k_enc\":\"" : "", ks->k_enc_len ? k_enc : "",
		     ks->k_enc_len ? "\"" : "");
	if (n >= 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, ks->expires ? ",\"expires\":%lld}" : "}",
			      (long long)ks->expires);
	OPENSSL_cleanse(k_int, sizeof(k_int));
	OPENSSL_cleanse(k_enc, sizeof(k_enc));
	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			OPENSSL_cleanse(out, cap);
		return -1;
	}
	return n;
}

void keyd_keyset_clear(struct keyd_keyset *ks)
{
	OPENSSL_cleanse(ks, sizeof(*ks));
}
