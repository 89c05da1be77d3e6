/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-hse: the security endpoint (HSE, EMSE or EESE; doc/e2m-profile.md 1, 5, 7).
 *
 *   e2msim-hse --edp-listen HOST[:PORT] --state FILE [--control PATH]
 *              (--keyset-file FILE [--lifetime S] | --keyd URL --cert F --key F --ca F)
 *   e2msim-hse --send SID TEXT --control PATH
 *   e2msim-hse --status --control PATH
 *   e2msim-hse --keyd URL --cert F --key F --ca F [--kid KID] [--verify MSGHEX ...] [--json]
 *
 * The EDP service (hse/): devices' protected readings over UDP, each
 * accepted one printed as a JSON line, and answers down to them; keysets
 * from a file or fetched from a key service (keyd/API.md) by the E2M-KID of
 * a device's first message. The front end of hse/service.c: options, the
 * sockets, the poll loop, signals. Without --edp-listen: fetches a keyset
 * and prints it, and checks the device's protected messages of e2m/msg.h
 * (keyd/client.c, e2m/msg.c). */

#include "config.h"	/* _GNU_SOURCE: accept4(), ppoll() */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/hex.h"
#include "common/log.h"
#include "e2m/edp.h"
#include "e2m/msg.h"
#include "hse/control.h"
#include "hse/keyfile.h"
#include "hse/service.h"
#include "hse/store.h"
#include "keyd/client.h"
#include "keyd/keyset.h"

enum hse_exit {
	HSE_EXIT_OK = 0,
	HSE_EXIT_REFUSED = 1,	/* fetch refused, message malformed or MAC wrong; cannot serve;
				 * a downlink refused */
	HSE_EXIT_USAGE = 2,	/* bad options */
	HSE_EXIT_INTERNAL = 3,	/* no answer from the key service or the HSE; libcrypto */
};

#define HSE_MSGS_MAX	16
/* one keyset per --kid and per message, at most */
#define HSE_KEYSETS_MAX	(HSE_MSGS_MAX + 1)
/* keysets of --keyset-file without "expires" live this long by default */
#define HSE_LIFETIME_DEFAULT	86400
/* datagrams handled per wake-up before the control socket gets its turn */
#define HSE_BURST	64

enum hse_mode { MODE_VERIFY, MODE_SERVE, MODE_SEND, MODE_STATUS };

