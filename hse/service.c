/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSE's EDP service: uplinks in, downlinks out (doc/e2m-profile.md 7).
 * The order of an accepted uplink is the point of this file: the replay
 * window is committed to the state before the payload is handed on, and a
 * downlink's COUNT before the message leaves, so that a crash at any
 * moment never makes the HSE accept a message twice or send one COUNT
 * twice. Keys are cleared after every use; nothing here logs a key or a
 * payload. */

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/hex.h"
#include "common/log.h"
#include "hse/service.h"

/* Keysets that may share one SID (4 octets: rare) tried per message. */
#define HSE_SID_SESSIONS_MAX	4
/* A KID the key service refused is not asked for again this long: a
 * stream of messages naming it costs one fetch, not one each. */
#define HSE_FETCH_HOLDOFF_S	5
#define HSE_FETCH_HOLDOFF_N	16

const struct value_string hse_drop_names[] = {
	{ HSE_DROP_MALFORMED, "malformed" },
	{ HSE_DROP_UNKNOWN_KID, "unknown_kid" },
	{ HSE_DROP_BAD_TAG, "bad_tag" },
	{ HSE_DROP_REPLAY, "replay" },
	{ HSE_DROP_EXPIRED, "expired" },
	{ 0, NULL }
};

/* A refused fetch, remembered for HSE_FETCH_HOLDOFF_S. */
struct hse_refused {
	char kid[E2M_KID_MAX];
	int64_t until;
	int rc;
};

struct hse_service {
	struct hse_store *st;
	const struct hse_service_ops *ops;
	void *ctx;
	struct hse_counters cnt;
	struct hse_refused refused[HSE_FETCH_HOLDOFF_N];
	unsigned int refused_next;
};

struct hse_service *hse_service_new(struct hse_store *st, const struct hse_service_ops *ops,
				    void *ctx)
{
	struct hse_service *svc = calloc(1, sizeof(*svc));

	if (!svc)
		return NULL;
	svc->st = st;
	svc->ops = ops;
	svc->ctx = ctx;
	return svc;
}

void hse_service_free(struct hse_service *svc)
{
	free(svc);
}

const struct hse_counters *hse_service_counters(const struct hse_service *svc)
{
	return &svc->cnt;
}

