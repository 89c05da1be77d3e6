/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SQLite store: one file, write-ahead log with synchronous=FULL so a
 * committed keyset survives a crash of the service or the machine;
 * secure_delete so a used keyset's keys are overwritten in the file, and
 * the log cut back at every purge pass so that no copy stays there. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "common/log.h"
#include "keyd/store.h"

#define BUSY_TIMEOUT_MS 5000

/* The prepared statements, by index. */
enum sq_stmt {
	SQ_PUT,
	SQ_TAKE,
	SQ_GET,
	SQ_DEL,
	SQ_PURGE,
	SQ_COUNT,
	SQ_NUM
};

#define SQ_COLUMNS "kid, eid, alg, derivation, k_int, k_enc, expires"

static const char *const sq_sql[SQ_NUM] = {
	[SQ_PUT] = "INSERT INTO keyset (" SQ_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SQ_TAKE] = "DELETE FROM keyset WHERE kid = ?1 RETURNING " SQ_COLUMNS,
	[SQ_GET] = "SELECT " SQ_COLUMNS " FROM keyset WHERE kid = ?1",
	[SQ_DEL] = "DELETE FROM keyset WHERE kid = ?1",
	[SQ_PURGE] = "DELETE FROM keyset WHERE expires <= ?1",
	[SQ_COUNT] = "SELECT count(*) FROM keyset",
};

static const char *const sq_setup[] = {
	"PRAGMA journal_mode = WAL",
	"PRAGMA synchronous = FULL",
	"PRAGMA secure_delete = ON",
	"CREATE TABLE IF NOT EXISTS keyset ("
	" kid TEXT PRIMARY KEY NOT NULL,"
	" eid TEXT NOT NULL,"
	" alg INTEGER NOT NULL,"
	" derivation TEXT NOT NULL,"
	" k_int BLOB NOT NULL,"
	" k_enc BLOB,"
	" expires INTEGER NOT NULL)",
	"CREATE INDEX IF NOT EXISTS keyset_expires ON keyset (expires)",
};

struct sq_store {
	struct keyd_store base;	/* first: the generic view */
	sqlite3 *db;
	sqlite3_stmt *stmt[SQ_NUM];
};

static struct sq_store *sq(struct keyd_store *st)
{
	return (struct sq_store *)st;
}

static int sq_fail(struct sq_store *s, const char *what)
{
	LOGP(DKEYD, LOGL_ERROR, "sqlite store: %s: %s\n", what, sqlite3_errmsg(s->db));
	return -EIO;
}

static void sq_close(struct keyd_store *st)
{
	struct sq_store *s = sq(st);
	size_t i;

	if (!s)
		return;
	for (i = 0; i < SQ_NUM; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s);
}

