/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTPS service of e2msim-keyd (keyd/API.md): a table of requests and
 * who may make them; the dispatcher authenticates the peer (401), finds the
 * request (404, 405), checks who may make it (403) and the body (413, 415);
 * a handler gets an admitted request and fills the answer. One mutex keeps
 * the store and the counters; another serialises the forwards of variant B. */

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
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "common/log.h"
#include "keyd/client.h"
#include "keyd/peer.h"
#include "keyd/server.h"
#include "keyd/store.h"

#define ANSWER_MAX (KEYD_BODY_MAX + 1)
/* keyd/API.md "Transport": TLS 1.2 or 1.3 */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_LIMIT 256
#define PATH_LOG_MAX (sizeof("/v1/keysets/") + 3 * USIM_E2M_KID_MAX)

/* GET /v1/status (keyd/API.md "Requests") */
struct counters {
	unsigned long held, peak, pushed, fetched, forwarded, expired, refused;
	/* the forward client's keyd_client_stats, copied after each forward */
	unsigned long forward_requests;
	unsigned long long forward_bytes;
};

struct keyd_server {
	const struct keyd_config *cfg;
	struct MHD_Daemon *mhd;
	uint16_t port;

	pthread_mutex_t lock;		/* store and counters */
	struct keyd_store *store;
	struct counters n;

	pthread_mutex_t forward_lock;	/* the one forward connection */
	struct keyd_client *forward;

	pthread_t purger;
	bool purger_running;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	bool stopping;
};

/* A connection's peer, identified at its first request (one TLS session,
 * no renegotiation in libmicrohttpd: the identity cannot change). */
struct conn_ctx {
	bool identified;
	struct keyd_peer peer;
};

struct call;
typedef void (*handler_fn)(struct call *c);

enum who_may {
	WHO_PEER,	/* any authenticated peer; the handler checks the EID */
	WHO_NETWORK,	/* a peer in network_peers */
};

/* keyd/API.md "Requests" */
static void h_push(struct call *c);
static void h_fetch(struct call *c);
static void h_session(struct call *c);
static void h_delete(struct call *c);
static void h_status(struct call *c);

