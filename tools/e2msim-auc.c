/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-auc: the network side of AKA for one card profile. Prints the
 * authentication vector an AuC would send for it, or verifies an AUTS from
 * a resynchronisation; as the HSS, pushes the E2M keyset to the key service
 * of a delivery variant and sends variant B's session event (doc/e2m-profile.md 5).
 * A thin front end over aka/auc.c and keyd/hss.c. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <osmocom/core/utils.h>

#include "common/hex.h"
#include "common/num.h"
#include "keyd/hss.h"
#include "aka/auc.h"
#include "e2m/hss.h"
#include "e2m/keyset.h"
#include "e2m/policy.h"
#include "usim/profile.h"
#include "common/rand.h"

enum auc_exit {
	AUC_EXIT_OK = 0,
	AUC_EXIT_REFUSED = 1,	/* AUTS with a wrong MAC-S; the key service refused */
	AUC_EXIT_USAGE = 2,	/* bad options or input */
	AUC_EXIT_INTERNAL = 3,	/* the crypto library or RNG failed; no answer from
				 * the key service */
};

struct auc_opts {
	const char *profile;
	uint8_t rand[AKA_ALG_RAND_LEN];
	bool rand_set;
	uint64_t sqn, seq;
	bool sqn_set, seq_set, ind_set;
	unsigned int ind, ind_bits;
	uint8_t amf[AKA_ALG_AMF_LEN];
	uint8_t auts[AKA_AUC_AUTS_MAX];
	size_t auts_len;
	bool auts_set;
	bool json;
	/* E2M (doc/e2m-profile.md): the HSS side of the key agreement */
	const char *eid;
	struct common_plmn snid;
	bool snid_set;
	uint8_t alg;
	bool alg_set;
	struct e2m_config e2m;	/* the profile's e2m object */
	/* delivery (doc/e2m-profile.md 5): the HSS configuration, the variant, and
	 * the session event of variant B */
	const char *hss;
	struct keyd_hss_config hss_cfg;
	enum keyd_hss_variant variant;
	bool variant_set;
	const char *session;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-auc --profile FILE [--rand HEX] [--sqn N | --seq N --ind I]\n"
		"                  [--ind-bits B] [--amf HEX] [--json]\n"
		"       e2msim-auc --profile FILE --auts HEX --rand HEX [--ind-bits B] [--json]\n"
		"       e2msim-auc --profile FILE --eid ID --hss FILE --variant A|B|C|D|E [...]\n"
		"       e2msim-auc --hss FILE --variant B --session KID [--json]\n"
		"Prints the authentication vector (TS 33.102 6.3.2) an AuC makes for the card\n"
		"profile (the JSON the card is personalised from), or verifies an AUTS\n"
		"(TS 33.102 6.3.3) and prints the card's SQN_MS. With --hss, the HSS also\n"
		"delivers the E2M keyset to a key service (doc/e2m-profile.md 5, keyd/API.md).\n\n"
		"  -p, --profile FILE  card profile: ki, opc or op, algorithm\n"
		"  -r, --rand HEX      RAND, 32 hex digits; default: random. With --auts: the\n"
		"                      RAND of the vector the card answered with the AUTS\n"
		"  -s, --sqn N         SQN to put in AUTN (decimal, or hex after 0x; 48 bits)\n"
		"      --seq N         SQN = SEQ || IND: SEQ (default 1) ...\n"
		"      --ind I         ... and IND (default 0)\n"
		"      --ind-bits B    IND length in bits, 0..%d; default %d (TS 33.102 C.3.2)\n"
		"  -a, --amf HEX       AMF, 4 hex digits; default 8000 (separation bit,\n"
		"                      TS 33.401 6.1.1)\n"
		"  -A, --auts HEX      verify this AUTS (28 hex digits for a 64-bit MAC-S)\n"
		"  -j, --json          one JSON object instead of text\n"
		"      --eid ID        E2M: also the keysets the HSS hands to the endpoint ID\n"
		"                      (doc/e2m-profile.md 2): variants A-D from K (when the profile\n"
		"                      has \"e2m\"), variant E from CK||IK, and E2M-KID\n"
		"      --snid MCCMNC   E2M: serving PLMN, for the confidentiality policy\n"
		"      --alg XX        E2M: ALG octet, EA high nibble, IA low (default: the\n"
		"                      profile's e2m.alg, else 11)\n"
		"      --hss FILE      E2M delivery: the HSS configuration (JSON: tls, delivery\n"
		"                      URL per variant, policy); its policy, not the profile's,\n"
		"                      decides K_E2M_enc with --snid (solution 4)\n"
		"      --variant V     with --hss and --eid: push the keyset to delivery.V:\n"
		"                      A-D the keyset from K, E the one from CK||IK\n"
		"      --session KID   with --hss and --variant B: variant B's session event\n"
		"                      (PDN connection up): the HSS store forwards that keyset\n"
		"  -h, --help          this text\n"
		"Output: RAND, AUTN, XRES, CK, IK, AK, Kc, SRES (hex) and SQN, SEQ, IND, AMF;\n"
		"a GSM-only algorithm gives RAND, Kc, SRES. With --auts: SQN_MS, SEQ_MS,\n"
		"IND_MS. K and OPc are never printed. With --variant: \"Pushed (V): KID, ALG XX,\n"
		"to URL\" and \"Expires: SECONDS\" (Unix time); the vector is printed only\n"
		"once its keyset is stored. With --session: \"Session (B): KID\", \"Sent to: URL\".\n"
		"Exit: 0 done, 1 AUTS refused (MAC-S wrong) or the key service refused (its\n"
		"error on stderr), 2 usage or input error, 3 crypto library or random\n"
		"generator failure, or no answer from the key service.\n",
		AKA_AUC_IND_BITS_MAX, AKA_AUC_IND_BITS_DEFAULT);
}

