/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSE's control requests (hse/control.h): coded here for the client
 * and served here for the HSE. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/hex.h"
#include "hse/control.h"

#define REQ_STATUS	"status"
#define REQ_SEND	"send "

int hse_control_send_request(const uint8_t sid[E2M_EDP_SID_LEN], const uint8_t *text, size_t len,
			     uint8_t *out, size_t cap)
{
	char hex[2 * E2M_EDP_SID_LEN + 1];
	size_t head = strlen(REQ_SEND) + sizeof(hex);	/* with the space after the SID */

	if (len > E2M_EDP_BODY_MAX || cap < head + len)
		return -EMSGSIZE;
	common_hex_encode(sid, E2M_EDP_SID_LEN, hex, sizeof(hex));
	memcpy(out, REQ_SEND, strlen(REQ_SEND));
	memcpy(out + strlen(REQ_SEND), hex, 2 * E2M_EDP_SID_LEN);
	out[head - 1] = ' ';
	if (len)
		memcpy(out + head, text, len);
	return (int)(head + len);
}

int hse_control_status_request(uint8_t *out, size_t cap)
{
	if (cap < strlen(REQ_STATUS))
		return -EMSGSIZE;
	memcpy(out, REQ_STATUS, strlen(REQ_STATUS));
	return (int)strlen(REQ_STATUS);
}

/* {"error": text} into ans[cap]. */
static int answer_error(const char *text, char *ans, size_t cap)
{
	int n = snprintf(ans, cap, "{\"error\":\"%s\"}", text);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int serve_send(struct hse_service *svc, const uint8_t *req, size_t len, int64_t now,
		      char *ans, size_t cap)
{
	size_t head = strlen(REQ_SEND) + 2 * E2M_EDP_SID_LEN + 1;
	struct hse_downlink_result res;
	uint8_t sid[E2M_EDP_SID_LEN];
	char sid_hex[2 * E2M_EDP_SID_LEN + 1];
	json_t *obj, *kid;
	char *s;
	int rc, n;

	if (len < head || req[head - 1] != ' ' ||
	    common_hex_decode((const char *)req + strlen(REQ_SEND), 2 * E2M_EDP_SID_LEN, sid,
			      sizeof(sid)) != E2M_EDP_SID_LEN)
		return answer_error("send: expected \\\"send\\\" SID (8 hex digits) TEXT", ans, cap);
	rc = hse_service_downlink(svc, sid, req + head, len - head, now, &res);
	switch (rc) {
	case 0:
		break;
	case -ENOENT:
		return answer_error("no live keyset has this SID", ans, cap);
	case -EMSGSIZE:
		return answer_error("TEXT longer than 1024 octets", ans, cap);
	case -ENOSPC:
		return answer_error("the keyset is spent (COUNT 2^32-1): the device needs a new AKA run",
				    ans, cap);
	default:
		return answer_error(rc == -EIO ? "the HSE's state failed" : "the downlink could not be sent",
				    ans, cap);
	}
	common_hex_encode(sid, sizeof(sid), sid_hex, sizeof(sid_hex));
	kid = json_string(res.kid);
	if (!kid)
		kid = json_stringn_nocheck(res.kid, strlen(res.kid));
	obj = res.queued ? json_pack("{s:o, s:s, s:b}", "kid", kid, "sid", sid_hex, "queued", 1)
			 : json_pack("{s:o, s:s, s:b, s:I}", "kid", kid, "sid", sid_hex, "queued", 0,
				     "count", (json_int_t)res.count);
	s = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(obj);
	if (!s)
		return answer_error("out of memory", ans, cap);
	n = snprintf(ans, cap, "%s", s);
	free(s);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int hse_control_handle(struct hse_service *svc, const uint8_t *req, size_t len, int64_t now,
		       char *ans, size_t cap)
{
	if (len == strlen(REQ_STATUS) && !memcmp(req, REQ_STATUS, len))
		return hse_service_status_json(svc, ans, cap);
	if (len >= strlen(REQ_SEND) && !memcmp(req, REQ_SEND, strlen(REQ_SEND)))
		return serve_send(svc, req, len, now, ans, cap);
	return answer_error("unknown request: expected \\\"status\\\" or \\\"send\\\"", ans, cap);
}
