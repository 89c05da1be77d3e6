/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the AuC reference (aka/auc.h): the Milenage and TUAK
 * vectors of tests/vectors through the profile -> keys -> vector path;
 * a cross-check against libosmocore's osmo_auth_gen_vec() (an independent
 * implementation of the AuC side, SQN/IND policy included) on seeded random
 * inputs; AUTS verification; SQN = SEQ || IND arithmetic. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <osmocom/crypt/auth.h>

#include "aka/auc.h"
#include "aka/sqn.h"
#include "aka/auth_alg.h"
#include "usim/profile.h"
#include "tests/helpers/vectors.h"

#define XCHECK_ROUNDS	200

/* ---- a profile as the card and the tool read it ---- */

/* Parse a minimal profile of algorithm, K and OP/OPc (op: "op" or "opc")
 * and build the keys from it. */
static void keys_from_json(const char *alg_name, const char *k, const char *op_field,
			   const char *op, const struct aka_alg **alg, struct aka_alg_keys *keys)
{
	static struct usim_profile p;
	char json[512], err[256];

	snprintf(json, sizeof(json),
		 "{\"iccid\": \"8900101000000000001\", \"imsi\": \"001010000000001\", "
		 "\"algorithm\": \"%s\", \"ki\": \"%s\", \"%s\": \"%s\"}",
		 alg_name, k, op_field, op);
	if (usim_profile_parse(&p, json, strlen(json), err, sizeof(err)))
		fail_msg("profile %s: %s", json, err);
	assert_int_equal(usim_profile_keys(&p, alg, keys), 0);
	usim_profile_clear(&p);
}

/* A profile filled by hand, as usim_profile_parse() leaves it. */
static void profile_set(struct usim_profile *p, const char *alg, const uint8_t *k, size_t k_len,
			const uint8_t *opc, size_t opc_len, bool op_given)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->algorithm, sizeof(p->algorithm), "%s", alg);
	memcpy(p->ki, k, k_len);
	p->ki_len = k_len;
	if (opc_len)
		memcpy(p->opc, opc, opc_len);
	p->opc_len = opc_len;
	p->op_given = op_given;
}

static void expect_hex(const char *name, const char *what, const uint8_t *got, size_t got_len,
		       json_t *v, const char *field)
{
	uint8_t want[64];
	char h1[129], h2[129];
	size_t n = tvec_get_hex(v, field, want, sizeof(want));

	if (n != got_len || memcmp(want, got, n) != 0)
		fail_msg("vector '%s': %s = %s, expected %s (%s)", name, what,
			 tvec_bin2hex(got, got_len, h1), tvec_bin2hex(want, n, h2), field);
}

/* ---- (a) spec vectors through the AuC ---- */

/* TS 35.208 4.3 / TS 35.207: every vector twice, with OP (OPc derived by
 * the profile path) and with OPc; MAC-A, XRES, CK, IK, AK, AUTN, SRES, Kc. */
