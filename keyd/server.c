/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTPS transport of e2msim-keyd (keyd/API.md "Transport"):
 * libmicrohttpd with GnuTLS and mutual TLS, one thread per connection. Each
 * TLS handshake requires a client certificate from the CA (keyd/peer.c), so
 * a peer without one never holds a connection past its handshake; each
 * connection has deadlines (keyd/guard.c) and each address a number of
 * connections (keyd/API.md "Limits"). It identifies the peer of each
 * connection, reads each request into a struct keyd_service_request, lets
 * keyd/service.c admit and answer it, and sends the answer; a body past
 * KEYD_BODY_MAX is answered 413 at once and the connection closed. A
 * thread runs the purge pass of key aging every purge_interval seconds.
 * What a request does and who may make it is keyd/service.c's. */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "common/log.h"
#include "keyd/guard.h"
#include "keyd/lograte.h"
#include "keyd/peer.h"
#include "keyd/server.h"
#include "keyd/service.h"

/* keyd/API.md "Transport": TLS 1.2 or 1.3 */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* keyd/API.md "Limits" */
#define CONNECTION_LIMIT 256
#define PER_ADDRESS_LIMIT 32
/* libmicrohttpd's idle timeout: KEYD_GUARD_HEAD_S until a request's head
 * is read, then this (the handler may wait on a forward, keyd/client.c) */
#define CONNECTION_TIMEOUT_S 30
/* the early 413 (send_answer_now): how long its octets may wait to go; the
 * lingering read after it ends when the peer pauses or at the latest */
#define SEND_NOW_TIMEOUT_MS 1000
#define LINGER_QUIET_MS 100
#define LINGER_MAX_MS 1000

struct keyd_server {
	const struct keyd_config *cfg;
	struct MHD_Daemon *mhd;
	uint16_t port;
	struct keyd_service *svc;
	struct keyd_lograte log;	/* the lines a peer can cause in floods */
	struct keyd_guard *guard;

	pthread_t purger;
	bool purger_running;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	bool stopping;
};

/* A connection (MHD's socket context): its deadlines, and its peer,
 * identified at its first request (one TLS session, no renegotiation in
 * libmicrohttpd: the identity cannot change). */
struct conn_ctx {
	struct keyd_guard_conn guard;
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

/* Sends all of buf through the TLS session of c's connection, from the
 * connection's own thread; its socket is non-blocking. */
static int tls_send_all(struct call *c, const char *buf, size_t len)
{
	const union MHD_ConnectionInfo *tls =
		MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	int waited = 0;

	if (!tls || !tls->tls_session || !fd)
		return -1;
	while (len) {
		ssize_t n = gnutls_record_send(tls->tls_session, buf, len);

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			struct pollfd p = { .fd = fd->connect_fd, .events = POLLOUT };

			if (waited >= SEND_NOW_TIMEOUT_MS)
				return -1;
			poll(&p, 1, 100);
			waited += 100;
			continue;
		}
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* RFC 9112 9.6: a close with the peer's octets unread resets the TCP
 * connection, and the reset can destroy the answer before the peer reads
 * it. So after an early answer the octets still coming are read and
 * dropped (undecrypted) until the peer pauses LINGER_QUIET_MS (it read the
 * answer and stopped) or closes, LINGER_MAX_MS at most. */
static void linger(struct call *c)
{
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct timespec t0, t;
	char sink[4096];
	long waited = 0;

	if (!fd)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (waited < LINGER_MAX_MS) {
		struct pollfd p = { .fd = fd->connect_fd, .events = POLLIN };
		long left = LINGER_MAX_MS - waited;
		ssize_t n;

		if (poll(&p, 1, (int)(left < LINGER_QUIET_MS ? left : LINGER_QUIET_MS)) <= 0)
			return;
		n = recv(fd->connect_fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	}
}

/* The answer of a request whose body is still coming (keyd/API.md
 * "Limits": 413 as soon as a body passes KEYD_BODY_MAX, then the connection
 * is closed). libmicrohttpd 0.9.75 takes a response only before a body or
 * after all of it (MHD_queue_response() is MHD_NO while it reads one, and
 * a chunked body need not end), so the answer goes into the TLS session
 * here, in the connection's own thread, with "Connection: close"; after the
 * lingering read, the MHD_NO returned makes libmicrohttpd close the
 * connection (TLS close_notify, no more body read). */
static enum MHD_Result send_answer_now(struct call *c)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: application/json\r\n"
			 "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n", c->ans.status,
			 MHD_get_reason_phrase_for((unsigned int)c->ans.status), c->ans.len);

	c->answered = true;
	if (n > 0 && (size_t)n < sizeof(head) && tls_send_all(c, head, (size_t)n) == 0 &&
	    tls_send_all(c, c->out, c->ans.len) == 0)
		linger(c);
	return MHD_NO;
}

/* ---- requests ---- */

static struct conn_ctx *conn_ctx_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/* The connection's next phase (keyd/guard.c), when it has a context. */
static void conn_enter(struct keyd_server *s, struct MHD_Connection *conn,
		       enum keyd_guard_phase phase)
{
	struct conn_ctx *cc = conn_ctx_of(conn);

