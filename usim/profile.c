/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON card profiles (jansson). Every field has its parser in one table; a
 * profile of iccid, imsi, ki and opc is complete, everything else has the
 * defaults of a typical test-network card. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "apdu/hex.h"
#include "usim/auth_alg.h"
#include "usim/fs.h"
#include "usim/profile.h"

struct field_ctx {
	struct usim_profile *p;
	const char *name;
	char *err;
	size_t errlen;
};

static int fail(struct field_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct field_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "field '%s': ", c->name);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int digits(struct field_ctx *c, json_t *v, size_t min, size_t max, char *out)
{
	const char *s = json_string_value(v);
	size_t len = s ? strlen(s) : 0;

	if (!s || len < min || len > max || !all_digits(s))
		return fail(c, "expected a string of %zu to %zu decimal digits", min, max);
	memcpy(out, s, len + 1);
	return 0;
}

/* A hex string of at most max octets into out; the octet count, or -1. */
static int hex_string(struct field_ctx *c, const char *s, uint8_t *out, size_t max)
{
	size_t len = s ? strlen(s) : 0;
	int n;

	if (!s || len % 2 || len / 2 > max)
		return fail(c, "expected a hex string of at most %zu octets", max);
	n = apdu_hex_decode(s, len, out, max);
	if (n < 0)
		return fail(c, "'%s' is not hex", s);
	return n;
}

static int parse_iccid(struct field_ctx *c, json_t *v)
{
	return digits(c, v, 19, 20, c->p->iccid);
}

static int parse_imsi(struct field_ctx *c, json_t *v)
{
	return digits(c, v, 6, 15, c->p->imsi);
}

static int parse_msisdn(struct field_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	const char *d = s && *s == '+' ? s + 1 : s;

	if (!s || !all_digits(d) || strlen(d) > 20)
		return fail(c, "expected 1 to 20 decimal digits, optionally after '+'");
	snprintf(c->p->msisdn, sizeof(c->p->msisdn), "%s", s);
	return 0;
}

/* EF.SPN holds 16 characters of the GSM default alphabet (TS 31.102 4.2.12);
 * printable ASCII without the characters that alphabet codes elsewhere. */
static int parse_spn(struct field_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) > 16)
		return fail(c, "expected a string of at most 16 characters");
	for (const char *p = s; *p; p++) {
		if (*p < 0x20 || *p > 0x7e || strchr("[]{}\\^~`|$@_", *p))
			return fail(c, "character '%c' is not in the GSM default alphabet subset", *p);
	}
	snprintf(c->p->spn, sizeof(c->p->spn), "%s", s);
	return 0;
}

static int parse_mnc_len(struct field_ctx *c, json_t *v)
{
	json_int_t n = json_integer_value(v);

	if (!json_is_integer(v) || (n != 2 && n != 3))
		return fail(c, "expected 2 or 3");
	c->p->mnc_len = (unsigned int)n;
	return 0;
}

static int parse_acc(struct field_ctx *c, json_t *v)
{
	uint8_t b[2];

	if (hex_string(c, json_string_value(v), b, 2) != 2)
		return fail(c, "expected 4 hex digits (TS 31.102 4.2.15)");
	c->p->acc = (uint16_t)(b[0] << 8 | b[1]);
	c->p->acc_set = true;
	return 0;
}

/*! Encode "MCCMNC" (5 or 6 digits) per TS 24.008 10.5.1.3. */
int usim_plmn_encode(const char *mccmnc, struct usim_plmn *out, unsigned int *mnc_len)
{
	size_t len = strlen(mccmnc);
	uint8_t d[6];

	if ((len != 5 && len != 6) || !all_digits(mccmnc))
		return -1;
	for (size_t i = 0; i < len; i++)
		d[i] = (uint8_t)(mccmnc[i] - '0');
	out->id[0] = (uint8_t)(d[1] << 4 | d[0]);
	out->id[1] = (uint8_t)((len == 6 ? d[5] : 0xF) << 4 | d[2]);
	out->id[2] = (uint8_t)(d[4] << 4 | d[3]);
	if (mnc_len)
		*mnc_len = (unsigned int)len - 3;
	return 0;
}

