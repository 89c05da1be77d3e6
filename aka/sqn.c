/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SQN verification of TS 33.102 Annex C.3.
 *
 * The HLR/AuC hands out SQN = SEQ || IND: SEQ counts up, IND (the low
 * ind_bits bits) names one of 2^ind_bits slots, so that AVs generated for
 * different serving nodes (or out of order) can each be used once. The USIM
 * keeps, per slot, the highest SEQ it accepted there. A received SQN is fresh
 * when its SEQ is higher than its slot's entry (C.3.2); two limits guard
 * against SQNs wildly ahead (SEQ - SEQ_MS <= delta, SEQ_MS the highest SEQ
 * of all slots) and, optionally, too old (SEQ_MS - SEQ <= L). On acceptance
 * the slot takes the new SEQ; on rejection the USIM reports SQN_MS, the
 * highest accepted SQN (C.3.4), in AUTS so that the HLR can resynchronise. */

#include "aka/sqn.h"

static uint64_t seq_ms(const struct aka_sqn_params *p, const struct aka_sqn_state *s,
		       unsigned int *at)
{
	uint64_t best = 0;
	unsigned int slots = 1u << p->ind_bits;

	*at = 0;
	for (unsigned int i = 0; i < slots; i++) {
		if (s->seq[i] > best) {
			best = s->seq[i];
			*at = i;
		}
	}
	return best;
}

/*! Check a received SQN; *ind and *seq get its slot and SEQ, to store on
 *  acceptance. */
enum aka_sqn_verdict aka_sqn_check(const struct aka_sqn_params *p, const struct aka_sqn_state *s,
				     uint64_t sqn, unsigned int *ind, uint64_t *seq)
{
	unsigned int at;
	uint64_t highest = seq_ms(p, s, &at);

	*ind = (unsigned int)(sqn & ((1u << p->ind_bits) - 1));
	*seq = sqn >> p->ind_bits;
	if (*seq <= s->seq[*ind])
		return AKA_SQN_REJECT;			/* replayed or stale in its slot */
	if (*seq > highest && *seq - highest > p->delta)
		return AKA_SQN_REJECT;			/* too far ahead */
	if (p->age_limit && highest > *seq && highest - *seq > p->age_limit)
		return AKA_SQN_REJECT;			/* too old */
	return AKA_SQN_ACCEPT;
}

/*! SQN_MS for AUTS (C.3.4): the highest accepted SEQ with its IND. */
uint64_t aka_sqn_ms(const struct aka_sqn_params *p, const struct aka_sqn_state *s)
{
	unsigned int at;
	uint64_t highest = seq_ms(p, s, &at);

	return (highest << p->ind_bits | at) & AKA_SQN_MAX;
}

uint64_t aka_sqn_from_bytes(const uint8_t b[6])
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | b[i];
	return v;
}

void aka_sqn_to_bytes(uint64_t sqn, uint8_t b[6])
{
	for (int i = 5; i >= 0; i--) {
		b[i] = (uint8_t)sqn;
		sqn >>= 8;
	}
}
