/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of e2m/msg.c, the protected message to the HSE: the MAC of
 * each IA against known answers (RFC 4493 clause 4 for AES-CMAC; the `openssl
 * mac` command for both IAs under the keys of doc/e2m-profile.md 6), the framing
 * octet for octet, round trips, and refusal of every truncation, every
 * extension, every single bit flip, a wrong key, IA or KID. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hex.h"
#include "e2m/msg.h"

/* doc/e2m-profile.md 6: K_E2M_int (A-D) for ALG '11', and for ALG '02' */
#define EX_KINT_11	"29c104685d3d45c89038da5833999a93"
#define EX_KINT_02	"61168284bfa60566d63669498e081575"
#define EX_KID		"I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.org"
#define EX_TEXT		"hello HSE"

static void hex(const char *s, uint8_t *out, size_t len)
{
	assert_int_equal(common_hex_decode(s, strlen(s), out, len), (int)len);
}

/* Known answers, one row each: IA, key, payload (hex), first 64 bits. */
static const struct mac_vector {
	const char *name;
	uint8_t ia;
	const char *key, *payload, *mac;
} mac_vectors[] = {
	/* RFC 4493 clause 4, AES-128, examples 1 and 2 (the first 8 octets) */
	{ .name = "RFC 4493 example 1 (empty)", .ia = 2,
	  .key = "2b7e151628aed2a6abf7158809cf4f3c", .payload = "", .mac = "bb1d6929e9593728" },
	{ .name = "RFC 4493 example 2 (16 octets)", .ia = 2,
	  .key = "2b7e151628aed2a6abf7158809cf4f3c",
	  .payload = "6bc1bee22e409f96e93d7e117393172a", .mac = "070a16b46b4d4144" },
	/* `openssl mac -digest SHA256 -macopt hexkey:K HMAC` / `-cipher AES-128-CBC ... CMAC` */
	{ .name = "IA 1, doc/e2m-profile.md 6 K_E2M_int, \"hello HSE\"", .ia = 1, .key = EX_KINT_11,
	  .payload = "68656c6c6f20485345", .mac = "354d1f626c541f85" },
	{ .name = "IA 1, doc/e2m-profile.md 6 K_E2M_int, empty", .ia = 1, .key = EX_KINT_11,
	  .payload = "", .mac = "2ec84a940d8d3d97" },
	{ .name = "IA 2, doc/e2m-profile.md 6 K_E2M_int (ALG 02), \"hello HSE\"", .ia = 2,
	  .key = EX_KINT_02, .payload = "68656c6c6f20485345", .mac = "7746c55d7550abce" },
	{ .name = "IA 2, doc/e2m-profile.md 6 K_E2M_int (ALG 02), empty", .ia = 2, .key = EX_KINT_02,
	  .payload = "", .mac = "27c81ba4fdcb9d82" },
};

static void test_mac_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(mac_vectors) / sizeof(mac_vectors[0]); i++) {
		const struct mac_vector *v = &mac_vectors[i];
		uint8_t key[16], payload[64], want[8], mac[8];
		size_t n = strlen(v->payload) / 2;

		print_message("# %s\n", v->name);
		hex(v->key, key, sizeof(key));
		if (n)
			hex(v->payload, payload, n);
		hex(v->mac, want, sizeof(want));
		assert_int_equal(e2m_msg_mac(v->ia, key, payload, n, mac), 0);
		assert_memory_equal(mac, want, sizeof(want));
	}
}

/* A message for EX_KID and EX_TEXT under the given IA and key. */
static size_t build_example(uint8_t ia, const char *key_hex, uint8_t *out, size_t cap)
{
	uint8_t key[16];
	size_t len = 0;

	hex(key_hex, key, sizeof(key));
	assert_int_equal(e2m_msg_build(ia, key, EX_KID, (const uint8_t *)EX_TEXT,
					    strlen(EX_TEXT), out, cap, &len), 0);
	assert_int_equal(len, E2M_MSG_LEN(strlen(EX_KID), strlen(EX_TEXT)));
	return len;
}

/* The framing of e2m/msg.h, octet for octet. */
static void test_layout(void **state)
{
	uint8_t msg[256], want[256];
	size_t len = build_example(1, EX_KINT_11, msg, sizeof(msg)), k = strlen(EX_KID), n = 0;

	want[n++] = 0xE2;
	want[n++] = 0x01;
	want[n++] = (uint8_t)k;
	memcpy(want + n, EX_KID, k);
	n += k;
	want[n++] = 0x00;
	want[n++] = (uint8_t)strlen(EX_TEXT);
	memcpy(want + n, EX_TEXT, strlen(EX_TEXT));
	n += strlen(EX_TEXT);
	hex("354d1f626c541f85", want + n, 8);
	n += 8;
	assert_int_equal(len, n);
	assert_memory_equal(msg, want, n);
}

