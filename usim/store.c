/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SQLite card state. One row per file (its whole contents, so that a row is
 * never half-written) and one per PIN. WAL journal with synchronous=FULL:
 * a committed change survives kill -9 and power loss.
 *
 * A store in memory (":memory:") keeps the SQN slots in an array instead:
 * storing the slot is the write of every AKA run, and an SQLite UPDATE with
 * its transaction was two thirds of what the card adds to an E2M
 * AUTHENTICATE through pcscd (tests/bench/bench_pcsc.c). Both forms die
 * with the process alike. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "aka/sqn.h"
#include "usim/store.h"

enum stmt_id {
	ST_CARD_EXISTS,
	ST_CARD_ADD,
	ST_FILE_PUT,
	ST_FILE_GET,
	ST_PIN_PUT,
	ST_PIN_GET,
	ST_SQN_PUT,
	ST_SQN_GET,
	ST_SQN_SET,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_CARD_EXISTS] = "SELECT 1 FROM card WHERE iccid = ?1",
	[ST_CARD_ADD] = "INSERT OR IGNORE INTO card (iccid) VALUES (?1)",
	[ST_FILE_PUT] = "INSERT OR REPLACE INTO file (iccid, path, content) VALUES (?1, ?2, ?3)",
	[ST_FILE_GET] = "SELECT content FROM file WHERE iccid = ?1 AND path = ?2",
	[ST_PIN_PUT] = "INSERT OR REPLACE INTO pin (iccid, key_ref, value, puk, enabled, tries, "
		       "puk_tries) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_PIN_GET] = "SELECT value, puk, enabled, tries, puk_tries FROM pin "
		       "WHERE iccid = ?1 AND key_ref = ?2",
	[ST_SQN_PUT] = "INSERT OR REPLACE INTO sqn (iccid, ind, seq) VALUES (?1, ?2, ?3)",
	[ST_SQN_GET] = "SELECT ind, seq FROM sqn WHERE iccid = ?1",
	[ST_SQN_SET] = "UPDATE sqn SET seq = ?3 WHERE iccid = ?1 AND ind = ?2",
};

static const char schema[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = FULL;"
	"CREATE TABLE IF NOT EXISTS card (iccid TEXT PRIMARY KEY);"
	"CREATE TABLE IF NOT EXISTS file (iccid TEXT NOT NULL, path TEXT NOT NULL,"
	"  content BLOB NOT NULL, PRIMARY KEY (iccid, path));"
	"CREATE TABLE IF NOT EXISTS pin (iccid TEXT NOT NULL, key_ref INTEGER NOT NULL,"
	"  value BLOB NOT NULL, puk BLOB NOT NULL, enabled INTEGER NOT NULL,"
	"  tries INTEGER NOT NULL, puk_tries INTEGER NOT NULL, PRIMARY KEY (iccid, key_ref));"
	"CREATE TABLE IF NOT EXISTS sqn (iccid TEXT NOT NULL, ind INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL, PRIMARY KEY (iccid, ind));";

/* The SQN slots of one card in a store in memory. */
struct mem_sqn {
	struct mem_sqn *next;
	uint64_t seq[AKA_SQN_SLOTS_MAX];
	uint8_t stored[AKA_SQN_SLOTS_MAX / 8];	/* a bit per slot written */
	char iccid[];
};

struct usim_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	bool memory;			/* ":memory:": SQN slots in mem_sqn */
	struct mem_sqn *mem_sqn;
};

/*! Open (creating when needed) the store at path; ":memory:" for a store that
 *  lives only as long as the process. Returns 0, or -1 with err filled. */
int usim_store_open(struct usim_store **out, const char *path, char *err, size_t errlen)
{
	struct usim_store *st = calloc(1, sizeof(*st));

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->memory = strcmp(path, ":memory:") == 0;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(st->db, 5000);
	if (sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v2(st->db, stmt_sql[i], -1, &st->stmt[i], NULL) != SQLITE_OK)
			goto fail;
	}
	*out = st;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
	usim_store_close(st);
	return -1;
}

