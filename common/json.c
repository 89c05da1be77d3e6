/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON field helpers, see json.h. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "common/json.h"

static int vfail(struct common_json_ctx *c, const char *member, const char *fmt, va_list ap)
{
	int n;

	if (!c->err || !c->errlen)
		return -1;
	n = snprintf(c->err, c->errlen, "%s%s%s%s%s%s%s", c->prefix ? c->prefix : "",
		     c->prefix ? ": " : "", c->plain ? "" : "field '", c->name,
		     member && *c->name ? "." : "",
		     member ? member : "", c->plain ? ": " : "': ");
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	return -1;
}

int common_json_fail(struct common_json_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int common_json_fail_member(struct common_json_ctx *c, const char *member, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, member, fmt, ap);
	va_end(ap);
	return -1;
}

int common_json_only(struct common_json_ctx *c, json_t *v, const char *const *names, size_t n)
{
	const char *key;
	json_t *val;

	json_object_foreach(v, key, val) {
		size_t i;
		for (i = 0; i < n && strcmp(key, names[i]); i++)
			;
		if (i == n)
			return common_json_fail_member(c, key, c->plain ? "unknown field" : "unknown");
	}
	return 0;
}

int common_json_string(struct common_json_ctx *c, json_t *v, size_t max, const char **out)
{
	const char *s = json_string_value(v);

	if (!s)
		return common_json_fail(c, "not a string");
	if (!*s || strlen(s) != json_string_length(v) || strlen(s) > max)
		return common_json_fail(c, "expected 1 to %zu octets", max);
	*out = s;
	return 0;
}

int common_json_object(struct common_json_ctx *c, json_t *v, const struct common_json_field *table,
		       size_t n)
{
	const char *key;
	json_t *val;
	char name[64];

	if (!json_is_object(v))
		return common_json_fail(c, "expected an object");
	json_object_foreach(v, key, val) {
		const struct common_json_field *f = NULL;
		struct common_json_ctx sc = *c;
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(table[i].name, key))
				f = &table[i];
		}
		snprintf(name, sizeof(name), "%s%s%s", c->name, *c->name ? "." : "", key);
		sc.name = name;
		if (!f)
			return common_json_fail(&sc, c->plain ? "unknown field" : "unknown");
		if (f->parse(&sc, val) < 0)
			return -1;
	}
	return 0;
}

int common_json_bool(struct common_json_ctx *c, json_t *v, bool *out)
{
	if (!json_is_boolean(v))
		return common_json_fail(c, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

int common_json_uint(struct common_json_ctx *c, json_t *v, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	json_int_t n = json_integer_value(v);

	if (!json_is_integer(v) || n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return common_json_fail(c, "expected an integer from %llu to %llu",
					(unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

int common_json_digits(struct common_json_ctx *c, json_t *v, size_t min, size_t max, char *out)
{
	const char *s = json_string_value(v);
	size_t len = s ? strlen(s) : 0;

	if (!s || len < min || len > max || !len || strspn(s, "0123456789") != len)
		return common_json_fail(c, "expected a string of %zu to %zu decimal digits", min, max);
	memcpy(out, s, len + 1);
	return 0;
}

int common_json_hex(struct common_json_ctx *c, const char *s, uint8_t *out, size_t max)
{
	size_t len = s ? strlen(s) : 0;
	int n;

	if (!s || len % 2 || len / 2 > max)
		return common_json_fail(c, "expected a hex string of at most %zu octets", max);
	n = common_hex_decode(s, len, out, max);
	if (n < 0)
		return common_json_fail(c, "'%s' is not hex", s);
	return n;
}

int common_json_hex_octets(struct common_json_ctx *c, json_t *v, size_t n, uint16_t *out)
{
	uint8_t b[2];

	if (n < 1 || n > 2 || common_json_hex(c, json_string_value(v), b, n) != (int)n)
		return common_json_fail(c, "expected %zu hex digits", 2 * n);
	*out = n == 1 ? b[0] : (uint16_t)(b[0] << 8 | b[1]);
	return 0;
}

int common_json_plmn_list(struct common_json_ctx *c, json_t *v, unsigned int max,
			  struct common_plmn_list *l)
{
	size_t i;
	json_t *e;

	if (max > COMMON_PLMN_LIST_MAX)
		max = COMMON_PLMN_LIST_MAX;
	if (!json_is_array(v) || json_array_size(v) > max)
		return common_json_fail(c, "expected an array of at most %u \"MCCMNC\" strings", max);
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);
		char name[96];
		struct common_json_ctx ec = *c;

		if (s && common_plmn_encode(s, &l->plmn[i], NULL) == 0)
			continue;
		if (!c->plain)
			return common_json_fail(c, "entry %zu: expected \"MCCMNC\" of 5 or 6 digits", i);
		snprintf(name, sizeof(name), "%s[%zu]", c->name, i);
		ec.name = name;
		return common_json_fail(&ec, "expected \"MCCMNC\", 5 or 6 digits");
	}
	l->count = (unsigned int)json_array_size(v);
	return 0;
}

int common_json_load(json_t **root, const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;

	*root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root) {
		snprintf(err, errlen, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
			 jerr.column);
		return -1;
	}
	return 0;
}