static void round_trip(uint8_t ia, const char *key_hex)
{
	uint8_t msg[256], key[16];
	size_t len = build_example(ia, key_hex, msg, sizeof(msg));
	struct e2m_msg m;

	hex(key_hex, key, sizeof(key));
	assert_int_equal(e2m_msg_parse(msg, len, &m), 0);
	assert_string_equal(m.kid, EX_KID);
	assert_int_equal(m.kid_len, strlen(EX_KID));
	assert_int_equal(m.payload_len, strlen(EX_TEXT));
	assert_memory_equal(m.payload, EX_TEXT, strlen(EX_TEXT));
	assert_ptr_equal(m.mac, msg + len - 8);
	assert_int_equal(e2m_msg_verify(&m, EX_KID, ia, key), 0);
}

static void test_round_trip_ia1(void **state)
{
	round_trip(1, EX_KINT_11);
}

static void test_round_trip_ia2(void **state)
{
	round_trip(2, EX_KINT_02);
}

/* Empty payload and the largest one (65535 octets). */
static void test_payload_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, E2M_MSG_PAYLOAD_MAX };
	uint8_t key[16];

	hex(EX_KINT_11, key, sizeof(key));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t cap = E2M_MSG_LEN(strlen(EX_KID), sizes[i]), len = 0;
		uint8_t *payload = malloc(sizes[i] + 1), *msg = malloc(cap);
		struct e2m_msg m;

		assert_non_null(payload);
		assert_non_null(msg);
		memset(payload, 0x5A, sizes[i]);
		assert_int_equal(e2m_msg_build(2, key, EX_KID, payload, sizes[i], msg, cap, &len), 0);
		assert_int_equal(len, cap);
		assert_int_equal(e2m_msg_parse(msg, len, &m), 0);
		assert_int_equal(m.payload_len, sizes[i]);
		assert_int_equal(e2m_msg_verify(&m, EX_KID, 2, key), 0);
		free(payload);
		free(msg);
	}
}

/* Every prefix is refused, and so is one octet more. */
static void test_truncation_and_extension(void **state)
{
	uint8_t msg[256];
	size_t len = build_example(1, EX_KINT_11, msg, sizeof(msg) - 1);
	struct e2m_msg m;

	for (size_t n = 0; n < len; n++)
		assert_int_equal(e2m_msg_parse(msg, n, &m), -EBADMSG);
	msg[len] = 0x00;
	assert_int_equal(e2m_msg_parse(msg, len + 1, &m), -EBADMSG);
	assert_int_equal(e2m_msg_parse(msg, len, &m), 0);
}

/* Every single bit flip: refused by the parser, or by the check against
 * the keyset the original named. */
