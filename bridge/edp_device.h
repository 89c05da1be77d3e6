/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device's end of EDP (doc/e2m-profile.md section 7): one session per
 * keyset, its next uplink COUNT and its downlink replay window, kept in a
 * state file so that a device that restarts (or a tool run again) never
 * sends a COUNT twice nor accepts a downlink twice.
 *
 * The state file is a JSON object, written whole to FILE.tmp, fsync()ed,
 * renamed over FILE, and the folder fsync()ed, before the call that
 * changed it returns (mode 0600: it holds the keys):
 *
 *   {"version": 1, "kid": E2M-KID, "alg": "11", "k_int": hex, "k_enc": hex
 *    (EA 1 and 2 only), "up_next": N, "down": null | {"top": N, "seen": 16 hex}}
 *
 * up_next is the COUNT of the next uplink; at 2^32-1 the keyset is spent.
 * "seen" is the window's bitmap, bit i for COUNT top - i. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2m/edp.h"

/* Uplinks sent with the full E2M-KID under a new keyset before the SID
 * (doc/e2m-profile.md 7), unless a downlink arrives first. */
#define BRIDGE_EDP_FULL_KID_MSGS	3

struct bridge_edp_session {
	struct e2m_edp_keys keys;
	uint32_t up_next;			/* the next uplink COUNT */
	struct e2m_edp_window down;		/* downlinks accepted */
	const char *path;			/* the state file; NULL: memory only */
};

/*! A session for a new keyset (alg, K_E2M_int, K_E2M_enc or NULL when EA is
 *  0, the E2M-KID), saved to path (NULL: none). A state in path with the
 *  same KID and keys keeps its counters: a COUNT is never reused. 0;
 *  -EINVAL (keys EDP cannot use); -EIO with err. */
int bridge_edp_session_new(struct bridge_edp_session *s, const char *path, uint8_t alg,
			   const uint8_t *k_int, const uint8_t *k_enc, const char *kid,
			   char *err, size_t errlen);

/*! The session stored in path. 0; -ENOENT no such file; -EINVAL with one
 *  message naming the field in err; -EIO. */
int bridge_edp_session_load(struct bridge_edp_session *s, const char *path, char *err,
			    size_t errlen);

/*! Does the next uplink carry the full E2M-KID? Until a valid downlink
 *  arrived or BRIDGE_EDP_FULL_KID_MSGS uplinks were sent. */
bool bridge_edp_full_kid(const struct bridge_edp_session *s);

/*! The next uplink carrying payload[len] (at most 1024 octets) into
 *  out[cap]: its COUNT's successor is saved first, then the message is
 *  built. 0 with *out_len and *count; -ENOSPC the keyset is spent (its
 *  next COUNT is 2^32-1: a new AKA run is needed); -EINVAL payload too
 *  long; -EIO the state could not be saved (nothing to send). */
int bridge_edp_uplink(struct bridge_edp_session *s, const uint8_t *payload, size_t len,
		      uint8_t *out, size_t cap, size_t *out_len, uint32_t *count);

/*! A datagram msg[len] from the HSE: a downlink of this session (tag, SID),
 *  not seen before (the window), accepted and saved before its payload
 *  goes into payload[cap] (cap >= E2M_EDP_BODY_MAX). 0 with *payload_len
 *  and *count; -EBADMSG not a valid downlink of this session; -EALREADY a
 *  replay (or below the window); -EIO. */
int bridge_edp_downlink(struct bridge_edp_session *s, const uint8_t *msg, size_t len,
			uint8_t *payload, size_t cap, size_t *payload_len, uint32_t *count);

/*! Clear the keys. */
void bridge_edp_session_clear(struct bridge_edp_session *s);
