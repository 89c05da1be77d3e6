/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-hse: the security endpoint (HSE, EMSE or EESE; doc/e2m-profile.md 1, 5).
 * Fetches a keyset from a key service by its E2M-KID (keyd/API.md) over
 * mutual TLS with the endpoint's certificate, prints it, and checks the
 * device's protected messages (e2m/msg.h) with its K_E2M_int. A thin
 * front end over keyd/client.c and e2m/msg.c. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/hex.h"
#include "keyd/client.h"
#include "keyd/keyset.h"
#include "e2m/msg.h"

enum hse_exit {
	HSE_EXIT_OK = 0,
	HSE_EXIT_REFUSED = 1,	/* fetch refused, message malformed or MAC wrong */
	HSE_EXIT_USAGE = 2,	/* bad options */
	HSE_EXIT_INTERNAL = 3,	/* no answer from the key service; libcrypto */
};

#define HSE_MSGS_MAX	16
/* one keyset per --kid and per message, at most */
#define HSE_KEYSETS_MAX	(HSE_MSGS_MAX + 1)

struct hse_opts {
	const char *url, *cert, *key, *ca, *kid;
	const char *verify[HSE_MSGS_MAX];
	unsigned int n_verify;
	bool json;
};

/* Keysets fetched in this run: a keyset is deleted from the store when it
 * is fetched (stored until used, doc/e2m-profile.md 5), so each KID is fetched
 * once and used for every message that names it. */
struct hse_cache {
	struct keyd_keyset ks[HSE_KEYSETS_MAX];
	unsigned int n;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-hse --keyd URL --cert FILE --key FILE --ca FILE\n"
		"                  [--kid KID] [--verify MSGHEX ...] [--json]\n"
		"The security endpoint (HSE, EMSE or EESE, doc/e2m-profile.md 5): fetches E2M keysets\n"
		"from a key service (keyd/API.md) with its own certificate, whose name must be\n"
		"the keyset's EID, and checks the device's protected messages.\n\n"
		"  -k, --keyd URL      the key service, https://HOST:PORT\n"
		"      --cert FILE     this endpoint's certificate (PEM)\n"
		"      --key FILE      its private key (PEM)\n"
		"      --ca FILE       the CA that signed the service's certificate (PEM)\n"
		"      --kid KID       fetch the keyset of this E2M-KID and print it (at least\n"
		"                      one of --kid and --verify)\n"
		"      --verify HEX    a protected message (e2m/msg.h: 'E2' 01 KID-length\n"
		"                      KID payload-length(2) payload MAC(8)): fetch the keyset\n"
		"                      its KID names and check its MAC; up to %d. Each KID is\n"
		"                      fetched once per run, for --kid and the messages naming\n"
		"                      it alike (a fetch deletes the keyset from the store)\n"
		"  -j, --json          one JSON object instead of text\n"
		"  -h, --help          this text\n"
		"Output: with --kid, KID, EID, ALG, derivation, K_E2M_int, K_E2M_enc (or\n"
		"\"none\"), expires (Unix seconds); per message, KID, PAYLOAD (octets outside\n"
		"printable ASCII as \\xNN) and \"MAC ok\", or \"MAC wrong\" without the payload.\n"
		"A refused fetch prints the service's answer (404 unknown, 410 expired,\n"
		"403 not this endpoint's).\n"
		"Exit: 0 every keyset fetched and every MAC ok, 1 a fetch refused, a message\n"
		"malformed or a MAC wrong, 2 usage, 3 no answer from the key service or a\n"
		"crypto library failure.\n", HSE_MSGS_MAX);
}

static int parse_args(int argc, char **argv, struct hse_opts *o)
{
	enum { OPT_CERT = 256, OPT_KEY, OPT_CA, OPT_KID, OPT_VERIFY };
	static const struct option opts[] = {
		{ "keyd", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "kid", required_argument, NULL, OPT_KID },
		{ "verify", required_argument, NULL, OPT_VERIFY },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o->url = optarg; break;
		case OPT_CERT: o->cert = optarg; break;
		case OPT_KEY: o->key = optarg; break;
		case OPT_CA: o->ca = optarg; break;
		case OPT_KID:
			if (keyd_kid_check(optarg, NULL, 0)) {
				fprintf(stderr, "e2msim-hse: --kid: expected an E2M-KID, "
					"base64(RAND) \"@\" EID (doc/e2m-profile.md 2)\n");
				return -1;
			}
			o->kid = optarg;
			break;
		case OPT_VERIFY:
			if (o->n_verify == HSE_MSGS_MAX) {
				fprintf(stderr, "e2msim-hse: --verify: at most %d messages\n", HSE_MSGS_MAX);
				return -1;
			}
			o->verify[o->n_verify++] = optarg;
			break;
		case 'j': o->json = true; break;
		case 'h':
			usage(stdout);
			exit(HSE_EXIT_OK);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "e2msim-hse: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->url || !o->cert || !o->key || !o->ca) {
		fprintf(stderr, "e2msim-hse: --keyd, --cert, --key and --ca are required (see --help)\n");
		return -1;
	}
	if (!o->kid && !o->n_verify) {
		fprintf(stderr, "e2msim-hse: nothing to do: --kid KID or --verify MSGHEX\n");
		return -1;
	}
	return 0;
}