static void flips(uint8_t ia, const char *key_hex)
{
	uint8_t msg[256], key[16];
	size_t len = build_example(ia, key_hex, msg, sizeof(msg));
	struct e2m_msg m;
	unsigned int by_parse = 0, by_verify = 0;

	hex(key_hex, key, sizeof(key));
	for (size_t bit = 0; bit < 8 * len; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (e2m_msg_parse(msg, len, &m) < 0)
			by_parse++;
		else if (e2m_msg_verify(&m, EX_KID, ia, key) == -EBADMSG)
			by_verify++;
		else
			fail_msg("bit %zu flipped: accepted", bit);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	print_message("# %u flips refused by the parser, %u by the check\n", by_parse, by_verify);
	/* header and lengths by the parser; KID, payload and MAC by the check */
	assert_true(by_parse >= 8 * 5);
	assert_true(by_verify >= 8 * (strlen(EX_TEXT) + 8));
	assert_int_equal(e2m_msg_parse(msg, len, &m), 0);
	assert_int_equal(e2m_msg_verify(&m, EX_KID, ia, key), 0);
}

static void test_bit_flips_ia1(void **state)
{
	flips(1, EX_KINT_11);
}

static void test_bit_flips_ia2(void **state)
{
	flips(2, EX_KINT_02);
}

/* Another key (one bit, or another keyset's), another IA, another KID. */
static void test_wrong_key_ia_kid(void **state)
{
	uint8_t msg[256], key[16], other[16];
	size_t len = build_example(1, EX_KINT_11, msg, sizeof(msg));
	struct e2m_msg m;

	hex(EX_KINT_11, key, sizeof(key));
	hex(EX_KINT_02, other, sizeof(other));
	assert_int_equal(e2m_msg_parse(msg, len, &m), 0);
	assert_int_equal(e2m_msg_verify(&m, EX_KID, 1, other), -EBADMSG);
	for (size_t bit = 0; bit < 128; bit++) {
		key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(e2m_msg_verify(&m, EX_KID, 1, key), -EBADMSG);
		key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(e2m_msg_verify(&m, EX_KID, 2, key), -EBADMSG);
	assert_int_equal(e2m_msg_verify(&m, "I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.com", 1, key),
			 -EBADMSG);
	assert_int_equal(e2m_msg_verify(&m, EX_KID "x", 1, key), -EBADMSG);
	assert_int_equal(e2m_msg_verify(&m, EX_KID, 0, key), -EINVAL);
	assert_int_equal(e2m_msg_verify(&m, EX_KID, 3, key), -EINVAL);
	assert_int_equal(e2m_msg_verify(&m, EX_KID, 1, key), 0);
}

/* Bounds of build: the buffer (nothing written when short), IA, KID and
 * payload lengths. */
static void test_build_bounds(void **state)
{
	char kid[E2M_MSG_KID_MAX + 2];
	uint8_t key[16], out[512], untouched[512];
	size_t need = E2M_MSG_LEN(strlen(EX_KID), 1), len = 0;

	hex(EX_KINT_11, key, sizeof(key));
	memset(out, 0xAA, sizeof(out));
	memcpy(untouched, out, sizeof(out));
	assert_int_equal(e2m_msg_build(1, key, EX_KID, (const uint8_t *)"x", 1, out, need - 1, &len),
			 -ENOSPC);
	assert_memory_equal(out, untouched, sizeof(out));
	assert_int_equal(e2m_msg_build(1, key, EX_KID, (const uint8_t *)"x", 1, out, need, &len), 0);
	assert_int_equal(len, need);
	assert_int_equal(out[need], 0xAA);

	assert_int_equal(e2m_msg_build(0, key, EX_KID, NULL, 0, out, sizeof(out), &len), -EINVAL);
	assert_int_equal(e2m_msg_build(3, key, EX_KID, NULL, 0, out, sizeof(out), &len), -EINVAL);
	assert_int_equal(e2m_msg_build(1, key, "", NULL, 0, out, sizeof(out), &len), -EINVAL);
	assert_int_equal(e2m_msg_build(1, key, EX_KID, NULL, E2M_MSG_PAYLOAD_MAX + 1, out,
					    sizeof(out), &len), -EINVAL);
	assert_int_equal(e2m_msg_build(1, key, EX_KID, NULL, 1, out, sizeof(out), &len), -EINVAL);
	/* KID of 153 octets (the longest E2M-KID) fits; 154 does not */
	memset(kid, 'k', sizeof(kid));
	kid[E2M_MSG_KID_MAX] = '\0';
	assert_int_equal(e2m_msg_build(1, key, kid, NULL, 0, out, sizeof(out), &len), 0);
	assert_int_equal(out[2], E2M_MSG_KID_MAX);
	kid[E2M_MSG_KID_MAX] = 'k';
	kid[E2M_MSG_KID_MAX + 1] = '\0';
	assert_int_equal(e2m_msg_build(1, key, kid, NULL, 0, out, sizeof(out), &len), -EINVAL);
}

/* Headers the parser refuses outright. */
static void test_parse_bad_headers(void **state)
{
	/* rows: what is wrong, the message */
	static const struct {
		const char *what;
		const char *hex;
	} bad[] = {
		{ "tag", "e301016b0000" "0000000000000000" },
		{ "version 2", "e202016b0000" "0000000000000000" },
		{ "version 0", "e200016b0000" "0000000000000000" },
		{ "KID of 0 octets", "e201000000" "0000000000000000" },
		{ "KID with a NUL", "e20102006b0000" "0000000000000000" },
		{ "KID longer than the message", "e201056b6b6b6b" },
		{ "payload length over the end", "e201016b0001" "0000000000000000" },
		{ "MAC of 7 octets", "e201016b0000" "00000000000000" },
		{ "an octet after the MAC", "e201016b0000" "0000000000000000" "00" },
	};
	static const char *good = "e201016b0000" "0000000000000000";
	uint8_t msg[64];
	struct e2m_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i].hex) / 2;

		print_message("# %s\n", bad[i].what);
		hex(bad[i].hex, msg, n);
		assert_int_equal(e2m_msg_parse(msg, n, &m), -EBADMSG);
	}
	/* a KID of 154 octets, all there, with an empty payload and a MAC */
	{
		uint8_t big[3 + 154 + 2 + 8];

		memset(big, 'k', sizeof(big));
		big[0] = 0xE2;
		big[1] = 0x01;
		big[2] = 154;
		big[3 + 154] = 0;
		big[3 + 155] = 0;
		assert_int_equal(e2m_msg_parse(big, sizeof(big), &m), -EBADMSG);
		/* ... and 153, the longest E2M-KID, is taken */
		big[2] = 153;
		big[3 + 153] = 0;
		big[3 + 154] = 0;
		assert_int_equal(e2m_msg_parse(big, sizeof(big) - 1, &m), 0);
		assert_int_equal(m.kid_len, 153);
	}
	/* the smallest well-formed message: KID "k", no payload */
	hex(good, msg, strlen(good) / 2);
	assert_int_equal(e2m_msg_parse(msg, strlen(good) / 2, &m), 0);
	assert_string_equal(m.kid, "k");
	assert_int_equal(m.payload_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_vectors),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_round_trip_ia1),
		cmocka_unit_test(test_round_trip_ia2),
		cmocka_unit_test(test_payload_sizes),
		cmocka_unit_test(test_truncation_and_extension),
		cmocka_unit_test(test_bit_flips_ia1),
		cmocka_unit_test(test_bit_flips_ia2),
		cmocka_unit_test(test_wrong_key_ia_kid),
		cmocka_unit_test(test_build_bounds),
		cmocka_unit_test(test_parse_bad_headers),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("e2m_msg", tests, NULL, NULL);
}
