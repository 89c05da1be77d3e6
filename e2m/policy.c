/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The E2M policy and configuration, see policy.h. */

#include <string.h>

#include "common/file.h"
#include "e2m/policy.h"

void e2m_config_defaults(struct e2m_config *e)
{
	*e = (struct e2m_config){
		.enabled = true, .home_confidentiality = true, .alg = 0x11, .p2 = 0x83,
		.fc_usim = E2M_FC_KE2M_USIM, .fc_me = E2M_FC_KE2M_ME,
		.fc_alg = E2M_FC_ALG,
	};
}

/* ---- the "e2m" object, one parser per field ---- */

#define CFG(c) ((struct e2m_config *)(c)->obj)

static int parse_enabled(struct common_json_ctx *c, json_t *v)
{
	return common_json_bool(c, v, &CFG(c)->enabled);
}

static int parse_home_conf(struct common_json_ctx *c, json_t *v)
{
	return common_json_bool(c, v, &CFG(c)->home_confidentiality);
}

static int parse_eids(struct common_json_ctx *c, json_t *v)
{
	struct e2m_config *e = CFG(c);

	if (!json_is_array(v) || json_array_size(v) > E2M_POLICY_EIDS_MAX)
		return common_json_fail(c, "expected an array of at most %d endpoint names",
					E2M_POLICY_EIDS_MAX);
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		if (!s || !*s || strlen(s) > E2M_EID_MAX)
			return common_json_fail(c, "entry %zu: expected a name of 1 to %d octets", i,
						E2M_EID_MAX);
		memcpy(e->eids[i], s, strlen(s) + 1);
	}
	e->n_eids = (unsigned int)json_array_size(v);
	return 0;
}

static int parse_no_conf(struct common_json_ctx *c, json_t *v)
{
	if (json_is_array(v) && json_array_size(v) > E2M_POLICY_NO_CONF_MAX)
		return common_json_fail(c, "at most %d PLMNs fit EF.E2M_POL", E2M_POLICY_NO_CONF_MAX);
	return common_json_plmn_list(c, v, E2M_POLICY_NO_CONF_MAX, &CFG(c)->no_confidentiality);
}

static int parse_amf_mask(struct common_json_ctx *c, json_t *v)
{
	return common_json_hex_octets(c, v, 2, &CFG(c)->amf_mask);
}

/* doc/e2m-profile.md 2: EA 0-2 in the high nibble, IA 1-2 in the low one */
static int parse_alg(struct common_json_ctx *c, json_t *v)
{
	uint16_t alg = 0;

	if (common_json_hex_octets(c, v, 1, &alg) < 0)
		return -1;
	if ((alg >> 4) > 2 || (alg & 0x0F) < 1 || (alg & 0x0F) > 2)
		return common_json_fail(c, "EA (high nibble) must be 0-2 and IA (low nibble) 1-2");
	CFG(c)->alg = (uint8_t)alg;
	return 0;
}

static int parse_p2(struct common_json_ctx *c, json_t *v)
{
	uint16_t p2 = 0;

	if (common_json_hex_octets(c, v, 1, &p2) < 0)
		return -1;
	if (p2 == 0x80 || p2 == 0x81)
		return common_json_fail(c, "'%02X' is a 3GPP security context (TS 31.102 7.1.2)", p2);
	CFG(c)->p2 = (uint8_t)p2;
	return 0;
}

static int fc_field(struct common_json_ctx *c, json_t *v, uint8_t *out)
{
	uint16_t fc = 0;

	if (common_json_hex_octets(c, v, 1, &fc) < 0)
		return -1;
	*out = (uint8_t)fc;
	return 0;
}

static int parse_fc_usim(struct common_json_ctx *c, json_t *v) { return fc_field(c, v, &CFG(c)->fc_usim); }
static int parse_fc_me(struct common_json_ctx *c, json_t *v) { return fc_field(c, v, &CFG(c)->fc_me); }
static int parse_fc_alg(struct common_json_ctx *c, json_t *v) { return fc_field(c, v, &CFG(c)->fc_alg); }

static const struct common_json_field fc_fields[] = {
	{ .name = "ke2m_usim", .parse = parse_fc_usim },
	{ .name = "ke2m_me", .parse = parse_fc_me },
	{ .name = "alg", .parse = parse_fc_alg },
};

static int parse_fc(struct common_json_ctx *c, json_t *v)
{
	return common_json_object(c, v, fc_fields, sizeof(fc_fields) / sizeof(fc_fields[0]));
}

static int parse_version(struct common_json_ctx *c, json_t *v)
{
	uint64_t n = 0;

	if (common_json_uint(c, v, 1, 1, &n) < 0)
		return common_json_fail(c, "this card implements profile version 1 of doc/e2m-profile.md");
	return 0;
}

