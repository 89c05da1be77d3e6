/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A walked card as text, JSON or an e2msim profile, and two walked cards'
 * differences. FCP fields after TS 102 221 11.1.1.4; EF.ICCID after TS 102
 * 221 13.2, EF.IMSI after TS 31.102 4.2.2. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu/sw.h"
#include "common/hex.h"
#include "probe/report.h"

/* octets as a new hex string ("" for none); NULL when out of memory */
static char *hex_new(const uint8_t *p, size_t len)
{
	char *s = malloc(2 * len + 1);

	if (s && common_hex_encode(p, len, s, 2 * len + 1) < 0)
		s[0] = '\0';
	return s;
}

static char *str_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_new(const char *fmt, ...)
{
	va_list ap;
	char buf[PROBE_LABEL_MAX];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strdup(buf);
}

static const char *structure_name(const struct probe_fcp *f)
{
	if (!f->valid)
		return "no FCP";
	if (f->is_df)
		return "DF";
	switch (f->fd & 0x07) {	/* 11.1.1.4.3 table 11.5 */
	case 0x01: return "transparent";
	case 0x02: return "linear fixed";
	case 0x06: return "cyclic";
	default: return "other EF";
	}
}

/* Takes a and b (either may be NULL: out of memory, which fails the diff). */
static int add(struct probe_diffs *d, const char *what, const char *field, char *a, char *b)
{
	struct probe_diff *x;

	if (!a || !b)
		goto oom;
	if (d->count == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 32;
		struct probe_diff *l = realloc(d->list, cap * sizeof(*l));
		if (!l)
			goto oom;
		d->list = l;
		d->cap = cap;
	}
	x = &d->list[d->count++];
	snprintf(x->what, sizeof(x->what), "%s", what);
	snprintf(x->field, sizeof(x->field), "%s", field);
	x->a = a;
	x->b = b;
	return 0;
oom:
	free(a);
	free(b);
	return -1;
}

static int diff_u(struct probe_diffs *d, const char *what, const char *field, long a, long b)
{
	return a == b ? 0 : add(d, what, field, str_new("%ld", a), str_new("%ld", b));
}

static int diff_sw(struct probe_diffs *d, const char *what, const char *field, uint16_t a, uint16_t b)
{
	return a == b ? 0 : add(d, what, field, str_new("%04X", a), str_new("%04X", b));
}

static int diff_hex(struct probe_diffs *d, const char *what, const char *field, const uint8_t *a,
		    size_t alen, const uint8_t *b, size_t blen)
{
	if (alen == blen && (!alen || !memcmp(a, b, alen)))
		return 0;
	return add(d, what, field, hex_new(a, alen), hex_new(b, blen));
}

static int diff_time(struct probe_diffs *d, const char *what, double a, double b, double ratio)
{
	if (ratio <= 0 || a <= 0 || b <= 0 || (a <= b * ratio && b <= a * ratio))
		return 0;
	return add(d, what, "time", str_new("%.0f us", a), str_new("%.0f us", b));
}

static int diff_file(struct probe_diffs *d, const struct probe_file *a, const struct probe_file *b,
		     double ratio)
{
	const char *p = fs_name(fs_get(), a->node);
	const struct probe_fcp *x = &a->fcp, *y = &b->fcp;
	int rc = 0;

	if (a->walked != b->walked)
		return add(d, p, "application", str_new(a->walked ? "present" : "absent"),
			   str_new(b->walked ? "present" : "absent"));
	if (!a->walked)
		return 0;
	rc |= diff_sw(d, p, "SELECT", a->select_sw, b->select_sw);
	rc |= diff_time(d, p, a->select_us, b->select_us, ratio);
	if (a->select_sw != APDU_SW_OK || b->select_sw != APDU_SW_OK)
		return rc;
	if (strcmp(structure_name(x), structure_name(y)))
		rc |= add(d, p, "structure", str_new("%s", structure_name(x)), str_new("%s", structure_name(y)));
	rc |= diff_u(d, p, "size", x->size, y->size);
	rc |= diff_u(d, p, "record size", x->rec_len, y->rec_len);
	rc |= diff_u(d, p, "records", x->rec_count, y->rec_count);
	rc |= diff_u(d, p, "SFI", x->sfi, y->sfi);
	rc |= diff_hex(d, p, "access rules", x->arr, x->arr_len, y->arr, y->arr_len);
	rc |= diff_u(d, p, "life cycle", x->lcsi, y->lcsi);
	rc |= diff_sw(d, p, "READ", a->read_sw, b->read_sw);
	rc |= diff_time(d, p, a->read_us, b->read_us, ratio);
	rc |= diff_hex(d, p, "contents", a->data, a->len, b->data, b->len);
	return rc;
}

