/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The requests of e2msim-keyd (keyd/API.md "Requests"): a table of routes
 * and who may take each; keyd_service_admit() authenticates the peer (401),
 * finds the route (404, 405), checks who may take it (403) and the body's
 * headers (413, 415); keyd_service_handle() checks the body that came and
 * runs the route's handler, which gets an admitted request and fills the
 * answer. One mutex keeps the store and the counters; another serialises
 * the forwards of variant B. No TLS, no HTTP library: keyd/server.c is the
 * transport. */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "common/log.h"
#include "keyd/client.h"
#include "keyd/service.h"
#include "keyd/store.h"

struct keyd_service {
	const struct keyd_config *cfg;

	pthread_mutex_t lock;		/* store and counters */
	struct keyd_store *store;
	struct keyd_service_counters n;

	pthread_mutex_t forward_lock;	/* the one forward connection */
	struct keyd_client *forward;
};

typedef void (*route_handler)(struct keyd_service *svc, const struct keyd_service_request *req,
			      struct keyd_service_answer *ans);

enum who_may {
	WHO_PEER,	/* any authenticated peer; the handler checks the EID */
	WHO_NETWORK,	/* a peer in network_peers */
};

struct keyd_service_route {
	const char *method;
	const char *path;
	bool prefix;		/* path is a prefix; the rest is the argument */
	bool body;		/* takes a JSON body */
	bool needs_forward;	/* only with forward (role hss-store) */
	enum who_may who;
	route_handler handler;
};

/* keyd/API.md "Requests" */
static void keyd_service_push(struct keyd_service *svc, const struct keyd_service_request *req,
			      struct keyd_service_answer *ans);
static void keyd_service_fetch(struct keyd_service *svc, const struct keyd_service_request *req,
			       struct keyd_service_answer *ans);
static void keyd_service_session(struct keyd_service *svc, const struct keyd_service_request *req,
				 struct keyd_service_answer *ans);
static void keyd_service_delete(struct keyd_service *svc, const struct keyd_service_request *req,
				struct keyd_service_answer *ans);
static void keyd_service_status(struct keyd_service *svc, const struct keyd_service_request *req,
				struct keyd_service_answer *ans);

