/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSS side of keyset delivery: configuration, solution 4 policy, the
 * keyset handed on, the push and variant B's session event (keyd/hss.h). */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/file.h"
#include "keyd/hss.h"

/* doc/e2m-profile.md 5, one row per variant */
static const char *const variant_names[KEYD_HSS_VARIANTS] = {
	[KEYD_HSS_VARIANT_A] = "A",
	[KEYD_HSS_VARIANT_B] = "B",
	[KEYD_HSS_VARIANT_C] = "C",
	[KEYD_HSS_VARIANT_D] = "D",
	[KEYD_HSS_VARIANT_E] = "E",
};

int keyd_hss_variant_parse(const char *name, enum keyd_hss_variant *v)
{
	for (int i = 0; name && i < KEYD_HSS_VARIANTS; i++) {
		if (!strcmp(name, variant_names[i])) {
			*v = (enum keyd_hss_variant)i;
			return 0;
		}
	}
	return -1;
}

const char *keyd_hss_variant_name(enum keyd_hss_variant v)
{
	return (unsigned int)v < KEYD_HSS_VARIANTS ? variant_names[v] : "?";
}

/* ---- configuration ---- */

/* Every member of obj must be one of names[n]. */
static int only_known(json_t *obj, const char *where, const char *const *names, size_t n,
		      char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i;

		for (i = 0; i < n && strcmp(key, names[i]); i++)
			;
		if (i == n)
			return keyd_errf(err, errlen, "%s%s%s: unknown field", where, *where ? "." : "", key);
	}
	return 0;
}

/* A string member into out[cap]: 1..cap-1 octets, no NUL. */
static int get_string(json_t *obj, const char *where, const char *field, char *out, size_t cap,
		      char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, field);
	const char *s;

	if (!v)
		return keyd_errf(err, errlen, "%s.%s: missing", where, field);
	s = json_string_value(v);
	if (!s)
		return keyd_errf(err, errlen, "%s.%s: not a string", where, field);
	if (!*s || strlen(s) != json_string_length(v) || strlen(s) >= cap)
		return keyd_errf(err, errlen, "%s.%s: expected 1 to %zu octets", where, field, cap - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* A file name, relative ones taken relative to dir. */
static int get_path(json_t *obj, const char *field, const char *dir, char *out, char *err,
		    size_t errlen)
{
	char name[KEYD_HSS_PATH_MAX];
	int n;

	if (get_string(obj, "tls", field, name, sizeof(name), err, errlen))
		return -1;
	if (name[0] == '/' || !dir || !*dir)
		n = snprintf(out, KEYD_HSS_PATH_MAX, "%s", name);
	else
		n = snprintf(out, KEYD_HSS_PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= KEYD_HSS_PATH_MAX)
		return keyd_errf(err, errlen, "tls.%s: path longer than %d octets", field,
			    KEYD_HSS_PATH_MAX - 1);
	return 0;
}

static int parse_tls(struct keyd_hss_config *c, json_t *tls, const char *dir, char *err,
		     size_t errlen)
{
	static const char *const fields[] = { "cert", "key", "ca" };

	if (!tls)
		return keyd_errf(err, errlen, "tls: missing");
	if (!json_is_object(tls))
		return keyd_errf(err, errlen, "tls: not an object");
	if (only_known(tls, "tls", fields, 3, err, errlen) ||
	    get_path(tls, "cert", dir, c->cert, err, errlen) ||
	    get_path(tls, "key", dir, c->key, err, errlen) ||
	    get_path(tls, "ca", dir, c->ca, err, errlen))
		return -1;
	return 0;
}

/* "https://HOST:PORT", no path (keyd/client.h) */
static bool url_ok(const char *url)
{
	static const char scheme[] = "https://";
	const char *host = url + sizeof(scheme) - 1, *colon;

	if (strncmp(url, scheme, sizeof(scheme) - 1) || strchr(host, '/') || strpbrk(url, " \t\r\n"))
		return false;
	colon = strrchr(host, ':');
	if (!colon || colon == host || !colon[1] || strlen(colon + 1) > 5)
		return false;
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int parse_delivery(struct keyd_hss_config *c, json_t *d, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	if (!d)
		return 0;
	if (!json_is_object(d))
		return keyd_errf(err, errlen, "delivery: not an object");
	json_object_foreach(d, key, v) {
		enum keyd_hss_variant var;

		if (keyd_hss_variant_parse(key, &var))
			return keyd_errf(err, errlen, "delivery.%s: unknown variant (A to E)", key);
		if (get_string(d, "delivery", key, c->delivery[var], sizeof(c->delivery[var]), err,
			       errlen))
			return -1;
		if (!url_ok(c->delivery[var]))
			return keyd_errf(err, errlen, "delivery.%s: expected https://HOST:PORT", key);
	}
	return 0;
}

static int parse_policy(struct keyd_hss_policy *p, json_t *pol, char *err, size_t errlen)
{
	static const char *const fields[] = { "confidentiality", "no_confidentiality" };
	json_t *conf, *list, *v;
	size_t i;

	p->confidentiality = true;
	p->no_conf.count = 0;
	if (!pol)
		return 0;
	if (!json_is_object(pol))
		return keyd_errf(err, errlen, "policy: not an object");
	if (only_known(pol, "policy", fields, 2, err, errlen))
		return -1;
	conf = json_object_get(pol, "confidentiality");
	if (conf && !json_is_boolean(conf))
		return keyd_errf(err, errlen, "policy.confidentiality: expected true or false");
	if (conf)
		p->confidentiality = json_is_true(conf);
	list = json_object_get(pol, "no_confidentiality");
	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > KEYD_HSS_NO_CONF_MAX)
		return keyd_errf(err, errlen, "policy.no_confidentiality: expected a list of at most %d "
			    "\"MCCMNC\"", KEYD_HSS_NO_CONF_MAX);
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		if (!s || common_plmn_encode(s, &p->no_conf.plmn[i], NULL) < 0)
			return keyd_errf(err, errlen, "policy.no_confidentiality[%zu]: expected \"MCCMNC\", "
				    "5 or 6 digits", i);
	}
	p->no_conf.count = (unsigned int)json_array_size(list);
	return 0;
}

