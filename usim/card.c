/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Card life cycle and state: contents from the file table's defaults and the
 * profile, or from the store when it already holds this card; every change
 * written to the store before the command that made it is answered. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/hex.h"
#include "common/log.h"
#include "apdu/sw.h"
#include "usim/access.h"
#include "usim/card.h"
#include "aka/auc.h"
#include "usim/personalize.h"
#include "usim/profile.h"
#include "usim/store.h"

/* Fill a file's contents from its table default: hex, records separated by
 * '|', everything not given 'FF' (unused octets of a UICC file are 'FF'). */
static int content_from_default(const struct fs_node *n, uint8_t *buf)
{
	const struct fs_file_def *d = n->def;
	size_t unit = d->kind == FS_FILE_TRANSPARENT ? n->content_size : d->rec_len;
	size_t pos = 0, rec_start = 0;

	memset(buf, 0xff, n->content_size);
	for (const char *p = d->content; p && *p;) {
		int hi, lo;
		if (*p == '|') {
			rec_start += unit;
			pos = rec_start;
			p++;
			continue;
		}
		hi = common_hex_nibble(p[0]);
		lo = hi < 0 ? -1 : common_hex_nibble(p[1]);
		if (lo < 0)
			return -1;
		/* a twin's smaller file takes what fits */
		if (pos < rec_start + unit && pos < n->content_size)
			buf[pos] = (uint8_t)(hi << 4 | lo);
		pos++;
		p += 2;
	}
	return 0;
}

/* The file tree of the table, or of the table with the sizes and record
 * counts the profile gives (a physical card's twin, TS 102 221 11.1.1.4). */
static int usim_card_tree(const struct usim_profile *profile, const struct fs_tree **out)
{
	struct fs_resize r[USIM_PROFILE_FILES_MAX];
	size_t n = 0;

	for (unsigned int i = 0; i < profile->n_files; i++) {
		const struct usim_file_override *o = &profile->files[i];
		if (o->size || o->rec_count)
			r[n++] = (struct fs_resize){ .path = o->path, .size = o->size,
						     .rec_len = o->rec_len, .rec_count = o->rec_count };
	}
	if (!n) {
		*out = fs_get();
		return 0;
	}
	return fs_tree_resized(r, n, out);
}

uint8_t *usim_card_content(struct usim_card *card, int node)
{
	return card->content[card->fs->nodes[node].owner];
}

/*! Power-on / reset state (TS 102 221 8.4: MF selected on the basic channel;
 *  every other channel closed; security status cleared). Contents are kept. */
void usim_card_reset(struct usim_card *card)
{
	memset(card->ch, 0, sizeof(card->ch));
	card->ch[0] = (struct usim_channel){
		.open = true, .df = 0, .adf = FS_NONE, .ef = FS_NONE,
	};
	for (int i = 0; i < USIM_PIN_COUNT; i++)
		card->pin[i].verified = false;
	memset(card->pending_buf, 0, sizeof(card->pending_buf));
	card->pending = (struct apdu_t0){ .buf = card->pending_buf, .cap = sizeof(card->pending_buf),
					  .channel = -1 };
}

void usim_card_free(struct usim_card *card)
{
	if (!card)
		return;
	if (card->content) {
		for (size_t i = 0; i < card->fs->count; i++)
			free(card->content[i]);
		free(card->content);
	}
	free(card->absent);
	fs_tree_free(card->fs);
	aka_alg_unprepare(card->alg, &card->keys);
	e2m_kdf_key_free(card->e2m_k);
	OPENSSL_cleanse(card, sizeof(*card));
	free(card);
}

/* Everything the store keeps of a card, in one transaction. */
static int store_all(struct usim_card *card)
{
	int rc = usim_store_begin(card->store);

	for (size_t i = 0; i < card->fs->count && rc == 0; i++) {
		const struct fs_node *n = &card->fs->nodes[i];
		if (card->content[i])
			rc = usim_store_put_file(card->store, card->iccid, n->def->path,
						 card->content[i], n->content_size);
	}
	for (int i = 0; i < USIM_PIN_COUNT && rc == 0; i++)
		rc = usim_store_put_pin(card->store, card->iccid, &card->pin[i]);
	for (unsigned int i = 0; i < (1u << card->sqn.ind_bits) && rc == 0; i++)
		rc = usim_store_put_sqn(card->store, card->iccid, i, card->sqn_state.seq[i]);
	if (rc == 0)
		return usim_store_commit(card->store);
	usim_store_rollback(card->store);
	return rc;
}

