/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deadlines on the connections of e2msim-keyd (keyd/API.md "Limits"): a peer
 * may hold a connection only as long as its request takes to come, whatever
 * the rate it sends at. The transport tells the guard each connection's
 * phase; a watchdog thread closes (shutdown()) each one past its phase's
 * deadline, so that the connection's own thread sees the end of the stream
 * and libmicrohttpd closes it. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "keyd/lograte.h"

/* keyd/API.md "Limits" */
#define KEYD_GUARD_HEAD_S 5	/* accepted -> TLS handshake and the first request's head */
#define KEYD_GUARD_REQUEST_S 10	/* a request's start -> its last body octet */
#define KEYD_GUARD_IDLE_S 30	/* an answer -> the next request's head */
#define KEYD_GUARD_TICK_MS 200	/* how often the watchdog looks */
#define KEYD_GUARD_ADDR_MAX (INET6_ADDRSTRLEN + 8)	/* "[addr]:port" */

enum keyd_guard_phase {
	KEYD_GUARD_HEAD,	/* accepted: the TLS handshake, the first request's head */
	KEYD_GUARD_BODY,	/* a request's head read: its body */
	KEYD_GUARD_ANSWER,	/* the request read whole (or refused): handled, answered */
	KEYD_GUARD_IDLE,	/* answered: the next request's head */
	KEYD_GUARD_PHASES,
};

/* One connection, inside the transport's own per-connection state. */
struct keyd_guard_conn {
	struct keyd_guard_conn *prev, *next;
	int fd;
	enum keyd_guard_phase phase;	/* written by the connection's thread only */
	unsigned long requests;		/* heads read */
	int64_t opened_ms;		/* CLOCK_MONOTONIC */
	int64_t deadline_ms;		/* 0: none */
	bool expired;			/* closed by the watchdog */
	char addr[KEYD_GUARD_ADDR_MAX];	/* the peer, for logs */
};

struct keyd_guard;

/* Starts the watchdog; it logs through log, which must outlive the guard.
 * NULL with one message in err when it cannot. */
struct keyd_guard *keyd_guard_start(struct keyd_lograte *log, char *err, size_t errlen);
/* Stops the watchdog; every connection must be untracked by then. g may be
 * NULL. */
void keyd_guard_stop(struct keyd_guard *g);

/* A connection accepted on socket fd from addr (may be NULL): tracked in
 * phase KEYD_GUARD_HEAD, its deadline KEYD_GUARD_HEAD_S from now. */
void keyd_guard_track(struct keyd_guard *g, struct keyd_guard_conn *c, int fd,
		      const struct sockaddr *addr);
/* The connection is closing: no longer tracked (its socket is still open).
 * Whether the watchdog closed it. */
bool keyd_guard_untrack(struct keyd_guard *g, struct keyd_guard_conn *c);
/* The connection's next phase, from its own thread; the deadline follows
 * the phase's rule (keyd/guard.c phase_rules[]). */
void keyd_guard_enter(struct keyd_guard *g, struct keyd_guard_conn *c, enum keyd_guard_phase phase);
