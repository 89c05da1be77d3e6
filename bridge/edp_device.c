/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device's EDP session and its state file (bridge/edp_device.h). The
 * rule of doc/e2m-profile.md 7 on the device's side: the next uplink COUNT
 * is durable before a message leaves, the downlink window before a
 * payload is handed on. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "bridge/edp_device.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/log.h"

#define STATE_VERSION	1

void bridge_edp_session_clear(struct bridge_edp_session *s)
{
	e2m_edp_keys_clear(&s->keys);
	OPENSSL_cleanse(s, sizeof(*s));
}

bool bridge_edp_full_kid(const struct bridge_edp_session *s)
{
	return !s->down.any && s->up_next < BRIDGE_EDP_FULL_KID_MSGS;
}

/* fsync() of the folder that holds path, so that a rename into it lasts. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return -ENAMETOOLONG;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

/* text[len] into path, durably: FILE.tmp written and fsync()ed, renamed
 * over FILE, the folder fsync()ed. 0 or -errno. */
static int write_durably(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	size_t done = 0;
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (done < len && rc == 0) {
		ssize_t n = write(fd, text + done, len - done);

		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && errno != EINTR)
			rc = -errno;
	}
	if (rc == 0 && fsync(fd))
		rc = -errno;
	if (close(fd) && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path))
		rc = -errno;
	if (rc == 0)
		rc = sync_dir(path);
	if (rc)
		unlink(tmp);
	return rc;
}

/* The session as the JSON object of the state file. */
static json_t *state_json(const struct bridge_edp_session *s)
{
	char alg[3], k_int[2 * E2M_ALG_KEY_LEN + 1], k_enc[2 * E2M_ALG_KEY_LEN + 1], seen[17];
	json_t *obj, *down = json_null();

	snprintf(alg, sizeof(alg), "%02x", s->keys.alg);
	common_hex_encode(s->keys.k_int, sizeof(s->keys.k_int), k_int, sizeof(k_int));
	common_hex_encode(s->keys.k_enc, sizeof(s->keys.k_enc), k_enc, sizeof(k_enc));
	if (s->down.any) {
		snprintf(seen, sizeof(seen), "%016llx", (unsigned long long)s->down.seen);
		json_decref(down);
		down = json_pack("{s:I, s:s}", "top", (json_int_t)s->down.top, "seen", seen);
		if (!down)
			return NULL;
	}
	obj = json_pack("{s:i, s:s, s:s, s:s}", "version", STATE_VERSION, "kid", s->keys.kid,
			"alg", alg, "k_int", k_int);
	if (obj && (s->keys.alg >> 4))
		json_object_set_new(obj, "k_enc", json_string(k_enc));
	if (obj) {
		json_object_set_new(obj, "up_next", json_integer((json_int_t)s->up_next));
		json_object_set_new(obj, "down", down);
	} else {
		json_decref(down);
	}
	OPENSSL_cleanse(k_int, sizeof(k_int));
	OPENSSL_cleanse(k_enc, sizeof(k_enc));
	return obj;
}

/* jansson keeps its own copies of the hex keys: overwritten before it is freed. */
static void json_free_keys(json_t *obj)
{
	static const char *const keys[] = { "k_int", "k_enc" };

	for (size_t i = 0; obj && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(obj, keys[i]);

		if (json_is_string(v))
			OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
	}
	json_decref(obj);
}

/* The session into its state file (none: nothing to do). 0 or -EIO. */
static int save(const struct bridge_edp_session *s)
{
	json_t *obj;
	char *text;
	int rc;

	if (!s->path)
		return 0;
	obj = state_json(s);
	text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_free_keys(obj);
	if (!text)
		return -EIO;
	rc = write_durably(s->path, text, strlen(text));
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	if (rc) {
		LOGP(DEDP, LOGL_ERROR, "cannot save the EDP state to %s: %s\n", s->path, strerror(-rc));
		return -EIO;
	}
	return 0;
}

