/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ME's walk over a card: TS 102 221 8.4 (selection from the current
 * DF), 11.1.1 (SELECT with FCP), 11.1.3 and 11.1.5 (READ BINARY, READ
 * RECORD), 11.1.9 (VERIFY PIN without data: the tries left), 13.1 (EF.DIR).
 * Only SELECT, READ BINARY, READ RECORD and VERIFY (without data first) are
 * sent, then, when asked, AUTHENTICATE and a script's commands: the walk
 * itself writes nothing. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "apdu/script.h"
#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "common/hex.h"
#include "probe/walk.h"

#define INS_SELECT		0xA4
#define INS_VERIFY		0x20
#define INS_READ_BINARY		0xB0
#define INS_READ_RECORD		0xB2
#define INS_AUTHENTICATE	0x88

#define KEY_PIN1		0x01	/* TS 102 221 9.5.1 table 9.3 */
#define KEY_ADM1		0x0A

#define FD_DF_MASK		0xBF	/* 11.1.1.4.3: '38' or '78' for a DF */
#define FD_DF			0x38
#define FD_STRUCTURE		0x07
#define FD_TRANSPARENT		0x01

#define READ_CHUNK		256
#define READ_BINARY_MAX		0x7FFF	/* P1 b8 = 0: 15-bit offset (11.1.3.1) */

struct walker {
	struct apdu_transport *t;
	const struct probe_options *o;
	struct probe_card *c;
	const struct fs_tree *fs;
	int cur_df;		/* the DF selected last, FS_NONE before MF */
	char *err;
	size_t errlen;
};

