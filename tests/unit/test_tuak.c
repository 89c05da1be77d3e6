/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of aka/keccak.c and aka/tuak.c: Keccak-f[1600] known answers,
 * and every TS 35.233 test set of tests/vectors/tuak.json (read at run
 * time; one TAP line per vector), every output field checked. */

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

#include "aka/auth_alg.h"
#include "aka/keccak.h"
#include "aka/tuak.h"
#include "tests/helpers/vectors.h"

/* ---- Keccak-f[1600] ---- */

/* Keccak team, KeccakF-1600-IntermediateValues.txt: Keccak-f[1600] of the
 * all-zero state, lanes in the order x + 5y. */
static const uint64_t keccak_zero_once[AKA_KECCAK_LANES] = {
	0xF1258F7940E1DDE7ULL, 0x84D5CCF933C0478AULL, 0xD598261EA65AA9EEULL,
	0xBD1547306F80494DULL, 0x8B284E056253D057ULL, 0xFF97A42D7F8E6FD4ULL,
	0x90FEE5A0A44647C4ULL, 0x8C5BDA0CD6192E76ULL, 0xAD30A6F71B19059CULL,
	0x30935AB7D08FFC64ULL, 0xEB5AA93F2317D635ULL, 0xA9A6E6260D712103ULL,
	0x81A57C16DBCF555FULL, 0x43B831CD0347C826ULL, 0x01F22F1A11A5569FULL,
	0x05E5635A21D9AE61ULL, 0x64BEFEF28CC970F2ULL, 0x613670957BC46611ULL,
	0xB87C5A554FD00ECBULL, 0x8C3EE88A1CCF32C8ULL, 0x940C7922AE3A2614ULL,
	0x1841F924A2C509E4ULL, 0x16F53526E70465C2ULL, 0x75F644E97F30A13BULL,
	0xEAF1FF7B5CECA249ULL,
};

static void test_keccak_zero(void **state)
{
	uint64_t a[AKA_KECCAK_LANES] = { 0 };

	aka_keccak_f1600(a);
	assert_true(a[0] == 0xF1258F7940E1DDE7ULL);
	for (unsigned int i = 0; i < AKA_KECCAK_LANES; i++)
		assert_true(a[i] == keccak_zero_once[i]);
	/* same file, second permutation */
	aka_keccak_f1600(a);
	assert_true(a[0] == 0x2D5C954DF96ECB3CULL);
}

/* The octet interface: lanes little-endian, so the first octets of
 * Keccak-f[1600](0) are E7 DD E1 40. */
static void test_keccak_octets(void **state)
{
	uint8_t s[AKA_KECCAK_OCTETS] = { 0 };

	aka_keccak_f1600_octets(s);
	for (unsigned int i = 0; i < AKA_KECCAK_LANES; i++)
		for (unsigned int j = 0; j < 8; j++)
			assert_int_equal(s[8 * i + j], (uint8_t)(keccak_zero_once[i] >> (8 * j)));
}

/* SHA3-256 of a short message (one block, rate 136 octets, FIPS 202 6.1
 * with the domain bits 01 and pad10*1), built on the octet interface. */
static void sha3_256_short(const uint8_t *msg, size_t len, uint8_t md[32])
{
	uint8_t s[AKA_KECCAK_OCTETS] = { 0 };

	assert_true(len < 136);
	if (len)
		memcpy(s, msg, len);
	s[len] ^= 0x06;
	s[135] ^= 0x80;
	aka_keccak_f1600_octets(s);
	memcpy(md, s, 32);
}

