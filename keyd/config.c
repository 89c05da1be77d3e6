/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration of e2msim-keyd (keyd/API.md "Configuration"): a table
 * of the fields and their parsers; every error is one message naming the
 * field. */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "common/file.h"
#include "common/json.h"
#include "keyd/config.h"

#define PEM_MAX (64 * 1024)

struct ctx {
	struct keyd_config *cfg;
	const char *file;
	char dir[PATH_MAX];	/* the configuration file's folder */
	char *err;
	size_t errlen;
};

/* "FILE: " and the message; returns -1. */
static int cfail(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!x->err || !x->errlen)
		return -1;
	n = snprintf(x->err, x->errlen, "%s: ", x->file);
	if (n < 0 || (size_t)n >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *const role_names[] = {
	[KEYD_ROLE_HSE_STORE] = "hse-store",
	[KEYD_ROLE_HSS_STORE] = "hss-store",
	[KEYD_ROLE_EMKS] = "emks",
};

const char *keyd_role_name(enum keyd_role role)
{
	if ((size_t)role >= sizeof(role_names) / sizeof(role_names[0]))
		return "?";
	return role_names[role];
}

/* The field helpers of common/json.h in the service's style: "FILE:
 * NAME: why". */
static struct common_json_ctx json_ctx(struct ctx *x, const char *name)
{
	return (struct common_json_ctx){ .name = name, .err = x->err, .errlen = x->errlen,
					 .plain = true, .prefix = x->file };
}

/* A string of 1..max octets without NUL; NULL (and err) otherwise. */
static const char *get_str(struct ctx *x, json_t *v, const char *field, size_t max)
{
	struct common_json_ctx c = json_ctx(x, field);
	const char *s = NULL;

	common_json_string(&c, v, max, &s);
	return s;
}

/* Only the names in allowed[] (NULL-terminated) may appear in obj, the
 * members of the field prefix names ("tls.", or "" at the top). */
static int check_keys(struct ctx *x, json_t *obj, const char *prefix, const char *const *allowed)
{
	char name[64];
	struct common_json_ctx c = json_ctx(x, name);
	size_t n = 0, len;

	snprintf(name, sizeof(name), "%s", prefix);
	len = strlen(name);
	if (len && name[len - 1] == '.')
		name[len - 1] = '\0';
	while (allowed[n])
		n++;
	return common_json_only(&c, obj, allowed, n);
}

/* A path of the file, relative to the configuration's folder. */
static int resolve(struct ctx *x, const char *path, char *out, size_t cap, const char *field)
{
	int n;

	if (path[0] == '/' || !strcmp(x->dir, "."))
		n = snprintf(out, cap, "%s", path);
	else
		n = snprintf(out, cap, "%s/%s", x->dir, path);
	if (n < 0 || (size_t)n >= cap)
		return cfail(x, "%s: path too long", field);
	return 0;
}

/* Reads a whole PEM file (at most PEM_MAX octets) into a new string. */
static char *read_pem(const char *path, int *errnum)
{
	struct stat sb;
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*errnum = errno;
		return NULL;
	}
	if (fstat(fd, &sb))
		*errnum = errno;
	else if (!S_ISREG(sb.st_mode))
		*errnum = EINVAL;
	else if (sb.st_size > PEM_MAX)
		*errnum = EFBIG;
	if (*errnum) {
		close(fd);
		return NULL;
	}
	buf = calloc(1, (size_t)sb.st_size + 1);
	if (!buf) {
		*errnum = ENOMEM;
		close(fd);
		return NULL;
	}
	while (len < (size_t)sb.st_size) {
		n = read(fd, buf + len, (size_t)sb.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int parse_role(struct ctx *x, json_t *v)
{
	const char *s = get_str(x, v, "role", 16);
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (!strcmp(s, role_names[i])) {
			x->cfg->role = (enum keyd_role)i;
			return 0;
		}
	return cfail(x, "role: expected \"hse-store\", \"hss-store\" or \"emks\"");
}

/* "HOST:PORT", HOST an IPv4 or [IPv6] literal, PORT 0 (any) to 65535. */
static int parse_listen(struct ctx *x, json_t *v)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	struct addrinfo *ai = NULL;
	char host[64];
	const char *s = get_str(x, v, "listen", sizeof(x->cfg->listen) - 1), *colon, *port;
	size_t hlen;
	char *end;
	long p;

	if (!s)
		return -1;
	colon = strrchr(s, ':');
	if (!colon || colon == s)
		return cfail(x, "listen: expected \"HOST:PORT\"");
	port = colon + 1;
	p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535)
		return cfail(x, "listen: port: expected 0 to 65535");
	hlen = (size_t)(colon - s);
	if (s[0] == '[' && hlen >= 2 && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return cfail(x, "listen: host too long");
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(host, port, &hints, &ai) || !ai ||
	    ai->ai_addrlen > sizeof(x->cfg->addr)) {
		if (ai)
			freeaddrinfo(ai);
		return cfail(x, "listen: '%s' is not an IP address", host);
	}
	memcpy(&x->cfg->addr, ai->ai_addr, ai->ai_addrlen);
	x->cfg->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(x->cfg->listen, sizeof(x->cfg->listen), "%s", json_string_value(v));
	return 0;
}

/* tls.cert / tls.key / tls.ca: one row per member. */
static const struct tls_file {
	const char *name;
	size_t path_offset, pem_offset;
} tls_files[] = {
	{ .name = "cert", .path_offset = offsetof(struct keyd_config, tls.cert),
	  .pem_offset = offsetof(struct keyd_config, tls.cert_pem) },
	{ .name = "key", .path_offset = offsetof(struct keyd_config, tls.key),
	  .pem_offset = offsetof(struct keyd_config, tls.key_pem) },
	{ .name = "ca", .path_offset = offsetof(struct keyd_config, tls.ca),
	  .pem_offset = offsetof(struct keyd_config, tls.ca_pem) },
};

/* The certificate, its key and the CA as GnuTLS (and so the server) will
 * load them. */
static int check_tls(struct ctx *x)
{
	struct keyd_config *cfg = x->cfg;
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = { .data = (unsigned char *)cfg->tls.cert_pem,
				.size = (unsigned int)strlen(cfg->tls.cert_pem) };
	gnutls_datum_t key = { .data = (unsigned char *)cfg->tls.key_pem,
			       .size = (unsigned int)strlen(cfg->tls.key_pem) };
	gnutls_datum_t ca = { .data = (unsigned char *)cfg->tls.ca_pem,
			      .size = (unsigned int)strlen(cfg->tls.ca_pem) };
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return cfail(x, "tls: GnuTLS cannot start");
	rc = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0) {
		gnutls_certificate_free_credentials(cred);
		return cfail(x, "tls.key: with tls.cert: %s", gnutls_strerror(rc));
	}
	rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (rc <= 0)
		return cfail(x, "tls.ca: no PEM certificate in it%s%s", rc < 0 ? ": " : "",
			     rc < 0 ? gnutls_strerror(rc) : "");
	return 0;
}