/* Exactly len octets of hex, or a message naming the option. */
static int parse_hex_exact(const char *opt, const char *s, uint8_t *out, size_t len)
{
	if (common_hex_decode(s, strlen(s), out, len) != (int)len) {
		fprintf(stderr, "e2msim-auc: --%s: expected %zu hex digits, got '%s'\n", opt,
			2 * len, s);
		return -1;
	}
	return 0;
}

/* Decimal, or hex after "0x"; at most max. */
static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	if (common_parse_uint(s, 0, max, out) == 0)
		return 0;
	fprintf(stderr, "e2msim-auc: --%s: expected a number from 0 to %" PRIu64
		" (decimal, or hex after 0x)\n", opt, max);
	return -1;
}

static int parse_args(int argc, char **argv, struct auc_opts *o)
{
	enum { OPT_SEQ = 256, OPT_IND, OPT_IND_BITS, OPT_EID, OPT_SNID, OPT_ALG, OPT_HSS,
	       OPT_VARIANT, OPT_SESSION };
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "rand", required_argument, NULL, 'r' },
		{ "sqn", required_argument, NULL, 's' },
		{ "seq", required_argument, NULL, OPT_SEQ },
		{ "ind", required_argument, NULL, OPT_IND },
		{ "ind-bits", required_argument, NULL, OPT_IND_BITS },
		{ "amf", required_argument, NULL, 'a' },
		{ "auts", required_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "eid", required_argument, NULL, OPT_EID },
		{ "snid", required_argument, NULL, OPT_SNID },
		{ "alg", required_argument, NULL, OPT_ALG },
		{ "hss", required_argument, NULL, OPT_HSS },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ "session", required_argument, NULL, OPT_SESSION },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t n;
	int c, len;

	while ((c = getopt_long(argc, argv, "p:r:s:a:A:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->profile = optarg;
			break;
		case 'r':
			if (parse_hex_exact("rand", optarg, o->rand, sizeof(o->rand)))
				return -1;
			o->rand_set = true;
			break;
		case 's':
			if (parse_u64("sqn", optarg, AKA_AUC_SQN_MAX, &o->sqn))
				return -1;
			o->sqn_set = true;
			break;
		case OPT_SEQ:
			if (parse_u64("seq", optarg, AKA_AUC_SQN_MAX, &o->seq))
				return -1;
			o->seq_set = true;
			break;
		case OPT_IND:
			if (parse_u64("ind", optarg, (1u << AKA_AUC_IND_BITS_MAX) - 1, &n))
				return -1;
			o->ind = (unsigned int)n;
			o->ind_set = true;
			break;
		case OPT_IND_BITS:
			if (parse_u64("ind-bits", optarg, AKA_AUC_IND_BITS_MAX, &n))
				return -1;
			o->ind_bits = (unsigned int)n;
			break;
		case 'a':
			if (parse_hex_exact("amf", optarg, o->amf, sizeof(o->amf)))
				return -1;
			break;
		case 'A':
			len = common_hex_decode(optarg, strlen(optarg), o->auts, sizeof(o->auts));
			if (len <= AKA_ALG_SQN_LEN) {
				fprintf(stderr, "e2msim-auc: --auts: expected hex, SQN_MS xor AK* "
					"(6 octets) and MAC-S, got '%s'\n", optarg);
				return -1;
			}
			o->auts_len = (size_t)len;
			o->auts_set = true;
			break;
		case 'j':
			o->json = true;
			break;
		case OPT_EID:
			if (!*optarg || strlen(optarg) > E2M_EID_MAX) {
				fprintf(stderr, "e2msim-auc: --eid: 1 to %d octets\n", E2M_EID_MAX);
				return -1;
			}
			o->eid = optarg;
			break;
		case OPT_SNID:
			if (common_plmn_encode(optarg, &o->snid, NULL) < 0) {
				fprintf(stderr, "e2msim-auc: --snid: expected MCCMNC, 5 or 6 digits\n");
				return -1;
			}
			o->snid_set = true;
			break;
		case OPT_ALG:
			if (common_hex_decode(optarg, strlen(optarg), &o->alg, 1) != 1 ||
			    e2m_alg_check(o->alg) < 0) {
				fprintf(stderr, "e2msim-auc: --alg: expected 2 hex digits, EA 0-2 (high "
					"nibble) and IA 1-2 (low), got '%s'\n", optarg);
				return -1;
			}
			o->alg_set = true;
			break;
		case OPT_HSS:
			o->hss = optarg;
			break;
		case OPT_VARIANT:
			if (keyd_hss_variant_parse(optarg, &o->variant)) {
				fprintf(stderr, "e2msim-auc: --variant: A, B, C, D or E (doc/e2m-profile.md 5)\n");
				return -1;
			}
			o->variant_set = true;
			break;
		case OPT_SESSION:
			if (keyd_kid_check(optarg, NULL, 0)) {
				fprintf(stderr, "e2msim-auc: --session: expected an E2M-KID, "
					"base64(RAND) \"@\" EID\n");
				return -1;
			}
			o->session = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(AUC_EXIT_OK);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "e2msim-auc: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if ((o->hss || o->session) && !o->variant_set) {
		fprintf(stderr, "e2msim-auc: --%s needs --variant A-E (doc/e2m-profile.md 5)\n",
			o->session ? "session" : "hss");
		return -1;
	}
	if (o->variant_set && !o->hss) {
		fprintf(stderr, "e2msim-auc: --variant needs --hss FILE, the HSS configuration\n");
		return -1;
	}
	if (o->session) {
		if (o->variant != KEYD_HSS_VARIANT_B) {
			fprintf(stderr, "e2msim-auc: --session is variant B's event: --variant B\n");
			return -1;
		}
		if (o->profile || o->eid || o->auts_set) {
			fprintf(stderr, "e2msim-auc: --session sends the session event only: "
				"no --profile, --eid or --auts\n");
			return -1;
		}
		return 0;
	}
	if (!o->profile) {
		fprintf(stderr, "e2msim-auc: --profile FILE is required (see --help)\n");
		return -1;
	}
	if (o->variant_set && (!o->eid || o->auts_set)) {
		fprintf(stderr, "e2msim-auc: --variant pushes the keyset of a new vector: "
			"it needs --eid, and no --auts\n");
		return -1;
	}
	if (o->sqn_set && (o->seq_set || o->ind_set)) {
		fprintf(stderr, "e2msim-auc: give either --sqn or --seq/--ind, not both\n");
		return -1;
	}
	if (o->auts_set && (o->sqn_set || o->seq_set || o->ind_set)) {
		fprintf(stderr, "e2msim-auc: --auts takes no SQN: it gives SQN_MS\n");
		return -1;
	}
	if (o->auts_set && !o->rand_set) {
		fprintf(stderr, "e2msim-auc: --auts needs --rand, the RAND the card answered\n");
		return -1;
	}
	return 0;
}

/* ---- output: one table of AV fields, printed as text or JSON ---- */

struct auc_field {
	const char *text;	/* label of the text output */
	const char *json;	/* key of the JSON output */
	const uint8_t *v;
	size_t len;		/* 0: the vector has no such field */
};

static void print_fields(const struct auc_field *f, size_t n, json_t *obj)
{
	char hex[2 * AKA_AUC_AUTN_MAX + 1];

	for (size_t i = 0; i < n; i++) {
		if (!f[i].len || f[i].len > AKA_AUC_AUTN_MAX)	/* AUTN is the longest */
			continue;
		for (size_t j = 0; j < f[i].len; j++)
			snprintf(hex + 2 * j, 3, "%02x", f[i].v[j]);
		if (obj)
			json_object_set_new(obj, f[i].json, json_string(hex));
		else
			printf("%-5s %s\n", f[i].text, hex);
	}
	OPENSSL_cleanse(hex, sizeof(hex));
}

/* SQN, SEQ and IND as numbers; ms: those of SQN_MS, from an AUTS. */
static void print_sqn(uint64_t sqn, unsigned int ind_bits, bool ms, json_t *obj)
{
	uint64_t seq = 0;
	unsigned int ind = 0;

	aka_auc_sqn_split(sqn, ind_bits, &seq, &ind);
	{
		const struct {
			const char *text, *json;
			uint64_t v;
		} nums[] = {
			{ .text = ms ? "SQN_MS:" : "SQN:", .json = ms ? "sqn_ms" : "sqn", .v = sqn },
			{ .text = ms ? "SEQ_MS:" : "SEQ:", .json = ms ? "seq_ms" : "seq", .v = seq },
			{ .text = ms ? "IND_MS:" : "IND:", .json = ms ? "ind_ms" : "ind", .v = ind },
		};

		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			if (obj)
				json_object_set_new(obj, nums[i].json,
						    json_integer((json_int_t)nums[i].v));
			else
				printf("%-5s %" PRIu64 "\n", nums[i].text, nums[i].v);
		}
	}
}

