/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of e2m/kdf.c: the TS 33.220 Annex B.2 KDF against every
 * vector of tests/vectors/kdf.json it can compute (read at run time, one
 * TAP line per vector, the others skipped with the reason in the TAP line),
 * and the E2M derivations against the worked example of doc/e2m-profile.md
 * section 6, octet for octet. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "e2m/kdf.h"
#include "tests/helpers/vectors.h"

#define HEX(s) ({ \
	static uint8_t b_[sizeof(s) / 2]; \
	assert_int_equal(tvec_hex_decode(#s, s, b_, sizeof(b_)), sizeof(b_)); \
	b_; })

/* ---- kdf.json ---- */

#define KDF_MAX_PARAMS	8
#define KDF_MAX_PARAM	256

/* Why a vector is out of reach of e2m_kdf(), or NULL when it is not. */
static const char *kdf_skip_reason(const json_t *v)
{
	const json_t *params = json_object_get(v, "params");
	size_t i;
	const json_t *p;

	if (json_is_null(json_object_get(v, "key")))
		return "not a KDF (no key: a plain SHA-256 hash)";
	if (json_is_null(json_object_get(v, "fc")))
		return "no FC: S is not FC || P0 || L0 ..., only the bare HMAC-SHA-256 primitive";
	if (!json_is_array(params) || json_array_size(params) > KDF_MAX_PARAMS)
		return "parameters not a list of at most 8";
	json_array_foreach(params, i, p) {
		if (!json_is_string(json_object_get(p, "value")))
			return "a parameter without a value";
	}
	return NULL;
}

/* cmocka 1.1's skip() prints "not ok N # SKIP", which the TAP driver counts
 * as a failure; a passing test named "... # SKIP reason" is a proper TAP
 * skip with its reason. */
static void test_kdf_skipped(void **state)
{
}

static void test_kdf_vector(void **state)
{
	const json_t *v = *state;
	const json_t *params = json_object_get(v, "params");
	static uint8_t pbuf[KDF_MAX_PARAMS][KDF_MAX_PARAM];
	struct e2m_kdf_param p[KDF_MAX_PARAMS];
	uint8_t key[64], fc, exp[32], out[E2M_KDF_OUT_LEN];
	uint8_t s[1 + KDF_MAX_PARAMS * (KDF_MAX_PARAM + 2)], s_exp[sizeof(s)];
	size_t key_len, n, s_len = 0, i;
	const char *output_is;
	const json_t *pj;

	key_len = tvec_get_hex(v, "key", key, sizeof(key));
	assert_int_equal(tvec_get_hex(v, "fc", &fc, 1), 1);
	s[s_len++] = fc;
	json_array_foreach(params, i, pj) {
		uint8_t l[2];

		p[i].data = pbuf[i];
		p[i].len = tvec_get_hex(pj, "value", pbuf[i], sizeof(pbuf[i]));
		/* the file's Li agrees with the value */
		assert_int_equal(tvec_get_hex(pj, "length", l, sizeof(l)), 2);
		assert_int_equal(l[0] << 8 | l[1], p[i].len);
		memcpy(s + s_len, pbuf[i], p[i].len);
		s_len += p[i].len;
		memcpy(s + s_len, l, 2);
		s_len += 2;
	}
	/* the file's S is FC || P0 || L0 ... of these parameters */
	n = tvec_get_hex(v, "s", s_exp, sizeof(s_exp));
	assert_int_equal(n, s_len);
	assert_memory_equal(s, s_exp, s_len);

	assert_int_equal(e2m_kdf(key, key_len, fc, p, json_array_size(params), out), 0);
	/* a prepared key gives the same, twice */
	{
		struct e2m_kdf_key *kk = e2m_kdf_key_new(key, key_len);
		uint8_t again[E2M_KDF_OUT_LEN];

		assert_non_null(kk);
		for (int round = 0; round < 2; round++) {
			assert_int_equal(e2m_kdf_prepared(kk, fc, p, json_array_size(params), again), 0);
			assert_memory_equal(again, out, E2M_KDF_OUT_LEN);
		}
		e2m_kdf_key_free(kk);
	}
	n = tvec_get_hex(v, "output", exp, sizeof(exp));
	output_is = json_string_value(json_object_get(v, "output_is"));
	if (n == E2M_KDF_OUT_LEN) {
		assert_null(output_is);
		assert_memory_equal(out, exp, E2M_KDF_OUT_LEN);
	} else {
		/* RES* and the like: "bytes 16..31 of the 256-bit KDF output
		 * (full: <64 hex digits>)" */
		const char *full;

		assert_int_equal(n, 16);
		assert_non_null(output_is);
		assert_non_null(strstr(output_is, "bytes 16..31"));
		assert_memory_equal(out + 16, exp, 16);
		full = strstr(output_is, "full: ");
		if (full) {
			char hex[65];

			memcpy(hex, full + 6, 64);
			hex[64] = '\0';
			assert_int_equal(tvec_hex_decode("output_is full", hex, exp, sizeof(exp)), 32);
			assert_memory_equal(out, exp, 32);
		}
	}
}

