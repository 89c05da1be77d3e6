/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client of e2msim-keyd (keyd/API.md) over libcurl: one easy handle per
 * client, so one kept-alive TLS connection per service; mutual TLS with the
 * peer's certificate, the service verified against the CA. */

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "keyd/client.h"

#define URL_MAX 512
#define CONNECT_TIMEOUT_MS 5000L
#define REQUEST_TIMEOUT_MS 30000L

struct keyd_client {
	CURL *curl;
	struct curl_slist *json_headers;	/* Content-Type, no Expect */
	char base[URL_MAX];
	char url[URL_MAX + 3 * E2M_KID_MAX + 32];
	char curl_err[CURL_ERROR_SIZE];
	/* the answer's body; may hold a keyset: cleared after every request */
	char body[KEYD_BODY_MAX + 1];
	size_t body_len;
	bool body_overflow;
	struct keyd_client_stats stats;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *cls)
{
	struct keyd_client *c = cls;
	size_t n = size * nmemb;

	if (n > sizeof(c->body) - 1 - c->body_len) {
		c->body_overflow = true;
		return 0;	/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	memcpy(c->body + c->body_len, data, n);
	c->body_len += n;
	c->body[c->body_len] = '\0';
	return n;
}

/* Application octets as libcurl hands them to TLS and back: headers and
 * bodies, both ways (CURLINFO_SSL_DATA_*, the TLS records, not counted).
 * CURLINFO_REQUEST_SIZE + CURLINFO_SIZE_UPLOAD_T would count a small POST
 * body twice: libcurl 7.88 sends it with the headers and counts it in both. */
static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *cls)
{
	struct keyd_client *c = cls;

	switch (type) {
	case CURLINFO_HEADER_OUT:
	case CURLINFO_DATA_OUT:
		c->stats.bytes_sent += size;
		break;
	case CURLINFO_HEADER_IN:
	case CURLINFO_DATA_IN:
		c->stats.bytes_received += size;
		break;
	default:
		break;
	}
	return 0;
}

struct keyd_client *keyd_client_new(const char *url, const struct keyd_client_tls *tls)
{
	struct keyd_client *c;
	size_t len;
	bool ok = true;

	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK || !url)
		return NULL;
	len = strlen(url);
	while (len && url[len - 1] == '/')
		len--;
	if (len == 0 || len >= URL_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->base, url, len);
	c->curl = curl_easy_init();
	c->json_headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->json_headers)
		c->json_headers = curl_slist_append(c->json_headers, "Expect:");
	if (!c->curl || !c->json_headers) {
		keyd_client_free(c);
		return NULL;
	}
	/* curl copies string options: the caller's may go away */
	ok &= curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, REQUEST_TIMEOUT_MS) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_err) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c) == CURLE_OK;
	/* the debug callback counts the octets; it needs VERBOSE, and prints
	 * nothing itself */
	ok &= curl_easy_setopt(c->curl, CURLOPT_DEBUGFUNCTION, on_debug) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_DEBUGDATA, c) == CURLE_OK;
	ok &= curl_easy_setopt(c->curl, CURLOPT_VERBOSE, 1L) == CURLE_OK;
	if (tls && tls->ca)
		ok &= curl_easy_setopt(c->curl, CURLOPT_CAINFO, tls->ca) == CURLE_OK;
	if (tls && tls->cert)
		ok &= curl_easy_setopt(c->curl, CURLOPT_SSLCERT, tls->cert) == CURLE_OK;
	if (tls && tls->key)
		ok &= curl_easy_setopt(c->curl, CURLOPT_SSLKEY, tls->key) == CURLE_OK;
	if (!ok) {
		keyd_client_free(c);
		return NULL;
	}
	return c;
}

void keyd_client_free(struct keyd_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->json_headers);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

const struct keyd_client_stats *keyd_client_stats(const struct keyd_client *c)
{
	return &c->stats;
}

