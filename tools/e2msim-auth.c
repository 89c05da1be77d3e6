/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-auth: the ME side of AKA, like osmo-sim-auth: runs AUTHENTICATE in
 * the 3G, GSM or E2M context (TS 31.102 7.1.2, doc/e2m-profile.md 3) on the card in
 * any PC/SC reader and prints what the card answers; with --protect, the
 * device's first protected message to the HSE (e2m/msg.h); with --edp-send,
 * the device's readings to the HSE over EDP (doc/e2m-profile.md 7,
 * bridge/edp_device.h) and the HSE's answers. */

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/clock.h"
#include "common/log.h"
#include "apdu/pcsc.h"
#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "aka/auth_apdu.h"
#include "bridge/bridge.h"
#include "bridge/edp_device.h"
#include "common/hex.h"
#include "e2m/edp.h"
#include "e2m/kdf.h"
#include "e2m/msg.h"
#include "usim/pin.h"

enum context { CTX_3G, CTX_GSM, CTX_E2M };

static const struct value_string context_names[] = {
	{ CTX_3G, "3g" },
	{ CTX_GSM, "gsm" },
	{ CTX_E2M, "e2m" },
	{ 0, NULL }
};

/* What the card answered, as named fields (hex) for text and JSON output. */
struct result {
	json_t *obj;
};

/* Exit status: the keyset is spent (doc/e2m-profile.md 7: COUNT 2^32-1) */
#define AUTH_EXIT_SPENT	6
#define EDP_WAIT_DEFAULT_MS	500

/* --edp-send, --edp-wait, --edp-state */
struct edp_opts {
	const char *send;		/* HOST:PORT of the HSE */
	const char *state;		/* the state file */
	long wait_ms;
	char **texts;
	int n_texts;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-auth [options] --rand HEX [--autn HEX] [--edp-send HOST[:PORT] TEXT...]\n"
		"       e2msim-auth --edp-state FILE --edp-send HOST[:PORT] TEXT...\n"
		"Runs AUTHENTICATE on the USIM in a PC/SC reader and prints the answer.\n\n"
		"  -r, --reader R     reader by index or (part of its) name; default 0\n"
		"  -c, --context C    3g (default), gsm or e2m\n"
		"      --rand HEX     RAND, 16 octets\n"
		"      --autn HEX     AUTN, 16 octets (3g and e2m)\n"
		"      --pin DIGITS   verify PIN1 first\n"
		"      --eid ID       E2M endpoint identifier, e.g. hse.example.org (e2m)\n"
		"      --snid MCCMNC  serving PLMN (e2m; default: unknown)\n"
		"      --alg XX       E2M ALG octet: EA high nibble, IA low (e2m; default: the card's)\n"
		"      --p2 XX        P2 of the E2M context (default 83)\n"
		"      --variant-e    e2m: derive the keys in the ME from CK||IK (variant E)\n"
		"                     even when the card has an E2M context\n"
		"      --no-fallback  e2m: only the card's own E2M context; no variant E\n"
		"                     for a card that answers '6A86'\n"
		"      --protect TEXT e2m: after the key agreement, print \"MESSAGE: HEX\", the\n"
		"                     protected message (e2m/msg.h) carrying TEXT, with\n"
		"                     the agreed K_E2M_int and E2M-KID; its MAC is the IA of\n"
		"                     --alg (default IA 1, of the default ALG '11')\n"
		"      --edp-send HOST[:PORT] TEXT...\n"
		"                     e2m: after the key agreement, send each TEXT to the HSE\n"
		"                     over EDP (doc/e2m-profile.md 7; UDP, default port %d),\n"
		"                     under the agreed keys and the ALG of --alg (default '11';\n"
		"                     EA 0 when the card gave no K_E2M_enc): the full E2M-KID\n"
		"                     until a downlink arrived or %d were sent, the SID after.\n"
		"                     Prints \"UPLINK: COUNT HEX\" per message, and\n"
		"                     \"DOWNLINK: TEXT\" per valid downlink from the HSE\n"
		"      --edp-wait MS  wait up to MS for a downlink after each TEXT (default %d)\n"
		"      --edp-state FILE\n"
		"                     keep the EDP session in FILE (the keyset, the next uplink\n"
		"                     COUNT, the downlink window; made durable before a\n"
		"                     message leaves or a downlink is printed). Without\n"
		"                     --rand and --autn: no AKA, the stored keyset goes on\n"
		"      --json         one JSON object instead of text\n"
		"  -v, --verbose      log the APDUs\n"
		"  -h, --help         this text\n"
		"Exit status: 0 keys, 3 synchronisation failure (AUTS printed), 4 MAC\n"
		"failure, 5 context not supported, 6 EDP keyset spent (COUNT 2^32-1: run\n"
		"a new AKA), 1 other errors, 2 usage.\n", E2M_EDP_PORT, BRIDGE_EDP_FULL_KID_MSGS,
		EDP_WAIT_DEFAULT_MS);
}