static void test_milenage_vectors(void **state)
{
	json_t *root = tvec_load_or_fail("milenage.json");
	json_t *vectors = json_object_get(root, "vectors");
	size_t i, n_autn = 0, n_fields = 0;
	json_t *v;

	json_array_foreach(vectors, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		static const char *const op_fields[] = { "op", "opc" };

		for (size_t o = 0; o < 2; o++) {
			const struct aka_alg *alg = NULL;
			struct aka_alg_keys keys;
			struct aka_auc_vec av;
			uint8_t rand[16], sqn[6], amf[2], opc[16];

			keys_from_json("milenage", json_string_value(json_object_get(v, "k")),
				       op_fields[o],
				       json_string_value(json_object_get(v, op_fields[o])),
				       &alg, &keys);
			assert_ptr_equal(alg, &aka_alg_milenage);
			tvec_get_hex(v, "opc", opc, sizeof(opc));
			assert_memory_equal(keys.opc, opc, 16);
			assert_int_equal(tvec_get_hex(v, "rand", rand, sizeof(rand)), 16);
			assert_int_equal(tvec_get_hex(v, "sqn", sqn, sizeof(sqn)), 6);
			assert_int_equal(tvec_get_hex(v, "amf", amf, sizeof(amf)), 2);

			assert_int_equal(aka_auc_gen_vec(alg, &keys, rand,
							  aka_sqn_from_bytes(sqn), amf, &av), 0);
			assert_true(av.umts);
			assert_true(av.gsm);
			assert_memory_equal(av.rand, rand, 16);
			expect_hex(name, "MAC-A", av.mac_a, av.mac_len, v, "f1");
			expect_hex(name, "XRES", av.xres, av.xres_len, v, "f2");
			expect_hex(name, "CK", av.ck, av.ck_len, v, "f3");
			expect_hex(name, "IK", av.ik, av.ik_len, v, "f4");
			expect_hex(name, "AK", av.ak, sizeof(av.ak), v, "f5");
			expect_hex(name, "SRES", av.sres, sizeof(av.sres), v, "gsm_sres1");
			expect_hex(name, "Kc", av.kc, sizeof(av.kc), v, "gsm_kc");
			n_fields += 7;
			if (json_object_get(v, "autn")) {
				expect_hex(name, "AUTN", av.autn, av.autn_len, v, "autn");
				n_autn++;
				n_fields++;
			}
			aka_auc_vec_clear(&av);
		}
	}
	print_message("# milenage.json: %zu vectors (with OP and with OPc), %zu fields checked, "
		      "%zu AUTNs equal\n", json_array_size(vectors), n_fields, n_autn);
	assert_true(json_array_size(vectors) > 0);
	assert_true(n_autn > 0);
	json_decref(root);
}

/* TS 35.233: TOP -> TOPc through the profile, then the vector with the
 * test set's lengths; SRES/Kc only where c2/c3 are defined. */
static void test_tuak_vectors(void **state)
{
	json_t *root = tvec_load_or_fail("tuak.json");
	json_t *vectors = json_object_get(root, "vectors");
	size_t i, n_autn = 0;
	json_t *v;

	json_array_foreach(vectors, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const struct aka_alg *alg = NULL;
		struct aka_alg_keys keys;
		struct aka_auc_vec av;
		uint8_t rand[16], sqn[6], amf[2], topc[32];

		keys_from_json("tuak", json_string_value(json_object_get(v, "k")), "op",
			       json_string_value(json_object_get(v, "top")), &alg, &keys);
		assert_ptr_equal(alg, &aka_alg_tuak);
		keys.tuak_iterations = (unsigned int)tvec_get_uint(v, "keccak_iterations");
		keys.mac_len = tvec_get_uint(v, "mac_bits") / 8;
		keys.res_len = tvec_get_uint(v, "res_bits") / 8;
		keys.ck_len = tvec_get_uint(v, "ck_bits") / 8;
		keys.ik_len = tvec_get_uint(v, "ik_bits") / 8;
		if (keys.tuak_iterations != 1) {
			/* TOPc depends on the iterations: the profile has none */
			tvec_get_hex(v, "topc", keys.topc, sizeof(keys.topc));
		} else {
			tvec_get_hex(v, "topc", topc, sizeof(topc));
			assert_memory_equal(keys.topc, topc, 32);
		}
		tvec_get_hex(v, "rand", rand, sizeof(rand));
		tvec_get_hex(v, "sqn", sqn, sizeof(sqn));
		tvec_get_hex(v, "amf", amf, sizeof(amf));
		assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, aka_sqn_from_bytes(sqn),
						  amf, &av), 0);
		expect_hex(name, "MAC-A", av.mac_a, av.mac_len, v, "f1");
		expect_hex(name, "XRES", av.xres, av.xres_len, v, "f2");
		expect_hex(name, "CK", av.ck, av.ck_len, v, "f3");
		expect_hex(name, "IK", av.ik, av.ik_len, v, "f4");
		expect_hex(name, "AK", av.ak, sizeof(av.ak), v, "f5");
		assert_int_equal(av.autn_len, 8 + av.mac_len);
		if (json_object_get(v, "autn_64bit_mac")) {
			expect_hex(name, "AUTN", av.autn, av.autn_len, v, "autn_64bit_mac");
			n_autn++;
		}
		assert_int_equal(av.gsm, av.xres_len <= 16 && av.ck_len == 16 && av.ik_len == 16);
		aka_auc_vec_clear(&av);
	}
	print_message("# tuak.json: %zu vectors, %zu AUTNs equal\n", json_array_size(vectors),
		      n_autn);
	assert_true(n_autn > 0);
	json_decref(root);
}