static const struct keyd_service_route routes[] = {
	{ .method = "POST", .path = "/v1/keysets", .body = true, .who = WHO_NETWORK,
	  .handler = keyd_service_push },
	{ .method = "POST", .path = "/v1/keysets/fetch", .body = true, .who = WHO_PEER,
	  .handler = keyd_service_fetch },
	{ .method = "POST", .path = "/v1/sessions", .body = true, .needs_forward = true,
	  .who = WHO_NETWORK, .handler = keyd_service_session },
	{ .method = "DELETE", .path = "/v1/keysets/", .prefix = true, .who = WHO_NETWORK,
	  .handler = keyd_service_delete },
	{ .method = "GET", .path = "/v1/status", .who = WHO_NETWORK,
	  .handler = keyd_service_status },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static void printable(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < cap && s[i]; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
}

#define LOGREQ(req, level, fmt, ...) \
	LOGP(DKEYD, level, "%s: %s %s: " fmt, keyd_peer_label((req)->peer), (req)->method, \
	     (req)->path_log, ##__VA_ARGS__)

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- answers ---- */

static void answer_json(struct keyd_service_answer *ans, int status, json_t *obj)
{
	size_t n = obj ? json_dumpb(obj, ans->body, ans->cap - 1, JSON_COMPACT) : 0;

	json_decref(obj);
	if (n == 0 || n >= ans->cap - 1) {
		static const char fallback[] = "{\"error\":\"internal: answer too long\"}";

		memcpy(ans->body, fallback, sizeof(fallback));
		ans->len = sizeof(fallback) - 1;
		ans->status = KEYD_SERVICE_HTTP_INTERNAL_SERVER_ERROR;
		return;
	}
	ans->body[n] = '\0';
	ans->len = n;
	ans->status = status;
}

static void answer_error(struct keyd_service_answer *ans, int status, const char *text)
{
	answer_json(ans, status, json_pack("{s:s}", "error", text));
}

/* A refusal (keyd/API.md "Transport"): logged with the peer and the
 * reason, counted, answered {"error": ...}; nothing changed. */
static void refuse(struct keyd_service *svc, const struct keyd_service_request *req,
		   struct keyd_service_answer *ans, int status, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void refuse(struct keyd_service *svc, const struct keyd_service_request *req,
		   struct keyd_service_answer *ans, int status, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	LOGREQ(req, LOGL_NOTICE, "refused %d: %s\n", status, text);
	pthread_mutex_lock(&svc->lock);
	svc->n.refused++;
	pthread_mutex_unlock(&svc->lock);
	answer_error(ans, status, text);
}

/* An error that is not a refusal: unknown or expired kid, failed forward,
 * failed store. */
static void fail(const struct keyd_service_request *req, struct keyd_service_answer *ans,
		 int status, int level, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void fail(const struct keyd_service_request *req, struct keyd_service_answer *ans,
		 int status, int level, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	LOGREQ(req, level, "%d: %s\n", status, text);
	answer_error(ans, status, text);
}

/* ---- handlers ---- */

/* {"kid": "..."}: the body of fetch and sessions. 0, or -1 refused. */
static int parse_kid_body(struct keyd_service *svc, const struct keyd_service_request *req,
			  struct keyd_service_answer *ans, char kid[E2M_KID_MAX],
			  char eid[E2M_EID_MAX + 1])
{
	json_error_t jerr;
	json_t *obj = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *v = json_object_get(obj, "kid");
	const char *s;

	if (!obj) {
		/* jerr.text may quote the body: only the position */
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_BAD_REQUEST,
		       "body: not JSON (line %d, column %d)", jerr.line, jerr.column);
		return -1;
	}
	if (!json_is_object(obj) || json_object_size(obj) != 1 || !v) {
		json_decref(obj);
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_BAD_REQUEST,
		       "body: expected {\"kid\": \"...\"} and nothing else");
		return -1;
	}
	s = json_string_value(v);
	if (!s || strlen(s) != json_string_length(v) || keyd_kid_check(s, eid, E2M_EID_MAX + 1)) {
		json_decref(obj);
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_BAD_REQUEST,
		       "kid: not base64(RAND) \"@\" EID (doc/e2m-profile.md 2)");
		return -1;
	}
	memcpy(kid, s, strlen(s) + 1);
	json_decref(obj);
	return 0;
}

/* held goes down by n (a take, a delete, a purge); under svc->lock. */
static void held_down(struct keyd_service *svc, unsigned long n)
{
	svc->n.held = svc->n.held > n ? svc->n.held - n : 0;
}

/* POST /v1/keysets: store a keyset; the service sets its expiry. */
static void keyd_service_push(struct keyd_service *svc, const struct keyd_service_request *req,
			      struct keyd_service_answer *ans)
{
	struct keyd_keyset ks;
	char err[200], kid_log[E2M_KID_MAX];
	int rc;

	if (keyd_keyset_from_json(&ks, req->body, req->body_len, err, sizeof(err))) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_BAD_REQUEST, "%s", err);
		return;
	}
	/* keyd/API.md "Key aging": the service sets expires */
	ks.expires = now_s() + keyd_config_lifetime(svc->cfg, ks.eid);
	pthread_mutex_lock(&svc->lock);
	rc = svc->store->ops->put(svc->store, &ks);
	if (rc == 0) {
		svc->n.pushed++;
		if (++svc->n.held > svc->n.peak)
			svc->n.peak = svc->n.held;
	}
	pthread_mutex_unlock(&svc->lock);
	printable(kid_log, sizeof(kid_log), ks.kid);
	if (rc == 0) {
		LOGREQ(req, LOGL_INFO, "201: stored %s, expires %lld\n", kid_log,
		       (long long)ks.expires);
		answer_json(ans, KEYD_SERVICE_HTTP_CREATED,
			    json_pack("{s:s, s:I}", "kid", ks.kid, "expires", (json_int_t)ks.expires));
	} else if (rc == -EEXIST) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_CONFLICT, "kid: %s already held", kid_log);
	} else {
		fail(req, ans, KEYD_SERVICE_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR,
		     "store: cannot store the keyset");
	}
	keyd_keyset_clear(&ks);
}

/* POST /v1/keysets/fetch: the keyset to the endpoint its EID names, taken
 * out of the store in the same transaction. */
static void keyd_service_fetch(struct keyd_service *svc, const struct keyd_service_request *req,
			       struct keyd_service_answer *ans)
{
	char kid[E2M_KID_MAX], eid[E2M_EID_MAX + 1], kid_log[E2M_KID_MAX];
	struct keyd_keyset ks;
	int rc, n;