int probe_diff(const struct probe_card *a, const struct probe_card *b, double ratio,
	       struct probe_diffs *d)
{
	int rc = 0;

	*d = (struct probe_diffs){ 0 };
	rc |= diff_hex(d, "ATR", "octets", a->atr, a->atr_len, b->atr, b->atr_len);
	rc |= diff_u(d, "PIN1", "tries left", a->pin1_tries, b->pin1_tries);
	rc |= diff_u(d, "PIN1", "verified", a->pin1_verified, b->pin1_verified);
	rc |= diff_u(d, "ADM1", "tries left", a->adm1_tries, b->adm1_tries);
	rc |= diff_u(d, "ADM1", "verified", a->adm1_verified, b->adm1_verified);
	for (size_t i = 0; i < a->n_files && i < b->n_files; i++)
		rc |= diff_file(d, &a->files[i], &b->files[i], ratio);
	for (size_t i = 0; i < a->n_steps || i < b->n_steps; i++) {
		const struct probe_step *x = i < a->n_steps ? &a->steps[i] : NULL;
		const struct probe_step *y = i < b->n_steps ? &b->steps[i] : NULL;
		if (!x || !y || strcmp(x->label, y->label)) {
			rc |= add(d, x ? x->label : y->label, "command",
				  str_new("%s", x ? x->label : "(none)"), str_new("%s", y ? y->label : "(none)"));
			continue;
		}
		rc |= diff_sw(d, x->label, "SW", x->sw, y->sw);
		rc |= diff_hex(d, x->label, "data", x->data, x->len, y->data, y->len);
		rc |= diff_time(d, x->label, x->us, y->us, ratio);
	}
	return rc ? -1 : 0;
}

void probe_diffs_free(struct probe_diffs *d)
{
	for (size_t i = 0; i < d->count; i++) {
		free(d->list[i].a);
		free(d->list[i].b);
	}
	free(d->list);
	*d = (struct probe_diffs){ 0 };
}

static void print_hex(FILE *out, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(out, "%02x", p[i]);
}

void probe_card_print(FILE *out, const struct probe_card *c)
{
	fprintf(out, "ATR ");
	print_hex(out, c->atr, c->atr_len);
	fprintf(out, "\n");
	for (unsigned int i = 0; i < c->n_apps; i++) {
		fprintf(out, "application ");
		print_hex(out, c->apps[i].aid, c->apps[i].aid_len);
		fprintf(out, " \"%s\"\n", c->apps[i].label);
	}
	fprintf(out, "PIN1 tries left %d%s\n", c->pin1_tries, c->pin1_verified ? ", verified" : "");
	fprintf(out, "ADM1 tries left %d%s\n", c->adm1_tries, c->adm1_verified ? ", verified" : "");
	for (size_t i = 0; i < c->n_files; i++) {
		const struct probe_file *f = &c->files[i];
		if (!f->walked)
			continue;
		fprintf(out, "%-36s %04X", fs_name(fs_get(), (int)i), f->select_sw);
		if (f->select_sw == APDU_SW_OK && f->fcp.valid) {
			fprintf(out, " %s", structure_name(&f->fcp));
			if (!f->fcp.is_df)
				fprintf(out, " size %u", (unsigned int)f->fcp.size);
			if (f->fcp.rec_count)
				fprintf(out, " records %u x %u", f->fcp.rec_count, f->fcp.rec_len);
			if (f->fcp.sfi > 0)
				fprintf(out, " SFI %02X", f->fcp.sfi);
			if (f->fcp.arr_len) {
				fprintf(out, " ARR ");
				print_hex(out, f->fcp.arr, f->fcp.arr_len);
			}
		}
		if (f->read_sw) {
			fprintf(out, " read %04X ", f->read_sw);
			print_hex(out, f->data, f->len);
		}
		fprintf(out, "\n");
	}
	for (size_t i = 0; i < c->n_steps; i++) {
		fprintf(out, "%s: %04X", c->steps[i].label, c->steps[i].sw);
		if (c->steps[i].len) {
			fprintf(out, " ");
			print_hex(out, c->steps[i].data, c->steps[i].len);
		}
		fprintf(out, "\n");
	}
	fprintf(out, "%u commands\n", c->n_commands);
}

static json_t *json_hex(const uint8_t *p, size_t len)
{
	char *s = hex_new(p, len);
	json_t *j = s ? json_string(s) : NULL;

	free(s);
	return j;
}

static json_t *json_sw(uint16_t sw)
{
	char s[5];

	snprintf(s, sizeof(s), "%04X", sw);
	return json_string(s);
}