/* Inputs TS 33.220 cannot code are refused. */
static void test_kdf_bad_args(void **state)
{
	static const uint8_t key[32], big[E2M_KDF_PARAM_MAX + 1];
	uint8_t out[E2M_KDF_OUT_LEN];
	struct e2m_kdf_param p = { .data = big, .len = sizeof(big) };

	assert_int_equal(e2m_kdf(key, sizeof(key), 0x10, &p, 1, out), -EINVAL);
	p.len = E2M_KDF_PARAM_MAX;
	assert_int_equal(e2m_kdf(key, sizeof(key), 0x10, &p, 1, out), 0);
	assert_int_equal(e2m_kdf(key, 0, 0x10, &p, 1, out), -EINVAL);
	assert_int_equal(e2m_kdf(NULL, 32, 0x10, &p, 1, out), -EINVAL);
	assert_int_equal(e2m_kdf(key, sizeof(key), 0x10, NULL, 1, out), -EINVAL);
	p.data = NULL;
	assert_int_equal(e2m_kdf(key, sizeof(key), 0x10, &p, 1, out), -EINVAL);
	p.len = 0;
	assert_int_equal(e2m_kdf(key, sizeof(key), 0x10, &p, 1, out), 0);

	/* prepared keys: 1..64 octets (RFC 2104 K0 is one block here) */
	{
		static const uint8_t k65[65];
		struct e2m_kdf_key *kk;

		assert_null(e2m_kdf_key_new(key, 0));
		assert_null(e2m_kdf_key_new(NULL, 16));
		assert_null(e2m_kdf_key_new(k65, sizeof(k65)));
		assert_int_equal(e2m_kdf(k65, sizeof(k65), 0x10, &p, 1, out), -EINVAL);
		kk = e2m_kdf_key_new(k65, 64);
		assert_non_null(kk);
		assert_int_equal(e2m_kdf_prepared(kk, 0x10, NULL, 1, out), -EINVAL);
		assert_int_equal(e2m_kdf_prepared(NULL, 0x10, &p, 1, out), -EINVAL);
		assert_int_equal(e2m_kdf_prepared(kk, 0x10, &p, 1, out), 0);
		e2m_kdf_key_free(kk);
		e2m_kdf_key_free(NULL);
	}
}

/* ---- doc/e2m-profile.md section 6, the worked example ---- */

/* Inputs and CK, IK as printed in doc/e2m-profile.md section 6 (ALG '11'). */
#define EX_K		"465b5ce8b199b49faa5f0a2ee238a6bc"
#define EX_RAND		"23553cbe9637a89d218ae64dae47bf35"
#define EX_AUTN		"aa689c6491448000fe3ef50d320d486a"
#define EX_CK		"b40ba9a3c58b2a05bbf0d987b21bf8cb"
#define EX_IK		"f769bcd751044604127672711c6d3441"
#define EX_EID		"hse.example.org"
/* Outputs, doc/e2m-profile.md section 6 */
#define EX_KE2M_USIM	"6484ad97cc582a4fd005305e82728374603021f44cf3ef0988969590d429f9e5"
#define EX_INT_USIM	"29c104685d3d45c89038da5833999a93"
#define EX_ENC_USIM	"f533c82286873ad1d4eef25d51fbabff"
#define EX_KID		"I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.org"
#define EX_KE2M_ME	"8ee0bed398aca19f13d5c46db9f06ead3a6508494abd0c115429590e16f3a8f2"
#define EX_INT_ME	"869231716acff49d2966fed826a504c7"
#define EX_ENC_ME	"4b031f390350e7b564a50555f6460be0"
#define EX_INT_USIM_IA2	"61168284bfa60566d63669498e081575"

#define EX_EID_ARGS	(const uint8_t *)EX_EID, strlen(EX_EID)

