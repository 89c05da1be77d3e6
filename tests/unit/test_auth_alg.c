/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the authentication algorithms (aka/auth_alg.h): every
 * vector of tests/vectors/{milenage,xor,comp128}.json, read at run time
 * and checked field by field; a cross-check against libosmocore's own
 * implementations on random inputs; the registry, the error paths, and the
 * constant-time compare. The vectors are found in $E2M_VECTORS, else in
 * $top_srcdir/tests/vectors. */

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
#include <openssl/evp.h>
#include <osmocom/crypt/auth.h>

#include "aka/auth_alg.h"
#include "common/ct.h"
#include "tests/helpers/vectors.h"

#define XCHECK_ROUNDS	200
#define FIELD_MAX	32

/* ---- JSON helpers ---- */

/* A hex field of exactly len octets (any length if len is 0); the length
 * read, or -1 if the field is missing or malformed. */
static int get_hex(json_t *v, const char *field, uint8_t *out, size_t len)
{
	const char *s = json_string_value(json_object_get(v, field));
	int n;

	n = tvec_hex2bin(s, out, len ? len : FIELD_MAX);
	if (n < 0 || (len && (size_t)n != len))
		return -1;
	return n;
}

/* ---- one vector: the outputs we computed, matched against the JSON ---- */

struct out_field {
	const char *name;
	uint8_t v[FIELD_MAX];
	size_t len;
};

struct outs {
	struct out_field f[24];
	size_t n;
};

static void out_put(struct outs *o, const char *name, const uint8_t *v, size_t len)
{
	assert_true(o->n < sizeof(o->f) / sizeof(o->f[0]));
	assert_true(len <= FIELD_MAX);
	o->f[o->n].name = name;
	memcpy(o->f[o->n].v, v, len);
	o->f[o->n].len = len;
	o->n++;
}

/* Fields that are not outputs: labels, provenance, inputs. Every other
 * field of a vector must be one we computed, so none goes unchecked. */
static const char *const not_outputs[] = {
	"name", "algorithm", "origin", "found_in", "verified", "verified_with",
	"note", "derived_fields", "gsm_ts55205_test_set",
	"k", "ki", "rand", "sqn", "amf", "op", "sqn_ms", "amf_resync", "res_bits",
};

static bool is_output(const char *key)
{
	for (size_t i = 0; i < sizeof(not_outputs) / sizeof(not_outputs[0]); i++) {
		if (strcmp(key, not_outputs[i]) == 0)
			return false;
	}
	return true;
}

/* Compare every output field of vector v with o; print each mismatch with
 * the vector's name. *fields counts the fields checked. */
static bool check_outputs(const char *name, json_t *v, const struct outs *o, size_t *fields)
{
	const char *key;
	json_t *val;
	bool ok = true;

	json_object_foreach(v, key, val) {
		const struct out_field *f = NULL;
		uint8_t want[FIELD_MAX];
		char h1[2 * FIELD_MAX + 1], h2[2 * FIELD_MAX + 1];
		int n;

		if (!is_output(key))
			continue;
		for (size_t i = 0; i < o->n; i++) {
			if (strcmp(o->f[i].name, key) == 0)
				f = &o->f[i];
		}
		if (!f) {
			print_error("# vector '%s': output field '%s' not computed by this test\n",
				    name, key);
			ok = false;
			continue;
		}
		n = json_is_string(val) ? tvec_hex2bin(json_string_value(val), want, sizeof(want)) : -1;
		if (n < 0) {
			print_error("# vector '%s': field '%s' is not hex\n", name, key);
			ok = false;
		} else if ((size_t)n != f->len || memcmp(want, f->v, f->len) != 0) {
			print_error("# vector '%s': %s = %s, expected %s\n", name, key,
				    tvec_bin2hex(f->v, f->len, h1), tvec_bin2hex(want, (size_t)n, h2));
			ok = false;
		}
		(*fields)++;
	}
	return ok;
}

