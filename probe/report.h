/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A walked card as text, as JSON, as an e2msim profile; two walked cards'
 * differences. */
#pragma once

#include <stdio.h>

#include <jansson.h>

#include "probe/walk.h"

/* One difference: what (ATR, a file's path, a step's label), the field
 * (status word, size, contents...) and each card's value. */
struct probe_diff {
	char what[PROBE_LABEL_MAX];
	char field[24];
	char *a, *b;
};

struct probe_diffs {
	size_t count, cap;
	struct probe_diff *list;
};

/*! Every difference between a and b (walked with the same options) into d:
 *  ATR, applications, PIN counters, each file's status words, FCP fields
 *  (structure, size, records, SFI, access rules, life cycle) and contents,
 *  each step's status word and data; timing when max_ratio > 0 and one
 *  card's median exceeds the other's max_ratio times. 0 or -1 (memory). */
int probe_diff(const struct probe_card *a, const struct probe_card *b, double max_ratio,
	       struct probe_diffs *d);
void probe_diffs_free(struct probe_diffs *d);

/*! The walk as text, one line per file and per step. */
void probe_card_print(FILE *out, const struct probe_card *c);

/*! The walk as a JSON object (NULL: out of memory). */
json_t *probe_card_json(const struct probe_card *c);

/*! The timing of the same commands on two cards, one line each. */
void probe_timing_print(FILE *out, const struct probe_card *a, const struct probe_card *b);
json_t *probe_timing_json(const struct probe_card *a, const struct probe_card *b);

/*! An e2msim profile (usim/profile.c's JSON) of what the card let the walk
 *  read: iccid and imsi, PIN1 when the card took pin1 (or PIN1 disabled),
 *  and under "files" every readable EF of the table that owns its contents,
 *  with its size or record size and count; no keys. NULL with err when
 *  EF.ICCID or EF.IMSI was not read. */
json_t *probe_profile_json(const struct probe_card *c, const char *pin1, char *err, size_t errlen);