/* FIPS 202 examples (NIST CSRC "SHA3-256" example values). */
static void test_keccak_sha3(void **state)
{
	static const uint8_t empty[32] = {
		0xa7, 0xff, 0xc6, 0xf8, 0xbf, 0x1e, 0xd7, 0x66, 0x51, 0xc1, 0x47, 0x56,
		0xa0, 0x61, 0xd6, 0x62, 0xf5, 0x80, 0xff, 0x4d, 0xe4, 0x3b, 0x49, 0xfa,
		0x82, 0xd8, 0x0a, 0x4b, 0x80, 0xf8, 0x43, 0x4a,
	};
	static const uint8_t abc[32] = {
		0x3a, 0x98, 0x5d, 0xa7, 0x4f, 0xe2, 0x25, 0xb2, 0x04, 0x5c, 0x17, 0x2d,
		0x6b, 0xd3, 0x90, 0xbd, 0x85, 0x5f, 0x08, 0x6e, 0x3e, 0x9d, 0x52, 0x5b,
		0x46, 0xbf, 0xe2, 0x45, 0x11, 0x43, 0x15, 0x32,
	};
	uint8_t md[32];

	sha3_256_short(NULL, 0, md);
	assert_memory_equal(md, empty, sizeof(md));
	sha3_256_short((const uint8_t *)"abc", 3, md);
	assert_memory_equal(md, abc, sizeof(md));
}

/* ---- TUAK ---- */

/* Every field a vector of tuak.json may have; an unknown one fails the test
 * so that no output goes unchecked. */
static const char *const tuak_known_fields[] = {
	"name", "verified", "verified_with",
	"k", "k_bits", "rand", "sqn", "amf", "top", "keccak_iterations",
	"mac_bits", "res_bits", "ck_bits", "ik_bits",
	"topc", "f1", "f1star", "f2", "f3", "f4", "f5", "f5star", "autn_64bit_mac",
};

/* The same vector through the descriptor aka_alg_tuak of aka/auth_alg.h. */
static void check_descriptor(const json_t *v, const struct aka_tuak_params *p,
			     const uint8_t *top, const uint8_t *rnd, const uint8_t *sqn,
			     const uint8_t *amf)
{
	const struct aka_alg *alg = &aka_alg_tuak;
	struct aka_alg_keys keys = {
		.k_len = p->k_len,
		.res_len = p->res_len,
		.tuak_iterations = p->iterations,
		.mac_len = p->mac_len,
		.ck_len = p->ck_len,
		.ik_len = p->ik_len,
	};
	struct aka_alg_vec vec;
	uint8_t exp[AKA_TUAK_OUT_MAX], mac[AKA_ALG_MAC_MAX], ak[AKA_ALG_AK_LEN];
	size_t mac_len = 0;

	memcpy(keys.k, p->k, p->k_len);
	assert_int_equal(alg->opc(&keys, top, AKA_TUAK_TOP_LEN), 0);
	assert_memory_equal(keys.topc, p->topc, AKA_TUAK_TOP_LEN);

	tvec_get_hex(v, "f1", exp, sizeof(exp));
	assert_int_equal(alg->f1(&keys, rnd, sqn, amf, mac, &mac_len), 0);
	assert_int_equal(mac_len, p->mac_len);
	assert_memory_equal(mac, exp, mac_len);
	tvec_get_hex(v, "f1star", exp, sizeof(exp));
	assert_int_equal(alg->f1star(&keys, rnd, sqn, amf, mac, &mac_len), 0);
	assert_memory_equal(mac, exp, mac_len);

	assert_int_equal(alg->f2345(&keys, rnd, &vec), 0);
	assert_int_equal(vec.res_len, tvec_get_hex(v, "f2", exp, sizeof(exp)));
	assert_memory_equal(vec.res, exp, vec.res_len);
	assert_int_equal(vec.ck_len, tvec_get_hex(v, "f3", exp, sizeof(exp)));
	assert_memory_equal(vec.ck, exp, vec.ck_len);
	assert_int_equal(vec.ik_len, tvec_get_hex(v, "f4", exp, sizeof(exp)));
	assert_memory_equal(vec.ik, exp, vec.ik_len);
	tvec_get_hex(v, "f5", exp, sizeof(exp));
	assert_memory_equal(vec.ak, exp, AKA_ALG_AK_LEN);

	tvec_get_hex(v, "f5star", exp, sizeof(exp));
	assert_int_equal(alg->f5star(&keys, rnd, ak), 0);
	assert_memory_equal(ak, exp, AKA_ALG_AK_LEN);
}