static bool fail_rc(const char *name, const char *what, int rc)
{
	print_error("# vector '%s': %s returned %d\n", name, what, rc);
	return false;
}

/* A 3G algorithm: OPc from OP, f1/f1*, f2..f5, f5*, AUTN, the GSM context
 * (c2/c3) and, for a resynchronisation vector, AUTS. */
static bool run_umts(const struct aka_alg *alg, const char *name, json_t *v,
		     struct aka_alg_keys *keys, const uint8_t *rand, struct outs *o)
{
	uint8_t op[16], sqn[6], amf[2] = { 0 }, mac[AKA_ALG_MAC_MAX], buf[FIELD_MAX];
	uint8_t sres[4], kc[8], ak_s[6];
	struct aka_alg_vec vec;
	json_t *bits = json_object_get(v, "res_bits");
	size_t mac_len;
	int rc;

	if (get_hex(v, "op", op, 16) == 16) {
		rc = aka_alg_opc(alg, keys, op, 16);
		if (rc)
			return fail_rc(name, "aka_alg_opc", rc);
		out_put(o, "opc", keys->opc, 16);
	} else if (get_hex(v, "opc", keys->opc, 16) == 16) {
		out_put(o, "opc", keys->opc, 16);	/* an input here */
	}
	if (json_is_integer(bits))
		keys->res_len = (size_t)json_integer_value(bits) / 8;

	rc = aka_alg_f2345(alg, keys, rand, &vec);
	if (rc)
		return fail_rc(name, "aka_alg_f2345", rc);
	out_put(o, "f2", vec.res, vec.res_len);
	out_put(o, "f3", vec.ck, vec.ck_len);
	out_put(o, "f4", vec.ik, vec.ik_len);
	out_put(o, "f5", vec.ak, 6);
	/* XOR: XDOUT itself is the 128-bit RES (TS 34.108 8.1.2.1 step 2) */
	out_put(o, "xdout", vec.res, vec.res_len);
	/* TS 55.205 SRES#2 is the first 32 bits of RES; a USIM answers c2 */
	out_put(o, "gsm_sres2", vec.res, 4);

	rc = aka_alg_gsm(alg, keys, rand, sres, kc);
	if (rc)
		return fail_rc(name, "aka_alg_gsm", rc);
	out_put(o, "gsm_sres1", sres, 4);
	out_put(o, "gsm_sres", sres, 4);
	out_put(o, "gsm_kc", kc, 8);

	rc = aka_alg_f5star(alg, keys, rand, ak_s);
	if (rc)
		return fail_rc(name, "aka_alg_f5star", rc);
	out_put(o, "f5star", ak_s, 6);

	if (get_hex(v, "sqn", sqn, 6) == 6 && get_hex(v, "amf", amf, 2) == 2) {
		rc = aka_alg_f1(alg, keys, rand, sqn, amf, mac, &mac_len);
		if (rc)
			return fail_rc(name, "aka_alg_f1", rc);
		out_put(o, "f1", mac, mac_len);
		/* AUTN = (SQN xor AK) || AMF || MAC-A (TS 33.102 6.3.2) */
		for (size_t i = 0; i < 6; i++)
			buf[i] = sqn[i] ^ vec.ak[i];
		memcpy(buf + 6, amf, 2);
		memcpy(buf + 8, mac, mac_len);
		out_put(o, "autn", buf, 8 + mac_len);
		/* the vectors give f1* over the same SQN and AMF */
		rc = aka_alg_f1star(alg, keys, rand, sqn, amf, mac, &mac_len);
		if (rc)
			return fail_rc(name, "aka_alg_f1star", rc);
		out_put(o, "f1star", mac, mac_len);
	} else if (get_hex(v, "sqn_ms", sqn, 6) == 6) {
		/* TS 33.102 6.3.3: AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S over
		 * the dummy AMF */
		if (json_object_get(v, "amf_resync") && get_hex(v, "amf_resync", amf, 2) != 2)
			return fail_rc(name, "amf_resync", -EINVAL);
		rc = aka_alg_f1star(alg, keys, rand, sqn, amf, mac, &mac_len);
		if (rc)
			return fail_rc(name, "aka_alg_f1star", rc);
		out_put(o, "f1star", mac, mac_len);
		for (size_t i = 0; i < 6; i++)
			buf[i] = sqn[i] ^ ak_s[i];
		memcpy(buf + 6, mac, mac_len);
		out_put(o, "auts", buf, 6 + mac_len);
	}
	return true;
}

