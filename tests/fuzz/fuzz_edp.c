/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: an EDP message (doc/e2m-profile.md section 7) as a
 * receiver gets it, to e2m_edp_parse() and e2m_edp_open() under the keyset
 * of doc/e2m-profile.md 6 for each ALG (K_E2M_int by IA, K_E2M_enc by EA;
 * section 7 gives K_E2M_enc for EA 2).
 *
 * Besides crashes and leaks: the parsed fields lie inside the input in the
 * order HDR || KIDF || COUNT || BODY || TAG and fill it, HDR and KIDF are
 * what the octets say, COUNT is coded in its shortest form (encoding it
 * again gives the same octets); open refuses only with -EBADMSG and then
 * leaves the payload zeroed; a message that opens is rebuilt by
 * e2m_edp_build() from its D, F, COUNT and payload to the same octets, and
 * a window that accepted its COUNT calls it a replay. The input is copied
 * to a buffer of exactly its size, and the payload is given exactly
 * body_len octets, for ASan. */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2m/edp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EX_KID	"I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.org"

/* doc/e2m-profile.md 6 (A-D): K_E2M_int for IA 1 and 2, K_E2M_enc for EA 1;
 * section 7: K_E2M_enc for EA 2 */
static const uint8_t ex_k_int[3][E2M_ALG_KEY_LEN] = {
	[1] = { 0x29, 0xc1, 0x04, 0x68, 0x5d, 0x3d, 0x45, 0xc8,
		0x90, 0x38, 0xda, 0x58, 0x33, 0x99, 0x9a, 0x93 },
	[2] = { 0x61, 0x16, 0x82, 0x84, 0xbf, 0xa6, 0x05, 0x66,
		0xd6, 0x36, 0x69, 0x49, 0x8e, 0x08, 0x15, 0x75 },
};
static const uint8_t ex_k_enc[3][E2M_ALG_KEY_LEN] = {
	[1] = { 0xf5, 0x33, 0xc8, 0x22, 0x86, 0x87, 0x3a, 0xd1,
		0xd4, 0xee, 0xf2, 0x5d, 0x51, 0xfb, 0xab, 0xff },
	[2] = { 0xfa, 0x7f, 0x37, 0x50, 0x97, 0xce, 0x64, 0x6c,
		0x66, 0x81, 0x11, 0x6c, 0x04, 0x93, 0x8c, 0xd5 },
};
static const uint8_t algs[] = { 0x01, 0x02, 0x11, 0x12, 0x21, 0x22 };
static struct e2m_edp_keys keysets[sizeof(algs)];

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_edp: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static void keysets_init(void)
{
	static int done;

	if (done)
		return;
	for (size_t i = 0; i < sizeof(algs); i++) {
		uint8_t ea = algs[i] >> 4, ia = algs[i] & 0x0F;

		if (e2m_edp_keys_init(&keysets[i], algs[i], ex_k_int[ia], ea ? ex_k_enc[ea] : NULL,
				      EX_KID) < 0)
			fail("keyset of ALG %02x", algs[i]);
	}
	done = 1;
}

/* The fields of a parsed message against its octets. */
static void check_fields(const uint8_t *msg, size_t size, const struct e2m_edp_hdr *h)
{
	uint8_t cnt[E2M_EDP_COUNT_LEN_MAX];
	size_t kidf = h->full_kid ? 1 + h->kid_len : E2M_EDP_SID_LEN, cnt_len;

	if (h->aad != msg || h->body != msg + h->aad_len || h->tag != h->body + h->body_len ||
	    h->tag + E2M_EDP_TAG_LEN != msg + size || h->body_len > E2M_EDP_BODY_MAX)
		fail("fields outside the message or not in its order");
	if ((msg[0] & 0xCF) != 0x40 || h->dir != (msg[0] & E2M_EDP_HDR_D ? E2M_EDP_DOWN : E2M_EDP_UP) ||
	    h->full_kid != !!(msg[0] & E2M_EDP_HDR_F))
		fail("HDR %02x taken as dir %d F %d", msg[0], h->dir, h->full_kid);
	if (h->full_kid ? h->kid_len < 1 || h->kid != msg + 2 || msg[1] != h->kid_len :
			  memcmp(h->sid, msg + 1, E2M_EDP_SID_LEN) != 0)
		fail("KIDF is not what the octets say");
	cnt_len = e2m_edp_count_encode(h->count, cnt);
	if (h->aad_len != 1 + kidf + cnt_len || memcmp(msg + 1 + kidf, cnt, cnt_len))
		fail("COUNT %u is not in its shortest form", (unsigned int)h->count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = malloc(size ? size : 1);
	struct e2m_edp_hdr h;

	if (!msg)
		fail("out of memory");
	keysets_init();
	memcpy(msg, data, size);
	if (e2m_edp_parse(msg, size, &h) < 0) {
		free(msg);
		return 0;
	}
	check_fields(msg, size, &h);

	for (size_t i = 0; i < sizeof(algs); i++) {
		uint8_t *payload = malloc(h.body_len ? h.body_len : 1), *again;
		struct e2m_edp_window w = { 0 };
		size_t payload_len = 0, len = 0;
		int rc;

		if (!payload)
			fail("out of memory");
		memset(payload, 0xAA, h.body_len);
		rc = e2m_edp_open(&keysets[i], &h, payload, h.body_len, &payload_len);
		if (rc < 0) {
			if (rc != -EBADMSG)
				fail("open under ALG %02x: %d", algs[i], rc);
			for (size_t j = 0; j < h.body_len; j++) {
				if (payload[j])
					fail("payload left after a refusal under ALG %02x", algs[i]);
			}
			free(payload);
			continue;
		}
		if (payload_len != h.body_len)
			fail("payload of %zu octets from a body of %zu", payload_len, h.body_len);
		again = malloc(size);
		if (!again)
			fail("out of memory");
		if (e2m_edp_build(&keysets[i], h.dir, h.full_kid, h.count, payload, payload_len, again,
				  size, &len) < 0 || len != size || memcmp(again, msg, size))
			fail("a message that opens under ALG %02x is not rebuilt to its octets",
			     algs[i]);
		if (e2m_edp_window_check(&w, h.count) != 0)
			fail("a fresh window refuses COUNT %u", (unsigned int)h.count);
		e2m_edp_window_accept(&w, h.count);
		if (e2m_edp_window_check(&w, h.count) != -EALREADY)
			fail("COUNT %u accepted twice", (unsigned int)h.count);
		free(again);
		free(payload);
	}
	free(msg);
	return 0;
}
