/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSE's state in SQLite: write-ahead log with synchronous=FULL, so that
 * a committed window or downlink COUNT survives a crash of the HSE or of
 * the machine (doc/e2m-profile.md 7: durable before the payload is handed
 * on, before the message leaves); secure_delete, and the log cut back at
 * every purge that moved keysets, so that no copy of a spent keyset's keys
 * stays in the file; the exclusive locking mode, so that two HSEs never
 * share one state (they would send the same downlink COUNT). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "common/log.h"
#include "hse/store.h"

#define BUSY_TIMEOUT_MS 2000

/* The prepared statements, by index. */
enum hse_stmt {
	ST_PUT,
	ST_PUT_SPENT,
	ST_GET_KID,
	ST_SPENT_KID,
	ST_GET_SID,
	ST_SPENT_SID,
	ST_ACCEPT,
	ST_DOWN,
	ST_EXISTS,
	ST_QPUSH,
	ST_QPOP,
	ST_PURGE_MOVE,
	ST_PURGE_DEL,
	ST_PURGE_QUEUE,
	ST_PURGE_SPENT,
	ST_COUNT,
	ST_NUM
};

#define ST_COLUMNS "kid, eid, alg, derivation, k_int, k_enc, expires, sid, up_any, up_top, " \
		   "up_seen, down_next, addr"

static const char *const st_sql[ST_NUM] = {
	/* a KID that is held (primary key) or spent is never taken again */
	[ST_PUT] = "INSERT INTO keyset (kid, eid, alg, derivation, k_int, k_enc, expires, sid) "
		   "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 "
		   "WHERE NOT EXISTS (SELECT 1 FROM spent WHERE kid = ?1) "
		   "ON CONFLICT (kid) DO NOTHING",
	[ST_PUT_SPENT] = "INSERT INTO spent (kid, sid, expires) VALUES (?1, ?2, ?3) "
			 "ON CONFLICT (kid) DO NOTHING",
	[ST_GET_KID] = "SELECT " ST_COLUMNS " FROM keyset WHERE kid = ?1",
	[ST_SPENT_KID] = "SELECT 1 FROM spent WHERE kid = ?1",
	[ST_GET_SID] = "SELECT " ST_COLUMNS " FROM keyset WHERE sid = ?1 ORDER BY rowid DESC LIMIT ?2",
	[ST_SPENT_SID] = "SELECT 1 FROM spent WHERE sid = ?1 LIMIT 1",
	[ST_ACCEPT] = "UPDATE keyset SET up_any = 1, up_top = ?2, up_seen = ?3, addr = ?4 "
		      "WHERE kid = ?1",
	/* one statement, one transaction: the successor is durable before
	 * the COUNT is returned */
	[ST_DOWN] = "UPDATE keyset SET down_next = down_next + 1 "
		    "WHERE kid = ?1 AND down_next < 4294967295 RETURNING down_next - 1",
	[ST_EXISTS] = "SELECT 1 FROM keyset WHERE kid = ?1",
	[ST_QPUSH] = "INSERT INTO downlink (kid, payload) VALUES (?1, ?2)",
	[ST_QPOP] = "DELETE FROM downlink WHERE id = "
		    "(SELECT min(id) FROM downlink WHERE kid = ?1) RETURNING payload",
	[ST_PURGE_MOVE] = "INSERT INTO spent (kid, sid, expires) "
			  "SELECT kid, sid, expires FROM keyset WHERE expires <= ?1 "
			  "ON CONFLICT (kid) DO NOTHING",
	[ST_PURGE_DEL] = "DELETE FROM keyset WHERE expires <= ?1",
	[ST_PURGE_QUEUE] = "DELETE FROM downlink WHERE kid NOT IN (SELECT kid FROM keyset)",
	[ST_PURGE_SPENT] = "DELETE FROM spent WHERE expires <= ?1",
	[ST_COUNT] = "SELECT count(*) FROM keyset",
};

