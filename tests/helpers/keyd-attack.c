/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hostile clients of e2msim-keyd for tests/integration/test_keyd_attack.sh: plain
 * sockets and GnuTLS, one poll() loop, loopback only, each run bounded by its
 * SECONDS.
 *
 *   keyd-attack --port PORT --ca CA [--cert PEM --key PEM] [--host ADDR]
 *               [--sources ADDR,ADDR...] [--interval S] [--reopen S] COMMAND...
 *
 *   flood SECONDS PLAIN NOCERT DRIP
 *        hold PLAIN TCP connections that never start TLS, NOCERT TLS
 *        connections without a client certificate and DRIP with --cert; the
 *        TLS ones send a request line and then one header line every
 *        --interval seconds (default 1), never the blank line that ends the
 *        head (slowloris). Each connection the service closes is opened again
 *        after --reopen seconds (default 1). Connection j of kind k (plain
 *        0, nocert 1, drip 2) comes from source (k + 3 j) mod N of the N
 *        --sources: with N a multiple of 3, each kind from its own
 *        addresses. One line per kind:
 *        "KIND opened=N closed=N refused_tls=N held_max=S.SS open_at_end=N"
 *        (refused_tls: TLS 1.3, where the client's handshake ends with its
 *        own Finished: the service closed the connection before the second
 *        header line, i.e. it refused the certificate or its absence; a
 *        connection closed before the handshake, e.g. at a connection limit,
 *        does not count. held: from connect() to the close the service made,
 *        or to the end)
 *   chunked SECONDS
 *        with --cert: POST /v1/keysets, Transfer-Encoding: chunked, chunks of
 *        1000 octets as fast as the service reads them, no last chunk; reads
 *        meanwhile. "answer=STATUS sent=OCTETS closed=yes|no after=S.SS"
 *        (STATUS 0: none came; after: when the service closed, or SECONDS)
 *   drip-body SECONDS
 *        with --cert: the head of a chunked POST /v1/keysets at once, then
 *        one octet of body every --interval seconds.
 *        "answer=STATUS sent=OCTETS closed=yes|no after=S.SS"
 *
 * Exit 0 when the run went as asked (whatever the service did), 1 on a local
 * error, 2 usage. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "common/clock.h"

#define SOURCES_MAX 16
#define CHUNK 1000

enum kind { KIND_PLAIN, KIND_NOCERT, KIND_DRIP, KINDS };

static const char *const kind_names[KINDS] = {
	[KIND_PLAIN] = "plain",
	[KIND_NOCERT] = "nocert",
	[KIND_DRIP] = "drip",
};

enum state { ST_WAIT, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN };

struct conn {
	enum kind kind;
	enum state st;
	int fd;
	gnutls_session_t tls;
	double opened;		/* connect() */
	double next;		/* ST_WAIT: reopen; ST_OPEN: next header line */
	unsigned int lines;
	unsigned int source;
};

struct stats {
	unsigned long opened, closed, refused_tls;
	double held_max;
};

static struct {
	struct sockaddr_in to;
	struct in_addr sources[SOURCES_MAX];
	unsigned int n_sources;
	double interval, reopen;
	gnutls_certificate_credentials_t anon, mine;	/* without, with --cert */
} opt = { .interval = 1.0, .reopen = 1.0 };

static void usage(void)
{
	fprintf(stderr, "usage: keyd-attack --port PORT --ca CA [--cert PEM --key PEM] [--host ADDR] "
			"[--sources A,B...] [--interval S] [--reopen S] "
			"flood SECONDS PLAIN NOCERT DRIP | chunked SECONDS | drip-body SECONDS\n");
}

/* ---- sockets and TLS ---- */