static double median(double *v, unsigned int n)
{
	common_sort_doubles(v, n);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A transport failure as the rest of one line. */
static int transport_fail(struct walker *w, int rc)
{
	if (rc == -EPROTO)
		snprintf(w->err, w->errlen, "the card's answer is not an R-APDU (fewer than 2 octets)");
	else if (rc == -ENOBUFS || rc == -ELOOP)
		snprintf(w->err, w->errlen, "the card answered more than it was asked for");
	else
		snprintf(w->err, w->errlen, "the card does not answer: %s", strerror(-rc));
	return -1;
}

/* One command with automatic GET RESPONSE and Le correction
 * (apdu_transceive); its duration into *us when us is given. */
static int xfer(struct walker *w, const struct apdu_cmd *cmd, struct apdu_rsp *rsp, double *us)
{
	double start = common_now_us();
	int rc = apdu_transceive(w->t, cmd, rsp);

	w->c->n_commands++;
	if (us)
		*us = common_now_us() - start;
	return rc < 0 ? transport_fail(w, rc) : 0;
}

/* The same command o->repeat times: the first answer kept, the median
 * duration into *us. */
static int xfer_timed(struct walker *w, const struct apdu_cmd *cmd, struct apdu_rsp *rsp, double *us)
{
	double runs[PROBE_REPEAT_MAX];
	unsigned int n = w->o->repeat < 1 ? 1 : w->o->repeat > PROBE_REPEAT_MAX ? PROBE_REPEAT_MAX
										 : w->o->repeat;
	uint8_t scratch[APDU_RSP_MAX];

	if (xfer(w, cmd, rsp, &runs[0]) < 0)
		return -1;
	for (unsigned int i = 1; i < n; i++) {
		struct apdu_rsp again = { .buf = scratch, .cap = sizeof(scratch) };
		if (xfer(w, cmd, &again, &runs[i]) < 0)
			return -1;
	}
	*us = median(runs, n);
	return 0;
}

/* A step with its status word and duration; NULL when the steps are full
 * (PROBE_STEPS_MAX: the rest of a long script is not kept). */
static struct probe_step *add_step(struct probe_card *c, const char *label, uint16_t sw, double us)
{
	struct probe_step *s;

	if (c->n_steps >= PROBE_STEPS_MAX)
		return NULL;
	s = &c->steps[c->n_steps++];
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->sw = sw;
	s->us = us;
	return s;
}

/* A copy of the response data in the step. */
static int step_keep(struct probe_step *s, const struct apdu_rsp *rsp)
{
	if (!rsp->len)
		return 0;
	s->data = malloc(rsp->len);
	if (!s->data)
		return -1;
	memcpy(s->data, rsp->buf, rsp->len);
	s->len = rsp->len;
	return 0;
}

int probe_fcp_parse(struct probe_fcp *f, const uint8_t *fcp, size_t len)
{
	const uint8_t *pos = fcp;
	struct apdu_tlv tpl, t;

	*f = (struct probe_fcp){ .sfi = -1, .lcsi = -1 };
	if (apdu_tlv_next(&pos, fcp + len, &tpl) < 0 || tpl.tag != 0x62)
		return -1;
	if (apdu_tlv_find(tpl.val, tpl.len, 0x82, &t) < 0 || t.len < 2)
		return -1;
	f->fd = t.val[0];
	f->is_df = (f->fd & FD_DF_MASK) == FD_DF;
	if (!f->is_df && (f->fd & FD_STRUCTURE) != FD_TRANSPARENT && t.len >= 5) {
		f->rec_len = (uint16_t)(t.val[2] << 8 | t.val[3]);
		f->rec_count = t.val[4];
	}
	if (apdu_tlv_find(tpl.val, tpl.len, 0x80, &t) == 0 && t.len >= 1 && t.len <= 4) {
		for (size_t i = 0; i < t.len; i++)
			f->size = f->size << 8 | t.val[i];
	}
	if (apdu_tlv_find(tpl.val, tpl.len, 0x88, &t) == 0)
		f->sfi = t.len ? t.val[0] >> 3 : 0;	/* 11.1.1.4.8: SFI in b8-b4 */
	if (apdu_tlv_find(tpl.val, tpl.len, 0x8B, &t) == 0 && t.len <= sizeof(f->arr)) {
		memcpy(f->arr, t.val, t.len);
		f->arr_len = t.len;
	}
	if (apdu_tlv_find(tpl.val, tpl.len, 0x8A, &t) == 0 && t.len == 1)
		f->lcsi = t.val[0];
	f->valid = true;
	return 0;
}

/* The application of EF.DIR that an ADF row of the table stands for: the
 * same RID and application code (TS 101 220 annex E), -1 when none. */
static int app_of_adf(const struct probe_card *c, const struct fs_file_def *d)
{
	for (unsigned int i = 0; i < c->n_apps; i++) {
		if (d->aid_len >= 7 && c->apps[i].aid_len >= 7 && !memcmp(c->apps[i].aid, d->aid, 7))
			return (int)i;
	}
	return -1;
}

/* SELECT with FCP (P2 '04'): by FID from the current DF, or an ADF by its
 * AID (P1 '04'). */
static int select_node(struct walker *w, int node, struct apdu_rsp *rsp, double *us)
{
	const struct fs_file_def *d = w->fs->nodes[node].def;
	uint8_t fid[2] = { (uint8_t)(d->fid >> 8), (uint8_t)d->fid };
	struct apdu_cmd cmd = { .ins = INS_SELECT, .p2 = 0x04, .nc = 2, .data = fid, .ne = 256 };

	if (d->kind == FS_FILE_ADF) {
		int app = app_of_adf(w->c, d);
		if (app < 0)
			return 1;
		cmd.p1 = 0x04;
		cmd.nc = (uint16_t)w->c->apps[app].aid_len;
		cmd.data = w->c->apps[app].aid;
	}
	return us ? xfer_timed(w, &cmd, rsp, us) : xfer(w, &cmd, rsp, NULL);
}

/* Make df the current DF: from MF or its ADF down, each DF by FID. 0 when
 * selected, 1 when a DF on the way is missing (*sw its answer), -1 on a
 * transport failure. */
static int enter_df(struct walker *w, int df, uint16_t *sw)
{
	int chain[16], depth = 0;
	uint8_t buf[PROBE_FCP_MAX];

	if (df == w->cur_df)
		return 0;
	for (int n = df; n != FS_NONE && depth < 16; n = w->fs->nodes[n].parent) {
		chain[depth++] = n;
		if (w->fs->nodes[n].def->kind == FS_FILE_ADF)
			break;
	}
	w->cur_df = FS_NONE;
	for (int i = depth - 1; i >= 0; i--) {
		struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };
		int rc = select_node(w, chain[i], &rsp, NULL);
		if (rc < 0)
			return -1;
		if (rc > 0 || rsp.sw != APDU_SW_OK) {
			*sw = rc > 0 ? APDU_SW_FILE_NOT_FOUND : rsp.sw;
			return 1;
		}
	}
	w->cur_df = df;
	return 0;
}

/* READ BINARY in chunks (11.1.3) or READ RECORD of every record, absolute
 * mode P2 '04' (11.1.5), as the FCP describes the file. */