/* K_E2M (A-D), K_E2M_int and K_E2M_enc for ALG '11'; SQN xor AK is the
 * first 6 octets of AUTN. */
static void test_e2m_example_usim(void **state)
{
	const uint8_t *autn = HEX(EX_AUTN);
	uint8_t k_e2m[E2M_KEY_LEN], k_int[16], k_enc[16];
	size_t enc_len = 99;

	assert_int_equal(e2m_key_usim(NULL, HEX(EX_K), 16, HEX(EX_RAND), autn,
					   EX_EID_ARGS, k_e2m), 0);
	assert_memory_equal(k_e2m, HEX(EX_KE2M_USIM), E2M_KEY_LEN);
	assert_int_equal(e2m_key_int(NULL, k_e2m, 1, k_int), 0);
	assert_memory_equal(k_int, HEX(EX_INT_USIM), 16);
	assert_int_equal(e2m_key_enc(NULL, k_e2m, 1, k_enc, &enc_len), 0);
	assert_int_equal(enc_len, 16);
	assert_memory_equal(k_enc, HEX(EX_ENC_USIM), 16);

	/* the card's way: K prepared once, both keys from one K_E2M */
	{
		struct e2m_kdf_key *k = e2m_kdf_key_new(HEX(EX_K), 16);

		assert_non_null(k);
		for (int round = 0; round < 2; round++) {
			memset(k_e2m, 0, sizeof(k_e2m));
			memset(k_int, 0, sizeof(k_int));
			memset(k_enc, 0, sizeof(k_enc));
			enc_len = 99;
			assert_int_equal(e2m_key_usim_prepared(NULL, k, HEX(EX_RAND), autn,
								    EX_EID_ARGS, k_e2m), 0);
			assert_memory_equal(k_e2m, HEX(EX_KE2M_USIM), E2M_KEY_LEN);
			assert_int_equal(e2m_key_int_enc(NULL, k_e2m, 1, 1, k_int, k_enc,
							      &enc_len), 0);
			assert_memory_equal(k_int, HEX(EX_INT_USIM), 16);
			assert_int_equal(enc_len, 16);
			assert_memory_equal(k_enc, HEX(EX_ENC_USIM), 16);
		}
		e2m_kdf_key_free(k);
	}
}

/* Variant E from CK || IK. */
static void test_e2m_example_me(void **state)
{
	uint8_t k_e2m[E2M_KEY_LEN], k_int[16], k_enc[16];
	size_t enc_len = 99;

	assert_int_equal(e2m_key_me(NULL, HEX(EX_CK), HEX(EX_IK), HEX(EX_RAND), HEX(EX_AUTN),
					 EX_EID_ARGS, k_e2m), 0);
	assert_memory_equal(k_e2m, HEX(EX_KE2M_ME), E2M_KEY_LEN);
	assert_int_equal(e2m_key_int(NULL, k_e2m, 1, k_int), 0);
	assert_memory_equal(k_int, HEX(EX_INT_ME), 16);
	assert_int_equal(e2m_key_enc(NULL, k_e2m, 1, k_enc, &enc_len), 0);
	assert_int_equal(enc_len, 16);
	assert_memory_equal(k_enc, HEX(EX_ENC_ME), 16);
}

/* ALG '02': IA 2, EA 0; K_E2M_int given, no K_E2M_enc. */
static void test_e2m_example_alg02(void **state)
{
	static const uint8_t zero[16];
	uint8_t k_int[16], k_enc[16];
	size_t enc_len = 99;

	memset(k_enc, 0xAA, sizeof(k_enc));
	assert_int_equal(e2m_key_int(NULL, HEX(EX_KE2M_USIM), 2, k_int), 0);
	assert_memory_equal(k_int, HEX(EX_INT_USIM_IA2), 16);
	assert_int_equal(e2m_key_enc(NULL, HEX(EX_KE2M_USIM), E2M_EA_NONE, k_enc,
					  &enc_len), 0);
	assert_int_equal(enc_len, 0);
	assert_memory_equal(k_enc, zero, 16);
	/* the same through e2m_key_int_enc() */
	memset(k_int, 0, sizeof(k_int));
	memset(k_enc, 0xAA, sizeof(k_enc));
	enc_len = 99;
	assert_int_equal(e2m_key_int_enc(NULL, HEX(EX_KE2M_USIM), 2, E2M_EA_NONE, k_int,
					      k_enc, &enc_len), 0);
	assert_memory_equal(k_int, HEX(EX_INT_USIM_IA2), 16);
	assert_int_equal(enc_len, 0);
	assert_memory_equal(k_enc, zero, 16);
}