static void test_tuak_vector(void **state)
{
	const json_t *v = *state;
	uint8_t k[32], rnd[16], sqn[6], amf[2], top[32], topc[32];
	uint8_t exp[AKA_TUAK_OUT_MAX], out[AKA_TUAK_OUT_MAX];
	uint8_t res[32], ck[32], ik[32], ak[6], autn[16];
	struct aka_tuak_params p = { 0 };
	const char *key;
	const json_t *val;
	size_t n;

	json_object_foreach((json_t *)v, key, val) {
		size_t i;

		for (i = 0; i < sizeof(tuak_known_fields) / sizeof(tuak_known_fields[0]); i++)
			if (!strcmp(key, tuak_known_fields[i]))
				break;
		if (i == sizeof(tuak_known_fields) / sizeof(tuak_known_fields[0]))
			fail_msg("unknown field \"%s\"", key);
	}

	p.k = k;
	p.k_len = tvec_get_hex(v, "k", k, sizeof(k));
	assert_int_equal(p.k_len * 8, tvec_get_uint(v, "k_bits"));
	assert_int_equal(tvec_get_hex(v, "rand", rnd, sizeof(rnd)), sizeof(rnd));
	assert_int_equal(tvec_get_hex(v, "sqn", sqn, sizeof(sqn)), sizeof(sqn));
	assert_int_equal(tvec_get_hex(v, "amf", amf, sizeof(amf)), sizeof(amf));
	assert_int_equal(tvec_get_hex(v, "top", top, sizeof(top)), sizeof(top));
	p.iterations = tvec_get_uint(v, "keccak_iterations");
	p.mac_len = tvec_get_uint(v, "mac_bits") / 8;
	p.res_len = tvec_get_uint(v, "res_bits") / 8;
	p.ck_len = tvec_get_uint(v, "ck_bits") / 8;
	p.ik_len = tvec_get_uint(v, "ik_bits") / 8;

	/* TOPc */
	assert_int_equal(tvec_get_hex(v, "topc", exp, sizeof(exp)), sizeof(topc));
	assert_int_equal(aka_tuak_topc(top, k, p.k_len, p.iterations, topc), 0);
	assert_memory_equal(topc, exp, sizeof(topc));
	memcpy(p.topc, topc, sizeof(p.topc));
	assert_int_equal(aka_tuak_params_check(&p), 0);

	/* f1: MAC-A */
	assert_int_equal(tvec_get_hex(v, "f1", exp, sizeof(exp)), p.mac_len);
	assert_int_equal(aka_tuak_f1(&p, rnd, sqn, amf, out), 0);
	assert_memory_equal(out, exp, p.mac_len);

	/* f1*: MAC-S */
	assert_int_equal(tvec_get_hex(v, "f1star", exp, sizeof(exp)), p.mac_len);
	assert_int_equal(aka_tuak_f1star(&p, rnd, sqn, amf, out), 0);
	assert_memory_equal(out, exp, p.mac_len);

	/* f2..f5 */
	assert_int_equal(aka_tuak_f2345(&p, rnd, res, ck, ik, ak), 0);
	assert_int_equal(tvec_get_hex(v, "f2", exp, sizeof(exp)), p.res_len);
	assert_memory_equal(res, exp, p.res_len);
	assert_int_equal(tvec_get_hex(v, "f3", exp, sizeof(exp)), p.ck_len);
	assert_memory_equal(ck, exp, p.ck_len);
	assert_int_equal(tvec_get_hex(v, "f4", exp, sizeof(exp)), p.ik_len);
	assert_memory_equal(ik, exp, p.ik_len);
	assert_int_equal(tvec_get_hex(v, "f5", exp, sizeof(exp)), AKA_TUAK_AK_LEN);
	assert_memory_equal(ak, exp, AKA_TUAK_AK_LEN);

	/* f5 alone: the NULL outputs do not change AK */
	memset(out, 0, sizeof(out));
	assert_int_equal(aka_tuak_f2345(&p, rnd, NULL, NULL, NULL, out), 0);
	assert_memory_equal(out, exp, AKA_TUAK_AK_LEN);

	/* f5* */
	assert_int_equal(tvec_get_hex(v, "f5star", exp, sizeof(exp)), AKA_TUAK_AK_LEN);
	assert_int_equal(aka_tuak_f5star(&p, rnd, out), 0);
	assert_memory_equal(out, exp, AKA_TUAK_AK_LEN);

	/* AUTN = (SQN xor AK) || AMF || MAC-A, where MAC-A is 64 bits */
	if (json_object_get(v, "autn_64bit_mac")) {
		assert_int_equal(p.mac_len, 8);
		n = tvec_get_hex(v, "autn_64bit_mac", exp, sizeof(exp));
		assert_int_equal(n, sizeof(autn));
		for (unsigned int i = 0; i < 6; i++)
			autn[i] = sqn[i] ^ ak[i];
		memcpy(autn + 6, amf, 2);
		assert_int_equal(aka_tuak_f1(&p, rnd, sqn, amf, autn + 8), 0);
		assert_memory_equal(autn, exp, sizeof(autn));
	}

	check_descriptor(v, &p, top, rnd, sqn, amf);
}