static int hex_arg(const char *name, const char *s, uint8_t *out, size_t len)
{
	if (!s || strlen(s) != 2 * len || osmo_hexparse(s, out, (unsigned int)len) != (int)len) {
		fprintf(stderr, "e2msim-auth: --%s: expected %zu hex digits\n", name, 2 * len);
		return -1;
	}
	return 0;
}

static int xfer(struct apdu_transport *t, uint8_t ins, uint8_t p1, uint8_t p2,
		const uint8_t *data, size_t nc, struct apdu_rsp *rsp)
{
	struct apdu_cmd cmd = { .cla = 0x00, .ins = ins, .p1 = p1, .p2 = p2, .nc = (uint16_t)nc,
				.ne = ins == AKA_AUTH_INS ? 256 : 0, .data = data };
	int rc = apdu_transceive(t, &cmd, rsp);

	if (rc < 0)
		fprintf(stderr, "e2msim-auth: transmit failed: %s\n", strerror(-rc));
	return rc;
}

static void put_hex(struct result *r, const char *name, const uint8_t *v, size_t len)
{
	json_object_set_new(r->obj, name, json_string(osmo_hexdump_nospc(v, len)));
}

/* The fields of an answer under their names (an empty one as null); -1
 * when there are fewer than min_fields or more than n_names. */
static int put_fields(struct result *r, const struct aka_auth_lvs *f, const char *const *names,
		      size_t n_names, size_t min_fields)
{
	if (f->n < min_fields || f->n > n_names)
		return -1;
	for (size_t i = 0; i < f->n; i++) {
		if (f->len[i])
			put_hex(r, names[i], f->val[i], f->len[i]);
		else
			json_object_set_new(r->obj, names[i], json_null());
	}
	return 0;
}

/* The protected message carrying text (e2m/msg.h) under the agreed
 * K_E2M_int and E2M-KID, as hex into the result. 0, or -1 (message given). */