static int print_json(json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!s)
		return -ENOMEM;
	puts(s);
	OPENSSL_cleanse(s, strlen(s));
	free(s);
	return 0;
}

/* What the HSS pushed to a key service (doc/e2m-profile.md 5) */
struct e2m_pushed {
	const char *variant, *url, *kid;
	uint8_t alg;
	int64_t expires;
};

/* The keysets of one E2M key agreement, as the HSS hands them on */
struct e2m_out {
	const char *kid;
	const struct e2m_keyset *usim;	/* variants A-D, NULL without E2M card */
	const struct e2m_keyset *me;	/* variant E */
	const struct e2m_pushed *pushed;	/* NULL without --variant */
};

static void output_pushed(const struct e2m_pushed *p, json_t *obj)
{
	char alg[3];

	snprintf(alg, sizeof(alg), "%02x", p->alg);
	if (obj) {
		json_object_set_new(obj, "pushed", json_pack("{s:s, s:s, s:s, s:s, s:I}",
			"variant", p->variant, "url", p->url, "kid", p->kid, "alg", alg,
			"expires", (json_int_t)p->expires));
		return;
	}
	printf("Pushed (%s): %s, ALG %s, to %s\n", p->variant, p->kid, alg, p->url);
	printf("Expires: %" PRId64 "\n", p->expires);
}