static int sq_open(struct keyd_store **st, const char *path, char *err, size_t errlen)
{
	struct sq_store *s = calloc(1, sizeof(*s));
	char *msg = NULL;
	size_t i;

	*st = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->base.ops = &keyd_store_sqlite_ops;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sq_close(&s->base);
		return -EIO;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	for (i = 0; i < sizeof(sq_setup) / sizeof(sq_setup[0]); i++) {
		if (sqlite3_exec(s->db, sq_setup[i], NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "'%s': %s", path, msg ? msg : "setup failed");
			sqlite3_free(msg);
			sq_close(&s->base);
			return -EIO;
		}
	}
	for (i = 0; i < SQ_NUM; i++) {
		if (sqlite3_prepare_v3(s->db, sq_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->stmt[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "'%s': %s", path, sqlite3_errmsg(s->db));
			sq_close(&s->base);
			return -EIO;
		}
	}
	*st = &s->base;
	return 0;
}

/* Ends a statement: its bindings (keys) dropped, ready for the next use. */
static void sq_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

static int sq_put(struct keyd_store *st, const struct keyd_keyset *ks)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *stmt = s->stmt[SQ_PUT];
	const char *derivation = keyd_store_derivation_name(ks->derivation);
	int rc;

	if (!derivation)
		return -EINVAL;
	/* SQLITE_STATIC: ks outlives the statement's step */
	if (sqlite3_bind_text(stmt, 1, ks->kid, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 2, ks->eid, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int(stmt, 3, ks->alg) ||
	    sqlite3_bind_text(stmt, 4, derivation, -1, SQLITE_STATIC) ||
	    sqlite3_bind_blob(stmt, 5, ks->k_int, sizeof(ks->k_int), SQLITE_STATIC) ||
	    (ks->k_enc_len ? sqlite3_bind_blob(stmt, 6, ks->k_enc, (int)ks->k_enc_len, SQLITE_STATIC)
			   : sqlite3_bind_null(stmt, 6)) ||
	    sqlite3_bind_int64(stmt, 7, ks->expires)) {
		rc = sq_fail(s, "put: bind");
		sq_done(stmt);
		return rc;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = -EEXIST;
	else
		rc = sq_fail(s, "put");
	sq_done(stmt);
	return rc;
}

/* The row at stmt's cursor into ks; 0, or -EIO for a row that is not a
 * keyset (a damaged file). */
static int sq_row(struct sq_store *s, sqlite3_stmt *stmt, struct keyd_keyset *ks)
{
	const unsigned char *kid = sqlite3_column_text(stmt, 0);
	const unsigned char *eid = sqlite3_column_text(stmt, 1);
	const unsigned char *derivation = sqlite3_column_text(stmt, 3);
	int k_int_len = sqlite3_column_bytes(stmt, 4);
	const void *k_int = sqlite3_column_blob(stmt, 4);
	int k_enc_len = sqlite3_column_bytes(stmt, 5);
	const void *k_enc = sqlite3_column_blob(stmt, 5);
	sqlite3_int64 alg = sqlite3_column_int64(stmt, 2);

	memset(ks, 0, sizeof(*ks));
	if (!kid || !eid || !derivation || strlen((const char *)kid) >= sizeof(ks->kid) ||
	    strlen((const char *)eid) >= sizeof(ks->eid) || alg < 0 || alg > 0xff ||
	    keyd_store_derivation_parse((const char *)derivation, &ks->derivation) ||
	    k_int_len != E2M_ALG_KEY_LEN || !k_int ||
	    (k_enc_len != 0 && k_enc_len != E2M_ALG_KEY_LEN)) {
		LOGP(DKEYD, LOGL_ERROR, "sqlite store: a row is not a keyset\n");
		return -EIO;
	}
	memcpy(ks->kid, kid, strlen((const char *)kid) + 1);
	memcpy(ks->eid, eid, strlen((const char *)eid) + 1);
	ks->alg = (uint8_t)alg;
	memcpy(ks->k_int, k_int, E2M_ALG_KEY_LEN);
	if (k_enc_len)
		memcpy(ks->k_enc, k_enc, E2M_ALG_KEY_LEN);
	ks->k_enc_len = (size_t)k_enc_len;
	ks->expires = sqlite3_column_int64(stmt, 6);
	(void)s;
	return 0;
}

/* Runs a one-row statement keyed by kid (take or get) to its end. */
static int sq_one(struct sq_store *s, enum sq_stmt which, const char *kid,
		  struct keyd_keyset *ks)
{
	sqlite3_stmt *stmt = s->stmt[which];
	bool found = false;
	int rc, row_rc = 0;

	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC)) {
		rc = sq_fail(s, "bind kid");
		sq_done(stmt);
		return rc;
	}
	/* step to SQLITE_DONE: DELETE ... RETURNING commits only there */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!found)
			row_rc = sq_row(s, stmt, ks);
		found = true;
	}
	if (rc != SQLITE_DONE)
		rc = sq_fail(s, which == SQ_TAKE ? "take" : "get");
	else if (!found)
		rc = -ENOENT;
	else
		rc = row_rc;
	sq_done(stmt);
	if (rc)
		keyd_keyset_clear(ks);
	return rc;
}

static int sq_del(struct keyd_store *st, const char *kid)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *stmt = s->stmt[SQ_DEL];
	int rc;

	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC)) {
		rc = sq_fail(s, "delete: bind");
		sq_done(stmt);
		return rc;
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		rc = sq_fail(s, "delete");
	else
		rc = sqlite3_changes(s->db) ? 0 : -ENOENT;
	sq_done(stmt);
	return rc;
}

static int sq_take(struct keyd_store *st, const char *kid, int64_t now, struct keyd_keyset *ks)
{
	int rc = sq_one(sq(st), SQ_TAKE, kid, ks);

	if (rc == 0 && ks->expires <= now) {
		keyd_keyset_clear(ks);
		return -EKEYEXPIRED;
	}
	return rc;
}

static int sq_get(struct keyd_store *st, const char *kid, int64_t now, struct keyd_keyset *ks)
{
	int rc = sq_one(sq(st), SQ_GET, kid, ks);

	if (rc == 0 && ks->expires <= now) {
		keyd_keyset_clear(ks);
		rc = sq_del(st, kid);
		return rc == 0 || rc == -ENOENT ? -EKEYEXPIRED : rc;
	}
	return rc;
}

static long sq_purge_expired(struct keyd_store *st, int64_t now)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *stmt = s->stmt[SQ_PURGE];
	long rc;

	if (sqlite3_bind_int64(stmt, 1, now)) {
		rc = sq_fail(s, "purge: bind");
		sq_done(stmt);
		return rc;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = sq_fail(s, "purge");
	else
		rc = sqlite3_changes(s->db);
	sq_done(stmt);
	/* The log still holds the pages of keysets taken or purged since the
	 * last pass: copy it into the file (where secure_delete has zeroed
	 * them) and cut it to nothing. */
	if (rc >= 0 && sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
						 NULL, NULL) != SQLITE_OK)
		rc = sq_fail(s, "purge: checkpoint");
	return rc;
}

static long sq_count(struct keyd_store *st)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *stmt = s->stmt[SQ_COUNT];
	long rc;

	if (sqlite3_step(stmt) != SQLITE_ROW)
		rc = sq_fail(s, "count");
	else
		rc = (long)sqlite3_column_int64(stmt, 0);
	sq_done(stmt);
	return rc;
}

const struct keyd_store_ops keyd_store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.put = sq_put,
	.take = sq_take,
	.get = sq_get,
	.del = sq_del,
	.purge_expired = sq_purge_expired,
	.count = sq_count,
};