static json_t *file_json(const struct probe_file *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "select", json_sw(f->select_sw));
	if (f->select_sw == APDU_SW_OK && f->fcp.valid) {
		json_object_set_new(o, "fcp", json_hex(f->fcp_raw, f->fcp_len));
		json_object_set_new(o, "structure", json_string(structure_name(&f->fcp)));
		if (!f->fcp.is_df)
			json_object_set_new(o, "size", json_integer(f->fcp.size));
		if (f->fcp.rec_count) {
			json_object_set_new(o, "record_size", json_integer(f->fcp.rec_len));
			json_object_set_new(o, "records", json_integer(f->fcp.rec_count));
		}
		json_object_set_new(o, "sfi", json_integer(f->fcp.sfi));
		json_object_set_new(o, "access_rules", json_hex(f->fcp.arr, f->fcp.arr_len));
		json_object_set_new(o, "life_cycle", json_integer(f->fcp.lcsi));
		json_object_set_new(o, "select_us", json_real(f->select_us));
	}
	if (f->read_sw) {
		json_object_set_new(o, "read", json_sw(f->read_sw));
		json_object_set_new(o, "contents", json_hex(f->data, f->len));
		json_object_set_new(o, "read_us", json_real(f->read_us));
	}
	return o;
}

json_t *probe_card_json(const struct probe_card *c)
{
	json_t *o = json_object(), *apps = json_array(), *files = json_object(), *steps = json_array();

	if (!o || !apps || !files || !steps) {
		json_decref(o), json_decref(apps), json_decref(files), json_decref(steps);
		return NULL;
	}
	json_object_set_new(o, "atr", json_hex(c->atr, c->atr_len));
	for (unsigned int i = 0; i < c->n_apps; i++) {
		json_t *a = json_object();
		json_object_set_new(a, "aid", json_hex(c->apps[i].aid, c->apps[i].aid_len));
		json_object_set_new(a, "label", json_string(c->apps[i].label));
		json_array_append_new(apps, a);
	}
	json_object_set_new(o, "applications", apps);
	json_object_set_new(o, "pin1_tries", json_integer(c->pin1_tries));
	json_object_set_new(o, "pin1_verified", json_boolean(c->pin1_verified));
	json_object_set_new(o, "adm1_tries", json_integer(c->adm1_tries));
	json_object_set_new(o, "adm1_verified", json_boolean(c->adm1_verified));
	for (size_t i = 0; i < c->n_files; i++) {
		if (c->files[i].walked)
			json_object_set_new(files, fs_name(fs_get(), (int)i), file_json(&c->files[i]));
	}
	json_object_set_new(o, "files", files);
	for (size_t i = 0; i < c->n_steps; i++) {
		json_t *s = json_object();
		json_object_set_new(s, "command", json_string(c->steps[i].label));
		json_object_set_new(s, "sw", json_sw(c->steps[i].sw));
		json_object_set_new(s, "data", json_hex(c->steps[i].data, c->steps[i].len));
		json_array_append_new(steps, s);
	}
	json_object_set_new(o, "steps", steps);
	json_object_set_new(o, "commands", json_integer(c->n_commands));
	return o;
}

void probe_timing_print(FILE *out, const struct probe_card *a, const struct probe_card *b)
{
	for (size_t i = 0; i < a->n_files && i < b->n_files; i++) {
		const struct probe_file *x = &a->files[i], *y = &b->files[i];
		if (x->select_us > 0 && y->select_us > 0)
			fprintf(out, "time %-36s SELECT %8.0f us %8.0f us\n", fs_name(fs_get(), (int)i),
				x->select_us, y->select_us);
		if (x->read_us > 0 && y->read_us > 0)
			fprintf(out, "time %-36s READ   %8.0f us %8.0f us\n", fs_name(fs_get(), (int)i),
				x->read_us, y->read_us);
	}
}

json_t *probe_timing_json(const struct probe_card *a, const struct probe_card *b)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < a->n_files && i < b->n_files; i++) {
		const struct probe_file *x = &a->files[i], *y = &b->files[i];
		static const char *const names[2] = { "SELECT", "READ" };
		double us[2][2] = { { x->select_us, y->select_us }, { x->read_us, y->read_us } };
		for (int k = 0; k < 2; k++) {
			json_t *t;
			if (us[k][0] <= 0 || us[k][1] <= 0)
				continue;
			t = json_object();
			json_object_set_new(t, "file", json_string(fs_name(fs_get(), (int)i)));
			json_object_set_new(t, "command", json_string(names[k]));
			json_object_set_new(t, "a_us", json_real(us[k][0]));
			json_object_set_new(t, "b_us", json_real(us[k][1]));
			json_array_append_new(arr, t);
		}
	}
	return arr;
}