	if (parse_kid_body(svc, req, ans, kid, eid))
		return;
	printable(kid_log, sizeof(kid_log), kid);
	/* doc/e2m-profile.md 5: only the endpoint named by EID may fetch; decided
	 * before the store is touched, so the keyset stays */
	if (!keyd_peer_is(req->peer, eid)) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_FORBIDDEN, "kid: %s is not for this peer",
		       kid_log);
		return;
	}
	pthread_mutex_lock(&svc->lock);
	rc = svc->store->ops->take(svc->store, kid, now_s(), &ks);
	if (rc == 0 || rc == -EKEYEXPIRED)
		held_down(svc, 1);
	if (rc == 0)
		svc->n.fetched++;
	else if (rc == -EKEYEXPIRED)
		svc->n.expired++;
	pthread_mutex_unlock(&svc->lock);
	switch (rc) {
	case 0:
		n = keyd_keyset_to_json(&ks, ans->body, ans->cap);
		keyd_keyset_clear(&ks);
		if (n < 0) {
			fail(req, ans, KEYD_SERVICE_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR,
			     "keyset: cannot write it");
			return;
		}
		ans->len = (size_t)n;
		ans->status = KEYD_SERVICE_HTTP_OK;
		LOGREQ(req, LOGL_INFO, "200: fetched and deleted %s\n", kid_log);
		return;
	case -ENOENT:
		fail(req, ans, KEYD_SERVICE_HTTP_NOT_FOUND, LOGL_NOTICE, "kid: %s unknown", kid_log);
		return;
	case -EKEYEXPIRED:
		fail(req, ans, KEYD_SERVICE_HTTP_GONE, LOGL_NOTICE, "kid: %s expired (purged)",
		     kid_log);
		return;
	default:
		fail(req, ans, KEYD_SERVICE_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR,
		     "store: cannot fetch");
		return;
	}
}

/* POST /v1/sessions, variant B's session event (doc/e2m-profile.md 5): push
 * the keyset to the forward service; delete it here only once that
 * answered 201. */
static void keyd_service_session(struct keyd_service *svc, const struct keyd_service_request *req,
				 struct keyd_service_answer *ans)
{
	char kid[E2M_KID_MAX], eid[E2M_EID_MAX + 1], kid_log[E2M_KID_MAX];
	const struct keyd_client_stats *fst;
	char err[200];
	struct keyd_keyset ks;
	int rc, status;

	if (parse_kid_body(svc, req, ans, kid, eid))
		return;
	printable(kid_log, sizeof(kid_log), kid);
	pthread_mutex_lock(&svc->forward_lock);
	pthread_mutex_lock(&svc->lock);
	rc = svc->store->ops->get(svc->store, kid, now_s(), &ks);
	if (rc == -EKEYEXPIRED) {
		held_down(svc, 1);
		svc->n.expired++;
	}
	pthread_mutex_unlock(&svc->lock);
	if (rc) {
		pthread_mutex_unlock(&svc->forward_lock);
		if (rc == -ENOENT)
			fail(req, ans, KEYD_SERVICE_HTTP_NOT_FOUND, LOGL_NOTICE, "kid: %s unknown",
			     kid_log);
		else if (rc == -EKEYEXPIRED)
			fail(req, ans, KEYD_SERVICE_HTTP_GONE, LOGL_NOTICE,
			     "kid: %s expired (purged)", kid_log);
		else
			fail(req, ans, KEYD_SERVICE_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR,
			     "store: cannot read");
		return;
	}
	status = keyd_client_push(svc->forward, &ks, NULL, err, sizeof(err));
	keyd_keyset_clear(&ks);
	fst = keyd_client_stats(svc->forward);
	pthread_mutex_lock(&svc->lock);
	svc->n.forward_requests = fst->requests;
	svc->n.forward_bytes = fst->bytes_sent + fst->bytes_received;
	pthread_mutex_unlock(&svc->lock);
	if (status != KEYD_SERVICE_HTTP_CREATED) {
		pthread_mutex_unlock(&svc->forward_lock);
		if (status < 0)
			fail(req, ans, KEYD_SERVICE_HTTP_BAD_GATEWAY, LOGL_ERROR,
			     "forward: %s: no answer: %s; %s kept", svc->cfg->forward_url, err,
			     kid_log);
		else
			fail(req, ans, KEYD_SERVICE_HTTP_BAD_GATEWAY, LOGL_ERROR,
			     "forward: %s answered %d: %s; %s kept", svc->cfg->forward_url, status,
			     err, kid_log);
		return;
	}
	pthread_mutex_lock(&svc->lock);
	rc = svc->store->ops->del(svc->store, kid);
	if (rc == 0)
		held_down(svc, 1);
	svc->n.forwarded++;
	pthread_mutex_unlock(&svc->lock);
	pthread_mutex_unlock(&svc->forward_lock);
	if (rc && rc != -ENOENT)
		LOGREQ(req, LOGL_ERROR, "forwarded %s but cannot delete it here\n", kid_log);
	LOGREQ(req, LOGL_INFO, "200: forwarded %s to %s\n", kid_log, svc->cfg->forward_url);
	answer_json(ans, KEYD_SERVICE_HTTP_OK,
		    json_pack("{s:s, s:s}", "kid", kid, "forwarded_to", svc->cfg->forward_url));
}

