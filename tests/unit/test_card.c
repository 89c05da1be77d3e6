/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the card (issue "A complete USIM card"): the consistency of
 * the file table, the profile parser (one TAP line per refused profile), the
 * state store across a restart, and the personalisation codings checked
 * against TS 31.102 / TS 102 221 octet by octet. */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <osmocom/core/talloc.h>

#include "common/log.h"
#include "usim/card.h"
#include "fs/fs.h"
#include "usim/profile.h"
#include "usim/store.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Helpers */

static const char *srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d ? d : "..";
}

static struct usim_profile *profile_from_file(const char *rel)
{
	struct usim_profile *p = calloc(1, sizeof(*p));
	char path[4096], err[512];

	assert_non_null(p);
	snprintf(path, sizeof(path), "%s/%s", srcdir(), rel);
	if (usim_profile_load(p, path, err, sizeof(err)) < 0)
		fail_msg("%s: %s", path, err);
	return p;
}

static struct usim_profile *profile_from_text(const char *json)
{
	struct usim_profile *p = calloc(1, sizeof(*p));
	char err[512];

	assert_non_null(p);
	if (usim_profile_parse(p, json, strlen(json), err, sizeof(err)) < 0)
		fail_msg("profile refused: %s\n%s", err, json);
	return p;
}

static void profile_free(struct usim_profile *p)
{
	usim_profile_clear(p);
	free(p);
}

/* A card with its state in a store that lives as long as the card. */
struct mem_card {
	struct usim_store *store;
	struct usim_card *card;
};

static void mem_card_new(struct mem_card *mc, const struct usim_profile *p)
{
	char err[512];

	if (usim_store_open(&mc->store, ":memory:", err, sizeof(err)) < 0)
		fail_msg("store: %s", err);
	if (usim_card_new(&mc->card, p, mc->store, false, err, sizeof(err)) < 0)
		fail_msg("usim_card_new: %s", err);
}

static void mem_card_free(struct mem_card *mc)
{
	usim_card_free(mc->card);
	usim_store_close(mc->store);
}

static const uint8_t *file_of(struct usim_card *card, const char *path)
{
	int node = fs_by_path(card->fs, path);

	if (node == FS_NONE)
		fail_msg("no file %s in the table", path);
	return usim_card_content(card, node);
}

