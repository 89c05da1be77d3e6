/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of apdu/: C-APDU cases 1-4 short and extended, every malformed
 * length, case fitting, encoding, TLV, status words, vpcd framing. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu/apdu.h"
#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "apdu/vpcd.h"

#define PARSE(cmd, ...) ({ \
	static const uint8_t b_[] = { __VA_ARGS__ }; \
	apdu_cmd_parse(cmd, b_, sizeof(b_)); })

/* ISO/IEC 7816-3 12.1.3: the seven well-formed shapes */
static void test_parse_cases(void **state)
{
	struct apdu_cmd c;

	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04), 0);
	assert_int_equal(c.form, APDU_C1);
	assert_int_equal(c.nc, 0);
	assert_int_equal(c.ne, 0);

	assert_int_equal(PARSE(&c, 0x00, 0xB0, 0x00, 0x00, 0x0A), 0);		/* 2S */
	assert_int_equal(c.form, APDU_C2);
	assert_int_equal(c.ne, 10);
	assert_false(c.extended);

	assert_int_equal(PARSE(&c, 0x00, 0xB0, 0x00, 0x00, 0x00), 0);		/* 2S, Le 00 */
	assert_int_equal(c.ne, 256);

	assert_int_equal(PARSE(&c, 0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00), 0);	/* 2E */
	assert_int_equal(c.form, APDU_C2);
	assert_int_equal(c.ne, 256);
	assert_true(c.extended);

	assert_int_equal(PARSE(&c, 0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00), 0);	/* 2E, 0000 */
	assert_int_equal(c.ne, 65536);

	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00), 0);	/* 3S */
	assert_int_equal(c.form, APDU_C3);
	assert_int_equal(c.nc, 2);
	assert_int_equal(c.data[0], 0x3F);
	assert_int_equal(c.ne, 0);

	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00, 0x00), 0);	/* 4S */
	assert_int_equal(c.form, APDU_C4);
	assert_int_equal(c.nc, 2);
	assert_int_equal(c.ne, 256);

	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x0C, 0x00, 0x00, 0x02, 0x3F, 0x00), 0);	/* 3E */
	assert_int_equal(c.form, APDU_C3);
	assert_int_equal(c.nc, 2);
	assert_true(c.extended);

	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0x00, 0x00, 0x02, 0x3F, 0x00, 0x00, 0x00), 0);	/* 4E */
	assert_int_equal(c.form, APDU_C4);
	assert_int_equal(c.ne, 65536);
	assert_int_equal(c.data[1], 0x00);
}

/* Every inconsistent length is '6700', never a read past the end. */
static void test_parse_malformed(void **state)
{
	struct apdu_cmd c;

	assert_int_equal(apdu_cmd_parse(&c, (const uint8_t *)"", 0), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00, 0xA4), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00), APDU_SW_WRONG_LENGTH);
	/* short Lc larger than the data, and data plus two trailing octets */
	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0x03, 0x3F, 0x00), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0x01, 0x3F, 0x00, 0x00), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0xFF, 0x3F), APDU_SW_WRONG_LENGTH);
	/* extended: two octets after the marker, Lc 0000, Lc too large, one-octet Le */
	assert_int_equal(PARSE(&c, 0x00, 0xB0, 0x00, 0x00, 0x00, 0x00), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3F), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0x00, 0x00, 0x03, 0x3F, 0x00), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0x00, 0x00, 0x02, 0x3F, 0x00, 0x00), APDU_SW_WRONG_LENGTH);
	assert_int_equal(PARSE(&c, 0x00, 0xA4, 0x00, 0x04, 0x00, 0xFF, 0xFF, 0x3F, 0x00), APDU_SW_WRONG_LENGTH);
}