/* DELETE /v1/keysets/<kid> */
static void keyd_service_delete(struct keyd_service *svc, const struct keyd_service_request *req,
				struct keyd_service_answer *ans)
{
	char kid_log[E2M_KID_MAX];
	int rc;

	if (req->arg_too_long || keyd_kid_check(req->arg, NULL, 0)) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_BAD_REQUEST,
		       "kid: not base64(RAND) \"@\" EID (doc/e2m-profile.md 2)");
		return;
	}
	printable(kid_log, sizeof(kid_log), req->arg);
	pthread_mutex_lock(&svc->lock);
	rc = svc->store->ops->del(svc->store, req->arg);
	if (rc == 0)
		held_down(svc, 1);
	pthread_mutex_unlock(&svc->lock);
	if (rc == 0) {
		LOGREQ(req, LOGL_INFO, "204: deleted %s\n", kid_log);
		ans->status = KEYD_SERVICE_HTTP_NO_CONTENT;
		ans->len = 0;
	} else if (rc == -ENOENT) {
		fail(req, ans, KEYD_SERVICE_HTTP_NOT_FOUND, LOGL_NOTICE, "kid: %s unknown", kid_log);
	} else {
		fail(req, ans, KEYD_SERVICE_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR,
		     "store: cannot delete");
	}
}

/* GET /v1/status */
static void keyd_service_status(struct keyd_service *svc, const struct keyd_service_request *req,
				struct keyd_service_answer *ans)
{
	struct keyd_service_counters n;

	keyd_service_counters(svc, &n);
	answer_json(ans, KEYD_SERVICE_HTTP_OK,
		    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "role", keyd_role_name(svc->cfg->role),
			      "held", (json_int_t)n.held, "peak", (json_int_t)n.peak,
			      "pushed", (json_int_t)n.pushed, "fetched", (json_int_t)n.fetched,
			      "forwarded", (json_int_t)n.forwarded,
			      "expired", (json_int_t)n.expired, "refused", (json_int_t)n.refused,
			      "forward_requests", (json_int_t)n.forward_requests,
			      "forward_bytes", (json_int_t)n.forward_bytes));
}

/* ---- the dispatcher ---- */

static bool route_matches(const struct keyd_service_route *r, const char *path)
{
	size_t n = strlen(r->path);

	if (r->prefix)
		return !strncmp(path, r->path, n) && path[n];
	return !strcmp(path, r->path);
}