static int read_ef(struct walker *w, struct probe_file *f)
{
	bool transparent = (f->fcp.fd & FD_STRUCTURE) == FD_TRANSPARENT;
	size_t total = transparent ? (f->fcp.size > READ_BINARY_MAX ? READ_BINARY_MAX : f->fcp.size)
				   : (size_t)f->fcp.rec_len * f->fcp.rec_count;
	size_t unit = transparent ? READ_CHUNK : f->fcp.rec_len;

	if (!total || !unit)
		return 0;
	f->data = malloc(total);
	if (!f->data)
		return -1;
	f->read_sw = APDU_SW_OK;
	for (size_t at = 0, i = 0; at < total; at += unit, i++) {
		size_t want = total - at < unit ? total - at : unit;
		struct apdu_cmd cmd = transparent
			? (struct apdu_cmd){ .ins = INS_READ_BINARY, .p1 = (uint8_t)(at >> 8),
					     .p2 = (uint8_t)at, .ne = (uint32_t)want }
			: (struct apdu_cmd){ .ins = INS_READ_RECORD, .p1 = (uint8_t)(i + 1),
					     .p2 = 0x04, .ne = (uint32_t)want };
		struct apdu_rsp rsp = { .buf = f->data + at, .cap = want };
		int rc = i == 0 ? xfer_timed(w, &cmd, &rsp, &f->read_us) : xfer(w, &cmd, &rsp, NULL);

		if (rc < 0)
			return -1;
		if (rsp.sw != APDU_SW_OK || rsp.len != want) {
			f->read_sw = rsp.sw != APDU_SW_OK ? rsp.sw : APDU_SW_WRONG_LENGTH;
			break;
		}
		f->len = at + want;
		if (!transparent)
			f->records = (unsigned int)i + 1;
	}
	return 0;
}

/* One row of the table: enter its DF, SELECT it, read it. */
static int walk_file(struct walker *w, int node)
{
	struct probe_file *f = &w->c->files[node];
	const struct fs_node *n = &w->fs->nodes[node];
	struct apdu_rsp rsp = { .buf = f->fcp_raw, .cap = sizeof(f->fcp_raw) };
	int adf = fs_adf_of(w->fs, node), rc;

	f->node = node;
	if (f->walked)
		return 0;
	if (adf != FS_NONE && app_of_adf(w->c, w->fs->nodes[adf].def) < 0)
		return 0;	/* the card has no such application */
	f->walked = true;
	if (node != 0 && n->def->kind != FS_FILE_ADF) {
		rc = enter_df(w, n->parent, &f->select_sw);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	rc = select_node(w, node, &rsp, &f->select_us);
	if (rc < 0)
		return -1;
	f->select_sw = rsp.sw;
	f->fcp_len = rsp.len;
	if (rsp.sw != APDU_SW_OK)
		return 0;
	if (probe_fcp_parse(&f->fcp, f->fcp_raw, f->fcp_len) < 0)
		return 0;
	if (f->fcp.is_df) {
		w->cur_df = node;
		return 0;
	}
	return read_ef(w, f);
}

/* EF.DIR's application templates '61': AID '4F', label '50' (13.1). */
static void read_apps(struct probe_card *c, const struct probe_file *dir)
{
	c->usim_app = c->isim_app = -1;
	for (unsigned int r = 0; dir->fcp.rec_len && r < dir->records; r++) {
		const uint8_t *rec = dir->data + (size_t)r * dir->fcp.rec_len;
		struct apdu_tlv tpl, aid, label;
		struct probe_app *a;

		if (c->n_apps >= PROBE_APPS_MAX || apdu_tlv_find(rec, dir->fcp.rec_len, 0x61, &tpl) < 0 ||
		    apdu_tlv_find(tpl.val, tpl.len, 0x4F, &aid) < 0 || aid.len < 5 || aid.len > 16)
			continue;
		a = &c->apps[c->n_apps];
		memcpy(a->aid, aid.val, aid.len);
		a->aid_len = aid.len;
		if (apdu_tlv_find(tpl.val, tpl.len, 0x50, &label) == 0 && label.len < sizeof(a->label)) {
			for (size_t i = 0; i < label.len; i++)
				a->label[i] = label.val[i] >= 0x20 && label.val[i] < 0x7f ? (char)label.val[i] : '.';
		}
		/* TS 101 220 annex E: '1002' USIM, '1004' ISIM */
		if (aid.len >= 7 && !memcmp(aid.val, "\xA0\x00\x00\x00\x87\x10\x02", 7) && c->usim_app < 0)
			c->usim_app = (int)c->n_apps;
		if (aid.len >= 7 && !memcmp(aid.val, "\xA0\x00\x00\x00\x87\x10\x04", 7) && c->isim_app < 0)
			c->isim_app = (int)c->n_apps;
		c->n_apps++;
	}
}

/* The key's block: PIN digits 'FF' padded (TS 102 221 9.5.1), an ADM of
 * 16 hex digits as they are. -1 when it is neither. */
static int key_block(const char *s, uint8_t out[8])
{
	size_t n = strlen(s);

	if (n == 16 && common_hex_decode(s, n, out, 8) == 8)
		return 0;
	if (n < 4 || n > 8 || strspn(s, "0123456789") != n)
		return -1;
	memset(out, 0xFF, 8);
	memcpy(out, s, n);
	return 0;
}

/* VERIFY without data first ('63Cx': the tries left, 11.1.9); the key is
 * presented only with two tries or more left, and only once. */
static int verify_key(struct walker *w, uint8_t ref, const char *name, const char *value,
		      int *tries, bool *verified)
{
	uint8_t block[8], buf[16];
	struct apdu_cmd cmd = { .ins = INS_VERIFY, .p2 = ref };
	struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };
	char label[PROBE_LABEL_MAX];
	double us;

	*tries = -1;
	snprintf(label, sizeof(label), "VERIFY %s (no data)", name);
	if (xfer(w, &cmd, &rsp, &us) < 0)
		return -1;
	add_step(w->c, label, rsp.sw, us);
	if ((rsp.sw & 0xFFF0) == APDU_SW_VERIFY_FAIL)
		*tries = rsp.sw & 0x0F;
	if (!value || (rsp.sw & 0xFFF0) != APDU_SW_VERIFY_FAIL)
		return 0;
	if (*tries < 2) {
		snprintf(label, sizeof(label), "VERIFY %s not presented: %d tries left", name, *tries);
		add_step(w->c, label, 0, 0);
		return 0;
	}
	if (key_block(value, block) < 0) {
		snprintf(w->err, w->errlen, "%s: expected 4 to 8 digits%s", name,
			 ref == KEY_ADM1 ? " or 16 hex digits" : "");
		return -1;
	}
	cmd = (struct apdu_cmd){ .ins = INS_VERIFY, .p2 = ref, .nc = 8, .data = block };
	rsp = (struct apdu_rsp){ .buf = buf, .cap = sizeof(buf) };
	snprintf(label, sizeof(label), "VERIFY %s", name);
	if (xfer(w, &cmd, &rsp, &us) < 0)
		return -1;
	memset(block, 0, sizeof(block));
	add_step(w->c, label, rsp.sw, us);
	*verified = rsp.sw == APDU_SW_OK;
	if ((rsp.sw & 0xFFF0) == APDU_SW_VERIFY_FAIL)
		*tries = rsp.sw & 0x0F;
	return 0;
}