static void output_keyset(const char *label, const char *key, const struct e2m_keyset *ks,
			  json_t *obj)
{
	const struct auc_field f = { .text = "", .json = "k_e2m_int", .v = ks->k_int, .len = 16 };
	char text[40];
	json_t *sub = obj ? json_object() : NULL;

	if (obj) {
		print_fields(&f, 1, sub);
		json_object_set_new(sub, "k_e2m_enc", ks->k_enc_len ?
				    json_string(osmo_hexdump_nospc(ks->k_enc, ks->k_enc_len)) : json_null());
		json_object_set_new(obj, key, sub);
		return;
	}
	snprintf(text, sizeof(text), "K_E2M_int (%s):", label);
	printf("%-18s %s\n", text, osmo_hexdump_nospc(ks->k_int, 16));
	snprintf(text, sizeof(text), "K_E2M_enc (%s):", label);
	printf("%-18s %s\n", text, ks->k_enc_len ? osmo_hexdump_nospc(ks->k_enc, ks->k_enc_len) :
	       "(none: confidentiality off)");
}

static int output_vec(const char *alg, const struct aka_auc_vec *av, unsigned int ind_bits,
		      const struct e2m_out *e2m, bool json)
{
	const struct auc_field fields[] = {
		{ .text = "RAND:", .json = "rand", .v = av->rand, .len = sizeof(av->rand) },
		{ .text = "AUTN:", .json = "autn", .v = av->autn, .len = av->autn_len },
		{ .text = "XRES:", .json = "xres", .v = av->xres, .len = av->xres_len },
		{ .text = "CK:", .json = "ck", .v = av->ck, .len = av->ck_len },
		{ .text = "IK:", .json = "ik", .v = av->ik, .len = av->ik_len },
		{ .text = "AK:", .json = "ak", .v = av->ak, .len = av->umts ? sizeof(av->ak) : 0 },
		{ .text = "Kc:", .json = "kc", .v = av->kc, .len = av->gsm ? sizeof(av->kc) : 0 },
		{ .text = "SRES:", .json = "sres", .v = av->sres,
		  .len = av->gsm ? sizeof(av->sres) : 0 },
	};
	const struct auc_field amf = {
		.text = "AMF:", .json = "amf", .v = av->amf, .len = av->umts ? sizeof(av->amf) : 0,
	};
	json_t *obj = json ? json_object() : NULL;
	int rc = 0;

	if (json && !obj)
		return -ENOMEM;
	if (obj)
		json_object_set_new(obj, "algorithm", json_string(alg));
	print_fields(fields, sizeof(fields) / sizeof(fields[0]), obj);
	if (av->umts) {
		print_sqn(av->sqn, ind_bits, false, obj);
		print_fields(&amf, 1, obj);
	}
	if (e2m) {
		if (obj)
			json_object_set_new(obj, "e2m_kid", json_string(e2m->kid));
		else
			printf("E2M-KID: %s\n", e2m->kid);
		if (e2m->usim)
			output_keyset("A-D", "usim", e2m->usim, obj);
		output_keyset("E", "me", e2m->me, obj);
		if (e2m->pushed)
			output_pushed(e2m->pushed, obj);
	}
	if (obj) {
		rc = print_json(obj);
		json_decref(obj);
	}
	return rc;
}

