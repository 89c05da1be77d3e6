/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AUTHENTICATE (TS 31.102 7.1.2) on the wire, for every side that codes
 * it: the ME's command data (e2msim-auth, the bridge, the benchmarks) and
 * the card's answers (the card, and the bridge answering for a card). The
 * command data and the answers are LVs: RAND, AUTN in the 3G context, and
 * after them the E2M context's EID, SNID and ALG (doc/e2m-profile.md 3);
 * 'DB' RES CK IK [Kc | K_E2M_int K_E2M_enc], 'DC' AUTS, or in the GSM
 * context SRES Kc without a tag. The card's checks of a command's fields
 * are its own (usim/auth.c, e2m/cmd.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "apdu/apdu.h"

#define AKA_AUTH_INS		0x88
#define AKA_AUTH_P2_GSM		0x80	/* TS 31.102 7.1.2, security contexts in P2 */
#define AKA_AUTH_P2_3G		0x81
#define AKA_AUTH_TAG_OK		0xDB	/* TS 31.102 7.1.2.1: successful 3G (or E2M) run */
#define AKA_AUTH_TAG_SYNC	0xDC	/* synchronisation failure, AUTS follows */
#define AKA_AUTH_NO_TAG		(-1)	/* the GSM context's answer */
#define AKA_AUTH_LVS_MAX	6

/* Fields in order, each coded as one length octet and its value. */
struct aka_auth_lvs {
	unsigned int n;
	const uint8_t *val[AKA_AUTH_LVS_MAX];
	size_t len[AKA_AUTH_LVS_MAX];
};

/*! Append a field (len <= 255; a NULL val with len 0 is an empty field);
 *  beyond AKA_AUTH_LVS_MAX fields it is dropped and f->n says so no more. */
void aka_auth_lvs_add(struct aka_auth_lvs *f, const uint8_t *val, size_t len);

/*! The command data of f into out: its length, 0 when it does not fit or a
 *  field is longer than 255 octets. */
size_t aka_auth_cmd_data(const struct aka_auth_lvs *f, uint8_t *out, size_t cap);

/*! An answer into rsp: tag (AKA_AUTH_TAG_OK, AKA_AUTH_TAG_SYNC, or
 *  AKA_AUTH_NO_TAG), then the fields. 0, or -ENOSPC when rsp is too small
 *  (rsp then holds a part). */
int aka_auth_answer_put(struct apdu_rsp *rsp, int tag, const struct aka_auth_lvs *f);

/*! The LVs of data (command data, or the GSM context's untagged answer)
 *  into f. 0, or -EBADMSG for a length running past the end or more than
 *  AKA_AUTH_LVS_MAX fields. */
int aka_auth_lvs_parse(const uint8_t *data, size_t len, struct aka_auth_lvs *f);

/*! Read an answer of the 3G or E2M context: *tag and its fields ('DB':
 *  every LV, 'DC': the AUTS). 0, or -EBADMSG for another tag, a length
 *  running past the end, or more than AKA_AUTH_LVS_MAX fields. Never reads
 *  outside data[0..len). */
int aka_auth_answer_parse(const uint8_t *data, size_t len, uint8_t *tag, struct aka_auth_lvs *f);