static void test_e2m_example_kid(void **state)
{
	char kid[E2M_KID_MAX];
	size_t len = 0;

	assert_int_equal(e2m_kid(HEX(EX_RAND), EX_EID_ARGS, kid, sizeof(kid), &len), 0);
	assert_string_equal(kid, EX_KID);
	assert_int_equal(len, strlen(EX_KID));
	/* exactly enough room, then one octet too few */
	assert_int_equal(e2m_kid(HEX(EX_RAND), EX_EID_ARGS, kid, strlen(EX_KID) + 1, NULL), 0);
	assert_int_equal(e2m_kid(HEX(EX_RAND), EX_EID_ARGS, kid, strlen(EX_KID), NULL),
			 -ENOSPC);
	/* an EID with a NUL octet cannot be a C string */
	assert_int_equal(e2m_kid(HEX(EX_RAND), (const uint8_t *)"a\0b", 3, kid, sizeof(kid),
				      NULL), -EINVAL);
}

/* The FC values are the caller's: defaults equal NULL, others change keys. */
static void test_e2m_fc_override(void **state)
{
	const struct e2m_fc dflt = E2M_FC_DEFAULT;
	struct e2m_fc other = E2M_FC_DEFAULT;
	uint8_t a[E2M_KEY_LEN], b[E2M_KEY_LEN], i1[16], i2[16];

	assert_int_equal(dflt.ke2m_usim, 0xE2);
	assert_int_equal(dflt.ke2m_me, 0xE5);
	assert_int_equal(dflt.alg, 0xE6);
	assert_int_equal(e2m_key_usim(&dflt, HEX(EX_K), 16, HEX(EX_RAND), HEX(EX_AUTN),
					   EX_EID_ARGS, a), 0);
	assert_memory_equal(a, HEX(EX_KE2M_USIM), E2M_KEY_LEN);

	other.ke2m_usim = 0xF2;
	assert_int_equal(e2m_key_usim(&other, HEX(EX_K), 16, HEX(EX_RAND), HEX(EX_AUTN),
					   EX_EID_ARGS, b), 0);
	assert_memory_not_equal(a, b, E2M_KEY_LEN);
	other.ke2m_me = 0xF5;
	assert_int_equal(e2m_key_me(&other, HEX(EX_CK), HEX(EX_IK), HEX(EX_RAND),
					 HEX(EX_AUTN), EX_EID_ARGS, b), 0);
	assert_memory_not_equal(b, HEX(EX_KE2M_ME), E2M_KEY_LEN);
	/* the same derivation through e2m_kdf() with FC 0xF5 */
	{
		uint8_t ck_ik[32];
		const struct e2m_kdf_param p[] = {
			{ .data = HEX(EX_RAND), .len = 16 },
			{ .data = HEX(EX_AUTN), .len = 6 },
			{ .data = (const uint8_t *)EX_EID, .len = strlen(EX_EID) },
		};

		memcpy(ck_ik, HEX(EX_CK), 16);
		memcpy(ck_ik + 16, HEX(EX_IK), 16);
		assert_int_equal(e2m_kdf(ck_ik, 32, 0xF5, p, 3, a), 0);
		assert_memory_equal(a, b, E2M_KEY_LEN);
	}
	other.alg = 0xF6;
	assert_int_equal(e2m_key_int(&dflt, HEX(EX_KE2M_USIM), 1, i1), 0);
	assert_int_equal(e2m_key_int(&other, HEX(EX_KE2M_USIM), 1, i2), 0);
	assert_memory_equal(i1, HEX(EX_INT_USIM), 16);
	assert_memory_not_equal(i1, i2, 16);
}

