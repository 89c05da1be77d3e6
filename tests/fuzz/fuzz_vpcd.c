/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the incremental vpcd frame decoder, apdu_vpcd_rx_feed().
 *
 * The input is a vpcd byte stream (2-octet big-endian length, that many
 * octets, repeated). It is fed three ways, as reads of a socket could deliver
 * it: all at once, one octet at a time, and in chunks whose sizes come from
 * the input itself. Each way must yield the frames a plain reference walk over
 * the stream yields, in order and octet for octet, and make progress with
 * every call. */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu/vpcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference decoding: where each complete frame's octets are. */
struct ref {
	size_t count;
	size_t *off, *len;
};

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_vpcd: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static void ref_decode(const uint8_t *s, size_t size, struct ref *ref)
{
	size_t pos = 0;

	ref->count = 0;
	ref->off = calloc(size / 2 + 1, sizeof(size_t));
	ref->len = calloc(size / 2 + 1, sizeof(size_t));
	if (!ref->off || !ref->len)
		fail("out of memory");
	while (size - pos >= 2) {
		size_t l = (size_t)s[pos] << 8 | s[pos + 1];
		if (size - pos - 2 < l)
			break;
		ref->off[ref->count] = pos + 2;
		ref->len[ref->count++] = l;
		pos += 2 + l;
	}
}

/* Chunk sizes: way 0 all at once, 1 octet by octet, 2 sizes 1..CHUNK_MAX
 * from the input's octets. */
#define CHUNK_MAX 64

static size_t chunk_size(int way, const uint8_t *s, size_t size, size_t pos)
{
	switch (way) {
	case 0:
		return size;
	case 1:
		return 1;
	default:
		return 1 + (s[(pos * 7 + 3) % size] ^ (uint8_t)pos) % CHUNK_MAX;
	}
}

static void feed_all(const uint8_t *s, size_t size, int way, const struct ref *ref)
{
	static struct apdu_vpcd_rx rx;
	size_t pos = 0, frames = 0;
	size_t cap = way == 0 ? size : way == 1 ? 1 : CHUNK_MAX;
	uint8_t *buf = malloc(cap);

	if (!buf)
		fail("out of memory");
	apdu_vpcd_rx_init(&rx);
	while (pos < size) {
		size_t n = chunk_size(way, s, size, pos), used = 0;
		uint8_t *chunk;

		if (n > size - pos)
			n = size - pos;
		chunk = buf + cap - n;	/* ends where the buffer ends, for ASan */
		memcpy(chunk, s + pos, n);
		while (used < n) {
			bool complete;
			size_t u = apdu_vpcd_rx_feed(&rx, chunk + used, n - used, &complete);
			if (!u || u > n - used)
				fail("way %d: consumed %zu of %zu octets at offset %zu", way, u,
				     n - used, pos + used);
			used += u;
			if (!complete)
				continue;
			if (frames == ref->count)
				fail("way %d: frame %zu ending at offset %zu, the stream has %zu", way,
				     frames, pos + used, ref->count);
			if (apdu_vpcd_frame_len(&rx) != ref->len[frames] ||
			    memcmp(rx.frame, s + ref->off[frames], ref->len[frames]))
				fail("way %d: frame %zu of %zu octets, expected %zu at offset %zu", way,
				     frames, apdu_vpcd_frame_len(&rx), ref->len[frames],
				     ref->off[frames]);
			frames++;
		}
		pos += n;
	}
	free(buf);
	if (frames != ref->count)
		fail("way %d: %zu frames decoded, the stream holds %zu", way, frames, ref->count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ref ref;

	ref_decode(data, size, &ref);
	for (int way = 0; way < 3; way++)
		feed_all(data, size, way, &ref);
	free(ref.off);
	free(ref.len);
	return 0;
}
