/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PostgreSQL store (libpq): the table of the SQLite store, created when
 * missing; prepared, parameterised statements in binary format; take is one
 * DELETE ... RETURNING, so fetch-and-delete is one transaction. A commit is
 * durable when it returns (synchronous_commit, the server's default). */

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "common/log.h"
#include "keyd/store.h"

/* Type OIDs of the parameters (PostgreSQL's pg_type.dat) */
#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_TEXT 25

#define PG_COLUMNS "kid, eid, alg, derivation, k_int, k_enc, expires"

enum pg_stmt {
	PG_PUT,
	PG_TAKE,
	PG_GET,
	PG_DEL,
	PG_PURGE,
	PG_COUNT,
	PG_NUM
};

/* The prepared statements: name, SQL, parameter types. */
static const struct {
	const char *name;
	const char *sql;
	int nparams;
	Oid types[7];
} pg_stmts[PG_NUM] = {
	[PG_PUT] = { .name = "keyd_put", .nparams = 7,
		     .sql = "INSERT INTO keyset (" PG_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
			    " ON CONFLICT (kid) DO NOTHING",
		     .types = { PG_OID_TEXT, PG_OID_TEXT, PG_OID_INT2, PG_OID_TEXT, PG_OID_BYTEA,
				PG_OID_BYTEA, PG_OID_INT8 } },
	[PG_TAKE] = { .name = "keyd_take", .nparams = 1,
		      .sql = "DELETE FROM keyset WHERE kid = $1 RETURNING " PG_COLUMNS,
		      .types = { PG_OID_TEXT } },
	[PG_GET] = { .name = "keyd_get", .nparams = 1,
		     .sql = "SELECT " PG_COLUMNS " FROM keyset WHERE kid = $1",
		     .types = { PG_OID_TEXT } },
	[PG_DEL] = { .name = "keyd_del", .nparams = 1,
		     .sql = "DELETE FROM keyset WHERE kid = $1",
		     .types = { PG_OID_TEXT } },
	[PG_PURGE] = { .name = "keyd_purge", .nparams = 1,
		       .sql = "DELETE FROM keyset WHERE expires <= $1",
		       .types = { PG_OID_INT8 } },
	[PG_COUNT] = { .name = "keyd_count", .nparams = 0,
		       .sql = "SELECT count(*)::int8 FROM keyset" },
};

static const char pg_schema[] =
	"SET client_min_messages = warning;"
	"CREATE TABLE IF NOT EXISTS keyset ("
	" kid text PRIMARY KEY,"
	" eid text NOT NULL,"
	" alg smallint NOT NULL,"
	" derivation text NOT NULL,"
	" k_int bytea NOT NULL,"
	" k_enc bytea,"
	" expires bigint NOT NULL);"
	"CREATE INDEX IF NOT EXISTS keyset_expires ON keyset (expires);";

struct pg_store {
	struct keyd_store base;	/* first: the generic view */
	PGconn *conn;
};

static struct pg_store *pg(struct keyd_store *st)
{
	return (struct pg_store *)st;
}

/* The server's notices go to our log, not to stderr. */
static void pg_notice(void *arg, const char *message)
{
	LOGP(DKEYD, LOGL_DEBUG, "postgresql store: %s", message);
}

/* libpq's messages end in a newline. */
static int pg_fail(struct pg_store *s, const char *what, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(s->conn);
	size_t len = strlen(msg);

	while (len && msg[len - 1] == '\n')
		len--;
	LOGP(DKEYD, LOGL_ERROR, "postgresql store: %s: %.*s\n", what, (int)len, msg);
	return -EIO;
}

static int pg_setup(struct pg_store *s)
{
	PGresult *res = PQexec(s->conn, pg_schema);
	size_t i;
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(s, "schema", res);
	PQclear(res);
	for (i = 0; rc == 0 && i < PG_NUM; i++) {
		res = PQprepare(s->conn, pg_stmts[i].name, pg_stmts[i].sql, pg_stmts[i].nparams,
				pg_stmts[i].types);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(s, pg_stmts[i].name, res);
		PQclear(res);
	}
	return rc;
}

/* A lost connection is made again (and the statements prepared again)
 * before the next operation. */
static int pg_ready(struct pg_store *s)
{
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	LOGP(DKEYD, LOGL_NOTICE, "postgresql store: connection lost, connecting again\n");
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return pg_fail(s, "connect", NULL);
	return pg_setup(s);
}

static void pg_close(struct keyd_store *st)
{
	struct pg_store *s = pg(st);

	if (!s)
		return;
	PQfinish(s->conn);
	free(s);
}

static int pg_open(struct keyd_store **st, const char *conninfo, char *err, size_t errlen)
{
	struct pg_store *s = calloc(1, sizeof(*s));
	size_t len;

	*st = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->base.ops = &keyd_store_pg_ops;
	s->conn = PQconnectdb(conninfo);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		const char *msg = s->conn ? PQerrorMessage(s->conn) : "out of memory";

		len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			len--;
		snprintf(err, errlen, "cannot connect: %.*s", (int)len, msg);
		pg_close(&s->base);
		return -EIO;
	}
	PQsetNoticeProcessor(s->conn, pg_notice, NULL);
	if (pg_setup(s)) {
		snprintf(err, errlen, "cannot set up the table keyset (see the log)");
		pg_close(&s->base);
		return -EIO;
	}
	*st = &s->base;
	return 0;
}