/* The table decides what a T=0 TPDU meant (ISO/IEC 7816-3 12.2). */
static void test_fit_case(void **state)
{
	struct apdu_cmd c;

	/* 5 octets, P3 00, for a command without Le: case 1 */
	PARSE(&c, 0x00, 0x20, 0x00, 0x01, 0x00);
	assert_int_equal(apdu_cmd_fit_case(&c, APDU_C1 | APDU_C3), 0);
	assert_int_equal(c.form, APDU_C1);
	assert_int_equal(c.ne, 0);
	/* but P3 05 cannot be case 1 */
	PARSE(&c, 0x00, 0x20, 0x00, 0x01, 0x05);
	assert_int_equal(apdu_cmd_fit_case(&c, APDU_C1 | APDU_C3), APDU_SW_WRONG_LENGTH);
	/* data without Le for a case 4 command: Ne unknown */
	PARSE(&c, 0x00, 0x88, 0x00, 0x81, 0x01, 0xAA);
	assert_int_equal(apdu_cmd_fit_case(&c, APDU_C4), 0);
	assert_int_equal(c.form, APDU_C4);
	assert_int_equal(c.ne, 0);
	/* Le sent with a case 3 command is dropped */
	PARSE(&c, 0x00, 0xD6, 0x00, 0x00, 0x01, 0xAA, 0x00);
	assert_int_equal(apdu_cmd_fit_case(&c, APDU_C3), 0);
	assert_int_equal(c.form, APDU_C3);
	assert_int_equal(c.ne, 0);
	/* no Le for a case 2 command: as much as there is */
	PARSE(&c, 0x00, 0xB0, 0x00, 0x00);
	assert_int_equal(apdu_cmd_fit_case(&c, APDU_C2), 0);
	assert_int_equal(c.ne, 256);
	/* data for a case 2 command, none for a case 3 command */
	PARSE(&c, 0x00, 0xB0, 0x00, 0x00, 0x01, 0xAA);
	assert_int_equal(apdu_cmd_fit_case(&c, APDU_C2), APDU_SW_WRONG_LENGTH);
	PARSE(&c, 0x00, 0xD6, 0x00, 0x00);
	assert_int_equal(apdu_cmd_fit_case(&c, APDU_C3), APDU_SW_WRONG_LENGTH);
}

/* encode(parse(x)) == x for every shape */
static void test_encode_roundtrip(void **state)
{
	static const uint8_t shapes[][12] = {
		{ 4, 0x00, 0xA4, 0x00, 0x04 },
		{ 5, 0x00, 0xB0, 0x00, 0x00, 0x0A },
		{ 5, 0x00, 0xB0, 0x00, 0x00, 0x00 },
		{ 7, 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 },
		{ 8, 0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00, 0x00 },
		{ 7, 0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00 },
		{ 9, 0x00, 0xA4, 0x00, 0x0C, 0x00, 0x00, 0x02, 0x3F, 0x00 },
		{ 11, 0x00, 0xA4, 0x00, 0x04, 0x00, 0x00, 0x02, 0x3F, 0x00, 0x00, 0x00 },
	};
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct apdu_cmd c;
		uint8_t out[16];
		size_t n;
		assert_int_equal(apdu_cmd_parse(&c, shapes[i] + 1, shapes[i][0]), 0);
		n = apdu_cmd_encode(&c, out, sizeof(out));
		assert_int_equal(n, shapes[i][0]);
		assert_memory_equal(out, shapes[i] + 1, n);
	}
	/* too small an output buffer writes nothing */
	{
		struct apdu_cmd c = { .cla = 0, .ins = 0xB0, .ne = 10 };
		uint8_t out[4];
		assert_int_equal(apdu_cmd_encode(&c, out, sizeof(out)), 0);
	}
}

static void test_rsp(void **state)
{
	uint8_t buf[4], out[8];
	struct apdu_rsp r = { .buf = buf, .cap = sizeof(buf), .sw = 0x9000 };

	assert_int_equal(apdu_rsp_append(&r, (const uint8_t *)"\x01\x02\x03", 3), 0);
	assert_int_equal(apdu_rsp_append(&r, (const uint8_t *)"\x04\x05", 2), -1);
	assert_int_equal(r.len, 3);
	assert_int_equal(apdu_rsp_encode(&r, out, sizeof(out)), 5);
	assert_memory_equal(out, "\x01\x02\x03\x90\x00", 5);
	assert_int_equal(apdu_rsp_encode(&r, out, 4), 0);
}