static int protect(struct result *r, uint8_t ia, const char *text)
{
	const char *int_hex = json_string_value(json_object_get(r->obj, "k_e2m_int"));
	const char *kid = json_string_value(json_object_get(r->obj, "e2m_kid"));
	size_t text_len = strlen(text), cap, len = 0;
	uint8_t k_int[E2M_ALG_KEY_LEN], *msg;
	char *hex;
	int rc;

	if (!int_hex || !kid || strlen(int_hex) != 2 * sizeof(k_int) ||
	    osmo_hexparse(int_hex, k_int, sizeof(k_int)) != (int)sizeof(k_int)) {
		fprintf(stderr, "e2msim-auth: --protect: no K_E2M_int from this key agreement\n");
		return -1;
	}
	cap = E2M_MSG_LEN(strlen(kid), text_len);
	msg = malloc(cap);
	rc = msg ? e2m_msg_build(ia, k_int, kid, (const uint8_t *)text, text_len, msg, cap, &len)
		 : -ENOMEM;
	OPENSSL_cleanse(k_int, sizeof(k_int));
	/* hex of up to 64 KiB: osmo_hexdump_nospc()'s static buffer is smaller */
	hex = rc == 0 ? malloc(2 * len + 1) : NULL;
	if (rc == 0 && !hex)
		rc = -ENOMEM;
	if (rc == 0) {
		for (size_t i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", msg[i]);
		hex[2 * len] = '\0';
		json_object_set_new(r->obj, "message", json_string(hex));
	} else {
		fprintf(stderr, "e2msim-auth: --protect: cannot build the message: %s\n", strerror(-rc));
	}
	free(hex);
	free(msg);
	return rc ? -1 : 0;
}

static void print_text(const struct result *r)
{
	const char *key;
	json_t *v;

	json_object_foreach(r->obj, key, v) {
		if (!strcmp(key, "message"))
			continue;	/* "MESSAGE: HEX", last */
		if (json_is_string(v))
			printf("%-10s %s\n", key, json_string_value(v));
		else if (json_is_null(v))
			printf("%-10s (none)\n", key);
	}
	v = json_object_get(r->obj, "message");
	if (v)
		printf("MESSAGE: %s\n", json_string_value(v));
}

/* ---- EDP: the device's readings to the HSE (doc/e2m-profile.md 7) ---- */

/* The payload as text: printable ASCII as is, other octets (and '\') as
 * \xNN, into out[cap] (cap >= 4 * len + 1). */
static const char *payload_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 5 <= cap; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[n++] = (char)p[i];
		else
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", p[i]);
	}
	out[n] = '\0';
	return out;
}

/* The E2M keys of this key agreement (in r) as a new EDP session: IA and
 * EA of the ALG asked for (default '11', doc/e2m-profile.md 3), EA 0 when
 * the card gave no K_E2M_enc. 0, or -1 (message given). */
static int edp_session_from_aka(struct bridge_edp_session *s, const struct result *r,
				uint8_t alg, const char *state)
{
	const char *int_hex = json_string_value(json_object_get(r->obj, "k_e2m_int"));
	const char *enc_hex = json_string_value(json_object_get(r->obj, "k_e2m_enc"));
	const char *kid = json_string_value(json_object_get(r->obj, "e2m_kid"));
	uint8_t k_int[E2M_ALG_KEY_LEN], k_enc[E2M_ALG_KEY_LEN];
	char err[512];
	int rc = -1;

	if (!int_hex || !kid || strlen(int_hex) != 2 * E2M_ALG_KEY_LEN ||
	    common_hex_decode(int_hex, strlen(int_hex), k_int, sizeof(k_int)) != E2M_ALG_KEY_LEN ||
	    (enc_hex && (strlen(enc_hex) != 2 * E2M_ALG_KEY_LEN ||
			 common_hex_decode(enc_hex, strlen(enc_hex), k_enc, sizeof(k_enc)) !=
				 E2M_ALG_KEY_LEN))) {
		fprintf(stderr, "e2msim-auth: EDP: no E2M keys from this key agreement\n");
	} else {
		if (!enc_hex)
			alg &= 0x0F;
		if (bridge_edp_session_new(s, state, alg, k_int, enc_hex ? k_enc : NULL, kid, err,
					   sizeof(err)) == 0)
			rc = 0;
		else
			fprintf(stderr, "e2msim-auth: EDP: %s\n", err);
	}
	OPENSSL_cleanse(k_int, sizeof(k_int));
	OPENSSL_cleanse(k_enc, sizeof(k_enc));
	return rc;
}

