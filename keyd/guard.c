/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection deadlines of e2msim-keyd (keyd/API.md "Limits"). A slow peer
 * (slowloris: a header line every few seconds, a body octet at a time, a
 * TCP connection that never starts TLS) keeps an idle timeout from firing
 * forever; these deadlines are absolute, counted from the start of each
 * phase, so a connection costs a slot for a bounded time whatever the peer
 * sends. The rules are phase_rules[]; the watchdog applies them.
 *
 * Closing: the watchdog calls shutdown(SHUT_RDWR) under the lock. The
 * transport untracks a connection (under the same lock) before
 * libmicrohttpd closes its socket (MHD_CONNECTION_NOTIFY_CLOSED comes
 * first), so the descriptor shut down is always the connection's own. */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "keyd/guard.h"

struct keyd_guard {
	struct keyd_lograte *log;
	pthread_mutex_t lock;		/* the list, deadlines, expired */
	struct keyd_guard_conn *head;
	pthread_t watchdog;
	bool running;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	bool stopping;
};

/* What each phase may take (keyd/API.md "Limits"). */
struct phase_rule {
	unsigned int seconds;		/* 0: no deadline */
	bool from_open;			/* the first request's clock starts at the accept */
	const char *what;		/* for the log: what did not come in time */
};

static const struct phase_rule phase_rules[KEYD_GUARD_PHASES] = {
	[KEYD_GUARD_HEAD] = { .seconds = KEYD_GUARD_HEAD_S,
			      .what = "TLS handshake and request head" },
	/* "10 s from the first header to the last body octet": from the accept
	 * for the first request (its head started after it), from the head
	 * for the next ones (whose head is bounded by KEYD_GUARD_IDLE) */
	[KEYD_GUARD_BODY] = { .seconds = KEYD_GUARD_REQUEST_S, .from_open = true,
			      .what = "whole request" },
	/* keyd's own work: the handler and the answer (libmicrohttpd's idle
	 * timeout still applies to the sending) */
	[KEYD_GUARD_ANSWER] = { .seconds = 0 },
	[KEYD_GUARD_IDLE] = { .seconds = KEYD_GUARD_IDLE_S, .what = "next request" },
};

static void addr_text(char *out, size_t cap, const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(out, cap, "(unknown address)");
	}
}

/* ---- the watchdog ---- */

/* One pass: every connection past its deadline is shut down. */
static void watch(struct keyd_guard *g)
{
	int64_t now = common_now_ms();
	struct keyd_guard_conn *c;

	pthread_mutex_lock(&g->lock);
	for (c = g->head; c; c = c->next) {
		const struct phase_rule *rule = &phase_rules[c->phase];

		if (c->expired || !c->deadline_ms || now < c->deadline_ms)
			continue;
		shutdown(c->fd, SHUT_RDWR);
		c->expired = true;
		keyd_lograte_printf(g->log, LOGL_NOTICE, "%s: closed: no %s within %u s", c->addr,
				    rule->what, rule->seconds);
	}
	pthread_mutex_unlock(&g->lock);
	keyd_lograte_flush(g->log);
}

static void *watchdog_loop(void *arg)
{
	struct keyd_guard *g = arg;
	struct timespec next;

	pthread_mutex_lock(&g->stop_lock);
	while (!g->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &next);
		next.tv_nsec += KEYD_GUARD_TICK_MS * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (!g->stopping &&
		       pthread_cond_timedwait(&g->stop_cond, &g->stop_lock, &next) != ETIMEDOUT)
			;
		if (g->stopping)
			break;
		pthread_mutex_unlock(&g->stop_lock);
		watch(g);
		pthread_mutex_lock(&g->stop_lock);
	}
	pthread_mutex_unlock(&g->stop_lock);
	return NULL;
}

/* ---- life cycle ---- */

struct keyd_guard *keyd_guard_start(struct keyd_lograte *log, char *err, size_t errlen)
{
	struct keyd_guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t attr;

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->log = log;
	pthread_mutex_init(&g->lock, NULL);
	pthread_mutex_init(&g->stop_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->stop_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&g->watchdog, NULL, watchdog_loop, g)) {
		snprintf(err, errlen, "cannot start the connection watchdog");
		keyd_guard_stop(g);
		return NULL;
	}
	g->running = true;
	return g;
}

void keyd_guard_stop(struct keyd_guard *g)
{
	if (!g)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->stop_lock);
		g->stopping = true;
		pthread_cond_signal(&g->stop_cond);
		pthread_mutex_unlock(&g->stop_lock);
		pthread_join(g->watchdog, NULL);
	}
	pthread_cond_destroy(&g->stop_cond);
	pthread_mutex_destroy(&g->stop_lock);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* ---- connections ---- */

void keyd_guard_track(struct keyd_guard *g, struct keyd_guard_conn *c, int fd,
		      const struct sockaddr *addr)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	addr_text(c->addr, sizeof(c->addr), addr);
	c->phase = KEYD_GUARD_HEAD;
	c->opened_ms = common_now_ms();
	c->deadline_ms = c->opened_ms + (int64_t)phase_rules[KEYD_GUARD_HEAD].seconds * 1000;
	pthread_mutex_lock(&g->lock);
	c->next = g->head;
	if (g->head)
		g->head->prev = c;
	g->head = c;
	pthread_mutex_unlock(&g->lock);
}

bool keyd_guard_untrack(struct keyd_guard *g, struct keyd_guard_conn *c)
{
	bool expired;

	pthread_mutex_lock(&g->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	expired = c->expired;
	pthread_mutex_unlock(&g->lock);
	return expired;
}

void keyd_guard_enter(struct keyd_guard *g, struct keyd_guard_conn *c, enum keyd_guard_phase phase)
{
	const struct phase_rule *rule = &phase_rules[phase];
	int64_t now = common_now_ms();
	int64_t start = rule->from_open && c->requests == 0 ? c->opened_ms : now;

	if (phase == KEYD_GUARD_BODY)
		c->requests++;
	pthread_mutex_lock(&g->lock);
	c->phase = phase;
	c->deadline_ms = rule->seconds ? start + (int64_t)rule->seconds * 1000 : 0;
	pthread_mutex_unlock(&g->lock);
}
