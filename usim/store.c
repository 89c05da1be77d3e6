/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SQLite card state. One row per file (its whole contents, so that a row is
 * never half-written) and one per PIN. WAL journal with synchronous=FULL.
 *
 * A change a card makes while it serves (a file, a PIN, an SQN slot) goes to
 * the store's journal (usim/journal.h, the file STATE.journal) instead: one
 * pwrite() and one fdatasync() of preallocated blocks, where an SQLite commit
 * appended a frame to a growing WAL and so paid the flush of the data and
 * that of the file system's own journal (strace: one fdatasync of 230-320 us
 * per AUTHENTICATE, against 125 us for an overwrite). The journal is applied
 * into SQLite in one transaction (a checkpoint) when it is full, before any
 * other SQLite write (personalisation, forgetting a card) or read, when the
 * store is closed, and at every open: recovery replays every whole record
 * after the last one applied, stops at the first torn one (a change never
 * answered), and starts a new epoch, so that no record of before is ever
 * read again. Either way a change survives kill -9 and power loss once
 * usim_store_sync() (or, not deferred, the put) has returned.
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

#include "common/log.h"
#include "aka/sqn.h"
#include "usim/journal.h"
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
	ST_JOURNAL_GET,
	ST_JOURNAL_SET,
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
	[ST_JOURNAL_GET] = "SELECT epoch, applied FROM journal WHERE id = 1",
	[ST_JOURNAL_SET] = "INSERT OR REPLACE INTO journal (id, epoch, applied) VALUES (1, ?1, ?2)",
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
	"  seq INTEGER NOT NULL, PRIMARY KEY (iccid, ind));"
	"CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL,"
	"  applied INTEGER NOT NULL);";

/* A journal record's payload: the kind, the ICCID (length, octets), then
 * F: path (length, octets), contents (u16 LE length, octets);
 * P: key reference, PIN, PUK, enabled, tries, PUK tries;
 * S: IND (u16 LE), SEQ (u64 LE). */
enum jrec_kind {
	JREC_FILE = 'F',
	JREC_PIN = 'P',
	JREC_SQN = 'S',
};
#define JREC_MAX	(2 + 20 + 1 + 255 + 2 + 65535)

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
	struct usim_journal *jr;	/* NULL for ":memory:" */
	uint32_t epoch;			/* of the journal's records */
	uint64_t applied;		/* LSN of the last record in SQLite */
	bool in_txn;			/* between usim_store_begin and commit */
	bool deferred;			/* puts wait for usim_store_sync */
	bool failed;			/* a flush failed: no change is taken */
};

static int sql_put_file(struct usim_store *st, const char *iccid, const char *path,
			const uint8_t *data, size_t len);
static int sql_put_pin(struct usim_store *st, const char *iccid, const struct usim_pin *pin);
static int sql_put_sqn(struct usim_store *st, const char *iccid, unsigned int ind, uint64_t seq);
static int journal_recover(struct usim_store *st, const char *path, char *err, size_t errlen);
static int checkpoint(struct usim_store *st);

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
	if (!st->memory && journal_recover(st, path, err, errlen) < 0) {
		usim_store_close(st);
		return -1;
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
	if (st->jr && !st->failed && checkpoint(st) < 0)
		LOGP(DSTORE, LOGL_ERROR, "state journal: cannot apply it into SQLite at close; "
		     "the next open will\n");
	usim_journal_close(st->jr);
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

/* The journal's records, one by one, into SQLite (inside a transaction). */
static int apply_record(void *arg, const uint8_t *p, size_t len)
{
	struct usim_store *st = arg;
	const uint8_t *end = p + len;
	char iccid[256], path[256];
	size_t n;

	if (len < 2 || (size_t)(end - p) < 2u + p[1])
		return -EIO;
	memcpy(iccid, p + 2, p[1]);
	iccid[p[1]] = '\0';
	n = 2u + p[1];
	switch (p[0]) {
	case JREC_FILE: {
		size_t plen, dlen;

		if ((size_t)(end - p) < n + 1 || (size_t)(end - p) < n + 1 + p[n] + 2)
			return -EIO;
		plen = p[n];
		memcpy(path, p + n + 1, plen);
		path[plen] = '\0';
		n += 1 + plen;
		dlen = (size_t)p[n] | (size_t)p[n + 1] << 8;
		if ((size_t)(end - p) != n + 2 + dlen)
			return -EIO;
		return sql_put_file(st, iccid, path, p + n + 2, dlen);
	}
	case JREC_PIN: {
		struct usim_pin pin = { 0 };

		if ((size_t)(end - p) != n + 1 + 2 * USIM_PIN_LEN + 3)
			return -EIO;
		pin.key_ref = p[n++];
		memcpy(pin.value, p + n, USIM_PIN_LEN);
		memcpy(pin.puk, p + n + USIM_PIN_LEN, USIM_PIN_LEN);
		n += 2 * USIM_PIN_LEN;
		pin.enabled = p[n] != 0;
		pin.tries = p[n + 1];
		pin.puk_tries = p[n + 2];
		return sql_put_pin(st, iccid, &pin);
	}
	case JREC_SQN: {
		uint64_t seq = 0;

		if ((size_t)(end - p) != n + 2 + 8)
			return -EIO;
		for (int i = 7; i >= 0; i--)
			seq = seq << 8 | p[n + 2 + i];
		return sql_put_sqn(st, iccid, (unsigned int)(p[n] | p[n + 1] << 8), seq);
	}
	default:
		return -EIO;
	}
}

/* Record the journal's epoch and the last LSN applied (in the transaction
 * that applied it). */
static int journal_row_set(struct usim_store *st, uint32_t epoch, uint64_t applied)
{
	sqlite3_stmt *s = st->stmt[ST_JOURNAL_SET];

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, epoch);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)applied);
	return step_done(s);
}

