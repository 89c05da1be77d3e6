/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who is on the other end of a keyd connection (keyd/API.md "Transport"):
 * the client certificate checked against the service's CA, and its
 * identities, each subjectAltName dNSName and the subject CN. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "keyd/config.h"

struct MHD_Connection;
struct gnutls_session_int;	/* gnutls_session_t */

#define KEYD_PEER_NAMES_MAX 16

struct keyd_peer {
	bool verified;			/* a certificate the CA signed */
	char names[KEYD_PEER_NAMES_MAX][KEYD_NAME_MAX + 1];
	size_t n_names;
	char why[128];			/* when not verified: the reason */
	char label[KEYD_NAME_MAX + 32];	/* for logs */
};

/* Makes the TLS handshake of session (a server's, not yet started) require
 * a client certificate that keyd_peer_identify() would verify: one the CA
 * signed, for TLS clients. Without one the handshake fails, so such a peer
 * never reaches a request (keyd/API.md "Transport"). */
void keyd_peer_require(struct gnutls_session_int *session);
/* Fills p from the TLS session of conn; 0 when verified, else -1 with
 * p->why (no certificate, not signed by the CA, not for TLS clients). */
int keyd_peer_identify(struct keyd_peer *p, struct MHD_Connection *conn);

/* Whether one of p's identities is name (DNS names: ASCII case ignored). */
bool keyd_peer_is(const struct keyd_peer *p, const char *name);
/* Whether p is one of the configuration's network_peers. */
bool keyd_peer_is_network(const struct keyd_peer *p, const struct keyd_config *cfg);
/* The identity for logs: the CN (else the first dNSName); "unverified NAME" or
 * "(no certificate)" when not verified. */
const char *keyd_peer_label(const struct keyd_peer *p);