struct hse_opts {
	enum hse_mode mode;
	const char *url, *cert, *key, *ca, *kid;
	const char *verify[HSE_MSGS_MAX];
	unsigned int n_verify;
	bool json;
	/* the EDP service */
	const char *listen, *state, *keyset_file, *control, *send_sid, *send_text;
	int64_t lifetime;
	int verbose;
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
		"Usage: e2msim-hse --edp-listen HOST[:PORT] --state FILE [--control PATH]\n"
		"                  (--keyset-file FILE [--lifetime S] | --keyd URL --cert FILE\n"
		"                   --key FILE --ca FILE) [-v]\n"
		"       e2msim-hse --send SID TEXT --control PATH\n"
		"       e2msim-hse --status --control PATH\n"
		"       e2msim-hse --keyd URL --cert FILE --key FILE --ca FILE\n"
		"                  [--kid KID] [--verify MSGHEX ...] [--json]\n"
		"The security endpoint (HSE, EMSE or EESE, doc/e2m-profile.md 5 and 7).\n\n"
		"The EDP service (doc/e2m-profile.md 7):\n"
		"      --edp-listen A  serve EDP on UDP HOST:PORT (default port %d; 0: any\n"
		"                      free one); \"e2msim-hse: EDP listening on HOST:PORT\" on\n"
		"                      stderr when ready; SIGTERM or SIGINT stop it. Each\n"
		"                      accepted uplink, and each downlink that left, is one\n"
		"                      JSON line on stdout: {\"kid\", \"sid\", \"dir\": \"up\" or\n"
		"                      \"down\", \"count\", \"payload_hex\"}\n"
		"      --state FILE    the HSE's state (SQLite): keysets held, replay windows,\n"
		"                      downlink COUNTs, committed before a payload is printed\n"
		"                      or a downlink leaves\n"
		"      --keyset-file F keysets in the key service's JSON form (keyd/API.md),\n"
		"                      one per line, held from the start\n"
		"      --lifetime S    the lifetime of a keyset of --keyset-file without\n"
		"                      \"expires\" (default %d s)\n"
		"      --control PATH  the control socket (Unix), for --send and --status\n"
		"      --send SID TEXT send TEXT to the device of SID (8 hex digits) through\n"
		"                      the HSE at --control: at once to its last address, or\n"
		"                      after its next uplink when it has sent none yet\n"
		"      --status        the HSE's counters as JSON: accepted, dropped by cause\n"
		"                      (malformed, unknown_kid, bad_tag, replay, expired), sent,\n"
		"                      queued, fetched, keysets held\n"
		"  -v, --verbose       log each drop with its cause (-vv: debug); never keys\n\n"
		"The key service (keyd/API.md), for the EDP service and alone:\n"
		"  -k, --keyd URL      the key service, https://HOST:PORT; with --edp-listen,\n"
		"                      the keyset of a first message's E2M-KID is fetched from\n"
		"                      it (and held in --state: the fetch deletes it there)\n"
		"      --cert FILE     this endpoint's certificate (PEM), whose name must be\n"
		"                      the keyset's EID\n"
		"      --key FILE      its private key (PEM)\n"
		"      --ca FILE       the CA that signed the service's certificate (PEM)\n"
		"      --kid KID       fetch the keyset of this E2M-KID and print it\n"
		"      --verify HEX    a protected message (e2m/msg.h: 'E2' 01 KID-length\n"
		"                      KID payload-length(2) payload MAC(8)): fetch the keyset\n"
		"                      its KID names and check its MAC; up to %d. Each KID is\n"
		"                      fetched once per run, for --kid and the messages naming\n"
		"                      it alike (a fetch deletes the keyset from the store)\n"
		"  -j, --json          one JSON object instead of text\n"
		"  -h, --help          this text\n"
		"Output of --kid/--verify: with --kid, KID, EID, ALG, derivation, K_E2M_int,\n"
		"K_E2M_enc (or \"none\"), expires (Unix seconds); per message, KID, PAYLOAD\n"
		"(octets outside printable ASCII as \\xNN) and \"MAC ok\", or \"MAC wrong\"\n"
		"without the payload. A refused fetch prints the service's answer (404\n"
		"unknown, 410 expired, 403 not this endpoint's).\n"
		"Exit: 0 every keyset fetched and every MAC ok (the service: stopped by a\n"
		"signal; --send: sent or queued), 1 a fetch refused, a message malformed or a\n"
		"MAC wrong (the service: cannot serve; --send: refused), 2 usage, 3 no answer\n"
		"from the key service or the HSE, or a crypto library failure.\n",
		E2M_EDP_PORT, HSE_LIFETIME_DEFAULT, HSE_MSGS_MAX);
}

