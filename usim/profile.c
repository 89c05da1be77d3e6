/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON card profiles (jansson). Every field has its parser in one table; a
 * profile of iccid, imsi, ki and opc is complete, everything else has the
 * defaults of a typical test-network card. Without ki the card has no keys
 * (a physical card's twin, whose AKA stays on the physical card). */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/file.h"
#include "common/hex.h"
#include "common/json.h"
#include "aka/auth_alg.h"
#include "fs/fs.h"
#include "usim/profile.h"

#define PROFILE(c) ((struct usim_profile *)(c)->obj)

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int parse_iccid(struct common_json_ctx *c, json_t *v)
{
	return common_json_digits(c, v, 19, 20, PROFILE(c)->iccid);
}

static int parse_imsi(struct common_json_ctx *c, json_t *v)
{
	return common_json_digits(c, v, 6, 15, PROFILE(c)->imsi);
}

static int parse_msisdn(struct common_json_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	const char *d = s && *s == '+' ? s + 1 : s;

	if (!s || !all_digits(d) || strlen(d) > 20)
		return common_json_fail(c, "expected 1 to 20 decimal digits, optionally after '+'");
	snprintf(PROFILE(c)->msisdn, sizeof(PROFILE(c)->msisdn), "%s", s);
	return 0;
}

/* EF.SPN holds 16 characters of the GSM default alphabet (TS 31.102 4.2.12);
 * printable ASCII without the characters that alphabet codes elsewhere. */
static int parse_spn(struct common_json_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) > 16)
		return common_json_fail(c, "expected a string of at most 16 characters");
	for (const char *p = s; *p; p++) {
		if (*p < 0x20 || *p > 0x7e || strchr("[]{}\\^~`|$@_", *p))
			return common_json_fail(c, "character '%c' is not in the GSM default alphabet subset", *p);
	}
	snprintf(PROFILE(c)->spn, sizeof(PROFILE(c)->spn), "%s", s);
	return 0;
}

static int parse_mnc_len(struct common_json_ctx *c, json_t *v)
{
	json_int_t n = json_integer_value(v);

	if (!json_is_integer(v) || (n != 2 && n != 3))
		return common_json_fail(c, "expected 2 or 3");
	PROFILE(c)->mnc_len = (unsigned int)n;
	return 0;
}

static int parse_acc(struct common_json_ctx *c, json_t *v)
{
	uint8_t b[2];

	if (common_json_hex(c, json_string_value(v), b, 2) != 2)
		return common_json_fail(c, "expected 4 hex digits (TS 31.102 4.2.15)");
	PROFILE(c)->acc = (uint16_t)(b[0] << 8 | b[1]);
	PROFILE(c)->acc_set = true;
	return 0;
}

static int plmn_list(struct common_json_ctx *c, json_t *v, struct common_plmn_list *l)
{
	return common_json_plmn_list(c, v, USIM_PROFILE_PLMN_MAX, l);
}

static int parse_plmnwact(struct common_json_ctx *c, json_t *v) { return plmn_list(c, v, &PROFILE(c)->plmnwact); }
static int parse_oplmnwact(struct common_json_ctx *c, json_t *v) { return plmn_list(c, v, &PROFILE(c)->oplmnwact); }
static int parse_hplmnwact(struct common_json_ctx *c, json_t *v) { return plmn_list(c, v, &PROFILE(c)->hplmnwact); }
static int parse_fplmn(struct common_json_ctx *c, json_t *v) { return plmn_list(c, v, &PROFILE(c)->fplmn); }

static int pin_field(struct common_json_ctx *c, json_t *v, uint8_t *out, size_t min, size_t max)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) < min || strlen(s) > max || !all_digits(s) || usim_pin_encode(s, out) < 0)
		return common_json_fail(c, "expected a string of %zu to %zu decimal digits", min, max);
	return 0;
}

/* TS 102 221 9.5.1: PINs of 4 to 8 digits; unblock keys of 8. */
static int parse_pin1(struct common_json_ctx *c, json_t *v) { return pin_field(c, v, PROFILE(c)->pin1, 4, 8); }
static int parse_puk1(struct common_json_ctx *c, json_t *v) { return pin_field(c, v, PROFILE(c)->puk1, 8, 8); }
static int parse_pin2(struct common_json_ctx *c, json_t *v) { return pin_field(c, v, PROFILE(c)->pin2, 4, 8); }
static int parse_puk2(struct common_json_ctx *c, json_t *v) { return pin_field(c, v, PROFILE(c)->puk2, 8, 8); }
static int parse_adm1(struct common_json_ctx *c, json_t *v) { return pin_field(c, v, PROFILE(c)->adm1, 8, 8); }

