/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File tree navigation, TS 102 221 8.4 (file selection rules). */

#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"

static int kind_is_df(enum fs_file_kind k)
{
	return k == FS_FILE_DF || k == FS_FILE_ADF;
}

static int find_path(const struct fs_file_def *defs, size_t n, const char *path, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(defs[i].path) == len && !strncmp(defs[i].path, path, len))
			return (int)i;
	}
	return FS_NONE;
}

static size_t content_size(const struct fs_file_def *d)
{
	switch (d->kind) {
	case FS_FILE_TRANSPARENT:
		return d->size;
	case FS_FILE_LINEAR_FIXED:
	case FS_FILE_CYCLIC:
		return (size_t)d->rec_len * d->rec_count;
	default:
		return 0;
	}
}

/* The EF.ARR that holds the access rules of a node: the one in its DF (or in
 * the DF itself), else the nearest one above (TS 102 221 9.2.7 search). */
static int find_arr(const struct fs_node *nodes, size_t n, int node)
{
	int df = kind_is_df(nodes[node].def->kind) ? node : nodes[node].parent;

	for (; df != FS_NONE; df = nodes[df].parent) {
		for (size_t i = 0; i < n; i++) {
			if (nodes[i].parent == df && !nodes[i].def->link &&
			    (nodes[i].def->fid == 0x2F06 || nodes[i].def->fid == 0x6F06))
				return (int)i;
		}
	}
	return FS_NONE;
}

/* One tree: its nodes, the rows of its links merged with their targets',
 * and (for a resized tree) its own copy of the rows. */
struct fs_built {
	struct fs_tree tree;
	struct fs_node *nodes;
	struct fs_file_def *merged;
	struct fs_file_def *rows;	/* NULL for the static table */
};

/* Link rows[n] into a tree. A row's parent is the row named by its path
 * without the last component; top-level rows (and every ADF) hang under
 * MF. -1 on an inconsistent table. */
static int build(struct fs_built *b, const struct fs_file_def *defs, size_t n)
{
	b->nodes = calloc(n, sizeof(*b->nodes));
	b->merged = calloc(n, sizeof(*b->merged));
	if (!b->nodes || !b->merged)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(defs[i].path, '/');
		b->nodes[i].def = &defs[i];
		b->nodes[i].owner = (int)i;
		if (defs[i].link) {
			int target = find_path(defs, n, defs[i].link, strlen(defs[i].link));
			if (target == FS_NONE || defs[target].link)
				return -1;
			b->merged[i] = defs[target];
			b->merged[i].path = defs[i].path;
			b->merged[i].fid = defs[i].fid;
			b->merged[i].sfi = defs[i].sfi;
			b->merged[i].link = defs[i].link;
			b->nodes[i].def = &b->merged[i];
			b->nodes[i].owner = target;
		}
		b->nodes[i].content_size = content_size(b->nodes[i].def);
		if (i == 0) {
			b->nodes[i].parent = FS_NONE;	/* MF is row 0 */
			continue;
		}
		b->nodes[i].parent = slash ? find_path(defs, n, defs[i].path,
						       (size_t)(slash - defs[i].path)) : 0;
		if (b->nodes[i].parent == FS_NONE)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		b->nodes[i].arr = find_arr(b->nodes, n, b->nodes[i].owner);
	b->tree.count = n;
	b->tree.nodes = b->nodes;
	return 0;
}

static void built_free(struct fs_built *b)
{
	free(b->nodes);
	free(b->merged);
	free(b->rows);
	free(b);
}

/*! The tree of the UICC definition table, linked on first use. Aborts on an
 *  inconsistent table, which is a build error, never a run-time condition
 *  (tests/unit/test_card.c walks it). */
const struct fs_tree *fs_get(void)
{
	static struct fs_built table;

	if (table.nodes)
		return &table.tree;
	if (build(&table, fs_uicc, fs_uicc_count) < 0)
		abort();
	return &table.tree;
}

/*! A tree of the table with other sizes for some EFs (a card's twin: TS
 *  102 221 11.1.1.4.1 file size, 11.1.1.4.3 record length and count).
 *  Links follow their targets. 0, or -1 (a path that is no EF owning its
 *  contents, a size of 0, out of memory). Free with fs_tree_free(). */
int fs_tree_resized(const struct fs_resize *r, size_t n, const struct fs_tree **out)
{
	struct fs_built *b = calloc(1, sizeof(*b));

	if (!b || !(b->rows = malloc(fs_uicc_count * sizeof(*b->rows))))
		goto fail;
	memcpy(b->rows, fs_uicc, fs_uicc_count * sizeof(*b->rows));
	for (size_t i = 0; i < n; i++) {
		int row = find_path(b->rows, fs_uicc_count, r[i].path, strlen(r[i].path));
		struct fs_file_def *d = row == FS_NONE ? NULL : &b->rows[row];

		if (!d || d->link || kind_is_df(d->kind))
			goto fail;
		if (d->kind == FS_FILE_TRANSPARENT && r[i].size)
			d->size = r[i].size;
		else if (d->kind != FS_FILE_TRANSPARENT && r[i].rec_len && r[i].rec_count) {
			d->rec_len = r[i].rec_len;
			d->rec_count = r[i].rec_count;
		} else
			goto fail;
	}
	if (build(b, b->rows, fs_uicc_count) < 0)
		goto fail;
	*out = &b->tree;
	return 0;
fail:
	if (b)
		built_free(b);
	return -1;
}