static int plmn_list(struct field_ctx *c, json_t *v, struct usim_plmn_list *l)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > USIM_PROFILE_PLMN_MAX)
		return fail(c, "expected an array of at most %d \"MCCMNC\" strings",
			    USIM_PROFILE_PLMN_MAX);
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);
		if (!s || usim_plmn_encode(s, &l->plmn[i], NULL) < 0)
			return fail(c, "entry %zu: expected \"MCCMNC\" of 5 or 6 digits", i);
	}
	l->count = (unsigned int)json_array_size(v);
	return 0;
}

static int parse_plmnwact(struct field_ctx *c, json_t *v) { return plmn_list(c, v, &c->p->plmnwact); }
static int parse_oplmnwact(struct field_ctx *c, json_t *v) { return plmn_list(c, v, &c->p->oplmnwact); }
static int parse_hplmnwact(struct field_ctx *c, json_t *v) { return plmn_list(c, v, &c->p->hplmnwact); }
static int parse_fplmn(struct field_ctx *c, json_t *v) { return plmn_list(c, v, &c->p->fplmn); }

static int pin_field(struct field_ctx *c, json_t *v, uint8_t *out, size_t min, size_t max)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) < min || strlen(s) > max || !all_digits(s) || usim_pin_encode(s, out) < 0)
		return fail(c, "expected a string of %zu to %zu decimal digits", min, max);
	return 0;
}

/* TS 102 221 9.5.1: PINs of 4 to 8 digits; unblock keys of 8. */
static int parse_pin1(struct field_ctx *c, json_t *v) { return pin_field(c, v, c->p->pin1, 4, 8); }
static int parse_puk1(struct field_ctx *c, json_t *v) { return pin_field(c, v, c->p->puk1, 8, 8); }
static int parse_pin2(struct field_ctx *c, json_t *v) { return pin_field(c, v, c->p->pin2, 4, 8); }
static int parse_puk2(struct field_ctx *c, json_t *v) { return pin_field(c, v, c->p->puk2, 8, 8); }
static int parse_adm1(struct field_ctx *c, json_t *v) { return pin_field(c, v, c->p->adm1, 8, 8); }

static int parse_pin1_enabled(struct field_ctx *c, json_t *v)
{
	if (!json_is_boolean(v))
		return fail(c, "expected true or false");
	c->p->pin1_enabled = json_is_true(v);
	return 0;
}

static int parse_algorithm(struct field_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || !usim_alg_by_name(s) || strlen(s) >= sizeof(c->p->algorithm))
		return fail(c, "expected one of milenage, tuak, xor, xor-2g, comp128v1, comp128v2, comp128v3");
	snprintf(c->p->algorithm, sizeof(c->p->algorithm), "%s", s);
	return 0;
}

static int parse_ki(struct field_ctx *c, json_t *v)
{
	int n = hex_string(c, json_string_value(v), c->p->ki, sizeof(c->p->ki));

	if (n < 0)
		return -1;
	if (n != 16 && n != 32)
		return fail(c, "expected 32 or 64 hex digits (128 or 256 bits)");
	c->p->ki_len = (size_t)n;
	return 0;
}

static int op_field(struct field_ctx *c, json_t *v, bool is_op)
{
	int n;

	if (c->p->opc_len)
		return fail(c, "give either 'op' or 'opc', not both");
	n = hex_string(c, json_string_value(v), c->p->opc, sizeof(c->p->opc));
	if (n < 0)
		return -1;
	if (n != 16 && n != 32)
		return fail(c, "expected 32 hex digits (64 for TUAK's TOP/TOPc)");
	c->p->opc_len = (size_t)n;
	c->p->op_given = is_op;
	return 0;
}