void usim_store_close(struct usim_store *st)
{
	if (!st)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	while (st->mem_sqn) {
		struct mem_sqn *m = st->mem_sqn;
		st->mem_sqn = m->next;
		free(m);
	}
	free(st);
}

/* The SQN slots of a card in a store in memory, unlinked from the list if
 * unlink is set; NULL when none was ever stored. */
static struct mem_sqn *mem_sqn_find(struct usim_store *st, const char *iccid, bool unlink)
{
	struct mem_sqn **pm = &st->mem_sqn, *m;

	while ((m = *pm) && strcmp(m->iccid, iccid))
		pm = &m->next;
	if (m && unlink)
		*pm = m->next;
	return m;
}

static sqlite3_stmt *stmt_start(struct usim_store *st, enum stmt_id id, const char *iccid)
{
	sqlite3_stmt *s = st->stmt[id];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	sqlite3_bind_text(s, 1, iccid, -1, SQLITE_STATIC);
	return s;
}

static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int exec(struct usim_store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

/*! Group several writes into one atomic commit (personalisation). */
int usim_store_begin(struct usim_store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

int usim_store_commit(struct usim_store *st)
{
	return exec(st, "COMMIT");
}

int usim_store_rollback(struct usim_store *st)
{
	return exec(st, "ROLLBACK");
}

/*! 1 when the store holds this card, 0 when not, negative on error. */
int usim_store_card_exists(struct usim_store *st, const char *iccid)
{
	sqlite3_stmt *s = stmt_start(st, ST_CARD_EXISTS, iccid);
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/*! Remove everything the store holds of a card (re-personalisation). */
int usim_store_card_forget(struct usim_store *st, const char *iccid)
{
	static const char *const tables[] = { "file", "pin", "sqn", "card" };
	char sql[96];
	int rc = 0;

	if (st->memory)
		free(mem_sqn_find(st, iccid, true));
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) && rc == 0; i++) {
		sqlite3_stmt *s;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE iccid = ?1", tables[i]);
		if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
			return -EIO;
		sqlite3_bind_text(s, 1, iccid, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
		sqlite3_finalize(s);
	}
	return rc;
}

/*! Store a file's whole contents; the card row is created with the first. */
int usim_store_put_file(struct usim_store *st, const char *iccid, const char *path,
			const uint8_t *data, size_t len)
{
	sqlite3_stmt *s = stmt_start(st, ST_CARD_ADD, iccid);

	if (step_done(s) < 0)
		return -EIO;
	s = stmt_start(st, ST_FILE_PUT, iccid);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, data, (int)len, SQLITE_STATIC);
	return step_done(s);
}

/*! Load a file's contents. Returns 0, -ENOENT when the store has none, -EIO
 *  on error or when the stored size is not len (a changed file table). */
int usim_store_get_file(struct usim_store *st, const char *iccid, const char *path,
			uint8_t *data, size_t len)
{
	sqlite3_stmt *s = stmt_start(st, ST_FILE_GET, iccid);
	int rc;

	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && (size_t)sqlite3_column_bytes(s, 0) == len) {
		memcpy(data, sqlite3_column_blob(s, 0), len);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : -EIO;
	}
	sqlite3_reset(s);
	return rc;
}

int usim_store_put_pin(struct usim_store *st, const char *iccid, const struct usim_pin *pin)
{
	sqlite3_stmt *s = stmt_start(st, ST_CARD_ADD, iccid);

	if (step_done(s) < 0)
		return -EIO;
	s = stmt_start(st, ST_PIN_PUT, iccid);
	sqlite3_bind_int(s, 2, pin->key_ref);
	sqlite3_bind_blob(s, 3, pin->value, USIM_PIN_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, pin->puk, USIM_PIN_LEN, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, pin->enabled);
	sqlite3_bind_int(s, 6, pin->tries);
	sqlite3_bind_int(s, 7, pin->puk_tries);
	return step_done(s);
}