/*! Free a tree of fs_tree_resized(); the table's own tree is kept. */
void fs_tree_free(const struct fs_tree *t)
{
	if (t && t != fs_get())
		built_free((struct fs_built *)t);	/* tree is the first member */
}

int fs_is_df(const struct fs_tree *fs, int node)
{
	return kind_is_df(fs->nodes[node].def->kind);
}

int fs_is_record(const struct fs_tree *fs, int node)
{
	enum fs_file_kind k = fs->nodes[node].def->kind;
	return k == FS_FILE_LINEAR_FIXED || k == FS_FILE_CYCLIC;
}

/*! The ADF a node lies in, or FS_NONE. */
int fs_adf_of(const struct fs_tree *fs, int node)
{
	for (; node != FS_NONE; node = fs->nodes[node].parent) {
		if (fs->nodes[node].def->kind == FS_FILE_ADF)
			return node;
	}
	return FS_NONE;
}

int fs_by_path(const struct fs_tree *fs, const char *path)
{
	for (size_t i = 0; i < fs->count; i++) {
		if (!strcmp(fs->nodes[i].def->path, path))
			return (int)i;
	}
	return FS_NONE;
}

/*! The child of df with this FID, or FS_NONE. ADFs are not children by
 *  FID: they are reached by AID only. */
int fs_child(const struct fs_tree *fs, int df, uint16_t fid)
{
	for (size_t i = 0; i < fs->count; i++) {
		if (fs->nodes[i].parent == df && fs->nodes[i].def->fid == fid &&
		    fs->nodes[i].def->kind != FS_FILE_ADF)
			return (int)i;
	}
	return FS_NONE;
}

/*! SELECT by file identifier from the current DF, TS 102 221 8.4.1: MF, the
 *  current ADF ('7FFF'), the current DF itself, a child of it, its parent, or
 *  a sibling DF of the current DF. */
int fs_select_fid(const struct fs_tree *fs, int cur_df, int cur_adf, uint16_t fid)
{
	int parent, node;

	if (fid == 0x3F00)
		return 0;
	if (fid == 0x7FFF)
		return cur_adf;
	if (fs->nodes[cur_df].def->fid == fid && fs->nodes[cur_df].def->kind != FS_FILE_ADF)
		return cur_df;
	node = fs_child(fs, cur_df, fid);
	if (node != FS_NONE)
		return node;
	parent = fs->nodes[cur_df].parent;
	if (parent == FS_NONE)
		return FS_NONE;
	if (fs->nodes[parent].def->fid == fid)
		return parent;
	node = fs_child(fs, parent, fid);
	if (node != FS_NONE && fs_is_df(fs, node))
		return node;
	return FS_NONE;
}

/*! The EF under df with this short file identifier, or FS_NONE. */
int fs_by_sfi(const struct fs_tree *fs, int df, uint8_t sfi)
{
	if (sfi == 0)
		return FS_NONE;
	for (size_t i = 0; i < fs->count; i++) {
		if (fs->nodes[i].parent == df && fs->nodes[i].def->sfi == sfi &&
		    !fs_is_df(fs, (int)i))
			return (int)i;
	}
	return FS_NONE;
}

/*! The ADF whose AID starts with the given octets (right truncation, TS 102
 *  221 8.4.2), or FS_NONE. At least the RID (5 octets) must be given. */
int fs_adf_by_aid(const struct fs_tree *fs, const uint8_t *aid, size_t len)
{
	if (len < 5 || len > 16)
		return FS_NONE;
	for (size_t i = 0; i < fs->count; i++) {
		const struct fs_file_def *d = fs->nodes[i].def;
		if (d->kind == FS_FILE_ADF && len <= d->aid_len && !memcmp(d->aid, aid, len))
			return (int)i;
	}
	return FS_NONE;
}

const char *fs_name(const struct fs_tree *fs, int node)
{
	return node >= 0 && (size_t)node < fs->count ? fs->nodes[node].def->path : "(none)";
}

/*! The feature a node belongs to: its own, or that of a DF above it. */
enum fs_feature fs_feature_of(const struct fs_tree *fs, int node)
{
	for (; node != FS_NONE; node = fs->nodes[node].parent) {
		if (fs->nodes[node].def->feature != FS_FEATURE_NONE)
			return fs->nodes[node].def->feature;
	}
	return FS_FEATURE_NONE;
}