/* A GSM-only algorithm: SRES and Kc. */
static bool run_gsm(const struct aka_alg *alg, const char *name,
		    struct aka_alg_keys *keys, const uint8_t *rand, struct outs *o)
{
	uint8_t sres[4], kc[8];
	int rc = aka_alg_gsm(alg, keys, rand, sres, kc);

	if (rc)
		return fail_rc(name, "aka_alg_gsm", rc);
	out_put(o, "sres", sres, 4);
	out_put(o, "kc", kc, 8);
	return true;
}

/* The algorithm names of the vector files that differ from ours */
static const struct {
	const char *vector;
	const char *ours;
} alg_aliases[] = {
	{ .vector = "xor-3g", .ours = "xor" },
};

static const struct aka_alg *vector_alg(json_t *v, const char *dflt)
{
	const char *s = json_string_value(json_object_get(v, "algorithm"));
	char word[32];
	size_t n;

	if (!s)
		return aka_alg_by_name(dflt);
	n = strcspn(s, " ");		/* "xor-3g (TS 34.108 ...)" */
	if (n >= sizeof(word))
		return NULL;
	memcpy(word, s, n);
	word[n] = '\0';
	for (size_t i = 0; i < sizeof(alg_aliases) / sizeof(alg_aliases[0]); i++) {
		if (strcmp(word, alg_aliases[i].vector) == 0)
			return aka_alg_by_name(alg_aliases[i].ours);
	}
	return aka_alg_by_name(word);
}

static bool run_vector(json_t *v, const char *dflt_alg, size_t *fields)
{
	const char *name = json_string_value(json_object_get(v, "name"));
	const struct aka_alg *alg = vector_alg(v, dflt_alg);
	struct aka_alg_keys keys = { 0 };
	struct outs o = { .n = 0 };
	uint8_t rand[16];
	int n;
	bool ok;

	if (!name)
		name = "(unnamed)";
	if (!alg) {
		print_error("# vector '%s': no algorithm for it\n", name);
		return false;
	}
	n = get_hex(v, json_object_get(v, "k") ? "k" : "ki", keys.k, 0);
	if (n < 0 || get_hex(v, "rand", rand, 16) != 16) {
		print_error("# vector '%s': K/Ki or RAND missing or malformed\n", name);
		return false;
	}
	keys.k_len = (size_t)n;
	if (aka_alg_has_umts(alg))
		ok = run_umts(alg, name, v, &keys, rand, &o);
	else
		ok = run_gsm(alg, name, &keys, rand, &o);
	if (ok)
		ok = check_outputs(name, v, &o, fields);
	/* again with the keys prepared, as a card holds them (run_umts has
	 * set OPc): the same outputs */
	if (ok) {
		size_t again = 0;

		o = (struct outs){ .n = 0 };
		assert_int_equal(aka_alg_prepare(alg, &keys), 0);
		ok = aka_alg_has_umts(alg) ? run_umts(alg, name, v, &keys, rand, &o) :
					      run_gsm(alg, name, &keys, rand, &o);
		if (ok)
			ok = check_outputs(name, v, &o, &again);
		aka_alg_unprepare(alg, &keys);
		assert_null(keys.prepared);
	}
	return ok;
}

