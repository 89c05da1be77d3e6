/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of e2m/edp.c, E2M data protection (doc/e2m-profile.md section
 * 7): every row of the section's worked example (tests/vectors/edp.json,
 * one TAP line per check and row) rebuilt octet for octet, parsed and
 * opened, every single bit flip and every truncation of it refused; COUNT's
 * LEB128 codings; the bounds of BODY, HDR, KIDF and the keys; EA 0, 1, 2
 * with IA 1, 2 both ways and against answers of an independent
 * implementation; the replay window of RFC 4303 3.4.3. */

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

#include "e2m/edp.h"
#include "tests/helpers/vectors.h"

#define N_ELEM(t) (sizeof(t) / sizeof((t)[0]))

/* doc/e2m-profile.md 6: the keyset of the worked example. K_E2M_int
 * depends on IA only and K_E2M_enc on EA only, so these are its keys under
 * every ALG: int[IA], enc[EA] (section 7 gives enc[2]). */
#define EX_KID		"I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.org"
#define EX_PAYLOAD	"meter 0042: 17.3 m3"
static const char *const ex_k_int[3] = {
	[1] = "29c104685d3d45c89038da5833999a93",
	[2] = "61168284bfa60566d63669498e081575",
};
static const char *const ex_k_enc[3] = {
	[1] = "f533c82286873ad1d4eef25d51fbabff",
	[2] = "fa7f375097ce646c6681116c04938cd5",
};
static const uint8_t all_algs[] = { 0x01, 0x02, 0x11, 0x12, 0x21, 0x22 };

static void hex(const char *s, uint8_t *out, size_t len)
{
	assert_int_equal(tvec_hex_decode("hex", s, out, len), len);
}

/* The example keyset under alg. */
static void ex_keys(uint8_t alg, struct e2m_edp_keys *keys)
{
	uint8_t k_int[16], k_enc[16];

	hex(ex_k_int[alg & 0x0F], k_int, sizeof(k_int));
	if (alg >> 4)
		hex(ex_k_enc[alg >> 4], k_enc, sizeof(k_enc));
	assert_int_equal(e2m_edp_keys_init(keys, alg, k_int, alg >> 4 ? k_enc : NULL, EX_KID), 0);
}

/* Build under keys and check the length; returns it. */
static size_t build(const struct e2m_edp_keys *keys, enum e2m_edp_dir dir, bool full,
		    uint32_t count, const void *payload, size_t len, uint8_t *out, size_t cap)
{
	size_t out_len = 0;

	assert_int_equal(e2m_edp_build(keys, dir, full, count, payload, len, out, cap, &out_len), 0);
	return out_len;
}

/* Parse and open msg under keys: 0 and the payload, or the first refusal. */
static int parse_open(const struct e2m_edp_keys *keys, const uint8_t *msg, size_t len,
		      struct e2m_edp_hdr *h, uint8_t *payload, size_t cap, size_t *payload_len)
{
	int rc = e2m_edp_parse(msg, len, h);

	return rc < 0 ? rc : e2m_edp_open(keys, h, payload, cap, payload_len);
}

/* ---- edp.json: the worked example of doc/e2m-profile.md section 7 ---- */

struct row {
	const json_t *v;
	const char *kind;		/* "sid", "message" */
	struct e2m_edp_keys keys;
	enum e2m_edp_dir dir;
	bool full_kid;
	uint32_t count;
	const char *payload;
	uint8_t msg[E2M_EDP_MSG_MAX];
	size_t msg_len;
};

static void row_load(struct row *r)
{
	const json_t *v = r->v, *k_enc_j = json_object_get(v, "k_enc");
	const char *dir = json_string_value(json_object_get(v, "dir"));
	const char *kid = json_string_value(json_object_get(v, "kid"));
	uint8_t alg, k_int[16], k_enc[16];

	assert_int_equal(tvec_get_hex(v, "alg", &alg, 1), 1);
	assert_int_equal(tvec_get_hex(v, "k_int", k_int, sizeof(k_int)), 16);
	if (!strcmp(r->kind, "sid")) {
		/* the SID is K_E2M_int's alone: the keyset under EA 0 */
		assert_int_equal(e2m_edp_keys_init(&r->keys, alg & 0x0F, k_int, NULL, EX_KID), 0);
		return;
	}
	if (k_enc_j && !json_is_null(k_enc_j))
		assert_int_equal(tvec_get_hex(v, "k_enc", k_enc, sizeof(k_enc)), 16);
	else
		assert_int_equal(alg >> 4, 0);
	assert_non_null(kid);
	assert_int_equal(e2m_edp_keys_init(&r->keys, alg, k_int, alg >> 4 ? k_enc : NULL, kid), 0);
	assert_non_null(dir);
	assert_true(!strcmp(dir, "up") || !strcmp(dir, "down"));
	r->dir = strcmp(dir, "up") ? E2M_EDP_DOWN : E2M_EDP_UP;
	assert_true(json_is_boolean(json_object_get(v, "full_kid")));
	r->full_kid = json_is_true(json_object_get(v, "full_kid"));
	r->count = (uint32_t)tvec_get_uint(v, "count");
	r->payload = json_string_value(json_object_get(v, "payload"));
	assert_non_null(r->payload);
	r->msg_len = tvec_get_hex(v, "message", r->msg, sizeof(r->msg));
}

/* SID = the first 4 octets of KDF(K_E2M_int, FC=0xE7, P0="sid"). */
static void test_row_sid(void **state)
{
	struct row *r = *state;
	uint8_t want[4], sid[4];

	row_load(r);
	assert_int_equal(tvec_get_hex(r->v, "sid", want, sizeof(want)), 4);
	assert_int_equal(e2m_edp_sid(r->keys.k_int, sid), 0);
	assert_memory_equal(sid, want, 4);
	assert_memory_equal(r->keys.sid, want, 4);
	e2m_edp_keys_clear(&r->keys);
}

/* Rebuilt octet for octet; parsed into the row's fields; opened back to
 * the payload; accepted once by a window, then a replay. */