/* EID is 1..128 octets (doc/e2m-profile.md section 2); K is 16 or 32 octets. */
static void test_e2m_eid_len(void **state)
{
	uint8_t eid[E2M_EID_MAX + 1], k_e2m[E2M_KEY_LEN];
	char kid[E2M_KID_MAX];
	size_t len;

	memset(eid, 'e', sizeof(eid));
	assert_int_equal(e2m_eid_check(eid, 0), -EINVAL);
	assert_int_equal(e2m_eid_check(eid, 1), 0);
	assert_int_equal(e2m_eid_check(eid, 128), 0);
	assert_int_equal(e2m_eid_check(eid, 129), -EINVAL);
	assert_int_equal(e2m_eid_check(NULL, 1), -EINVAL);

	assert_int_equal(e2m_key_usim(NULL, HEX(EX_K), 16, HEX(EX_RAND), HEX(EX_AUTN),
					   eid, 0, k_e2m), -EINVAL);
	assert_int_equal(e2m_key_usim(NULL, HEX(EX_K), 16, HEX(EX_RAND), HEX(EX_AUTN),
					   eid, 129, k_e2m), -EINVAL);
	assert_int_equal(e2m_key_usim(NULL, HEX(EX_K), 16, HEX(EX_RAND), HEX(EX_AUTN),
					   eid, 128, k_e2m), 0);
	assert_int_equal(e2m_key_usim(NULL, HEX(EX_K), 16, HEX(EX_RAND), HEX(EX_AUTN),
					   eid, 1, k_e2m), 0);
	assert_int_equal(e2m_key_me(NULL, HEX(EX_CK), HEX(EX_IK), HEX(EX_RAND), HEX(EX_AUTN),
					 eid, 0, k_e2m), -EINVAL);
	assert_int_equal(e2m_key_me(NULL, HEX(EX_CK), HEX(EX_IK), HEX(EX_RAND), HEX(EX_AUTN),
					 eid, 129, k_e2m), -EINVAL);
	assert_int_equal(e2m_kid(HEX(EX_RAND), eid, 0, kid, sizeof(kid), NULL), -EINVAL);
	assert_int_equal(e2m_kid(HEX(EX_RAND), eid, 129, kid, sizeof(kid), NULL), -EINVAL);
	assert_int_equal(e2m_kid(HEX(EX_RAND), eid, 128, kid, sizeof(kid), &len), 0);
	assert_int_equal(len, E2M_KID_MAX - 1);

	/* K of 24 octets is neither 128 nor 256 bits */
	assert_int_equal(e2m_key_usim(NULL, eid, 24, HEX(EX_RAND), HEX(EX_AUTN),
					   EX_EID_ARGS, k_e2m), -EINVAL);
	assert_int_equal(e2m_key_usim(NULL, eid, 32, HEX(EX_RAND), HEX(EX_AUTN),
					   EX_EID_ARGS, k_e2m), 0);
}

static void test_kdf_vectors_present(void **state)
{
	assert_true(*(size_t *)*state > 0);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_kdf_bad_args),
		cmocka_unit_test(test_e2m_example_usim),
		cmocka_unit_test(test_e2m_example_me),
		cmocka_unit_test(test_e2m_example_alg02),
		cmocka_unit_test(test_e2m_example_kid),
		cmocka_unit_test(test_e2m_fc_override),
		cmocka_unit_test(test_e2m_eid_len),
	};
	const size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests;
	char **names;
	json_t *root, *vectors;
	char err[4200];
	size_t n_vec, n_run = 0, i;
	int rc = 1;

	root = tvec_load("kdf.json", err, sizeof(err));
	if (!root) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	vectors = json_object_get(root, "vectors");
	n_vec = json_array_size(vectors);
	tests = calloc(n_fixed + 1 + n_vec, sizeof(*tests));
	names = calloc(n_vec + 1, sizeof(*names));
	if (!tests || !names)
		goto out;
	memcpy(tests, fixed, sizeof(fixed));
	tests[n_fixed] = (struct CMUnitTest){
		.name = "kdf.json has vectors",
		.test_func = test_kdf_vectors_present,
		.initial_state = &n_run,
	};
	for (i = 0; i < n_vec; i++) {
		json_t *v = json_array_get(vectors, i);
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *why = kdf_skip_reason(v);

		size_t len;

		/* a skipped vector's name carries the TAP SKIP directive */
		if (!name)
			name = "(unnamed)";
		len = strlen("kdf.json: ") + strlen(name) + (why ? strlen(" # SKIP ") + strlen(why) : 0) + 1;
		names[i] = malloc(len);
		if (!names[i])
			goto out;
		snprintf(names[i], len, "kdf.json: %s%s%s", name, why ? " # SKIP " : "", why ? why : "");
		tests[n_fixed + 1 + i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = why ? test_kdf_skipped : test_kdf_vector,
			.initial_state = v,
		};
		if (!why)
			n_run++;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	rc = _cmocka_run_group_tests("e2m_kdf", tests, n_fixed + 1 + n_vec, NULL, NULL);
out:
	for (i = 0; names && i < n_vec; i++)
		free(names[i]);
	free(names);
	free(tests);
	json_decref(root);
	return rc;
}