static const struct route {
	const char *method;
	const char *path;
	bool prefix;		/* path is a prefix; the rest is the argument */
	bool body;		/* takes a JSON body */
	bool needs_forward;	/* only with forward (role hss-store) */
	enum who_may who;
	handler_fn handler;
} routes[] = {
	{ .method = "POST", .path = "/v1/keysets", .body = true, .who = WHO_NETWORK,
	  .handler = h_push },
	{ .method = "POST", .path = "/v1/keysets/fetch", .body = true, .who = WHO_PEER,
	  .handler = h_fetch },
	{ .method = "POST", .path = "/v1/sessions", .body = true, .needs_forward = true,
	  .who = WHO_NETWORK, .handler = h_session },
	{ .method = "DELETE", .path = "/v1/keysets/", .prefix = true, .who = WHO_NETWORK,
	  .handler = h_delete },
	{ .method = "GET", .path = "/v1/status", .who = WHO_NETWORK, .handler = h_status },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* One request in progress (MHD's con_cls). */
struct call {
	struct keyd_server *srv;
	struct MHD_Connection *conn;
	const struct keyd_peer *peer;
	const struct route *route;
	const char *method;
	char path[PATH_LOG_MAX];	/* for logs: non-printable octets as '?' */
	char arg[3 * USIM_E2M_KID_MAX];	/* the path after a prefix route's path */
	bool arg_too_long;
	char body[KEYD_BODY_MAX];
	size_t body_len;
	bool too_large;
	bool answered;
	int status;
	char allow[32];			/* the Allow header of a 405 */
	char *out;			/* ANSWER_MAX octets; may hold keys */
	size_t out_len;
};

static void printable(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < cap && s[i]; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
}

#define LOGCALL(c, level, fmt, ...) \
	LOGP(DKEYD, level, "%s: %s %s: " fmt, keyd_peer_label((c)->peer), (c)->method, (c)->path, \
	     ##__VA_ARGS__)

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- answers ---- */

static void answer_json(struct call *c, int status, json_t *obj)
{
	size_t n = obj ? json_dumpb(obj, c->out, ANSWER_MAX - 1, JSON_COMPACT) : 0;

	json_decref(obj);
	if (n == 0 || n >= ANSWER_MAX - 1) {
		static const char fallback[] = "{\"error\":\"internal: answer too long\"}";

		memcpy(c->out, fallback, sizeof(fallback));
		c->out_len = sizeof(fallback) - 1;
		c->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		return;
	}
	c->out[n] = '\0';
	c->out_len = n;
	c->status = status;
}

static void answer_error(struct call *c, int status, const char *text)
{
	answer_json(c, status, json_pack("{s:s}", "error", text));
}

/* A refusal (keyd/API.md "Transport"): logged with the peer and the
 * reason, counted, answered {"error": ...}; nothing changed. */
static void refuse(struct call *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct call *c, int status, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	LOGCALL(c, LOGL_NOTICE, "refused %d: %s\n", status, text);
	pthread_mutex_lock(&c->srv->lock);
	c->srv->n.refused++;
	pthread_mutex_unlock(&c->srv->lock);
	answer_error(c, status, text);
}

/* An error that is not a refusal: unknown or expired kid, failed forward,
 * failed store. */
static void fail(struct call *c, int status, int level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail(struct call *c, int status, int level, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	LOGCALL(c, level, "%d: %s\n", status, text);
	answer_error(c, status, text);
}

static void answer_free(void *buf)
{
	OPENSSL_cleanse(buf, ANSWER_MAX);
	free(buf);
}

static enum MHD_Result send_answer(struct call *c)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer_with_free_callback_cls(c->out_len, c->out,
								      answer_free, c->out);
	if (!resp)
		return MHD_NO;	/* c->out stays with c, freed at completion */
	c->out = NULL;
	c->answered = true;
	if (c->out_len) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	}
	if (c->allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, c->allow);
	rc = MHD_queue_response(c->conn, (unsigned int)c->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* ---- handlers ---- */

/* {"kid": "..."}: the body of fetch and sessions. 0, or -1 refused. */
static int parse_kid_body(struct call *c, char kid[USIM_E2M_KID_MAX],
			  char eid[USIM_E2M_EID_MAX + 1])
{
	json_error_t jerr;
	json_t *obj = json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *v = json_object_get(obj, "kid");
	const char *s;

	if (!obj) {
		/* jerr.text may quote the body: only the position */
		refuse(c, MHD_HTTP_BAD_REQUEST, "body: not JSON (line %d, column %d)", jerr.line,
		       jerr.column);
		return -1;
	}
	if (!json_is_object(obj) || json_object_size(obj) != 1 || !v) {
		json_decref(obj);
		refuse(c, MHD_HTTP_BAD_REQUEST, "body: expected {\"kid\": \"...\"} and nothing else");
		return -1;
	}
	s = json_string_value(v);
	if (!s || strlen(s) != json_string_length(v) || keyd_kid_check(s, eid, USIM_E2M_EID_MAX + 1)) {
		json_decref(obj);
		refuse(c, MHD_HTTP_BAD_REQUEST, "kid: not base64(RAND) \"@\" EID (doc/e2m-profile.md 2)");
		return -1;
	}
	memcpy(kid, s, strlen(s) + 1);
	json_decref(obj);
	return 0;
}

/* held goes down by n (a take, a delete, a purge). */
static void held_down(struct keyd_server *s, unsigned long n)
{
	s->n.held = s->n.held > n ? s->n.held - n : 0;
}

static void h_push(struct call *c)
{
	struct keyd_server *s = c->srv;
	struct keyd_keyset ks;
	char err[200], kid_log[USIM_E2M_KID_MAX];
	int rc;

	if (keyd_keyset_from_json(&ks, c->body, c->body_len, err, sizeof(err))) {
		refuse(c, MHD_HTTP_BAD_REQUEST, "%s", err);
		return;
	}
	/* keyd/API.md "Key aging": the service sets expires */
	ks.expires = now_s() + keyd_config_lifetime(s->cfg, ks.eid);
	pthread_mutex_lock(&s->lock);
	rc = s->store->ops->put(s->store, &ks);
	if (rc == 0) {
		s->n.pushed++;
		if (++s->n.held > s->n.peak)
			s->n.peak = s->n.held;
	}
	pthread_mutex_unlock(&s->lock);
	printable(kid_log, sizeof(kid_log), ks.kid);
	if (rc == 0) {
		LOGCALL(c, LOGL_INFO, "201: stored %s, expires %lld\n", kid_log,
			(long long)ks.expires);
		answer_json(c, MHD_HTTP_CREATED,
			    json_pack("{s:s, s:I}", "kid", ks.kid, "expires", (json_int_t)ks.expires));
	} else if (rc == -EEXIST) {
		refuse(c, MHD_HTTP_CONFLICT, "kid: %s already held", kid_log);
	} else {
		fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR, "store: cannot store the keyset");
	}
	keyd_keyset_clear(&ks);
}

static void h_fetch(struct call *c)
{
	struct keyd_server *s = c->srv;
	char kid[USIM_E2M_KID_MAX], eid[USIM_E2M_EID_MAX + 1], kid_log[USIM_E2M_KID_MAX];
	struct keyd_keyset ks;
	int rc, n;

	if (parse_kid_body(c, kid, eid))
		return;
	printable(kid_log, sizeof(kid_log), kid);
	/* doc/e2m-profile.md 5: only the endpoint named by EID may fetch; decided
	 * before the store is touched, so the keyset stays */
	if (!keyd_peer_is(c->peer, eid)) {
		refuse(c, MHD_HTTP_FORBIDDEN, "kid: %s is not for this peer", kid_log);
		return;
	}
	pthread_mutex_lock(&s->lock);
	rc = s->store->ops->take(s->store, kid, now_s(), &ks);
	if (rc == 0 || rc == -EKEYEXPIRED)
		held_down(s, 1);
	if (rc == 0)
		s->n.fetched++;
	else if (rc == -EKEYEXPIRED)
		s->n.expired++;
	pthread_mutex_unlock(&s->lock);
	switch (rc) {
	case 0:
		n = keyd_keyset_to_json(&ks, c->out, ANSWER_MAX);
		keyd_keyset_clear(&ks);
		if (n < 0) {
			fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR, "keyset: cannot write it");
			return;
		}
		c->out_len = (size_t)n;
		c->status = MHD_HTTP_OK;
		LOGCALL(c, LOGL_INFO, "200: fetched and deleted %s\n", kid_log);
		return;
	case -ENOENT:
		fail(c, MHD_HTTP_NOT_FOUND, LOGL_NOTICE, "kid: %s unknown", kid_log);
		return;
	case -EKEYEXPIRED:
		fail(c, MHD_HTTP_GONE, LOGL_NOTICE, "kid: %s expired (purged)", kid_log);
		return;
	default:
		fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR, "store: cannot fetch");
		return;
	}
}

/* Variant B's session event (doc/e2m-profile.md 5): push the keyset to the
 * forward service; delete it here only once that answered 201. */
static void h_session(struct call *c)
{
	struct keyd_server *s = c->srv;
	char kid[USIM_E2M_KID_MAX], eid[USIM_E2M_EID_MAX + 1], kid_log[USIM_E2M_KID_MAX];
	const struct keyd_client_stats *fst;
	char err[200];
	struct keyd_keyset ks;
	int rc, status;

	if (parse_kid_body(c, kid, eid))
		return;
	printable(kid_log, sizeof(kid_log), kid);
	pthread_mutex_lock(&s->forward_lock);
	pthread_mutex_lock(&s->lock);
	rc = s->store->ops->get(s->store, kid, now_s(), &ks);
	if (rc == -EKEYEXPIRED) {
		held_down(s, 1);
		s->n.expired++;
	}
	pthread_mutex_unlock(&s->lock);
	if (rc) {
		pthread_mutex_unlock(&s->forward_lock);
		if (rc == -ENOENT)
			fail(c, MHD_HTTP_NOT_FOUND, LOGL_NOTICE, "kid: %s unknown", kid_log);
		else if (rc == -EKEYEXPIRED)
			fail(c, MHD_HTTP_GONE, LOGL_NOTICE, "kid: %s expired (purged)", kid_log);
		else
			fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR, "store: cannot read");
		return;
	}
	status = keyd_client_push(s->forward, &ks, NULL, err, sizeof(err));
	keyd_keyset_clear(&ks);
	fst = keyd_client_stats(s->forward);
	pthread_mutex_lock(&s->lock);
	s->n.forward_requests = fst->requests;
	s->n.forward_bytes = fst->bytes_sent + fst->bytes_received;
	pthread_mutex_unlock(&s->lock);
	if (status != MHD_HTTP_CREATED) {
		pthread_mutex_unlock(&s->forward_lock);
		if (status < 0)
			fail(c, MHD_HTTP_BAD_GATEWAY, LOGL_ERROR, "forward: %s: no answer: %s; %s kept",
			     s->cfg->forward_url, err, kid_log);
		else
			fail(c, MHD_HTTP_BAD_GATEWAY, LOGL_ERROR, "forward: %s answered %d: %s; %s kept",
			     s->cfg->forward_url, status, err, kid_log);
		return;
	}
	pthread_mutex_lock(&s->lock);
	rc = s->store->ops->del(s->store, kid);
	if (rc == 0)
		held_down(s, 1);
	s->n.forwarded++;
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&s->forward_lock);
	if (rc && rc != -ENOENT)
		LOGCALL(c, LOGL_ERROR, "forwarded %s but cannot delete it here\n", kid_log);
	LOGCALL(c, LOGL_INFO, "200: forwarded %s to %s\n", kid_log, s->cfg->forward_url);
	answer_json(c, MHD_HTTP_OK,
		    json_pack("{s:s, s:s}", "kid", kid, "forwarded_to", s->cfg->forward_url));
}