static void test_row_message(void **state)
{
	struct row *r = *state;
	uint8_t out[E2M_EDP_MSG_MAX], payload[E2M_EDP_BODY_MAX];
	size_t len, n, payload_len = 0, kidf;
	struct e2m_edp_window w = { 0 };
	struct e2m_edp_hdr h;

	row_load(r);
	n = strlen(r->payload);
	len = build(&r->keys, r->dir, r->full_kid, r->count, r->payload, n, out, sizeof(out));
	assert_int_equal(len, r->msg_len);
	assert_memory_equal(out, r->msg, len);

	assert_int_equal(e2m_edp_parse(r->msg, r->msg_len, &h), 0);
	assert_int_equal(h.dir, r->dir);
	assert_int_equal(h.full_kid, r->full_kid);
	assert_int_equal(h.count, r->count);
	kidf = r->full_kid ? 1 + strlen(r->keys.kid) : 4;
	if (r->full_kid) {
		assert_int_equal(h.kid_len, strlen(r->keys.kid));
		assert_memory_equal(h.kid, r->keys.kid, h.kid_len);
	} else {
		assert_memory_equal(h.sid, r->keys.sid, 4);
	}
	assert_ptr_equal(h.aad, r->msg);
	assert_int_equal(h.aad_len, 1 + kidf + (r->count < 128 ? 1 : 2));
	assert_ptr_equal(h.body, r->msg + h.aad_len);
	assert_int_equal(h.body_len, n);
	assert_ptr_equal(h.tag, r->msg + r->msg_len - 8);

	assert_int_equal(e2m_edp_open(&r->keys, &h, payload, sizeof(payload), &payload_len), 0);
	assert_int_equal(payload_len, n);
	assert_memory_equal(payload, r->payload, n);
	assert_int_equal(e2m_edp_window_check(&w, h.count), 0);
	e2m_edp_window_accept(&w, h.count);
	assert_int_equal(e2m_edp_window_check(&w, h.count), -EALREADY);
	e2m_edp_keys_clear(&r->keys);
}

/* Every single bit flip: refused by the parser or by open (under the
 * keyset the original names), and the payload buffer left zeroed. */
