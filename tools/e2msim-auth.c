/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-auth: the ME side of AKA, like osmo-sim-auth: runs AUTHENTICATE in
 * the 3G, GSM or E2M context (TS 31.102 7.1.2, doc/e2m-profile.md 3) on the card in
 * any PC/SC reader and prints what the card answers; with --protect, the
 * device's first protected message to the HSE (e2m/msg.h). */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "apdu/pcsc.h"
#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "aka/auth_apdu.h"
#include "bridge/bridge.h"
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

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-auth [options] --rand HEX [--autn HEX]\n"
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
		"      --json         one JSON object instead of text\n"
		"  -v, --verbose      log the APDUs\n"
		"  -h, --help         this text\n"
		"Exit status: 0 keys, 3 synchronisation failure (AUTS printed), 4 MAC\n"
		"failure, 5 context not supported, 1 other errors, 2 usage.\n");
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
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
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
		}
	}
	if (rc < 0) {
		fprintf(stderr, "e2msim-auth: cannot parse the answer %s\n", osmo_hexdump_nospc(rsp.buf, rsp.len));
		rc = 1;
	} else if (protect_failed) {
		rc = 1;
	} else if (rc == 0 || rc == 3) {
		if (json) {
			char *s = json_dumps(res.obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			puts(s);
			free(s);
		} else {
			print_text(&res);
		}
	}
out:
	OPENSSL_cleanse(rbuf, sizeof(rbuf));
	json_decref(res.obj);
	apdu_transport_close(&t);
	talloc_free(ctx);
	return rc;
}
