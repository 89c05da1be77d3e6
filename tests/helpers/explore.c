/* SPDX-License-Identifier: GPL-2.0-or-later */
/* explore: walks the file system of the card in a PC/SC reader as a tool
 * that knows nothing of it would, and checks that it answers as a physical
 * USIM does. From MF, and from every DF it finds, it SELECTs (with FCP)
 * every FID of 2F00-2FFF and 4F00-7FFF except MF and the current ADF; reads
 * every EF it finds entirely after verifying PIN1 and ADM1; enters the USIM
 * application by the AID of EF.DIR and walks ADF.USIM the same way.
 * TS 102 221 8.4.1 (selection), 11.1.1.3 (FCP), 11.1.3/11.1.5 (reads),
 * 13.1 (EF.DIR). Output is TAP: one line per file read, and the count.
 *
 *   explore READER MIN_FILES */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "apdu/pcsc.h"
#include "apdu/sw.h"
#include "apdu/tlv.h"

#define FILES_MAX	512
#define FCP_MAX		258
#define PATH_MAX_LEN	64

/* TS 102 221 11.1.1.4.3 file descriptor byte, structure bits */
#define FD_DF			0x38
#define FD_TRANSPARENT		0x01
#define FD_LINEAR_FIXED		0x02
#define FD_CYCLIC		0x06

struct file {
	char path[PATH_MAX_LEN];	/* "3F00/7F10/6F3A", "ADF/5F3B/4F20" */
	uint16_t fid;
	int parent;			/* index, -1 for MF and the ADF's root */
	bool is_df;
	bool is_adf;
	uint8_t fd;			/* file descriptor byte */
	size_t size;			/* '80' file size */
	size_t rec_len, rec_count;
	uint8_t fcp[FCP_MAX];
	size_t fcp_len;
};

static struct apdu_transport tr;
static struct file files[FILES_MAX];
static size_t n_files;
static uint8_t usim_aid[16];
static size_t usim_aid_len;
static int tap_n, tap_failed;
static unsigned int n_commands;

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

/* One command, with GET RESPONSE after '61xx' (apdu_transceive). */
static int xfer(uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data, size_t nc,
		uint32_t ne, uint8_t *out, size_t cap, size_t *len, uint16_t *sw)
{
	struct apdu_cmd cmd = {
		.cla = 0x00, .ins = ins, .p1 = p1, .p2 = p2,
		.nc = (uint16_t)nc, .ne = ne, .data = nc ? data : NULL,
	};
	struct apdu_rsp rsp = { .buf = out, .cap = cap };
	int rc = apdu_transceive(&tr, &cmd, &rsp);

	n_commands++;

	if (rc < 0) {
		tap(false, "transport: %s", strerror(-rc));
		return rc;
	}
	*len = rsp.len;
	*sw = rsp.sw;
	return 0;
}

/* SELECT with FCP (P2 '04'), TS 102 221 11.1.1. */
static int select_fcp(uint8_t p1, const uint8_t *data, size_t nc, uint8_t *fcp, size_t *len,
		      uint16_t *sw)
{
	return xfer(0xA4, p1, 0x04, data, nc, 256, fcp, FCP_MAX, len, sw);
}

/* Parse an FCP template ('62') into f. -1 when it is not one. */
static int parse_fcp(struct file *f, const uint8_t *fcp, size_t len)
{
	const uint8_t *pos = fcp;
	struct apdu_tlv tpl, t;

	if (apdu_tlv_next(&pos, fcp + len, &tpl) < 0 || tpl.tag != 0x62 || pos != fcp + len)
		return -1;
	if (apdu_tlv_find(tpl.val, tpl.len, 0x82, &t) < 0 || t.len < 2)
		return -1;
	f->fd = t.val[0];
	f->is_df = (f->fd & 0xBF) == FD_DF;
	if (!f->is_df && (f->fd & 0x07) != FD_TRANSPARENT) {
		if (t.len < 5)
			return -1;
		f->rec_len = (size_t)t.val[2] << 8 | t.val[3];
		f->rec_count = t.val[4];
	}
	if (apdu_tlv_find(tpl.val, tpl.len, 0x83, &t) == 0 && t.len == 2)
		f->fid = (uint16_t)(t.val[0] << 8 | t.val[1]);
	if (!f->is_df) {
		if (apdu_tlv_find(tpl.val, tpl.len, 0x80, &t) < 0 || t.len < 1 || t.len > 2)
			return -1;
		f->size = t.len == 2 ? ((size_t)t.val[0] << 8 | t.val[1]) : t.val[0];
	}
	memcpy(f->fcp, fcp, len);
	f->fcp_len = len;
	return 0;
}