/* BCD digits, nibbles swapped, up to the first 'F' (TS 102 221 13.2). */
static void bcd_digits(const uint8_t *p, size_t len, bool skip_first, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < 2 * len && n + 1 < cap; i++) {
		uint8_t d = i % 2 ? p[i / 2] >> 4 : p[i / 2] & 0x0F;
		if (i == 0 && skip_first)
			continue;
		if (d > 9)
			break;
		out[n++] = (char)('0' + d);
	}
	out[n] = '\0';
}

/* A file a twin takes over: read whole, its contents its own (no link),
 * not the card's own rules or applications (EF.ARR, EF.DIR), not part of
 * an optional feature, of the table's structure and of a size a profile
 * takes (usim/profile.c). */
static bool twin_takes(const struct fs_tree *fs, int node, const struct probe_file *f)
{
	const struct fs_file_def *d = fs->nodes[node].def;
	const char *last = strrchr(d->path, '/');
	bool records = f->fcp.rec_count != 0;

	last = last ? last + 1 : d->path;
	if (f->read_sw != APDU_SW_OK || !f->len || d->link || fs_feature_of(fs, node) != FS_FEATURE_NONE ||
	    !strcmp(last, "EF.ARR") || !strcmp(last, "EF.DIR") || records != fs_is_record(fs, node))
		return false;
	return records ? f->fcp.rec_len >= 1 && f->fcp.rec_len <= 255 && f->fcp.rec_count <= 254
		       : f->fcp.size >= 1 && f->fcp.size <= 0x7FFF;
}

static json_t *file_profile_json(const struct probe_file *f)
{
	json_t *o = json_object();

	if (f->fcp.rec_count) {
		json_t *recs = json_array();
		for (unsigned int r = 0; r < f->records; r++)
			json_array_append_new(recs, json_hex(f->data + (size_t)r * f->fcp.rec_len, f->fcp.rec_len));
		json_object_set_new(o, "record_size", json_integer(f->fcp.rec_len));
		json_object_set_new(o, "records", json_integer(f->fcp.rec_count));
		json_object_set_new(o, "contents", recs);
	} else {
		json_object_set_new(o, "size", json_integer(f->fcp.size));
		json_object_set_new(o, "contents", json_hex(f->data, f->len));
	}
	return o;
}

json_t *probe_profile_json(const struct probe_card *c, const char *pin1, char *err, size_t errlen)
{
	const struct fs_tree *fs = fs_get();
	const struct probe_file *iccid = probe_card_file(c, "EF.ICCID");
	const struct probe_file *imsi = probe_card_file(c, "ADF.USIM/EF.IMSI");
	const struct probe_file *ad = probe_card_file(c, "ADF.USIM/EF.AD");
	char digits[32];
	json_t *o, *files;

	if (!iccid || iccid->read_sw != APDU_SW_OK || iccid->len < 10) {
		snprintf(err, errlen, "EF.ICCID could not be read");
		return NULL;
	}
	/* TS 31.102 4.2.2: length, then the digits after the parity nibble */
	if (!imsi || imsi->read_sw != APDU_SW_OK || imsi->len < 2 || imsi->data[0] < 1 ||
	    imsi->data[0] > imsi->len - 1) {
		snprintf(err, errlen, "ADF.USIM/EF.IMSI could not be read (give --pin1)");
		return NULL;
	}
	o = json_object();
	files = json_object();
	bcd_digits(iccid->data, iccid->len, false, digits, sizeof(digits));
	json_object_set_new(o, "iccid", json_string(digits));
	bcd_digits(imsi->data + 1, imsi->data[0], true, digits, sizeof(digits));
	json_object_set_new(o, "imsi", json_string(digits));
	/* TS 31.102 4.2.18: the MNC's length in the fourth octet of EF.AD */
	if (ad && ad->read_sw == APDU_SW_OK && ad->len >= 4 && ((ad->data[3] & 0x0F) == 2 ||
								 (ad->data[3] & 0x0F) == 3))
		json_object_set_new(o, "mnc_len", json_integer(ad->data[3] & 0x0F));
	if (c->pin1_verified && pin1)
		json_object_set_new(o, "pin1", json_string(pin1));
	if (c->pin1_disabled)
		json_object_set_new(o, "pin1_enabled", json_false());
	for (size_t i = 0; i < c->n_files && i < fs->count; i++) {
		if (twin_takes(fs, (int)i, &c->files[i]))
			json_object_set_new(files, fs->nodes[i].def->path, file_profile_json(&c->files[i]));
	}
	json_object_set_new(o, "files", files);
	return o;
}