/* The stored state over the personalised one: the store wins, as a card's
 * EEPROM does over the data it was once personalised with. A file the store
 * lacks (added to the file table since) keeps its personalised contents. */
static int load_all(struct usim_card *card)
{
	for (size_t i = 0; i < card->fs->count; i++) {
		const struct fs_node *n = &card->fs->nodes[i];
		int rc;
		if (!card->content[i])
			continue;
		rc = usim_store_get_file(card->store, card->iccid, n->def->path,
					 card->content[i], n->content_size);
		if (rc < 0 && rc != -ENOENT) {
			LOGP(DSTORE, LOGL_NOTICE, "%s: %s not in the store as expected, "
			     "keeping its profile contents\n", card->iccid, n->def->path);
		}
	}
	for (int i = 0; i < USIM_PIN_COUNT; i++)
		usim_store_get_pin(card->store, card->iccid, &card->pin[i]);
	if (usim_store_get_sqn(card->store, card->iccid, card->sqn_state.seq,
			       1u << card->sqn.ind_bits) < 0)
		return -EIO;
	return 0;
}

/* Nodes of features the profile does not ask for are absent: an unmodified
 * card has no DF.E2M at all, and no e2msim card has DF.5GS or ADF.ISIM
 * (rows that e2msim-probe looks for on physical cards). */
static int mark_absent(struct usim_card *card)
{
	card->absent = calloc(card->fs->count, sizeof(*card->absent));
	if (!card->absent)
		return -1;
	for (size_t i = 0; i < card->fs->count; i++) {
		enum fs_feature f = fs_feature_of(card->fs, (int)i);
		card->absent[i] = f != FS_FEATURE_NONE && !(f == FS_FEATURE_E2M && card->e2m.present);
	}
	return 0;
}

bool usim_card_file_present(const struct usim_card *card, int node)
{
	return node != FS_NONE && !card->absent[node];
}

/*! A card personalised from profile, with its state in store: loaded when the
 *  store knows the ICCID (unless repersonalize), written there otherwise.
 *  Returns 0, or -1 with err. */
int usim_card_new(struct usim_card **out, const struct usim_profile *profile,
		  struct usim_store *store, bool repersonalize, char *err, size_t errlen)
{
	struct usim_card *card = calloc(1, sizeof(*card));
	int known;

	if (!card) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (usim_card_tree(profile, &card->fs) < 0) {
		snprintf(err, errlen, "field 'files': a size or record count the card cannot take");
		free(card);
		return -1;
	}
	card->store = store;
	card->node_ust = fs_by_path(card->fs, "ADF.USIM/EF.UST");
	card->node_e2m_pol = fs_by_path(card->fs, "ADF.USIM/DF.E2M/EF.E2M_POL");
	card->node_e2m_eid = fs_by_path(card->fs, "ADF.USIM/DF.E2M/EF.E2M_EID");
	snprintf(card->iccid, sizeof(card->iccid), "%s", profile->iccid);
	card->content = calloc(card->fs->count, sizeof(*card->content));
	if (!card->content)
		goto oom;
	for (size_t i = 0; i < card->fs->count; i++) {
		const struct fs_node *n = &card->fs->nodes[i];
		if (!n->content_size || n->owner != (int)i)
			continue;
		card->content[i] = malloc(n->content_size);
		if (!card->content[i])
			goto oom;
		if (content_from_default(n, card->content[i]) < 0) {
			snprintf(err, errlen, "file table: bad default contents of %s", n->def->path);
			goto fail;
		}
	}
	if (usim_personalize(&(const struct usim_personal){ .fs = card->fs, .content = card->content,
							     .pin = card->pin },
			     profile, err, errlen) < 0)
		goto fail;
	card->e2m = (struct usim_card_e2m){
		.present = profile->e2m.present, .amf_mask = profile->e2m.amf_mask,
		.alg = profile->e2m.alg, .p2 = profile->e2m.p2,
		.fc_usim = profile->e2m.fc_usim, .fc_alg = profile->e2m.fc_alg,
	};
	if (mark_absent(card) < 0)
		goto oom;
	if (profile->ki_len && usim_profile_keys(profile, &card->alg, &card->keys) < 0) {
		snprintf(err, errlen, "field 'op': cannot derive OPc");
		goto fail;
	}
	/* a profile without keys (a physical card's twin): no algorithm, and
	 * AUTHENTICATE answers '6A88' (usim/auth.c) */
	if (card->alg) {
		card->e2m_k = e2m_kdf_key_new(card->keys.k, card->keys.k_len);
		if (aka_alg_prepare(card->alg, &card->keys) < 0 || !card->e2m_k) {
			snprintf(err, errlen, "cannot set up the key schedules of K");
			goto fail;
		}
	}
	card->sqn = profile->sqn;
	memcpy(card->sqn_state.seq, profile->sqn_seq, sizeof(card->sqn_state.seq));