static int parse_opc(struct field_ctx *c, json_t *v) { return op_field(c, v, false); }
static int parse_op(struct field_ctx *c, json_t *v) { return op_field(c, v, true); }

/* "files": { "PATH": "hex" } for transparent EFs, { "PATH": ["hex", ...] }
 * for record EFs; shorter contents are 'FF' padded. */
static int parse_files(struct field_ctx *c, json_t *v)
{
	const struct usim_fs *fs = usim_fs_get();
	const char *path;
	json_t *val;

	if (!json_is_object(v) || json_object_size(v) > USIM_PROFILE_FILES_MAX)
		return fail(c, "expected an object of at most %d \"PATH\": contents",
			    USIM_PROFILE_FILES_MAX);
	json_object_foreach(v, path, val) {
		struct usim_file_override *o = &c->p->files[c->p->n_files];
		int node = usim_fs_by_path(fs, path);
		const struct usim_fs_node *n;
		size_t unit;

		if (node == USIM_FS_NONE || usim_fs_is_df(fs, node))
			return fail(c, "'%s' is not an EF of this card (use pySim names, e.g. "
				    "ADF.USIM/EF.SPN)", path);
		n = &fs->nodes[node];
		snprintf(o->path, sizeof(o->path), "%s", path);
		o->data = calloc(1, n->content_size);
		if (!o->data)
			return fail(c, "out of memory");
		c->p->n_files++;
		if (!usim_fs_is_record(fs, node)) {
			int len = hex_string(c, json_string_value(val), o->data, n->content_size);
			if (len < 0)
				return fail(c, "'%s': expected a hex string of at most %zu octets",
					    path, n->content_size);
			o->len = (size_t)len;
			continue;
		}
		unit = n->def->rec_len;
		if (!json_is_array(val) || json_array_size(val) > n->def->rec_count)
			return fail(c, "'%s': expected an array of at most %u records in hex",
				    path, n->def->rec_count);
		for (size_t i = 0; i < json_array_size(val); i++) {
			uint8_t rec[255];
			int len = hex_string(c, json_string_value(json_array_get(val, i)), rec, unit);
			if (len < 0)
				return fail(c, "'%s' record %zu: expected at most %zu octets in hex",
					    path, i + 1, unit);
			memset(o->data + i * unit, 0xFF, unit);
			memcpy(o->data + i * unit, rec, (size_t)len);
		}
		o->records = (unsigned int)json_array_size(val);
		o->len = o->records * unit;
	}
	return 0;
}