/* AUTHENTICATE in the 3G context, P2 '81' (TS 31.102 7.1.2.1): RAND and
 * AUTN as LVs. */
static int authenticate(struct walker *w)
{
	uint8_t data[34], buf[256];
	struct apdu_cmd cmd = { .ins = INS_AUTHENTICATE, .p2 = 0x81, .nc = sizeof(data), .data = data,
				.ne = 256 };
	struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };
	int adf = fs_by_path(w->fs, "ADF.USIM");
	struct probe_step *s;
	uint16_t sw = 0;
	double us;

	data[0] = 16;
	memcpy(data + 1, w->o->rand, 16);
	data[17] = 16;
	memcpy(data + 18, w->o->autn, 16);
	w->cur_df = FS_NONE;	/* select the ADF again */
	if (adf == FS_NONE || enter_df(w, adf, &sw) < 0)
		return -1;
	if (xfer(w, &cmd, &rsp, &us) < 0)
		return -1;
	s = add_step(w->c, "AUTHENTICATE 3G context", rsp.sw, us);
	return s ? step_keep(s, &rsp) : 0;
}

/* The commands of an APDU script, raw as tests/scripts/ gives them (no GET
 * RESPONSE added); the expected answers are not checked here. */
static int run_script(struct walker *w)
{
	static uint8_t capdu[APDU_CMD_MAX], rapdu[APDU_RSP_MAX];
	struct apdu_script script;
	struct apdu_script_line line;
	int rc;

	if (apdu_script_open(&script, w->o->script, w->err, w->errlen) < 0)
		return -1;
	while ((rc = apdu_script_next(&script, &line, capdu, sizeof(capdu), NULL, 0)) > 0) {
		char label[PROBE_LABEL_MAX], hex[2 * 24 + 1];
		struct apdu_rsp rsp = { .buf = rapdu, .len = 0 };
		struct probe_step *s;
		double start = common_now_us();
		size_t rlen = 0;
		int trc;

		if (line.kind == APDU_SCRIPT_TEXT || line.kind == APDU_SCRIPT_PROFILE)
			continue;
		if (line.kind == APDU_SCRIPT_RESET) {
			snprintf(label, sizeof(label), "script line %u: reset", line.lineno);
			trc = w->t->ops->reset(w->t);
			w->cur_df = FS_NONE;
			add_step(w->c, label, trc < 0 ? 0 : APDU_SW_OK, 0);
			continue;
		}
		common_hex_encode(capdu, line.clen > 24 ? 24 : line.clen, hex, sizeof(hex));
		snprintf(label, sizeof(label), "script line %u: %s%s", line.lineno, hex,
			 line.clen > 24 ? "..." : "");
		trc = apdu_transmit_raw(w->t, capdu, line.clen, rapdu, sizeof(rapdu), &rlen);
		w->c->n_commands++;
		w->cur_df = FS_NONE;	/* the script may have selected anything */
		if (trc < 0) {
			apdu_script_close(&script);
			return transport_fail(w, trc);
		}
		rsp.sw = (uint16_t)(rapdu[rlen - 2] << 8 | rapdu[rlen - 1]);
		rsp.len = rlen - 2;
		if ((s = add_step(w->c, label, rsp.sw, common_now_us() - start)) && step_keep(s, &rsp) < 0)
			rc = -1;
	}
	apdu_script_close(&script);
	if (rc < 0 && !w->err[0])
		snprintf(w->err, w->errlen, "%s: out of memory", w->o->script);
	return rc < 0 ? -1 : 0;
}

