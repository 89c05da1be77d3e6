/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The requests of e2msim-keyd (keyd/API.md "Requests") and who may make
 * them, apart from the HTTPS transport (keyd/server.c): the transport reads
 * a request into a struct keyd_service_request and sends the struct
 * keyd_service_answer it gets back (status, JSON body). No TLS or HTTP
 * library type crosses this interface: the service can be driven without
 * a connection. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "keyd/config.h"
#include "keyd/keyset.h"
#include "keyd/peer.h"

/* An answer body, its NUL included: a keyset or {"error": ...}. */
#define KEYD_SERVICE_ANSWER_MAX (KEYD_BODY_MAX + 1)
/* The path as logged (non-printable octets as '?'), its NUL included. */
#define KEYD_SERVICE_PATH_LOG_MAX (sizeof("/v1/keysets/") + 3 * E2M_KID_MAX)
/* The argument of a prefix route: a percent-encoded kid, its NUL included. */
#define KEYD_SERVICE_ARG_MAX (3 * E2M_KID_MAX)
/* The Allow header of a 405, its NUL included. */
#define KEYD_SERVICE_ALLOW_MAX 32

/* The status codes the service answers (RFC 9110 15). */
enum keyd_service_status {
	KEYD_SERVICE_HTTP_OK = 200,
	KEYD_SERVICE_HTTP_CREATED = 201,
	KEYD_SERVICE_HTTP_NO_CONTENT = 204,
	KEYD_SERVICE_HTTP_BAD_REQUEST = 400,
	KEYD_SERVICE_HTTP_UNAUTHORIZED = 401,
	KEYD_SERVICE_HTTP_FORBIDDEN = 403,
	KEYD_SERVICE_HTTP_NOT_FOUND = 404,
	KEYD_SERVICE_HTTP_METHOD_NOT_ALLOWED = 405,
	KEYD_SERVICE_HTTP_CONFLICT = 409,
	KEYD_SERVICE_HTTP_GONE = 410,
	KEYD_SERVICE_HTTP_CONTENT_TOO_LARGE = 413,
	KEYD_SERVICE_HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
	KEYD_SERVICE_HTTP_INTERNAL_SERVER_ERROR = 500,
	KEYD_SERVICE_HTTP_BAD_GATEWAY = 502,
};

/* GET /v1/status (keyd/API.md "Requests") */
struct keyd_service_counters {
	unsigned long held, peak, pushed, fetched, forwarded, expired, refused;
	/* the forward client's keyd_client_stats, copied after each forward */
	unsigned long forward_requests;
	unsigned long long forward_bytes;
};

struct keyd_service;
struct keyd_service_route;

/* One request. The transport fills the first part (the strings stay valid
 * until the answer is sent); keyd_service_admit() fills the second. */
struct keyd_service_request {
	const char *method;
	const char *path;			/* as received, without the query */
	const struct keyd_peer *peer;		/* the TLS peer, checked or not */
	const char *content_type;		/* the header's value; NULL when absent */
	const char *content_length;		/* the header's value; NULL when absent */
	const char *body;			/* at most KEYD_BODY_MAX octets */
	size_t body_len;
	bool body_too_large;			/* more than KEYD_BODY_MAX octets came */

	const struct keyd_service_route *route;
	char path_log[KEYD_SERVICE_PATH_LOG_MAX];
	char arg[KEYD_SERVICE_ARG_MAX];		/* the path after a prefix route's path */
	bool arg_too_long;
};

/* One answer, in the transport's buffer. */
struct keyd_service_answer {
	int status;				/* enum keyd_service_status */
	char *body;				/* cap octets; may hold keys */
	size_t cap;				/* KEYD_SERVICE_ANSWER_MAX */
	size_t len;				/* 0: no body */
	char allow[KEYD_SERVICE_ALLOW_MAX];	/* the Allow header of a 405, else "" */
};

/* Opens cfg's store, counts what it holds and, with forward_url, makes the
 * forward client; cfg must outlive the service. NULL with one message in
 * err when it cannot. */
struct keyd_service *keyd_service_new(const struct keyd_config *cfg, char *err, size_t errlen);
/* Frees the forward client and closes the store; svc may be NULL. */
void keyd_service_free(struct keyd_service *svc);

/* The checks that need no body (keyd/API.md "Transport"), in this order: the
 * peer (401), the path and method (404, 405 with ans->allow), who may
 * (403), Content-Length (413), Content-Type (415). Fills req's second part.
 * True when refused: ans holds the refusal, to be sent without reading the
 * body. */
bool keyd_service_admit(struct keyd_service *svc, struct keyd_service_request *req,
			struct keyd_service_answer *ans);
/* The request admitted and its body read: refuses a body too large (413)
 * or one the route takes none of (400), else runs the route's handler. */
void keyd_service_handle(struct keyd_service *svc, const struct keyd_service_request *req,
			 struct keyd_service_answer *ans);

/* One pass of key aging (keyd/API.md "Key aging"): purges the expired
 * keysets and counts them. */
void keyd_service_purge(struct keyd_service *svc);
/* A copy of the counters, taken under the lock. */
void keyd_service_counters(struct keyd_service *svc, struct keyd_service_counters *n);