static void h_delete(struct call *c)
{
	struct keyd_server *s = c->srv;
	char kid_log[USIM_E2M_KID_MAX];
	int rc;

	if (c->arg_too_long || keyd_kid_check(c->arg, NULL, 0)) {
		refuse(c, MHD_HTTP_BAD_REQUEST, "kid: not base64(RAND) \"@\" EID (doc/e2m-profile.md 2)");
		return;
	}
	printable(kid_log, sizeof(kid_log), c->arg);
	pthread_mutex_lock(&s->lock);
	rc = s->store->ops->del(s->store, c->arg);
	if (rc == 0)
		held_down(s, 1);
	pthread_mutex_unlock(&s->lock);
	if (rc == 0) {
		LOGCALL(c, LOGL_INFO, "204: deleted %s\n", kid_log);
		c->status = MHD_HTTP_NO_CONTENT;
		c->out_len = 0;
	} else if (rc == -ENOENT) {
		fail(c, MHD_HTTP_NOT_FOUND, LOGL_NOTICE, "kid: %s unknown", kid_log);
	} else {
		fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, LOGL_ERROR, "store: cannot delete");
	}
}

static void h_status(struct call *c)
{
	struct counters n;

	pthread_mutex_lock(&c->srv->lock);
	n = c->srv->n;
	pthread_mutex_unlock(&c->srv->lock);
	answer_json(c, MHD_HTTP_OK,
		    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			      "role", keyd_role_name(c->srv->cfg->role),
			      "held", (json_int_t)n.held, "peak", (json_int_t)n.peak,
			      "pushed", (json_int_t)n.pushed, "fetched", (json_int_t)n.fetched,
			      "forwarded", (json_int_t)n.forwarded,
			      "expired", (json_int_t)n.expired, "refused", (json_int_t)n.refused,
			      "forward_requests", (json_int_t)n.forward_requests,
			      "forward_bytes", (json_int_t)n.forward_bytes));
}

