/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The E2M policy and configuration (doc/e2m-profile.md 3, 4): which
 * endpoints a card serves (EF.E2M_EID), whether K_E2M_enc is derived
 * (EF.E2M_POL: the home operator's bit and the serving PLMNs without
 * confidentiality), and the codings of a card profile's "e2m" object. The
 * rules live here once; the card, the bridge, the HSS side and the tools
 * call them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/json.h"
#include "common/plmn.h"
#include "e2m/kdf.h"

#define E2M_POLICY_EIDS_MAX	8	/* records of EF.E2M_EID */
#define E2M_POLICY_NO_CONF_MAX	8	/* PLMNs of EF.E2M_POL */

/* EF.E2M_POL octet 1 (doc/e2m-profile.md 4) */
#define E2M_POL_ENABLED		0x01
#define E2M_POL_HOME_CONF	0x02
/* EF.E2M_EID record: '80' L EID, 'FF' padded */
#define E2M_EID_TAG		0x80

/* A profile's "e2m" object, the ME bridge's configuration, and what the
 * card's DF.E2M files hold. */
struct e2m_config {
	bool present;			/* the card has DF.E2M */
	bool enabled;			/* EF.E2M_POL b1 */
	bool home_confidentiality;	/* EF.E2M_POL b2 */
	unsigned int n_eids;		/* 0: any EID */
	char eids[E2M_POLICY_EIDS_MAX][E2M_EID_MAX + 1];
	struct common_plmn_list no_confidentiality;
	uint16_t amf_mask;		/* E2M indicator required in AMF; 0: none */
	uint8_t alg;			/* default ALG octet, EA << 4 | IA */
	uint8_t p2;			/* AUTHENTICATE P2 of the E2M context */
	uint8_t fc_usim, fc_me, fc_alg;	/* KDF FC values */
};

/*! The defaults of doc/e2m-profile.md: enabled, home confidentiality on,
 *  any EID, ALG '11', P2 '83', FC E2/E5/E6; not present. */
void e2m_config_defaults(struct e2m_config *e);

/*! The "e2m" object v into e (which has its defaults); sets e->present.
 *  0, or -1 with one message naming the field ("e2m.alg"). */
int e2m_config_parse_json(struct common_json_ctx *c, json_t *v, struct e2m_config *e);

/*! A JSON object with the fields of a profile's "e2m" alone (the ME
 *  bridge's configuration), from text or from the file at path. */
int e2m_config_parse(struct e2m_config *e, const char *text, size_t len, char *err, size_t errlen);
int e2m_config_load(struct e2m_config *e, const char *path, char *err, size_t errlen);

/*! The confidentiality rule (doc/e2m-profile.md 3, solution 4): K_E2M_enc
 *  is derived unless the home operator forbids it or the serving PLMN snid
 *  (3 octets, NULL when unknown) is listed. EA 0 needs no rule: the
 *  derivation gives no K_E2M_enc for it. */
bool e2m_policy_confidentiality(bool home_confidentiality, const struct common_plmn_list *no_conf,
				const uint8_t *snid);

/*! The EID rule (doc/e2m-profile.md 3, EF.E2M_EID): eid is allowed when
 *  it is one of e's EIDs, or e lists none. */
bool e2m_policy_eid_allowed(const struct e2m_config *e, const uint8_t *eid, size_t len);

/*! EF.E2M_POL and EF.E2M_EID of a card from e: octet 1 and the PLMN list
 *  ('FF' after it) into pol (pol_len octets), one record per EID into eid
 *  (rec_count records of rec_len octets, 'FF' padded). */
void e2m_policy_files_encode(const struct e2m_config *e, uint8_t *pol, size_t pol_len,
			     uint8_t *eid, size_t rec_len, unsigned int rec_count);

/*! The policy held by EF.E2M_POL and EF.E2M_EID into e's enabled,
 *  home_confidentiality, no_confidentiality (unused 'FFFFFF' entries
 *  skipped) and EIDs (records not in use skipped). Never reads past the
 *  given lengths. */
void e2m_policy_files_decode(const uint8_t *pol, size_t pol_len, const uint8_t *eid, size_t rec_len,
			     unsigned int rec_count, struct e2m_config *e);
