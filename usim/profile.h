/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Card profiles: the JSON a card is personalised from. Top-level keys are
 * lower case as pySim names card data. A bad profile is refused with one
 * message naming the field. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aka/auth_alg.h"
#include "aka/sqn.h"
#include "common/plmn.h"
#include "e2m/policy.h"
#include "usim/pin.h"

#define USIM_PROFILE_PLMN_MAX	16	/* entries of a PLMN list EF */
#define USIM_PROFILE_FILES_MAX	96

/* A "files" override: contents for one file, named by path, and its size
 * when it is not the table's (a physical card's twin). */
struct usim_file_override {
	char path[64];
	uint8_t *data;		/* records back to back for record EFs */
	size_t len;
	unsigned int records;	/* record EFs: how many given */
	uint16_t size;		/* transparent EF: octets, 0 for the table's */
	uint8_t rec_len, rec_count;	/* record EF: 0 for the table's */
};

struct usim_profile {
	char iccid[21];
	char imsi[16];
	char msisdn[22];	/* up to 20 digits, optional leading '+' */
	char spn[17];
	unsigned int mnc_len;	/* 2 or 3 */
	uint16_t acc;
	bool acc_set;
	struct common_plmn_list plmnwact, oplmnwact, hplmnwact, fplmn;

	/* PIN blocks (TS 102 221 9.5.1) and whether PIN1 is enabled */
	uint8_t pin1[USIM_PIN_LEN], puk1[USIM_PIN_LEN];
	uint8_t pin2[USIM_PIN_LEN], puk2[USIM_PIN_LEN];
	uint8_t adm1[USIM_PIN_LEN];
	bool pin1_enabled;

	/* Authentication key material; ki_len 0: a card without keys, whose
	 * AUTHENTICATE answers '6A88' */
	char algorithm[16];
	uint8_t ki[32];
	size_t ki_len;
	uint8_t opc[32];	/* OPc (TOPc), or OP (TOP) when op_given */
	size_t opc_len;
	bool op_given;

	/* "sqn": TS 33.102 Annex C.3 parameters and initial SEQ per IND */
	struct aka_sqn_params sqn;
	uint64_t sqn_seq[AKA_SQN_SLOTS_MAX];

	/* "e2m": the E2M context of doc/e2m-profile.md */
	struct e2m_config e2m;

	unsigned int n_files;
	struct usim_file_override files[USIM_PROFILE_FILES_MAX];
};

int usim_profile_parse(struct usim_profile *p, const char *json, size_t len,
		       char *err, size_t errlen);
int usim_profile_load(struct usim_profile *p, const char *path, char *err, size_t errlen);
void usim_profile_clear(struct usim_profile *p);

/*! The algorithm and key material of a parsed profile: K, and OPc (Milenage)
 *  or TOPc (TUAK), taken as given or derived from OP/TOP by aka_alg_opc();
 *  everything else at the algorithm's defaults. On failure keys is zeroed. */
int usim_profile_keys(const struct usim_profile *p, const struct aka_alg **alg,
		      struct aka_alg_keys *keys);
