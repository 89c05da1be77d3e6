/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HSS side of keyset delivery: configuration, solution 4 policy, the
 * keyset handed on, the push and variant B's session event (keyd/hss.h). */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/file.h"
#include "common/json.h"
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

/* ---- configuration: a table of fields (common/json.h, plain style) ---- */

/* What the field parsers fill, and where relative file names start. */
struct hss_parse {
	struct keyd_hss_config *cfg;
	const char *dir;
};

#define HSS(c) (((struct hss_parse *)(c)->obj)->cfg)

/* A file name, relative ones taken relative to the configuration's folder. */
static int parse_path(struct common_json_ctx *c, json_t *v, char out[KEYD_HSS_PATH_MAX])
{
	const char *dir = ((struct hss_parse *)c->obj)->dir, *name;
	int n;

	if (common_json_string(c, v, KEYD_HSS_PATH_MAX - 1, &name))
		return -1;
	if (name[0] == '/' || !dir || !*dir)
		n = snprintf(out, KEYD_HSS_PATH_MAX, "%s", name);
	else
		n = snprintf(out, KEYD_HSS_PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= KEYD_HSS_PATH_MAX)
		return common_json_fail(c, "path longer than %d octets", KEYD_HSS_PATH_MAX - 1);
	return 0;
}

static int parse_cert(struct common_json_ctx *c, json_t *v) { return parse_path(c, v, HSS(c)->cert); }
static int parse_key(struct common_json_ctx *c, json_t *v) { return parse_path(c, v, HSS(c)->key); }
static int parse_ca(struct common_json_ctx *c, json_t *v) { return parse_path(c, v, HSS(c)->ca); }

static const struct common_json_field tls_fields[] = {
	{ .name = "cert", .parse = parse_cert },
	{ .name = "key", .parse = parse_key },
	{ .name = "ca", .parse = parse_ca },
};