int probe_walk(struct apdu_transport *t, const struct probe_options *o, struct probe_card *c,
	       char *err, size_t errlen)
{
	struct walker w = { .t = t, .o = o, .c = c, .fs = fs_get(), .cur_df = FS_NONE,
			    .err = err, .errlen = errlen };
	int atr_len, dir = fs_by_path(w.fs, "EF.DIR"), usim = fs_by_path(w.fs, "ADF.USIM");
	const struct probe_file *mf;
	int rc;

	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	c->usim_app = c->isim_app = c->pin1_tries = c->adm1_tries = -1;
	c->n_files = w.fs->count;
	c->files = calloc(c->n_files, sizeof(*c->files));
	if (!c->files) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* a phone's power-on: no PIN verified, MF selected (TS 102 221 6.2) */
	rc = t->ops->reset(t);
	if (rc < 0)
		return transport_fail(&w, rc);
	atr_len = t->ops->atr(t, c->atr, sizeof(c->atr));
	if (atr_len < 0)
		return transport_fail(&w, atr_len);
	c->atr_len = (size_t)atr_len;

	/* MF and EF.DIR first: the applications decide what else there is */
	if (walk_file(&w, 0) < 0)
		return -1;
	mf = &c->files[0];
	if (mf->select_sw != APDU_SW_OK || !mf->fcp.valid || !mf->fcp.is_df) {
		snprintf(err, errlen, "not a UICC: SELECT MF answered %04X%s", mf->select_sw,
			 mf->select_sw == APDU_SW_OK ? " without an FCP of a DF" : "");
		return -1;
	}
	if (walk_file(&w, dir) < 0)
		return -1;
	read_apps(c, &c->files[dir]);

	/* PIN1 is the USIM's application PIN: verified in its ADF */
	if (usim != FS_NONE && c->usim_app >= 0 && walk_file(&w, usim) < 0)
		return -1;
	if (verify_key(&w, KEY_PIN1, "PIN1", o->pin1, &c->pin1_tries, &c->pin1_verified) < 0)
		return -1;
	c->pin1_disabled = c->n_steps && c->steps[0].sw == APDU_SW_OK;
	if (o->adm1 && verify_key(&w, KEY_ADM1, "ADM1", o->adm1, &c->adm1_tries, &c->adm1_verified) < 0)
		return -1;

	for (size_t i = 0; i < w.fs->count; i++) {
		if (walk_file(&w, (int)i) < 0)
			return -1;
	}
	if (o->authenticate && authenticate(&w) < 0)
		return -1;
	if (o->script && run_script(&w) < 0)
		return -1;
	return 0;
}

void probe_card_free(struct probe_card *c)
{
	for (size_t i = 0; c->files && i < c->n_files; i++)
		free(c->files[i].data);
	free(c->files);
	for (size_t i = 0; i < c->n_steps; i++)
		free(c->steps[i].data);
	memset(c, 0, sizeof(*c));
}

const struct probe_file *probe_card_file(const struct probe_card *c, const char *path)
{
	int node = fs_by_path(fs_get(), path);

	return node == FS_NONE || (size_t)node >= c->n_files ? NULL : &c->files[node];
}