/* ---- output ---- */

static char *hex_of(const uint8_t *v, size_t len, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < len && 2 * i + 2 < cap; i++)
		snprintf(out + 2 * i, 3, "%02x", v[i]);
	return out;
}

static const char *const derivation_names[] = {
	[KEYD_DERIVED_USIM] = "usim",
	[KEYD_DERIVED_ME] = "me",
};

static void print_keyset(const struct keyd_keyset *ks, json_t *obj)
{
	char k_int[2 * E2M_ALG_KEY_LEN + 1], k_enc[2 * E2M_ALG_KEY_LEN + 1], alg[3];
	const char *derivation = (unsigned int)ks->derivation < 2 ? derivation_names[ks->derivation] : "?";

	snprintf(alg, sizeof(alg), "%02x", ks->alg);
	hex_of(ks->k_int, sizeof(ks->k_int), k_int, sizeof(k_int));
	hex_of(ks->k_enc, ks->k_enc_len, k_enc, sizeof(k_enc));
	if (obj) {
		json_object_set_new(obj, "keyset", json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I}",
			"kid", ks->kid, "eid", ks->eid, "alg", alg, "derivation", derivation,
			"k_e2m_int", k_int, "k_e2m_enc", ks->k_enc_len ? json_string(k_enc) : json_null(),
			"expires", (json_int_t)ks->expires));
	} else {
		printf("%-11s %s\n", "KID:", ks->kid);
		printf("%-11s %s\n", "EID:", ks->eid);
		printf("%-11s %s\n", "ALG:", alg);
		printf("%-11s %s\n", "derivation:", derivation);
		printf("%-11s %s\n", "K_E2M_int:", k_int);
		printf("%-11s %s\n", "K_E2M_enc:", ks->k_enc_len ? k_enc : "none");
		printf("%-11s %" PRId64 "\n", "expires:", ks->expires);
	}
	OPENSSL_cleanse(k_int, sizeof(k_int));
	OPENSSL_cleanse(k_enc, sizeof(k_enc));
}

/* The payload as text: printable ASCII as is, other octets (and '\') as
 * \xNN. Returns a malloc'ed string, NULL when out of memory. */
static char *payload_text(const uint8_t *p, size_t len)
{
	char *s = malloc(4 * len + 1), *q = s;

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			*q++ = (char)p[i];
		else
			q += sprintf(q, "\\x%02x", p[i]);
	}
	*q = '\0';
	return s;
}

/* ---- fetching ---- */

/* The keyset of kid: from this run's cache, or fetched. An HSE_EXIT code. */
static int keyset_get(struct keyd_client *cl, const struct hse_opts *o, struct hse_cache *cache,
		      const char *kid, const struct keyd_keyset **out)
{
	char err[512];
	int status;

	for (unsigned int i = 0; i < cache->n; i++) {
		if (!strcmp(cache->ks[i].kid, kid)) {
			*out = &cache->ks[i];
			return HSE_EXIT_OK;
		}
	}
	if (cache->n == HSE_KEYSETS_MAX)
		return HSE_EXIT_INTERNAL;
	status = keyd_client_fetch(cl, kid, &cache->ks[cache->n], err, sizeof(err));
	if (status == 200) {
		*out = &cache->ks[cache->n++];
		return HSE_EXIT_OK;
	}
	keyd_keyset_clear(&cache->ks[cache->n]);
	if (status < 0) {
		fprintf(stderr, "e2msim-hse: fetch of %s from %s: no answer: %s\n", kid, o->url, err);
		return HSE_EXIT_INTERNAL;
	}
	fprintf(stderr, "e2msim-hse: fetch of %s from %s refused: %d %s\n", kid, o->url, status, err);
	return HSE_EXIT_REFUSED;
}