static int parse_tls(struct ctx *x, json_t *v)
{
	static const char *const keys[] = { "cert", "key", "ca", NULL };
	size_t i;

	if (!json_is_object(v))
		return cfail(x, "tls: not an object");
	if (check_keys(x, v, "tls.", keys))
		return -1;
	for (i = 0; i < sizeof(tls_files) / sizeof(tls_files[0]); i++) {
		char field[16], *path = (char *)x->cfg + tls_files[i].path_offset;
		char **pem = (char **)((char *)x->cfg + tls_files[i].pem_offset);
		json_t *m = json_object_get(v, tls_files[i].name);
		const char *s;
		int errnum = 0;

		snprintf(field, sizeof(field), "tls.%s", tls_files[i].name);
		if (!m)
			return cfail(x, "%s: missing", field);
		s = get_str(x, m, field, PATH_MAX - 1);
		if (!s || resolve(x, s, path, PATH_MAX, field))
			return -1;
		*pem = read_pem(path, &errnum);
		if (!*pem)
			return cfail(x, "%s: cannot read '%s': %s", field, s, strerror(errnum));
	}
	return check_tls(x);
}

static int parse_store(struct ctx *x, json_t *v)
{
	static const char *const keys[] = { "backend", "path", "conninfo", NULL };
	const char *backend, *s;
	json_t *m;

	if (!json_is_object(v))
		return cfail(x, "store: not an object");
	if (check_keys(x, v, "store.", keys))
		return -1;
	m = json_object_get(v, "backend");
	if (!m)
		return cfail(x, "store.backend: missing");
	backend = get_str(x, m, "store.backend", 16);
	if (!backend)
		return -1;
	x->cfg->store = keyd_store_backend(backend);
	if (!x->cfg->store)
		return cfail(x, "store.backend: expected \"sqlite\" or \"postgresql\"");
	if (!strcmp(backend, "sqlite")) {
		if (json_object_get(v, "conninfo"))
			return cfail(x, "store.conninfo: only for backend \"postgresql\"");
		m = json_object_get(v, "path");
		if (!m)
			return cfail(x, "store.path: missing");
		s = get_str(x, m, "store.path", PATH_MAX - 1);
		return s ? resolve(x, s, x->cfg->store_target, sizeof(x->cfg->store_target),
				   "store.path") : -1;
	}
	if (json_object_get(v, "path"))
		return cfail(x, "store.path: only for backend \"sqlite\"");
	m = json_object_get(v, "conninfo");
	if (!m)
		return cfail(x, "store.conninfo: missing");
	s = get_str(x, m, "store.conninfo", sizeof(x->cfg->store_target) - 1);
	if (!s)
		return -1;
	memcpy(x->cfg->store_target, s, strlen(s) + 1);
	return 0;
}