static int output_auts(const char *alg, const struct auc_opts *o, uint64_t sqn_ms)
{
	const struct auc_field fields[] = {
		{ .text = "RAND:", .json = "rand", .v = o->rand, .len = sizeof(o->rand) },
		{ .text = "AUTS:", .json = "auts", .v = o->auts, .len = o->auts_len },
	};
	json_t *obj = o->json ? json_object() : NULL;
	int rc = 0;

	if (o->json && !obj)
		return -ENOMEM;
	if (obj) {
		json_object_set_new(obj, "algorithm", json_string(alg));
		print_fields(fields, sizeof(fields) / sizeof(fields[0]), obj);
	}
	print_sqn(sqn_ms, o->ind_bits, true, obj);
	if (obj) {
		rc = print_json(obj);
		json_decref(obj);
	}
	return rc;
}

/* ---- the two modes ---- */

/* doc/e2m-profile.md 3, solution 4: with --hss the HSS configuration's
 * rules decide, else the profile's (as its card would). */
static bool e2m_confidentiality(const struct auc_opts *o)
{
	const uint8_t *snid = o->snid_set ? o->snid.id : NULL;

	if (o->hss)
		return e2m_policy_confidentiality(o->hss_cfg.policy.confidentiality,
						  &o->hss_cfg.policy.no_conf, snid);
	return e2m_policy_confidentiality(!o->e2m.present || o->e2m.home_confidentiality,
					  &o->e2m.no_confidentiality, snid);
}

