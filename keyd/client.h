/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client of e2msim-keyd (keyd/API.md), over libcurl with mutual TLS:
 * used by the HSS side (e2msim-auc), the HSS store when it forwards
 * (variant B), the HSE/EESE (e2msim-hse) and the benchmarks. One client
 * keeps one connection to one service and counts what it sent. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "keyd/keyset.h"

struct keyd_client_tls {
	const char *cert;	/* PEM certificate of this peer */
	const char *key;	/* its PEM private key */
	const char *ca;		/* PEM CA that signed the service's certificate */
};

/* Application octets on the wire (HTTP header and body, both ways; TLS
 * framing not counted): the benchmark's "bytes per interface". */
struct keyd_client_stats {
	unsigned long requests;
	unsigned long long bytes_sent, bytes_received;
};

/* GET /v1/status */
struct keyd_status {
	char role[16];
	unsigned long held, peak, pushed, fetched, forwarded, expired, refused;
	/* the forward pushes of an hss-store (variant B), as keyd_client_stats */
	unsigned long forward_requests;
	unsigned long long forward_bytes;
};

struct keyd_client;

/* url: "https://host:port" (no path). NULL when libcurl fails to start. */
struct keyd_client *keyd_client_new(const char *url, const struct keyd_client_tls *tls);
void keyd_client_free(struct keyd_client *c);

/* Every request below returns the HTTP status (200, 201, 204, 4xx, 5xx),
 * or -1 when no answer came (connection, TLS); err gets the service's
 * "error" text, or the transport's, for anything but 2xx. */

/* POST /v1/keysets; *expires (may be NULL) gets the service's expiry. */
int keyd_client_push(struct keyd_client *c, const struct keyd_keyset *ks, int64_t *expires,
		     char *err, size_t errlen);
/* POST /v1/keysets/fetch; on 200 *ks holds the keyset (the caller clears it). */
int keyd_client_fetch(struct keyd_client *c, const char *kid, struct keyd_keyset *ks,
		      char *err, size_t errlen);
/* POST /v1/sessions: variant B's session event. */
int keyd_client_session(struct keyd_client *c, const char *kid, char *err, size_t errlen);
/* DELETE /v1/keysets/<kid> */
int keyd_client_delete(struct keyd_client *c, const char *kid, char *err, size_t errlen);
/* GET /v1/status */
int keyd_client_status(struct keyd_client *c, struct keyd_status *st, char *err, size_t errlen);

const struct keyd_client_stats *keyd_client_stats(const struct keyd_client *c);