static int parse_variant(struct keyd_hss_config *c, json_t *v, char *err, size_t errlen)
{
	if (!v)
		return 0;
	if (keyd_hss_variant_parse(json_string_value(v), &c->variant))
		return keyd_errf(err, errlen, "variant: expected \"A\" to \"E\"");
	c->variant_set = true;
	return 0;
}

/* "subscribers": { "IMSI": { "eid": "...", "alg": "11" } } */
static int parse_subscribers(struct keyd_hss_config *c, json_t *subs, char *err, size_t errlen)
{
	static const char *const fields[] = { "eid", "alg" };
	const char *imsi;
	json_t *v;

	if (!subs)
		return 0;
	if (!json_is_object(subs) || json_object_size(subs) > KEYD_HSS_SUBSCRIBERS_MAX)
		return keyd_errf(err, errlen, "subscribers: expected an object of at most %d IMSIs",
				 KEYD_HSS_SUBSCRIBERS_MAX);
	json_object_foreach(subs, imsi, v) {
		struct keyd_hss_subscriber *s = &c->subscribers[c->n_subscribers];
		char where[32], alg[3];
		size_t n = strlen(imsi);

		snprintf(where, sizeof(where), "subscribers.%.15s", imsi);
		if (n < 6 || n > KEYD_HSS_IMSI_MAX || strspn(imsi, "0123456789") != n)
			return keyd_errf(err, errlen, "%s: expected an IMSI, 6 to 15 digits", where);
		if (!json_is_object(v))
			return keyd_errf(err, errlen, "%s: not an object", where);
		if (only_known(v, where, fields, 2, err, errlen) ||
		    get_string(v, where, "eid", s->eid, sizeof(s->eid), err, errlen))
			return -1;
		memcpy(s->imsi, imsi, n + 1);
		s->alg = 0x11;
		if (json_object_get(v, "alg")) {
			if (get_string(v, where, "alg", alg, sizeof(alg), err, errlen) ||
			    sscanf(alg, "%2hhx", &s->alg) != 1 || strlen(alg) != 2 ||
			    e2m_alg_check(s->alg) < 0)
				return keyd_errf(err, errlen, "%s.alg: expected 2 hex digits, EA 0-2 "
						 "and IA 1-2", where);
		}
		c->n_subscribers++;
	}
	return 0;
}

const struct keyd_hss_subscriber *keyd_hss_subscriber_find(const struct keyd_hss_config *c,
							   const char *imsi)
{
	for (unsigned int i = 0; i < c->n_subscribers; i++)
		if (!strcmp(c->subscribers[i].imsi, imsi))
			return &c->subscribers[i];
	return NULL;
}