/* "HOST:PORT" of a device, for the log. */
static const char *addr_text(const struct sockaddr *sa, socklen_t len, char *out, size_t cap)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (!sa || !len ||
	    getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(out, cap, "?");
	else
		snprintf(out, cap, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
	return out;
}

/* Counts a drop and logs its cause (never the message): returns 1. */
static int drop(struct hse_service *svc, enum hse_drop cause, const struct sockaddr *from,
		socklen_t from_len, const char *why)
{
	char peer[NI_MAXHOST + NI_MAXSERV + 4];

	svc->cnt.dropped[cause]++;
	LOGP(DHSE, LOGL_INFO, "uplink from %s dropped: %s (%s)\n",
	     addr_text(from, from_len, peer, sizeof(peer)), get_value_string(hse_drop_names, cause),
	     why);
	return 1;
}

/* The EDP keys of a stored keyset. 0, -EINVAL, -EIO. */
static int session_keys(const struct keyd_keyset *ks, struct e2m_edp_keys *keys)
{
	return e2m_edp_keys_init(keys, ks->alg, ks->k_int, ks->k_enc_len ? ks->k_enc : NULL, ks->kid);
}

int hse_service_add_keyset(struct hse_service *svc, const struct keyd_keyset *ks, int64_t now)
{
	struct e2m_edp_keys keys;
	uint8_t sid[E2M_EDP_SID_LEN];
	int rc;

	if (!ks->expires)
		return -EINVAL;
	rc = session_keys(ks, &keys);
	memcpy(sid, keys.sid, sizeof(sid));
	e2m_edp_keys_clear(&keys);
	if (rc)
		return rc;
	if (ks->expires <= now)
		rc = hse_store_put_spent(svc->st, ks->kid, sid, ks->expires);
	else
		rc = hse_store_put(svc->st, ks, sid);
	if (rc == -EEXIST || (rc == 0 && ks->expires <= now))
		return 1;
	return rc;
}

/* Was kid refused by the key service a moment ago? Its answer, or 0. */
static int refused_recently(const struct hse_service *svc, const char *kid, int64_t now)
{
	for (unsigned int i = 0; i < HSE_FETCH_HOLDOFF_N; i++)
		if (svc->refused[i].until > now && !strcmp(svc->refused[i].kid, kid))
			return svc->refused[i].rc;
	return 0;
}

static void refused_add(struct hse_service *svc, const char *kid, int64_t now, int rc)
{
	struct hse_refused *r = &svc->refused[svc->refused_next++ % HSE_FETCH_HOLDOFF_N];

	snprintf(r->kid, sizeof(r->kid), "%s", kid);
	r->until = now + HSE_FETCH_HOLDOFF_S;
	r->rc = rc;
}

/* The session of kid: held, or fetched and stored first (the key service
 * deleted it when it handed it out: doc/e2m-profile.md 5). 0; -ENOENT
 * neither held nor handed out; -EKEYEXPIRED; -EIO the state failed. */
static int session_by_kid(struct hse_service *svc, const char *kid, int64_t now,
			  struct hse_session *s)
{
	struct keyd_keyset ks;
	int rc = hse_store_get_kid(svc->st, kid, s);

	if (rc != -ENOENT || !svc->ops->fetch)
		return rc;
	rc = refused_recently(svc, kid, now);
	if (rc)
		return rc;
	rc = svc->ops->fetch(svc->ctx, kid, &ks);
	if (rc == 0 && strcmp(ks.kid, kid)) {
		LOGP(DHSE, LOGL_ERROR, "the key service answered %s with another keyset\n", kid);
		rc = -ENOENT;
	}
	if (rc) {
		keyd_keyset_clear(&ks);
		rc = rc == -EKEYEXPIRED ? -EKEYEXPIRED : -ENOENT;
		refused_add(svc, kid, now, rc);
		return rc;
	}
	svc->cnt.fetched++;
	rc = hse_service_add_keyset(svc, &ks, now);
	keyd_keyset_clear(&ks);
	if (rc < 0) {
		LOGP(DHSE, LOGL_ERROR, "cannot hold the keyset %s: %s\n", kid, strerror(-rc));
		return rc == -EINVAL ? -ENOENT : rc;
	}
	LOGP(DHSE, LOGL_NOTICE, "keyset %s taken from the key service\n", kid);
	return hse_store_get_kid(svc->st, kid, s);
}

/* A downlink to s's device, now: its COUNT taken (durably), the message
 * built and sent, and handed on as "down". 0 with *count, or -errno. */
static int send_now(struct hse_service *svc, const struct hse_session *s, const uint8_t *payload,
		    size_t len, uint32_t *count)
{
	struct hse_delivery d = {
		.kid = s->ks.kid, .sid = s->sid, .dir = E2M_EDP_DOWN, .payload = payload, .len = len,
	};
	uint8_t msg[E2M_EDP_MSG_MAX];
	struct e2m_edp_keys keys;
	size_t msg_len = 0;
	int rc;

	rc = hse_store_take_down_count(svc->st, s->ks.kid, count);
	if (rc)
		return rc;
	rc = session_keys(&s->ks, &keys);
	/* the SID, not the KID: the device knows its SID (doc/e2m-profile.md 7) */
	if (rc == 0)
		rc = e2m_edp_build(&keys, E2M_EDP_DOWN, false, *count, payload, len, msg, sizeof(msg),
				   &msg_len);
	e2m_edp_keys_clear(&keys);
	if (rc == 0)
		rc = svc->ops->send(svc->ctx, (const struct sockaddr *)&s->addr, s->addr_len, msg,
				    msg_len);
	if (rc) {
		LOGP(DHSE, LOGL_ERROR, "downlink COUNT %u of %s not sent: %s\n", *count, s->ks.kid,
		     strerror(-rc));
		return rc;
	}
	d.count = *count;
	svc->cnt.sent++;
	svc->ops->deliver(svc->ctx, &d);
	return 0;
}

/* The downlinks queued for s's device, now that it has an address. */
static void send_queued(struct hse_service *svc, const struct hse_session *s)
{
	uint8_t payload[E2M_EDP_BODY_MAX];
	size_t len;
	uint32_t count;

	while (hse_store_queue_pop(svc->st, s->ks.kid, payload, sizeof(payload), &len) == 1) {
		int rc = send_now(svc, s, payload, len, &count);

		OPENSSL_cleanse(payload, sizeof(payload));
		if (rc == -ENOSPC || rc == -EIO)
			break;
	}
}

int hse_service_uplink(struct hse_service *svc, const uint8_t *msg, size_t len,
		       const struct sockaddr *from, socklen_t from_len, int64_t now)
{
	struct hse_session cand[HSE_SID_SESSIONS_MAX];
	uint8_t payload[E2M_EDP_BODY_MAX];
	struct e2m_edp_window w;
	struct e2m_edp_hdr h;
	struct hse_session *s = NULL;
	size_t n = 0, payload_len = 0;
	bool expired = false;
	int rc;

	if (len > E2M_EDP_MSG_MAX)
		return drop(svc, HSE_DROP_MALFORMED, from, from_len, "longer than any EDP message");
	if (e2m_edp_parse(msg, len, &h) < 0)
		return drop(svc, HSE_DROP_MALFORMED, from, from_len, "not an EDP message");
	if (h.dir != E2M_EDP_UP)
		return drop(svc, HSE_DROP_MALFORMED, from, from_len, "a downlink");

	if (h.full_kid) {
		char kid[E2M_KID_MAX];

		if (h.kid_len >= sizeof(kid) || memchr(h.kid, 0, h.kid_len))
			return drop(svc, HSE_DROP_MALFORMED, from, from_len, "KID not an E2M-KID");
		memcpy(kid, h.kid, h.kid_len);
		kid[h.kid_len] = '\0';
		if (keyd_kid_check(kid, NULL, 0))
			return drop(svc, HSE_DROP_MALFORMED, from, from_len, "KID not an E2M-KID");
		rc = session_by_kid(svc, kid, now, &cand[0]);
		if (rc == -ENOENT)
			return drop(svc, HSE_DROP_UNKNOWN_KID, from, from_len, kid);
		if (rc == -EKEYEXPIRED)
			return drop(svc, HSE_DROP_EXPIRED, from, from_len, kid);
		if (rc)
			return -EIO;
		n = 1;
	} else {
		bool spent;

		rc = hse_store_get_sid(svc->st, h.sid, cand, HSE_SID_SESSIONS_MAX, &spent);
		if (rc < 0)
			return -EIO;
		n = (size_t)rc;
		if (!n)
			return drop(svc, spent ? HSE_DROP_EXPIRED : HSE_DROP_UNKNOWN_KID, from, from_len,
				    "SID");
	}

	/* the tag under each live keyset named (one, but for a SID collision) */
	rc = 0;
	for (size_t i = 0; i < n && !s; i++) {
		struct e2m_edp_keys keys;

		if (cand[i].ks.expires <= now) {
			expired = true;
			continue;
		}
		rc = session_keys(&cand[i].ks, &keys);
		if (rc == 0)
			rc = e2m_edp_open(&keys, &h, payload, sizeof(payload), &payload_len);
		e2m_edp_keys_clear(&keys);
		if (rc == 0)
			s = &cand[i];
		else if (rc == -EIO)
			break;
		else
			rc = -EBADMSG;
	}
	if (!s) {
		for (size_t i = 0; i < n; i++)
			hse_session_clear(&cand[i]);
		if (rc == -EIO)
			return -EIO;
		return drop(svc, expired && rc == 0 ? HSE_DROP_EXPIRED : HSE_DROP_BAD_TAG, from,
			    from_len, expired && rc == 0 ? "keyset expired" : "tag");
	}

	/* replay (RFC 4303 3.4.3), then the window durable before the payload
	 * goes anywhere */
	if (e2m_edp_window_check(&s->up, h.count)) {
		rc = drop(svc, HSE_DROP_REPLAY, from, from_len, s->ks.kid);
	} else {
		w = s->up;
		e2m_edp_window_accept(&w, h.count);
		rc = hse_store_accept_up(svc->st, s->ks.kid, &w, from, from_len);
		if (rc == 0) {
			struct hse_delivery d = {
				.kid = s->ks.kid, .sid = s->sid, .dir = E2M_EDP_UP, .count = h.count,
				.payload = payload, .len = payload_len,
			};

			svc->cnt.accepted++;
			svc->ops->deliver(svc->ctx, &d);
			if (from && from_len && from_len <= sizeof(s->addr)) {
				memcpy(&s->addr, from, from_len);
				s->addr_len = from_len;
				send_queued(svc, s);
			}
		} else {
			rc = -EIO;
		}
	}
	OPENSSL_cleanse(payload, sizeof(payload));
	for (size_t i = 0; i < n; i++)
		hse_session_clear(&cand[i]);
	return rc;
}

int hse_service_downlink(struct hse_service *svc, const uint8_t sid[E2M_EDP_SID_LEN],
			 const uint8_t *payload, size_t len, int64_t now,
			 struct hse_downlink_result *res)
{
	struct hse_session cand[HSE_SID_SESSIONS_MAX];
	struct hse_session *s = NULL;
	bool spent;
	int rc, n;

	memset(res, 0, sizeof(*res));
	if (len > E2M_EDP_BODY_MAX)
		return -EMSGSIZE;
	n = hse_store_get_sid(svc->st, sid, cand, HSE_SID_SESSIONS_MAX, &spent);
	if (n < 0)
		return -EIO;
	/* newest first: a SID shared by two keysets means the newer one */
	for (int i = 0; i < n && !s; i++)
		if (cand[i].ks.expires > now)
			s = &cand[i];
	if (!s) {
		rc = -ENOENT;
	} else {
		snprintf(res->kid, sizeof(res->kid), "%s", s->ks.kid);
		if (!s->addr_len) {
			rc = hse_store_queue_push(svc->st, s->ks.kid, payload, len);
			if (rc == 0) {
				res->queued = true;
				svc->cnt.queued++;
			}
		} else {
			rc = send_now(svc, s, payload, len, &res->count);
		}
	}
	for (int i = 0; i < n; i++)
		hse_session_clear(&cand[i]);
	return rc;
}

long hse_service_purge(struct hse_service *svc, int64_t now)
{
	long rc = hse_store_purge(svc->st, now);

	if (rc > 0)
		LOGP(DHSE, LOGL_NOTICE, "%ld keyset(s) reached the end of their lifetime\n", rc);
	return rc;
}

/* json_dumps() of obj into out[cap] (with a newline when nl); its length or -1. */
static int dump_into(json_t *obj, bool nl, char *out, size_t cap)
{
	char *s = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int n = -1;

	if (s) {
		n = snprintf(out, cap, "%s%s", s, nl ? "\n" : "");
		if (n < 0 || (size_t)n >= cap)
			n = -1;
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
	json_decref(obj);
	return n;
}

int hse_service_status_json(struct hse_service *svc, char *out, size_t cap)
{
	const struct hse_counters *c = &svc->cnt;
	json_t *dropped = json_object(), *obj = json_object();
	long held = hse_store_count(svc->st);

	if (!dropped || !obj) {
		json_decref(dropped);
		json_decref(obj);
		return -1;
	}
	for (int i = 0; i < HSE_DROP_NUM; i++)
		json_object_set_new(dropped, get_value_string(hse_drop_names, i),
				    json_integer((json_int_t)c->dropped[i]));
	json_object_set_new(obj, "accepted", json_integer((json_int_t)c->accepted));
	json_object_set_new(obj, "dropped", dropped);
	json_object_set_new(obj, "sent", json_integer((json_int_t)c->sent));
	json_object_set_new(obj, "queued", json_integer((json_int_t)c->queued));
	json_object_set_new(obj, "fetched", json_integer((json_int_t)c->fetched));
	json_object_set_new(obj, "keysets", held < 0 ? json_null() : json_integer(held));
	return dump_into(obj, false, out, cap);
}

int hse_delivery_json(const struct hse_delivery *d, char *out, size_t cap)
{
	char sid[2 * E2M_EDP_SID_LEN + 1], *payload = malloc(2 * d->len + 1);
	json_t *obj, *kid;
	int n;

	if (!payload)
		return -1;
	common_hex_encode(d->sid, E2M_EDP_SID_LEN, sid, sizeof(sid));
	common_hex_encode(d->payload, d->len, payload, 2 * d->len + 1);
	/* an EID is UTF-8 (doc/e2m-profile.md 2); one that is not goes out as held */
	kid = json_string(d->kid);
	if (!kid)
		kid = json_stringn_nocheck(d->kid, strlen(d->kid));
	obj = json_pack("{s:o, s:s, s:s, s:I, s:s}", "kid", kid, "sid", sid,
			"dir", d->dir == E2M_EDP_UP ? "up" : "down", "count", (json_int_t)d->count,
			"payload_hex", payload);
	n = dump_into(obj, true, out, cap);
	OPENSSL_cleanse(payload, 2 * d->len + 1);
	free(payload);
	return n;
}