/* Lengths and counts TS 35.231 does not allow are refused. */
static void test_tuak_bad_params(void **state)
{
	static const uint8_t k[32], top[32], rnd[16], sqn[6], amf[2];
	uint8_t out[32];
	const struct aka_tuak_params good = {
		.k = k, .k_len = 16, .iterations = 1,
		.mac_len = 8, .res_len = 8, .ck_len = 16, .ik_len = 16,
	};
	struct aka_tuak_params p;

	assert_int_equal(aka_tuak_params_check(&good), 0);
	assert_int_equal(aka_tuak_topc(top, k, 24, 1, out), -EINVAL);
	assert_int_equal(aka_tuak_topc(top, k, 16, 0, out), -EINVAL);
	assert_int_equal(aka_tuak_topc(top, NULL, 16, 1, out), -EINVAL);

	p = good;
	p.k_len = 20;
	assert_int_equal(aka_tuak_params_check(&p), -EINVAL);
	assert_int_equal(aka_tuak_f1(&p, rnd, sqn, amf, out), -EINVAL);
	assert_int_equal(aka_tuak_f5star(&p, rnd, out), -EINVAL);
	p = good;
	p.iterations = 0;
	assert_int_equal(aka_tuak_f2345(&p, rnd, out, NULL, NULL, NULL), -EINVAL);
	p = good;
	p.mac_len = 4;
	assert_int_equal(aka_tuak_params_check(&p), -EINVAL);
	assert_int_equal(aka_tuak_f1star(&p, rnd, sqn, amf, out), -EINVAL);
	p = good;
	p.res_len = 2;
	assert_int_equal(aka_tuak_f2345(&p, rnd, out, NULL, NULL, NULL), -EINVAL);
	p = good;
	p.ck_len = 8;
	assert_int_equal(aka_tuak_f2345(&p, rnd, NULL, out, NULL, NULL), -EINVAL);
	p = good;
	p.ik_len = 24;
	assert_int_equal(aka_tuak_f2345(&p, rnd, NULL, NULL, out, NULL), -EINVAL);
}

static void test_tuak_vectors_present(void **state)
{
	assert_true(*(size_t *)*state > 0);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_keccak_zero),
		cmocka_unit_test(test_keccak_octets),
		cmocka_unit_test(test_keccak_sha3),
		cmocka_unit_test(test_tuak_bad_params),
	};
	const size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests;
	json_t *root, *vectors;
	char err[4200];
	size_t n_vec, i;
	int rc;

	root = tvec_load("tuak.json", err, sizeof(err));
	if (!root) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	vectors = json_object_get(root, "vectors");
	n_vec = json_array_size(vectors);
	tests = calloc(n_fixed + 1 + n_vec, sizeof(*tests));
	if (!tests) {
		json_decref(root);
		return 1;
	}
	memcpy(tests, fixed, sizeof(fixed));
	tests[n_fixed] = (struct CMUnitTest){
		.name = "tuak.json has vectors",
		.test_func = test_tuak_vectors_present,
		.initial_state = &n_vec,
	};
	for (i = 0; i < n_vec; i++) {
		json_t *v = json_array_get(vectors, i);
		const char *name = json_string_value(json_object_get(v, "name"));

		tests[n_fixed + 1 + i] = (struct CMUnitTest){
			.name = name ? name : "(unnamed vector)",
			.test_func = test_tuak_vector,
			.initial_state = v,
		};
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	rc = _cmocka_run_group_tests("tuak", tests, n_fixed + 1 + n_vec, NULL, NULL);
	free(tests);
	json_decref(root);
	return rc;
}