static int parse_pin1_enabled(struct common_json_ctx *c, json_t *v)
{
	if (!json_is_boolean(v))
		return common_json_fail(c, "expected true or false");
	PROFILE(c)->pin1_enabled = json_is_true(v);
	return 0;
}

static int parse_algorithm(struct common_json_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || !aka_alg_by_name(s) || strlen(s) >= sizeof(PROFILE(c)->algorithm))
		return common_json_fail(c, "expected one of milenage, tuak, xor, xor-2g, comp128v1, comp128v2, comp128v3");
	snprintf(PROFILE(c)->algorithm, sizeof(PROFILE(c)->algorithm), "%s", s);
	return 0;
}

static int parse_ki(struct common_json_ctx *c, json_t *v)
{
	int n = common_json_hex(c, json_string_value(v), PROFILE(c)->ki, sizeof(PROFILE(c)->ki));

	if (n < 0)
		return -1;
	if (n != 16 && n != 32)
		return common_json_fail(c, "expected 32 or 64 hex digits (128 or 256 bits)");
	PROFILE(c)->ki_len = (size_t)n;
	return 0;
}

static int op_field(struct common_json_ctx *c, json_t *v, bool is_op)
{
	int n;

	if (PROFILE(c)->opc_len)
		return common_json_fail(c, "give either 'op' or 'opc', not both");
	n = common_json_hex(c, json_string_value(v), PROFILE(c)->opc, sizeof(PROFILE(c)->opc));
	if (n < 0)
		return -1;
	if (n != 16 && n != 32)
		return common_json_fail(c, "expected 32 hex digits (64 for TUAK's TOP/TOPc)");
	PROFILE(c)->opc_len = (size_t)n;
	PROFILE(c)->op_given = is_op;
	return 0;
}

static int parse_opc(struct common_json_ctx *c, json_t *v) { return op_field(c, v, false); }
static int parse_op(struct common_json_ctx *c, json_t *v) { return op_field(c, v, true); }

/* The geometry a "files" entry gives: { "size": N, "contents": "hex" } or
 * { "record_size": L, "records": N, "contents": [...] } (TS 102 221
 * 11.1.1.4.1 and 11.1.1.4.3), for a file the table holds at another size.
 * Links take their target's, EF.ARR and optional features keep the table's. */
static int parse_geometry(struct common_json_ctx *c, const struct fs_tree *fs, int node, json_t *v,
			  struct usim_file_override *o, json_t **contents)
{
	static const char *const names[] = { "size", "record_size", "records", "contents" };
	const struct fs_file_def *d = fs->nodes[node].def;
	json_t *size = json_object_get(v, "size"), *rec_len = json_object_get(v, "record_size");
	json_t *recs = json_object_get(v, "records");
	struct common_json_ctx m = *c;
	char name[80];
	uint64_t n;

	snprintf(name, sizeof(name), "files.%s", o->path);
	m.name = name;
	if (common_json_only(&m, v, names, sizeof(names) / sizeof(names[0])) < 0)
		return -1;
	*contents = json_object_get(v, "contents");
	if (!size && !rec_len && !recs)
		return 0;
	if (d->link || fs_feature_of(fs, node) != FS_FEATURE_NONE || d->fid == 0x2F06 || d->fid == 0x6F06)
		return common_json_fail(c, "'%s': its size is the card's own (a link, EF.ARR or a feature)",
					o->path);
	if (!fs_is_record(fs, node)) {
		/* 11.1.3.1: offsets of READ BINARY up to 32767 */
		if (rec_len || recs || !size || common_json_uint(&m, size, 1, 0x7FFF, &n) < 0)
			return common_json_fail(c, "'%s': a transparent EF takes \"size\" 1 to 32767", o->path);
		o->size = (uint16_t)n;
		return 0;
	}
	if (size || !rec_len || !recs || common_json_uint(&m, rec_len, 1, 255, &n) < 0)
		return common_json_fail(c, "'%s': a record EF takes \"record_size\" 1 to 255 and "
					"\"records\" 1 to 254", o->path);
	o->rec_len = (uint8_t)n;
	if (common_json_uint(&m, recs, 1, 254, &n) < 0)
		return common_json_fail(c, "'%s': a record EF takes \"record_size\" 1 to 255 and "
					"\"records\" 1 to 254", o->path);
	o->rec_count = (uint8_t)n;
	return 0;
}