/* The HSS's keysets for the AV: A-D from K when the card has an E2M
 * context, E from CK || IK always. */
static int e2m_keysets(const struct aka_alg_keys *keys, const struct auc_opts *o,
		       const struct aka_auc_vec *av, struct e2m_keyset *usim,
		       struct e2m_keyset *me, bool *have_usim)
{
	const struct e2m_hss_request r = {
		.eid = o->eid, .alg = o->alg_set ? o->alg : o->e2m.alg,
		.confidentiality = e2m_confidentiality(o),
	};

	return e2m_hss_keysets(&o->e2m, keys, av, &r, usim, me, have_usim);
}

/* The HSS hands the variant's keyset to its key service (doc/e2m-profile.md 5):
 * A-D the one from K, E the one from CK || IK. An AUC_EXIT code. */
static int e2m_push(const struct auc_opts *o, const struct e2m_keyset *usim,
		    const struct e2m_keyset *me, struct e2m_pushed *p)
{
	bool from_me = o->variant == KEYD_HSS_VARIANT_E;
	const struct e2m_keyset *ks = from_me ? me : usim;
	struct keyd_keyset out;
	char err[512];
	int status;

	p->variant = keyd_hss_variant_name(o->variant);
	p->url = o->hss_cfg.delivery[o->variant];
	if (!ks) {
		fprintf(stderr, "e2msim-auc: --variant %s: the profile has no (enabled) e2m, so no "
			"keyset from K; --variant E delivers the one from CK||IK\n", p->variant);
		return AUC_EXIT_USAGE;
	}
	if (!p->url[0]) {
		fprintf(stderr, "e2msim-auc: --hss %s: delivery.%s: not configured\n", o->hss,
			p->variant);
		return AUC_EXIT_USAGE;
	}
	if (keyd_hss_keyset(&out, ks, o->eid, o->alg_set ? o->alg : o->e2m.alg,
			    from_me ? KEYD_DERIVED_ME : KEYD_DERIVED_USIM)) {
		fprintf(stderr, "e2msim-auc: the keyset does not fit keyd/API.md\n");
		return AUC_EXIT_INTERNAL;
	}
	p->kid = ks->kid;
	p->alg = out.alg;
	status = keyd_hss_push(&o->hss_cfg, o->variant, &out, &p->expires, err, sizeof(err));
	keyd_keyset_clear(&out);
	if (status == 201)
		return AUC_EXIT_OK;
	if (status < 0) {
		fprintf(stderr, "e2msim-auc: push to delivery.%s (%s): no answer: %s\n", p->variant,
			p->url, err);
		return AUC_EXIT_INTERNAL;
	}
	fprintf(stderr, "e2msim-auc: push to delivery.%s (%s) refused: %d %s\n", p->variant, p->url,
		status, err);
	return AUC_EXIT_REFUSED;
}