static const char *const st_setup[] = {
	/* before the first access, so that WAL needs no shared memory */
	"PRAGMA locking_mode = EXCLUSIVE",
	"PRAGMA journal_mode = WAL",
	"PRAGMA synchronous = FULL",
	"PRAGMA secure_delete = ON",
	"CREATE TABLE IF NOT EXISTS keyset ("
	" kid TEXT PRIMARY KEY NOT NULL,"
	" eid TEXT NOT NULL,"
	" alg INTEGER NOT NULL,"
	" derivation INTEGER NOT NULL,"
	" k_int BLOB NOT NULL,"
	" k_enc BLOB,"
	" expires INTEGER NOT NULL,"
	" sid BLOB NOT NULL,"
	" up_any INTEGER NOT NULL DEFAULT 0,"
	" up_top INTEGER NOT NULL DEFAULT 0,"
	" up_seen INTEGER NOT NULL DEFAULT 0,"
	" down_next INTEGER NOT NULL DEFAULT 0,"
	" addr BLOB)",
	"CREATE INDEX IF NOT EXISTS keyset_sid ON keyset (sid)",
	"CREATE INDEX IF NOT EXISTS keyset_expires ON keyset (expires)",
	"CREATE TABLE IF NOT EXISTS spent ("
	" kid TEXT PRIMARY KEY NOT NULL,"
	" sid BLOB NOT NULL,"
	" expires INTEGER NOT NULL)",
	"CREATE INDEX IF NOT EXISTS spent_sid ON spent (sid)",
	"CREATE TABLE IF NOT EXISTS downlink ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" kid TEXT NOT NULL,"
	" payload BLOB NOT NULL)",
	/* takes the exclusive lock now: a second HSE on this file fails here */
	"BEGIN IMMEDIATE",
	"COMMIT",
};

struct hse_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_NUM];
};

static int st_fail(struct hse_store *st, const char *what)
{
	LOGP(DHSE, LOGL_ERROR, "state: %s: %s\n", what, sqlite3_errmsg(st->db));
	return -EIO;
}

/* Ends a statement: its bindings (keys) dropped, ready for the next use. */
static void st_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