/* doc/e2m-profile.md section 6, the worked example. */
static void test_spec_example(void **state)
{
	static const uint8_t rand[16] = {
		0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d,
		0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35,
	};
	static const uint8_t autn[16] = {
		0xaa, 0x68, 0x9c, 0x64, 0x91, 0x44, 0x80, 0x00,
		0xfe, 0x3e, 0xf5, 0x0d, 0x32, 0x0d, 0x48, 0x6a,
	};
	static const uint8_t amf[2] = { 0x80, 0x00 };
	const struct aka_alg *alg = NULL;
	struct aka_alg_keys keys;
	struct aka_auc_vec av;

	keys_from_json("milenage", "465b5ce8b199b49faa5f0a2ee238a6bc", "opc",
		       "cd63cb71954a9f4e48a5994e37a02baf", &alg, &keys);
	assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, 0x1234, amf, &av), 0);
	assert_int_equal(av.autn_len, 16);
	assert_memory_equal(av.autn, autn, 16);
	assert_int_equal(av.sqn, 0x1234);
	aka_auc_vec_clear(&av);
}

/* ---- (b) against libosmocore ---- */

#define XCHECK(cond, what) do { \
	if (!(cond)) \
		fail_msg("%s round %d (seed 0x%llx): %s differs from osmo_auth_gen_vec()", \
			 alg_name, r, (unsigned long long)seed, what); \
} while (0)

/* Random K, OP or OPc, RAND, previous SQN, IND length and slot and AMF:
 * libosmocore steps the SQN and makes the vector; we step it with
 * aka_auc_sqn_next() and make ours with aka_auc_gen_vec(). libosmocore
 * 1.7's XOR does not step: it uses the SQN given (steps_sqn false). */
