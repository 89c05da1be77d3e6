/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSE's control requests (e2msim-hse --send, --status), one coding for
 * both ends. One request and one answer per connection of a Unix
 * SOCK_SEQPACKET socket, each one message:
 *
 *   "status"                  {"accepted", "dropped": {...}, ...}
 *   "send " SID(8 hex) " " TEXT
 *                             {"kid", "sid", "queued": false, "count"}: sent
 *                             {"kid", "sid", "queued": true}: waits for the
 *                             device's first uplink
 *   anything else, or a refusal: {"error": "..."}
 *
 * TEXT is the payload's octets as they are (at most E2M_EDP_BODY_MAX). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "e2m/edp.h"
#include "hse/service.h"

#define HSE_CONTROL_REQ_MAX	(5 + 2 * E2M_EDP_SID_LEN + 1 + E2M_EDP_BODY_MAX)
#define HSE_CONTROL_ANS_MAX	1024
/* how long either end waits for the other's message */
#define HSE_CONTROL_TIMEOUT_MS	2000

/*! The request to send text[len] to the device of sid, into out[cap]: its
 *  length, or -EMSGSIZE. */
int hse_control_send_request(const uint8_t sid[E2M_EDP_SID_LEN], const uint8_t *text, size_t len,
			     uint8_t *out, size_t cap);

/*! The status request into out[cap]: its length, or -EMSGSIZE. */
int hse_control_status_request(uint8_t *out, size_t cap);

/*! Serve one request req[len] at Unix time now: the answer (NUL-terminated)
 *  into ans[cap], its length, or -1 when it does not fit. */
int hse_control_handle(struct hse_service *svc, const uint8_t *req, size_t len, int64_t now,
		       char *ans, size_t cap);
