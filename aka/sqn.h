/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The USIM's sequence number check, TS 33.102 Annex C.3: SQN = SEQ || IND,
 * an array of the highest SEQ accepted per IND, a delta limit and an
 * optional age limit L. Pure: explicit state in, decision out. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define USIM_SQN_IND_BITS_MAX	8
#define USIM_SQN_SLOTS_MAX	(1u << USIM_SQN_IND_BITS_MAX)
#define USIM_SQN_MAX		((1ull << 48) - 1)

struct usim_sqn_params {
	unsigned int ind_bits;	/* IND length, 0..8; default 5 */
	uint64_t delta;		/* C.3.2 delta: SEQ - SEQ_MS <= delta; default 2^28 */
	uint64_t age_limit;	/* C.3.2 L: SEQ_MS - SEQ <= L; 0 = not used */
};

struct usim_sqn_state {
	uint64_t seq[USIM_SQN_SLOTS_MAX];	/* highest SEQ accepted per IND */
};

#define USIM_SQN_PARAMS_DEFAULT { .ind_bits = 5, .delta = 1ull << 28, .age_limit = 0 }

enum usim_sqn_verdict {
	USIM_SQN_ACCEPT,
	USIM_SQN_REJECT,	/* answer with AUTS */
};

enum usim_sqn_verdict usim_sqn_check(const struct usim_sqn_params *p, const struct usim_sqn_state *s,
				     uint64_t sqn, unsigned int *ind, uint64_t *seq);
uint64_t usim_sqn_ms(const struct usim_sqn_params *p, const struct usim_sqn_state *s);
uint64_t usim_sqn_from_bytes(const uint8_t b[6]);
void usim_sqn_to_bytes(uint64_t sqn, uint8_t b[6]);