/* An unsigned integer within [min, max]. */
static int uint_field(struct field_ctx *c, json_t *v, uint64_t min, uint64_t max, uint64_t *out)
{
	json_int_t n = json_integer_value(v);

	if (!json_is_integer(v) || n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return fail(c, "expected an integer from %llu to %llu", (unsigned long long)min,
			    (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

/* One octet (or two) in hex, as "83" / "0080". */
static int hex_octets(struct field_ctx *c, json_t *v, size_t n, uint16_t *out)
{
	uint8_t b[2];

	if (hex_string(c, json_string_value(v), b, n) != (int)n)
		return fail(c, "expected %zu hex digits", 2 * n);
	*out = n == 1 ? b[0] : (uint16_t)(b[0] << 8 | b[1]);
	return 0;
}

struct sub_field {
	const char *name;
	int (*parse)(struct field_ctx *c, json_t *v);
};

/* Parse an object of sub-fields; messages name them "parent.child". */
static int sub_object(struct field_ctx *c, json_t *v, const struct sub_field *table, size_t n)
{
	const char *key;
	json_t *val;
	char name[64];

	if (!json_is_object(v))
		return fail(c, "expected an object");
	json_object_foreach(v, key, val) {
		const struct sub_field *f = NULL;
		struct field_ctx sc = *c;
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(table[i].name, key))
				f = &table[i];
		}
		snprintf(name, sizeof(name), "%s.%s", c->name, key);
		sc.name = name;
		if (!f)
			return fail(&sc, "unknown");
		if (f->parse(&sc, val) < 0)
			return -1;
	}
	return 0;
}

static int parse_sqn_ind_bits(struct field_ctx *c, json_t *v)
{
	uint64_t n = 0;
	if (uint_field(c, v, 0, USIM_SQN_IND_BITS_MAX, &n) < 0)
		return -1;
	c->p->sqn.ind_bits = (unsigned int)n;
	return 0;
}

static int parse_sqn_delta(struct field_ctx *c, json_t *v)
{
	return uint_field(c, v, 1, USIM_SQN_MAX, &c->p->sqn.delta);
}

static int parse_sqn_age_limit(struct field_ctx *c, json_t *v)
{
	return uint_field(c, v, 0, USIM_SQN_MAX, &c->p->sqn.age_limit);
}

/* "seq": one SEQ for every IND, or an array of SEQ per IND */
static int parse_sqn_seq(struct field_ctx *c, json_t *v)
{
	uint64_t n = 0;

	if (json_is_integer(v)) {
		if (uint_field(c, v, 0, USIM_SQN_MAX, &n) < 0)
			return -1;
		for (unsigned int i = 0; i < USIM_SQN_SLOTS_MAX; i++)
			c->p->sqn_seq[i] = n;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) > USIM_SQN_SLOTS_MAX)
		return fail(c, "expected an integer or an array of at most %u integers", USIM_SQN_SLOTS_MAX);
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (uint_field(c, json_array_get(v, i), 0, USIM_SQN_MAX, &n) < 0)
			return -1;
		c->p->sqn_seq[i] = n;
	}
	return 0;
}

static const struct sub_field sqn_fields[] = {
	{ .name = "ind_bits", .parse = parse_sqn_ind_bits },
	{ .name = "delta", .parse = parse_sqn_delta },
	{ .name = "age_limit", .parse = parse_sqn_age_limit },
	{ .name = "seq", .parse = parse_sqn_seq },
};

static int parse_sqn(struct field_ctx *c, json_t *v)
{
	return sub_object(c, v, sqn_fields, sizeof(sqn_fields) / sizeof(sqn_fields[0]));
}

static int parse_e2m_enabled(struct field_ctx *c, json_t *v)
{
	if (!json_is_boolean(v))
		return fail(c, "expected true or false");
	c->p->e2m.enabled = json_is_true(v);
	return 0;
}

static int parse_e2m_home_conf(struct field_ctx *c, json_t *v)
{
	if (!json_is_boolean(v))
		return fail(c, "expected true or false");
	c->p->e2m.home_confidentiality = json_is_true(v);
	return 0;
}

static int parse_e2m_eids(struct field_ctx *c, json_t *v)
{
	struct usim_profile_e2m *e = &c->p->e2m;

	if (!json_is_array(v) || json_array_size(v) > USIM_PROFILE_EIDS_MAX)
		return fail(c, "expected an array of at most %d endpoint names", USIM_PROFILE_EIDS_MAX);
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		if (!s || !*s || strlen(s) > USIM_E2M_EID_MAX)
			return fail(c, "entry %zu: expected a name of 1 to %d octets", i, USIM_E2M_EID_MAX);
		snprintf(e->eids[i], sizeof(e->eids[i]), "%s", s);
	}
	e->n_eids = (unsigned int)json_array_size(v);
	return 0;
}

static int parse_e2m_no_conf(struct field_ctx *c, json_t *v)
{
	if (json_is_array(v) && json_array_size(v) > USIM_PROFILE_NO_CONF_MAX)
		return fail(c, "at most %d PLMNs fit EF.E2M_POL", USIM_PROFILE_NO_CONF_MAX);
	return plmn_list(c, v, &c->p->e2m.no_confidentiality);
}

