/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Card profiles: the JSON a card is personalised from. Top-level keys are
 * lower case as pySim names card data. A bad profile is refused with one
 * message naming the field. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usim/e2m_kdf.h"
#include "usim/pin.h"
#include "usim/sqn.h"

#define USIM_PROFILE_PLMN_MAX	16
#define USIM_PROFILE_FILES_MAX	64
#define USIM_PROFILE_EIDS_MAX	8	/* records of EF.E2M_EID */
#define USIM_PROFILE_NO_CONF_MAX 8	/* PLMNs in EF.E2M_POL */

/* A PLMN in TS 24.008 10.5.1.3 coding (MCC digit 2|1, MNC 3|MCC 3, MNC 2|1) */
struct usim_plmn {
	uint8_t id[3];
};

struct usim_plmn_list {
	unsigned int count;
	struct usim_plmn plmn[USIM_PROFILE_PLMN_MAX];
};

/* A "files" override: contents for one file, named by path. */
struct usim_file_override {
	char path[64];
	uint8_t *data;		/* records back to back for record EFs */
	size_t len;
	unsigned int records;	/* record EFs: how many given */
};

struct usim_profile {
	char iccid[21];
	char imsi[16];
	char msisdn[22];	/* up to 20 digits, optional leading '+' */
	char spn[17];
	unsigned int mnc_len;	/* 2 or 3 */
	uint16_t acc;
	bool acc_set;
	struct usim_plmn_list plmnwact, oplmnwact, hplmnwact, fplmn;

	/* PIN blocks (TS 102 221 9.5.1) and whether PIN1 is enabled */
	uint8_t pin1[USIM_PIN_LEN], puk1[USIM_PIN_LEN];
	uint8_t pin2[USIM_PIN_LEN], puk2[USIM_PIN_LEN];
	uint8_t adm1[USIM_PIN_LEN];
	bool pin1_enabled;

	/* Authentication key material */
	char algorithm[16];
	uint8_t ki[32];
	size_t ki_len;
	uint8_t opc[32];	/* OPc (TOPc), or OP (TOP) when op_given */
	size_t opc_len;
	bool op_given;

	/* "sqn": TS 33.102 Annex C.3 parameters and initial SEQ per IND */
	struct usim_sqn_params sqn;
	uint64_t sqn_seq[USIM_SQN_SLOTS_MAX];

	/* "e2m": the E2M context of doc/e2m-profile.md */
	struct usim_profile_e2m {
		bool present, enabled, home_confidentiality;
		unsigned int n_eids;
		char eids[USIM_PROFILE_EIDS_MAX][USIM_E2M_EID_MAX + 1];
		struct usim_plmn_list no_confidentiality;
		uint16_t amf_mask;		/* 0: no E2M indicator required */
		uint8_t alg;			/* default ALG octet, EA << 4 | IA */
		uint8_t p2;			/* AUTHENTICATE P2 of the E2M context */
		uint8_t fc_usim, fc_me, fc_alg;	/* KDF FC values */
	} e2m;

	unsigned int n_files;
	struct usim_file_override files[USIM_PROFILE_FILES_MAX];
};

int usim_profile_parse(struct usim_profile *p, const char *json, size_t len,
		       char *err, size_t errlen);
int usim_profile_load(struct usim_profile *p, const char *path, char *err, size_t errlen);
void usim_profile_clear(struct usim_profile *p);
int usim_plmn_encode(const char *mccmnc, struct usim_plmn *out, unsigned int *mnc_len);
int usim_e2m_config_parse(struct usim_profile_e2m *e, const char *text, size_t len,
			  char *err, size_t errlen);