void hse_store_close(struct hse_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < ST_NUM; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

int hse_store_open(struct hse_store **out, const char *path, char *err, size_t errlen)
{
	struct hse_store *st = calloc(1, sizeof(*st));
	char *msg = NULL;
	int rc;

	*out = NULL;
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		hse_store_close(st);
		return -EIO;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	for (size_t i = 0; i < sizeof(st_setup) / sizeof(st_setup[0]); i++) {
		rc = sqlite3_exec(st->db, st_setup[i], NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;

			snprintf(err, errlen, "'%s': %s", path,
				 busy ? "in use by another process" : msg ? msg : "setup failed");
			sqlite3_free(msg);
			hse_store_close(st);
			return busy ? -EBUSY : -EIO;
		}
	}
	for (size_t i = 0; i < ST_NUM; i++) {
		if (sqlite3_prepare_v3(st->db, st_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmt[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "'%s': %s", path, sqlite3_errmsg(st->db));
			hse_store_close(st);
			return -EIO;
		}
	}
	*out = st;
	return 0;
}

int hse_store_put(struct hse_store *st, const struct keyd_keyset *ks,
		  const uint8_t sid[E2M_EDP_SID_LEN])
{
	sqlite3_stmt *stmt = st->stmt[ST_PUT];
	int rc;

	/* SQLITE_STATIC: ks and sid outlive the statement's step */
	if (sqlite3_bind_text(stmt, 1, ks->kid, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 2, ks->eid, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int(stmt, 3, ks->alg) ||
	    sqlite3_bind_int(stmt, 4, (int)ks->derivation) ||
	    sqlite3_bind_blob(stmt, 5, ks->k_int, sizeof(ks->k_int), SQLITE_STATIC) ||
	    (ks->k_enc_len ? sqlite3_bind_blob(stmt, 6, ks->k_enc, (int)ks->k_enc_len, SQLITE_STATIC)
			   : sqlite3_bind_null(stmt, 6)) ||
	    sqlite3_bind_int64(stmt, 7, ks->expires) ||
	    sqlite3_bind_blob(stmt, 8, sid, E2M_EDP_SID_LEN, SQLITE_STATIC)) {
		rc = st_fail(st, "put: bind");
		st_done(stmt);
		return rc;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = st_fail(st, "put");
	else
		rc = sqlite3_changes(st->db) ? 0 : -EEXIST;
	st_done(stmt);
	return rc;
}

int hse_store_put_spent(struct hse_store *st, const char *kid, const uint8_t sid[E2M_EDP_SID_LEN],
			int64_t expires)
{
	sqlite3_stmt *stmt = st->stmt[ST_PUT_SPENT];
	int rc;

	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC) ||
	    sqlite3_bind_blob(stmt, 2, sid, E2M_EDP_SID_LEN, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 3, expires)) {
		rc = st_fail(st, "spent: bind");
		st_done(stmt);
		return rc;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = st_fail(st, "spent");
	else
		rc = sqlite3_changes(st->db) ? 0 : -EEXIST;
	st_done(stmt);
	return rc;
}

void hse_session_clear(struct hse_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

/* The row at stmt's cursor (ST_COLUMNS) into s; 0, or -EIO for a row that
 * is not a session (a damaged file). */
static int st_row(sqlite3_stmt *stmt, struct hse_session *s)
{
	const unsigned char *kid = sqlite3_column_text(stmt, 0);
	const unsigned char *eid = sqlite3_column_text(stmt, 1);
	sqlite3_int64 alg = sqlite3_column_int64(stmt, 2);
	sqlite3_int64 derivation = sqlite3_column_int64(stmt, 3);
	const void *k_int = sqlite3_column_blob(stmt, 4);
	int k_int_len = sqlite3_column_bytes(stmt, 4);
	const void *k_enc = sqlite3_column_blob(stmt, 5);
	int k_enc_len = sqlite3_column_bytes(stmt, 5);
	const void *sid = sqlite3_column_blob(stmt, 7);
	int sid_len = sqlite3_column_bytes(stmt, 7);
	sqlite3_int64 up_top = sqlite3_column_int64(stmt, 9);
	sqlite3_int64 down_next = sqlite3_column_int64(stmt, 11);
	const void *addr = sqlite3_column_blob(stmt, 12);
	int addr_len = sqlite3_column_bytes(stmt, 12);

	memset(s, 0, sizeof(*s));
	if (!kid || !eid || strlen((const char *)kid) >= sizeof(s->ks.kid) ||
	    strlen((const char *)eid) >= sizeof(s->ks.eid) || alg < 0 || alg > 0xff ||
	    derivation < KEYD_DERIVED_USIM || derivation > KEYD_DERIVED_ME ||
	    !k_int || k_int_len != E2M_ALG_KEY_LEN || (k_enc_len && k_enc_len != E2M_ALG_KEY_LEN) ||
	    !sid || sid_len != E2M_EDP_SID_LEN || up_top < 0 || up_top > E2M_EDP_COUNT_MAX ||
	    down_next < 0 || down_next > E2M_EDP_COUNT_MAX ||
	    addr_len < 0 || (size_t)addr_len > sizeof(s->addr)) {
		LOGP(DHSE, LOGL_ERROR, "state: a row is not a session\n");
		return -EIO;
	}
	memcpy(s->ks.kid, kid, strlen((const char *)kid) + 1);
	memcpy(s->ks.eid, eid, strlen((const char *)eid) + 1);
	s->ks.alg = (uint8_t)alg;
	s->ks.derivation = (enum keyd_derivation)derivation;
	memcpy(s->ks.k_int, k_int, E2M_ALG_KEY_LEN);
	if (k_enc_len)
		memcpy(s->ks.k_enc, k_enc, E2M_ALG_KEY_LEN);
	s->ks.k_enc_len = (size_t)k_enc_len;
	s->ks.expires = sqlite3_column_int64(stmt, 6);
	memcpy(s->sid, sid, E2M_EDP_SID_LEN);
	s->up.any = sqlite3_column_int64(stmt, 8) != 0;
	s->up.top = (uint32_t)up_top;
	s->up.seen = (uint64_t)sqlite3_column_int64(stmt, 10);
	s->down_next = (uint64_t)down_next;
	if (addr && addr_len)
		memcpy(&s->addr, addr, (size_t)addr_len);
	s->addr_len = (socklen_t)addr_len;
	return 0;
}

/* Does the one-column query stmt, bound to a key, give a row? 1, 0, -EIO. */
static int st_exists(struct hse_store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : st_fail(st, "lookup");
	st_done(stmt);
	return rc;
}

int hse_store_get_kid(struct hse_store *st, const char *kid, struct hse_session *s)
{
	sqlite3_stmt *stmt = st->stmt[ST_GET_KID];
	int rc;

	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC)) {
		rc = st_fail(st, "get: bind");
		st_done(stmt);
		return rc;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		rc = st_row(stmt, s);
	else if (rc == SQLITE_DONE)
		rc = -ENOENT;
	else
		rc = st_fail(st, "get");
	st_done(stmt);
	if (rc != -ENOENT)
		return rc;
	stmt = st->stmt[ST_SPENT_KID];
	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC)) {
		rc = st_fail(st, "spent: bind");
		st_done(stmt);
		return rc;
	}
	rc = st_exists(st, stmt);
	return rc < 0 ? rc : rc ? -EKEYEXPIRED : -ENOENT;
}

int hse_store_get_sid(struct hse_store *st, const uint8_t sid[E2M_EDP_SID_LEN],
		      struct hse_session *s, size_t max, bool *spent)
{
	sqlite3_stmt *stmt = st->stmt[ST_GET_SID];
	size_t n = 0;
	int rc;

	*spent = false;
	if (sqlite3_bind_blob(stmt, 1, sid, E2M_EDP_SID_LEN, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)max)) {
		rc = st_fail(st, "get: bind");
		st_done(stmt);
		return rc;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && n < max) {
		if (st_row(stmt, &s[n]) == 0)
			n++;
	}
	rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : st_fail(st, "get");
	st_done(stmt);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			hse_session_clear(&s[i]);
		return rc;
	}
	if (n)
		return (int)n;
	stmt = st->stmt[ST_SPENT_SID];
	if (sqlite3_bind_blob(stmt, 1, sid, E2M_EDP_SID_LEN, SQLITE_STATIC)) {
		rc = st_fail(st, "spent: bind");
		st_done(stmt);
		return rc;
	}
	rc = st_exists(st, stmt);
	if (rc < 0)
		return rc;
	*spent = rc == 1;
	return 0;
}