/*! Load the persistent part of a PIN (value, PUK, enabled, counters). */
int usim_store_get_pin(struct usim_store *st, const char *iccid, struct usim_pin *pin)
{
	sqlite3_stmt *s = stmt_start(st, ST_PIN_GET, iccid);
	int rc;

	sqlite3_bind_int(s, 2, pin->key_ref);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == USIM_PIN_LEN &&
	    sqlite3_column_bytes(s, 1) == USIM_PIN_LEN) {
		memcpy(pin->value, sqlite3_column_blob(s, 0), USIM_PIN_LEN);
		memcpy(pin->puk, sqlite3_column_blob(s, 1), USIM_PIN_LEN);
		pin->enabled = sqlite3_column_int(s, 2) != 0;
		pin->tries = (uint8_t)sqlite3_column_int(s, 3);
		pin->puk_tries = (uint8_t)sqlite3_column_int(s, 4);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : -EIO;
	}
	sqlite3_reset(s);
	return rc;
}

/* put_sqn of a store in memory; the card row comes with the first slot. */
static int mem_put_sqn(struct usim_store *st, const char *iccid, unsigned int ind, uint64_t seq)
{
	struct mem_sqn *m = mem_sqn_find(st, iccid, false);

	if (ind >= AKA_SQN_SLOTS_MAX)
		return -EINVAL;
	if (!m) {
		size_t len = strlen(iccid) + 1;

		if (step_done(stmt_start(st, ST_CARD_ADD, iccid)) < 0)
			return -EIO;
		m = calloc(1, sizeof(*m) + len);
		if (!m)
			return -ENOMEM;
		memcpy(m->iccid, iccid, len);
		m->next = st->mem_sqn;
		st->mem_sqn = m;
	}
	m->seq[ind] = seq;
	m->stored[ind / 8] |= (uint8_t)(1u << (ind % 8));
	return 0;
}

/*! Store one slot of the SQN array (only the entry that changed). */
int usim_store_put_sqn(struct usim_store *st, const char *iccid, unsigned int ind, uint64_t seq)
{
	sqlite3_stmt *s;

	if (st->memory)
		return mem_put_sqn(st, iccid, ind, seq);
	s = stmt_start(st, ST_SQN_SET, iccid);
	/* the row is there once personalised: one UPDATE, one commit */
	sqlite3_bind_int(s, 2, (int)ind);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)seq);
	if (step_done(s) < 0)
		return -EIO;
	if (sqlite3_changes(st->db) == 1)
		return 0;
	s = stmt_start(st, ST_CARD_ADD, iccid);
	if (step_done(s) < 0)
		return -EIO;
	s = stmt_start(st, ST_SQN_PUT, iccid);
	sqlite3_bind_int(s, 2, (int)ind);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)seq);
	return step_done(s);
}

/*! Load every stored slot below slots into seq[]; others keep their value.
 *  Returns the number of slots loaded or -EIO. */
int usim_store_get_sqn(struct usim_store *st, const char *iccid, uint64_t *seq, unsigned int slots)
{
	sqlite3_stmt *s;
	int rc, n = 0;

	if (st->memory) {
		const struct mem_sqn *m = mem_sqn_find(st, iccid, false);

		for (unsigned int i = 0; m && i < slots && i < AKA_SQN_SLOTS_MAX; i++) {
			if (m->stored[i / 8] >> (i % 8) & 1) {
				seq[i] = m->seq[i];
				n++;
			}
		}
		return n;
	}
	s = stmt_start(st, ST_SQN_GET, iccid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int ind = sqlite3_column_int(s, 0);
		if (ind >= 0 && (unsigned int)ind < slots) {
			seq[ind] = (uint64_t)sqlite3_column_int64(s, 1);
			n++;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : -EIO;
}