static int parse_args(int argc, char **argv, struct hse_opts *o)
{
	enum { OPT_CERT = 256, OPT_KEY, OPT_CA, OPT_KID, OPT_VERIFY, OPT_LISTEN, OPT_STATE,
	       OPT_KEYSET_FILE, OPT_LIFETIME, OPT_CONTROL, OPT_SEND, OPT_STATUS };
	static const struct option opts[] = {
		{ "keyd", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "kid", required_argument, NULL, OPT_KID },
		{ "verify", required_argument, NULL, OPT_VERIFY },
		{ "edp-listen", required_argument, NULL, OPT_LISTEN },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "keyset-file", required_argument, NULL, OPT_KEYSET_FILE },
		{ "lifetime", required_argument, NULL, OPT_LIFETIME },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "send", required_argument, NULL, OPT_SEND },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool lifetime_set = false;
	char *end;
	int c;

	o->lifetime = HSE_LIFETIME_DEFAULT;
	while ((c = getopt_long(argc, argv, "k:jvh", opts, NULL)) != -1) {
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
		case OPT_LISTEN: o->listen = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_KEYSET_FILE: o->keyset_file = optarg; break;
		case OPT_LIFETIME:
			errno = 0;
			o->lifetime = strtoll(optarg, &end, 10);
			if (errno || !*optarg || *end || o->lifetime < 1 || o->lifetime > 100L * 365 * 86400) {
				fprintf(stderr, "e2msim-hse: --lifetime: expected seconds, 1 or more\n");
				return -1;
			}
			lifetime_set = true;
			break;
		case OPT_CONTROL: o->control = optarg; break;
		case OPT_SEND: o->send_sid = optarg; break;
		case OPT_STATUS: o->mode = MODE_STATUS; break;
		case 'j': o->json = true; break;
		case 'v': o->verbose++; break;
		case 'h':
			usage(stdout);
			exit(HSE_EXIT_OK);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->send_sid) {
		if (o->mode == MODE_STATUS || o->listen) {
			fprintf(stderr, "e2msim-hse: one of --edp-listen, --send and --status\n");
			return -1;
		}
		o->mode = MODE_SEND;
		if (optind != argc - 1) {
			fprintf(stderr, "e2msim-hse: --send SID TEXT: one TEXT\n");
			return -1;
		}
		o->send_text = argv[optind++];
	} else if (o->listen) {
		if (o->mode == MODE_STATUS) {
			fprintf(stderr, "e2msim-hse: one of --edp-listen, --send and --status\n");
			return -1;
		}
		o->mode = MODE_SERVE;
	}
	if (optind < argc) {
		fprintf(stderr, "e2msim-hse: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	switch (o->mode) {
	case MODE_SEND:
	case MODE_STATUS:
		if (!o->control) {
			fprintf(stderr, "e2msim-hse: --send and --status need --control PATH\n");
			return -1;
		}
		if (o->url || o->state || o->keyset_file || o->kid || o->n_verify) {
			fprintf(stderr, "e2msim-hse: --send and --status take --control only\n");
			return -1;
		}
		return 0;
	case MODE_SERVE:
		if (!o->state) {
			fprintf(stderr, "e2msim-hse: --edp-listen needs --state FILE\n");
			return -1;
		}
		if (!o->keyset_file == !o->url) {
			fprintf(stderr, "e2msim-hse: --edp-listen takes keysets from one of "
				"--keyset-file and --keyd\n");
			return -1;
		}
		if (o->url && (!o->cert || !o->key || !o->ca)) {
			fprintf(stderr, "e2msim-hse: --keyd needs --cert, --key and --ca\n");
			return -1;
		}
		if (lifetime_set && !o->keyset_file) {
			fprintf(stderr, "e2msim-hse: --lifetime is for --keyset-file (the key service "
				"sets its keysets' lifetime)\n");
			return -1;
		}
		if (o->kid || o->n_verify || o->json) {
			fprintf(stderr, "e2msim-hse: --kid, --verify and --json are not for "
				"--edp-listen\n");
			return -1;
		}
		return 0;
	case MODE_VERIFY:
		break;
	}
	if (o->state || o->keyset_file || o->control || lifetime_set) {
		fprintf(stderr, "e2msim-hse: --state, --keyset-file, --lifetime and --control are "
			"for --edp-listen\n");
		return -1;
	}
	if (!o->url || !o->cert || !o->key || !o->ca) {
		fprintf(stderr, "e2msim-hse: --keyd, --cert, --key and --ca are required (see --help)\n");
		return -1;
	}
	if (!o->kid && !o->n_verify) {
		fprintf(stderr, "e2msim-hse: nothing to do: --kid KID or --verify MSGHEX, "
			"or --edp-listen\n");
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

static int verify_main(const struct hse_opts *po)
{
	const struct hse_opts o = *po;
	static struct hse_cache cache;
	struct keyd_client_tls tls;
	struct keyd_client *cl;
	json_t *obj = NULL, *list = NULL;
	int rc = HSE_EXIT_OK;

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

/* ---- the EDP service ---- */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

struct hse_server {
	int udp, ctl;
	const char *control_path;
	struct keyd_client *keyd;
	const char *url;
	struct hse_store *st;
	struct hse_service *svc;
};

/* ops->fetch: the key service's answer as hse/service.h wants it. */
static int server_fetch(void *ctx, const char *kid, struct keyd_keyset *ks)
{
	struct hse_server *srv = ctx;
	char err[512];
	int status = keyd_client_fetch(srv->keyd, kid, ks, err, sizeof(err));

	if (status == 200)
		return 0;
	if (status < 0) {
		fprintf(stderr, "e2msim-hse: fetch of %s from %s: no answer: %s\n", kid, srv->url, err);
		return -EIO;
	}
	fprintf(stderr, "e2msim-hse: fetch of %s from %s refused: %d %s\n", kid, srv->url, status, err);
	return status == 410 ? -EKEYEXPIRED : status == 403 ? -EACCES : -ENOENT;
}

/* ops->send: a downlink datagram. */
static int server_send(void *ctx, const struct sockaddr *addr, socklen_t addr_len,
		       const uint8_t *msg, size_t len)
{
	struct hse_server *srv = ctx;

	return sendto(srv->udp, msg, len, 0, addr, addr_len) < 0 ? -errno : 0;
}

/* ops->deliver: one JSON line on stdout, flushed. */
static void server_deliver(void *ctx, const struct hse_delivery *d)
{
	char line[2 * E2M_EDP_BODY_MAX + 6 * E2M_KID_MAX + 128];
	int n = hse_delivery_json(d, line, sizeof(line));

	(void)ctx;
	if (n < 0 || fputs(line, stdout) == EOF || fflush(stdout) == EOF)
		fprintf(stderr, "e2msim-hse: cannot print the %s COUNT %" PRIu32 " of %s\n",
			d->dir == E2M_EDP_UP ? "uplink" : "downlink", d->count, d->kid);
	OPENSSL_cleanse(line, sizeof(line));
}

static const struct hse_service_ops keyd_ops = {
	.fetch = server_fetch,
	.send = server_send,
	.deliver = server_deliver,
};

static const struct hse_service_ops file_ops = {
	.send = server_send,
	.deliver = server_deliver,
};

/* HOST, HOST:PORT, [V6] or [V6]:PORT (default port E2M_EDP_PORT) into
 * addr. 0, or -1 with a message. */
static int parse_listen(const char *s, struct sockaddr_storage *addr, socklen_t *addr_len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	char host[256], port[8];
	const char *colon = NULL, *h = s;
	size_t hlen = strlen(s);
	struct addrinfo *ai = NULL;
	char *end;
	long p = E2M_EDP_PORT;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close[1] ? close + 1 : NULL;
	} else if (strchr(s, ':') == strrchr(s, ':') && strchr(s, ':')) {
		colon = strchr(s, ':');
		hlen = (size_t)(colon - s);
	}
	if (colon) {
		p = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || p < 0 || p > 65535)
			goto bad;
	}
	if (!hlen || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, sizeof(port), "%ld", p);
	if (getaddrinfo(host, port, &hints, &ai) || !ai || ai->ai_addrlen > sizeof(*addr)) {
		if (ai)
			freeaddrinfo(ai);
		goto bad;
	}
	memcpy(addr, ai->ai_addr, ai->ai_addrlen);
	*addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
bad:
	fprintf(stderr, "e2msim-hse: --edp-listen: expected an IP address with an optional "
		":PORT, e.g. 127.0.0.1:%d or [::1]:%d\n", E2M_EDP_PORT, E2M_EDP_PORT);
	return -1;
}

static int udp_open(const char *listen, char *where, size_t where_cap)
{
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	int fd;

	if (parse_listen(listen, &addr, &addr_len))
		return -1;
	fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, addr_len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &addr_len) < 0 ||
	    getnameinfo((struct sockaddr *)&addr, addr_len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		fprintf(stderr, "e2msim-hse: --edp-listen %s: %s\n", listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(where, where_cap, addr.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
	return fd;
}

/* The Unix address of path; -1 when it does not fit. */
static int unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		fprintf(stderr, "e2msim-hse: --control: at most %zu characters\n",
			sizeof(sun->sun_path) - 1);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* The control socket at path: a socket left there by an HSE that is gone
 * (killed) is replaced; one that answers is another HSE's. */
static int control_open(const char *path)
{
	struct sockaddr_un sun;
	struct stat sb;
	int fd;

	if (unix_addr(path, &sun))
		return -1;
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			fprintf(stderr, "e2msim-hse: --control %s: exists and is not a socket\n", path);
			return -1;
		}
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			fprintf(stderr, "e2msim-hse: --control %s: another HSE answers there\n", path);
			return -1;
		}
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 8) < 0) {
		fprintf(stderr, "e2msim-hse: --control %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	chmod(path, 0600);
	return fd;
}

/* Waits up to HSE_CONTROL_TIMEOUT_MS for one message on fd into buf[cap]:
 * its length, or -1. */
static ssize_t recv_timed(int fd, void *buf, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int rc;

	do
		rc = poll(&pfd, 1, HSE_CONTROL_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc <= 0)
		return -1;
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

/* One control connection: its request, its answer. */
static void control_serve(struct hse_server *srv)
{
	uint8_t req[HSE_CONTROL_REQ_MAX + 1];
	char ans[HSE_CONTROL_ANS_MAX];
	ssize_t n;
	int fd = accept4(srv->ctl, NULL, NULL, SOCK_CLOEXEC), len;

	if (fd < 0)
		return;
	n = recv_timed(fd, req, sizeof(req));
	if (n > (ssize_t)HSE_CONTROL_REQ_MAX)
		len = snprintf(ans, sizeof(ans), "{\"error\":\"request too long\"}");
	else if (n >= 0)
		len = hse_control_handle(srv->svc, req, (size_t)n, time(NULL), ans, sizeof(ans));
	else
		len = -1;
	if (len >= 0)
		send(fd, ans, (size_t)len, MSG_NOSIGNAL);
	OPENSSL_cleanse(req, sizeof(req));
	close(fd);
}

/* The datagrams waiting on the UDP socket, up to HSE_BURST. */
static void udp_serve(struct hse_server *srv)
{
	/* larger than any EDP message, so that a longer one is seen whole
	 * and dropped as malformed */
	static uint8_t buf[65536];

	for (int i = 0; i < HSE_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(srv->udp, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);

		if (n < 0)
			break;	/* EAGAIN; or an ICMP error of an earlier downlink */
		if (hse_service_uplink(srv->svc, buf, (size_t)n, (struct sockaddr *)&from, from_len,
				       time(NULL)) < 0)
			fprintf(stderr, "e2msim-hse: the state failed: a datagram was not handled\n");
		OPENSSL_cleanse(buf, (size_t)n);
	}
}

static int serve(const struct hse_opts *o)
{
	struct hse_server srv = { .udp = -1, .ctl = -1, .control_path = o->control, .url = o->url };
	struct hse_keyfile_counts counts = { .added = 0 };
	char err[512], where[NI_MAXHOST + NI_MAXSERV + 4];
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t blocked, during_poll;
	int64_t last_purge = 0;
	int rc = HSE_EXIT_REFUSED;

	common_log_init(NULL, o->verbose);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigprocmask(SIG_BLOCK, &blocked, &during_poll);
	sigdelset(&during_poll, SIGTERM);
	sigdelset(&during_poll, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (hse_store_open(&srv.st, o->state, err, sizeof(err))) {
		fprintf(stderr, "e2msim-hse: --state: %s\n", err);
		return HSE_EXIT_REFUSED;
	}
	/* without a key service, every keyset is the file's */
	srv.svc = hse_service_new(srv.st, o->url ? &keyd_ops : &file_ops, &srv);
	if (!srv.svc)
		goto out;
	if (o->url) {
		struct keyd_client_tls tls = { .cert = o->cert, .key = o->key, .ca = o->ca };

		srv.keyd = keyd_client_new(o->url, &tls);
		if (!srv.keyd) {
			fprintf(stderr, "e2msim-hse: --keyd '%s': cannot start the HTTPS client\n", o->url);
			rc = HSE_EXIT_INTERNAL;
			goto out;
		}
	} else {
		if (hse_keyfile_load(srv.svc, o->keyset_file, time(NULL), o->lifetime, &counts, err,
				     sizeof(err))) {
			fprintf(stderr, "e2msim-hse: --keyset-file %s\n", err);
			goto out;
		}
	}
	if (hse_service_purge(srv.svc, time(NULL)) < 0)
		goto out;
	srv.udp = udp_open(o->listen, where, sizeof(where));
	if (srv.udp < 0)
		goto out;
	if (o->control) {
		srv.ctl = control_open(o->control);
		if (srv.ctl < 0)
			goto out;
	}
	fprintf(stderr, "e2msim-hse: EDP listening on %s, %ld keyset(s) held", where,
		hse_store_count(srv.st));
	if (o->keyset_file)
		fprintf(stderr, " (%u new from %s)", counts.added, o->keyset_file);
	fprintf(stderr, "\n");

	rc = HSE_EXIT_OK;
	while (!stop_signal) {
		struct pollfd pfd[2] = {
			{ .fd = srv.udp, .events = POLLIN },
			{ .fd = srv.ctl, .events = POLLIN },
		};
		struct timespec second = { .tv_sec = 1 };
		int64_t now;

		if (ppoll(pfd, srv.ctl >= 0 ? 2 : 1, &second, &during_poll) < 0 && errno != EINTR) {
			fprintf(stderr, "e2msim-hse: poll: %s\n", strerror(errno));
			rc = HSE_EXIT_INTERNAL;
			break;
		}
		if (stop_signal)
			break;
		if (pfd[0].revents & POLLIN)
			udp_serve(&srv);
		if (srv.ctl >= 0 && (pfd[1].revents & POLLIN))
			control_serve(&srv);
		now = time(NULL);
		if (now != last_purge) {
			hse_service_purge(srv.svc, now);
			last_purge = now;
		}
	}
	if (stop_signal)
		LOGP(DHSE, LOGL_NOTICE, "signal %d: stopping\n", (int)stop_signal);
out:
	if (srv.ctl >= 0) {
		close(srv.ctl);
		unlink(o->control);
	}
	if (srv.udp >= 0)
		close(srv.udp);
	hse_service_free(srv.svc);
	hse_store_close(srv.st);
	keyd_client_free(srv.keyd);
	return rc;
}

/* ---- --send, --status: a request to the running HSE ---- */

static int control_request(const struct hse_opts *o)
{
	uint8_t req[HSE_CONTROL_REQ_MAX], sid[E2M_EDP_SID_LEN];
	char ans[HSE_CONTROL_ANS_MAX + 1];
	struct sockaddr_un sun;
	json_t *obj;
	ssize_t n;
	int len, fd, rc;

	if (o->mode == MODE_SEND) {
		if (strlen(o->send_sid) != 2 * E2M_EDP_SID_LEN ||
		    common_hex_decode(o->send_sid, strlen(o->send_sid), sid, sizeof(sid)) !=
			    E2M_EDP_SID_LEN) {
			fprintf(stderr, "e2msim-hse: --send: SID: expected %d hex digits\n",
				2 * E2M_EDP_SID_LEN);
			return HSE_EXIT_USAGE;
		}
		len = hse_control_send_request(sid, (const uint8_t *)o->send_text,
					       strlen(o->send_text), req, sizeof(req));
		if (len < 0) {
			fprintf(stderr, "e2msim-hse: --send: TEXT: at most %d octets\n", E2M_EDP_BODY_MAX);
			return HSE_EXIT_USAGE;
		}
	} else {
		len = hse_control_status_request(req, sizeof(req));
	}
	if (unix_addr(o->control, &sun))
		return HSE_EXIT_USAGE;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "e2msim-hse: no HSE at %s: %s\n", o->control, strerror(errno));
		if (fd >= 0)
			close(fd);
		return HSE_EXIT_INTERNAL;
	}
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len ||
	    (n = recv_timed(fd, ans, sizeof(ans) - 1)) <= 0) {
		fprintf(stderr, "e2msim-hse: the HSE at %s did not answer\n", o->control);
		close(fd);
		return HSE_EXIT_INTERNAL;
	}
	close(fd);
	ans[n] = '\0';
	printf("%s\n", ans);
	obj = json_loads(ans, 0, NULL);
	rc = !obj ? HSE_EXIT_INTERNAL : json_object_get(obj, "error") ? HSE_EXIT_REFUSED : HSE_EXIT_OK;
	json_decref(obj);
	return rc;
}

int main(int argc, char **argv)
{
	struct hse_opts o = { .mode = MODE_VERIFY };

	if (parse_args(argc, argv, &o))
		return HSE_EXIT_USAGE;
	switch (o.mode) {
	case MODE_SERVE:
		return serve(&o);
	case MODE_SEND:
	case MODE_STATUS:
		return control_request(&o);
	case MODE_VERIFY:
		break;
	}
	return verify_main(&o);
}