/* The service's {"error": "..."} into err, else the status alone. */
static void answer_error(struct keyd_client *c, long status, char *err, size_t errlen)
{
	json_t *obj = json_loadb(c->body, c->body_len, 0, NULL);
	const char *text = json_string_value(json_object_get(obj, "error"));

	if (text)
		set_err(err, errlen, "%s", text);
	else
		set_err(err, errlen, "HTTP %ld", status);
	json_decref(obj);
}

enum method { M_GET, M_POST, M_DELETE };

/* One request; the answer's body is in c->body. Returns the HTTP status or
 * -1 (err set). For anything but 2xx err gets the service's error text. */
static int request(struct keyd_client *c, enum method m, const char *path, const char *body,
		   size_t body_len, char *err, size_t errlen)
{
	long status = 0;
	CURLcode rc;
	int n;

	n = snprintf(c->url, sizeof(c->url), "%s%s", c->base, path);
	if (n < 0 || (size_t)n >= sizeof(c->url)) {
		set_err(err, errlen, "URL too long");
		return -1;
	}
	c->body_len = 0;
	c->body[0] = '\0';
	c->body_overflow = false;
	c->curl_err[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	switch (m) {
	case M_POST:
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->json_headers);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		break;
	case M_DELETE:
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "DELETE");
		break;
	case M_GET:
		break;
	}
	rc = curl_easy_perform(c->curl);
	/* the body may be a keyset: curl must not keep a pointer to it */
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
	if (rc != CURLE_OK) {
		if (c->body_overflow)
			set_err(err, errlen, "answer longer than %d octets", KEYD_BODY_MAX);
		else
			set_err(err, errlen, "%s: %s", curl_easy_strerror(rc),
				c->curl_err[0] ? c->curl_err : "no details");
		OPENSSL_cleanse(c->body, sizeof(c->body));
		return -1;
	}
	c->stats.requests++;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 100 || status > 599) {
		set_err(err, errlen, "no HTTP status");
		return -1;
	}
	if (status < 200 || status > 299)
		answer_error(c, status, err, errlen);
	return (int)status;
}

/* {"kid": "..."} with the kid JSON-escaped; 0 or -1. */
static int kid_body(const char *kid, char *out, size_t cap)
{
	json_t *obj = json_pack("{s:s}", "kid", kid);
	size_t n;

	if (!obj)
		return -1;
	n = json_dumpb(obj, out, cap - 1, JSON_COMPACT);
	json_decref(obj);
	if (n == 0 || n >= cap)
		return -1;
	out[n] = '\0';
	return 0;
}

static void clear_body(struct keyd_client *c)
{
	OPENSSL_cleanse(c->body, sizeof(c->body));
	c->body_len = 0;
}

int keyd_client_push(struct keyd_client *c, const struct keyd_keyset *ks, int64_t *expires,
		     char *err, size_t errlen)
{
	char body[KEYD_BODY_MAX];
	int n, status;

	n = keyd_keyset_to_json(ks, body, sizeof(body));
	if (n < 0) {
		set_err(err, errlen, "keyset does not fit in %d octets", KEYD_BODY_MAX);
		return -1;
	}
	status = request(c, M_POST, "/v1/keysets", body, (size_t)n, err, errlen);
	OPENSSL_cleanse(body, sizeof(body));
	if (status == 201 && expires) {
		json_t *obj = json_loadb(c->body, c->body_len, 0, NULL);
		json_t *e = json_object_get(obj, "expires");

		*expires = json_is_integer(e) ? (int64_t)json_integer_value(e) : 0;
		json_decref(obj);
	}
	clear_body(c);
	return status;
}