/* "files": { "PATH": "hex" } for transparent EFs, { "PATH": ["hex", ...] }
 * for record EFs, or either as "contents" of an object with the file's
 * size (parse_geometry); shorter contents are 'FF' padded. */
static int parse_files(struct common_json_ctx *c, json_t *v)
{
	const struct fs_tree *fs = fs_get();
	const char *path;
	json_t *val;

	if (!json_is_object(v) || json_object_size(v) > USIM_PROFILE_FILES_MAX)
		return common_json_fail(c, "expected an object of at most %d \"PATH\": contents",
			    USIM_PROFILE_FILES_MAX);
	json_object_foreach(v, path, val) {
		struct usim_file_override *o = &PROFILE(c)->files[PROFILE(c)->n_files];
		int node = fs_by_path(fs, path);
		const struct fs_node *n;
		size_t unit, count, size;

		if (node == FS_NONE || fs_is_df(fs, node))
			return common_json_fail(c, "'%s' is not an EF of this card (use pySim names, e.g. "
				    "ADF.USIM/EF.SPN)", path);
		n = &fs->nodes[node];
		snprintf(o->path, sizeof(o->path), "%s", path);
		PROFILE(c)->n_files++;
		if (json_is_object(val) && parse_geometry(c, fs, node, val, o, &val) < 0)
			return -1;
		unit = o->rec_len ? o->rec_len : n->def->rec_len;
		count = o->rec_count ? o->rec_count : n->def->rec_count;
		size = o->size ? o->size : fs_is_record(fs, node) ? unit * count : n->content_size;
		o->data = calloc(1, size ? size : 1);
		if (!o->data)
			return common_json_fail(c, "out of memory");
		if (!fs_is_record(fs, node)) {
			int len = common_json_hex(c, json_string_value(val), o->data, size);
			if (len < 0)
				return common_json_fail(c, "'%s': expected a hex string of at most %zu octets",
					    path, size);
			o->len = (size_t)len;
			continue;
		}
		if (!json_is_array(val) || json_array_size(val) > count)
			return common_json_fail(c, "'%s': expected an array of at most %zu records in hex",
				    path, count);
		for (size_t i = 0; i < json_array_size(val); i++) {
			uint8_t rec[255];
			int len = common_json_hex(c, json_string_value(json_array_get(val, i)), rec, unit);
			if (len < 0)
				return common_json_fail(c, "'%s' record %zu: expected at most %zu octets in hex",
					    path, i + 1, unit);
			memset(o->data + i * unit, 0xFF, unit);
			memcpy(o->data + i * unit, rec, (size_t)len);
		}
		o->records = (unsigned int)json_array_size(val);
		o->len = o->records * unit;
	}
	return 0;
}

static int parse_sqn_ind_bits(struct common_json_ctx *c, json_t *v)
{
	uint64_t n = 0;
	if (common_json_uint(c, v, 0, AKA_SQN_IND_BITS_MAX, &n) < 0)
		return -1;
	PROFILE(c)->sqn.ind_bits = (unsigned int)n;
	return 0;
}

static int parse_sqn_delta(struct common_json_ctx *c, json_t *v)
{
	return common_json_uint(c, v, 1, AKA_SQN_MAX, &PROFILE(c)->sqn.delta);
}

static int parse_sqn_age_limit(struct common_json_ctx *c, json_t *v)
{
	return common_json_uint(c, v, 0, AKA_SQN_MAX, &PROFILE(c)->sqn.age_limit);
}

/* "seq": one SEQ for every IND, or an array of SEQ per IND */
static int parse_sqn_seq(struct common_json_ctx *c, json_t *v)
{
	uint64_t n = 0;

	if (json_is_integer(v)) {
		if (common_json_uint(c, v, 0, AKA_SQN_MAX, &n) < 0)
			return -1;
		for (unsigned int i = 0; i < AKA_SQN_SLOTS_MAX; i++)
			PROFILE(c)->sqn_seq[i] = n;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) > AKA_SQN_SLOTS_MAX)
		return common_json_fail(c, "expected an integer or an array of at most %u integers", AKA_SQN_SLOTS_MAX);
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (common_json_uint(c, json_array_get(v, i), 0, AKA_SQN_MAX, &n) < 0)
			return -1;
		PROFILE(c)->sqn_seq[i] = n;
	}
	return 0;
}