static void test_cla_channel(void **state)
{
	assert_int_equal(apdu_cla_channel(0x00), 0);
	assert_int_equal(apdu_cla_channel(0x03), 3);
	assert_int_equal(apdu_cla_channel(0x81), 1);
	assert_int_equal(apdu_cla_channel(0x40), 4);
	assert_int_equal(apdu_cla_channel(0xCF), 19);
	assert_int_equal(apdu_cla_channel(0xA0), 0);
	assert_int_equal(apdu_cla_channel(0xFF), -1);
	assert_int_equal(apdu_cla_channel(0x90), -1);
}

static void test_sw_names(void **state)
{
	assert_string_equal(apdu_sw_name(0x9000), "Normal ending of the command");
	assert_string_equal(apdu_sw_name(0x6700), "Wrong length");
	assert_string_equal(apdu_sw_name(0x6C1A), "Wrong Le, SW2 gives the exact length");
	assert_string_equal(apdu_sw_name(0x63C2), "Verification failed, retries left in SW2 low nibble");
	assert_string_equal(apdu_sw_name(0x1234), "Unknown status word");
	assert_int_equal(apdu_sw_more_data(0x25), 0x6125);
	assert_int_equal(apdu_sw_wrong_le(0x0A), 0x6C0A);
	assert_int_equal(apdu_sw_tries_left(3), 0x63C3);
	assert_true(apdu_sw_is_success(0x9000));
	assert_true(apdu_sw_is_success(0x6110));
	assert_false(apdu_sw_is_success(0x6A82));
	assert_false(apdu_sw_is_success(0x9862));
}