static int parse_e2m_amf_mask(struct field_ctx *c, json_t *v)
{
	return hex_octets(c, v, 2, &c->p->e2m.amf_mask);
}

/* doc/e2m-profile.md 2: EA 0-2 in the high nibble, IA 1-2 in the low one */
static int parse_e2m_alg(struct field_ctx *c, json_t *v)
{
	uint16_t alg = 0;

	if (hex_octets(c, v, 1, &alg) < 0)
		return -1;
	if ((alg >> 4) > 2 || (alg & 0x0F) < 1 || (alg & 0x0F) > 2)
		return fail(c, "EA (high nibble) must be 0-2 and IA (low nibble) 1-2");
	c->p->e2m.alg = (uint8_t)alg;
	return 0;
}

static int parse_e2m_p2(struct field_ctx *c, json_t *v)
{
	uint16_t p2 = 0;

	if (hex_octets(c, v, 1, &p2) < 0)
		return -1;
	if (p2 == 0x80 || p2 == 0x81)
		return fail(c, "'%02X' is a 3GPP security context (TS 31.102 7.1.2)", p2);
	c->p->e2m.p2 = (uint8_t)p2;
	return 0;
}

static int fc_field(struct field_ctx *c, json_t *v, uint8_t *out)
{
	uint16_t fc = 0;

	if (hex_octets(c, v, 1, &fc) < 0)
		return -1;
	*out = (uint8_t)fc;
	return 0;
}

static int parse_fc_usim(struct field_ctx *c, json_t *v) { return fc_field(c, v, &c->p->e2m.fc_usim); }
static int parse_fc_me(struct field_ctx *c, json_t *v) { return fc_field(c, v, &c->p->e2m.fc_me); }
static int parse_fc_alg(struct field_ctx *c, json_t *v) { return fc_field(c, v, &c->p->e2m.fc_alg); }

static const struct sub_field fc_fields[] = {
	{ .name = "ke2m_usim", .parse = parse_fc_usim },
	{ .name = "ke2m_me", .parse = parse_fc_me },
	{ .name = "alg", .parse = parse_fc_alg },
};

static int parse_e2m_fc(struct field_ctx *c, json_t *v)
{
	return sub_object(c, v, fc_fields, sizeof(fc_fields) / sizeof(fc_fields[0]));
}

static int parse_e2m_version(struct field_ctx *c, json_t *v)
{
	uint64_t n = 0;
	if (uint_field(c, v, 1, 1, &n) < 0)
		return fail(c, "this card implements profile version 1 of doc/e2m-profile.md");
	return 0;
}

static const struct sub_field e2m_fields[] = {
	{ .name = "enabled", .parse = parse_e2m_enabled },
	{ .name = "eids", .parse = parse_e2m_eids },
	{ .name = "no_confidentiality_plmns", .parse = parse_e2m_no_conf },
	{ .name = "home_confidentiality", .parse = parse_e2m_home_conf },
	{ .name = "amf_indicator_mask", .parse = parse_e2m_amf_mask },
	{ .name = "alg", .parse = parse_e2m_alg },
	{ .name = "p2", .parse = parse_e2m_p2 },
	{ .name = "fc", .parse = parse_e2m_fc },
	{ .name = "version", .parse = parse_e2m_version },
};

static int parse_e2m(struct field_ctx *c, json_t *v)
{
	c->p->e2m.present = true;
	return sub_object(c, v, e2m_fields, sizeof(e2m_fields) / sizeof(e2m_fields[0]));
}

struct field {
	const char *name;
	bool required;
	int (*parse)(struct field_ctx *c, json_t *v);
};