/* A hex key of 16 octets, or absent (NULL, when not required). */
static int get_key(json_t *obj, const char *name, bool required, uint8_t out[E2M_ALG_KEY_LEN],
		   bool *present, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);
	const char *hex = json_string_value(v);

	*present = v != NULL;
	if (!v && !required)
		return 0;
	if (!hex || json_string_length(v) != 2 * E2M_ALG_KEY_LEN ||
	    common_hex_decode(hex, 2 * E2M_ALG_KEY_LEN, out, E2M_ALG_KEY_LEN) != E2M_ALG_KEY_LEN) {
		snprintf(err, errlen, "field '%s': expected %d hex digits", name, 2 * E2M_ALG_KEY_LEN);
		return -EINVAL;
	}
	return 0;
}

/* A COUNT: an integer 0..2^32-1. */
static int get_count(json_t *v, const char *name, uint32_t *out, char *err, size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)E2M_EDP_COUNT_MAX) {
		snprintf(err, errlen, "field '%s': expected an integer 0 to 4294967295", name);
		return -EINVAL;
	}
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int parse_state(struct bridge_edp_session *s, json_t *obj, char *err, size_t errlen)
{
	uint8_t k_int[E2M_ALG_KEY_LEN], k_enc[E2M_ALG_KEY_LEN], alg;
	const char *kid, *alg_hex;
	json_t *down;
	bool has_enc, has_int;
	int rc;

	if (!json_is_object(obj)) {
		snprintf(err, errlen, "not a JSON object");
		return -EINVAL;
	}
	if (json_integer_value(json_object_get(obj, "version")) != STATE_VERSION) {
		snprintf(err, errlen, "field 'version': expected %d", STATE_VERSION);
		return -EINVAL;
	}
	kid = json_string_value(json_object_get(obj, "kid"));
	if (!kid || !*kid || strlen(kid) >= E2M_KID_MAX) {
		snprintf(err, errlen, "field 'kid': expected an E2M-KID");
		return -EINVAL;
	}
	alg_hex = json_string_value(json_object_get(obj, "alg"));
	if (!alg_hex || strlen(alg_hex) != 2 || common_hex_decode(alg_hex, 2, &alg, 1) != 1) {
		snprintf(err, errlen, "field 'alg': expected 2 hex digits");
		return -EINVAL;
	}
	rc = get_key(obj, "k_int", true, k_int, &has_int, err, errlen);
	if (rc == 0)
		rc = get_key(obj, "k_enc", false, k_enc, &has_enc, err, errlen);
	if (rc == 0 && has_enc != ((alg >> 4) != 0)) {
		snprintf(err, errlen, "field 'k_enc': present exactly when EA (alg's high nibble) is not 0");
		rc = -EINVAL;
	}
	if (rc == 0) {
		rc = e2m_edp_keys_init(&s->keys, alg, k_int, has_enc ? k_enc : NULL, kid);
		if (rc == -EINVAL)
			snprintf(err, errlen, "field 'alg': IA 1 or 2, EA 0, 1 or 2");
		else if (rc)
			snprintf(err, errlen, "cannot derive the SID");
	}
	OPENSSL_cleanse(k_int, sizeof(k_int));
	OPENSSL_cleanse(k_enc, sizeof(k_enc));
	if (rc)
		return rc;
	if (get_count(json_object_get(obj, "up_next"), "up_next", &s->up_next, err, errlen))
		return -EINVAL;
	down = json_object_get(obj, "down");
	if (json_is_object(down)) {
		const char *seen = json_string_value(json_object_get(down, "seen"));
		uint8_t b[8];

		if (get_count(json_object_get(down, "top"), "down.top", &s->down.top, err, errlen))
			return -EINVAL;
		if (!seen || strlen(seen) != 16 || common_hex_decode(seen, 16, b, sizeof(b)) != 8) {
			snprintf(err, errlen, "field 'down.seen': expected 16 hex digits");
			return -EINVAL;
		}
		s->down.seen = 0;
		for (int i = 0; i < 8; i++)
			s->down.seen = s->down.seen << 8 | b[i];
		s->down.any = true;
	} else if (down && !json_is_null(down)) {
		snprintf(err, errlen, "field 'down': expected null or {\"top\", \"seen\"}");
		return -EINVAL;
	}
	return 0;
}