/* Run every vector of a file; all must pass. */
static void run_file(const char *file, const char *dflt_alg)
{
	json_t *root = tvec_load_or_fail(file);
	json_t *vectors = json_object_get(root, "vectors");
	size_t i, passed = 0, fields = 0, total = json_array_size(vectors);
	json_t *v;

	json_array_foreach(vectors, i, v) {
		if (run_vector(v, dflt_alg, &fields))
			passed++;
	}
	json_decref(root);
	print_message("# %s: %zu/%zu vectors passed, %zu output fields checked\n",
		      file, passed, total, fields);
	assert_true(total > 0);
	if (passed != total)
		fail_msg("%s: %zu of %zu vectors failed", file, total - passed, total);
}

static void test_milenage_vectors(void **state)
{
	run_file("milenage.json", "milenage");
}

static void test_xor_vectors(void **state)
{
	run_file("xor.json", NULL);
}

static void test_comp128_vectors(void **state)
{
	run_file("comp128.json", NULL);
}

/* ---- cross-check against libosmocore ---- */

#define XCHECK(round, cond, what) do { \
	if (!(cond)) \
		fail_msg("%s round %d (seed 0x%llx): %s differs from libosmocore", \
			 alg->name, round, (unsigned long long)seed, what); \
} while (0)

/* For random K, OPc (or OP), RAND, SQN and AMF, osmo_auth_gen_vec() and our
 * functions agree on RES, CK, IK, AK, MAC-A (through AUTN), SRES and Kc; and
 * osmo_auth_gen_vec_auts() accepts our AUTS (f1*, f5*) and recovers SQN_MS.
 * same_rand: the AUTS is made for the RAND of the new vector too, because
 * libosmocore 1.7's XOR checks AUTS against that RAND, not RAND_AUTS. */