static size_t size_of(struct usim_card *card, const char *path)
{
	return card->fs->nodes[fs_by_path(card->fs, path)].content_size;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2) {
		unsigned int v;
		if (s[0] == ' ') {
			s--;
			continue;
		}
		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static const char *hex(const uint8_t *b, size_t len)
{
	static char out[2 * 512 + 1];

	for (size_t i = 0; i < len && i < 512; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return out;
}

/* The file's first octets are exactly the hex given (blanks allowed). */
#define assert_file_hex(card, path, hex) do { \
	uint8_t exp_[512]; \
	size_t n_ = unhex(hex, exp_, sizeof(exp_)); \
	assert_true(n_ <= size_of(card, path)); \
	assert_memory_equal(file_of(card, path), exp_, n_); \
} while (0)

/* ------------------------------------------------------------------ */
/* The file table */

static void test_fs_tree(void **state)
{
	const struct fs_tree *fs = fs_get();

	assert_true(fs->count > 0);
	assert_int_equal(fs->nodes[0].parent, FS_NONE);
	assert_int_equal(fs->nodes[0].def->fid, 0x3F00);
	assert_int_equal(fs->nodes[0].def->kind, FS_FILE_DF);
	for (size_t i = 0; i < fs->count; i++) {
		const struct fs_node *n = &fs->nodes[i];
		const char *name = n->def->path;

		if (i > 0) {
			if (n->parent < 0 || (size_t)n->parent >= fs->count ||
			    !fs_is_df(fs, n->parent))
				fail_msg("%s: parent is not a DF", name);
		}
		if (!fs_is_df(fs, (int)i) && n->content_size == 0)
			fail_msg("%s: EF of size 0", name);
		if (fs_is_record(fs, (int)i) && (!n->def->rec_len || !n->def->rec_count))
			fail_msg("%s: record EF without records", name);
		for (size_t j = i + 1; j < fs->count; j++) {
			const struct fs_node *m = &fs->nodes[j];
			if (m->parent != n->parent)
				continue;
			/* TS 102 221 8.1: FIDs unique under a parent */
			if (m->def->fid == n->def->fid)
				fail_msg("%s and %s: same FID %04X", name, m->def->path, n->def->fid);
			/* TS 102 221 8.1: SFIs unique within a DF */
			if (n->def->sfi && m->def->sfi == n->def->sfi &&
			    !fs_is_df(fs, (int)i) && !fs_is_df(fs, (int)j))
				fail_msg("%s and %s: same SFI %02X", name, m->def->path, n->def->sfi);
		}
		if (n->def->sfi > 30)
			fail_msg("%s: SFI %u out of 1..30", name, n->def->sfi);
	}
}

static void test_fs_links(void **state)
{
	const struct fs_tree *fs = fs_get();

	for (size_t i = 0; i < fs_uicc_count; i++) {
		const struct fs_file_def *d = &fs_uicc[i];
		size_t t;

		if (!d->link)
			continue;
		for (t = 0; t < fs_uicc_count; t++) {
			if (!strcmp(fs_uicc[t].path, d->link))
				break;
		}
		if (t == fs_uicc_count)
			fail_msg("%s: link to %s, which is not in the table", d->path, d->link);
		if (fs_uicc[t].link)
			fail_msg("%s: link to %s, itself a link", d->path, d->link);
		if (fs_uicc[t].kind == FS_FILE_DF || fs_uicc[t].kind == FS_FILE_ADF)
			fail_msg("%s: link to %s, a DF", d->path, d->link);
		/* the tree shares the target's contents */
		assert_int_equal(fs->nodes[i].owner, (int)t);
		assert_int_equal(fs->nodes[i].content_size, fs->nodes[t].content_size);
	}
}

/* Every file has a governing EF.ARR (TS 102 221 9.2.7) holding its record. */
static void test_fs_arr(void **state)
{
	struct usim_profile *p = profile_from_file("tests/profiles/script.json");
	struct mem_card mc;
	const struct fs_tree *fs;

	mem_card_new(&mc, p);
	fs = mc.card->fs;
	for (size_t i = 0; i < fs->count; i++) {
		const struct fs_node *n = &fs->nodes[i];
		const struct fs_node *arr;
		const uint8_t *rec;

		if (n->arr == FS_NONE)
			fail_msg("%s: no governing EF.ARR", n->def->path);
		arr = &fs->nodes[n->arr];
		if (arr->def->fid != 0x2F06 && arr->def->fid != 0x6F06)
			fail_msg("%s: governed by %s, not an EF.ARR", n->def->path, arr->def->path);
		if (arr->def->kind != FS_FILE_LINEAR_FIXED)
			fail_msg("%s: EF.ARR not linear fixed", arr->def->path);
		if (n->def->arr_rec < 1 || n->def->arr_rec > arr->def->rec_count)
			fail_msg("%s: ARR record %u not in %s (%u records)", n->def->path,
				 n->def->arr_rec, arr->def->path, arr->def->rec_count);
		/* the record holds a rule: an access mode DO '80' first */
		rec = usim_card_content(mc.card, n->arr) + (n->def->arr_rec - 1) * arr->def->rec_len;
		if (rec[0] != 0x80)
			fail_msg("%s: ARR record %u of %s is empty", n->def->path, n->def->arr_rec,
				 arr->def->path);
	}
	mem_card_free(&mc);
	profile_free(p);
}

/* Every default content of the table parses: usim_card_new refuses a card
 * whose defaults do not fit their files. */
static void test_fs_defaults(void **state)
{
	struct usim_profile *p = profile_from_file("tests/profiles/script.json");
	struct mem_card mc;

	mem_card_new(&mc, p);
	/* a default of the table as written: EF.DIR's USIM application template */
	assert_file_hex(mc.card, "EF.DIR", "61184f10a0000000871002ffffffff89e24d000150045553494d");
	mem_card_free(&mc);
	profile_free(p);
}

/* ------------------------------------------------------------------ */
/* The profile parser */

#define ICCID	"\"iccid\": \"8900101000000000001\""
#define IMSI	"\"imsi\": \"001010000000001\""
#define KI	"\"ki\": \"465b5ce8b199b49faa5f0a2ee238a6bc\""
#define OPC	"\"opc\": \"cd63cb71954a9f4e48a5994e37a02baf\""
#define BASE	ICCID ", " IMSI ", " KI ", " OPC
#define WITH(...) "{" BASE ", " __VA_ARGS__ "}"

static void test_profile_minimal(void **state)
{
	struct usim_profile *p = profile_from_text("{" BASE "}");
	uint8_t pin[USIM_PIN_LEN];

	assert_string_equal(p->iccid, "8900101000000000001");
	assert_string_equal(p->imsi, "001010000000001");
	assert_int_equal(p->ki_len, 16);
	assert_int_equal(p->opc_len, 16);
	assert_false(p->op_given);
	/* defaults (usim/profile.c: a typical test-network card) */
	assert_string_equal(p->algorithm, "milenage");
	assert_int_equal(p->mnc_len, 2);
	assert_true(p->pin1_enabled);
	assert_false(p->acc_set);
	assert_string_equal(p->msisdn, "");
	assert_string_equal(p->spn, "");
	assert_int_equal(p->plmnwact.count, 0);
	assert_int_equal(p->oplmnwact.count, 0);
	assert_int_equal(p->hplmnwact.count, 0);
	assert_int_equal(p->fplmn.count, 0);
	assert_int_equal(p->n_files, 0);
	/* TS 102 221 9.5.1: PINs as ASCII digits, 'FF' padded */
	usim_pin_encode("1234", pin);
	assert_memory_equal(p->pin1, pin, USIM_PIN_LEN);
	assert_memory_equal(p->pin1, "1234\xff\xff\xff\xff", USIM_PIN_LEN);
	usim_pin_encode("12345678", pin);
	assert_memory_equal(p->puk1, pin, USIM_PIN_LEN);
	usim_pin_encode("5678", pin);
	assert_memory_equal(p->pin2, pin, USIM_PIN_LEN);
	usim_pin_encode("87654321", pin);
	assert_memory_equal(p->puk2, pin, USIM_PIN_LEN);
	usim_pin_encode("88888888", pin);
	assert_memory_equal(p->adm1, pin, USIM_PIN_LEN);
	profile_free(p);
}

struct bad_profile {
	const char *json;
	const char *expect;	/* "field 'X'" the message starts with, or a text it contains */
};

#define SEVENTEEN_PLMNS "[\"00101\", \"00101\", \"00101\", \"00101\", \"00101\", \"00101\", " \
	"\"00101\", \"00101\", \"00101\", \"00101\", \"00101\", \"00101\", \"00101\", \"00101\", " \
	"\"00101\", \"00101\", \"00101\"]"

static const struct bad_profile bad_profiles[] = {
	/* required fields */
	{ "{" IMSI ", " KI ", " OPC "}", "field 'iccid'" },
	{ "{" ICCID ", " KI ", " OPC "}", "field 'imsi'" },
	{ "{" ICCID ", " IMSI ", " OPC "}", "field 'ki'" },
	{ "{" ICCID ", " IMSI ", " KI "}", "field 'opc'" },	/* milenage needs OP or OPc */
	{ "{}", "field 'iccid'" },
	/* digits and lengths */
	{ "{\"iccid\": \"890010100000000001\", " IMSI ", " KI ", " OPC "}", "field 'iccid'" },
	{ "{\"iccid\": \"891001010000000000012\", " IMSI ", " KI ", " OPC "}", "field 'iccid'" },
	{ "{\"iccid\": \"89001010000000000A1\", " IMSI ", " KI ", " OPC "}", "field 'iccid'" },
	{ "{" ICCID ", \"imsi\": \"00101\", " KI ", " OPC "}", "field 'imsi'" },
	{ "{" ICCID ", \"imsi\": \"0010100000000012\", " KI ", " OPC "}", "field 'imsi'" },
	{ "{" ICCID ", \"imsi\": \"00101000000000x\", " KI ", " OPC "}", "field 'imsi'" },
	{ WITH("\"msisdn\": \"+49123x567\""), "field 'msisdn'" },
	{ WITH("\"msisdn\": \"123456789012345678901\""), "field 'msisdn'" },
	{ WITH("\"msisdn\": \"+\""), "field 'msisdn'" },
	{ WITH("\"msisdn\": \"++491234567\""), "field 'msisdn'" },
	/* keys */
	{ "{" ICCID ", " IMSI ", \"ki\": \"465b5ce8b199b49faa5f0a2ee238a6bg\", " OPC "}", "field 'ki'" },
	{ "{" ICCID ", " IMSI ", \"ki\": \"465b5ce8b199b49faa5f0a2ee238a6\", " OPC "}", "field 'ki'" },
	{ "{" ICCID ", " IMSI ", \"ki\": \"465b5ce8b199b49faa5f0a2ee238a6b\", " OPC "}", "field 'ki'" },
	{ "{" ICCID ", " IMSI ", \"ki\": \"465b5ce8b199b49faa5f0a2ee238a6bc465b5ce8b199b49faa5f0a2ee238a6bc\", "
	  OPC "}", "field 'ki'" },	/* 256 bits: not a MILENAGE key */
	{ "{" ICCID ", " IMSI ", " KI ", \"opc\": \"cd63cb71954a9f4e48a5994e37a02bxf\"}", "field 'opc'" },
	{ "{" ICCID ", " IMSI ", " KI ", \"opc\": \"cd63cb71954a9f4e\"}", "field 'opc'" },
	{ "{" ICCID ", " IMSI ", " KI ", \"op\": \"cd63cb71954a9f4e48a5994e37a02b\"}", "field 'op'" },
	{ "{" ICCID ", " IMSI ", " KI ", \"op\": \"zz63cb71954a9f4e48a5994e37a02baf\"}", "field 'op'" },
	{ WITH("\"op\": \"cd63cb71954a9f4e48a5994e37a02baf\""), "field 'op'" },	/* both */
	{ WITH("\"algorithm\": \"comp128v1\""), "field 'opc'" },	/* COMP128 has no OPc */
	{ WITH("\"algorithm\": \"milenage2\""), "field 'algorithm'" },
	{ WITH("\"algorithm\": 1"), "field 'algorithm'" },
	/* unknown keys, wrong JSON types */
	{ WITH("\"IMSI\": \"001010000000001\""), "field 'IMSI'" },
	{ WITH("\"pin\": \"1234\""), "field 'pin'" },
	{ "{\"iccid\": 8900101000000000001, " IMSI ", " KI ", " OPC "}", "field 'iccid'" },
	{ "{" ICCID ", \"imsi\": [\"001010000000001\"], " KI ", " OPC "}", "field 'imsi'" },
	{ "{" ICCID ", " IMSI ", \"ki\": null, " OPC "}", "field 'ki'" },
	{ WITH("\"pin1_enabled\": \"yes\""), "field 'pin1_enabled'" },
	{ WITH("\"mnc_len\": \"2\""), "field 'mnc_len'" },
	{ WITH("\"mnc_len\": 4"), "field 'mnc_len'" },
	{ WITH("\"mnc_len\": 1"), "field 'mnc_len'" },
	{ WITH("\"acc\": \"01\""), "field 'acc'" },
	{ WITH("\"spn\": 5"), "field 'spn'" },
	{ WITH("\"files\": []"), "field 'files'" },
	/* PLMNs */
	{ WITH("\"plmnwact\": \"00101\""), "field 'plmnwact'" },
	{ WITH("\"plmnwact\": [\"0010\"]"), "field 'plmnwact'" },
	{ WITH("\"oplmnwact\": [\"0010111\"]"), "field 'oplmnwact'" },
	{ WITH("\"hplmnwact\": [\"001a1\"]"), "field 'hplmnwact'" },
	{ WITH("\"fplmn\": [101]"), "field 'fplmn'" },
	{ WITH("\"fplmn\": " SEVENTEEN_PLMNS), "field 'fplmn'" },
	/* SPN: 16 characters of the GSM default alphabet (TS 31.102 4.2.12) */
	{ WITH("\"spn\": \"e2msim test netwo\""), "field 'spn'" },
	{ WITH("\"spn\": \"e2m@sim\""), "field 'spn'" },
	{ WITH("\"spn\": \"e2m\\u00e9sim\""), "field 'spn'" },
	/* PINs: 4 to 8 digits, unblock keys and ADM 8 (TS 102 221 9.5.1) */
	{ WITH("\"pin1\": \"123\""), "field 'pin1'" },
	{ WITH("\"pin1\": \"123456789\""), "field 'pin1'" },
	{ WITH("\"pin2\": \"12a4\""), "field 'pin2'" },
	{ WITH("\"puk1\": \"1234567\""), "field 'puk1'" },
	{ WITH("\"puk2\": \"123456789\""), "field 'puk2'" },
	{ WITH("\"adm1\": \"1234\""), "field 'adm1'" },
	/* files */
	{ WITH("\"files\": {\"ADF.USIM/EF.NOPE\": \"00\"}"), "field 'files'" },
	{ WITH("\"files\": {\"DF.TELECOM\": \"00\"}"), "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM\": \"00\"}"), "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.AD\": \"0000000300\"}"), "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.AD\": \"00000\"}"), "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.ECC\": [\"11\", \"12\", \"13\", \"14\", \"15\", \"16\"]}"),
	  "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.ECC\": [\"11f2ffffffffffffffffffffff0000\"]}"), "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.ECC\": \"11f2\"}"), "field 'files'" },
	/* files of other sizes (a physical card's twin): not for links, EF.ARR
	 * or features; sizes of the file's structure; contents within them */
	{ WITH("\"files\": {\"DF.GSM/EF.IMSI\": {\"size\": 9, \"contents\": \"08\"}}"), "field 'files'" },
	{ WITH("\"files\": {\"EF.ARR\": {\"record_size\": 48, \"records\": 2, \"contents\": []}}"),
	  "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/DF.E2M/EF.E2M_POL\": {\"size\": 9, \"contents\": \"\"}}"),
	  "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.SPN\": {\"record_size\": 17, \"records\": 1}}"), "field 'files'" },
	{ WITH("\"files\": {\"DF.TELECOM/EF.ADN\": {\"size\": 28, \"contents\": []}}"), "field 'files'" },
	{ WITH("\"files\": {\"DF.TELECOM/EF.ADN\": {\"record_size\": 28, \"contents\": []}}"), "field 'files'" },
	{ WITH("\"files\": {\"DF.TELECOM/EF.ADN\": {\"record_size\": 28, \"records\": 255, \"contents\": []}}"),
	  "field 'files'" },
	{ WITH("\"files\": {\"DF.TELECOM/EF.ADN\": {\"record_size\": 0, \"records\": 2, \"contents\": []}}"),
	  "field 'files'" },
	{ WITH("\"files\": {\"DF.TELECOM/EF.ADN\": {\"record_size\": 28, \"records\": 1, \"contents\": [\"41\", \"42\"]}}"),
	  "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.SPN\": {\"size\": 0, \"contents\": \"\"}}"), "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.SPN\": {\"size\": 32768, \"contents\": \"\"}}"), "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.FPLMN\": {\"size\": 3, \"contents\": \"00f12000\"}}"), "field 'files'" },
	{ WITH("\"files\": {\"ADF.USIM/EF.SPN\": {\"length\": 17}}"), "EF.SPN.length': unknown" },
	/* not a profile at all */
	{ "iccid: 8900101000000000001", "not valid JSON" },
	{ "{" BASE, "not valid JSON" },
	{ "", "not valid JSON" },
	{ "[" BASE "]", "not valid JSON" },
	{ "[{" BASE "}]", "expected a JSON object" },
	{ "\"8900101000000000001\"", "'[' or '{' expected" },
	{ WITH("\"imsi\": \"001010000000002\""), "duplicate object key" },
};