static void xcheck_umts(const char *alg_name, enum osmo_auth_algo algo, bool steps_sqn,
			uint64_t seed)
{
	size_t n_sqn = 0;

	tvec_rng_seed(seed);
	for (int r = 0; r < XCHECK_ROUNDS; r++) {
		struct osmo_sub_auth_data aud = {
			.type = OSMO_AUTH_TYPE_UMTS,
			.algo = algo,
		};
		struct osmo_auth_vector ov = { 0 };
		struct usim_profile p;
		const struct aka_alg *alg = NULL;
		struct aka_alg_keys keys;
		struct aka_auc_vec av;
		uint8_t k[16], op[16], rand[16];
		bool use_op = algo == OSMO_AUTH_ALG_MILENAGE && r % 2;
		unsigned int ind_bits = (unsigned int)(tvec_rng_next() % 11);
		unsigned int ind = (unsigned int)(tvec_rng_next() & ((1u << ind_bits) - 1));
		uint64_t last = tvec_rng_next() & 0x7fffffffffffULL, next = 0;

		tvec_rng_fill(k, 16);
		tvec_rng_fill(op, 16);
		tvec_rng_fill(rand, 16);
		tvec_rng_fill(aud.u.umts.amf, 2);
		memcpy(aud.u.umts.k, k, 16);
		memcpy(aud.u.umts.opc, op, 16);
		aud.u.umts.opc_is_op = use_op;
		aud.u.umts.sqn = last;
		aud.u.umts.ind_bitlen = ind_bits;
		aud.u.umts.ind = ind;
		assert_int_equal(osmo_auth_gen_vec(&ov, &aud, rand), 0);

		profile_set(&p, alg_name, k, 16, op, algo == OSMO_AUTH_ALG_MILENAGE ? 16 : 0,
			    use_op);
		assert_int_equal(usim_profile_keys(&p, &alg, &keys), 0);
		if (steps_sqn) {
			assert_int_equal(aka_auc_sqn_next(last, ind, ind_bits, &next), 0);
			XCHECK(next == aud.u.umts.sqn, "the next SQN (SEQ + 1 || IND)");
			n_sqn++;
		} else {
			next = last;
			XCHECK(aud.u.umts.sqn == last, "SQN (not stepped)");
		}
		assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, next, aud.u.umts.amf, &av), 0);
		XCHECK(av.autn_len == 16 && memcmp(av.autn, ov.autn, 16) == 0, "AUTN");
		XCHECK(av.xres_len == ov.res_len && memcmp(av.xres, ov.res, av.xres_len) == 0,
		       "XRES");
		XCHECK(av.ck_len == 16 && memcmp(av.ck, ov.ck, 16) == 0, "CK");
		XCHECK(av.ik_len == 16 && memcmp(av.ik, ov.ik, 16) == 0, "IK");
		XCHECK(av.gsm && memcmp(av.kc, ov.kc, 8) == 0, "Kc");
		XCHECK(memcmp(av.sres, ov.sres, 4) == 0, "SRES");
		aka_auc_vec_clear(&av);
	}
	print_message("# %s: %d rounds equal to osmo_auth_gen_vec() (AUTN, XRES, CK, IK, Kc, "
		      "SRES); %zu next SQNs (SEQ + 1 || IND) equal\n", alg_name, XCHECK_ROUNDS,
		      n_sqn);
}

static void test_xcheck_milenage(void **state)
{
	xcheck_umts("milenage", OSMO_AUTH_ALG_MILENAGE, true, 0x4155434d494cULL);
}

static void test_xcheck_xor(void **state)
{
	xcheck_umts("xor", OSMO_AUTH_ALG_XOR, false, 0x415543584f52ULL);
}

/* GSM-only algorithms: the triplet, and no quintet. */
static void xcheck_gsm(const char *alg_name, enum osmo_auth_algo algo, uint64_t seed)
{
	static const uint8_t amf[2];

	tvec_rng_seed(seed);
	for (int r = 0; r < XCHECK_ROUNDS; r++) {
		struct osmo_sub_auth_data aud = {
			.type = OSMO_AUTH_TYPE_GSM,
			.algo = algo,
		};
		struct osmo_auth_vector ov = { 0 };
		struct usim_profile p;
		const struct aka_alg *alg = NULL;
		struct aka_alg_keys keys;
		struct aka_auc_vec av;
		uint8_t k[16], rand[16];

		tvec_rng_fill(k, 16);
		tvec_rng_fill(rand, 16);
		memcpy(aud.u.gsm.ki, k, 16);
		assert_int_equal(osmo_auth_gen_vec(&ov, &aud, rand), 0);
		profile_set(&p, alg_name, k, 16, NULL, 0, false);
		assert_int_equal(usim_profile_keys(&p, &alg, &keys), 0);
		assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, 0, amf, &av), 0);
		XCHECK(!av.umts && av.autn_len == 0 && av.xres_len == 0, "no quintet");
		XCHECK(av.gsm && memcmp(av.sres, ov.sres, 4) == 0, "SRES");
		XCHECK(memcmp(av.kc, ov.kc, 8) == 0, "Kc");
		aka_auc_vec_clear(&av);
	}
	print_message("# %s: %d rounds equal to osmo_auth_gen_vec()\n", alg_name, XCHECK_ROUNDS);
}