/* One protected message: parse, fetch its keyset, check. An HSE_EXIT code. */
static int verify_one(struct keyd_client *cl, const struct hse_opts *o, struct hse_cache *cache,
		      unsigned int idx, json_t *list)
{
	const char *hex = o->verify[idx];
	size_t cap = strlen(hex) / 2 + 1;
	uint8_t *msg = malloc(cap);
	const struct keyd_keyset *ks = NULL;
	struct e2m_msg m;
	json_t *item = list ? json_object() : NULL;
	char *text = NULL;
	int len, rc;

	if (!msg || (list && !item)) {
		free(msg);
		json_decref(item);
		return HSE_EXIT_INTERNAL;
	}
	len = common_hex_decode(hex, strlen(hex), msg, cap);
	if (len < 0 || (size_t)len * 2 != strlen(hex)) {
		fprintf(stderr, "e2msim-hse: --verify #%u: not hex\n", idx + 1);
		if (item)
			json_object_set_new(item, "error", json_string("not hex"));
		rc = HSE_EXIT_USAGE;
		goto out;
	}
	if (e2m_msg_parse(msg, (size_t)len, &m) < 0 || keyd_kid_check(m.kid, NULL, 0)) {
		fprintf(stderr, "e2msim-hse: message %u: not a protected message (e2m/msg.h) "
			"naming an E2M-KID: refused\n", idx + 1);
		if (item)
			json_object_set_new(item, "error", json_string("malformed"));
		rc = HSE_EXIT_REFUSED;
		goto out;
	}
	if (item)
		json_object_set_new(item, "kid", json_string(m.kid));
	else
		printf("%-11s %s\n", "KID:", m.kid);
	rc = keyset_get(cl, o, cache, m.kid, &ks);
	if (rc != HSE_EXIT_OK) {
		if (item)
			json_object_set_new(item, "error", json_string("fetch refused"));
		goto out;
	}
	/* the IA of the keyset's ALG (doc/e2m-profile.md 2) */
	switch (e2m_msg_verify(&m, ks->kid, ks->alg & 0x0F, ks->k_int)) {
	case 0:
		text = payload_text(m.payload, m.payload_len);
		if (!text) {
			rc = HSE_EXIT_INTERNAL;
			break;
		}
		if (item) {
			char *phex = malloc(2 * m.payload_len + 1);

			json_object_set_new(item, "payload", json_string(text));
			if (phex)
				json_object_set_new(item, "payload_hex",
						    json_string(hex_of(m.payload, m.payload_len, phex,
								       2 * m.payload_len + 1)));
			free(phex);
			json_object_set_new(item, "mac", json_string("ok"));
		} else {
			printf("%-11s %s\nMAC ok\n", "PAYLOAD:", text);
		}
		rc = HSE_EXIT_OK;
		break;
	case -EBADMSG:
		fprintf(stderr, "e2msim-hse: message %u: MAC wrong: refused\n", idx + 1);
		if (item)
			json_object_set_new(item, "mac", json_string("wrong"));
		else
			printf("MAC wrong\n");
		rc = HSE_EXIT_REFUSED;
		break;
	default:
		fprintf(stderr, "e2msim-hse: message %u: cannot compute the MAC\n", idx + 1);
		rc = HSE_EXIT_INTERNAL;
	}
out:
	if (item)
		json_array_append_new(list, item);
	free(text);
	free(msg);
	return rc;
}

/* The worst of two exit codes: internal and usage over refused over ok. */
static int worst(int a, int b)
{
	static const int rank[] = {
		[HSE_EXIT_OK] = 0, [HSE_EXIT_REFUSED] = 1, [HSE_EXIT_USAGE] = 2, [HSE_EXIT_INTERNAL] = 3,
	};
	return rank[b] > rank[a] ? b : a;
}

int main(int argc, char **argv)
{
	struct hse_opts o = { .url = NULL };
	static struct hse_cache cache;
	struct keyd_client_tls tls;
	struct keyd_client *cl;
	json_t *obj = NULL, *list = NULL;
	int rc = HSE_EXIT_OK;

	if (parse_args(argc, argv, &o))
		return HSE_EXIT_USAGE;
	tls = (struct keyd_client_tls){ .cert = o.cert, .key = o.key, .ca = o.ca };
	cl = keyd_client_new(o.url, &tls);
	if (!cl) {
		fprintf(stderr, "e2msim-hse: --keyd '%s': cannot start the HTTPS client\n", o.url);
		return HSE_EXIT_INTERNAL;
	}
	if (o.json) {
		obj = json_object();
		list = o.n_verify ? json_array() : NULL;
		if (!obj || (o.n_verify && !list)) {
			rc = HSE_EXIT_INTERNAL;
			goto out;
		}
	}
	if (o.kid) {
		const struct keyd_keyset *ks;

		rc = keyset_get(cl, &o, &cache, o.kid, &ks);
		if (rc == HSE_EXIT_OK)
			print_keyset(ks, obj);
	}
	for (unsigned int i = 0; i < o.n_verify && rc != HSE_EXIT_INTERNAL; i++)
		rc = worst(rc, verify_one(cl, &o, &cache, i, list));
	if (obj) {
		char *s;

		if (list)
			json_object_set(obj, "messages", list);
		s = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (s) {
			puts(s);
			OPENSSL_cleanse(s, strlen(s));
			free(s);
		} else {
			rc = HSE_EXIT_INTERNAL;
		}
	}
out:
	for (unsigned int i = 0; i < cache.n; i++)
		keyd_keyset_clear(&cache.ks[i]);
	json_decref(list);
	json_decref(obj);
	keyd_client_free(cl);
	return rc;
}
