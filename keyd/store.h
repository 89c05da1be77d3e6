/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where e2msim-keyd holds keysets until they are used (doc/e2m-profile.md 5:
 * "stored until used", solution 5 key aging): one interface, a backend per
 * database, chosen by the configuration's store.backend (keyd/API.md).
 * A store is not thread-safe: its user serialises the calls. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "keyd/keyset.h"

struct keyd_store;

/* Every operation returns 0 or a negative errno: -EEXIST (kid already
 * held), -ENOENT (kid unknown), -EKEYEXPIRED (kid held but expired: the
 * keyset is deleted), -EIO (the database failed; logged). A keyset is
 * expired when expires <= now. */
struct keyd_store_ops {
	const char *name;	/* store.backend of the configuration */
	/* target: the SQLite file, or the libpq connection string */
	int (*open)(struct keyd_store **st, const char *target, char *err, size_t errlen);
	void (*close)(struct keyd_store *st);
	/* Stores ks (with its expires); durable when it returns 0. */
	int (*put)(struct keyd_store *st, const struct keyd_keyset *ks);
	/* Fetch-and-delete in one transaction; *ks filled on 0. */
	int (*take)(struct keyd_store *st, const char *kid, int64_t now, struct keyd_keyset *ks);
	/* Reads without deleting (the forward of variant B deletes only after
	 * the forward service stored it); an expired one is deleted. */
	int (*get)(struct keyd_store *st, const char *kid, int64_t now, struct keyd_keyset *ks);
	int (*del)(struct keyd_store *st, const char *kid);
	/* Deletes every keyset with expires <= now; the count or -EIO. */
	long (*purge_expired)(struct keyd_store *st, int64_t now);
	/* How many keysets are held (expired or not); or -EIO. */
	long (*count)(struct keyd_store *st);
};

struct keyd_store {
	const struct keyd_store_ops *ops;
};

extern const struct keyd_store_ops keyd_store_sqlite_ops;
extern const struct keyd_store_ops keyd_store_pg_ops;

/* The backend named name ("sqlite", "postgresql"), or NULL. */
const struct keyd_store_ops *keyd_store_backend(const char *name);
/* "usim" / "me" as the stores keep the derivation; NULL when out of range. */
const char *keyd_store_derivation_name(enum keyd_derivation d);
/* 0 and *d, or -1 for an unknown name. */
int keyd_store_derivation_parse(const char *name, enum keyd_derivation *d);