static void test_xcheck_comp128(void **state)
{
	xcheck_gsm("comp128v1", OSMO_AUTH_ALG_COMP128v1, 0xc1);
	xcheck_gsm("comp128v2", OSMO_AUTH_ALG_COMP128v2, 0xc2);
	xcheck_gsm("comp128v3", OSMO_AUTH_ALG_COMP128v3, 0xc3);
}

/* ---- (c) AUTS ---- */

/* The card side (TS 33.102 6.3.3): AUTS = (SQN_MS xor AK*) || MAC-S, with
 * f5* and f1* over the dummy AMF '0000'. */
static size_t card_auts(const struct aka_alg *alg, const struct aka_alg_keys *keys,
			const uint8_t *rand, uint64_t sqn_ms, uint8_t *auts)
{
	static const uint8_t amf0[2];
	uint8_t sqn[6], ak_s[6];
	size_t mac_len = 0;

	tvec_store48(sqn_ms, sqn);
	assert_int_equal(aka_alg_f5star(alg, keys, rand, ak_s), 0);
	assert_int_equal(aka_alg_f1star(alg, keys, rand, sqn, amf0, auts + 6, &mac_len), 0);
	for (size_t i = 0; i < 6; i++)
		auts[i] = sqn[i] ^ ak_s[i];
	return 6 + mac_len;
}

/* Our AUTS verification and libosmocore's agree on SQN_MS, for AUTS made by
 * the card functions; every corrupted bit is refused. */
static void xcheck_auts(const char *alg_name, enum osmo_auth_algo algo, uint64_t seed)
{
	size_t refused = 0;

	tvec_rng_seed(seed);
	for (int r = 0; r < XCHECK_ROUNDS; r++) {
		struct osmo_sub_auth_data aud = {
			.type = OSMO_AUTH_TYPE_UMTS,
			.algo = algo,
		};
		struct osmo_auth_vector ov = { 0 };
		struct usim_profile p;
		const struct aka_alg *alg = NULL;
		struct aka_alg_keys keys;
		uint8_t k[16], opc[16], rand[16], auts[AKA_AUC_AUTS_MAX];
		uint64_t sqn_ms = tvec_rng_next() & AKA_AUC_SQN_MAX, got = 0;
		size_t len;

		tvec_rng_fill(k, 16);
		tvec_rng_fill(opc, 16);
		tvec_rng_fill(rand, 16);
		profile_set(&p, alg_name, k, 16, opc, algo == OSMO_AUTH_ALG_MILENAGE ? 16 : 0,
			    false);
		assert_int_equal(usim_profile_keys(&p, &alg, &keys), 0);
		len = card_auts(alg, &keys, rand, sqn_ms, auts);
		assert_int_equal(len, 14);

		assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, auts, len, &got), 0);
		XCHECK(got == sqn_ms, "SQN_MS (ours)");
		/* libosmocore 1.7's XOR checks AUTS against the new RAND, so
		 * both RANDs are the same here */
		memcpy(aud.u.umts.k, k, 16);
		memcpy(aud.u.umts.opc, opc, 16);
		aud.u.umts.ind_bitlen = 5;
		XCHECK(osmo_auth_gen_vec_auts(&ov, &aud, auts, rand, rand) == 0, "AUTS acceptance");
		XCHECK(aud.u.umts.sqn_ms == sqn_ms, "SQN_MS");

		/* one bit flipped anywhere: MAC-S no longer verifies */
		for (size_t bit = 0; bit < 8 * len; bit += 1 + (size_t)(tvec_rng_next() % 7)) {
			auts[bit / 8] ^= (uint8_t)(0x80 >> bit % 8);
			got = 0x5a5a;
			XCHECK(aka_auc_auts_verify(alg, &keys, rand, auts, len, &got) == -EBADMSG,
			       "refusal of a corrupted AUTS");
			XCHECK(got == 0x5a5a, "SQN_MS of a refused AUTS is not written");
			auts[bit / 8] ^= (uint8_t)(0x80 >> bit % 8);
			refused++;
		}
		/* another RAND (XOR's MAC-S and AK* see RAND octets 0..8 only) */
		rand[r % 8] ^= 1;
		XCHECK(aka_auc_auts_verify(alg, &keys, rand, auts, len, &got) == -EBADMSG,
		       "refusal under another RAND");
		refused++;
	}
	print_message("# %s: %d AUTS verified as libosmocore does, %zu corrupted ones refused\n",
		      alg_name, XCHECK_ROUNDS, refused);
}