static int run_vec(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		   struct auc_opts *o)
{
	struct aka_auc_vec av;
	struct e2m_keyset usim, me;
	struct e2m_out e2m = { .me = &me };
	struct e2m_pushed pushed = { .expires = 0 };
	bool have_usim = false;
	uint64_t sqn = o->sqn;
	int rc = 0, exit_code = AUC_EXIT_OK;

	if (!o->sqn_set) {
		rc = aka_auc_sqn_compose(o->seq_set ? o->seq : 1, o->ind, o->ind_bits, &sqn);
		if (rc) {
			fprintf(stderr, "e2msim-auc: %s\n", rc == -ERANGE ?
				"--seq: does not fit in 48 - ind-bits bits" :
				"--ind: not below 2^ind-bits");
			return AUC_EXIT_USAGE;
		}
	}
	if (o->eid && !aka_alg_has_umts(alg)) {
		fprintf(stderr, "e2msim-auc: --eid: %s has no 3G context, so no E2M keys\n", alg->name);
		return AUC_EXIT_USAGE;
	}
	if (o->eid && !e2m_policy_eid_allowed(&o->e2m, (const uint8_t *)o->eid, strlen(o->eid))) {
		fprintf(stderr, "e2msim-auc: --eid: '%s' is not in the profile's e2m.eids: "
			"the card would refuse it ('6985')\n", o->eid);
		return AUC_EXIT_USAGE;
	}
	/* doc/e2m-profile.md 3: the E2M indicator on AVs the HSS made E2M keys for */
	if (o->eid && o->e2m.present && o->e2m.amf_mask) {
		o->amf[0] |= (uint8_t)(o->e2m.amf_mask >> 8);
		o->amf[1] |= (uint8_t)o->e2m.amf_mask;
	}
	if (!o->rand_set && common_rand_bytes(o->rand, sizeof(o->rand))) {
		fprintf(stderr, "e2msim-auc: the random generator failed\n");
		return AUC_EXIT_INTERNAL;
	}
	rc = aka_auc_gen_vec(alg, keys, o->rand, sqn, o->amf, &av);
	if (rc == 0 && o->eid) {
		rc = e2m_keysets(keys, o, &av, &usim, &me, &have_usim);
		e2m.kid = me.kid;
		e2m.usim = have_usim ? &usim : NULL;
	}
	/* the vector goes out only once its keyset is stored */
	if (rc == 0 && o->variant_set) {
		exit_code = e2m_push(o, e2m.usim, e2m.me, &pushed);
		e2m.pushed = &pushed;
	}
	if (rc == 0 && exit_code == AUC_EXIT_OK)
		rc = output_vec(alg->name, &av, o->ind_bits, o->eid ? &e2m : NULL, o->json);
	aka_auc_vec_clear(&av);
	e2m_keyset_clear(&usim);
	e2m_keyset_clear(&me);
	if (rc == 0 && exit_code != AUC_EXIT_OK)
		return exit_code;
	if (rc) {
		fprintf(stderr, "e2msim-auc: cannot make the vector: %s\n", strerror(-rc));
		return AUC_EXIT_INTERNAL;
	}
	return AUC_EXIT_OK;
}

/* Variant B's session event: the PDN connection toward the HSE is up, the
 * HSS store forwards the keyset named by kid (doc/e2m-profile.md 5, event (2)). */
