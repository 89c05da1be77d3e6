/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSS side of keyset delivery (doc/e2m-profile.md 5, keyd/API.md): its
 * configuration (where each variant's keysets go, its TLS identity, and its
 * solution 4 policy per visited PLMN), the keyset it hands on for one AKA
 * run, and the push and the session event. Used by e2msim-auc --hss.
 *
 * Configuration, a JSON object (every field but "tls" optional):
 *
 *   { "tls": { "cert": "hss.pem", "key": "hss.key", "ca": "ca.pem" },
 *     "delivery": { "A": "https://127.0.0.1:7441", "B": "https://...",
 *                   "C": "https://...", "D": "https://...", "E": "https://..." },
 *     "policy": { "confidentiality": true, "no_confidentiality": ["00101", "310260"] },
 *     "variant": "A",
 *     "subscribers": { "001010000000017": { "eid": "hse.example.org", "alg": "11" } } }
 *
 * delivery.X: the key service variant X's keysets are pushed to (A: the
 * hse-store; B, C: the hss-store, B's session event too; D: the emks; E:
 * any of them). policy: "confidentiality" is the home operator's bit
 * (EF.E2M_POL b2), "no_confidentiality" the visited PLMNs (MCCMNC) where
 * confidentiality must be off (EF.E2M_POL's list, doc/e2m-profile.md 4).
 * variant: the variant an HSS front end delivers by default (e2msim-gsup-proxy;
 * its --variant overrides it). subscribers: by IMSI, the subscribers with
 * E2M that have no card profile at the HSS front end: their endpoint (EID)
 * and ALG (default "11"); without K only variant E serves them. Relative
 * file names are relative to the configuration file's directory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyd/client.h"
#include "keyd/keyset.h"
#include "e2m/keyset.h"
#include "e2m/policy.h"
#include "common/plmn.h"

#define KEYD_HSS_PATH_MAX	1024
#define KEYD_HSS_URL_MAX	256
#define KEYD_HSS_NO_CONF_MAX	COMMON_PLMN_LIST_MAX
#define KEYD_HSS_SUBSCRIBERS_MAX	64
#define KEYD_HSS_IMSI_MAX	15	/* TS 23.003 2.2 */

/* doc/e2m-profile.md 5: the delivery variants */
enum keyd_hss_variant {
	KEYD_HSS_VARIANT_A,	/* HSS pushes every keyset to the HSE store */
	KEYD_HSS_VARIANT_B,	/* HSS store forwards the used one at the session event */
	KEYD_HSS_VARIANT_C,	/* HSE pulls from the HSS store */
	KEYD_HSS_VARIANT_D,	/* HSS pushes to the EMKS, the endpoint pulls */
	KEYD_HSS_VARIANT_E,	/* keys from CK || IK (ME), any of the paths */
	KEYD_HSS_VARIANTS
};

/* Solution 4: the HSS's confidentiality rules, as the card's EF.E2M_POL;
 * e2m_policy_confidentiality() applies them. */
struct keyd_hss_policy {
	bool confidentiality;			/* home operator allows K_E2M_enc */
	struct common_plmn_list no_conf;	/* serving PLMNs without it */
};

/* A subscriber with E2M named in the configuration (no card profile) */
struct keyd_hss_subscriber {
	char imsi[KEYD_HSS_IMSI_MAX + 1];
	char eid[E2M_EID_MAX + 1];
	uint8_t alg;
};

struct keyd_hss_config {
	char cert[KEYD_HSS_PATH_MAX], key[KEYD_HSS_PATH_MAX], ca[KEYD_HSS_PATH_MAX];
	char delivery[KEYD_HSS_VARIANTS][KEYD_HSS_URL_MAX];	/* "": not configured */
	struct keyd_hss_policy policy;
	bool variant_set;			/* "variant" given */
	enum keyd_hss_variant variant;
	unsigned int n_subscribers;
	struct keyd_hss_subscriber subscribers[KEYD_HSS_SUBSCRIBERS_MAX];
};

/*! Reads and checks the configuration at path. 0, or -1 with one message
 *  naming the field in err ("hss.json: delivery.B: expected https://HOST:PORT"). */
int keyd_hss_config_load(struct keyd_hss_config *c, const char *path, char *err, size_t errlen);

/*! The same from JSON text; relative file names are taken relative to dir
 *  (NULL: the working directory). The files are not opened. */
int keyd_hss_config_parse(struct keyd_hss_config *c, const char *json, size_t len,
			  const char *dir, char *err, size_t errlen);

/*! The configuration's subscriber entry for imsi, or NULL. */
const struct keyd_hss_subscriber *keyd_hss_subscriber_find(const struct keyd_hss_config *c,
							   const char *imsi);

/*! "A".."E" into *v; 0 or -1. */
int keyd_hss_variant_parse(const char *name, enum keyd_hss_variant *v);
const char *keyd_hss_variant_name(enum keyd_hss_variant v);

/*! The keyset the HSS hands on, from the one it derived (e2m/keyset.h)
 *  with ALG alg for eid: keys, E2M-KID, EID, derivation. Without K_E2M_enc
 *  (EA 0, or the policy withheld it) the keyset's ALG says EA 0, as
 *  keyd/API.md requires. 0, or -EINVAL for an inconsistent input (an EID
 *  other than the KID's, a bad ALG). */
int keyd_hss_keyset(struct keyd_keyset *out, const struct e2m_keyset *ks, const char *eid,
		    uint8_t alg, enum keyd_derivation derivation);

/*! POST /v1/keysets of ks to delivery[v]: the HTTP status (201 stored) or
 *  -1 (no answer, or variant not configured); err as keyd/client.h. */
int keyd_hss_push(const struct keyd_hss_config *c, enum keyd_hss_variant v,
		  const struct keyd_keyset *ks, int64_t *expires, char *err, size_t errlen);

/*! A client of delivery[v] with the HSS's TLS identity, for a front end
 *  that pushes many keysets over one connection (keyd_client_push(),
 *  keyd_client_free()); NULL with err when v is not configured. */
struct keyd_client *keyd_hss_client(const struct keyd_hss_config *c, enum keyd_hss_variant v,
				    char *err, size_t errlen);

/*! Variant B's session event (POST /v1/sessions) for kid to delivery.B:
 *  the HTTP status (200 forwarded) or -1. */
int keyd_hss_session(const struct keyd_hss_config *c, const char *kid, char *err, size_t errlen);