static const struct common_json_field sqn_fields[] = {
	{ .name = "ind_bits", .parse = parse_sqn_ind_bits },
	{ .name = "delta", .parse = parse_sqn_delta },
	{ .name = "age_limit", .parse = parse_sqn_age_limit },
	{ .name = "seq", .parse = parse_sqn_seq },
};

static int parse_sqn(struct common_json_ctx *c, json_t *v)
{
	return common_json_object(c, v, sqn_fields, sizeof(sqn_fields) / sizeof(sqn_fields[0]));
}

static int parse_e2m(struct common_json_ctx *c, json_t *v)
{
	return e2m_config_parse_json(c, v, &PROFILE(c)->e2m);
}

struct field {
	const char *name;
	bool required;
	int (*parse)(struct common_json_ctx *c, json_t *v);
};

/* Field names follow pySim's card data where it has one. */
static const struct field fields[] = {
	{ .name = "iccid", .required = true, .parse = parse_iccid },
	{ .name = "imsi", .required = true, .parse = parse_imsi },
	{ .name = "ki", .parse = parse_ki },	/* none: a card without keys */
	{ .name = "opc", .parse = parse_opc },
	{ .name = "op", .parse = parse_op },
	{ .name = "algorithm", .parse = parse_algorithm },
	{ .name = "msisdn", .parse = parse_msisdn },
	{ .name = "spn", .parse = parse_spn },
	{ .name = "mnc_len", .parse = parse_mnc_len },
	{ .name = "acc", .parse = parse_acc },
	{ .name = "plmnwact", .parse = parse_plmnwact },
	{ .name = "oplmnwact", .parse = parse_oplmnwact },
	{ .name = "hplmnwact", .parse = parse_hplmnwact },
	{ .name = "fplmn", .parse = parse_fplmn },
	{ .name = "pin1", .parse = parse_pin1 },
	{ .name = "puk1", .parse = parse_puk1 },
	{ .name = "pin2", .parse = parse_pin2 },
	{ .name = "puk2", .parse = parse_puk2 },
	{ .name = "adm1", .parse = parse_adm1 },
	{ .name = "pin1_enabled", .parse = parse_pin1_enabled },
	{ .name = "sqn", .parse = parse_sqn },
	{ .name = "e2m", .parse = parse_e2m },
	{ .name = "files", .parse = parse_files },
};

static void set_defaults(struct usim_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->mnc_len = 2;
	p->pin1_enabled = true;
	snprintf(p->algorithm, sizeof(p->algorithm), "milenage");
	p->sqn = (struct aka_sqn_params)AKA_SQN_PARAMS_DEFAULT;
	e2m_config_defaults(&p->e2m);
	p->e2m.p2 = 0x83;
	p->e2m.fc_usim = 0xE2;
	p->e2m.fc_me = 0xE5;
	p->e2m.fc_alg = 0xE6;
	/* Test-network defaults; a real deployment sets its own. */
	usim_pin_encode("1234", p->pin1);
	usim_pin_encode("12345678", p->puk1);
	usim_pin_encode("5678", p->pin2);
	usim_pin_encode("87654321", p->puk2);
	usim_pin_encode("88888888", p->adm1);
}

/* K against the algorithm, and OP/OPc with it. */
static int check_keys(const struct usim_profile *p, const struct aka_alg *alg, struct common_json_ctx *c)
{
	c->name = "ki";
	if (!(alg->k_lens & (p->ki_len == 32 ? AKA_ALG_K256 : AKA_ALG_K128)))
		return common_json_fail(c, "%zu bits is not a key length of %s", p->ki_len * 8, alg->name);
	c->name = "opc";
	if (alg->opc && !p->opc_len)
		return common_json_fail(c, "required for %s (or give 'op')", alg->name);
	if (!alg->opc && p->opc_len)
		return common_json_fail(c, "%s has no OP/OPc", alg->name);
	if (alg->opc && p->opc_len != (alg->id == AKA_ALG_TUAK ? 32u : 16u))
		return common_json_fail(c, "%s needs %d hex digits", alg->name, alg->id == AKA_ALG_TUAK ? 64 : 32);
	return 0;
}

