/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSE's EDP service (doc/e2m-profile.md section 7), apart from its
 * sockets: what one datagram from a device does, and what one downlink
 * does. No I/O of its own: the state is an hse_store, keysets it does not
 * hold come through ops->fetch, downlinks leave through ops->send, and
 * accepted payloads are handed on through ops->deliver.
 *
 * An uplink: parse -> the session named by its SID or KID (an unknown KID
 * fetched, and stored before anything else: the fetch deleted it from the
 * key service) -> open (tag, decipher) -> replay window -> the window and
 * the device's address committed -> handed on -> downlinks queued for that
 * device sent. Anything else is dropped silently, and counted by cause. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <osmocom/core/utils.h>

#include "e2m/edp.h"
#include "hse/store.h"
#include "keyd/keyset.h"

/* Why a datagram was dropped (doc/e2m-profile.md 7, "Counters and replay"). */
enum hse_drop {
	HSE_DROP_MALFORMED,	/* not an uplink EDP message, or its KID not an E2M-KID */
	HSE_DROP_UNKNOWN_KID,	/* its SID or KID names no keyset held or fetchable */
	HSE_DROP_BAD_TAG,	/* the tag does not verify under the keyset */
	HSE_DROP_REPLAY,	/* its COUNT was seen, or is below the window */
	HSE_DROP_EXPIRED,	/* the keyset's lifetime ended */
	HSE_DROP_NUM
};

/* "malformed", "unknown_kid", ... as in the status. */
extern const struct value_string hse_drop_names[];

struct hse_counters {
	unsigned long accepted;			/* uplinks handed on */
	unsigned long dropped[HSE_DROP_NUM];
	unsigned long sent;			/* downlinks that left */
	unsigned long queued;			/* downlinks that waited for an address */
	unsigned long fetched;			/* keysets taken from the key service */
};

/* What the service hands on: an accepted uplink, or a downlink that left. */
struct hse_delivery {
	const char *kid;
	const uint8_t *sid;			/* E2M_EDP_SID_LEN octets */
	enum e2m_edp_dir dir;
	uint32_t count;
	const uint8_t *payload;
	size_t len;
};

struct hse_service_ops {
	/* The keyset of kid from the key service (which deletes it there):
	 * 0 with *ks; -ENOENT unknown, -EACCES not this endpoint's,
	 * -EKEYEXPIRED expired, -EIO no answer. NULL: the HSE holds every
	 * keyset it has (--keyset-file). */
	int (*fetch)(void *ctx, const char *kid, struct keyd_keyset *ks);
	/* A downlink datagram to addr; 0 or -errno. */
	int (*send)(void *ctx, const struct sockaddr *addr, socklen_t addr_len, const uint8_t *msg,
		    size_t len);
	/* An accepted uplink's payload, or a downlink that left. */
	void (*deliver)(void *ctx, const struct hse_delivery *d);
};

struct hse_service;

/*! A service over st (which stays the caller's). NULL when out of memory. */
struct hse_service *hse_service_new(struct hse_store *st, const struct hse_service_ops *ops,
				    void *ctx);

void hse_service_free(struct hse_service *svc);

/*! One datagram msg[len] from a device at from, at Unix time now. 0 when it
 *  was accepted and handed on; 1 when it was dropped (counted); -EIO when
 *  the state could not be read or written (nothing handed on). */
int hse_service_uplink(struct hse_service *svc, const uint8_t *msg, size_t len,
		       const struct sockaddr *from, socklen_t from_len, int64_t now);

/* What became of a downlink. */
struct hse_downlink_result {
	char kid[E2M_KID_MAX];
	bool queued;		/* waits for the device's first uplink */
	uint32_t count;		/* when it left */
};

/*! Send payload[len] (at most E2M_EDP_BODY_MAX octets) to the device of the
 *  session whose SID is sid (the newest, when two share it): at once to its
 *  last address, or queued until its next uplink when it has sent none. 0
 *  with *res; -ENOENT no live session has that SID; -EMSGSIZE; -ENOSPC the
 *  keyset is spent (the next COUNT would be 2^32-1); -EIO. A send() error
 *  after the COUNT was taken is logged, and the COUNT is not used again. */
int hse_service_downlink(struct hse_service *svc, const uint8_t sid[E2M_EDP_SID_LEN],
			 const uint8_t *payload, size_t len, int64_t now,
			 struct hse_downlink_result *res);

/*! Hold a keyset from a file or a push (variant A): a new session, unless
 *  its KID is held or spent; an expired one is remembered as spent. 0
 *  when it is new, 1 when it was held, spent or expired already, -EINVAL
 *  for keys EDP cannot use, -EIO. */
int hse_service_add_keyset(struct hse_service *svc, const struct keyd_keyset *ks, int64_t now);

/*! End the sessions whose lifetime ended (hse_store_purge()). */
long hse_service_purge(struct hse_service *svc, int64_t now);

const struct hse_counters *hse_service_counters(const struct hse_service *svc);

/*! The status as one JSON object into out[cap]: {"accepted", "dropped":
 *  {"malformed", "unknown_kid", "bad_tag", "replay", "expired"}, "sent",
 *  "queued", "fetched", "keysets"}. Its length, or -1. */
int hse_service_status_json(struct hse_service *svc, char *out, size_t cap);

/*! A delivery as one JSON line (with its newline) into out[cap]: {"kid",
 *  "sid", "dir", "count", "payload_hex"}. Its length, or -1. */
int hse_delivery_json(const struct hse_delivery *d, char *out, size_t cap);