	if (repersonalize && usim_store_card_forget(store, card->iccid) < 0) {
		snprintf(err, errlen, "state store: cannot remove card %s", card->iccid);
		goto fail;
	}
	known = usim_store_card_exists(store, card->iccid);
	if (known < 0 || (known ? load_all(card) : store_all(card)) < 0) {
		snprintf(err, errlen, "state store: cannot %s card %s", known > 0 ? "load" : "store",
			 card->iccid);
		goto fail;
	}
	LOGP(DCARD, LOGL_NOTICE, "card %s %s\n", card->iccid,
	     known ? "state loaded from the store" : "personalised from its profile");
	usim_card_reset(card);
	*out = card;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	usim_card_free(card);
	return -1;
}

/*! Write len octets at offset into a file: into the store first, then into
 *  the card's memory. Returns '9000', or '6581' (memory problem) with
 *  nothing changed when the store refuses. */
uint16_t usim_card_write(struct usim_card *card, int node, size_t offset,
			 const uint8_t *data, size_t len)
{
	int owner = card->fs->nodes[node].owner;
	size_t size = card->fs->nodes[owner].content_size;
	uint8_t next[USIM_RSP_DATA_MAX];

	if (offset + len > size || size > sizeof(next))
		return APDU_SW_TECHNICAL_PROBLEM;
	memcpy(next, card->content[owner], size);
	memcpy(next + offset, data, len);
	if (usim_store_put_file(card->store, card->iccid, card->fs->nodes[owner].def->path,
				next, size) < 0) {
		LOGP(DSTORE, LOGL_ERROR, "%s: cannot store %s\n", card->iccid,
		     card->fs->nodes[owner].def->path);
		return APDU_SW_MEMORY_PROBLEM;
	}
	card->change_lsn = usim_store_last_change(card->store);
	memcpy(card->content[owner], next, size);
	return APDU_SW_OK;
}

/*! Store a PIN's counters and value after a change. '9000' or '6581'. */
uint16_t usim_card_save_pin(struct usim_card *card, int pin_id)
{
	if (usim_store_put_pin(card->store, card->iccid, &card->pin[pin_id]) < 0) {
		LOGP(DSTORE, LOGL_ERROR, "%s: cannot store PIN state\n", card->iccid);
		return APDU_SW_MEMORY_PROBLEM;
	}
	card->change_lsn = usim_store_last_change(card->store);
	return APDU_SW_OK;
}

/*! Whether the current security status allows op on node, by the rule its
 *  EF.ARR record holds. '9000' or '6982'. */
uint16_t usim_card_access(const struct usim_card *card, int node, unsigned int op)
{
	const struct fs_node *n = &card->fs->nodes[node];
	const struct fs_node *arr;
	size_t rec;

	if (n->arr == FS_NONE)
		return APDU_SW_SECURITY_NOT_SATISFIED;
	arr = &card->fs->nodes[n->arr];
	rec = n->def->arr_rec;
	if (rec < 1 || rec > arr->def->rec_count)
		return APDU_SW_SECURITY_NOT_SATISFIED;
	return usim_access_check(card->content[n->arr] + (rec - 1) * arr->def->rec_len,
				 arr->def->rec_len, (enum usim_access_op)op, card->pin);
}

/*! Store one changed slot of the SQN array. '9000' or '6581'. */
uint16_t usim_card_save_sqn(struct usim_card *card, unsigned int ind, uint64_t seq)
{
	if (usim_store_put_sqn(card->store, card->iccid, ind, seq) < 0) {
		LOGP(DSTORE, LOGL_ERROR, "%s: cannot store SQN slot %u\n", card->iccid, ind);
		return APDU_SW_MEMORY_PROBLEM;
	}
	card->change_lsn = usim_store_last_change(card->store);
	card->sqn_state.seq[ind] = seq;
	return APDU_SW_OK;
}

/*! Make the card's changes durable, when its store defers them
 *  (usim_store_set_deferred): called before an answer leaves. The changes
 *  of every card that waits share the flush. 0, or -EIO: not durable, the
 *  answer must not claim them. */
int usim_card_sync(struct usim_card *card)
{
	return usim_store_sync(card->store, card->change_lsn);
}