/* ---- the dispatcher ---- */

static const struct keyd_peer *connection_peer(struct MHD_Connection *conn)
{
	static const struct keyd_peer nobody = { .why = "no connection context" };
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_ctx *cc = info ? info->socket_context : NULL;

	if (!cc)
		return &nobody;
	if (!cc->identified) {
		keyd_peer_identify(&cc->peer, conn);
		cc->identified = true;
	}
	return &cc->peer;
}

static bool route_matches(const struct route *r, const char *path)
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

/* The checks before the body: true when c is answered already. */
static bool call_refused_early(struct call *c, const char *url)
{
	struct keyd_server *s = c->srv;
	const char *clen, *ctype;
	size_t i;

	if (!c->peer->verified) {
		refuse(c, MHD_HTTP_UNAUTHORIZED, "client certificate: %s", c->peer->why);
		return true;
	}
	for (i = 0; i < N_ROUTES; i++) {
		if (!route_matches(&routes[i], url) || (routes[i].needs_forward && !s->forward))
			continue;
		if (!strcmp(routes[i].method, c->method)) {
			c->route = &routes[i];
			break;
		}
		snprintf(c->allow + strlen(c->allow), sizeof(c->allow) - strlen(c->allow), "%s%s",
			 c->allow[0] ? ", " : "", routes[i].method);
	}
	if (!c->route && c->allow[0]) {
		refuse(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method: %s only", c->allow);
		return true;
	}
	if (!c->route) {
		if (!strcmp(url, "/v1/sessions"))
			refuse(c, MHD_HTTP_NOT_FOUND, "path: only an hss-store with forward serves it");
		else
			refuse(c, MHD_HTTP_NOT_FOUND, "path: no such request (keyd/API.md)");
		return true;
	}
	if (c->route->who == WHO_NETWORK && !keyd_peer_is_network(c->peer, s->cfg)) {
		refuse(c, MHD_HTTP_FORBIDDEN, "peer: not a network peer");
		return true;
	}
	if (c->route->prefix) {
		const char *arg = url + strlen(c->route->path);

		if (strlen(arg) >= sizeof(c->arg))
			c->arg_too_long = true;
		else
			memcpy(c->arg, arg, strlen(arg) + 1);
	}
	clen = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen && strtoull(clen, NULL, 10) > KEYD_BODY_MAX) {
		refuse(c, MHD_HTTP_CONTENT_TOO_LARGE, "body: longer than %d octets", KEYD_BODY_MAX);
		return true;
	}
	ctype = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (c->route->body && !is_json_type(ctype)) {
		refuse(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type: expected application/json");
		return true;
	}
	return false;
}

static void call_free(struct call *c)
{
	if (!c)
		return;
	if (c->out)
		answer_free(c->out);
	OPENSSL_cleanse(c->body, sizeof(c->body));
	free(c);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct call *c = *con_cls;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return MHD_NO;
		c->out = malloc(ANSWER_MAX);
		if (!c->out) {
			free(c);
			return MHD_NO;
		}
		*con_cls = c;
		c->srv = cls;
		c->conn = conn;
		c->method = method;
		printable(c->path, sizeof(c->path), url);
		c->peer = connection_peer(conn);
		if (call_refused_early(c, url))
			return send_answer(c);
		return MHD_YES;
	}
	if (c->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		if (!c->too_large && n <= sizeof(c->body) - c->body_len) {
			memcpy(c->body + c->body_len, upload_data, n);
			c->body_len += n;
		} else {
			c->too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (c->too_large)
		refuse(c, MHD_HTTP_CONTENT_TOO_LARGE, "body: longer than %d octets", KEYD_BODY_MAX);
	else if (!c->route->body && c->body_len)
		refuse(c, MHD_HTTP_BAD_REQUEST, "body: this request takes none");
	else
		c->route->handler(c);
	return send_answer(c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	call_free(*con_cls);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct conn_ctx));
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char text[256];
	size_t n;

	vsnprintf(text, sizeof(text), fmt, ap);
	n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	LOGP(DKEYD, LOGL_NOTICE, "libmicrohttpd: %s\n", text);
}

/* ---- key aging ---- */

/* keyd/API.md "Key aging": expired keysets are purged every second. */
static void *purge_loop(void *arg)
{
	struct keyd_server *s = arg;
	struct timespec deadline;
	long n;

	pthread_mutex_lock(&s->stop_lock);
	while (!s->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += s->cfg->purge_interval;
		while (!s->stopping &&
		       pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &deadline) != ETIMEDOUT)
			;
		if (s->stopping)
			break;
		pthread_mutex_lock(&s->lock);
		n = s->store->ops->purge_expired(s->store, now_s());
		if (n > 0) {
			held_down(s, (unsigned long)n);
			s->n.expired += (unsigned long)n;
		}
		pthread_mutex_unlock(&s->lock);
		if (n > 0)
			LOGP(DKEYD, LOGL_INFO, "purged %ld expired keyset(s)\n", n);
	}
	pthread_mutex_unlock(&s->stop_lock);
	return NULL;
}

