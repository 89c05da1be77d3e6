/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The USIM's SQN check, TS 33.102 Annex C.3. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aka/sqn.h"

static const struct aka_sqn_params dflt = AKA_SQN_PARAMS_DEFAULT;

static uint64_t sqn_of(uint64_t seq, unsigned int ind)
{
	return seq << dflt.ind_bits | ind;
}

/* check, and store on acceptance as the card does */
static enum aka_sqn_verdict take(const struct aka_sqn_params *p, struct aka_sqn_state *s, uint64_t sqn)
{
	unsigned int ind;
	uint64_t seq;
	enum aka_sqn_verdict v = aka_sqn_check(p, s, sqn, &ind, &seq);

	if (v == AKA_SQN_ACCEPT)
		s->seq[ind] = seq;
	return v;
}

static void test_fresh_and_replay(void **state)
{
	struct aka_sqn_state s = { 0 };

	assert_int_equal(take(&dflt, &s, sqn_of(1, 0)), AKA_SQN_ACCEPT);
	assert_int_equal(take(&dflt, &s, sqn_of(1, 0)), AKA_SQN_REJECT);	/* replay */
	assert_int_equal(take(&dflt, &s, sqn_of(0, 0)), AKA_SQN_REJECT);	/* older */
	assert_int_equal(take(&dflt, &s, sqn_of(2, 0)), AKA_SQN_ACCEPT);
}

/* C.3.2: an AV of another IND slot is fresh even when its SEQ is below the
 * highest accepted one (AVs used out of order), once. */
static void test_other_slot(void **state)
{
	struct aka_sqn_state s = { 0 };

	assert_int_equal(take(&dflt, &s, sqn_of(10, 3)), AKA_SQN_ACCEPT);
	assert_int_equal(take(&dflt, &s, sqn_of(7, 4)), AKA_SQN_ACCEPT);
	assert_int_equal(take(&dflt, &s, sqn_of(7, 4)), AKA_SQN_REJECT);
	assert_int_equal(take(&dflt, &s, sqn_of(9, 3)), AKA_SQN_REJECT);
	assert_int_equal(s.seq[3], 10);
	assert_int_equal(s.seq[4], 7);
}

/* C.3.2: SEQ - SEQ_MS <= delta */
static void test_delta(void **state)
{
	struct aka_sqn_params p = dflt;
	struct aka_sqn_state s = { 0 };

	p.delta = 100;
	assert_int_equal(take(&p, &s, sqn_of(100, 0)), AKA_SQN_ACCEPT);
	assert_int_equal(take(&p, &s, sqn_of(201, 1)), AKA_SQN_REJECT);
	assert_int_equal(take(&p, &s, sqn_of(200, 1)), AKA_SQN_ACCEPT);
	/* the default delta is 2^28 */
	memset(&s, 0, sizeof(s));
	assert_int_equal(take(&dflt, &s, sqn_of((1ull << 28) + 1, 0)), AKA_SQN_REJECT);
	assert_int_equal(take(&dflt, &s, sqn_of(1ull << 28, 0)), AKA_SQN_ACCEPT);
}

/* C.3.2 optional age limit: SEQ_MS - SEQ <= L */
static void test_age_limit(void **state)
{
	struct aka_sqn_params p = dflt;
	struct aka_sqn_state s = { 0 };

	p.age_limit = 5;
	assert_int_equal(take(&p, &s, sqn_of(20, 0)), AKA_SQN_ACCEPT);
	assert_int_equal(take(&p, &s, sqn_of(14, 1)), AKA_SQN_REJECT);
	assert_int_equal(take(&p, &s, sqn_of(15, 1)), AKA_SQN_ACCEPT);
	p.age_limit = 0;	/* not used */
	assert_int_equal(take(&p, &s, sqn_of(1, 2)), AKA_SQN_ACCEPT);
}

/* C.3.4: SQN_MS is the highest accepted SEQ with its IND */
static void test_sqn_ms(void **state)
{
	struct aka_sqn_state s = { 0 };

	assert_int_equal(aka_sqn_ms(&dflt, &s), 0);
	take(&dflt, &s, sqn_of(5, 9));
	take(&dflt, &s, sqn_of(3, 2));
	assert_int_equal(aka_sqn_ms(&dflt, &s), sqn_of(5, 9));
}

static void test_no_ind(void **state)
{
	struct aka_sqn_params p = dflt;
	struct aka_sqn_state s = { 0 };

	p.ind_bits = 0;
	assert_int_equal(take(&p, &s, 5), AKA_SQN_ACCEPT);
	assert_int_equal(take(&p, &s, 4), AKA_SQN_REJECT);
	assert_int_equal(take(&p, &s, 6), AKA_SQN_ACCEPT);
	assert_int_equal(aka_sqn_ms(&p, &s), 6);
}

static void test_bytes(void **state)
{
	uint8_t b[6];

	aka_sqn_to_bytes(0x000000001234ull, b);
	assert_memory_equal(b, "\x00\x00\x00\x00\x12\x34", 6);
	aka_sqn_to_bytes(0xfedcba987654ull, b);
	assert_int_equal(aka_sqn_from_bytes(b), 0xfedcba987654ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_and_replay),
		cmocka_unit_test(test_other_slot),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_age_limit),
		cmocka_unit_test(test_sqn_ms),
		cmocka_unit_test(test_no_ind),
		cmocka_unit_test(test_bytes),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("sqn", tests, NULL, NULL);
}
