/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One card: its file contents, PINs, logical channels and the response
 * pending for GET RESPONSE, backed by the state store. usim_card_apdu() is
 * the whole of its interface to a reader. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/apdu.h"
#include "apdu/t0.h"
#include "aka/auth_alg.h"
#include "e2m/kdf.h"
#include "fs/fs.h"
#include "usim/pin.h"
#include "aka/sqn.h"

#define USIM_CHANNELS		4	/* basic + 3, as the ATR's card capabilities say */
#define USIM_RSP_DATA_MAX	4096	/* largest response data field a command builds */

struct usim_profile;
struct usim_store;

/* TS 102 221 8.4: the selection state of one logical channel. */
struct usim_channel {
	bool open;
	int df;		/* current DF (MF, DF or ADF) */
	int adf;	/* current application, FS_NONE if none */
	int ef;		/* current EF, FS_NONE if none */
	int record;	/* current record number (1-based), 0 if none */
};

/* The E2M context's codings (doc/e2m-profile.md 3, values "assigned here"); its
 * policy lives in DF.E2M's files. */
struct usim_card_e2m {
	bool present;			/* the card has DF.E2M */
	uint16_t amf_mask;		/* E2M indicator required in AMF, 0: none */
	uint8_t alg;			/* ALG when the command gives none */
	uint8_t p2;			/* AUTHENTICATE P2 of the E2M context */
	uint8_t fc_usim, fc_alg;	/* KDF FC values */
};

/* Where AUTHENTICATE goes on a card without keys, when its program gives a
 * place: a physical card's answer to the same command (a twin of that card,
 * e2msim-card --aka-reader). Returns the status word, data in rsp. */
typedef uint16_t (*usim_aka_relay)(void *ctx, const struct apdu_cmd *cmd, struct apdu_rsp *rsp);

struct usim_card {
	const struct fs_tree *fs;
	struct usim_store *store;
	char iccid[21];
	uint8_t **content;		/* per file node that owns contents */
	bool *absent;			/* per file node: a feature this card lacks */
	const struct aka_alg *alg;
	struct aka_alg_keys keys;	/* prepared (aka_alg_prepare) */
	usim_aka_relay aka_relay;	/* NULL: no keys, no AKA ('6A88') */
	void *aka_relay_ctx;
	struct e2m_kdf_key *e2m_k;	/* K for the E2M KDF (variants A-D) */
	struct aka_sqn_params sqn;
	struct aka_sqn_state sqn_state;
	struct usim_card_e2m e2m;
	uint64_t change_lsn;		/* store LSN of the card's last change */
	/* nodes AUTHENTICATE reads on every run, looked up once */
	int node_ust, node_e2m_pol, node_e2m_eid;
	struct usim_pin pin[USIM_PIN_COUNT];
	struct usim_channel ch[USIM_CHANNELS];
	/* data held for GET RESPONSE (apdu/t0.h) */
	uint8_t pending_buf[USIM_RSP_DATA_MAX];
	struct apdu_t0 pending;
};

int usim_card_new(struct usim_card **out, const struct usim_profile *profile,
		  struct usim_store *store, bool repersonalize, char *err, size_t errlen);
void usim_card_free(struct usim_card *card);
void usim_card_reset(struct usim_card *card);
size_t usim_card_apdu(struct usim_card *card, const uint8_t *capdu, size_t clen,
		      uint8_t *rapdu, size_t rcap);

uint8_t *usim_card_content(struct usim_card *card, int node);
uint16_t usim_card_write(struct usim_card *card, int node, size_t offset,
			 const uint8_t *data, size_t len);
uint16_t usim_card_save_pin(struct usim_card *card, int pin_id);
uint16_t usim_card_save_sqn(struct usim_card *card, unsigned int ind, uint64_t seq);
int usim_card_sync(struct usim_card *card);
bool usim_card_file_present(const struct usim_card *card, int node);
uint16_t usim_card_access(const struct usim_card *card, int node, unsigned int op);

extern const uint8_t usim_atr[];
extern const size_t usim_atr_len;