/* ---- life cycle ---- */

static int start_purger(struct keyd_server *s)
{
	pthread_condattr_t attr;

	if (pthread_condattr_init(&attr))
		return -1;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->stop_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&s->purger, NULL, purge_loop, s))
		return -1;
	s->purger_running = true;
	return 0;
}

static struct MHD_Daemon *start_daemon(struct keyd_server *s)
{
	const struct keyd_config *cfg = s->cfg;
	unsigned int flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ERROR_LOG;

	if (cfg->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				/* first, so that MHD logs nothing to stderr itself */
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
				MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->addr,
				MHD_OPTION_HTTPS_MEM_KEY, cfg->tls.key_pem,
				MHD_OPTION_HTTPS_MEM_CERT, cfg->tls.cert_pem,
				MHD_OPTION_HTTPS_MEM_TRUST, cfg->tls.ca_pem,
				MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_LIMIT,
				MHD_OPTION_END);
}

struct keyd_server *keyd_server_start(const struct keyd_config *cfg, char *err, size_t errlen)
{
	struct keyd_server *s = calloc(1, sizeof(*s));
	const union MHD_DaemonInfo *info;
	char store_err[256];
	long held;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->forward_lock, NULL);
	pthread_mutex_init(&s->stop_lock, NULL);
	if (cfg->store->open(&s->store, cfg->store_target, store_err, sizeof(store_err))) {
		snprintf(err, errlen, "store (%s): %s", cfg->store->name, store_err);
		keyd_server_stop(s);
		return NULL;
	}
	held = s->store->ops->count(s->store);
	if (held < 0) {
		snprintf(err, errlen, "store (%s): cannot count the keysets", cfg->store->name);
		keyd_server_stop(s);
		return NULL;
	}
	s->n.held = s->n.peak = (unsigned long)held;
	if (cfg->forward_url[0]) {
		const struct keyd_client_tls tls = {
			.cert = cfg->tls.cert, .key = cfg->tls.key, .ca = cfg->tls.ca,
		};

		s->forward = keyd_client_new(cfg->forward_url, &tls);
		if (!s->forward) {
			snprintf(err, errlen, "forward: cannot make a client for %s", cfg->forward_url);
			keyd_server_stop(s);
			return NULL;
		}
	}
	s->mhd = start_daemon(s);
	if (!s->mhd) {
		snprintf(err, errlen, "listen: cannot serve HTTPS on %s (see the log)", cfg->listen);
		keyd_server_stop(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	if (start_purger(s)) {
		snprintf(err, errlen, "cannot start the purge thread");
		keyd_server_stop(s);
		return NULL;
	}
	LOGP(DKEYD, LOGL_NOTICE, "%s: serving on port %u, %lu keyset(s) held, store %s\n",
	     keyd_role_name(cfg->role), s->port, s->n.held, cfg->store->name);
	return s;
}

uint16_t keyd_server_port(const struct keyd_server *s)
{
	return s->port;
}

void keyd_server_stop(struct keyd_server *s)
{
	if (!s)
		return;
	if (s->purger_running) {
		pthread_mutex_lock(&s->stop_lock);
		s->stopping = true;
		pthread_cond_signal(&s->stop_cond);
		pthread_mutex_unlock(&s->stop_lock);
		pthread_join(s->purger, NULL);
		pthread_cond_destroy(&s->stop_cond);
	}
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	keyd_client_free(s->forward);
	if (s->store)
		s->store->ops->close(s->store);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->forward_lock);
	pthread_mutex_destroy(&s->stop_lock);
	free(s);
}