/* Apply the flushed records after st->applied into SQLite in one
 * transaction that also records the new epoch and LSN; limit as for
 * usim_journal_scan. */
static int apply_journal(struct usim_store *st, uint32_t epoch, size_t limit,
			 struct usim_journal_scan *res)
{
	int rc = exec(st, "BEGIN IMMEDIATE");

	if (rc < 0)
		return rc;
	rc = usim_journal_scan(st->jr, st->epoch, st->applied, limit, apply_record, st, res);
	if (rc == 0)
		rc = journal_row_set(st, epoch, res->last);
	if (rc == 0)
		rc = exec(st, "COMMIT");
	if (rc < 0) {
		exec(st, "ROLLBACK");
		return rc;
	}
	st->epoch = epoch;
	st->applied = res->last;
	return 0;
}

/* Open STATE.journal, replay it into SQLite, start a new epoch. */
static int journal_recover(struct usim_store *st, const char *path, char *err, size_t errlen)
{
	struct usim_journal_scan res;
	sqlite3_stmt *s = st->stmt[ST_JOURNAL_GET];
	char jpath[4096];
	bool fresh;
	int rc;

	sqlite3_reset(s);
	rc = sqlite3_step(s);
	fresh = rc != SQLITE_ROW;
	if (!fresh) {
		st->epoch = (uint32_t)sqlite3_column_int64(s, 0);
		st->applied = (uint64_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		return -1;
	}
	snprintf(jpath, sizeof(jpath), "%s.journal", path);
	/* a store made anew: whatever an older journal holds is not its own */
	if (usim_journal_open(&st->jr, jpath, fresh, err, errlen) < 0)
		return -1;
	if (apply_journal(st, st->epoch + 1, 0, &res) < 0) {
		snprintf(err, errlen, "%s: cannot apply the journal %s", path, jpath);
		return -1;
	}
	if (res.records)
		LOGP(DSTORE, LOGL_NOTICE, "state journal %s: %u changes recovered, up to LSN %llu\n",
		     jpath, res.records, (unsigned long long)res.last);
	if (res.torn)
		LOGP(DSTORE, LOGL_NOTICE, "state journal %s: record LSN %llu at offset %zu torn (%s): "
		     "recovered up to LSN %llu, the change it held was never answered\n", jpath,
		     (unsigned long long)res.torn_lsn, res.end, res.torn_why,
		     (unsigned long long)res.last);
	usim_journal_restart(st->jr, st->epoch, st->applied + 1);
	return 0;
}

/* Flush what the journal holds, apply it into SQLite and write it from its
 * start again. Nothing to do when it holds nothing. */
static int checkpoint(struct usim_store *st)
{
	struct usim_journal_scan res;

	if (!st->jr || usim_journal_last(st->jr) == st->applied)
		return 0;
	if (st->failed || usim_journal_sync(st->jr) < 0) {
		st->failed = true;
		return -EIO;
	}
	if (apply_journal(st, st->epoch, usim_journal_used(st->jr), &res) < 0 ||
	    res.last != usim_journal_durable(st->jr)) {
		LOGP(DSTORE, LOGL_ERROR, "state journal: checkpoint into SQLite failed\n");
		st->failed = true;
		return -EIO;
	}
	usim_journal_restart(st->jr, st->epoch, st->applied + 1);
	return 0;
}

/* One change into the journal: flushed at once, or with the next
 * usim_store_sync() when deferred. */
static int journal_put(struct usim_store *st, const uint8_t *rec, size_t len)
{
	int rc;

	if (st->failed)
		return -EIO;
	rc = usim_journal_append(st->jr, rec, len);
	if (rc == -ENOSPC) {
		rc = checkpoint(st);
		if (rc == 0)
			rc = usim_journal_append(st->jr, rec, len);
	}
	if (rc < 0)
		return rc;
	return st->deferred ? 0 : usim_store_sync(st, usim_journal_last(st->jr));
}

/* Whether a put goes to the journal rather than straight into SQLite. */
static bool journaled(const struct usim_store *st)
{
	return st->jr && !st->in_txn;
}

/* Start of a record: kind and ICCID. */
static size_t jrec_start(uint8_t *rec, enum jrec_kind kind, const char *iccid)
{
	size_t n = strlen(iccid);

	if (n > 20)
		n = 20;
	rec[0] = (uint8_t)kind;
	rec[1] = (uint8_t)n;
	memcpy(rec + 2, iccid, n);
	return 2 + n;
}

/*! Defer the flush of changes to usim_store_sync(): the caller answers a
 *  command only once the sync covering its change has returned 0 (the
 *  changes of one poll round share one flush). */
void usim_store_set_deferred(struct usim_store *st, bool deferred)
{
	st->deferred = deferred;
}

/*! LSN of the last change taken (0 for a store in memory). */
uint64_t usim_store_last_change(const struct usim_store *st)
{
	return st->jr ? usim_journal_last(st->jr) : 0;
}

/*! Make every change up to LSN upto durable: one write and one flush for
 *  all that waits, none when it is already durable. 0 or -EIO (then the
 *  store takes no more changes). */
int usim_store_sync(struct usim_store *st, uint64_t upto)
{
	if (!st->jr || usim_journal_durable(st->jr) >= upto)
		return 0;
	if (st->failed || usim_journal_sync(st->jr) < 0) {
		if (!st->failed)
			LOGP(DSTORE, LOGL_ERROR, "state journal: flush failed: %s; no more changes "
			     "are taken\n", strerror(errno));
		st->failed = true;
		return -EIO;
	}
	return 0;
}

/*! Group several writes into one atomic commit (personalisation). */
int usim_store_begin(struct usim_store *st)
{
	int rc = checkpoint(st);

	if (rc == 0)
		rc = exec(st, "BEGIN IMMEDIATE");
	st->in_txn = rc == 0;
	return rc;
}

int usim_store_commit(struct usim_store *st)
{
	st->in_txn = false;
	return exec(st, "COMMIT");
}

int usim_store_rollback(struct usim_store *st)
{
	st->in_txn = false;
	return exec(st, "ROLLBACK");
}

/*! 1 when the store holds this card, 0 when not, negative on error. */
int usim_store_card_exists(struct usim_store *st, const char *iccid)
{
	sqlite3_stmt *s;
	int rc = checkpoint(st);

	if (rc < 0)
		return rc;
	s = stmt_start(st, ST_CARD_EXISTS, iccid);
	rc = sqlite3_step(s);

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
	int rc = checkpoint(st);

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
	static uint8_t rec[JREC_MAX];
	size_t n, plen = strlen(path);

	if (!journaled(st))
		return sql_put_file(st, iccid, path, data, len);
	if (plen > 255 || len > 65535)
		return -EINVAL;
	n = jrec_start(rec, JREC_FILE, iccid);
	rec[n++] = (uint8_t)plen;
	memcpy(rec + n, path, plen);
	n += plen;
	rec[n++] = (uint8_t)len;
	rec[n++] = (uint8_t)(len >> 8);
	memcpy(rec + n, data, len);
	return journal_put(st, rec, n + len);
}

static int sql_put_file(struct usim_store *st, const char *iccid, const char *path,
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
	sqlite3_stmt *s;
	int rc = checkpoint(st);

	if (rc < 0)
		return rc;
	s = stmt_start(st, ST_FILE_GET, iccid);
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

/*! Store a PIN's value, PUK, enabled flag and counters. */
int usim_store_put_pin(struct usim_store *st, const char *iccid, const struct usim_pin *pin)
{
	uint8_t rec[2 + 20 + 1 + 2 * USIM_PIN_LEN + 3];
	size_t n;

	if (!journaled(st))
		return sql_put_pin(st, iccid, pin);
	n = jrec_start(rec, JREC_PIN, iccid);
	rec[n++] = (uint8_t)pin->key_ref;
	memcpy(rec + n, pin->value, USIM_PIN_LEN);
	memcpy(rec + n + USIM_PIN_LEN, pin->puk, USIM_PIN_LEN);
	n += 2 * USIM_PIN_LEN;
	rec[n++] = pin->enabled;
	rec[n++] = pin->tries;
	rec[n++] = pin->puk_tries;
	return journal_put(st, rec, n);
}

static int sql_put_pin(struct usim_store *st, const char *iccid, const struct usim_pin *pin)
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
	sqlite3_stmt *s;
	int rc = checkpoint(st);

	if (rc < 0)
		return rc;
	s = stmt_start(st, ST_PIN_GET, iccid);

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
	uint8_t rec[2 + 20 + 2 + 8];
	size_t n;

	if (st->memory)
		return mem_put_sqn(st, iccid, ind, seq);
	if (!journaled(st))
		return sql_put_sqn(st, iccid, ind, seq);
	n = jrec_start(rec, JREC_SQN, iccid);
	rec[n++] = (uint8_t)ind;
	rec[n++] = (uint8_t)(ind >> 8);
	for (int i = 0; i < 8; i++)
		rec[n++] = (uint8_t)(seq >> (8 * i));
	return journal_put(st, rec, n);
}

static int sql_put_sqn(struct usim_store *st, const char *iccid, unsigned int ind, uint64_t seq)
{
	sqlite3_stmt *s = stmt_start(st, ST_SQN_SET, iccid);
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
	int rc = checkpoint(st), n = 0;

	if (rc < 0)
		return rc;
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