static void xcheck_umts(const struct aka_alg *alg, enum osmo_auth_algo algo,
			uint64_t seed, bool same_rand)
{
	tvec_rng_seed(seed);
	for (int r = 0; r < XCHECK_ROUNDS; r++) {
		struct osmo_sub_auth_data aud = {
			.type = OSMO_AUTH_TYPE_UMTS,
			.algo = algo,
		};
		struct osmo_auth_vector ov = { 0 };
		struct aka_alg_keys keys = { .k_len = 16 };
		struct aka_alg_vec vec;
		uint8_t rand[16], rand2[16], sqn[6], mac[AKA_ALG_MAC_MAX], op[16];
		uint8_t sres[4], kc[8], ak_s[6], auts[14], zero_amf[2] = { 0 };
		uint64_t sqn_prev, sqn_ms;
		size_t mac_len;
		bool use_op = r % 2;

		tvec_rng_fill(keys.k, 16);
		tvec_rng_fill(op, 16);
		tvec_rng_fill(rand, 16);
		tvec_rng_fill(rand2, 16);
		if (same_rand)
			memcpy(rand2, rand, 16);
		tvec_rng_fill(aud.u.umts.amf, 2);
		sqn_prev = tvec_rng_next() & 0x7fffffffffffULL;
		sqn_ms = tvec_rng_next() & 0x7fffffffffffULL;
		memcpy(aud.u.umts.k, keys.k, 16);
		memcpy(aud.u.umts.opc, op, 16);
		aud.u.umts.opc_is_op = use_op;
		aud.u.umts.sqn = sqn_prev;
		aud.u.umts.ind_bitlen = 0;
		if (alg->opc && use_op)
			assert_int_equal(aka_alg_opc(alg, &keys, op, 16), 0);
		else
			memcpy(keys.opc, op, 16);

		assert_int_equal(osmo_auth_gen_vec(&ov, &aud, rand), 0);
		/* the SQN libosmocore used (it steps the one given) */
		tvec_store48(aud.u.umts.sqn, sqn);

		assert_int_equal(aka_alg_f2345(alg, &keys, rand, &vec), 0);
		XCHECK(r, vec.res_len == ov.res_len &&
		       memcmp(vec.res, ov.res, vec.res_len) == 0, "RES");
		XCHECK(r, vec.ck_len == 16 && memcmp(vec.ck, ov.ck, 16) == 0, "CK");
		XCHECK(r, vec.ik_len == 16 && memcmp(vec.ik, ov.ik, 16) == 0, "IK");
		for (size_t i = 0; i < 6; i++)
			sqn[i] ^= vec.ak[i];
		XCHECK(r, memcmp(ov.autn, sqn, 6) == 0, "AK (AUTN[0..5] = SQN xor AK)");
		XCHECK(r, memcmp(ov.autn + 6, aud.u.umts.amf, 2) == 0, "AMF in AUTN");
		tvec_store48(aud.u.umts.sqn, sqn);
		assert_int_equal(aka_alg_f1(alg, &keys, rand, sqn, aud.u.umts.amf,
					     mac, &mac_len), 0);
		XCHECK(r, mac_len == 8 && memcmp(ov.autn + 8, mac, 8) == 0, "MAC-A");
		assert_int_equal(aka_alg_gsm(alg, &keys, rand, sres, kc), 0);
		XCHECK(r, memcmp(ov.sres, sres, 4) == 0, "SRES");
		XCHECK(r, memcmp(ov.kc, kc, 8) == 0, "Kc");

		/* resynchronisation: AUTS = (SQN_MS xor AK*) || MAC-S */
		tvec_store48(sqn_ms, sqn);
		assert_int_equal(aka_alg_f5star(alg, &keys, rand2, ak_s), 0);
		assert_int_equal(aka_alg_f1star(alg, &keys, rand2, sqn, zero_amf,
						 mac, &mac_len), 0);
		for (size_t i = 0; i < 6; i++)
			auts[i] = sqn[i] ^ ak_s[i];
		memcpy(auts + 6, mac, 8);
		memset(&ov, 0, sizeof(ov));
		XCHECK(r, osmo_auth_gen_vec_auts(&ov, &aud, auts, rand2, rand) == 0,
		       "AUTS (MAC-S) acceptance");
		XCHECK(r, aud.u.umts.sqn_ms == sqn_ms, "SQN_MS recovered from AUTS (AK*)");
	}
}

static void test_xcheck_milenage(void **state)
{
	xcheck_umts(&aka_alg_milenage, OSMO_AUTH_ALG_MILENAGE, 0x4d494c454e414745ULL, false);
}

static void test_xcheck_xor(void **state)
{
	xcheck_umts(&aka_alg_xor, OSMO_AUTH_ALG_XOR, 0x584f52ULL, true);
}

/* COMP128: our wrapper against osmo_auth_gen_vec() called directly */
static void xcheck_gsm(const struct aka_alg *alg, enum osmo_auth_algo algo, uint64_t seed)
{
	tvec_rng_seed(seed);
	for (int r = 0; r < XCHECK_ROUNDS; r++) {
		struct osmo_sub_auth_data aud = {
			.type = OSMO_AUTH_TYPE_GSM,
			.algo = algo,
		};
		struct osmo_auth_vector ov = { 0 };
		struct aka_alg_keys keys = { .k_len = 16 };
		uint8_t rand[16], sres[4], kc[8];

		tvec_rng_fill(keys.k, 16);
		tvec_rng_fill(rand, 16);
		memcpy(aud.u.gsm.ki, keys.k, 16);
		assert_int_equal(osmo_auth_gen_vec(&ov, &aud, rand), 0);
		assert_int_equal(aka_alg_gsm(alg, &keys, rand, sres, kc), 0);
		XCHECK(r, memcmp(ov.sres, sres, 4) == 0, "SRES");
		XCHECK(r, memcmp(ov.kc, kc, 8) == 0, "Kc");
	}
}