static int parse_network_peers(struct ctx *x, json_t *v)
{
	size_t i;
	json_t *m;

	if (!json_is_array(v))
		return cfail(x, "network_peers: not an array");
	if (json_array_size(v) > KEYD_PEERS_MAX)
		return cfail(x, "network_peers: more than %d", KEYD_PEERS_MAX);
	json_array_foreach(v, i, m) {
		char field[48];
		const char *s;

		snprintf(field, sizeof(field), "network_peers[%zu]", i);
		s = get_str(x, m, field, KEYD_NAME_MAX);
		if (!s)
			return -1;
		memcpy(x->cfg->network_peers[i], s, strlen(s) + 1);
	}
	x->cfg->n_network_peers = json_array_size(v);
	return 0;
}

/* Seconds of a lifetime: 1 s to 10 years. */
static int get_seconds(struct ctx *x, json_t *v, const char *field, int64_t *out)
{
	json_int_t s;

	if (!json_is_integer(v))
		return cfail(x, "%s: not an integer", field);
	s = json_integer_value(v);
	if (s < 1 || s > 10LL * 366 * 86400)
		return cfail(x, "%s: expected 1 to %lld seconds", field, 10LL * 366 * 86400);
	*out = (int64_t)s;
	return 0;
}

static int parse_default_lifetime(struct ctx *x, json_t *v)
{
	return get_seconds(x, v, "default_lifetime", &x->cfg->default_lifetime);
}

static int parse_lifetimes(struct ctx *x, json_t *v)
{
	static const char *const keys[] = { "eid_suffix", "seconds", NULL };
	size_t i, j;
	json_t *m;

	if (!json_is_array(v))
		return cfail(x, "lifetimes: not an array");
	if (json_array_size(v) > KEYD_LIFETIMES_MAX)
		return cfail(x, "lifetimes: more than %d", KEYD_LIFETIMES_MAX);
	json_array_foreach(v, i, m) {
		struct keyd_lifetime *lt = &x->cfg->lifetimes[i];
		char field[64], prefix[40];
		const char *s;

		snprintf(prefix, sizeof(prefix), "lifetimes[%zu].", i);
		if (!json_is_object(m))
			return cfail(x, "lifetimes[%zu]: not an object", i);
		if (check_keys(x, m, prefix, keys))
			return -1;
		snprintf(field, sizeof(field), "%seid_suffix", prefix);
		if (!json_object_get(m, "eid_suffix"))
			return cfail(x, "%s: missing", field);
		s = get_str(x, json_object_get(m, "eid_suffix"), field, E2M_EID_MAX);
		if (!s)
			return -1;
		if (s[0] == '.')
			return cfail(x, "%s: starts with '.' (a suffix matches after one)", field);
		for (j = 0; j < i; j++)
			if (!strcasecmp(x->cfg->lifetimes[j].eid_suffix, s))
				return cfail(x, "%s: \"%s\" given twice", field, s);
		memcpy(lt->eid_suffix, s, strlen(s) + 1);
		snprintf(field, sizeof(field), "%sseconds", prefix);
		if (!json_object_get(m, "seconds"))
			return cfail(x, "%s: missing", field);
		if (get_seconds(x, json_object_get(m, "seconds"), field, &lt->seconds))
			return -1;
	}
	x->cfg->n_lifetimes = json_array_size(v);
	return 0;
}

static int parse_forward(struct ctx *x, json_t *v)
{
	static const char *const keys[] = { "url", NULL };
	const char *s;

	if (!json_is_object(v))
		return cfail(x, "forward: not an object");
	if (check_keys(x, v, "forward.", keys))
		return -1;
	if (!json_object_get(v, "url"))
		return cfail(x, "forward.url: missing");
	s = get_str(x, json_object_get(v, "url"), "forward.url", KEYD_URL_MAX - 1);
	if (!s)
		return -1;
	if (strncmp(s, "https://", 8) || !s[8])
		return cfail(x, "forward.url: expected \"https://HOST:PORT\"");
	memcpy(x->cfg->forward_url, s, strlen(s) + 1);
	return 0;
}