/* Make df the current DF again: MF or the ADF from the root, then each FID. */
static int enter(int df)
{
	int chain[16], depth = 0;
	uint8_t fcp[FCP_MAX];
	size_t len;
	uint16_t sw;

	for (int n = df; n >= 0 && depth < 16; n = files[n].parent)
		chain[depth++] = n;
	for (int i = depth - 1; i >= 0; i--) {
		const struct file *f = &files[chain[i]];
		uint8_t fid[2] = { (uint8_t)(f->fid >> 8), (uint8_t)f->fid };
		int rc = f->is_adf ? select_fcp(0x04, usim_aid, usim_aid_len, fcp, &len, &sw)
				   : select_fcp(0x00, fid, 2, fcp, &len, &sw);
		if (rc < 0)
			return rc;
		if (sw != APDU_SW_OK) {
			tap(false, "SELECT %s again: %04X", f->path, sw);
			return -EIO;
		}
	}
	return 0;
}

/* Whether a DF that a SELECT from the current DF found is one already known:
 * the current DF itself, its parent or a sibling DF (all selectable by FID,
 * TS 102 221 8.4.1), told by the same FID and an identical FCP. */
static bool is_known_df(const struct file *found)
{
	for (size_t i = 0; i < n_files; i++) {
		if (files[i].is_df && files[i].fid == found->fid &&
		    files[i].fcp_len == found->fcp_len &&
		    !memcmp(files[i].fcp, found->fcp, found->fcp_len))
			return true;
	}
	return false;
}

static const char *structure(const struct file *f)
{
	switch (f->fd & 0x07) {
	case FD_TRANSPARENT: return "transparent";
	case FD_LINEAR_FIXED: return "linear fixed";
	case FD_CYCLIC: return "cyclic";
	default: return "unknown structure";
	}
}

/* EF.DIR (TS 102 221 13.1): an application template '61' holding the AID '4F'.
 * Takes the first USIM (RID A000000087, application code 1002). */
static void look_for_usim(const uint8_t *rec, size_t len)
{
	struct apdu_tlv tpl, aid;

	if (usim_aid_len || apdu_tlv_find(rec, len, 0x61, &tpl) < 0 ||
	    apdu_tlv_find(tpl.val, tpl.len, 0x4F, &aid) < 0 || aid.len > sizeof(usim_aid) ||
	    aid.len < 7 || memcmp(aid.val, "\xA0\x00\x00\x00\x87\x10\x02", 7))
		return;
	memcpy(usim_aid, aid.val, aid.len);
	usim_aid_len = aid.len;
}

/* Read the currently selected EF entirely: READ BINARY in chunks of at most
 * 256 octets (11.1.3), or READ RECORD of every record (11.1.5). */
static void read_ef(const struct file *f)
{
	uint8_t buf[APDU_RSP_MAX];
	size_t len, total = 0;
	uint16_t sw;
	bool is_dir = !strcmp(f->path, "3F00/2F00");

	if ((f->fd & 0x07) == FD_TRANSPARENT) {
		for (size_t off = 0; off < f->size; off += len) {
			size_t want = f->size - off > 256 ? 256 : f->size - off;
			if (xfer(0xB0, (uint8_t)(off >> 8), (uint8_t)off, NULL, 0, (uint32_t)want,
				 buf, sizeof(buf), &len, &sw) < 0)
				return;
			if (sw != APDU_SW_OK || len != want) {
				tap(false, "%s: READ BINARY at %zu, %zu octets: %04X with %zu octets",
				    f->path, off, want, sw, len);
				return;
			}
			total += len;
		}
		tap(true, "%s: %s, read %zu octets", f->path, structure(f), total);
		return;
	}
	if (f->rec_len == 0 || f->rec_count == 0 || f->rec_len * f->rec_count != f->size) {
		tap(false, "%s: %s, %zu records of %zu octets, but file size %zu", f->path,
		    structure(f), f->rec_count, f->rec_len, f->size);
		return;
	}
	for (size_t r = 1; r <= f->rec_count; r++) {
		/* P2 '04': absolute record number in P1 */
		if (xfer(0xB2, (uint8_t)r, 0x04, NULL, 0, (uint32_t)f->rec_len, buf, sizeof(buf),
			 &len, &sw) < 0)
			return;
		if (sw != APDU_SW_OK || len != f->rec_len) {
			tap(false, "%s: READ RECORD %zu: %04X with %zu octets", f->path, r, sw, len);
			return;
		}
		if (is_dir)
			look_for_usim(buf, len);
		total += len;
	}
	tap(true, "%s: %s, read %zu records of %zu octets", f->path, structure(f), f->rec_count,
	    f->rec_len);
}