static void test_lv(void **state)
{
	static const uint8_t b[] = { 0x02, 0xAA, 0xBB, 0x00, 0x03, 0xCC };
	const uint8_t *pos = b, *val;
	size_t len;

	assert_int_equal(apdu_lv_next(&pos, b + sizeof(b), &val, &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(val[1], 0xBB);
	assert_int_equal(apdu_lv_next(&pos, b + sizeof(b), &val, &len), 0);
	assert_int_equal(len, 0);
	/* a length that runs past the end */
	assert_int_equal(apdu_lv_next(&pos, b + sizeof(b), &val, &len), -1);
	assert_ptr_equal(pos, b + 4);
	pos = b + sizeof(b);
	assert_int_equal(apdu_lv_next(&pos, b + sizeof(b), &val, &len), -1);
}

static void test_tlv_read(void **state)
{
	static const uint8_t fcp[] = {
		0x82, 0x02, 0x41, 0x21, 0x83, 0x02, 0x2F, 0xE2,
		0x5F, 0x2D, 0x01, 0x65,		/* two-octet tag */
		0xA5, 0x81, 0x01, 0x99,		/* length in 81 form */
	};
	struct apdu_tlv t;
	const uint8_t *pos = fcp;

	assert_int_equal(apdu_tlv_find(fcp, sizeof(fcp), 0x83, &t), 0);
	assert_int_equal(t.len, 2);
	assert_int_equal(t.val[1], 0xE2);
	assert_int_equal(apdu_tlv_find(fcp, sizeof(fcp), 0x5F2D, &t), 0);
	assert_int_equal(t.val[0], 0x65);
	assert_int_equal(apdu_tlv_find(fcp, sizeof(fcp), 0xA5, &t), 0);
	assert_int_equal(t.len, 1);
	assert_int_equal(apdu_tlv_find(fcp, sizeof(fcp), 0x88, &t), -1);
	/* every truncation of the buffer is refused, never over-read */
	for (size_t cut = 1; cut < 4; cut++) {
		pos = fcp;
		assert_int_equal(apdu_tlv_next(&pos, fcp + cut, &t), -1);
	}
	{
		static const uint8_t bad[][4] = {
			{ 0x84, 0x83, 0x00, 0x00 },	/* length form 83 unsupported */
			{ 0x84, 0x82, 0x01, 0x00 },	/* 256 octets announced */
			{ 0x5F, 0x81, 0x01, 0x00 },	/* second tag octet has b8 set */
		};
		for (size_t i = 0; i < 3; i++) {
			pos = bad[i];
			assert_int_equal(apdu_tlv_next(&pos, bad[i] + 4, &t), -1);
		}
	}
}

static void test_tlv_write(void **state)
{
	uint8_t buf[300];
	struct apdu_buf b = { .buf = buf, .cap = sizeof(buf) };
	uint8_t big[200];
	size_t outer;
	struct apdu_tlv t;

	memset(big, 0x5A, sizeof(big));
	outer = apdu_buf_open_tlv(&b, 0x62);
	apdu_buf_put_tlv(&b, 0x83, (const uint8_t *)"\x3F\x00", 2);
	apdu_buf_put_tlv(&b, 0x80, big, sizeof(big));	/* forces 81 xx */
	apdu_buf_close_tlv(&b, outer);			/* 207 octets: 81 CF */
	assert_false(b.overflow);
	assert_int_equal(b.len, 3 + 4 + 3 + 200);
	assert_memory_equal(buf, "\x62\x81\xCF\x83\x02\x3F\x00\x80\x81\xC8", 10);
	assert_int_equal(apdu_tlv_find(buf, b.len, 0x62, &t), 0);
	assert_int_equal(t.len, 207);

	/* overflow is sticky and writes nothing past cap */
	{
		uint8_t small[4];
		struct apdu_buf s = { .buf = small, .cap = sizeof(small) };
		apdu_buf_put_tlv(&s, 0x83, (const uint8_t *)"\x3F\x00\x01", 3);
		assert_true(s.overflow);
		apdu_buf_put_u8(&s, 1);
		assert_true(s.overflow);
		assert_true(s.len <= sizeof(small));
	}
	/* LV over 255 octets is refused */
	{
		struct apdu_buf s = { .buf = buf, .cap = sizeof(buf) };
		apdu_buf_put_lv(&s, buf, 256);
		assert_true(s.overflow);
	}
}

/* A stream cut at every possible point gives the same frames. */
static void test_vpcd_rx(void **state)
{
	static const uint8_t stream[] = {
		0x00, 0x01, 0x04,				/* GET ATR */
		0x00, 0x00,					/* empty frame */
		0x00, 0x05, 0x00, 0xB0, 0x00, 0x00, 0x0A,	/* an APDU */
	};
	static struct apdu_vpcd_rx rx;

	for (size_t cut = 0; cut <= sizeof(stream); cut++) {
		size_t pos = 0, frames = 0, lens[3];
		apdu_vpcd_rx_init(&rx);
		while (pos < sizeof(stream)) {
			size_t end = pos < cut ? cut : sizeof(stream);
			bool complete;
			pos += apdu_vpcd_rx_feed(&rx, stream + pos, end - pos, &complete);
			if (complete) {
				assert_true(frames < 3);
				lens[frames++] = apdu_vpcd_frame_len(&rx);
			}
		}
		assert_int_equal(frames, 3);
		assert_int_equal(lens[0], 1);
		assert_int_equal(lens[1], 0);
		assert_int_equal(lens[2], 5);
		assert_memory_equal(rx.frame, stream + 7, 5);
	}
}

static void test_vpcd_hostport(void **state)
{
	char host[64] = "127.0.0.1";
	uint16_t port = 35963;

	assert_int_equal(apdu_vpcd_parse_hostport("localhost:35964", host, sizeof(host), &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 35964);
	assert_int_equal(apdu_vpcd_parse_hostport("[::1]:4000", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 4000);
	assert_int_equal(apdu_vpcd_parse_hostport(":5000", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 5000);
	assert_int_equal(apdu_vpcd_parse_hostport("h:0", host, sizeof(host), &port), -1);
	assert_int_equal(apdu_vpcd_parse_hostport("h:70000", host, sizeof(host), &port), -1);
	assert_int_equal(apdu_vpcd_parse_hostport("h:", host, sizeof(host), &port), -1);
	assert_int_equal(apdu_vpcd_parse_hostport("::1:80", host, sizeof(host), &port), -1);
	assert_int_equal(apdu_vpcd_parse_hostport("h:12x", host, sizeof(host), &port), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_cases),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_fit_case),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_rsp),
		cmocka_unit_test(test_cla_channel),
		cmocka_unit_test(test_sw_names),
		cmocka_unit_test(test_lv),
		cmocka_unit_test(test_tlv_read),
		cmocka_unit_test(test_tlv_write),
		cmocka_unit_test(test_vpcd_rx),
		cmocka_unit_test(test_vpcd_hostport),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("apdu", tests, NULL, NULL);
}
