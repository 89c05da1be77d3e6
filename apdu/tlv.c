/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LV and BER-TLV coding. Readers walk pos/end and check before every read. */

#include <string.h>

#include "apdu/tlv.h"

/*! Read one LV (one length octet, then that many octets). Returns 0 and
 *  advances *pos, or -1 when the field runs past end. */
int apdu_lv_next(const uint8_t **pos, const uint8_t *end, const uint8_t **val, size_t *len)
{
	const uint8_t *p = *pos;
	size_t l;

	if (p >= end)
		return -1;
	l = *p++;
	if (l > (size_t)(end - p))
		return -1;
	*val = p;
	*len = l;
	*pos = p + l;
	return 0;
}

/*! Read one BER-TLV data object. Returns 0 and advances *pos, or -1 when the
 *  object is malformed or runs past end. Padding 'FF' and '00' before a tag is
 *  not skipped here: callers that allow it skip it themselves. */
int apdu_tlv_next(const uint8_t **pos, const uint8_t *end, struct apdu_tlv *tlv)
{
	const uint8_t *p = *pos;
	size_t len;

	if (p >= end)
		return -1;
	tlv->tag = *p++;
	if ((tlv->tag & 0x1f) == 0x1f) {	/* subsequent tag octet */
		if (p >= end || (*p & 0x80))
			return -1;
		tlv->tag = (tlv->tag << 8) | *p++;
	}
	if (p >= end)
		return -1;
	len = *p++;
	if (len == 0x81) {
		if (p >= end)
			return -1;
		len = *p++;
	} else if (len == 0x82) {
		if (end - p < 2)
			return -1;
		len = ((size_t)p[0] << 8) | p[1];
		p += 2;
	} else if (len > 0x7f) {
		return -1;
	}
	if (len > (size_t)(end - p))
		return -1;
	tlv->len = (uint16_t)len;
	tlv->val = p;
	*pos = p + len;
	return 0;
}

/*! Find the first data object with this tag at the top level of buf.
 *  Returns 0 when found, -1 when absent or when the buffer is malformed. */
int apdu_tlv_find(const uint8_t *buf, size_t len, uint16_t tag, struct apdu_tlv *tlv)
{
	const uint8_t *pos = buf, *end = buf + len;

	while (pos < end) {
		if (apdu_tlv_next(&pos, end, tlv) < 0)
			return -1;
		if (tlv->tag == tag)
			return 0;
	}
	return -1;
}

void apdu_buf_put(struct apdu_buf *b, const uint8_t *data, size_t len)
{
	if (b->overflow || len > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
}

void apdu_buf_put_u8(struct apdu_buf *b, uint8_t v)
{
	apdu_buf_put(b, &v, 1);
}

/*! One length octet, then the data; lengths over 255 set overflow. */
void apdu_buf_put_lv(struct apdu_buf *b, const uint8_t *data, size_t len)
{
	if (len > 255) {
		b->overflow = true;
		return;
	}
	apdu_buf_put_u8(b, (uint8_t)len);
	apdu_buf_put(b, data, len);
}

static void put_tag(struct apdu_buf *b, uint16_t tag)
{
	if (tag > 0xff)
		apdu_buf_put_u8(b, tag >> 8);
	apdu_buf_put_u8(b, tag & 0xff);
}

static size_t len_octets(size_t len)
{
	return len < 0x80 ? 1 : len <= 0xff ? 2 : 3;
}

static void put_len(uint8_t *p, size_t len)
{
	if (len < 0x80) {
		p[0] = (uint8_t)len;
	} else if (len <= 0xff) {
		p[0] = 0x81;
		p[1] = (uint8_t)len;
	} else {
		p[0] = 0x82;
		p[1] = (uint8_t)(len >> 8);
		p[2] = (uint8_t)len;
	}
}

void apdu_buf_put_tlv(struct apdu_buf *b, uint16_t tag, const uint8_t *val, size_t len)
{
	uint8_t l[3];

	if (len > 0xffff) {
		b->overflow = true;
		return;
	}
	put_tag(b, tag);
	put_len(l, len);
	apdu_buf_put(b, l, len_octets(len));
	apdu_buf_put(b, val, len);
}

/*! Start a constructed object; returns a mark for apdu_buf_close_tlv(). The
 *  length is written as one octet and widened on close when needed. */
size_t apdu_buf_open_tlv(struct apdu_buf *b, uint16_t tag)
{
	put_tag(b, tag);
	apdu_buf_put_u8(b, 0);
	return b->len;
}

void apdu_buf_close_tlv(struct apdu_buf *b, size_t mark)
{
	size_t len, extra;

	if (b->overflow)
		return;
	len = b->len - mark;
	extra = len_octets(len) - 1;
	if (len > 0xffff || extra > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memmove(b->buf + mark + extra, b->buf + mark, len);
	put_len(b->buf + mark - 1, len);
	b->len += extra;
}