/* Checks across fields, after each has parsed. No ki: a card without keys. */
static int check_consistency(struct usim_profile *p, char *err, size_t errlen)
{
	const struct aka_alg *alg = aka_alg_by_name(p->algorithm);
	struct common_json_ctx c = { .obj = p, .err = err, .errlen = errlen, .name = "ki" };

	if (!p->ki_len && p->opc_len)
		return common_json_fail(&c, "missing, with 'opc' or 'op' given");
	if (p->ki_len && check_keys(p, alg, &c) < 0)
		return -1;
	c.name = "imsi";
	if (strlen(p->imsi) < 3 + p->mnc_len)
		return common_json_fail(&c, "shorter than MCC and a %u-digit MNC", p->mnc_len);
	return 0;
}

/*! Parse a profile from JSON text. Returns 0, or -1 with one message in err
 *  naming the field. Secrets in p are cleared by usim_profile_clear(). */
int usim_profile_parse(struct usim_profile *p, const char *text, size_t len, char *err, size_t errlen)
{
	json_t *root;
	const char *key;
	json_t *val;
	int rc = -1;

	set_defaults(p);
	if (common_json_load(&root, text, len, err, errlen) < 0)
		return -1;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "expected a JSON object at the top level");
		goto out;
	}
	json_object_foreach(root, key, val) {
		const struct field *f = NULL;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (!strcmp(fields[i].name, key))
				f = &fields[i];
		}
		if (!f) {
			snprintf(err, errlen, "field '%s': unknown (fields are lower case, as pySim names them)", key);
			goto out;
		}
	}
	/* In table order, so that checks see the fields they depend on. */
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct common_json_ctx c = { .obj = p, .name = fields[i].name, .err = err, .errlen = errlen };
		val = json_object_get(root, fields[i].name);
		if (!val) {
			if (fields[i].required) {
				common_json_fail(&c, "missing");
				goto out;
			}
			continue;
		}
		if (fields[i].parse(&c, val) < 0)
			goto out;
	}
	rc = check_consistency(p, err, errlen);
out:
	json_decref(root);
	return rc;
}

/*! Read and parse a profile file. */
int usim_profile_load(struct usim_profile *p, const char *path, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	set_defaults(p);
	if (common_file_read(path, &buf, &len, err, errlen) < 0)
		return -1;
	rc = usim_profile_parse(p, buf, len, err, errlen);
	common_file_free(buf, len);
	return rc;
}

/*! Free what the profile holds and zero its secrets. */
void usim_profile_clear(struct usim_profile *p)
{
	for (unsigned int i = 0; i < p->n_files; i++)
		free(p->files[i].data);
	OPENSSL_cleanse(p, sizeof(*p));
}

/* Where an algorithm keeps its operator variant, and how long it is. */
static uint8_t *opc_field(const struct aka_alg *alg, struct aka_alg_keys *keys, size_t *len)
{
	if (alg->id == AKA_ALG_TUAK) {
		*len = AKA_ALG_TOPC_LEN;	/* TS 35.231: TOPc */
		return keys->topc;
	}
	*len = AKA_ALG_OPC_LEN;		/* TS 35.206 4.1: OPc */
	return keys->opc;
}

int usim_profile_keys(const struct usim_profile *p, const struct aka_alg **alg_out,
		      struct aka_alg_keys *keys)
{
	const struct aka_alg *alg;
	unsigned int k_bit;
	int rc = 0;

	if (!p || !alg_out || !keys)
		return -EINVAL;
	*keys = (struct aka_alg_keys){ .k_len = 0 };
	alg = aka_alg_by_name(p->algorithm);
	k_bit = p->ki_len == 32 ? AKA_ALG_K256 : p->ki_len == 16 ? AKA_ALG_K128 : 0;
	if (!alg || !(alg->k_lens & k_bit))
		return -EINVAL;
	memcpy(keys->k, p->ki, p->ki_len);
	keys->k_len = p->ki_len;
	if (alg->opc) {
		size_t len;
		uint8_t *opc = opc_field(alg, keys, &len);

		if (p->opc_len != len)
			rc = -EINVAL;
		else if (p->op_given)
			rc = aka_alg_opc(alg, keys, p->opc, p->opc_len);
		else
			memcpy(opc, p->opc, len);
	} else if (p->opc_len) {
		rc = -EINVAL;		/* an OP for an algorithm without one */
	}
	if (rc)
		OPENSSL_cleanse(keys, sizeof(*keys));
	else
		*alg_out = alg;
	return rc;
}