static void test_row_flips(void **state)
{
	struct row *r = *state;
	uint8_t payload[E2M_EDP_BODY_MAX], zero[E2M_EDP_BODY_MAX] = { 0 };
	unsigned int by_parse = 0, by_open = 0;
	struct e2m_edp_hdr h;
	size_t payload_len;
	int rc;

	row_load(r);
	for (size_t bit = 0; bit < 8 * r->msg_len; bit++) {
		r->msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memset(payload, 0xAA, sizeof(payload));
		rc = e2m_edp_parse(r->msg, r->msg_len, &h);
		if (rc == -EBADMSG) {
			by_parse++;
		} else {
			assert_int_equal(rc, 0);
			rc = e2m_edp_open(&r->keys, &h, payload, sizeof(payload), &payload_len);
			if (rc != -EBADMSG)
				fail_msg("bit %zu flipped: open gave %d", bit, rc);
			assert_memory_equal(payload, zero, h.body_len);
			by_open++;
		}
		r->msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	print_message("# %zu bits: %u flips refused by the parser, %u by open\n", 8 * r->msg_len,
		      by_parse, by_open);
	/* HDR's version and reserved bits at least by the parser; BODY and TAG by open */
	assert_true(by_parse >= 6);
	assert_true(by_open >= 8 * (strlen(r->payload) + 8));
	assert_int_equal(parse_open(&r->keys, r->msg, r->msg_len, &h, payload, sizeof(payload),
				    &payload_len), 0);
	e2m_edp_keys_clear(&r->keys);
}

/* Every proper prefix is refused, and so is the message with one octet more
 * (a body one longer, the tag moved). */
static void test_row_truncations(void **state)
{
	struct row *r = *state;
	uint8_t payload[E2M_EDP_BODY_MAX];
	struct e2m_edp_hdr h;
	size_t payload_len;
	int rc;

	row_load(r);
	for (size_t n = 0; n < r->msg_len; n++) {
		rc = parse_open(&r->keys, r->msg, n, &h, payload, sizeof(payload), &payload_len);
		if (rc != -EBADMSG)
			fail_msg("%zu of %zu octets: %d", n, r->msg_len, rc);
	}
	for (unsigned int x = 0; x < 256; x += 0x55) {
		r->msg[r->msg_len] = (uint8_t)x;
		assert_int_equal(parse_open(&r->keys, r->msg, r->msg_len + 1, &h, payload,
					    sizeof(payload), &payload_len), -EBADMSG);
	}
	e2m_edp_keys_clear(&r->keys);
}

/* ---- COUNT: unsigned LEB128, shortest form, at most 2^32-1 ---- */

static const struct {
	uint32_t count;
	const char *hex;
} count_codings[] = {
	{ 0, "00" },
	{ 1, "01" },
	{ 127, "7f" },
	{ 128, "8001" },
	{ 200, "c801" },
	{ 16383, "ff7f" },
	{ 16384, "808001" },
	{ 2097151, "ffff7f" },
	{ 2097152, "80808001" },
	{ 268435455, "ffffff7f" },
	{ 268435456, "8080808001" },
	{ 0xFFFFFFFFu, "ffffffff0f" },
};

static void test_count_codings(void **state)
{
	for (size_t i = 0; i < N_ELEM(count_codings); i++) {
		uint8_t want[5], out[5], more[6];
		size_t n = strlen(count_codings[i].hex) / 2, used = 0;
		uint32_t count = 0;

		print_message("# %u = %s\n", count_codings[i].count, count_codings[i].hex);
		hex(count_codings[i].hex, want, n);
		assert_int_equal(e2m_edp_count_encode(count_codings[i].count, out), n);
		assert_memory_equal(out, want, n);
		assert_int_equal(e2m_edp_count_decode(want, n, &count, &used), 0);
		assert_int_equal(count, count_codings[i].count);
		assert_int_equal(used, n);
		/* what follows is not COUNT's */
		memcpy(more, want, n);
		more[n] = 0xFF;
		assert_int_equal(e2m_edp_count_decode(more, n + 1, &count, &used), 0);
		assert_int_equal(used, n);
	}
}

/* Codings refused, by the decoder and inside a message. */
static const struct {
	const char *what, *hex;
} count_bad[] = {
	{ "nothing", "" },
	{ "b8 set on the last octet", "80" },
	{ "b8 set on the last of 4", "ffffffff" },
	{ "0 in two octets", "8000" },
	{ "127 in two octets", "ff00" },
	{ "128 in three octets", "808100" },
	{ "0 in five octets", "8080808000" },
	{ "2^28 - 1 in five octets", "ffffffff00" },
	{ "2^32", "8080808010" },
	{ "2^35 - 1", "ffffffff7f" },
	{ "b8 set on the fifth octet", "ffffffff8f" },
	{ "six octets", "808080808001" },
	{ "six octets, 2^32-1 padded", "ffffffff8f00" },
};

static void test_count_refused(void **state)
{
	struct e2m_edp_keys keys;
	uint8_t msg[64];
	struct e2m_edp_hdr h;

	ex_keys(0x11, &keys);
	for (size_t i = 0; i < N_ELEM(count_bad); i++) {
		size_t n = strlen(count_bad[i].hex) / 2, used = 0, len = 0;
		uint32_t count = 0;

		print_message("# %s: %s\n", count_bad[i].what, count_bad[i].hex);
		if (n)
			hex(count_bad[i].hex, msg, n);
		assert_int_equal(e2m_edp_count_decode(msg, n, &count, &used), -EBADMSG);
		/* HDR || SID || COUNT || empty BODY || TAG */
		msg[len++] = 0x40;
		memcpy(msg + len, keys.sid, 4);
		len += 4;
		if (n)
			hex(count_bad[i].hex, msg + len, n);
		len += n;
		memset(msg + len, 0, 8);
		len += 8;
		assert_int_equal(e2m_edp_parse(msg, len, &h), -EBADMSG);
	}
	assert_int_equal(e2m_edp_count_decode(NULL, 1, &(uint32_t){ 0 }, &(size_t){ 0 }), -EINVAL);
	e2m_edp_keys_clear(&keys);
}

/* ---- the protection ---- */

/* Answers of an independent implementation (Python's cryptography 48 and
 * hmac, the formulas of doc/e2m-profile.md section 7) under the keys of the
 * example keyset for the ALGs the worked example leaves out: HMAC without
 * encryption, CTR with CMAC over several blocks, CCM with IA 1 and the full
 * KID at COUNT 2^32-1, CCM over an empty payload. */
static const struct {
	const char *name;
	uint8_t alg;
	enum e2m_edp_dir dir;
	bool full;
	uint32_t count;
	const char *payload;	/* text; NULL: the octets 00..27 */
	const char *msg;
} cross[] = {
	{ .name = "ALG '01', up, COUNT 128", .alg = 0x01, .dir = E2M_EDP_UP, .count = 128,
	  .payload = EX_PAYLOAD,
	  .msg = "40956781d280016d6574657220303034323a2031372e33206d334c05a0ead5615785" },
	{ .name = "ALG '12', down, COUNT 16384", .alg = 0x12, .dir = E2M_EDP_DOWN, .count = 16384,
	  .payload = EX_PAYLOAD,
	  .msg = "60b064d572808001c15d8b68ef75d245517f82dee0ff30c579d5bdb742a8b7b8c7c81a" },
	{ .name = "ALG '21', up, full KID, COUNT 2^32-1", .alg = 0x21, .dir = E2M_EDP_UP,
	  .full = true, .count = 0xFFFFFFFFu, .payload = EX_PAYLOAD,
	  .msg = "50284931553876705933714a306869755a4e726b652f4e513d3d406873652e6578616d706c65"
		 "2e6f7267ffffffff0fe21d48e1711bddfd77eaea63a75161f9755b5ea8f6844ef622e30a" },
	{ .name = "ALG '22', down, COUNT 5, empty", .alg = 0x22, .dir = E2M_EDP_DOWN, .count = 5,
	  .payload = "", .msg = "60b064d572050ef8845b9e421f9b" },
	{ .name = "ALG '12', up, COUNT 7, 40 octets", .alg = 0x12, .dir = E2M_EDP_UP, .count = 7,
	  .payload = NULL,
	  .msg = "40b064d572072ecfa75e01c86e40da333221b947b80ae1bb4d001b608823d4fabc322c26506ce3"
		 "ebe452af22d14964e63caab66b6c54" },
};

static void test_cross_check(void **state)
{
	for (size_t i = 0; i < N_ELEM(cross); i++) {
		uint8_t want[E2M_EDP_MSG_MAX], out[E2M_EDP_MSG_MAX], pl[64], got[64];
		size_t n, len, want_len = strlen(cross[i].msg) / 2, got_len = 0;
		struct e2m_edp_keys keys;
		struct e2m_edp_hdr h;

		print_message("# %s\n", cross[i].name);
		if (cross[i].payload) {
			n = strlen(cross[i].payload);
			memcpy(pl, cross[i].payload, n);
		} else {
			n = 40;
			for (size_t j = 0; j < n; j++)
				pl[j] = (uint8_t)j;
		}
		hex(cross[i].msg, want, want_len);
		ex_keys(cross[i].alg, &keys);
		len = build(&keys, cross[i].dir, cross[i].full, cross[i].count, pl, n, out, sizeof(out));
		assert_int_equal(len, want_len);
		assert_memory_equal(out, want, len);
		assert_int_equal(parse_open(&keys, want, want_len, &h, got, sizeof(got), &got_len), 0);
		assert_int_equal(got_len, n);
		assert_memory_equal(got, pl, n);
		e2m_edp_keys_clear(&keys);
	}
}

/* EA 0, 1, 2 with IA 1, 2: both directions, both KIDF forms, COUNT at the
 * LEB128 boundaries and 2^32-1, bodies of 0, 1, 16, 17 and 1024 octets;
 * each opens to its payload. Under the same keyset's keys for another ALG
 * it is refused, except between EA 0 and EA 1 with the same IA: EA is in
 * neither A nor N, and K_E2M_int depends on IA alone, so TAG is the same
 * (section 7 binds no ALG into the message; a keyset has one). */
static void test_round_trips(void **state)
{
	static const uint32_t counts[] = { 0, 127, 128, 16384, 0xFFFFFFFFu };
	static const size_t sizes[] = { 0, 1, 16, 17, E2M_EDP_BODY_MAX };
	static uint8_t pl[E2M_EDP_BODY_MAX], msg[E2M_EDP_MSG_MAX], got[E2M_EDP_BODY_MAX];
	unsigned int runs = 0;

	tvec_rng_seed(7);
	tvec_rng_fill(pl, sizeof(pl));
	for (size_t a = 0; a < N_ELEM(all_algs); a++) {
		struct e2m_edp_keys keys;

		ex_keys(all_algs[a], &keys);
		for (int d = E2M_EDP_UP; d <= E2M_EDP_DOWN; d++)
		for (int full = 0; full <= 1; full++)
		for (size_t c = 0; c < N_ELEM(counts); c++)
		for (size_t s = 0; s < N_ELEM(sizes); s++) {
			size_t len = build(&keys, d, full, counts[c], pl, sizes[s], msg, sizeof(msg));
			size_t got_len = 0, cnt = counts[c] < 128 ? 1 : counts[c] < 16384 ? 2 :
						  counts[c] < 2097152 ? 3 : 5;
			struct e2m_edp_hdr h;

			assert_int_equal(len, 1 + (full ? 1 + strlen(EX_KID) : 4) + cnt + sizes[s] + 8);
			assert_int_equal(parse_open(&keys, msg, len, &h, got, sizeof(got), &got_len), 0);
			assert_int_equal(h.dir, d);
			assert_int_equal(h.full_kid, full);
			assert_int_equal(h.count, counts[c]);
			assert_int_equal(got_len, sizes[s]);
			assert_memory_equal(got, pl, sizes[s]);
			/* EA 1, 2 encipher: the payload is not in the body */
			if ((all_algs[a] >> 4) && sizes[s] >= 8)
				assert_memory_not_equal(h.body, pl, sizes[s]);
			if (!(all_algs[a] >> 4) && sizes[s])
				assert_memory_equal(h.body, pl, sizes[s]);
			for (size_t b = 0; b < N_ELEM(all_algs); b++) {
				struct e2m_edp_keys other;

				if (b == a)
					continue;
				ex_keys(all_algs[b], &other);
				assert_int_equal(e2m_edp_open(&other, &h, got, sizeof(got), &got_len),
						 (all_algs[a] & 0x0F) == (all_algs[b] & 0x0F) &&
						 (all_algs[a] >> 4) < 2 && (all_algs[b] >> 4) < 2 ?
						 0 : -EBADMSG);
				e2m_edp_keys_clear(&other);
			}
			runs++;
		}
		e2m_edp_keys_clear(&keys);
	}
	print_message("# %u messages built, parsed and opened\n", runs);
}

/* Both directions with the same COUNT: different messages (D is in HDR
 * and in N), each opens, each keeps its own window. */
static void test_directions(void **state)
{
	uint8_t up[128], down[128], got[64];
	struct e2m_edp_window w_up = { 0 }, w_down = { 0 };
	struct e2m_edp_keys keys;
	struct e2m_edp_hdr hu, hd;
	size_t lu, ld, got_len;

	ex_keys(0x11, &keys);
	lu = build(&keys, E2M_EDP_UP, false, 0, EX_PAYLOAD, strlen(EX_PAYLOAD), up, sizeof(up));
	ld = build(&keys, E2M_EDP_DOWN, false, 0, EX_PAYLOAD, strlen(EX_PAYLOAD), down, sizeof(down));
	assert_int_equal(lu, ld);
	assert_int_equal(up[0], 0x40);
	assert_int_equal(down[0], 0x60);
	/* the same payload, other ciphertext and tag */
	assert_memory_not_equal(up + 6, down + 6, lu - 6);
	assert_int_equal(parse_open(&keys, up, lu, &hu, got, sizeof(got), &got_len), 0);
	assert_int_equal(hu.dir, E2M_EDP_UP);
	assert_int_equal(parse_open(&keys, down, ld, &hd, got, sizeof(got), &got_len), 0);
	assert_int_equal(hd.dir, E2M_EDP_DOWN);
	assert_int_equal(e2m_edp_window_check(&w_up, hu.count), 0);
	e2m_edp_window_accept(&w_up, hu.count);
	assert_int_equal(e2m_edp_window_check(&w_down, hd.count), 0);
	e2m_edp_window_accept(&w_down, hd.count);
	assert_int_equal(e2m_edp_window_check(&w_up, 0), -EALREADY);
	assert_int_equal(e2m_edp_window_check(&w_down, 0), -EALREADY);
	/* a message reflected with D turned round: A and N differ, the tag fails */
	up[0] ^= E2M_EDP_HDR_D;
	assert_int_equal(parse_open(&keys, up, lu, &hu, got, sizeof(got), &got_len), -EBADMSG);
	e2m_edp_keys_clear(&keys);
}

/* 20 octets of reading after the first message cost 14 (section 7). */
static void test_overhead(void **state)
{
	uint8_t out[64], reading[20] = { 0 };
	struct e2m_edp_keys keys;

	for (size_t a = 0; a < N_ELEM(all_algs); a++) {
		ex_keys(all_algs[a], &keys);
		assert_int_equal(build(&keys, E2M_EDP_UP, false, 127, reading, 20, out, sizeof(out)),
				 20 + 14);
		e2m_edp_keys_clear(&keys);
	}
}

/* ---- bounds ---- */

/* BODY of 1024 octets is the most: 1025 refused by build and by parse. */
static void test_body_max(void **state)
{
	static uint8_t pl[E2M_EDP_BODY_MAX + 1], msg[E2M_EDP_MSG_MAX + 1], got[E2M_EDP_BODY_MAX];
	struct e2m_edp_keys keys;
	struct e2m_edp_hdr h;
	size_t len, out_len = 0, got_len;

	memset(pl, 0x5A, sizeof(pl));
	for (size_t a = 0; a < N_ELEM(all_algs); a++) {
		ex_keys(all_algs[a], &keys);
		assert_int_equal(e2m_edp_build(&keys, E2M_EDP_UP, true, 0, pl, E2M_EDP_BODY_MAX + 1,
					       msg, sizeof(msg), &out_len), -EINVAL);
		len = build(&keys, E2M_EDP_UP, true, 0xFFFFFFFFu, pl, E2M_EDP_BODY_MAX, msg,
			    sizeof(msg));
		assert_true(len <= E2M_EDP_MSG_MAX);
		assert_int_equal(parse_open(&keys, msg, len, &h, got, sizeof(got), &got_len), 0);
		/* a cap of body_len - 1 is too short for the payload */
		assert_int_equal(e2m_edp_open(&keys, &h, got, E2M_EDP_BODY_MAX - 1, &got_len),
				 -EINVAL);
		/* one octet more: a body of 1025 */
		msg[len] = 0;
		assert_int_equal(e2m_edp_parse(msg, len + 1, &h), -EBADMSG);
		e2m_edp_keys_clear(&keys);
	}
	/* the largest message parses: 255 octets of KID, 5 of COUNT, 1024 of BODY */
	memset(msg, 'k', sizeof(msg));
	msg[0] = 0x50;
	msg[1] = 255;
	memcpy(msg + 2 + 255, "\xff\xff\xff\xff\x0f", 5);
	assert_int_equal(e2m_edp_parse(msg, E2M_EDP_MSG_MAX, &h), 0);
	assert_int_equal(h.kid_len, 255);
	assert_int_equal(h.count, 0xFFFFFFFFu);
	assert_int_equal(h.body_len, E2M_EDP_BODY_MAX);
	assert_int_equal(e2m_edp_parse(msg, E2M_EDP_MSG_MAX + 1, &h), -EBADMSG);
}

/* HDR: version '01' only, b4-b1 '0000'. */
static void test_hdr_refused(void **state)
{
	static const uint8_t keep = E2M_EDP_HDR_D | E2M_EDP_HDR_F;
	uint8_t msg[128], got[64];
	struct e2m_edp_keys keys;
	struct e2m_edp_hdr h;
	size_t len, got_len;

	ex_keys(0x11, &keys);
	for (int full = 0; full <= 1; full++) {
		len = build(&keys, E2M_EDP_UP, full, 3, "x", 1, msg, sizeof(msg));
		for (unsigned int hdr = 0; hdr < 256; hdr++) {
			uint8_t was = msg[0];
			int rc;

			msg[0] = (uint8_t)hdr;
			rc = e2m_edp_parse(msg, len, &h);
			if ((hdr & ~keep) == 0x40 && (hdr & E2M_EDP_HDR_F) == (was & E2M_EDP_HDR_F)) {
				/* a well-formed HDR: D flipped is for open to refuse */
				assert_int_equal(rc, 0);
				assert_int_equal(e2m_edp_open(&keys, &h, got, sizeof(got), &got_len),
						 hdr == was ? 0 : -EBADMSG);
			} else if ((hdr & ~keep) != 0x40) {
				if (rc != -EBADMSG)
					fail_msg("HDR %02x parsed", hdr);
			}
			msg[0] = was;
		}
	}
	e2m_edp_keys_clear(&keys);
}

/* KIDF: L of 0, L past the end, the shortest messages. */
static void test_kidf_bounds(void **state)
{
	static const struct {
		const char *what, *hex;
		int rc;
	} rows[] = {
		{ "empty", "", -EBADMSG },
		{ "HDR only", "40", -EBADMSG },
		{ "SID of 3 octets", "40000000", -EBADMSG },
		{ "no COUNT", "4000000000", -EBADMSG },
		{ "TAG of 7 octets", "400000000000" "00000000000000", -EBADMSG },
		{ "the shortest, F=0", "400000000000" "0000000000000000", 0 },
		{ "F=1 without L", "50", -EBADMSG },
		{ "F=1, L 0", "5000" "00" "0000000000000000", -EBADMSG },
		{ "F=1, L past the end", "5005" "6b6b6b6b", -EBADMSG },
		{ "F=1, L 1, no COUNT", "50016b", -EBADMSG },
		{ "the shortest, F=1", "50016b" "00" "0000000000000000", 0 },
	};
	struct e2m_edp_hdr h;
	uint8_t msg[64];

	for (size_t i = 0; i < N_ELEM(rows); i++) {
		size_t n = strlen(rows[i].hex) / 2;

		print_message("# %s\n", rows[i].what);
		if (n)
			hex(rows[i].hex, msg, n);
		assert_int_equal(e2m_edp_parse(n ? msg : NULL, n, &h), rows[i].rc);
		if (rows[i].rc == 0)
			assert_int_equal(h.body_len, 0);
	}
	assert_int_equal(e2m_edp_parse(msg, 0, NULL), -EINVAL);
}

/* A message names a keyset: another SID, another KID, the right name with
 * other keys, are all refused, the payload buffer zeroed. */
static void test_wrong_sid_kid(void **state)
{
	uint8_t msg_sid[128], msg_kid[128], got[64], zero[64] = { 0 }, k_int[16], k_enc[16];
	struct e2m_edp_keys keys, other;
	struct e2m_edp_hdr h;
	size_t ls, lk, got_len;

	ex_keys(0x11, &keys);
	ls = build(&keys, E2M_EDP_UP, false, 9, EX_PAYLOAD, strlen(EX_PAYLOAD), msg_sid, sizeof(msg_sid));
	lk = build(&keys, E2M_EDP_UP, true, 9, EX_PAYLOAD, strlen(EX_PAYLOAD), msg_kid, sizeof(msg_kid));
	hex(ex_k_int[1], k_int, 16);
	hex(ex_k_enc[1], k_enc, 16);

	/* another K_E2M_int: another SID */
	k_int[15] ^= 1;
	assert_int_equal(e2m_edp_keys_init(&other, 0x11, k_int, k_enc, EX_KID), 0);
	assert_memory_not_equal(other.sid, keys.sid, 4);
	assert_int_equal(e2m_edp_parse(msg_sid, ls, &h), 0);
	memset(got, 0xAA, sizeof(got));
	assert_int_equal(e2m_edp_open(&other, &h, got, sizeof(got), &got_len), -EBADMSG);
	assert_memory_equal(got, zero, h.body_len);
	/* ... the same KID, the tag fails */
	assert_int_equal(e2m_edp_parse(msg_kid, lk, &h), 0);
	assert_int_equal(e2m_edp_open(&other, &h, got, sizeof(got), &got_len), -EBADMSG);
	e2m_edp_keys_clear(&other);

	/* the same keys under another KID: the SID form opens, the KID form not */
	k_int[15] ^= 1;
	assert_int_equal(e2m_edp_keys_init(&other, 0x11, k_int, k_enc,
					   "I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.com"), 0);
	assert_int_equal(e2m_edp_parse(msg_kid, lk, &h), 0);
	assert_int_equal(e2m_edp_open(&other, &h, got, sizeof(got), &got_len), -EBADMSG);
	assert_int_equal(e2m_edp_parse(msg_sid, ls, &h), 0);
	assert_int_equal(e2m_edp_open(&other, &h, got, sizeof(got), &got_len), 0);
	e2m_edp_keys_clear(&other);
	/* a prefix of the KID, and the KID with one more octet */
	assert_int_equal(e2m_edp_keys_init(&other, 0x11, k_int, k_enc, "I1U8vpY3qJ0hiuZNrke/NQ==@hse"), 0);
	assert_int_equal(e2m_edp_parse(msg_kid, lk, &h), 0);
	assert_int_equal(e2m_edp_open(&other, &h, got, sizeof(got), &got_len), -EBADMSG);
	e2m_edp_keys_clear(&other);
	assert_int_equal(e2m_edp_keys_init(&other, 0x11, k_int, k_enc, EX_KID "x"), 0);
	assert_int_equal(e2m_edp_open(&other, &h, got, sizeof(got), &got_len), -EBADMSG);
	e2m_edp_keys_clear(&other);

	/* EA 1 is encrypt-then-MAC under K_E2M_int: the tag says nothing of
	 * K_E2M_enc, and another K_E2M_enc opens to another payload (the two
	 * keys come as one keyset) */
	for (size_t bit = 0; bit < 128; bit++) {
		k_enc[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(e2m_edp_keys_init(&other, 0x11, k_int, k_enc, EX_KID), 0);
		assert_int_equal(e2m_edp_parse(msg_sid, ls, &h), 0);
		assert_int_equal(e2m_edp_open(&other, &h, got, sizeof(got), &got_len), 0);
		assert_memory_not_equal(got, EX_PAYLOAD, got_len);
		e2m_edp_keys_clear(&other);
		k_enc[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	e2m_edp_keys_clear(&keys);
}

/* h is checked against its own A: a COUNT or D changed after parsing is a
 * caller's error, not a message that opens under other values. */
static void test_open_inconsistent(void **state)
{
	uint8_t msg[128], got[64];
	struct e2m_edp_keys keys;
	struct e2m_edp_hdr h, bad;
	size_t len, got_len;

	ex_keys(0x22, &keys);
	len = build(&keys, E2M_EDP_UP, false, 300, EX_PAYLOAD, strlen(EX_PAYLOAD), msg, sizeof(msg));
	assert_int_equal(e2m_edp_parse(msg, len, &h), 0);
	bad = h;
	bad.count = 301;
	assert_int_equal(e2m_edp_open(&keys, &bad, got, sizeof(got), &got_len), -EINVAL);
	bad = h;
	bad.dir = E2M_EDP_DOWN;
	assert_int_equal(e2m_edp_open(&keys, &bad, got, sizeof(got), &got_len), -EINVAL);
	bad = h;
	bad.full_kid = true;
	assert_int_equal(e2m_edp_open(&keys, &bad, got, sizeof(got), &got_len), -EINVAL);
	bad = h;
	bad.aad_len--;
	assert_int_equal(e2m_edp_open(&keys, &bad, got, sizeof(got), &got_len), -EINVAL);
	bad = h;
	bad.tag = NULL;
	assert_int_equal(e2m_edp_open(&keys, &bad, got, sizeof(got), &got_len), -EINVAL);
	assert_int_equal(e2m_edp_open(&keys, &h, got, sizeof(got), &got_len), 0);
	/* F=1: the KID of h is the one in A */
	len = build(&keys, E2M_EDP_UP, true, 300, EX_PAYLOAD, strlen(EX_PAYLOAD), msg, sizeof(msg));
	assert_int_equal(e2m_edp_parse(msg, len, &h), 0);
	bad = h;
	bad.kid_len--;
	assert_int_equal(e2m_edp_open(&keys, &bad, got, sizeof(got), &got_len), -EINVAL);
	bad = h;
	bad.kid = (const uint8_t *)"I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.com";
	assert_int_equal(e2m_edp_open(&keys, &bad, got, sizeof(got), &got_len), -EINVAL);
	bad = h;
	bad.kid = (const uint8_t *)EX_KID;	/* the same octets elsewhere */
	assert_int_equal(e2m_edp_open(&keys, &bad, got, sizeof(got), &got_len), 0);
	assert_int_equal(e2m_edp_open(&keys, &h, got, sizeof(got), &got_len), 0);
	e2m_edp_keys_clear(&keys);
}

/* keys_init: ALG, K_E2M_enc and KID bounds; keys zeroed on refusal. */
static void test_keys_init(void **state)
{
	static const uint8_t bad_algs[] = { 0x00, 0x10, 0x20, 0x03, 0x13, 0x31, 0x32, 0xF1, 0x0F };
	static const uint8_t zero[sizeof(struct e2m_edp_keys)];
	char kid[E2M_KID_MAX + 1];
	struct e2m_edp_keys keys;
	uint8_t k[16];

	hex(ex_k_int[1], k, 16);
	for (size_t i = 0; i < N_ELEM(bad_algs); i++) {
		memset(&keys, 0xAA, sizeof(keys));
		assert_int_equal(e2m_edp_keys_init(&keys, bad_algs[i], k, k, EX_KID), -EINVAL);
		assert_memory_equal(&keys, zero, sizeof(keys));
	}
	assert_int_equal(e2m_edp_keys_init(&keys, 0x11, k, NULL, EX_KID), -EINVAL);
	assert_int_equal(e2m_edp_keys_init(&keys, 0x21, k, NULL, EX_KID), -EINVAL);
	assert_int_equal(e2m_edp_keys_init(&keys, 0x01, NULL, NULL, EX_KID), -EINVAL);
	assert_int_equal(e2m_edp_keys_init(&keys, 0x01, k, NULL, NULL), -EINVAL);
	assert_int_equal(e2m_edp_keys_init(&keys, 0x01, k, NULL, ""), -EINVAL);
	assert_int_equal(e2m_edp_keys_init(NULL, 0x01, k, NULL, EX_KID), -EINVAL);
	/* EA 0: K_E2M_enc is not taken */
	assert_int_equal(e2m_edp_keys_init(&keys, 0x01, k, k, EX_KID), 0);
	assert_memory_equal(keys.k_enc, zero, sizeof(keys.k_enc));
	/* the longest E2M-KID, 153 octets, and one more */
	memset(kid, 'k', sizeof(kid));
	kid[E2M_KID_MAX - 1] = '\0';
	assert_int_equal(e2m_edp_keys_init(&keys, 0x01, k, NULL, kid), 0);
	{
		uint8_t out[E2M_EDP_MSG_MAX];
		size_t len = build(&keys, E2M_EDP_DOWN, true, 1, NULL, 0, out, sizeof(out));

		assert_int_equal(out[1], E2M_KID_MAX - 1);
		assert_int_equal(len, 1 + 1 + (E2M_KID_MAX - 1) + 1 + 8);
	}
	kid[E2M_KID_MAX - 1] = 'k';
	kid[E2M_KID_MAX] = '\0';
	assert_int_equal(e2m_edp_keys_init(&keys, 0x01, k, NULL, kid), -EINVAL);
	e2m_edp_keys_clear(&keys);
	assert_memory_equal(&keys, zero, sizeof(keys));
}

/* build: the buffer (nothing written when short), dir, payload. */
static void test_build_bounds(void **state)
{
	uint8_t out[128], untouched[128];
	struct e2m_edp_keys keys;
	size_t need, len = 0;

	for (size_t a = 0; a < N_ELEM(all_algs); a++) {
		ex_keys(all_algs[a], &keys);
		need = build(&keys, E2M_EDP_UP, false, 200, "xy", 2, out, sizeof(out));
		assert_int_equal(need, 1 + 4 + 2 + 2 + 8);
		memset(out, 0xAA, sizeof(out));
		memcpy(untouched, out, sizeof(out));
		assert_int_equal(e2m_edp_build(&keys, E2M_EDP_UP, false, 200, (const uint8_t *)"xy", 2,
					       out, need - 1, &len), -ENOSPC);
		assert_memory_equal(out, untouched, sizeof(out));
		assert_int_equal(build(&keys, E2M_EDP_UP, false, 200, "xy", 2, out, need), need);
		assert_int_equal(out[need], 0xAA);
		assert_int_equal(e2m_edp_build(&keys, (enum e2m_edp_dir)2, false, 0, NULL, 0, out,
					       sizeof(out), &len), -EINVAL);
		assert_int_equal(e2m_edp_build(&keys, E2M_EDP_UP, false, 0, NULL, 1, out, sizeof(out),
					       &len), -EINVAL);
		assert_int_equal(e2m_edp_build(NULL, E2M_EDP_UP, false, 0, NULL, 0, out, sizeof(out),
					       &len), -EINVAL);
		e2m_edp_keys_clear(&keys);
	}
}

/* ---- the replay window, RFC 4303 3.4.3, 64 entries ---- */

/* check, then accept when check said 0: the verdict */
static int take(struct e2m_edp_window *w, uint32_t count)
{
	struct e2m_edp_window before = *w;
	int rc = e2m_edp_window_check(w, count);

	/* check changes nothing */
	assert_int_equal(before.any, w->any);
	assert_int_equal(before.top, w->top);
	assert_int_equal(before.seen, w->seen);
	if (rc == 0)
		e2m_edp_window_accept(w, count);
	return rc;
}

static void test_window_in_order(void **state)
{
	struct e2m_edp_window w = { 0 };

	for (uint32_t c = 0; c < 1000; c++) {
		assert_int_equal(take(&w, c), 0);
		assert_int_equal(take(&w, c), -EALREADY);
	}
	assert_int_equal(w.top, 999);
	assert_int_equal(w.seen, UINT64_MAX);
	for (uint32_t c = 999 - 63; c <= 999; c++)
		assert_int_equal(take(&w, c), -EALREADY);
	for (uint32_t c = 0; c <= 999 - 64; c++)
		assert_int_equal(take(&w, c), -ERANGE);
}

static void test_window_out_of_order(void **state)
{
	struct e2m_edp_window w = { 0 };

	/* a first message need not be COUNT 0 */
	assert_int_equal(take(&w, 100), 0);
	assert_int_equal(w.top, 100);
	/* in the window (top - 63 .. top), once each */
	assert_int_equal(take(&w, 99), 0);
	assert_int_equal(take(&w, 50), 0);
	assert_int_equal(take(&w, 37), 0);	/* top - 63: the window's left edge */
	assert_int_equal(take(&w, 36), -ERANGE);	/* top - 64 */
	assert_int_equal(take(&w, 0), -ERANGE);
	assert_int_equal(take(&w, 99), -EALREADY);
	assert_int_equal(take(&w, 50), -EALREADY);
	assert_int_equal(take(&w, 37), -EALREADY);
	assert_int_equal(take(&w, 100), -EALREADY);
	assert_int_equal(w.top, 100);
	/* moving up by 10 keeps what was seen */
	assert_int_equal(take(&w, 110), 0);
	assert_int_equal(take(&w, 99), -EALREADY);
	assert_int_equal(take(&w, 50), -EALREADY);
	assert_int_equal(take(&w, 47), 0);
	assert_int_equal(take(&w, 46), -ERANGE);	/* 37 has left the window */
	assert_int_equal(take(&w, 105), 0);
	assert_int_equal(take(&w, 105), -EALREADY);
	/* every COUNT in the window, in reverse, once */
	assert_int_equal(take(&w, 300), 0);
	for (uint32_t c = 299; c >= 300 - 63; c--)
		assert_int_equal(take(&w, c), 0);
	assert_int_equal(w.seen, UINT64_MAX);
	assert_int_equal(take(&w, 300 - 64), -ERANGE);
}

static void test_window_jumps(void **state)
{
	struct e2m_edp_window w = { 0 };

	assert_int_equal(take(&w, 0), 0);
	assert_int_equal(take(&w, 1), 0);
	/* a jump of 63: the old top at the left edge, still seen */
	assert_int_equal(take(&w, 64), 0);
	assert_int_equal(take(&w, 1), -EALREADY);
	assert_int_equal(take(&w, 0), -ERANGE);
	assert_int_equal(take(&w, 2), 0);
	/* a jump of exactly 64: the old top falls out */
	assert_int_equal(take(&w, 128), 0);
	assert_int_equal(take(&w, 64), -ERANGE);
	assert_int_equal(take(&w, 65), 0);
	assert_int_equal(w.seen, (uint64_t)1 | (uint64_t)1 << 63);
	/* a big jump forgets everything */
	assert_int_equal(take(&w, 1000000), 0);
	assert_int_equal(w.seen, 1);
	assert_int_equal(take(&w, 1000000 - 1), 0);
	assert_int_equal(take(&w, 1000000 - 63), 0);
	assert_int_equal(take(&w, 1000000 - 64), -ERANGE);
	assert_int_equal(take(&w, 128), -ERANGE);
	/* up to 2^32-1, the last COUNT of a keyset */
	assert_int_equal(take(&w, 0xFFFFFFFFu), 0);
	assert_int_equal(take(&w, 0xFFFFFFFFu), -EALREADY);
	assert_int_equal(take(&w, 0xFFFFFFFFu - 63), 0);
	assert_int_equal(take(&w, 0xFFFFFFFFu - 64), -ERANGE);
	assert_int_equal(take(&w, 1000000), -ERANGE);
	assert_int_equal(e2m_edp_window_check(NULL, 0), -EINVAL);
}

/* ---- main: the fixed tests, then three per example message ---- */

static void test_vectors_present(void **state)
{
	const size_t *n = *state;

	/* section 7: 2 SIDs and 6 messages */
	assert_int_equal(n[0], 2);
	assert_int_equal(n[1], 6);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_count_codings),
		cmocka_unit_test(test_count_refused),
		cmocka_unit_test(test_cross_check),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_overhead),
		cmocka_unit_test(test_body_max),
		cmocka_unit_test(test_hdr_refused),
		cmocka_unit_test(test_kidf_bounds),
		cmocka_unit_test(test_wrong_sid_kid),
		cmocka_unit_test(test_open_inconsistent),
		cmocka_unit_test(test_keys_init),
		cmocka_unit_test(test_build_bounds),
		cmocka_unit_test(test_window_in_order),
		cmocka_unit_test(test_window_out_of_order),
		cmocka_unit_test(test_window_jumps),
	};
	static const struct {
		const char *what;
		void (*fn)(void **);
	} per_message[] = {
		{ "rebuilt octet for octet, parsed, opened", test_row_message },
		{ "every single bit flip refused", test_row_flips },
		{ "every truncation and an extension refused", test_row_truncations },
	};
	const size_t n_fixed = N_ELEM(fixed);
	size_t counts[2] = { 0, 0 }, n_tests = 0, n_names = 0, cap, i;
	struct CMUnitTest *tests = NULL;
	struct row *rows = NULL;
	char **names = NULL;
	json_t *root, *vectors, *v;
	char err[4200];
	int rc = 1;

	root = tvec_load("edp.json", err, sizeof(err));
	if (!root) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	vectors = json_object_get(root, "vectors");
	cap = n_fixed + 1 + N_ELEM(per_message) * json_array_size(vectors);
	tests = calloc(cap, sizeof(*tests));
	names = calloc(cap, sizeof(*names));
	rows = calloc(json_array_size(vectors) + 1, sizeof(*rows));
	if (!tests || !names || !rows)
		goto out;
	memcpy(tests, fixed, sizeof(fixed));
	n_tests = n_fixed;
	tests[n_tests++] = (struct CMUnitTest){
		.name = "edp.json has the rows of section 7",
		.test_func = test_vectors_present,
		.initial_state = counts,
	};
	json_array_foreach(vectors, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *kind = json_string_value(json_object_get(v, "kind"));
		bool is_msg = kind && !strcmp(kind, "message");
		size_t k, n_per = is_msg ? N_ELEM(per_message) : 1;

		if (!name || !kind || (!is_msg && strcmp(kind, "sid"))) {
			printf("Bail out! edp.json: vector %zu: no name or kind\n", i);
			goto out;
		}
		counts[is_msg]++;
		rows[i].v = v;
		rows[i].kind = kind;
		for (k = 0; k < n_per; k++) {
			const char *what = is_msg ? per_message[k].what : "SID derived";
			size_t len = strlen("edp.json: ") + strlen(name) + 2 + strlen(what) + 1;

			names[n_names] = malloc(len);
			if (!names[n_names])
				goto out;
			snprintf(names[n_names], len, "edp.json: %s: %s", name, what);
			tests[n_tests++] = (struct CMUnitTest){
				.name = names[n_names++],
				.test_func = is_msg ? per_message[k].fn : test_row_sid,
				.initial_state = &rows[i],
			};
		}
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	rc = _cmocka_run_group_tests("edp", tests, n_tests, NULL, NULL);
out:
	for (i = 0; names && i < n_names; i++)
		free(names[i]);
	free(names);
	free(tests);
	free(rows);
	json_decref(root);
	return rc;
}