/* A non-blocking connect() from source (0: any); -1 on a local error. */
static int open_socket(unsigned int source)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (opt.n_sources) {
		struct sockaddr_in from = {
			.sin_family = AF_INET,
			.sin_addr = opt.sources[source % opt.n_sources],
		};

		if (bind(fd, (const struct sockaddr *)&from, sizeof(from))) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (const struct sockaddr *)&opt.to, sizeof(opt.to)) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tls_new(gnutls_session_t *s, int fd, bool with_cert)
{
	if (gnutls_init(s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0)
		return -1;
	/* TLS 1.3 only: see refused_tls */
	if (gnutls_priority_set_direct(*s, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL) < 0 ||
	    gnutls_credentials_set(*s, GNUTLS_CRD_CERTIFICATE, with_cert ? opt.mine : opt.anon) < 0) {
		gnutls_deinit(*s);
		return -1;
	}
	gnutls_transport_set_int(*s, fd);
	return 0;
}

/* Sends all of buf on a connected session within the next second. */
static int tls_send_all(gnutls_session_t s, int fd, const char *buf, size_t len)
{
	double until = common_now_s() + 1.0;

	while (len) {
		ssize_t n = gnutls_record_send(s, buf, len);

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (common_now_s() > until)
				return -1;
			poll(&p, 1, 100);
			continue;
		}
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A blocking-style connect and handshake with --cert, for the one-connection
 * commands; -1 when it fails. */
static int open_tls(gnutls_session_t *s, int *fd_out)
{
	double until = common_now_s() + 5.0;
	struct pollfd p;
	int fd = open_socket(0), rc, err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return -1;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, 5000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err ||
	    tls_new(s, fd, true)) {
		close(fd);
		return -1;
	}
	while ((rc = gnutls_handshake(*s)) == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
		p = (struct pollfd){ .fd = fd,
				     .events = gnutls_record_get_direction(*s) ? POLLOUT : POLLIN };
		if (common_now_s() > until)
			break;
		poll(&p, 1, 100);
	}
	if (rc < 0) {
		fprintf(stderr, "keyd-attack: handshake: %s\n", gnutls_strerror(rc));
		gnutls_deinit(*s);
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

/* ---- flood ---- */

static void conn_close(struct conn *c, struct stats *st, double now, bool by_service)
{
	if (c->tls)
		gnutls_deinit(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (by_service) {
		st[c->kind].closed++;
		if (now - c->opened > st[c->kind].held_max)
			st[c->kind].held_max = now - c->opened;
	}
	c->st = ST_WAIT;
	c->next = now + opt.reopen;
}

static void conn_open(struct conn *c, struct stats *st, double now)
{
	c->fd = open_socket(c->source);
	if (c->fd < 0) {
		c->next = now + opt.reopen;	/* out of descriptors or ports: later */
		return;
	}
	c->st = ST_CONNECTING;
	c->opened = now;
	c->lines = 0;
	st[c->kind].opened++;
}

/* The head's first lines, then one header line a time. */
static int conn_drip(struct conn *c, double now)
{
	char line[64];
	int n;
	ssize_t rc;

	if (c->lines == 0)
		n = snprintf(line, sizeof(line), "POST /v1/keysets HTTP/1.1\r\nHost: 127.0.0.1\r\n");
	else
		n = snprintf(line, sizeof(line), "X-Drip-%u: x\r\n", c->lines);
	c->lines++;
	c->next = now + opt.interval;
	/* a few octets into an empty send buffer: GNUTLS_E_AGAIN does not come */
	rc = gnutls_record_send(c->tls, line, (size_t)n);
	return rc < 0 && rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED ? -1 : 0;
}

/* One step of c after poll() said revents. */
static void conn_step(struct conn *c, short revents, struct stats *st, double now)
{
	char buf[512];
	int rc, err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	switch (c->st) {
	case ST_CONNECTING:
		if (!revents)
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			conn_close(c, st, now, true);
			return;
		}
		if (c->kind == KIND_PLAIN) {
			c->st = ST_OPEN;
			return;
		}
		if (tls_new(&c->tls, c->fd, c->kind == KIND_DRIP)) {
			conn_close(c, st, now, false);
			return;
		}
		c->st = ST_HANDSHAKE;
		/* fall through */
	case ST_HANDSHAKE:
		rc = gnutls_handshake(c->tls);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
			return;
		if (rc < 0) {
			conn_close(c, st, now, true);
			return;
		}
		c->st = ST_OPEN;
		if (conn_drip(c, now))
			conn_close(c, st, now, true);
		return;
	case ST_OPEN:
		if (!revents)
			return;
		if (c->kind == KIND_PLAIN) {
			n = recv(c->fd, buf, sizeof(buf), 0);
			if (n > 0 || (n < 0 && errno == EAGAIN))
				return;
		} else {
			n = gnutls_record_recv(c->tls, buf, sizeof(buf));
			if (n > 0 || n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
				return;
			if (c->lines <= 1)	/* see refused_tls above */
				st[c->kind].refused_tls++;
		}
		conn_close(c, st, now, true);
		return;
	case ST_WAIT:
		return;
	}
}

static int cmd_flood(double seconds, const unsigned int count[KINDS])
{
	unsigned int total = count[KIND_PLAIN] + count[KIND_NOCERT] + count[KIND_DRIP], i, k;
	struct conn *conns = calloc(total ? total : 1, sizeof(*conns));
	struct pollfd *pfd = calloc(total ? total : 1, sizeof(*pfd));
	struct stats st[KINDS] = { 0 };
	double start = common_now_s(), end = start + seconds, now;
	unsigned int open_at_end[KINDS] = { 0 };

	if (!conns || !pfd)
		return 1;
	for (i = 0, k = 0; k < KINDS; k++) {
		for (unsigned int j = 0; j < count[k]; j++, i++) {
			conns[i] = (struct conn){ .kind = (enum kind)k, .fd = -1,
						  .source = k + KINDS * j, .next = start };
		}
	}
	while ((now = common_now_s()) < end) {
		double wake = end;
		int timeout;

		for (i = 0; i < total; i++) {
			struct conn *c = &conns[i];

			if (c->st == ST_WAIT && now >= c->next)
				conn_open(c, st, now);
			if (c->st == ST_OPEN && c->kind != KIND_PLAIN && now >= c->next &&
			    conn_drip(c, now))
				conn_close(c, st, now, true);
			if ((c->st == ST_WAIT || (c->st == ST_OPEN && c->kind != KIND_PLAIN)) &&
			    c->next < wake)
				wake = c->next;
			pfd[i] = (struct pollfd){ .fd = c->fd };
			if (c->st == ST_CONNECTING)
				pfd[i].events = POLLOUT;
			else if (c->st == ST_HANDSHAKE)
				pfd[i].events = gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN;
			else if (c->st == ST_OPEN)
				pfd[i].events = POLLIN;
			else
				pfd[i].fd = -1;
		}
		timeout = (int)((wake - now) * 1000) + 1;
		if (timeout > 100)
			timeout = 100;
		if (poll(pfd, total, timeout) < 0 && errno != EINTR)
			return 1;
		now = common_now_s();
		for (i = 0; i < total; i++)
			if (pfd[i].fd >= 0 && pfd[i].revents)
				conn_step(&conns[i], pfd[i].revents, st, now);
	}
	now = common_now_s();
	for (i = 0; i < total; i++) {
		struct conn *c = &conns[i];

		if (c->st == ST_OPEN || c->st == ST_HANDSHAKE || c->st == ST_CONNECTING) {
			open_at_end[c->kind]++;
			if (now - c->opened > st[c->kind].held_max)
				st[c->kind].held_max = now - c->opened;
		}
		if (c->tls)
			gnutls_deinit(c->tls);
		if (c->fd >= 0)
			close(c->fd);
	}
	for (k = 0; k < KINDS; k++)
		printf("%s opened=%lu closed=%lu refused_tls=%lu held_max=%.2f open_at_end=%u\n",
		       kind_names[k], st[k].opened, st[k].closed, st[k].refused_tls, st[k].held_max,
		       open_at_end[k]);
	free(conns);
	free(pfd);
	return 0;
}

/* ---- one endless body ---- */

/* The status of an answer's first line, else 0. */
static int status_of(const char *buf, size_t len)
{
	int status = 0;

	if (len >= 12 && !strncmp(buf, "HTTP/1.1 ", 9))
		sscanf(buf + 9, "%3d", &status);
	return status;
}

/* Reads what is left of an answer, for up to 0.2 s. */
static void drain(gnutls_session_t s, int fd, char *answer, size_t cap, size_t *len)
{
	double until = common_now_s() + 0.2;

	while (*len + 1 < cap && common_now_s() < until) {
		ssize_t n = gnutls_record_recv(s, answer + *len, cap - 1 - *len);
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (n > 0) {
			*len += (size_t)n;
			answer[*len] = '\0';
		} else if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			poll(&p, 1, 20);
		} else {
			return;
		}
	}
}

/* chunked (drip false): chunks as fast as they go; drip-body: one octet
 * every --interval. Either reads whatever the service answers. */
static int cmd_body(double seconds, bool drip)
{
	static const char head[] = "POST /v1/keysets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				   "Content-Type: application/json\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n";
	char chunk[CHUNK + 16], answer[1024];
	size_t chunk_len, answer_len = 0;
	unsigned long long sent = 0;
	double start, end, next_octet;
	bool closed = false;
	gnutls_session_t s;
	int fd;

	if (!opt.mine || open_tls(&s, &fd))
		return 1;
	start = common_now_s();
	end = start + seconds;
	next_octet = start;
	if (drip) {
		chunk_len = (size_t)snprintf(chunk, sizeof(chunk), "1\r\na\r\n");
	} else {
		chunk_len = (size_t)snprintf(chunk, sizeof(chunk), "%x\r\n", CHUNK);
		memset(chunk + chunk_len, 'a', CHUNK);
		chunk_len += CHUNK;
		memcpy(chunk + chunk_len, "\r\n", 2);
		chunk_len += 2;
	}
	if (tls_send_all(s, fd, head, sizeof(head) - 1))
		closed = true;
	while (!closed && common_now_s() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		bool want_send = !drip || common_now_s() >= next_octet;
		ssize_t n;

		if (want_send && !status_of(answer, answer_len))
			p.events |= POLLOUT;
		if (poll(&p, 1, drip ? 100 : 50) < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = gnutls_record_recv(s, answer + answer_len, sizeof(answer) - 1 - answer_len);
			if (n > 0) {
				answer_len += (size_t)n;
				answer[answer_len] = '\0';
			} else if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED) {
				closed = true;
			}
		}
		if (!closed && (p.revents & POLLOUT)) {
			n = gnutls_record_send(s, chunk, chunk_len);
			if (n > 0) {
				sent += drip ? 1 : CHUNK;
				next_octet = common_now_s() + opt.interval;
			} else if (n != GNUTLS_E_AGAIN && n != GNUTLS_E_INTERRUPTED) {
				closed = true;
			}
		}
	}
	/* a send that failed (the service closed) may leave its answer unread */
	drain(s, fd, answer, sizeof(answer), &answer_len);
	printf("answer=%d sent=%llu closed=%s after=%.2f\n", status_of(answer, answer_len), sent,
	       closed ? "yes" : "no", common_now_s() - start);
	gnutls_deinit(s);
	close(fd);
	return 0;
}

/* ---- command line ---- */

static int parse_sources(const char *list)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (opt.n_sources >= SOURCES_MAX || inet_pton(AF_INET, tok, &opt.sources[opt.n_sources]) != 1)
			return -1;
		opt.n_sources++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ .name = "port", .has_arg = required_argument, .val = 'p' },
		{ .name = "host", .has_arg = required_argument, .val = 'H' },
		{ .name = "ca", .has_arg = required_argument, .val = 'a' },
		{ .name = "cert", .has_arg = required_argument, .val = 'c' },
		{ .name = "key", .has_arg = required_argument, .val = 'k' },
		{ .name = "sources", .has_arg = required_argument, .val = 's' },
		{ .name = "interval", .has_arg = required_argument, .val = 'i' },
		{ .name = "reopen", .has_arg = required_argument, .val = 'r' },
		{ 0 },
	};
	const char *host = "127.0.0.1", *ca = NULL, *cert = NULL, *key = NULL, *cmd;
	unsigned int port = 0;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': port = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'H': host = optarg; break;
		case 'a': ca = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 's':
			if (parse_sources(optarg)) {
				usage();
				return 2;
			}
			break;
		case 'i': opt.interval = strtod(optarg, NULL); break;
		case 'r': opt.reopen = strtod(optarg, NULL); break;
		default: usage(); return 2;
		}
	}
	if (!port || port > 65535 || !ca || optind >= argc || !!cert != !!key) {
		usage();
		return 2;
	}
	opt.to = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &opt.to.sin_addr) != 1) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (gnutls_certificate_allocate_credentials(&opt.anon) < 0 ||
	    gnutls_certificate_set_x509_trust_file(opt.anon, ca, GNUTLS_X509_FMT_PEM) < 0)
		return 1;
	if (cert && (gnutls_certificate_allocate_credentials(&opt.mine) < 0 ||
		     gnutls_certificate_set_x509_trust_file(opt.mine, ca, GNUTLS_X509_FMT_PEM) < 0 ||
		     gnutls_certificate_set_x509_key_file(opt.mine, cert, key, GNUTLS_X509_FMT_PEM) < 0)) {
		fprintf(stderr, "keyd-attack: cannot load %s and %s\n", cert, key);
		return 1;
	}
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (!strcmp(cmd, "flood") && argc == 4) {
		unsigned int count[KINDS] = {
			[KIND_PLAIN] = (unsigned int)strtoul(argv[1], NULL, 10),
			[KIND_NOCERT] = (unsigned int)strtoul(argv[2], NULL, 10),
			[KIND_DRIP] = (unsigned int)strtoul(argv[3], NULL, 10),
		};

		if (count[KIND_DRIP] && !opt.mine) {
			usage();
			return 2;
		}
		return cmd_flood(strtod(argv[0], NULL), count);
	}
	if (!strcmp(cmd, "chunked") && argc == 1)
		return cmd_body(strtod(argv[0], NULL), false);
	if (!strcmp(cmd, "drip-body") && argc == 1)
		return cmd_body(strtod(argv[0], NULL), true);
	usage();
	return 2;
}