int bridge_edp_session_load(struct bridge_edp_session *s, const char *path, char *err,
			    size_t errlen)
{
	char *text = NULL, msg[256];
	size_t len = 0;
	json_t *obj = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	if (access(path, F_OK) && errno == ENOENT)
		return -ENOENT;
	if (common_file_read(path, &text, &len, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -EIO;
	}
	if (common_json_load(&obj, text, len, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", path, msg);
		rc = -EINVAL;
	} else {
		rc = parse_state(s, obj, msg, sizeof(msg));
		if (rc)
			snprintf(err, errlen, "%s: %s", path, msg);
	}
	json_free_keys(obj);
	common_file_free(text, len);
	if (rc)
		bridge_edp_session_clear(s);
	else
		s->path = path;
	return rc;
}

int bridge_edp_session_new(struct bridge_edp_session *s, const char *path, uint8_t alg,
			   const uint8_t *k_int, const uint8_t *k_enc, const char *kid,
			   char *err, size_t errlen)
{
	struct bridge_edp_session old;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = e2m_edp_keys_init(&s->keys, alg, k_int, k_enc, kid);
	if (rc) {
		snprintf(err, errlen, rc == -EINVAL ? "keys EDP cannot use (ALG %02x)" :
			 "cannot derive the SID", alg);
		bridge_edp_session_clear(s);
		return rc;
	}
	s->path = path;
	if (!path)
		return 0;
	/* the same keyset stored already: its counters go on */
	if (bridge_edp_session_load(&old, path, err, errlen) == 0 &&
	    !strcmp(old.keys.kid, s->keys.kid) && old.keys.alg == s->keys.alg &&
	    !CRYPTO_memcmp(old.keys.k_int, s->keys.k_int, sizeof(s->keys.k_int)) &&
	    !CRYPTO_memcmp(old.keys.k_enc, s->keys.k_enc, sizeof(s->keys.k_enc))) {
		s->up_next = old.up_next;
		s->down = old.down;
	}
	bridge_edp_session_clear(&old);
	if (save(s)) {
		snprintf(err, errlen, "%s: cannot save the EDP state", path);
		bridge_edp_session_clear(s);
		return -EIO;
	}
	return 0;
}

int bridge_edp_uplink(struct bridge_edp_session *s, const uint8_t *payload, size_t len,
		      uint8_t *out, size_t cap, size_t *out_len, uint32_t *count)
{
	bool full_kid = bridge_edp_full_kid(s);
	int rc;

	if (len > E2M_EDP_BODY_MAX)
		return -EINVAL;
	/* doc/e2m-profile.md 7: at 2^32-1 the keyset is spent */
	if (s->up_next >= E2M_EDP_COUNT_MAX)
		return -ENOSPC;
	*count = s->up_next++;
	if (save(s)) {
		s->up_next--;
		return -EIO;
	}
	rc = e2m_edp_build(&s->keys, E2M_EDP_UP, full_kid, *count, payload, len, out, cap, out_len);
	return rc == -EINVAL || rc == -ENOSPC ? -EINVAL : rc;
}

int bridge_edp_downlink(struct bridge_edp_session *s, const uint8_t *msg, size_t len,
			uint8_t *payload, size_t cap, size_t *payload_len, uint32_t *count)
{
	struct e2m_edp_window before = s->down;
	struct e2m_edp_hdr h;
	int rc;

	if (e2m_edp_parse(msg, len, &h) < 0 || h.dir != E2M_EDP_DOWN || cap < h.body_len)
		return -EBADMSG;
	rc = e2m_edp_open(&s->keys, &h, payload, cap, payload_len);
	if (rc)
		return rc == -EIO ? -EIO : -EBADMSG;
	if (e2m_edp_window_check(&s->down, h.count)) {
		OPENSSL_cleanse(payload, *payload_len);
		return -EALREADY;
	}
	e2m_edp_window_accept(&s->down, h.count);
	if (save(s)) {
		s->down = before;
		OPENSSL_cleanse(payload, *payload_len);
		return -EIO;
	}
	*count = h.count;
	return 0;
}