static void test_xcheck_comp128(void **state)
{
	xcheck_gsm(&aka_alg_comp128v1, OSMO_AUTH_ALG_COMP128v1, 1);
	xcheck_gsm(&aka_alg_comp128v2, OSMO_AUTH_ALG_COMP128v2, 2);
	xcheck_gsm(&aka_alg_comp128v3, OSMO_AUTH_ALG_COMP128v3, 3);
}

/* ---- Milenage with other constants (TS 35.206 4.1 allows any) ---- */

/* Naive reference of TS 35.206 4.1 one bit at a time:
 * OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc,
 * OUTn = E_K(rot(TEMP xor OPc, rn) xor cn) xor OPc. */
static int bit_get(const uint8_t *x, unsigned int i)
{
	return x[i / 8] >> (7 - i % 8) & 1;
}

static void aes(const uint8_t *k, const uint8_t *in, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0;

	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k, NULL), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, out, &len, in, 16), 1);
	assert_int_equal(len, 16);
	EVP_CIPHER_CTX_free(c);
}

static void ref_out(const struct aka_alg_keys *keys, const uint8_t *rand,
		    const uint8_t *in1, int n, uint8_t *out)
{
	const struct aka_milenage_consts *mc = &keys->mil_consts;
	uint8_t temp[16], x[16], y[16] = { 0 };

	for (int i = 0; i < 16; i++)
		x[i] = rand[i] ^ keys->opc[i];
	aes(keys->k, x, temp);
	for (int i = 0; i < 16; i++)
		x[i] = (in1 ? in1[i] : temp[i]) ^ keys->opc[i];
	for (unsigned int i = 0; i < 128; i++)
		y[i / 8] |= bit_get(x, (i + mc->r[n]) % 128) << (7 - i % 8);
	for (int i = 0; i < 16; i++)
		y[i] ^= mc->c[n][i] ^ (in1 ? temp[i] : 0);
	aes(keys->k, y, out);
	for (int i = 0; i < 16; i++)
		out[i] ^= keys->opc[i];
}

static void test_milenage_consts(void **state)
{
	const struct aka_alg *alg = &aka_alg_milenage;
	struct aka_alg_keys keys = { .k_len = 16 };
	struct aka_alg_vec v1 = { 0 }, v2 = { 0 };
	uint8_t rand[16], sqn[6], amf[2], in1[16], out[16], mac[32], ak[6];
	size_t mac_len;

	tvec_rng_seed(0x3532303620ULL);
	tvec_rng_fill(keys.k, 16);
	tvec_rng_fill(keys.opc, 16);
	tvec_rng_fill(rand, 16);
	tvec_rng_fill(sqn, 6);
	tvec_rng_fill(amf, 2);

	/* the defaults given explicitly are the defaults */
	assert_int_equal(aka_alg_f2345(alg, &keys, rand, &v1), 0);
	keys.mil_consts = aka_milenage_default_consts;
	keys.mil_consts_set = true;
	assert_int_equal(aka_alg_f2345(alg, &keys, rand, &v2), 0);
	assert_memory_equal(&v1, &v2, sizeof(v1));

	/* any constants and rotations not multiple of 8, against the
	 * bit-by-bit reference */
	for (int round = 0; round < 20; round++) {
		tvec_rng_fill(&keys.mil_consts.c[0][0], sizeof(keys.mil_consts.c));
		for (int i = 0; i < 5; i++)
			keys.mil_consts.r[i] = (uint8_t)(tvec_rng_next() % 128);
		memcpy(in1, sqn, 6);
		memcpy(in1 + 6, amf, 2);
		memcpy(in1 + 8, in1, 8);

		ref_out(&keys, rand, in1, 0, out);
		assert_int_equal(aka_alg_f1(alg, &keys, rand, sqn, amf, mac, &mac_len), 0);
		assert_memory_equal(mac, out, 8);
		assert_int_equal(aka_alg_f1star(alg, &keys, rand, sqn, amf, mac, &mac_len), 0);
		assert_memory_equal(mac, out + 8, 8);

		assert_int_equal(aka_alg_f2345(alg, &keys, rand, &v1), 0);
		ref_out(&keys, rand, NULL, 1, out);
		assert_memory_equal(v1.ak, out, 6);
		assert_memory_equal(v1.res, out + 8, 8);
		ref_out(&keys, rand, NULL, 2, out);
		assert_memory_equal(v1.ck, out, 16);
		ref_out(&keys, rand, NULL, 3, out);
		assert_memory_equal(v1.ik, out, 16);
		ref_out(&keys, rand, NULL, 4, out);
		assert_int_equal(aka_alg_f5star(alg, &keys, rand, ak), 0);
		assert_memory_equal(ak, out, 6);
	}
}