int hse_store_accept_up(struct hse_store *st, const char *kid, const struct e2m_edp_window *w,
			const struct sockaddr *addr, socklen_t addr_len)
{
	sqlite3_stmt *stmt = st->stmt[ST_ACCEPT];
	int rc;

	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 2, w->top) ||
	    sqlite3_bind_int64(stmt, 3, (sqlite3_int64)w->seen) ||
	    (addr && addr_len ? sqlite3_bind_blob(stmt, 4, addr, (int)addr_len, SQLITE_STATIC)
			      : sqlite3_bind_null(stmt, 4))) {
		rc = st_fail(st, "accept: bind");
		st_done(stmt);
		return rc;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = st_fail(st, "accept");
	else
		rc = sqlite3_changes(st->db) ? 0 : -ENOENT;
	st_done(stmt);
	return rc;
}

int hse_store_take_down_count(struct hse_store *st, const char *kid, uint32_t *count)
{
	sqlite3_stmt *stmt = st->stmt[ST_DOWN];
	bool found = false;
	int rc;

	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC)) {
		rc = st_fail(st, "downlink count: bind");
		st_done(stmt);
		return rc;
	}
	/* step to SQLITE_DONE: UPDATE ... RETURNING commits only there */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*count = (uint32_t)sqlite3_column_int64(stmt, 0);
		found = true;
	}
	rc = rc == SQLITE_DONE ? 0 : st_fail(st, "downlink count");
	st_done(stmt);
	if (rc || found)
		return rc;
	/* no row changed: spent, or not held */
	stmt = st->stmt[ST_EXISTS];
	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC)) {
		rc = st_fail(st, "exists: bind");
		st_done(stmt);
		return rc;
	}
	rc = st_exists(st, stmt);
	return rc < 0 ? rc : rc ? -ENOSPC : -ENOENT;
}