/* SELECT every FID of the ranges from df. */
static void explore_df(int df)
{
	static const uint16_t ranges[][2] = {
		{ 0x2F00, 0x2FFF }, { 0x4F00, 0x4FFF }, { 0x5F00, 0x5FFF },
		{ 0x6F00, 0x6FFF }, { 0x7F00, 0x7FFF },
	};

	if (enter(df) < 0)
		return;
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		for (uint32_t fid = ranges[r][0]; fid <= ranges[r][1]; fid++) {
			uint8_t data[2] = { (uint8_t)(fid >> 8), (uint8_t)fid }, fcp[FCP_MAX];
			struct file f = { .fid = (uint16_t)fid, .parent = df };
			size_t len;
			uint16_t sw;

			if (fid == 0x3F00 || fid == 0x7FFF)
				continue;
			if (select_fcp(0x00, data, 2, fcp, &len, &sw) < 0)
				return;
			if (sw == APDU_SW_FILE_NOT_FOUND)
				continue;
			snprintf(f.path, sizeof(f.path), "%s/%04X", files[df].path, (unsigned int)fid);
			if (sw != APDU_SW_OK) {
				tap(false, "%s: SELECT answered %04X (%s)", f.path, sw, apdu_sw_name(sw));
				continue;
			}
			if (parse_fcp(&f, fcp, len) < 0 || f.fid != fid) {
				tap(false, "%s: not an FCP of this file: %s", f.path,
				    osmo_hexdump_nospc(fcp, len));
				continue;
			}
			if (f.is_df) {
				if (!is_known_df(&f) && n_files < FILES_MAX)
					files[n_files++] = f;
				if (enter(df) < 0)
					return;
				continue;
			}
			if (n_files < FILES_MAX)
				files[n_files++] = f;
			read_ef(&f);
		}
	}
}

/* Walk the tree under root breadth first: children are appended to files[]. */
static void explore_from(size_t root)
{
	for (size_t i = root; i < n_files; i++) {
		if (files[i].is_df)
			explore_df((int)i);
	}
}

static void verify(const char *name, uint8_t key_ref, const char *digits)
{
	uint8_t pin[8], buf[16];
	size_t len;
	uint16_t sw;

	memset(pin, 0xFF, sizeof(pin));
	memcpy(pin, digits, strlen(digits));
	if (xfer(0x20, 0x00, key_ref, pin, sizeof(pin), 0, buf, sizeof(buf), &len, &sw) < 0)
		return;
	if (sw != APDU_SW_OK)
		tap(false, "VERIFY %s: %04X (%s)", name, sw, apdu_sw_name(sw));
}

int main(int argc, char **argv)
{
	uint8_t fcp[FCP_MAX], mf[2] = { 0x3F, 0x00 };
	size_t len, min_files, adf_root;
	uint16_t sw;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: explore READER MIN_FILES\n");
		return 2;
	}
	min_files = strtoul(argv[2], NULL, 10);
	common_log_init(talloc_named_const(NULL, 0, "explore"), -1);
	rc = apdu_pcsc_open(&tr, argv[1]);
	if (rc < 0) {
		printf("Bail out! reader %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}

	/* MF */
	if (select_fcp(0x00, mf, 2, fcp, &len, &sw) < 0)
		goto out;
	files[0] = (struct file){ .path = "3F00", .fid = 0x3F00, .parent = -1 };
	if (sw != APDU_SW_OK || parse_fcp(&files[0], fcp, len) < 0 || !files[0].is_df) {
		tap(false, "SELECT MF: %04X %s", sw, osmo_hexdump_nospc(fcp, len));
		goto out;
	}
	n_files = 1;
	verify("PIN1", 0x01, "1234");
	verify("ADM1", 0x0A, "88888888");
	explore_from(0);

	/* ADF.USIM, by the AID in EF.DIR */
	if (!usim_aid_len) {
		tap(false, "no USIM application in EF.DIR");
		goto out;
	}
	if (select_fcp(0x04, usim_aid, usim_aid_len, fcp, &len, &sw) < 0)
		goto out;
	adf_root = n_files;
	files[adf_root] = (struct file){ .path = "ADF", .parent = -1, .is_adf = true };
	if (sw != APDU_SW_OK || parse_fcp(&files[adf_root], fcp, len) < 0 || !files[adf_root].is_df) {
		tap(false, "SELECT ADF.USIM by AID %s: %04X", osmo_hexdump_nospc(usim_aid, usim_aid_len), sw);
		goto out;
	}
	n_files++;
	explore_from(adf_root);

	printf("# %u commands\n", n_commands);
	tap(n_files >= min_files, "found %zu files (MF, DFs, ADF and EFs; at least %zu expected)",
	    n_files, min_files);
out:
	apdu_transport_close(&tr);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