/* ---- registry, errors, c2/c3, constant-time compare ---- */

static void test_registry(void **state)
{
	static const char *const names[] = {
		"milenage", "xor", "xor-2g", "comp128v1", "comp128v2", "comp128v3",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct aka_alg *a = aka_alg_by_name(names[i]);

		assert_non_null(a);
		assert_string_equal(a->name, names[i]);
		assert_ptr_equal(aka_alg_by_id(a->id), a);
	}
	/* TUAK: NULL until aka/tuak.c is registered, then that */
	assert_ptr_equal(aka_alg_by_name("tuak"), aka_alg_by_id(AKA_ALG_TUAK));
	assert_null(aka_alg_by_name("MILENAGE"));
	assert_null(aka_alg_by_name("nope"));
	assert_null(aka_alg_by_name(NULL));
	assert_null(aka_alg_by_id(AKA_ALG_NUM));
	assert_true(aka_alg_has_umts(&aka_alg_milenage));
	assert_true(aka_alg_has_umts(&aka_alg_xor));
	assert_false(aka_alg_has_umts(&aka_alg_xor_2g));
	assert_false(aka_alg_has_umts(&aka_alg_comp128v1));
	assert_false(aka_alg_has_umts(NULL));
}

static void test_errors(void **state)
{
	struct aka_alg_keys keys = { .k_len = 16 };
	struct aka_alg_vec vec;
	uint8_t rand[16] = { 0 }, sqn[6] = { 0 }, amf[2] = { 0 };
	uint8_t mac[32], ak[6], sres[4], kc[8], res[17] = { 0 };
	size_t mac_len;

	/* GSM-only algorithms have no 3G functions */
	assert_int_equal(aka_alg_f1(&aka_alg_comp128v1, &keys, rand, sqn, amf, mac, &mac_len),
			 -ENOTSUP);
	assert_int_equal(aka_alg_f2345(&aka_alg_xor_2g, &keys, rand, &vec), -ENOTSUP);
	assert_int_equal(aka_alg_f5star(&aka_alg_comp128v3, &keys, rand, ak), -ENOTSUP);
	assert_int_equal(aka_alg_opc(&aka_alg_xor, &keys, rand, 16), -ENOTSUP);
	assert_int_equal(aka_alg_f1(NULL, &keys, rand, sqn, amf, mac, &mac_len), -EINVAL);
	assert_int_equal(aka_alg_gsm(NULL, &keys, rand, sres, kc), -EINVAL);

	/* K lengths */
	keys.k_len = 32;
	assert_int_equal(aka_alg_f2345(&aka_alg_milenage, &keys, rand, &vec), -EINVAL);
	assert_int_equal(aka_alg_gsm(&aka_alg_comp128v1, &keys, rand, sres, kc), -EINVAL);
	keys.k_len = 0;
	assert_int_equal(aka_alg_gsm(&aka_alg_xor, &keys, rand, sres, kc), -EINVAL);
	keys.k_len = 16;

	/* OP of the wrong length; Milenage RES is 64 bits only */
	assert_int_equal(aka_alg_opc(&aka_alg_milenage, &keys, rand, 15), -EINVAL);
	keys.res_len = 16;
	assert_int_equal(aka_alg_f2345(&aka_alg_milenage, &keys, rand, &vec), -EINVAL);
	assert_int_equal(aka_alg_gsm(&aka_alg_milenage, &keys, rand, sres, kc), -EINVAL);

	/* XOR RES of 32..128 bits (TS 34.108 8.1.2.1) */
	keys.res_len = 3;
	assert_int_equal(aka_alg_f2345(&aka_alg_xor, &keys, rand, &vec), -EINVAL);
	keys.res_len = 17;
	assert_int_equal(aka_alg_f2345(&aka_alg_xor, &keys, rand, &vec), -EINVAL);
	keys.res_len = 4;
	memset(keys.k, 0x5a, 16);
	assert_int_equal(aka_alg_f2345(&aka_alg_xor, &keys, rand, &vec), 0);
	assert_int_equal(vec.res_len, 4);
	assert_memory_equal(vec.res, keys.k, 4);
	/* c2 of a 32-bit RES is RES itself */
	assert_int_equal(aka_alg_gsm(&aka_alg_xor, &keys, rand, sres, kc), 0);
	assert_memory_equal(sres, keys.k, 4);

	assert_int_equal(aka_alg_c2(res, 17, sres), -EINVAL);
}