/* A UDP socket connected to HOST[:PORT] (default E2M_EDP_PORT), or -1. */
static int edp_connect(const char *hostport)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV }, *ai = NULL;
	char host[256], port[8];
	const char *h = hostport, *colon = NULL;
	size_t hlen = strlen(hostport);
	int fd = -1;

	if (hostport[0] == '[') {
		const char *close = strchr(hostport, ']');

		if (close && (!close[1] || close[1] == ':')) {
			h = hostport + 1;
			hlen = (size_t)(close - h);
			colon = close[1] ? close + 1 : NULL;
		} else {
			hlen = 0;
		}
	} else if (strchr(hostport, ':') && strchr(hostport, ':') == strrchr(hostport, ':')) {
		colon = strchr(hostport, ':');
		hlen = (size_t)(colon - hostport);
	}
	snprintf(port, sizeof(port), "%d", E2M_EDP_PORT);
	if (colon && (!colon[1] || strlen(colon + 1) >= sizeof(port) ||
		      strspn(colon + 1, "0123456789") != strlen(colon + 1)))
		hlen = 0;
	else if (colon)
		snprintf(port, sizeof(port), "%s", colon + 1);
	if (!hlen || hlen >= sizeof(host)) {
		fprintf(stderr, "e2msim-auth: --edp-send: expected HOST[:PORT]\n");
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(host, port, &hints, &ai) || !ai) {
		fprintf(stderr, "e2msim-auth: --edp-send: cannot resolve '%s'\n", host);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "e2msim-auth: --edp-send %s: %s\n", hostport, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The downlinks that arrive within wait_ms (after the first valid one,
 * only those already there): each valid one printed as "DOWNLINK: TEXT",
 * or added to list. 0, or -1 when the state could not be saved. */
static int edp_receive(struct bridge_edp_session *s, int fd, long wait_ms, json_t *list)
{
	static uint8_t msg[65536];
	uint8_t payload[E2M_EDP_BODY_MAX];
	char text[4 * E2M_EDP_BODY_MAX + 1];
	long long deadline = common_now_ms() + wait_ms;
	bool got = false;

	for (;;) {
		long long left = got ? 0 : deadline - common_now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		size_t payload_len;
		uint32_t count;
		ssize_t n;
		int rc;

		if (left < 0)
			left = 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return 0;
		n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
		if (n < 0)
			continue;	/* ECONNREFUSED: no HSE listened to an earlier uplink */
		rc = bridge_edp_downlink(s, msg, (size_t)n, payload, sizeof(payload), &payload_len,
					 &count);
		if (rc == -EIO)
			return -1;
		if (rc) {
			fprintf(stderr, "e2msim-auth: EDP: a datagram dropped: %s\n",
				rc == -EALREADY ? "a replayed downlink" : "not a valid downlink");
			continue;
		}
		got = true;
		payload_text(payload, payload_len, text, sizeof(text));
		if (list) {
			char *hex = malloc(2 * payload_len + 1);

			if (hex)
				common_hex_encode(payload, payload_len, hex, 2 * payload_len + 1);
			json_array_append_new(list, json_pack("{s:I, s:s, s:s}", "count", (json_int_t)count,
							      "text", text, "payload_hex", hex ? hex : ""));
			free(hex);
		} else {
			printf("DOWNLINK: %s\n", text);
			fflush(stdout);
		}
		OPENSSL_cleanse(payload, sizeof(payload));
		OPENSSL_cleanse(text, sizeof(text));
	}
}

/* Each TEXT as an uplink, then the downlinks; "UPLINK: COUNT HEX" per
 * message (or the arrays "uplinks" and "downlinks" of obj's "edp"). An
 * exit status. */
static int edp_exchange(struct bridge_edp_session *s, const struct edp_opts *e, json_t *obj)
{
	json_t *ups = obj ? json_array() : NULL, *downs = obj ? json_array() : NULL;
	uint8_t msg[E2M_EDP_MSG_MAX];
	char hex[2 * E2M_EDP_MSG_MAX + 1];
	int fd = edp_connect(e->send), rc = 0;

	if (obj)
		json_object_set_new(obj, "edp", json_pack("{s:o, s:o}", "uplinks", ups, "downlinks",
							   downs));
	if (fd < 0)
		return 1;
	for (int i = 0; i < e->n_texts && rc == 0; i++) {
		size_t len;
		uint32_t count;
		int brc = bridge_edp_uplink(s, (const uint8_t *)e->texts[i], strlen(e->texts[i]), msg,
					    sizeof(msg), &len, &count);

		if (brc == -ENOSPC) {
			fprintf(stderr, "e2msim-auth: EDP: the keyset is spent (COUNT 2^32-1): run a new "
				"AKA (--rand, --autn)\n");
			rc = AUTH_EXIT_SPENT;
			break;
		}
		if (brc) {
			fprintf(stderr, "e2msim-auth: EDP: TEXT %d: %s\n", i + 1,
				brc == -EINVAL ? "longer than 1024 octets" : "cannot save the EDP state");
			rc = 1;
			break;
		}
		common_hex_encode(msg, len, hex, sizeof(hex));
		if (ups)
			json_array_append_new(ups, json_pack("{s:I, s:s}", "count", (json_int_t)count,
							     "message", hex));
		else
			printf("UPLINK: %u %s\n", count, hex);
		fflush(stdout);
		if (send(fd, msg, len, 0) < 0)
			fprintf(stderr, "e2msim-auth: EDP: COUNT %u to %s: %s\n", count, e->send,
				strerror(errno));
		if (edp_receive(s, fd, e->wait_ms, downs) < 0)
			rc = 1;
	}
	close(fd);
	return rc;
}

/* --edp-state without AKA: the stored keyset goes on. An exit status. */
static int edp_resume(const struct edp_opts *e, bool json)
{
	struct bridge_edp_session s;
	struct result res = { .obj = json_object() };
	char err[512], sid[2 * E2M_EDP_SID_LEN + 1];
	int rc;

	rc = bridge_edp_session_load(&s, e->state, err, sizeof(err));
	if (rc) {
		if (rc == -ENOENT)
			fprintf(stderr, "e2msim-auth: --edp-state %s: no stored keyset: run an AKA first "
				"(--context e2m --rand --autn)\n", e->state);
		else
			fprintf(stderr, "e2msim-auth: --edp-state %s\n", err);
		json_decref(res.obj);
		return rc == -ENOENT ? 2 : 1;
	}
	common_hex_encode(s.keys.sid, sizeof(s.keys.sid), sid, sizeof(sid));
	json_object_set_new(res.obj, "e2m_kid", json_string(s.keys.kid));
	json_object_set_new(res.obj, "edp_sid", json_string(sid));
	if (!json) {
		print_text(&res);
		fflush(stdout);
	}
	rc = e->send ? edp_exchange(&s, e, json ? res.obj : NULL) : 0;
	if (json) {
		char *out = json_dumps(res.obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(out);
		free(out);
	}
	bridge_edp_session_clear(&s);
	json_decref(res.obj);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "context", required_argument, NULL, 'c' },
		{ "rand", required_argument, NULL, 'R' },
		{ "autn", required_argument, NULL, 'A' },
		{ "pin", required_argument, NULL, 'P' },
		{ "eid", required_argument, NULL, 'E' },
		{ "snid", required_argument, NULL, 'S' },
		{ "alg", required_argument, NULL, 'G' },
		{ "p2", required_argument, NULL, '2' },
		{ "variant-e", no_argument, NULL, 'V' },
		{ "no-fallback", no_argument, NULL, 'N' },
		{ "protect", required_argument, NULL, 'M' },
		{ "edp-send", required_argument, NULL, 'D' },
		{ "edp-wait", required_argument, NULL, 'W' },
		{ "edp-state", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const uint8_t usim_aid[7] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };
	const char *reader = "0", *rand_hex = NULL, *autn_hex = NULL, *pin = NULL, *eid = NULL;
	const char *snid_arg = NULL, *alg_arg = NULL, *p2_arg = NULL, *protect_text = NULL;
	char why[64];
	uint8_t rnd[16], autn[16], alg = 0, p2 = 0x83, data[300], rbuf[512];
	struct apdu_rsp rsp = { .buf = rbuf, .cap = sizeof(rbuf) };
	struct result res = { .obj = NULL };
	struct apdu_transport t;
	bool json = false, variant_e = false, no_fallback = false, protect_failed = false;
	int context = CTX_3G, verbose = 0, c, rc = 1;
	struct aka_auth_lvs fields = { .n = 0 };
	struct common_plmn snid = { .id = { 0 } };
	struct edp_opts edp = { .wait_ms = EDP_WAIT_DEFAULT_MS };
	struct bridge_edp_session edp_session = { .path = NULL };
	bool edp_ready = false;
	char *end;
	uint8_t tag;
	size_t n;
	void *ctx;

	while ((c = getopt_long(argc, argv, "r:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reader = optarg; break;
		case 'c':
			context = get_string_value(context_names, optarg);
			if (context < 0) {
				fprintf(stderr, "e2msim-auth: --context: 3g, gsm or e2m\n");
				return 2;
			}
			break;
		case 'R': rand_hex = optarg; break;
		case 'A': autn_hex = optarg; break;
		case 'P': pin = optarg; break;
		case 'E': eid = optarg; break;
		case 'S': snid_arg = optarg; break;
		case 'G': alg_arg = optarg; break;
		case '2': p2_arg = optarg; break;
		case 'j': json = true; break;
		case 'V': variant_e = true; break;
		case 'N': no_fallback = true; break;
		case 'M': protect_text = optarg; break;
		case 'D': edp.send = optarg; break;
		case 'W':
			edp.wait_ms = strtol(optarg, &end, 10);
			if (!*optarg || *end || edp.wait_ms < 0 || edp.wait_ms > 600000) {
				fprintf(stderr, "e2msim-auth: --edp-wait: 0 to 600000 ms\n");
				return 2;
			}
			break;
		case 'T': edp.state = optarg; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* --edp-send HOST:PORT TEXT...: the texts are the arguments left */
	edp.texts = argv + optind;
	edp.n_texts = argc - optind;
	if (edp.n_texts && !edp.send) {
		fprintf(stderr, "e2msim-auth: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (edp.send && !edp.n_texts) {
		fprintf(stderr, "e2msim-auth: --edp-send HOST[:PORT] TEXT...: at least one TEXT\n");
		return 2;
	}
	for (int i = 0; i < edp.n_texts; i++) {
		if (strlen(edp.texts[i]) > E2M_EDP_BODY_MAX) {
			fprintf(stderr, "e2msim-auth: --edp-send: a TEXT has at most %d octets\n",
				E2M_EDP_BODY_MAX);
			return 2;
		}
	}
	if ((edp.send || edp.state) && rand_hex && context != CTX_E2M) {
		fprintf(stderr, "e2msim-auth: --edp-send and --edp-state: need --context e2m (the "
			"card's E2M keys or variant E's)\n");
		return 2;
	}
	/* the stored keyset goes on, without AKA and without the card */
	if (edp.state && !rand_hex && !autn_hex) {
		if (alg_arg || protect_text || pin || eid || snid_arg) {
			fprintf(stderr, "e2msim-auth: --edp-state without --rand: the stored keyset; "
				"no card options\n");
			return 2;
		}
		return edp_resume(&edp, json);
	}
	if (hex_arg("rand", rand_hex, rnd, 16) < 0 ||
	    (context != CTX_GSM && hex_arg("autn", autn_hex, autn, 16) < 0) ||
	    (alg_arg && hex_arg("alg", alg_arg, &alg, 1) < 0) ||
	    (p2_arg && hex_arg("p2", p2_arg, &p2, 1) < 0))
		return 2;
	if (protect_text && context != CTX_E2M) {
		fprintf(stderr, "e2msim-auth: --protect: needs --context e2m (the card's E2M keys "
			"or variant E's)\n");
		return 2;
	}
	if (protect_text && strlen(protect_text) > E2M_MSG_PAYLOAD_MAX) {
		fprintf(stderr, "e2msim-auth: --protect: at most %d octets\n", E2M_MSG_PAYLOAD_MAX);
		return 2;
	}
	if (context == CTX_E2M && (!eid || !*eid || strlen(eid) > E2M_EID_MAX)) {
		fprintf(stderr, "e2msim-auth: --eid: 1 to %d octets needed for the e2m context\n",
			E2M_EID_MAX);
		return 2;
	}

	/* TS 31.102 7.1.2 / doc/e2m-profile.md 3: the command data, LVs */
	aka_auth_lvs_add(&fields, rnd, sizeof(rnd));
	if (context != CTX_GSM)
		aka_auth_lvs_add(&fields, autn, sizeof(autn));
	if (context == CTX_E2M) {
		if (snid_arg && common_plmn_encode(snid_arg, &snid, NULL) < 0) {
			fprintf(stderr, "e2msim-auth: --snid: expected MCCMNC, 5 or 6 digits\n");
			return 2;
		}
		aka_auth_lvs_add(&fields, (const uint8_t *)eid, strlen(eid));
		aka_auth_lvs_add(&fields, snid.id, snid_arg ? sizeof(snid.id) : 0);
		if (alg_arg)
			aka_auth_lvs_add(&fields, &alg, 1);
	}
	n = aka_auth_cmd_data(&fields, data, sizeof(data));

	/* created once the arguments are checked: a usage error leaks nothing */
	ctx = talloc_named_const(NULL, 0, "e2msim-auth");
	res.obj = json_object();
	common_log_init(ctx, verbose);
	if ((rc = apdu_pcsc_open(&t, reader)) < 0) {
		fprintf(stderr, "e2msim-auth: reader '%s': %s\n", reader,
			apdu_pcsc_open_strerror(rc, why, sizeof(why)));
		json_decref(res.obj);
		talloc_free(ctx);
		return 1;
	}
	rc = 1;
	if (xfer(&t, 0xA4, 0x04, 0x0C, usim_aid, sizeof(usim_aid), &rsp) < 0)
		goto out;
	if (rsp.sw != APDU_SW_OK) {
		fprintf(stderr, "e2msim-auth: no USIM application: %04X %s\n", rsp.sw, apdu_sw_name(rsp.sw));
		goto out;
	}
	if (pin) {
		uint8_t block[8];
		if (usim_pin_encode(pin, block) < 0) {
			fprintf(stderr, "e2msim-auth: --pin: 4 to 8 digits\n");
			rc = 2;
			goto out;
		}
		if (xfer(&t, 0x20, 0x00, 0x01, block, 8, &rsp) < 0)
			goto out;
		if (rsp.sw != APDU_SW_OK) {
			fprintf(stderr, "e2msim-auth: PIN1 refused: %04X %s\n", rsp.sw, apdu_sw_name(rsp.sw));
			goto out;
		}
	}
	if (context == CTX_E2M && !no_fallback) {
		/* through the ME bridge library: the card's E2M context, or
		 * variant E when it has none (or when asked) */
		struct e2m_config cfg;
		struct bridge br;
		e2m_config_defaults(&cfg);
		cfg.p2 = p2;
		bridge_init(&br, &t, &cfg, variant_e);
		if (bridge_e2m_authenticate(&br, 0x00, data, n, &rsp) < 0) {
			fprintf(stderr, "e2msim-auth: the card cannot be reached\n");
			goto out;
		}
		json_object_set_new(res.obj, "variant", json_string(br.mode == BRIDGE_VARIANT_E ?
								   "E (ME)" : "A-D (card)"));
	} else if (xfer(&t, AKA_AUTH_INS, 0x00, context == CTX_GSM ? AKA_AUTH_P2_GSM :
					      context == CTX_3G ? AKA_AUTH_P2_3G : p2,
			data, n, &rsp) < 0) {
		goto out;
	}

	json_object_set_new(res.obj, "context", json_string(get_value_string(context_names, context)));
	if (rsp.sw == APDU_SW_AUTH_MAC_FAILURE) {
		fprintf(stderr, "e2msim-auth: MAC failure: the card does not accept this AUTN (9862)\n");
		rc = 4;
	} else if (rsp.sw == APDU_SW_INCORRECT_P1P2 || rsp.sw == APDU_SW_AUTH_CONTEXT_NOT_SUPPORTED) {
		fprintf(stderr, "e2msim-auth: the card has no %s context (%04X)\n",
			get_value_string(context_names, context), rsp.sw);
		rc = 5;
	} else if (rsp.sw != APDU_SW_OK) {
		fprintf(stderr, "e2msim-auth: AUTHENTICATE: %04X %s\n", rsp.sw, apdu_sw_name(rsp.sw));
	} else if (context == CTX_GSM) {
		static const char *const names[] = { "sres", "kc" };
		rc = aka_auth_lvs_parse(rsp.buf, rsp.len, &fields) < 0 ? -1 :
		     put_fields(&res, &fields, names, 2, 2);
	} else if (aka_auth_answer_parse(rsp.buf, rsp.len, &tag, &fields) < 0) {
		rc = -1;
	} else if (tag == AKA_AUTH_TAG_SYNC) {
		rc = fields.n == 1 && fields.len[0] == 14 ? 3 : -1;
		if (rc == 3)
			put_hex(&res, "auts", fields.val[0], 14);
	} else {
		static const char *const g3[] = { "res", "ck", "ik", "kc" };
		static const char *const e2m[] = { "res", "ck", "ik", "k_e2m_int", "k_e2m_enc" };
		rc = context == CTX_E2M ? put_fields(&res, &fields, e2m, 5, 5) :
					  put_fields(&res, &fields, g3, 4, 3);
		if (rc == 0 && context == CTX_E2M) {
			char kid[E2M_KID_MAX];
			size_t kid_len;
			if (e2m_kid(rnd, (const uint8_t *)eid, strlen(eid), kid, sizeof(kid), &kid_len) == 0)
				json_object_set_new(res.obj, "e2m_kid", json_string(kid));
			/* IA of the ALG asked for, else of the default '11' (doc/e2m-profile.md 3) */
			if (protect_text && protect(&res, alg_arg ? alg & 0x0F : 0x01, protect_text) < 0)
				protect_failed = true;
			/* the EDP session of these keys (doc/e2m-profile.md 7) */
			if ((edp.send || edp.state) && !protect_failed) {
				if (edp_session_from_aka(&edp_session, &res, alg_arg ? alg : 0x11,
							 edp.state) < 0) {
					protect_failed = true;
				} else {
					char sid[2 * E2M_EDP_SID_LEN + 1];

					common_hex_encode(edp_session.keys.sid, E2M_EDP_SID_LEN, sid,
							  sizeof(sid));
					json_object_set_new(res.obj, "edp_sid", json_string(sid));
					edp_ready = true;
				}
			}
		}
	}
	if (rc < 0) {
		fprintf(stderr, "e2msim-auth: cannot parse the answer %s\n", osmo_hexdump_nospc(rsp.buf, rsp.len));
		rc = 1;
	} else if (protect_failed) {
		rc = 1;
	} else if (rc == 0 || rc == 3) {
		if (!json) {
			print_text(&res);
			fflush(stdout);
		}
		/* the card is done with: its readings go to the HSE */
		if (edp_ready && edp.send)
			rc = edp_exchange(&edp_session, &edp, json ? res.obj : NULL);
		if (json) {
			char *s = json_dumps(res.obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			puts(s);
			free(s);
		}
	}
out:
	bridge_edp_session_clear(&edp_session);
	OPENSSL_cleanse(rbuf, sizeof(rbuf));
	json_decref(res.obj);
	apdu_transport_close(&t);
	talloc_free(ctx);
	return rc;
}