int keyd_client_fetch(struct keyd_client *c, const char *kid, struct keyd_keyset *ks,
		      char *err, size_t errlen)
{
	char body[3 * E2M_KID_MAX * 2 + 16];
	int status;

	if (kid_body(kid, body, sizeof(body))) {
		set_err(err, errlen, "kid: not a string that fits");
		return -1;
	}
	status = request(c, M_POST, "/v1/keysets/fetch", body, strlen(body), err, errlen);
	if (status == 200 && keyd_keyset_from_json(ks, c->body, c->body_len, err, errlen)) {
		clear_body(c);
		return -1;
	}
	clear_body(c);
	return status;
}

int keyd_client_session(struct keyd_client *c, const char *kid, char *err, size_t errlen)
{
	char body[3 * E2M_KID_MAX * 2 + 16];
	int status;

	if (kid_body(kid, body, sizeof(body))) {
		set_err(err, errlen, "kid: not a string that fits");
		return -1;
	}
	status = request(c, M_POST, "/v1/sessions", body, strlen(body), err, errlen);
	clear_body(c);
	return status;
}

int keyd_client_delete(struct keyd_client *c, const char *kid, char *err, size_t errlen)
{
	char path[sizeof("/v1/keysets/") + 3 * E2M_KID_MAX];
	char *escaped;
	int n, status;

	/* every octet but ALPHA / DIGIT / "-._~" percent-encoded (RFC 3986 2.1) */
	escaped = curl_easy_escape(c->curl, kid, 0);
	if (!escaped) {
		set_err(err, errlen, "kid: cannot percent-encode");
		return -1;
	}
	n = snprintf(path, sizeof(path), "/v1/keysets/%s", escaped);
	curl_free(escaped);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		set_err(err, errlen, "kid: too long");
		return -1;
	}
	status = request(c, M_DELETE, path, NULL, 0, err, errlen);
	clear_body(c);
	return status;
}

/* Status counters (keyd/API.md "Requests"): the JSON names and their
 * fields, unsigned long or (wide) unsigned long long. */
static const struct {
	const char *name;
	size_t offset;
	bool wide;
} status_fields[] = {
	{ .name = "held", .offset = offsetof(struct keyd_status, held) },
	{ .name = "peak", .offset = offsetof(struct keyd_status, peak) },
	{ .name = "pushed", .offset = offsetof(struct keyd_status, pushed) },
	{ .name = "fetched", .offset = offsetof(struct keyd_status, fetched) },
	{ .name = "forwarded", .offset = offsetof(struct keyd_status, forwarded) },
	{ .name = "expired", .offset = offsetof(struct keyd_status, expired) },
	{ .name = "refused", .offset = offsetof(struct keyd_status, refused) },
	{ .name = "forward_requests", .offset = offsetof(struct keyd_status, forward_requests) },
	{ .name = "forward_bytes", .offset = offsetof(struct keyd_status, forward_bytes),
	  .wide = true },
};

int keyd_client_status(struct keyd_client *c, struct keyd_status *st, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *obj;
	const char *role;
	size_t i;
	int status;

	memset(st, 0, sizeof(*st));
	status = request(c, M_GET, "/v1/status", NULL, 0, err, errlen);
	if (status != 200)
		return status;
	obj = json_loadb(c->body, c->body_len, 0, &jerr);
	role = json_string_value(json_object_get(obj, "role"));
	if (!obj || !role || strlen(role) >= sizeof(st->role)) {
		set_err(err, errlen, "status: not the answer of keyd/API.md");
		json_decref(obj);
		return -1;
	}
	memcpy(st->role, role, strlen(role) + 1);
	for (i = 0; i < sizeof(status_fields) / sizeof(status_fields[0]); i++) {
		json_t *v = json_object_get(obj, status_fields[i].name);

		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			set_err(err, errlen, "status: %s: not a count", status_fields[i].name);
			json_decref(obj);
			return -1;
		}
		if (status_fields[i].wide)
			*(unsigned long long *)((char *)st + status_fields[i].offset) =
				(unsigned long long)json_integer_value(v);
		else
			*(unsigned long *)((char *)st + status_fields[i].offset) =
				(unsigned long)json_integer_value(v);
	}
	json_decref(obj);
	return status;
}