	if (cc)
		keyd_guard_enter(s->guard, &cc->guard, phase);
}

static const struct keyd_peer *connection_peer(struct MHD_Connection *conn)
{
	static const struct keyd_peer nobody = { .why = "no connection context" };
	struct conn_ctx *cc = conn_ctx_of(conn);

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
	struct keyd_server *s = cls;
	struct call *c = *con_cls;

	if (!c) {
		/* the head is read: the body's deadline, the longer idle timeout */
		conn_enter(s, conn, KEYD_GUARD_BODY);
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
					  (unsigned int)CONNECTION_TIMEOUT_S);
		c = call_new(s, conn, url, method);
		if (!c)
			return MHD_NO;
		*con_cls = c;
		if (keyd_service_admit(s->svc, &c->req, &c->ans)) {
			conn_enter(s, conn, KEYD_GUARD_ANSWER);
			return send_answer(c);
		}
		return MHD_YES;
	}
	if (c->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (n > sizeof(c->body) - c->req.body_len) {
			/* past KEYD_BODY_MAX: 413 now, not after a body that may not end */
			c->req.body_too_large = true;
			conn_enter(s, conn, KEYD_GUARD_ANSWER);
			keyd_service_handle(s->svc, &c->req, &c->ans);
			return send_answer_now(c);
		}
		memcpy(c->body + c->req.body_len, upload_data, n);
		c->req.body_len += n;
		return MHD_YES;
	}
	conn_enter(s, conn, KEYD_GUARD_ANSWER);
	keyd_service_handle(s->svc, &c->req, &c->ans);
	return send_answer(c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	conn_enter(cls, conn, KEYD_GUARD_IDLE);
	call_free(*con_cls);
	*con_cls = NULL;
}

/* A connection accepted: its handshake requires a client certificate
 * (keyd/peer.c), its deadlines start (keyd/guard.c). One that cannot be
 * guarded is not served. */
static void connection_started(struct keyd_server *s, struct MHD_Connection *conn,
			       void **socket_context)
{
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *addr =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const union MHD_ConnectionInfo *tls =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	struct conn_ctx *cc = fd && tls && tls->tls_session ? calloc(1, sizeof(*cc)) : NULL;

	*socket_context = cc;
	if (!cc) {
		if (fd)
			shutdown(fd->connect_fd, SHUT_RDWR);
		return;
	}
	keyd_peer_require(tls->tls_session);
	keyd_guard_track(s->guard, &cc->guard, fd->connect_fd, addr ? addr->client_addr : NULL);
}

/* A connection closing. One that never brought a request head was refused
 * in its TLS handshake (no client certificate, or not one the CA signed for
 * TLS clients), closed at its deadline (keyd/guard.c logs those) or left:
 * logged with its address, at most once per KEYD_LOGRATE_INTERVAL_S (a
 * flood of them is one line and a count). Its TLS session is not looked at
 * here: libmicrohttpd may have torn it down already. */
static void connection_closed(struct keyd_server *s, void **socket_context)
{
	struct conn_ctx *cc = *socket_context;

	if (!cc)
		return;
	if (!keyd_guard_untrack(s->guard, &cc->guard) && cc->guard.phase == KEYD_GUARD_HEAD)
		keyd_lograte_printf(&s->log, LOGL_NOTICE,
				    "%s: closed before a request: TLS handshake refused (a client "
				    "certificate from the CA is required) or abandoned",
				    cc->guard.addr);
	free(cc);
	*socket_context = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		connection_started(cls, conn, socket_context);
	else if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
		connection_closed(cls, socket_context);
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
				/* until a head is read; then CONNECTION_TIMEOUT_S */
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)KEYD_GUARD_HEAD_S,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_LIMIT,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)PER_ADDRESS_LIMIT,
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
	s->guard = keyd_guard_start(&s->log, err, errlen);
	if (!s->guard) {
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
		MHD_stop_daemon(s->mhd);	/* every connection closed and untracked */
	keyd_guard_stop(s->guard);
	keyd_service_free(s->svc);
	keyd_lograte_destroy(&s->log);
	pthread_mutex_destroy(&s->stop_lock);
	free(s);
}
