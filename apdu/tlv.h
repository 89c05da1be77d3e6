/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LV and BER-TLV coding, ISO/IEC 7816-4 5.2 and TS 102 221 annex A (lengths
 * up to 65535, tags of one or two octets). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct apdu_tlv {
	uint16_t tag;		/* one-octet tags as 0x00XX, two-octet as 0xXXYY */
	uint16_t len;
	const uint8_t *val;
};

/* A bounded writer: every put checks the space left; once something did not fit,
 * overflow stays set and nothing more is written. */
struct apdu_buf {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

int apdu_lv_next(const uint8_t **pos, const uint8_t *end, const uint8_t **val, size_t *len);
int apdu_tlv_next(const uint8_t **pos, const uint8_t *end, struct apdu_tlv *tlv);
int apdu_tlv_find(const uint8_t *buf, size_t len, uint16_t tag, struct apdu_tlv *tlv);

void apdu_buf_put(struct apdu_buf *b, const uint8_t *data, size_t len);
void apdu_buf_put_u8(struct apdu_buf *b, uint8_t v);
void apdu_buf_put_lv(struct apdu_buf *b, const uint8_t *data, size_t len);
void apdu_buf_put_tlv(struct apdu_buf *b, uint16_t tag, const uint8_t *val, size_t len);
size_t apdu_buf_open_tlv(struct apdu_buf *b, uint16_t tag);
void apdu_buf_close_tlv(struct apdu_buf *b, size_t mark);
