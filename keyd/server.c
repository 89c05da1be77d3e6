/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTPS transport of e2msim-keyd (keyd/API.md "Transport"):
 * libmicrohttpd with GnuTLS and mutual TLS, one thread per connection. It
 * identifies the peer of each connection (keyd/peer.c), reads each request
 * into a struct keyd_service_request, lets keyd/service.c admit and answer
 * it, and sends the answer; a thread runs the purge pass of key aging every
 * purge_interval seconds. What a request does and who may make it is
 * keyd/service.c's. */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "common/log.h"
#include "keyd/lograte.h"
#include "keyd/peer.h"
#include "keyd/server.h"
#include "keyd/service.h"

/* keyd/API.md "Transport": TLS 1.2 or 1.3 */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_LIMIT 256

struct keyd_server {
	const struct keyd_config *cfg;
	struct MHD_Daemon *mhd;
	uint16_t port;
	struct keyd_service *svc;
	struct keyd_lograte log;	/* the lines a peer can cause in floods */

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

/* One request in progress (MHD's con_cls). */
struct call {
	struct keyd_server *srv;
	struct MHD_Connection *conn;
	struct keyd_service_request req;
	struct keyd_service_answer ans;
	char body[KEYD_BODY_MAX];
	bool answered;
	char *out;			/* KEYD_SERVICE_ANSWER_MAX octets; may hold keys */
};

/* ---- answers ---- */

static void answer_free(void *buf)
{
	OPENSSL_cleanse(buf, KEYD_SERVICE_ANSWER_MAX);
	free(buf);
}

static enum MHD_Result send_answer(struct call *c)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer_with_free_callback_cls(c->ans.len, c->out,
								      answer_free, c->out);
	if (!resp)
		return MHD_NO;	/* c->out stays with c, freed at completion */
	c->out = NULL;
	c->ans.body = NULL;
	c->answered = true;
	if (c->ans.len) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	}
	if (c->ans.allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, c->ans.allow);
	rc = MHD_queue_response(c->conn, (unsigned int)c->ans.status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* ---- requests ---- */

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

static void call_free(struct call *c)
{
	if (!c)
		return;
	if (c->out)
		answer_free(c->out);
	OPENSSL_cleanse(c->body, sizeof(c->body));
	free(c);
}

/* A request's first call: its head (method, path, peer, the headers of its
 * body) read into c->req, the answer buffer made. NULL: out of memory. */
static struct call *call_new(struct keyd_server *s, struct MHD_Connection *conn, const char *url,
			     const char *method)
{
	struct call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->out = malloc(KEYD_SERVICE_ANSWER_MAX);
	if (!c->out) {
		free(c);
		return NULL;
	}
	c->srv = s;
	c->conn = conn;
	c->ans.body = c->out;
	c->ans.cap = KEYD_SERVICE_ANSWER_MAX;
	c->req.method = method;
	c->req.path = url;
	c->req.peer = connection_peer(conn);
	c->req.content_length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_CONTENT_LENGTH);
	c->req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							  MHD_HTTP_HEADER_CONTENT_TYPE);
	c->req.body = c->body;
	return c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct call *c = *con_cls;

	if (!c) {
		c = call_new(cls, conn, url, method);
		if (!c)
			return MHD_NO;
		*con_cls = c;
		if (keyd_service_admit(c->srv->svc, &c->req, &c->ans))
			return send_answer(c);
		return MHD_YES;
	}
	if (c->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		if (!c->req.body_too_large && n <= sizeof(c->body) - c->req.body_len) {
			memcpy(c->body + c->req.body_len, upload_data, n);
			c->req.body_len += n;
		} else {
			c->req.body_too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	keyd_service_handle(c->srv->svc, &c->req, &c->ans);
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

/* libmicrohttpd's lines, e.g. "Server reached connection limit" once per
 * connection refused: at most one of each kind per KEYD_LOGRATE_INTERVAL_S,
 * with the count of the others (keyd/lograte.c). */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct keyd_server *s = cls;
	char text[KEYD_LOGRATE_TEXT_MAX];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "libmicrohttpd: ");
	vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	keyd_lograte_line(&s->log, fmt, LOGL_NOTICE, text);
}

/* ---- key aging ---- */

/* keyd/API.md "Key aging": a purge pass every purge_interval seconds. */
static void *purge_loop(void *arg)
{
	struct keyd_server *s = arg;
	struct timespec deadline;

	pthread_mutex_lock(&s->stop_lock);
	while (!s->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += s->cfg->purge_interval;
		while (!s->stopping &&
		       pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &deadline) != ETIMEDOUT)
			;
		if (s->stopping)
			break;
		keyd_service_purge(s->svc);
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
	struct keyd_service_counters n;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	pthread_mutex_init(&s->stop_lock, NULL);
	keyd_lograte_init(&s->log, KEYD_LOGRATE_INTERVAL_S);
	s->svc = keyd_service_new(cfg, err, errlen);
	if (!s->svc) {
		keyd_server_stop(s);
		return NULL;
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
	keyd_service_counters(s->svc, &n);
	LOGP(DKEYD, LOGL_NOTICE, "%s: serving on port %u, %lu keyset(s) held, store %s\n",
	     keyd_role_name(cfg->role), s->port, n.held, cfg->store->name);
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
	keyd_service_free(s->svc);
	keyd_lograte_destroy(&s->log);
	pthread_mutex_destroy(&s->stop_lock);
	free(s);
}