int hse_store_queue_push(struct hse_store *st, const char *kid, const uint8_t *payload, size_t len)
{
	sqlite3_stmt *stmt = st->stmt[ST_QPUSH];
	int rc;

	/* a zero-length blob: bind "" rather than NULL (NOT NULL column) */
	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC) ||
	    sqlite3_bind_blob(stmt, 2, len ? (const void *)payload : "", (int)len, SQLITE_STATIC)) {
		rc = st_fail(st, "queue: bind");
		st_done(stmt);
		return rc;
	}
	rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : st_fail(st, "queue");
	st_done(stmt);
	return rc;
}

int hse_store_queue_pop(struct hse_store *st, const char *kid, uint8_t *payload, size_t cap,
			size_t *len)
{
	sqlite3_stmt *stmt = st->stmt[ST_QPOP];
	int rc, found = 0;

	if (sqlite3_bind_text(stmt, 1, kid, -1, SQLITE_STATIC)) {
		rc = st_fail(st, "queue: bind");
		st_done(stmt);
		return rc;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int n = sqlite3_column_bytes(stmt, 0);
		const void *p = sqlite3_column_blob(stmt, 0);

		if (n < 0 || (size_t)n > cap) {
			n = 0;	/* longer than any payload the queue takes: dropped */
			LOGP(DHSE, LOGL_ERROR, "state: a queued downlink is too long: dropped\n");
		}
		if (n)
			memcpy(payload, p, (size_t)n);
		*len = (size_t)n;
		found = 1;
	}
	rc = rc == SQLITE_DONE ? found : st_fail(st, "queue");
	st_done(stmt);
	return rc;
}

/* Runs a purge statement to its end, bound to *v when v is not NULL; the
 * rows it changed, or -EIO. */
static long st_run(struct hse_store *st, enum hse_stmt which, const int64_t *v)
{
	sqlite3_stmt *stmt = st->stmt[which];
	long rc;

	if ((v && sqlite3_bind_int64(stmt, 1, *v)) || sqlite3_step(stmt) != SQLITE_DONE)
		rc = st_fail(st, "purge");
	else
		rc = sqlite3_changes(st->db);
	st_done(stmt);
	return rc;
}

long hse_store_purge(struct hse_store *st, int64_t now)
{
	int64_t forget = now - HSE_STORE_SPENT_KEEP;
	long moved;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return st_fail(st, "purge: begin");
	if (st_run(st, ST_PURGE_MOVE, &now) < 0 || (moved = st_run(st, ST_PURGE_DEL, &now)) < 0 ||
	    st_run(st, ST_PURGE_QUEUE, NULL) < 0 || st_run(st, ST_PURGE_SPENT, &forget) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -EIO;
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return st_fail(st, "purge: commit");
	}
	/* The log still holds the pages of the keysets just moved: copy it
	 * into the file (where secure_delete has zeroed them) and cut it. */
	if (moved > 0 && sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
						   NULL) != SQLITE_OK)
		return st_fail(st, "purge: checkpoint");
	return moved;
}

long hse_store_count(struct hse_store *st)
{
	sqlite3_stmt *stmt = st->stmt[ST_COUNT];
	long rc;

	if (sqlite3_step(stmt) != SQLITE_ROW)
		rc = st_fail(st, "count");
	else
		rc = (long)sqlite3_column_int64(stmt, 0);
	st_done(stmt);
	return rc;
}