static const struct common_json_field e2m_fields[] = {
	{ .name = "enabled", .parse = parse_enabled },
	{ .name = "eids", .parse = parse_eids },
	{ .name = "no_confidentiality_plmns", .parse = parse_no_conf },
	{ .name = "home_confidentiality", .parse = parse_home_conf },
	{ .name = "amf_indicator_mask", .parse = parse_amf_mask },
	{ .name = "alg", .parse = parse_alg },
	{ .name = "p2", .parse = parse_p2 },
	{ .name = "fc", .parse = parse_fc },
	{ .name = "version", .parse = parse_version },
};

int e2m_config_parse_json(struct common_json_ctx *c, json_t *v, struct e2m_config *e)
{
	struct common_json_ctx ec = *c;

	ec.obj = e;
	e->present = true;
	return common_json_object(&ec, v, e2m_fields, sizeof(e2m_fields) / sizeof(e2m_fields[0]));
}

int e2m_config_parse(struct e2m_config *e, const char *text, size_t len, char *err, size_t errlen)
{
	struct common_json_ctx c = { .name = "e2m", .err = err, .errlen = errlen };
	json_t *root;
	int rc;

	e2m_config_defaults(e);
	if (common_json_load(&root, text, len, err, errlen) < 0)
		return -1;
	rc = e2m_config_parse_json(&c, root, e);
	json_decref(root);
	return rc;
}

int e2m_config_load(struct e2m_config *e, const char *path, char *err, size_t errlen)
{
	char *text, why[256];
	size_t len;
	int rc;

	e2m_config_defaults(e);
	if (common_file_read(path, &text, &len, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	rc = e2m_config_parse(e, text, len, err, errlen);
	common_file_free(text, len);
	return rc;
}

/* ---- the rules ---- */

bool e2m_policy_confidentiality(bool home_confidentiality, const struct common_plmn_list *no_conf,
				const uint8_t *snid)
{
	if (!home_confidentiality)
		return false;
	return !(snid && no_conf && common_plmn_listed(no_conf, snid));
}

bool e2m_policy_eid_allowed(const struct e2m_config *e, const uint8_t *eid, size_t len)
{
	for (unsigned int i = 0; i < e->n_eids; i++) {
		if (strlen(e->eids[i]) == len && !memcmp(e->eids[i], eid, len))
			return true;
	}
	return e->n_eids == 0;
}

/* ---- DF.E2M's files, doc/e2m-profile.md 4 ---- */

void e2m_policy_files_encode(const struct e2m_config *e, uint8_t *pol, size_t pol_len,
			     uint8_t *eid, size_t rec_len, unsigned int rec_count)
{
	if (pol_len) {
		memset(pol, 0xFF, pol_len);
		pol[0] = (uint8_t)((e->enabled ? E2M_POL_ENABLED : 0) |
				   (e->home_confidentiality ? E2M_POL_HOME_CONF : 0));
		for (unsigned int i = 0; i < e->no_confidentiality.count && 1 + 3 * (i + 1) <= pol_len; i++)
			memcpy(pol + 1 + 3 * i, e->no_confidentiality.plmn[i].id, 3);
	}
	for (unsigned int i = 0; i < e->n_eids && i < rec_count; i++) {
		uint8_t *rec = eid + (size_t)i * rec_len;
		size_t len = strlen(e->eids[i]);
		if (rec_len < 2 || len > rec_len - 2)
			continue;
		memset(rec, 0xFF, rec_len);
		rec[0] = E2M_EID_TAG;
		rec[1] = (uint8_t)len;
		memcpy(rec + 2, e->eids[i], len);
	}
}

void e2m_policy_files_decode(const uint8_t *pol, size_t pol_len, const uint8_t *eid, size_t rec_len,
			     unsigned int rec_count, struct e2m_config *e)
{
	static const uint8_t unused[3] = { 0xFF, 0xFF, 0xFF };

	e->enabled = pol_len && (pol[0] & E2M_POL_ENABLED);
	e->home_confidentiality = pol_len && (pol[0] & E2M_POL_HOME_CONF);
	e->no_confidentiality.count = 0;
	for (size_t i = 1; i + 3 <= pol_len && e->no_confidentiality.count < COMMON_PLMN_LIST_MAX; i += 3) {
		if (memcmp(pol + i, unused, 3))
			memcpy(e->no_confidentiality.plmn[e->no_confidentiality.count++].id, pol + i, 3);
	}
	e->n_eids = 0;
	for (unsigned int r = 0; r < rec_count && e->n_eids < E2M_POLICY_EIDS_MAX; r++) {
		const uint8_t *rec = eid + (size_t)r * rec_len;
		if (rec_len < 2 || rec[0] != E2M_EID_TAG || rec[1] == 0 || rec[1] > rec_len - 2 ||
		    rec[1] > E2M_EID_MAX)
			continue;
		memcpy(e->eids[e->n_eids], rec + 2, rec[1]);
		e->eids[e->n_eids++][rec[1]] = '\0';
	}
}