/* application/json, with parameters or not (RFC 9110 8.3.1). */
static bool is_json_type(const char *type)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	return type && !strncasecmp(type, json, n) &&
	       (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

bool keyd_service_admit(struct keyd_service *svc, struct keyd_service_request *req,
			struct keyd_service_answer *ans)
{
	size_t i;

	req->route = NULL;
	req->arg[0] = '\0';
	req->arg_too_long = false;
	ans->allow[0] = '\0';
	printable(req->path_log, sizeof(req->path_log), req->path);
	if (!req->peer->verified) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_UNAUTHORIZED, "client certificate: %s",
		       req->peer->why);
		return true;
	}
	for (i = 0; i < N_ROUTES; i++) {
		if (!route_matches(&routes[i], req->path) || (routes[i].needs_forward && !svc->forward))
			continue;
		if (!strcmp(routes[i].method, req->method)) {
			req->route = &routes[i];
			break;
		}
		snprintf(ans->allow + strlen(ans->allow), sizeof(ans->allow) - strlen(ans->allow),
			 "%s%s", ans->allow[0] ? ", " : "", routes[i].method);
	}
	if (!req->route && ans->allow[0]) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_METHOD_NOT_ALLOWED, "method: %s only",
		       ans->allow);
		return true;
	}
	if (!req->route) {
		if (!strcmp(req->path, "/v1/sessions"))
			refuse(svc, req, ans, KEYD_SERVICE_HTTP_NOT_FOUND,
			       "path: only an hss-store with forward serves it");
		else
			refuse(svc, req, ans, KEYD_SERVICE_HTTP_NOT_FOUND,
			       "path: no such request (keyd/API.md)");
		return true;
	}
	if (req->route->who == WHO_NETWORK && !keyd_peer_is_network(req->peer, svc->cfg)) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_FORBIDDEN, "peer: not a network peer");
		return true;
	}
	if (req->route->prefix) {
		const char *arg = req->path + strlen(req->route->path);

		if (strlen(arg) >= sizeof(req->arg))
			req->arg_too_long = true;
		else
			memcpy(req->arg, arg, strlen(arg) + 1);
	}
	if (req->content_length && strtoull(req->content_length, NULL, 10) > KEYD_BODY_MAX) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_CONTENT_TOO_LARGE,
		       "body: longer than %d octets", KEYD_BODY_MAX);
		return true;
	}
	if (req->route->body && !is_json_type(req->content_type)) {
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_UNSUPPORTED_MEDIA_TYPE,
		       "Content-Type: expected application/json");
		return true;
	}
	return false;
}

void keyd_service_handle(struct keyd_service *svc, const struct keyd_service_request *req,
			 struct keyd_service_answer *ans)
{
	if (req->body_too_large)
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_CONTENT_TOO_LARGE,
		       "body: longer than %d octets", KEYD_BODY_MAX);
	else if (!req->route->body && req->body_len)
		refuse(svc, req, ans, KEYD_SERVICE_HTTP_BAD_REQUEST, "body: this request takes none");
	else
		req->route->handler(svc, req, ans);
}

/* ---- key aging ---- */

void keyd_service_purge(struct keyd_service *svc)
{
	long n;

	pthread_mutex_lock(&svc->lock);
	n = svc->store->ops->purge_expired(svc->store, now_s());
	if (n > 0) {
		held_down(svc, (unsigned long)n);
		svc->n.expired += (unsigned long)n;
	}
	pthread_mutex_unlock(&svc->lock);
	if (n > 0)
		LOGP(DKEYD, LOGL_INFO, "purged %ld expired keyset(s)\n", n);
}

void keyd_service_counters(struct keyd_service *svc, struct keyd_service_counters *n)
{
	pthread_mutex_lock(&svc->lock);
	*n = svc->n;
	pthread_mutex_unlock(&svc->lock);
}

/* ---- life cycle ---- */

struct keyd_service *keyd_service_new(const struct keyd_config *cfg, char *err, size_t errlen)
{
	struct keyd_service *svc = calloc(1, sizeof(*svc));
	char store_err[256];
	long held;

	if (!svc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	svc->cfg = cfg;
	pthread_mutex_init(&svc->lock, NULL);
	pthread_mutex_init(&svc->forward_lock, NULL);
	if (cfg->store->open(&svc->store, cfg->store_target, store_err, sizeof(store_err))) {
		snprintf(err, errlen, "store (%s): %s", cfg->store->name, store_err);
		keyd_service_free(svc);
		return NULL;
	}
	held = svc->store->ops->count(svc->store);
	if (held < 0) {
		snprintf(err, errlen, "store (%s): cannot count the keysets", cfg->store->name);
		keyd_service_free(svc);
		return NULL;
	}
	svc->n.held = svc->n.peak = (unsigned long)held;
	if (cfg->forward_url[0]) {
		const struct keyd_client_tls tls = {
			.cert = cfg->tls.cert, .key = cfg->tls.key, .ca = cfg->tls.ca,
		};

		svc->forward = keyd_client_new(cfg->forward_url, &tls);
		if (!svc->forward) {
			snprintf(err, errlen, "forward: cannot make a client for %s", cfg->forward_url);
			keyd_service_free(svc);
			return NULL;
		}
	}
	return svc;
}

void keyd_service_free(struct keyd_service *svc)
{
	if (!svc)
		return;
	keyd_client_free(svc->forward);
	if (svc->store)
		svc->store->ops->close(svc->store);
	pthread_mutex_destroy(&svc->lock);
	pthread_mutex_destroy(&svc->forward_lock);
	free(svc);
}