static int run_session(const struct auc_opts *o)
{
	const char *url = o->hss_cfg.delivery[KEYD_HSS_VARIANT_B];
	char err[512];
	int status;

	if (!url[0]) {
		fprintf(stderr, "e2msim-auc: --hss %s: delivery.B: not configured\n", o->hss);
		return AUC_EXIT_USAGE;
	}
	status = keyd_hss_session(&o->hss_cfg, o->session, err, sizeof(err));
	if (status < 0) {
		fprintf(stderr, "e2msim-auc: session event to delivery.B (%s): no answer: %s\n", url, err);
		return AUC_EXIT_INTERNAL;
	}
	if (status != 200) {
		fprintf(stderr, "e2msim-auc: session event to delivery.B (%s) refused: %d %s\n", url,
			status, err);
		return AUC_EXIT_REFUSED;
	}
	if (o->json) {
		json_t *obj = json_pack("{s:s, s:s, s:s}", "session", o->session, "variant", "B",
					"url", url);
		int rc = obj ? print_json(obj) : -ENOMEM;

		json_decref(obj);
		if (rc) {
			fprintf(stderr, "e2msim-auc: out of memory\n");
			return AUC_EXIT_INTERNAL;
		}
	} else {
		printf("Session (B): %s\n", o->session);
		printf("Sent to: %s\n", url);
	}
	return AUC_EXIT_OK;
}

static int run_auts(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		    const struct auc_opts *o)
{
	uint64_t sqn_ms = 0;
	int rc;

	if (!aka_alg_has_umts(alg)) {
		fprintf(stderr, "e2msim-auc: %s is a GSM algorithm: there is no AUTS\n",
			alg->name);
		return AUC_EXIT_USAGE;
	}
	rc = aka_auc_auts_verify(alg, keys, o->rand, o->auts, o->auts_len, &sqn_ms);
	switch (rc) {
	case 0:
		break;
	case -EBADMSG:
		fprintf(stderr, "e2msim-auc: AUTS refused: MAC-S does not verify (another RAND "
			"or K/OPc, or a corrupted AUTS)\n");
		return AUC_EXIT_REFUSED;
	case -EINVAL:
		fprintf(stderr, "e2msim-auc: --auts: %zu octets is not the AUTS length of %s\n",
			o->auts_len, alg->name);
		return AUC_EXIT_USAGE;
	default:
		fprintf(stderr, "e2msim-auc: cannot verify the AUTS: %s\n", strerror(-rc));
		return AUC_EXIT_INTERNAL;
	}
	if (output_auts(alg->name, o, sqn_ms)) {
		fprintf(stderr, "e2msim-auc: out of memory\n");
		return AUC_EXIT_INTERNAL;
	}
	return AUC_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct auc_opts o = {
		.ind_bits = AKA_AUC_IND_BITS_DEFAULT,
		.amf = { 0x80, 0x00 },
	};
	static struct usim_profile p;
	const struct aka_alg *alg = NULL;
	struct aka_alg_keys keys;
	char err[512];
	int rc;

	if (parse_args(argc, argv, &o))
		return AUC_EXIT_USAGE;
	if (o.hss && keyd_hss_config_load(&o.hss_cfg, o.hss, err, sizeof(err))) {
		fprintf(stderr, "e2msim-auc: --hss: %s\n", err);
		return AUC_EXIT_USAGE;
	}
	if (o.session)
		return run_session(&o);
	if (usim_profile_load(&p, o.profile, err, sizeof(err))) {
		/* p holds the defaults of every field it did not reach */
		fprintf(stderr, "e2msim-auc: %s: %s\n", o.profile, err);
		usim_profile_clear(&p);
		return AUC_EXIT_USAGE;
	}
	if (!p.ki_len) {
		/* a physical card's twin (e2msim-probe --profile-out): its keys stay on the card */
		fprintf(stderr, "e2msim-auc: %s: no 'ki': a profile without keys makes no vectors\n", o.profile);
		usim_profile_clear(&p);
		return AUC_EXIT_USAGE;
	}
	rc = usim_profile_keys(&p, &alg, &keys);
	o.e2m = p.e2m;
	usim_profile_clear(&p);
	if (rc) {
		fprintf(stderr, "e2msim-auc: %s: unusable key material (%s)\n", o.profile,
			strerror(-rc));
		return rc == -EINVAL ? AUC_EXIT_USAGE : AUC_EXIT_INTERNAL;
	}
	if (o.auts_set)
		rc = run_auts(alg, &keys, &o);
	else
		rc = run_vec(alg, &keys, &o);
	OPENSSL_cleanse(&keys, sizeof(keys));
	return rc;
}
