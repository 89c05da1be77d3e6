/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration of e2msim-keyd (keyd/API.md "Configuration"): one JSON
 * file, checked whole before the service starts. */
#pragma once

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "keyd/keyset.h"
#include "keyd/store.h"

#define KEYD_PEERS_MAX 32
#define KEYD_LIFETIMES_MAX 64
#define KEYD_NAME_MAX 253		/* a DNS name (RFC 1035 2.3.4) */
#define KEYD_URL_MAX 256
#define KEYD_CONNINFO_MAX 1024
#define KEYD_PURGE_INTERVAL 1		/* seconds (keyd/API.md "Key aging") */

/* The storing roles of keyd/API.md */
enum keyd_role {
	KEYD_ROLE_HSE_STORE,
	KEYD_ROLE_HSS_STORE,
	KEYD_ROLE_EMKS,
};

struct keyd_lifetime {
	char eid_suffix[E2M_EID_MAX + 1];
	int64_t seconds;
};

struct keyd_config {
	enum keyd_role role;
	char listen[64];			/* as written: "HOST:PORT" */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	/* paths resolved against the configuration file's folder */
	struct {
		char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
		char *cert_pem, *key_pem, *ca_pem;	/* contents, NUL-terminated */
	} tls;
	const struct keyd_store_ops *store;
	char store_target[KEYD_CONNINFO_MAX];	/* SQLite path or libpq conninfo */
	char network_peers[KEYD_PEERS_MAX][KEYD_NAME_MAX + 1];
	size_t n_network_peers;
	int64_t default_lifetime;
	struct keyd_lifetime lifetimes[KEYD_LIFETIMES_MAX];
	size_t n_lifetimes;
	char forward_url[KEYD_URL_MAX];		/* "" when not forwarding */
	unsigned int purge_interval;		/* seconds; extension, default 1 */
};

/* Reads and checks file. On error returns -1 and writes one message
 * "FILE: FIELD: what is wrong" to err; cfg then holds nothing to free. */
int keyd_config_load(struct keyd_config *cfg, const char *file, char *err, size_t errlen);
/* Frees the PEM contents (the key overwritten first). */
void keyd_config_free(struct keyd_config *cfg);

/* The lifetime of a keyset for eid: the seconds of the longest eid_suffix
 * that eid ends with (the whole EID or after a '.'), else the default. */
int64_t keyd_config_lifetime(const struct keyd_config *cfg, const char *eid);

/* "hse-store", "hss-store", "emks" */
const char *keyd_role_name(enum keyd_role role);