static void test_auts_milenage(void **state)
{
	xcheck_auts("milenage", OSMO_AUTH_ALG_MILENAGE, 0x41555453ULL);
}

static void test_auts_xor(void **state)
{
	xcheck_auts("xor", OSMO_AUTH_ALG_XOR, 0x4155545358ULL);
}

/* A fixed AUTS computed outside this code base (f1*, f5* of TS 35.206 over
 * AES in Python; osmo-auc-gen 1.7 reports the same SQN.MS) for the key of
 * doc/e2m-profile.md section 6: SQN_MS 16777249 = SEQ 524289 || IND 1. */
static void test_auts_fixed(void **state)
{
	static const uint8_t rand[16] = {
		0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d,
		0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35,
	};
	static const uint8_t auts[14] = {
		0x45, 0x1e, 0x8a, 0xec, 0xa4, 0x1a, 0x9b, 0xfa, 0xb8, 0xbb, 0xb4, 0x1e, 0x1f, 0x3e,
	};
	const struct aka_alg *alg = NULL;
	struct aka_alg_keys keys;
	uint64_t sqn_ms = 0, seq;
	unsigned int ind;

	keys_from_json("milenage", "465b5ce8b199b49faa5f0a2ee238a6bc", "opc",
		       "cd63cb71954a9f4e48a5994e37a02baf", &alg, &keys);
	assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, auts, sizeof(auts), &sqn_ms), 0);
	assert_int_equal(sqn_ms, 16777249);
	assert_int_equal(aka_auc_sqn_split(sqn_ms, 5, &seq, &ind), 0);
	assert_int_equal(seq, 524289);
	assert_int_equal(ind, 1);
}

/* Lengths, algorithms without AUTS, NULLs. */
static void test_auts_errors(void **state)
{
	static const uint8_t rand[16], k[16], opc[16];
	const struct aka_alg *alg = NULL;
	struct usim_profile p;
	struct aka_alg_keys keys;
	uint8_t auts[AKA_AUC_AUTS_MAX + 1] = { 0 };
	uint64_t sqn_ms = 0;
	size_t len;

	profile_set(&p, "milenage", k, 16, opc, 16, false);
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), 0);
	len = card_auts(alg, &keys, rand, 42, auts);
	assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, auts, len, &sqn_ms), 0);
	assert_int_equal(sqn_ms, 42);
	assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, auts, len - 1, &sqn_ms), -EINVAL);
	assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, auts, len + 1, &sqn_ms), -EINVAL);
	assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, auts, 6, &sqn_ms), -EINVAL);
	assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, auts, sizeof(auts), &sqn_ms),
			 -EINVAL);
	assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, NULL, len, &sqn_ms), -EINVAL);
	assert_int_equal(aka_auc_auts_verify(alg, &keys, rand, auts, len, NULL), -EINVAL);
	assert_int_equal(aka_auc_auts_verify(&aka_alg_comp128v1, &keys, rand, auts, len,
					      &sqn_ms), -ENOTSUP);
}

/* ---- keys from a profile; vectors refused ---- */