/* TS 33.102 6.8.1.2 by hand */
static void test_c2_c3(void **state)
{
	static const uint8_t res[12] = {
		0x01, 0x02, 0x03, 0x04, 0x10, 0x20, 0x30, 0x40, 0xff, 0x00, 0xff, 0x00,
	};
	static const uint8_t ck[16] = { [0] = 0x01, [8] = 0x02, [7] = 0x80 };
	static const uint8_t ik[16] = { [0] = 0x04, [8] = 0x08, [15] = 0x01 };
	static const uint8_t kc_want[8] = { 0x0f, 0, 0, 0, 0, 0, 0, 0x81 };
	uint8_t sres[4], kc[8];

	assert_int_equal(aka_alg_c2(res, 12, sres), 0);
	assert_memory_equal(sres, ((const uint8_t[]){ 0xee, 0x22, 0xcc, 0x44 }), 4);
	assert_int_equal(aka_alg_c2(res, 6, sres), 0);		/* zero padded */
	assert_memory_equal(sres, ((const uint8_t[]){ 0x11, 0x22, 0x03, 0x04 }), 4);
	aka_alg_c3(ck, ik, kc);
	assert_memory_equal(kc, kc_want, 8);
}

static void test_ct_equal(void **state)
{
	uint8_t a[32], b[32];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 7);
	assert_true(common_ct_equal(a, b, sizeof(a)));
	assert_true(common_ct_equal(a, b, 0));
	b[0] ^= 0x80;
	assert_false(common_ct_equal(a, b, sizeof(a)));
	assert_true(common_ct_equal(a + 1, b + 1, sizeof(a) - 1));
	b[0] ^= 0x80;
	b[31] ^= 0x01;
	assert_false(common_ct_equal(a, b, sizeof(a)));
	assert_true(common_ct_equal(a, b, sizeof(a) - 1));
	b[31] ^= 0x01;
	for (int bit = 0; bit < 8; bit++) {
		b[13] ^= (uint8_t)(1 << bit);
		assert_false(common_ct_equal(a, b, sizeof(a)));
		b[13] ^= (uint8_t)(1 << bit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_c2_c3),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_milenage_vectors),
		cmocka_unit_test(test_xor_vectors),
		cmocka_unit_test(test_comp128_vectors),
		cmocka_unit_test(test_milenage_consts),
		cmocka_unit_test(test_xcheck_milenage),
		cmocka_unit_test(test_xcheck_xor),
		cmocka_unit_test(test_xcheck_comp128),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("auth_alg", tests, NULL, NULL);
}
