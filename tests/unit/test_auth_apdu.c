/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of aka/auth_apdu.c, AUTHENTICATE on the wire (TS 31.102
 * 7.1.2): command data octet for octet, answers built and read back, every
 * truncation of an answer refused, too many fields refused, a full
 * response buffer reported. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aka/auth_apdu.h"

static const uint8_t rnd[16] = { 0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d,
				 0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35 };
static const uint8_t autn[16] = { 0xaa, 0x68, 0x9c, 0x64, 0x91, 0x44, 0x80, 0x00,
				  0xfe, 0x3e, 0xf5, 0x0d, 0x32, 0x0d, 0x48, 0x6a };

/* The E2M context's command data: LV(RAND) LV(AUTN) LV(EID) LV(SNID) LV(ALG) */
static void test_cmd_data_e2m(void **state)
{
	static const uint8_t snid[3] = { 0x00, 0xf1, 0x10 }, alg = 0x11;
	struct aka_auth_lvs f = { .n = 0 };
	uint8_t out[64];
	size_t n;

	aka_auth_lvs_add(&f, rnd, sizeof(rnd));
	aka_auth_lvs_add(&f, autn, sizeof(autn));
	aka_auth_lvs_add(&f, (const uint8_t *)"hse", 3);
	aka_auth_lvs_add(&f, snid, sizeof(snid));
	aka_auth_lvs_add(&f, &alg, 1);
	n = aka_auth_cmd_data(&f, out, sizeof(out));
	assert_int_equal(n, 1 + 16 + 1 + 16 + 1 + 3 + 1 + 3 + 1 + 1);
	assert_int_equal(out[0], 16);
	assert_memory_equal(out + 1, rnd, 16);
	assert_int_equal(out[17], 16);
	assert_memory_equal(out + 18, autn, 16);
	assert_memory_equal(out + 34, "\x03hse\x03\x00\xf1\x10\x01\x11", 10);
	/* one octet short of room: nothing */
	assert_int_equal(aka_auth_cmd_data(&f, out, n - 1), 0);
}

/* 'DB' L RES L CK L IK L K_E2M_int L K_E2M_enc (empty), read back */
static void test_answer_roundtrip(void **state)
{
	static const uint8_t res[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, key[16] = { 9 };
	struct aka_auth_lvs f = { .n = 0 }, g;
	uint8_t buf[128], tag = 0;
	struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };

	aka_auth_lvs_add(&f, res, sizeof(res));
	aka_auth_lvs_add(&f, key, sizeof(key));
	aka_auth_lvs_add(&f, key, sizeof(key));
	aka_auth_lvs_add(&f, key, sizeof(key));
	aka_auth_lvs_add(&f, NULL, 0);
	assert_int_equal(aka_auth_answer_put(&rsp, AKA_AUTH_TAG_OK, &f), 0);
	assert_int_equal(rsp.len, 1 + 9 + 3 * 17 + 1);
	assert_int_equal(buf[0], 0xDB);
	assert_int_equal(aka_auth_answer_parse(buf, rsp.len, &tag, &g), 0);
	assert_int_equal(tag, AKA_AUTH_TAG_OK);
	assert_int_equal(g.n, 5);
	assert_memory_equal(g.val[0], res, sizeof(res));
	assert_int_equal(g.len[4], 0);
	/* every truncation that cuts a field is refused; cutting after a
	 * whole field leaves fewer fields */
	for (size_t len = 1; len < rsp.len; len++) {
		int rc = aka_auth_answer_parse(buf, len, &tag, &g);
		size_t ends[] = { 1, 10, 27, 44, 61 };
		int whole = 0;
		for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
			whole |= len == ends[i];
		assert_int_equal(rc, whole ? 0 : -EBADMSG);
	}
	/* a room one octet short */
	rsp = (struct apdu_rsp){ .buf = buf, .cap = 61 };
	assert_int_equal(aka_auth_answer_put(&rsp, AKA_AUTH_TAG_OK, &f), -ENOSPC);
}

/* 'DC' L AUTS; other tags and more than AKA_AUTH_LVS_MAX fields refused */
static void test_answer_tags(void **state)
{
	uint8_t sync[16] = { 0xDC, 14 }, many[1 + 2 * (AKA_AUTH_LVS_MAX + 1)] = { 0xDB };
	struct aka_auth_lvs g;
	uint8_t tag;

	assert_int_equal(aka_auth_answer_parse(sync, sizeof(sync), &tag, &g), 0);
	assert_int_equal(tag, AKA_AUTH_TAG_SYNC);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], 14);
	sync[0] = 0xDD;
	assert_int_equal(aka_auth_answer_parse(sync, sizeof(sync), &tag, &g), -EBADMSG);
	assert_int_equal(aka_auth_answer_parse(sync, 0, &tag, &g), -EBADMSG);
	for (size_t i = 1; i < sizeof(many); i += 2)
		many[i] = 1;	/* L 1, V 00 */
	assert_int_equal(aka_auth_answer_parse(many, sizeof(many), &tag, &g), -EBADMSG);
	assert_int_equal(aka_auth_answer_parse(many, sizeof(many) - 2, &tag, &g), 0);
	assert_int_equal(g.n, AKA_AUTH_LVS_MAX);
}

/* The GSM context: LV(SRES) LV(Kc), no tag */
static void test_answer_gsm(void **state)
{
	static const uint8_t sres[4] = { 1, 2, 3, 4 }, kc[8] = { 5 };
	struct aka_auth_lvs f = { .n = 0 }, g;
	uint8_t buf[32];
	struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };

	aka_auth_lvs_add(&f, sres, sizeof(sres));
	aka_auth_lvs_add(&f, kc, sizeof(kc));
	assert_int_equal(aka_auth_answer_put(&rsp, AKA_AUTH_NO_TAG, &f), 0);
	assert_int_equal(rsp.len, 14);
	assert_int_equal(buf[0], 4);
	assert_int_equal(aka_auth_lvs_parse(buf, rsp.len, &g), 0);
	assert_int_equal(g.n, 2);
	assert_memory_equal(g.val[1], kc, sizeof(kc));
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd_data_e2m),
		cmocka_unit_test(test_answer_roundtrip),
		cmocka_unit_test(test_answer_tags),
		cmocka_unit_test(test_answer_gsm),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("auth_apdu", tests, NULL, NULL);
}