static void test_keys_from_profile(void **state)
{
	static const uint8_t k[32] = { 1, 2, 3 }, opc[32] = { 4, 5, 6 };
	const struct aka_alg *alg = NULL;
	struct usim_profile p;
	struct aka_alg_keys keys;
	static const uint8_t zero[sizeof(keys)];

	profile_set(&p, "milenage", k, 16, opc, 16, false);
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), 0);
	assert_ptr_equal(alg, &aka_alg_milenage);
	assert_int_equal(keys.k_len, 16);
	assert_memory_equal(keys.k, k, 16);
	assert_memory_equal(keys.opc, opc, 16);

	profile_set(&p, "tuak", k, 32, opc, 32, false);
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), 0);
	assert_ptr_equal(alg, &aka_alg_tuak);
	assert_memory_equal(keys.topc, opc, 32);

	/* refused, and the keys zeroed */
	profile_set(&p, "nope", k, 16, opc, 16, false);
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), -EINVAL);
	assert_memory_equal(&keys, zero, sizeof(keys));
	profile_set(&p, "milenage", k, 32, opc, 16, false);	/* 256-bit K */
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), -EINVAL);
	assert_memory_equal(&keys, zero, sizeof(keys));
	profile_set(&p, "milenage", k, 16, opc, 32, false);	/* 256-bit OPc */
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), -EINVAL);
	assert_memory_equal(&keys, zero, sizeof(keys));
	profile_set(&p, "comp128v1", k, 16, opc, 16, false);	/* no OP there */
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), -EINVAL);
	profile_set(&p, "xor", k, 16, NULL, 0, false);
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), 0);
	assert_ptr_equal(alg, &aka_alg_xor);
	assert_int_equal(usim_profile_keys(NULL, &alg, &keys), -EINVAL);
}

static void test_gen_vec_errors(void **state)
{
	static const uint8_t k[16], opc[16], rand[16], amf[2];
	static const uint8_t zero[sizeof(struct aka_auc_vec)];
	const struct aka_alg *alg = NULL;
	struct usim_profile p;
	struct aka_alg_keys keys;
	struct aka_auc_vec av;

	profile_set(&p, "milenage", k, 16, opc, 16, false);
	assert_int_equal(usim_profile_keys(&p, &alg, &keys), 0);
	assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, AKA_AUC_SQN_MAX, amf, &av), 0);
	assert_int_equal(av.sqn, AKA_AUC_SQN_MAX);
	memset(&av, 0xa5, sizeof(av));
	assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, AKA_AUC_SQN_MAX + 1, amf, &av),
			 -ERANGE);
	assert_memory_equal(&av, zero, sizeof(av));
	assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, 1, NULL, &av), -EINVAL);
	assert_int_equal(aka_auc_gen_vec(NULL, &keys, rand, 1, amf, &av), -EINVAL);
	assert_int_equal(aka_auc_gen_vec(alg, &keys, NULL, 1, amf, &av), -EINVAL);
	assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, 1, amf, NULL), -EINVAL);
	keys.res_len = 4;	/* Milenage RES is 64 bits */
	assert_int_equal(aka_auc_gen_vec(alg, &keys, rand, 1, amf, &av), -EINVAL);
	assert_memory_equal(&av, zero, sizeof(av));
}

/* ---- (d) SQN = SEQ || IND ---- */