static int parse_purge_interval(struct ctx *x, json_t *v)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3600)
		return cfail(x, "purge_interval: expected 1 to 3600 seconds");
	x->cfg->purge_interval = (unsigned int)json_integer_value(v);
	return 0;
}

/* keyd/API.md "Configuration"; purge_interval is ours (tests, default 1). */
static const struct {
	const char *name;
	bool required;
	int (*parse)(struct ctx *x, json_t *v);
} fields[] = {
	{ .name = "role", .required = true, .parse = parse_role },
	{ .name = "listen", .required = true, .parse = parse_listen },
	{ .name = "tls", .required = true, .parse = parse_tls },
	{ .name = "store", .required = true, .parse = parse_store },
	{ .name = "network_peers", .required = true, .parse = parse_network_peers },
	{ .name = "default_lifetime", .required = false, .parse = parse_default_lifetime },
	{ .name = "lifetimes", .required = false, .parse = parse_lifetimes },
	{ .name = "forward", .required = false, .parse = parse_forward },
	{ .name = "purge_interval", .required = false, .parse = parse_purge_interval },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static int parse_all(struct ctx *x, json_t *root)
{
	const char *allowed[N_FIELDS + 1];
	size_t i;

	if (!json_is_object(root))
		return cfail(x, "not a JSON object");
	for (i = 0; i < N_FIELDS; i++)
		allowed[i] = fields[i].name;
	allowed[N_FIELDS] = NULL;
	if (check_keys(x, root, "", allowed))
		return -1;
	for (i = 0; i < N_FIELDS; i++) {
		json_t *v = json_object_get(root, fields[i].name);

		if (!v) {
			if (fields[i].required)
				return cfail(x, "%s: missing", fields[i].name);
			continue;
		}
		if (fields[i].parse(x, v))
			return -1;
	}
	if (x->cfg->forward_url[0] && x->cfg->role != KEYD_ROLE_HSS_STORE)
		return cfail(x, "forward: only for role \"hss-store\"");
	return 0;
}

int keyd_config_load(struct keyd_config *cfg, const char *file, char *err, size_t errlen)
{
	struct ctx x = { .cfg = cfg, .file = file, .err = err, .errlen = errlen };
	const char *slash = strrchr(file, '/');
	json_error_t jerr;
	json_t *root;
	char *text, why[256];
	size_t len;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->default_lifetime = 86400;
	cfg->purge_interval = KEYD_PURGE_INTERVAL;
	if (!slash)
		snprintf(x.dir, sizeof(x.dir), ".");
	else if (slash == file)
		snprintf(x.dir, sizeof(x.dir), "/");
	else if ((size_t)(slash - file) < sizeof(x.dir))
		snprintf(x.dir, sizeof(x.dir), "%.*s", (int)(slash - file), file);
	else
		return cfail(&x, "path too long");
	if (common_file_read(file, &text, &len, why, sizeof(why)) < 0)
		return cfail(&x, "%s", why);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	common_file_free(text, len);
	if (!root)
		return cfail(&x, "line %d: %s", jerr.line, jerr.text);
	rc = parse_all(&x, root);
	json_decref(root);
	if (rc)
		keyd_config_free(cfg);
	return rc;
}

void keyd_config_free(struct keyd_config *cfg)
{
	if (cfg->tls.key_pem)
		OPENSSL_cleanse(cfg->tls.key_pem, strlen(cfg->tls.key_pem));
	free(cfg->tls.key_pem);
	free(cfg->tls.cert_pem);
	free(cfg->tls.ca_pem);
	cfg->tls.key_pem = cfg->tls.cert_pem = cfg->tls.ca_pem = NULL;
}

int64_t keyd_config_lifetime(const struct keyd_config *cfg, const char *eid)
{
	size_t elen = strlen(eid), best_len = 0, i;
	int64_t seconds = cfg->default_lifetime;

	for (i = 0; i < cfg->n_lifetimes; i++) {
		const char *suffix = cfg->lifetimes[i].eid_suffix;
		size_t slen = strlen(suffix);

		if (slen > elen || slen <= best_len || strcasecmp(eid + elen - slen, suffix))
			continue;
		/* the whole EID, or a suffix that starts after a '.' */
		if (slen < elen && eid[elen - slen - 1] != '.')
			continue;
		best_len = slen;
		seconds = cfg->lifetimes[i].seconds;
	}
	return seconds;
}