static int parse_tls(struct common_json_ctx *c, json_t *v)
{
	if (common_json_object(c, v, tls_fields, sizeof(tls_fields) / sizeof(tls_fields[0])))
		return -1;
	for (size_t i = 0; i < sizeof(tls_fields) / sizeof(tls_fields[0]); i++) {
		if (!json_object_get(v, tls_fields[i].name))
			return common_json_fail_member(c, tls_fields[i].name, "missing");
	}
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

/* An object with one member per variant, "A".."E": the service's URL. */
static int parse_delivery(struct common_json_ctx *c, json_t *v)
{
	const char *key, *url;
	json_t *m;

	if (!json_is_object(v))
		return common_json_fail(c, "not an object");
	json_object_foreach(v, key, m) {
		struct common_json_ctx mc = *c;
		char name[32];
		enum keyd_hss_variant var;

		snprintf(name, sizeof(name), "%s.%.8s", c->name, key);
		mc.name = name;
		if (keyd_hss_variant_parse(key, &var))
			return common_json_fail(&mc, "unknown variant (A to E)");
		if (common_json_string(&mc, m, KEYD_HSS_URL_MAX - 1, &url))
			return -1;
		if (!url_ok(url))
			return common_json_fail(&mc, "expected https://HOST:PORT");
		memcpy(HSS(c)->delivery[var], url, strlen(url) + 1);
	}
	return 0;
}

static int parse_confidentiality(struct common_json_ctx *c, json_t *v)
{
	return common_json_bool(c, v, &HSS(c)->policy.confidentiality);
}

static int parse_no_confidentiality(struct common_json_ctx *c, json_t *v)
{
	return common_json_plmn_list(c, v, KEYD_HSS_NO_CONF_MAX, &HSS(c)->policy.no_conf);
}

static const struct common_json_field policy_fields[] = {
	{ .name = "confidentiality", .parse = parse_confidentiality },
	{ .name = "no_confidentiality", .parse = parse_no_confidentiality },
};

static int parse_policy(struct common_json_ctx *c, json_t *v)
{
	return common_json_object(c, v, policy_fields, sizeof(policy_fields) / sizeof(policy_fields[0]));
}

static int parse_variant(struct common_json_ctx *c, json_t *v)
{
	if (keyd_hss_variant_parse(json_string_value(v), &HSS(c)->variant))
		return common_json_fail(c, "expected \"A\" to \"E\"");
	HSS(c)->variant_set = true;
	return 0;
}

/* "subscribers": { "IMSI": { "eid": "...", "alg": "11" } }: subscribers
 * with E2M that have no card profile at hand */
static int parse_subscribers(struct common_json_ctx *c, json_t *v)
{
	static const char *const fields[] = { "eid", "alg" };
	struct keyd_hss_config *cfg = HSS(c);
	const char *imsi, *eid, *alg;
	json_t *m;

	if (!json_is_object(v) || json_object_size(v) > KEYD_HSS_SUBSCRIBERS_MAX)
		return common_json_fail(c, "expected an object of at most %d IMSIs",
					KEYD_HSS_SUBSCRIBERS_MAX);
	json_object_foreach(v, imsi, m) {
		struct keyd_hss_subscriber *s = &cfg->subscribers[cfg->n_subscribers];
		struct common_json_ctx sc = *c, fc;
		char name[40], field[48];
		uint16_t octet;
		size_t n = strlen(imsi);

		snprintf(name, sizeof(name), "%s.%.15s", c->name, imsi);
		sc.name = name;
		if (n < 6 || n > KEYD_HSS_IMSI_MAX || strspn(imsi, "0123456789") != n)
			return common_json_fail(&sc, "expected an IMSI, 6 to 15 digits");
		if (!json_is_object(m))
			return common_json_fail(&sc, "not an object");
		if (common_json_only(&sc, m, fields, 2))
			return -1;
		fc = sc;
		fc.name = field;
		snprintf(field, sizeof(field), "%s.eid", name);
		if (!json_object_get(m, "eid"))
			return common_json_fail(&fc, "missing");
		if (common_json_string(&fc, json_object_get(m, "eid"), sizeof(s->eid) - 1, &eid))
			return -1;
		memcpy(s->eid, eid, strlen(eid) + 1);
		memcpy(s->imsi, imsi, n + 1);
		s->alg = 0x11;
		snprintf(field, sizeof(field), "%s.alg", name);
		if (json_object_get(m, "alg")) {
			if (common_json_string(&fc, json_object_get(m, "alg"), 2, &alg) ||
			    common_json_hex_octets(&fc, json_object_get(m, "alg"), 1, &octet) ||
			    e2m_alg_check((uint8_t)octet) < 0)
				return common_json_fail(&fc, "expected 2 hex digits, EA 0-2 and IA 1-2");
			s->alg = (uint8_t)octet;
		}
		cfg->n_subscribers++;
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

static const struct common_json_field config_fields[] = {
	{ .name = "tls", .parse = parse_tls },
	{ .name = "delivery", .parse = parse_delivery },
	{ .name = "policy", .parse = parse_policy },
	{ .name = "variant", .parse = parse_variant },
	{ .name = "subscribers", .parse = parse_subscribers },
};

int keyd_hss_config_parse(struct keyd_hss_config *c, const char *json, size_t len,
			  const char *dir, char *err, size_t errlen)
{
	struct hss_parse hp = { .cfg = c, .dir = dir };
	struct common_json_ctx jc = { .obj = &hp, .name = "", .err = err, .errlen = errlen,
				      .plain = true };
	json_error_t jerr;
	json_t *root;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->policy.confidentiality = true;	/* the home operator's default: allowed */
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return keyd_errf(err, errlen, "line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(root))
		keyd_errf(err, errlen, "not a JSON object");
	else if (!json_object_get(root, "tls"))
		keyd_errf(err, errlen, "tls: missing");
	else
		rc = common_json_object(&jc, root, config_fields,
					sizeof(config_fields) / sizeof(config_fields[0]));
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
