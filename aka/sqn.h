/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The USIM's sequence number check, TS 33.102 Annex C.3: SQN = SEQ || IND,
 * an array of the highest SEQ accepted per IND, a delta limit and an
 * optional age limit L. Pure: explicit state in, decision out. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define AKA_SQN_IND_BITS_MAX	8
#define AKA_SQN_SLOTS_MAX	(1u << AKA_SQN_IND_BITS_MAX)
#define AKA_SQN_MAX		((1ull << 48) - 1)

struct aka_sqn_params {
	unsigned int ind_bits;	/* IND length, 0..8; default 5 */
	uint64_t delta;		/* C.3.2 delta: SEQ - SEQ_MS <= delta; default 2^28 */
	uint64_t age_limit;	/* C.3.2 L: SEQ_MS - SEQ <= L; 0 = not used */
};

struct aka_sqn_state {
	uint64_t seq[AKA_SQN_SLOTS_MAX];	/* highest SEQ accepted per IND */
};

#define AKA_SQN_PARAMS_DEFAULT { .ind_bits = 5, .delta = 1ull << 28, .age_limit = 0 }

enum aka_sqn_verdict {
	AKA_SQN_ACCEPT,
	AKA_SQN_REJECT,	/* answer with AUTS */
};

enum aka_sqn_verdict aka_sqn_check(const struct aka_sqn_params *p, const struct aka_sqn_state *s,
				     uint64_t sqn, unsigned int *ind, uint64_t *seq);
uint64_t aka_sqn_ms(const struct aka_sqn_params *p, const struct aka_sqn_state *s);
uint64_t aka_sqn_from_bytes(const uint8_t b[6]);
void aka_sqn_to_bytes(uint64_t sqn, uint8_t b[6]);