static void test_sqn_seq_ind(void **state)
{
	uint64_t sqn = 0, seq = 0;
	unsigned int ind = 0;
	uint8_t b[6];
	size_t rounds = 0;

	/* TS 33.102 C.3.2 with 5 IND bits: SEQ 1 IND 0 is 32, 2/0 is 64 */
	assert_int_equal(aka_auc_sqn_compose(1, 0, 5, &sqn), 0);
	assert_int_equal(sqn, 32);
	assert_int_equal(aka_auc_sqn_compose(145, 20, 5, &sqn), 0);
	assert_int_equal(sqn, 0x1234);
	assert_int_equal(aka_auc_sqn_next(0, 0, 5, &sqn), 0);
	assert_int_equal(sqn, 32);
	assert_int_equal(aka_auc_sqn_next(32, 1, 5, &sqn), 0);
	assert_int_equal(sqn, 65);
	assert_int_equal(aka_auc_sqn_next(65, 0, 5, &sqn), 0);
	assert_int_equal(sqn, 96);
	assert_int_equal(aka_auc_sqn_next(0x1234, 3, 0, &sqn), -EINVAL);	/* IND 3 of 0 bits */
	assert_int_equal(aka_auc_sqn_next(0x1234, 0, 0, &sqn), 0);
	assert_int_equal(sqn, 0x1235);

	/* round trips over every IND length */
	tvec_rng_seed(0x5345515f494e44ULL);
	for (unsigned int bits = 0; bits <= AKA_AUC_IND_BITS_MAX; bits++) {
		for (int r = 0; r < 50; r++) {
			uint64_t s = tvec_rng_next() & (AKA_AUC_SQN_MAX >> bits);
			unsigned int i = (unsigned int)(tvec_rng_next() & ((1u << bits) - 1));

			assert_int_equal(aka_auc_sqn_compose(s, i, bits, &sqn), 0);
			assert_true(sqn <= AKA_AUC_SQN_MAX);
			assert_int_equal(aka_auc_sqn_split(sqn, bits, &seq, &ind), 0);
			assert_true(seq == s);
			assert_int_equal(ind, i);
			aka_sqn_to_bytes(sqn, b);
			assert_true(aka_sqn_from_bytes(b) == sqn);
			tvec_store48(sqn, b + 0);
			assert_true(aka_sqn_from_bytes(b) == sqn);
			if (s < AKA_AUC_SQN_MAX >> bits) {
				assert_int_equal(aka_auc_sqn_next(sqn, i, bits, &sqn), 0);
				assert_int_equal(aka_auc_sqn_split(sqn, bits, &seq, &ind), 0);
				assert_true(seq == s + 1);
				assert_int_equal(ind, i);
			}
			rounds++;
		}
		/* the edges: the largest SEQ and IND, then one more */
		assert_int_equal(aka_auc_sqn_compose(AKA_AUC_SQN_MAX >> bits, (1u << bits) - 1,
						      bits, &sqn), 0);
		assert_true(sqn == AKA_AUC_SQN_MAX);
		assert_int_equal(aka_auc_sqn_next(sqn, 0, bits, &seq), -ERANGE);
		assert_int_equal(aka_auc_sqn_compose((AKA_AUC_SQN_MAX >> bits) + 1, 0, bits,
						      &sqn), -ERANGE);
		assert_int_equal(aka_auc_sqn_compose(1, 1u << bits, bits, &sqn), -EINVAL);
	}
	assert_int_equal(aka_auc_sqn_compose(1, 0, AKA_AUC_IND_BITS_MAX + 1, &sqn), -EINVAL);
	assert_int_equal(aka_auc_sqn_split(1, AKA_AUC_IND_BITS_MAX + 1, &seq, &ind), -EINVAL);
	assert_int_equal(aka_auc_sqn_split(AKA_AUC_SQN_MAX + 1, 5, &seq, &ind), -ERANGE);
	assert_int_equal(aka_auc_sqn_split(AKA_AUC_SQN_MAX, 5, NULL, NULL), 0);
	print_message("# %zu SEQ/IND round trips over IND lengths 0..%d\n", rounds,
		      AKA_AUC_IND_BITS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_milenage_vectors),
		cmocka_unit_test(test_tuak_vectors),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_xcheck_milenage),
		cmocka_unit_test(test_xcheck_xor),
		cmocka_unit_test(test_xcheck_comp128),
		cmocka_unit_test(test_auts_milenage),
		cmocka_unit_test(test_auts_xor),
		cmocka_unit_test(test_auts_fixed),
		cmocka_unit_test(test_auts_errors),
		cmocka_unit_test(test_keys_from_profile),
		cmocka_unit_test(test_gen_vec_errors),
		cmocka_unit_test(test_sqn_seq_ind),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("auc", tests, NULL, NULL);
}