/* Runs a prepared statement with binary parameters and results. */
static PGresult *pg_run(struct pg_store *s, enum pg_stmt which, const char *const *values,
			const int *lengths)
{
	static const int formats[7] = { 1, 1, 1, 1, 1, 1, 1 };

	return PQexecPrepared(s->conn, pg_stmts[which].name, pg_stmts[which].nparams, values,
			      lengths, formats, 1);
}

static uint64_t be64(const char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (uint8_t)p[i];
	return v;
}

static void put_be64(char out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		out[i] = (char)(v & 0xff);
}

static int pg_put(struct keyd_store *st, const struct keyd_keyset *ks)
{
	struct pg_store *s = pg(st);
	const char *derivation = keyd_store_derivation_name(ks->derivation);
	char alg[2] = { 0, (char)ks->alg }, expires[8];
	const char *values[7];
	int lengths[7];
	PGresult *res;
	int rc;

	if (!derivation)
		return -EINVAL;
	rc = pg_ready(s);
	if (rc)
		return rc;
	put_be64(expires, (uint64_t)ks->expires);
	values[0] = ks->kid, lengths[0] = (int)strlen(ks->kid);
	values[1] = ks->eid, lengths[1] = (int)strlen(ks->eid);
	values[2] = alg, lengths[2] = 2;
	values[3] = derivation, lengths[3] = (int)strlen(derivation);
	values[4] = (const char *)ks->k_int, lengths[4] = (int)sizeof(ks->k_int);
	values[5] = ks->k_enc_len ? (const char *)ks->k_enc : NULL;
	lengths[5] = (int)ks->k_enc_len;
	values[6] = expires, lengths[6] = 8;
	res = pg_run(s, PG_PUT, values, lengths);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(s, "put", res);
	else
		rc = !strcmp(PQcmdTuples(res), "1") ? 0 : -EEXIST;	/* ON CONFLICT: "0" */
	PQclear(res);
	return rc;
}

/* Row 0 of res into ks; -EIO for a row that is not a keyset. */
static int pg_row(const PGresult *res, struct keyd_keyset *ks)
{
	int kid_len = PQgetlength(res, 0, 0), eid_len = PQgetlength(res, 0, 1);
	int der_len = PQgetlength(res, 0, 3);
	char derivation[8];

	memset(ks, 0, sizeof(*ks));
	if (PQnfields(res) != 7 || kid_len <= 0 || (size_t)kid_len >= sizeof(ks->kid) ||
	    eid_len <= 0 || (size_t)eid_len >= sizeof(ks->eid) || PQgetlength(res, 0, 2) != 2 ||
	    der_len <= 0 || (size_t)der_len >= sizeof(derivation) ||
	    PQgetlength(res, 0, 4) != E2M_ALG_KEY_LEN ||
	    (!PQgetisnull(res, 0, 5) && PQgetlength(res, 0, 5) != E2M_ALG_KEY_LEN) ||
	    PQgetlength(res, 0, 6) != 8) {
		LOGP(DKEYD, LOGL_ERROR, "postgresql store: a row is not a keyset\n");
		return -EIO;
	}
	memcpy(ks->kid, PQgetvalue(res, 0, 0), (size_t)kid_len);
	memcpy(ks->eid, PQgetvalue(res, 0, 1), (size_t)eid_len);
	memcpy(derivation, PQgetvalue(res, 0, 3), (size_t)der_len);
	derivation[der_len] = '\0';
	if (keyd_store_derivation_parse(derivation, &ks->derivation) ||
	    (uint8_t)PQgetvalue(res, 0, 2)[0] != 0) {
		LOGP(DKEYD, LOGL_ERROR, "postgresql store: a row is not a keyset\n");
		keyd_keyset_clear(ks);
		return -EIO;
	}
	ks->alg = (uint8_t)PQgetvalue(res, 0, 2)[1];
	memcpy(ks->k_int, PQgetvalue(res, 0, 4), E2M_ALG_KEY_LEN);
	if (!PQgetisnull(res, 0, 5)) {
		memcpy(ks->k_enc, PQgetvalue(res, 0, 5), E2M_ALG_KEY_LEN);
		ks->k_enc_len = E2M_ALG_KEY_LEN;
	}
	ks->expires = (int64_t)be64(PQgetvalue(res, 0, 6));
	return 0;
}

