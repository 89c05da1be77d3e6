/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the device's protected message as an HSE receives it
 * (e2m/msg.h), e2m_msg_parse() and e2m_msg_verify().
 *
 * Besides crashes and leaks: the parsed fields lie inside the input, in the
 * order of the framing, and fill it exactly; the message rebuilt from them
 * with e2m_msg_build() under the key of doc/e2m-profile.md 6 verifies, equals
 * the input up to the MAC, and the input itself verifies only if its MAC is
 * that one. The input is copied to a buffer of exactly its size, for ASan. */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2m/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t k_int[E2M_ALG_KEY_LEN] = {	/* doc/e2m-profile.md 6, A-D */
	0x29, 0xc1, 0x04, 0x68, 0x5d, 0x3d, 0x45, 0xc8,
	0x90, 0x38, 0xda, 0x58, 0x33, 0x99, 0x9a, 0x93,
};

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_e2m_msg: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = malloc(size ? size : 1), *again;
	struct e2m_msg m;
	size_t len;

	if (!msg)
		fail("out of memory");
	memcpy(msg, data, size);
	if (e2m_msg_parse(msg, size, &m) < 0) {
		free(msg);
		return 0;
	}
	if (m.kid_len < 1 || strlen(m.kid) != m.kid_len || size < E2M_MSG_LEN(m.kid_len, 0) ||
	    m.payload != msg + 3 + m.kid_len + 2 || m.mac != m.payload + m.payload_len ||
	    m.mac + E2M_MSG_MAC_LEN != msg + size || memcmp(msg + 3, m.kid, m.kid_len))
		fail("fields outside the message or not in the framing's order");
	for (uint8_t ia = 1; ia <= 2; ia++) {
		again = malloc(size);
		if (!again)
			fail("out of memory");
		if (e2m_msg_build(ia, k_int, m.kid, m.payload, m.payload_len, again, size,
				       &len) < 0 || len != size)
			fail("a parsed message cannot be rebuilt in its own size");
		if (memcmp(again, msg, size - E2M_MSG_MAC_LEN))
			fail("rebuilt message differs before the MAC");
		if ((e2m_msg_verify(&m, m.kid, ia, k_int) == 0) !=
		    (memcmp(again + size - E2M_MSG_MAC_LEN, m.mac, E2M_MSG_MAC_LEN) == 0))
			fail("verify disagrees with the MAC of IA %u", ia);
		free(again);
	}
	free(msg);
	return 0;
}