static void test_profile_bad(void **state)
{
	const struct bad_profile *row = *state;
	struct usim_profile *p = calloc(1, sizeof(*p));
	char err[512] = "";
	int rc;

	assert_non_null(p);
	rc = usim_profile_parse(p, row->json, strlen(row->json), err, sizeof(err));
	usim_profile_clear(p);
	free(p);
	if (rc != -1)
		fail_msg("accepted: %s", row->json);
	if (!strncmp(row->expect, "field '", 7)) {
		/* one message naming the field: "field 'NAME': why" and no other field */
		size_t n = strlen(row->expect);
		if (strncmp(err, row->expect, n) || strncmp(err + n, ": ", 2) ||
		    strstr(err + n, "field '"))
			fail_msg("message \"%s\", expected \"%s: ...\"", err, row->expect);
	} else if (!strstr(err, row->expect)) {
		fail_msg("message \"%s\", expected it to contain \"%s\"", err, row->expect);
	}
	print_message("# %s -> %s\n", row->json, err);
}

/* ------------------------------------------------------------------ */
/* The store */

static void test_store_reload(void **state)
{
	struct usim_profile *p = profile_from_file("tests/profiles/script.json");
	static const uint8_t loci_new[4] = { 0xCA, 0xFE, 0xBA, 0xBE };
	static const uint8_t loci_default[4] = { 0xFF, 0xFF, 0xFF, 0xFF };
	char path[] = "/tmp/test_card.XXXXXX", err[512], side[64];
	struct usim_store *st;
	struct usim_card *card;
	int fd, loci;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	/* personalised into a new store */
	assert_int_equal(usim_store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(usim_card_new(&card, p, st, false, err, sizeof(err)), 0);
	loci = fs_by_path(card->fs, "ADF.USIM/EF.LOCI");
	assert_memory_equal(usim_card_content(card, loci), loci_default, 4);
	assert_int_equal(card->pin[USIM_PIN1].tries, 3);
	assert_int_equal(usim_card_write(card, loci, 0, loci_new, sizeof(loci_new)), 0x9000);
	card->pin[USIM_PIN1].tries = 1;
	assert_int_equal(usim_card_save_pin(card, USIM_PIN1), 0x9000);
	usim_card_free(card);
	usim_store_close(st);

	/* reopened: the store wins over the profile */
	assert_int_equal(usim_store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(usim_card_new(&card, p, st, false, err, sizeof(err)), 0);
	assert_memory_equal(usim_card_content(card, loci), loci_new, 4);
	assert_int_equal(card->pin[USIM_PIN1].tries, 1);
	assert_int_equal(card->pin[USIM_PIN2].tries, 3);
	/* the personalised contents came back too, not only the changed file */
	assert_file_hex(card, "EF.ICCID", "980001010000000000f1");
	usim_card_free(card);

	/* repersonalised: the profile's state is back, and stored */
	assert_int_equal(usim_card_new(&card, p, st, true, err, sizeof(err)), 0);
	assert_memory_equal(usim_card_content(card, loci), loci_default, 4);
	assert_int_equal(card->pin[USIM_PIN1].tries, 3);
	usim_card_free(card);
	usim_store_close(st);
	assert_int_equal(usim_store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(usim_card_new(&card, p, st, false, err, sizeof(err)), 0);
	assert_memory_equal(usim_card_content(card, loci), loci_default, 4);
	assert_int_equal(card->pin[USIM_PIN1].tries, 3);
	usim_card_free(card);
	usim_store_close(st);

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s.journal", path);
	unlink(side);
	profile_free(p);
}

/* An accepted SQN slot comes back to a card made again on the same store,
 * in a file and in memory (whose SQN slots are not in SQLite), until the
 * card is re-personalised. */
static void store_sqn_check(const char *path)
{
	struct usim_profile *p = profile_from_file("tests/profiles/script.json");
	uint64_t seq[AKA_SQN_SLOTS_MAX] = { 0 };
	struct usim_store *st;
	struct usim_card *card;
	char err[512];

	assert_int_equal(usim_store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(usim_card_new(&card, p, st, false, err, sizeof(err)), 0);
	assert_int_equal(usim_card_save_sqn(card, 3, p->sqn_seq[3] + 77), 0x9000);
	usim_card_free(card);
	assert_int_equal(usim_card_new(&card, p, st, false, err, sizeof(err)), 0);
	assert_true(card->sqn_state.seq[3] == p->sqn_seq[3] + 77);
	assert_true(card->sqn_state.seq[2] == p->sqn_seq[2]);
	usim_card_free(card);
	assert_int_equal(usim_card_new(&card, p, st, true, err, sizeof(err)), 0);
	assert_true(card->sqn_state.seq[3] == p->sqn_seq[3]);
	usim_card_free(card);

	/* the store alone: only slots written are loaded, others kept */
	assert_int_equal(usim_store_put_sqn(st, "89000", 1, 5), 0);
	seq[0] = 9;
	assert_int_equal(usim_store_get_sqn(st, "89000", seq, 4), 1);
	assert_true(seq[0] == 9 && seq[1] == 5);
	assert_int_equal(usim_store_card_exists(st, "89000"), 1);
	assert_int_equal(usim_store_card_forget(st, "89000"), 0);
	assert_int_equal(usim_store_get_sqn(st, "89000", seq, 4), 0);
	usim_store_close(st);
	profile_free(p);
}

static void test_store_sqn(void **state)
{
	char path[] = "/tmp/test_card.XXXXXX", side[64];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	store_sqn_check(":memory:");
	store_sqn_check(path);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s.journal", path);
	unlink(side);
}

/* A torn journal (usim/journal.h): the store's journal cut at a random
 * offset, or with a flipped octet, as power lost in the middle of a write
 * leaves it. The store opens, always, at the last change whole before the
 * cut, never at a later or a made-up one; a change made after the recovery
 * survives the next open (the records of before, past the new ones, are of
 * an older epoch and never read again). */
#define TORN_CHANGES	60
#define TORN_REC	48	/* an SQN record of ICCID "89001": 24 + 17, padded to 8 */

static void torn_trial(const char *path, unsigned int r)
{
	char jpath[96];
	uint64_t seq[4] = { 0 };
	struct usim_store *st;
	char err[512];
	size_t cut = r % (TORN_CHANGES * TORN_REC + TORN_REC);
	unsigned int whole = 0;
	pid_t pid;
	int status;

	snprintf(jpath, sizeof(jpath), "%s.journal", path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* killed after its last change: no close, no checkpoint */
		if (usim_store_open(&st, path, err, sizeof(err)) < 0)
			_exit(1);
		for (uint64_t k = 1; k <= TORN_CHANGES; k++) {
			if (usim_store_put_sqn(st, "89001", 0, k) < 0)
				_exit(1);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (r & 1) {
		assert_int_equal(truncate(jpath, (off_t)cut), 0);
	} else {
		FILE *f = fopen(jpath, "r+b");
		int c;

		assert_non_null(f);
		assert_int_equal(fseek(f, (long)cut, SEEK_SET), 0);
		c = fgetc(f);
		assert_int_equal(fseek(f, (long)cut, SEEK_SET), 0);
		fputc(c ^ 0x5a, f);
		fclose(f);
	}
	/* a cut keeps record k whole when it leaves its first 34 octets: the
	 * rest (the high octets of SEQ <= 60, the padding) are zeros, as the
	 * file is filled again; a flipped octet breaks it in its first 41 */
	for (unsigned int k = 1; k <= TORN_CHANGES; k++)
		whole += (k - 1) * TORN_REC + (r & 1 ? 34 : TORN_REC - 7) <= cut;
	/* a flipped octet in a record's padding breaks nothing */
	if (!(r & 1) && cut % TORN_REC >= TORN_REC - 7)
		whole = TORN_CHANGES;
	assert_int_equal(usim_store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(usim_store_get_sqn(st, "89001", seq, 4), whole ? 1 : 0);
	assert_true(seq[0] == whole);
	usim_store_close(st);
	/* one change more, and killed again */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(usim_store_open(&st, path, err, sizeof(err)) < 0 ||
		      usim_store_put_sqn(st, "89001", 0, 1000 + r) < 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(usim_store_open(&st, path, err, sizeof(err)), 0);
	assert_int_equal(usim_store_get_sqn(st, "89001", seq, 4), 1);
	assert_true(seq[0] == 1000 + r);
	usim_store_close(st);
}

static void test_store_torn_journal(void **state)
{
	unsigned int r = 12345;

	for (int trial = 0; trial < 40; trial++) {
		char path[] = "/tmp/test_card.XXXXXX", side[64];
		int fd = mkstemp(path);

		assert_true(fd >= 0);
		close(fd);
		r = r * 1103515245u + 12345u;
		torn_trial(path, (r >> 8) ^ (unsigned int)trial);
		unlink(path);
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s.journal", path);
		unlink(side);
	}
}

/* ------------------------------------------------------------------ */
/* Personalisation codings: one row a profile and what one file then holds */

#define WITH_IMSI(imsi, ...) "{" ICCID ", \"imsi\": \"" imsi "\", " __VA_ARGS__ KI ", " OPC "}"
#define NO_ALPHA "ff ff ff ff ff ff ff ff ff ff ff ff ff ff "
#define ACC(imsi, acc) \
	{ .name = "EF.ACC, IMSI " imsi, .profile = WITH_IMSI(imsi), .path = "ADF.USIM/EF.ACC", .hex = acc }, \
	{ .name = "DF.GSM/EF.ACC (TS 51.011 10.3.15), IMSI " imsi, .profile = WITH_IMSI(imsi), \
	  .path = "DF.GSM/EF.ACC", .hex = acc }
#define PLMNS WITH("\"hplmnwact\": [\"99970\"], \"plmnwact\": [\"00102\", \"310260\"], " \
		   "\"fplmn\": [\"00103\"]")

struct coding_row {
	const char *name;	/* the coding, as the TAP line names it */
	const char *profile;	/* JSON */
	const char *path;	/* the file */
	const char *hex;	/* its first octets, blanks allowed */
};

static const struct coding_row codings[] = {
	/* TS 31.102 4.2.2 EF.IMSI: octet 1 the length of the IMSI in octets,
	 * then TS 24.008 10.5.1.4 mobile identity without its IEI: digit 1 in
	 * bits 8-5, odd/even indicator in bit 4 (1 odd), type of identity
	 * '001' IMSI in bits 3-1, then digits 3|2, 5|4, ... low digit in the
	 * low nibble, 'F' filler. */
	{ .name = "EF.IMSI, 15 digits (odd)", .profile = WITH_IMSI("262011234567890"),
	  .path = "ADF.USIM/EF.IMSI", .hex = "08 29 26 10 21 43 65 87 09" },
	{ .name = "DF.GSM/EF.IMSI (TS 51.011 10.3.2) is the same file",
	  .profile = WITH_IMSI("262011234567890"), .path = "DF.GSM/EF.IMSI",
	  .hex = "08 29 26 10 21 43 65 87 09" },
	{ .name = "EF.IMSI, 14 digits (even): 'F' filler in the last high nibble",
	  .profile = WITH_IMSI("26201123456789"), .path = "ADF.USIM/EF.IMSI",
	  .hex = "08 21 26 10 21 43 65 87 f9" },
	{ .name = "EF.IMSI, 6 digits (even): length 4, unused octets 'FF'",
	  .profile = WITH_IMSI("001019"), .path = "ADF.USIM/EF.IMSI", .hex = "04 01 10 10 f9 ff ff ff ff" },
	{ .name = "EF.IMSI, 7 digits (odd): length 4", .profile = WITH_IMSI("0010123"),
	  .path = "ADF.USIM/EF.IMSI", .hex = "04 09 10 10 32 ff ff ff ff" },
	/* TS 102 221 13.2 EF.ICCID: BCD, low digit of each pair in the low
	 * nibble (ITU-T E.118 digits 1|2 coded '21'), 'F' filling a 19-digit
	 * ICCID. */
	{ .name = "EF.ICCID, 20 digits", .profile = "{\"iccid\": \"89490200001234567890\", " IMSI ", " KI ", " OPC "}",
	  .path = "EF.ICCID", .hex = "98 94 20 00 00 21 43 65 87 09" },
	{ .name = "EF.ICCID, 19 digits: 'F' filler", .profile = "{\"iccid\": \"8949020000123456789\", " IMSI ", " KI ", " OPC "}",
	  .path = "EF.ICCID", .hex = "98 94 20 00 00 21 43 65 87 f9" },
	/* TS 31.102 4.2.18 EF.AD: octet 1 UE operation mode ('00' normal),
	 * octets 2-3 additional information, octet 4 bits 4-1 the length of
	 * the MNC in the IMSI ('02' or '03'). */
	{ .name = "EF.AD, 2-digit MNC", .profile = "{" BASE "}", .path = "ADF.USIM/EF.AD", .hex = "00 00 00 02" },
	{ .name = "EF.AD, 3-digit MNC", .profile = WITH_IMSI("310410123456789", "\"mnc_len\": 3, "),
	  .path = "ADF.USIM/EF.AD", .hex = "00 00 00 03" },
	/* TS 31.102 4.2.15 EF.ACC: octet 1 bits 8-1 = classes 15-8, octet 2
	 * bits 8-1 = classes 7-0; the class 0-9 is the last IMSI digit (TS
	 * 22.011 4.2). */
	ACC("001010000000000", "00 01"),	/* class 0: octet 2 b1 */
	ACC("001010000000007", "00 80"),	/* class 7: octet 2 b8 */
	ACC("001010000000008", "01 00"),	/* class 8: octet 1 b1 */
	ACC("001010000000009", "02 00"),	/* class 9: octet 1 b2 */
	/* TS 31.102 4.2.54 EF.HPLMNwAcT, entries coded as 4.2.5: PLMN per TS
	 * 24.008 10.5.1.13 (MCC2|MCC1, MNC3|MCC3, MNC2|MNC1, MNC3 'F' for a
	 * 2-digit MNC), then 2 octets of access technology: octet 1 b8 UTRAN,
	 * b7 E-UTRAN; octet 2 b8 GSM. Unused entries 'FFFFFF' '0000'. */
	{ .name = "EF.HPLMNwAcT from the IMSI: MCC 262, MNC 01",
	  .profile = WITH_IMSI("262011234567890"), .path = "ADF.USIM/EF.HPLMNwAcT",
	  .hex = "62 f2 10 c0 80  ff ff ff 00 00" },
	{ .name = "EF.HPLMNwAcT from the IMSI: MCC 310, MNC 410 (mnc_len 3)",
	  .profile = WITH_IMSI("310410123456789", "\"mnc_len\": 3, "), .path = "ADF.USIM/EF.HPLMNwAcT",
	  .hex = "13 00 14 c0 80  ff ff ff 00 00" },
	{ .name = "EF.HPLMNwAcT given in the profile", .profile = PLMNS, .path = "ADF.USIM/EF.HPLMNwAcT",
	  .hex = "99 f9 07 c0 80  ff ff ff 00 00" },
	{ .name = "EF.PLMNwAcT given in the profile", .profile = PLMNS, .path = "ADF.USIM/EF.PLMNwAcT",
	  .hex = "00 f1 20 c0 80  13 00 62 c0 80  ff ff ff 00 00" },
	/* TS 31.102 4.2.16 EF.FPLMN: 3 octets per PLMN, 'FF' unused */
	{ .name = "EF.FPLMN given in the profile", .profile = PLMNS, .path = "ADF.USIM/EF.FPLMN",
	  .hex = "00 f1 30 ff ff ff" },
	/* TS 31.102 4.2.12 EF.SPN: octet 1 display condition, octets 2-17 the
	 * name in the GSM default alphabet (TS 23.038 6.2.1, bit 8 zero), 'FF'
	 * padded. */
	{ .name = "EF.SPN", .profile = WITH("\"spn\": \"e2msim Test 1\""), .path = "ADF.USIM/EF.SPN",
	  .hex = "01 65 32 6d 73 69 6d 20 54 65 73 74 20 31 ff ff ff" },
	{ .name = "DF.GSM/EF.SPN (TS 51.011 10.3.11) is the same file",
	  .profile = WITH("\"spn\": \"e2msim Test 1\""), .path = "DF.GSM/EF.SPN",
	  .hex = "01 65 32 6d 73 69 6d 20 54 65 73 74 20 31 ff ff ff" },
	{ .name = "EF.SPN of 16 characters: the whole file", .profile = WITH("\"spn\": \"0123456789abcdef\""),
	  .path = "ADF.USIM/EF.SPN", .hex = "01 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66" },
	/* TS 31.102 4.2.26 EF.MSISDN, coded as EF.ADN (4.4.2.3): X octets
	 * alpha identifier ('FF' unused), then: length of BCD number contents
	 * (TON/NPI octet plus the number's octets), TON/NPI (b8 1; TON b7-5:
	 * '001' international, '000' unknown; NPI b4-1 '0001' ISDN/E.164), 10
	 * octets of BCD (low digit first, 'F' filler), capability/
	 * configuration2 identifier 'FF', extension5 record identifier 'FF'.
	 * Records of 28 octets: X = 14. */
	{ .name = "DF.TELECOM/EF.MSISDN, international, two records",
	  .profile = WITH("\"msisdn\": \"+491234567\""), .path = "DF.TELECOM/EF.MSISDN",
	  .hex = NO_ALPHA "06 91 94 21 43 65 f7 ff ff ff ff ff  ff ff"
		 NO_ALPHA "ff ff ff ff ff ff ff ff ff ff ff ff ff ff" },
	{ .name = "ADF.USIM/EF.MSISDN is the same file", .profile = WITH("\"msisdn\": \"+491234567\""),
	  .path = "ADF.USIM/EF.MSISDN", .hex = NO_ALPHA "06 91 94 21 43 65 f7 ff ff ff ff ff  ff ff" },
	{ .name = "EF.MSISDN, number of unknown type", .profile = WITH("\"msisdn\": \"0301234567\""),
	  .path = "ADF.USIM/EF.MSISDN", .hex = NO_ALPHA "06 81 30 10 32 54 76 ff ff ff ff ff  ff ff" },
	/* 20 digits after '+': the whole 10 octets, length 11; once lost the
	 * last digit to a one-octet-short buffer. */
	{ .name = "EF.MSISDN of 20 digits", .profile = WITH("\"msisdn\": \"+12345678901234567890\""),
	  .path = "ADF.USIM/EF.MSISDN", .hex = NO_ALPHA "0b 91 21 43 65 87 09 21 43 65 87 09  ff ff" },
};

/* One row of codings[]: the card personalised from its profile holds its
 * octets (compared before anything is freed, so a failure leaks nothing). */
static void test_coding(void **state)
{
	const struct coding_row *r = *state;
	struct usim_profile *p = profile_from_text(r->profile);
	struct mem_card mc;
	uint8_t want[512];
	size_t n = unhex(r->hex, want, sizeof(want));
	bool same;

	mem_card_new(&mc, p);
	same = n <= size_of(mc.card, r->path) && !memcmp(file_of(mc.card, r->path), want, n);
	if (!same)
		print_message("# %s is %s\n", r->path, hex(file_of(mc.card, r->path), n));
	mem_card_free(&mc);
	profile_free(p);
	assert_true(same);
}

/* What the card takes from the profile beside file contents. */
static void test_coding_card(void **state)
{
	struct usim_profile *p = profile_from_text("{\"iccid\": \"89490200001234567890\", " IMSI ", " KI ", " OPC "}");
	struct mem_card mc;

	mem_card_new(&mc, p);
	assert_string_equal(mc.card->iccid, "89490200001234567890");
	mem_card_free(&mc);
	profile_free(p);
	/* EF.MSISDN: two records of 28 octets */
	p = profile_from_text(WITH("\"msisdn\": \"+491234567\""));
	mem_card_new(&mc, p);
	assert_int_equal(size_of(mc.card, "DF.TELECOM/EF.MSISDN"), 2 * 28);
	mem_card_free(&mc);
	profile_free(p);
}

/* ------------------------------------------------------------------ */

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_fs_tree),
	cmocka_unit_test(test_fs_links),
	cmocka_unit_test(test_fs_arr),
	cmocka_unit_test(test_fs_defaults),
	cmocka_unit_test(test_profile_minimal),
	cmocka_unit_test(test_store_reload),
	cmocka_unit_test(test_store_sqn),
	cmocka_unit_test(test_store_torn_journal),
	cmocka_unit_test(test_coding_card),
};

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(fixed_tests) + ARRAY_SIZE(bad_profiles) + ARRAY_SIZE(codings)];
	static char names[ARRAY_SIZE(bad_profiles)][48];
	size_t n = ARRAY_SIZE(fixed_tests) + ARRAY_SIZE(bad_profiles);

	memcpy(tests, fixed_tests, sizeof(fixed_tests));
	/* one TAP line per refused profile */
	for (size_t i = 0; i < ARRAY_SIZE(bad_profiles); i++) {
		snprintf(names[i], sizeof(names[i]), "bad profile %zu: %s", i + 1,
			 bad_profiles[i].expect);
		tests[ARRAY_SIZE(fixed_tests) + i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = test_profile_bad,
			.initial_state = (void *)&bad_profiles[i],
		};
	}
	/* one TAP line per coding */
	for (size_t i = 0; i < ARRAY_SIZE(codings); i++)
		tests[n++] = (struct CMUnitTest){
			.name = codings[i].name, .test_func = test_coding,
			.initial_state = (void *)&codings[i],
		};
	common_log_init(talloc_named_const(NULL, 0, "test_card"), -1);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("card", tests, NULL, NULL);
}
