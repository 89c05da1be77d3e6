/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON field helpers (jansson) for the project's configuration files and
 * wire forms: a field is parsed by a function from a table, and every
 * refusal is one message naming the field, in one of two styles: card
 * profiles say "field 'e2m.alg': expected 2 hex digits", the key service's
 * files and messages "tls.cert: not a string" (plain), both optionally after
 * a prefix such as the file's name. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/plmn.h"

/* Where a field goes and how a refusal is reported. */
struct common_json_ctx {
	void *obj;		/* the structure being filled */
	const char *name;	/* the field's name, "parent.child" below the top */
	char *err;
	size_t errlen;
	bool plain;		/* "NAME: why" instead of "field 'NAME': why" */
	const char *prefix;	/* NULL, or put before it all: "PREFIX: " */
};

/* One row of a table of fields. */
struct common_json_field {
	const char *name;
	int (*parse)(struct common_json_ctx *c, json_t *v);
};

/*! "field 'NAME': " (plain: "NAME: ") and the message into c->err, after
 *  c->prefix and ": " when there is one; returns -1. */
int common_json_fail(struct common_json_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*! The same for a member of the field: its name is c->name "." member. */
int common_json_fail_member(struct common_json_ctx *c, const char *member, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*! Every member of object v must be one of names[n]: 0, or -1 naming the
 *  first other ("unknown field" plain, else "unknown"). */
int common_json_only(struct common_json_ctx *c, json_t *v, const char *const *names, size_t n);

/*! A string of 1 to max octets without a NUL into *out (pointing into v):
 *  0, or -1 ("not a string", "expected 1 to MAX octets"). */
int common_json_string(struct common_json_ctx *c, json_t *v, size_t max, const char **out);

/*! An object whose members are parsed by the rows of table (an unknown
 *  member is refused); messages name them "parent.child". 0 or -1. */
int common_json_object(struct common_json_ctx *c, json_t *v, const struct common_json_field *table,
		       size_t n);

/*! true or false into *out. 0 or -1. */
int common_json_bool(struct common_json_ctx *c, json_t *v, bool *out);

/*! An unsigned integer within [min, max]. 0 or -1. */
int common_json_uint(struct common_json_ctx *c, json_t *v, uint64_t min, uint64_t max,
		     uint64_t *out);

/*! A string of min to max decimal digits copied to out (max + 1 octets). */
int common_json_digits(struct common_json_ctx *c, json_t *v, size_t min, size_t max, char *out);

/*! A hex string s (NULL: not a string) of at most max octets into out: the
 *  octet count, or -1. */
int common_json_hex(struct common_json_ctx *c, const char *s, uint8_t *out, size_t max);

/*! Exactly n (1 or 2) octets in hex, as "83" or "0080", into *out. */
int common_json_hex_octets(struct common_json_ctx *c, json_t *v, size_t n, uint16_t *out);

/*! An array of at most max (<= COMMON_PLMN_LIST_MAX) "MCCMNC" strings; a
 *  bad entry i is named "NAME[i]" (plain) or "entry i" after the field. */
int common_json_plmn_list(struct common_json_ctx *c, json_t *v, unsigned int max,
			  struct common_plmn_list *l);

/*! JSON text parsed into *root (JSON_REJECT_DUPLICATES); -1 with the
 *  parser's message and position in err. */
int common_json_load(json_t **root, const char *text, size_t len, char *err, size_t errlen);