/* The keys in a result: overwritten before PQclear() frees it. */
static void pg_clear_keys(PGresult *res)
{
	int row, col;

	for (row = 0; row < PQntuples(res); row++)
		for (col = 4; col <= 5 && col < PQnfields(res); col++)
			if (!PQgetisnull(res, row, col))
				OPENSSL_cleanse(PQgetvalue(res, row, col),
						(size_t)PQgetlength(res, row, col));
}

static int pg_one(struct pg_store *s, enum pg_stmt which, const char *kid,
		  struct keyd_keyset *ks)
{
	const char *values[1] = { kid };
	int lengths[1] = { (int)strlen(kid) };
	PGresult *res;
	int rc = pg_ready(s);

	if (rc)
		return rc;
	res = pg_run(s, which, values, lengths);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail(s, pg_stmts[which].name, res);
	else if (PQntuples(res) == 0)
		rc = -ENOENT;
	else
		rc = pg_row(res, ks);
	pg_clear_keys(res);
	PQclear(res);
	if (rc)
		keyd_keyset_clear(ks);
	return rc;
}

static int pg_del(struct keyd_store *st, const char *kid)
{
	struct pg_store *s = pg(st);
	const char *values[1] = { kid };
	int lengths[1] = { (int)strlen(kid) };
	PGresult *res;
	int rc = pg_ready(s);

	if (rc)
		return rc;
	res = pg_run(s, PG_DEL, values, lengths);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(s, "delete", res);
	else
		rc = strcmp(PQcmdTuples(res), "0") ? 0 : -ENOENT;
	PQclear(res);
	return rc;
}

static int pg_take(struct keyd_store *st, const char *kid, int64_t now, struct keyd_keyset *ks)
{
	int rc = pg_one(pg(st), PG_TAKE, kid, ks);

	if (rc == 0 && ks->expires <= now) {
		keyd_keyset_clear(ks);
		return -EKEYEXPIRED;
	}
	return rc;
}

static int pg_get(struct keyd_store *st, const char *kid, int64_t now, struct keyd_keyset *ks)
{
	int rc = pg_one(pg(st), PG_GET, kid, ks);

	if (rc == 0 && ks->expires <= now) {
		keyd_keyset_clear(ks);
		rc = pg_del(st, kid);
		return rc == 0 || rc == -ENOENT ? -EKEYEXPIRED : rc;
	}
	return rc;
}

static long pg_purge_expired(struct keyd_store *st, int64_t now)
{
	struct pg_store *s = pg(st);
	char when[8];
	const char *values[1] = { when };
	int lengths[1] = { 8 };
	PGresult *res;
	long rc = pg_ready(s);

	if (rc)
		return rc;
	put_be64(when, (uint64_t)now);
	res = pg_run(s, PG_PURGE, values, lengths);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(s, "purge", res);
	else
		rc = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

static long pg_count(struct keyd_store *st)
{
	struct pg_store *s = pg(st);
	PGresult *res;
	long rc = pg_ready(s);

	if (rc)
		return rc;
	res = pg_run(s, PG_COUNT, NULL, NULL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQgetlength(res, 0, 0) != 8)
		rc = pg_fail(s, "count", res);
	else
		rc = (long)be64(PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

const struct keyd_store_ops keyd_store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.put = pg_put,
	.take = pg_take,
	.get = pg_get,
	.del = pg_del,
	.purge_expired = pg_purge_expired,
	.count = pg_count,
};
