/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Card state in an embedded SQLite database, keyed by ICCID, so that one
 * store holds many cards. A change is durable (one flush of the store's
 * journal, usim/journal.h) before the call returns, or, once
 * usim_store_set_deferred() is set, before usim_store_sync() returns: the
 * card writes its EEPROM before it answers. A store opened as ":memory:"
 * lives as long as the process, its SQN slots in an array rather than in
 * SQLite. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usim/pin.h"

struct usim_store;

int usim_store_open(struct usim_store **out, const char *path, char *err, size_t errlen);
void usim_store_close(struct usim_store *st);

int usim_store_card_exists(struct usim_store *st, const char *iccid);
int usim_store_card_forget(struct usim_store *st, const char *iccid);
int usim_store_begin(struct usim_store *st);
int usim_store_commit(struct usim_store *st);
int usim_store_rollback(struct usim_store *st);
void usim_store_set_deferred(struct usim_store *st, bool deferred);
uint64_t usim_store_last_change(const struct usim_store *st);
int usim_store_sync(struct usim_store *st, uint64_t upto);

int usim_store_put_file(struct usim_store *st, const char *iccid, const char *path,
			const uint8_t *data, size_t len);
int usim_store_get_file(struct usim_store *st, const char *iccid, const char *path,
			uint8_t *data, size_t len);
int usim_store_put_pin(struct usim_store *st, const char *iccid, const struct usim_pin *pin);
int usim_store_get_pin(struct usim_store *st, const char *iccid, struct usim_pin *pin);
int usim_store_put_sqn(struct usim_store *st, const char *iccid, unsigned int ind, uint64_t seq);
int usim_store_get_sqn(struct usim_store *st, const char *iccid, uint64_t *seq, unsigned int slots);
