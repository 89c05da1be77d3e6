/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSE's state (doc/e2m-profile.md section 7): the keysets it holds, and
 * for each one the session's durable state, in one SQLite file (WAL,
 * synchronous=FULL, secure_delete; opened by one HSE at a time).
 *
 *   keyset    the keys (a fetch deleted them from the key service: this is
 *             their only copy for their lifetime), the SID, the uplink
 *             replay window, the next downlink COUNT, the device's last
 *             address
 *   spent     KID, SID and expiry of keysets whose lifetime ended: their
 *             late messages count as expired, and they are never taken again
 *   downlink  payloads waiting for a device whose address is not yet known
 *
 * Every change is committed before the call returns. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "e2m/edp.h"
#include "keyd/keyset.h"

/* A spent keyset's KID and SID are kept this long after its expiry. */
#define HSE_STORE_SPENT_KEEP	(7 * 86400)

struct hse_store;

/* One keyset and its session, as stored. */
struct hse_session {
	struct keyd_keyset ks;
	uint8_t sid[E2M_EDP_SID_LEN];
	struct e2m_edp_window up;		/* uplinks accepted */
	uint64_t down_next;			/* the next downlink COUNT */
	struct sockaddr_storage addr;		/* the device's last address */
	socklen_t addr_len;			/* 0: none yet */
};

/*! Open (create) the state file at path. 0; -EBUSY when another process
 *  holds it; -EIO with err. */
int hse_store_open(struct hse_store **st, const char *path, char *err, size_t errlen);

/*! Close (NULL is fine). */
void hse_store_close(struct hse_store *st);

/*! Hold keyset ks (its SID sid) as a new session: windows empty, downlink
 *  COUNT 0. 0; -EEXIST when its KID is held or spent (nothing changes);
 *  -EIO. */
int hse_store_put(struct hse_store *st, const struct keyd_keyset *ks,
		  const uint8_t sid[E2M_EDP_SID_LEN]);

/*! Put ks in the spent table only (a keyset that expired before the HSE
 *  held it). 0, -EEXIST, -EIO. */
int hse_store_put_spent(struct hse_store *st, const char *kid, const uint8_t sid[E2M_EDP_SID_LEN],
			int64_t expires);

/*! The session of kid. 0; -ENOENT; -EKEYEXPIRED when it is spent; -EIO. */
int hse_store_get_kid(struct hse_store *st, const char *kid, struct hse_session *s);

/*! The sessions whose SID is sid (two keysets may share one), newest
 *  first, at most max into s[]: their number, 0 when none is held;
 *  *spent tells whether a spent keyset has that SID. -EIO. */
int hse_store_get_sid(struct hse_store *st, const uint8_t sid[E2M_EDP_SID_LEN],
		      struct hse_session *s, size_t max, bool *spent);

/*! Commit an accepted uplink: the window w and the device's address. 0, -ENOENT, -EIO. */
int hse_store_accept_up(struct hse_store *st, const char *kid, const struct e2m_edp_window *w,
			const struct sockaddr *addr, socklen_t addr_len);

/*! Take the next downlink COUNT of kid and commit its successor, so that
 *  no COUNT leaves twice. 0 with *count; -ENOSPC when the keyset is spent
 *  (the next COUNT would be 2^32-1); -ENOENT; -EIO. */
int hse_store_take_down_count(struct hse_store *st, const char *kid, uint32_t *count);

/*! Queue payload[len] for kid (its device's address not yet known). 0, -EIO. */
int hse_store_queue_push(struct hse_store *st, const char *kid, const uint8_t *payload, size_t len);

/*! Remove and return the oldest payload queued for kid into payload[cap]:
 *  1 with *len, 0 when none is queued, -EIO. */
int hse_store_queue_pop(struct hse_store *st, const char *kid, uint8_t *payload, size_t cap,
			size_t *len);

/*! Move the keysets whose lifetime ended (expires <= now) to the spent
 *  table, dropping their keys, windows and queued payloads, and forget
 *  spent keysets older than HSE_STORE_SPENT_KEEP. The number of keysets
 *  moved, or -EIO. */
long hse_store_purge(struct hse_store *st, int64_t now);

/*! Keysets held. -EIO. */
long hse_store_count(struct hse_store *st);

/*! Clear a session read from the store (keys). */
void hse_session_clear(struct hse_session *s);