/* Field names follow pySim's card data where it has one. */
static const struct field fields[] = {
	{ .name = "iccid", .required = true, .parse = parse_iccid },
	{ .name = "imsi", .required = true, .parse = parse_imsi },
	{ .name = "ki", .required = true, .parse = parse_ki },
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
	p->sqn = (struct usim_sqn_params)USIM_SQN_PARAMS_DEFAULT;
	/* doc/e2m-profile.md: enabled once the profile has "e2m"; defaults of 3 and 2 */
	p->e2m.enabled = true;
	p->e2m.home_confidentiality = true;
	p->e2m.alg = 0x11;
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

/* Checks across fields, after each has parsed. */
static int check_consistency(struct usim_profile *p, char *err, size_t errlen)
{
	const struct usim_alg *alg = usim_alg_by_name(p->algorithm);
	struct field_ctx c = { .p = p, .err = err, .errlen = errlen };

	c.name = "ki";
	if (!(alg->k_lens & (p->ki_len == 32 ? USIM_ALG_K256 : USIM_ALG_K128)))
		return fail(&c, "%zu bits is not a key length of %s", p->ki_len * 8, alg->name);
	c.name = "opc";
	if (alg->opc && !p->opc_len)
		return fail(&c, "required for %s (or give 'op')", alg->name);
	if (!alg->opc && p->opc_len)
		return fail(&c, "%s has no OP/OPc", alg->name);
	if (alg->opc && p->opc_len != (alg->id == USIM_ALG_TUAK ? 32u : 16u))
		return fail(&c, "%s needs %d hex digits", alg->name, alg->id == USIM_ALG_TUAK ? 64 : 32);
	c.name = "imsi";
	if (strlen(p->imsi) < 3 + p->mnc_len)
		return fail(&c, "shorter than MCC and a %u-digit MNC", p->mnc_len);
	return 0;
}

/*! Parse a profile from JSON text. Returns 0, or -1 with one message in err
 *  naming the field. Secrets in p are cleared by usim_profile_clear(). */
int usim_profile_parse(struct usim_profile *p, const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *key;
	json_t *val;
	int rc = -1;

	set_defaults(p);
	if (!root) {
		snprintf(err, errlen, "not valid JSON: %s (line %d, column %d)", jerr.text,
			 jerr.line, jerr.column);
		return -1;
	}
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
		struct field_ctx c = { .p = p, .name = fields[i].name, .err = err, .errlen = errlen };
		val = json_object_get(root, fields[i].name);
		if (!val) {
			if (fields[i].required) {
				fail(&c, "missing");
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
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;
	int rc = -1;

	set_defaults(p);
	if (!f) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && size < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) &&
	    fread(buf, 1, (size_t)size, f) == (size_t)size) {
		rc = usim_profile_parse(p, buf, (size_t)size, err, errlen);
		OPENSSL_cleanse(buf, (size_t)size);
	} else {
		snprintf(err, errlen, "cannot read (or larger than 1 MiB)");
	}
	free(buf);
	fclose(f);
	return rc;
}

/*! Free what the profile holds and zero its secrets. */
void usim_profile_clear(struct usim_profile *p)
{
	for (unsigned int i = 0; i < p->n_files; i++)
		free(p->files[i].data);
	OPENSSL_cleanse(p, sizeof(*p));
}

/*! Parse a JSON object with the fields of a profile's "e2m" object alone
 *  (the ME bridge's configuration). Defaults as in a profile. Returns 0, or
 *  -1 with one message naming the field. */
int usim_e2m_config_parse(struct usim_profile_e2m *e, const char *text, size_t len,
			  char *err, size_t errlen)
{
	static struct usim_profile p;
	struct field_ctx c = { .p = &p, .name = "e2m", .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	set_defaults(&p);
	if (!root) {
		snprintf(err, errlen, "not valid JSON: %s (line %d, column %d)", jerr.text,
			 jerr.line, jerr.column);
		return -1;
	}
	rc = parse_e2m(&c, root);
	json_decref(root);
	*e = p.e2m;
	return rc;
}