int keyd_hss_config_parse(struct keyd_hss_config *c, const char *json, size_t len,
			  const char *dir, char *err, size_t errlen)
{
	static const char *const fields[] = { "tls", "delivery", "policy", "variant", "subscribers" };
	json_error_t jerr;
	json_t *root;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return keyd_errf(err, errlen, "line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(root))
		keyd_errf(err, errlen, "not a JSON object");
	else if (!only_known(root, "", fields, 5, err, errlen) &&
		 !parse_tls(c, json_object_get(root, "tls"), dir, err, errlen) &&
		 !parse_delivery(c, json_object_get(root, "delivery"), err, errlen) &&
		 !parse_policy(&c->policy, json_object_get(root, "policy"), err, errlen) &&
		 !parse_variant(c, json_object_get(root, "variant"), err, errlen) &&
		 !parse_subscribers(c, json_object_get(root, "subscribers"), err, errlen))
		rc = 0;
	json_decref(root);
	return rc;
}

int keyd_hss_config_load(struct keyd_hss_config *c, const char *path, char *err, size_t errlen)
{
	static const char *const which[] = { "cert", "key", "ca" };
	char *text, dir[KEYD_HSS_PATH_MAX], msg[256];
	const char *slash = strrchr(path, '/');
	const char *files[3];
	size_t len;
	int rc;

	memset(c, 0, sizeof(*c));
	if (common_file_read(path, &text, &len, msg, sizeof(msg)) < 0)
		return keyd_errf(err, errlen, "%s: %s", path, msg);
	if (slash && (size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (!dir[0])
			strcpy(dir, "/");
	} else {
		dir[0] = '\0';
	}
	rc = keyd_hss_config_parse(c, text, len, dir, msg, sizeof(msg));
	common_file_free(text, len);
	if (rc)
		return keyd_errf(err, errlen, "%s: %s", path, msg);
	/* the TLS files, so that a typo shows now and not at the first push */
	files[0] = c->cert;
	files[1] = c->key;
	files[2] = c->ca;
	for (size_t i = 0; i < 3; i++) {
		FILE *t = fopen(files[i], "r");

		if (!t)
			return keyd_errf(err, errlen, "%s: tls.%s: cannot read '%s'", path, which[i],
				    files[i]);
		fclose(t);
	}
	return 0;
}

/* ---- the keyset handed on ---- */

int keyd_hss_keyset(struct keyd_keyset *out, const struct e2m_keyset *ks, const char *eid,
		    uint8_t alg, enum keyd_derivation derivation)
{
	memset(out, 0, sizeof(*out));
	if (e2m_alg_check(alg) < 0 || (ks->k_enc_len != 0 && ks->k_enc_len != sizeof(out->k_enc)) ||
	    (ks->k_enc_len && (alg >> 4) == E2M_EA_NONE) ||
	    keyd_kid_check(ks->kid, out->eid, sizeof(out->eid)) || strcmp(out->eid, eid)) {
		keyd_keyset_clear(out);
		return -EINVAL;
	}
	memcpy(out->kid, ks->kid, strlen(ks->kid) + 1);
	/* keyd/API.md: k_enc present exactly when EA is not 0; a withheld
	 * K_E2M_enc means confidentiality off, EA 0 for the endpoint */
	out->alg = ks->k_enc_len ? alg : (uint8_t)(alg & 0x0F);
	out->derivation = derivation;
	memcpy(out->k_int, ks->k_int, sizeof(out->k_int));
	memcpy(out->k_enc, ks->k_enc, ks->k_enc_len);
	out->k_enc_len = ks->k_enc_len;
	out->expires = 0;
	return 0;
}

struct keyd_client *keyd_hss_client(const struct keyd_hss_config *c, enum keyd_hss_variant v,
				    char *err, size_t errlen)
{
	const struct keyd_client_tls tls = { .cert = c->cert, .key = c->key, .ca = c->ca };
	struct keyd_client *cl;

	if ((unsigned int)v >= KEYD_HSS_VARIANTS || !c->delivery[v][0]) {
		keyd_errf(err, errlen, "delivery.%s: not configured", keyd_hss_variant_name(v));
		return NULL;
	}
	cl = keyd_client_new(c->delivery[v], &tls);
	if (!cl)
		keyd_errf(err, errlen, "delivery.%s: cannot start the HTTPS client", keyd_hss_variant_name(v));
	return cl;
}

int keyd_hss_push(const struct keyd_hss_config *c, enum keyd_hss_variant v,
		  const struct keyd_keyset *ks, int64_t *expires, char *err, size_t errlen)
{
	struct keyd_client *cl = keyd_hss_client(c, v, err, errlen);
	int status;

	if (!cl)
		return -1;
	status = keyd_client_push(cl, ks, expires, err, errlen);
	keyd_client_free(cl);
	return status;
}

int keyd_hss_session(const struct keyd_hss_config *c, const char *kid, char *err, size_t errlen)
{
	struct keyd_client *cl = keyd_hss_client(c, KEYD_HSS_VARIANT_B, err, errlen);
	int status;

	if (!cl)
		return -1;
	status = keyd_client_session(cl, kid, err, errlen);
	keyd_client_free(cl);
	return status;
}
