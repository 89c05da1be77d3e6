/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File tree navigation, TS 102 221 8.4 (file selection rules). */

#include <stdlib.h>
#include <string.h>

#include "usim/fs.h"

static struct usim_fs_node *tree_nodes;
static struct usim_fs tree;

static int kind_is_df(enum usim_file_kind k)
{
	return k == USIM_FILE_DF || k == USIM_FILE_ADF;
}

static int find_path(const struct usim_file_def *defs, size_t n, const char *path, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(defs[i].path) == len && !strncmp(defs[i].path, path, len))
			return (int)i;
	}
	return USIM_FS_NONE;
}

static size_t content_size(const struct usim_file_def *d)
{
	switch (d->kind) {
	case USIM_FILE_TRANSPARENT:
		return d->size;
	case USIM_FILE_LINEAR_FIXED:
	case USIM_FILE_CYCLIC:
		return (size_t)d->rec_len * d->rec_count;
	default:
		return 0;
	}
}

/* The EF.ARR that holds the access rules of a node: the one in its DF (or in
 * the DF itself), else the nearest one above (TS 102 221 9.2.7 search). */
static int find_arr(const struct usim_fs_node *nodes, size_t n, int node)
{
	int df = kind_is_df(nodes[node].def->kind) ? node : nodes[node].parent;

	for (; df != USIM_FS_NONE; df = nodes[df].parent) {
		for (size_t i = 0; i < n; i++) {
			if (nodes[i].parent == df && !nodes[i].def->link &&
			    (nodes[i].def->fid == 0x2F06 || nodes[i].def->fid == 0x6F06))
				return (int)i;
		}
	}
	return USIM_FS_NONE;
}

/*! The tree of the UICC definition table, linked on first use. A row's parent
 *  is the row named by its path without the last component; top-level rows
 *  (and every ADF) hang under MF. Aborts on an inconsistent table, which is a
 *  build error, never a run-time condition (tests/unit/test_card.c walks it). */
const struct usim_fs *usim_fs_get(void)
{
	const struct usim_file_def *defs = usim_fs_uicc;
	size_t n = usim_fs_uicc_count;
	struct usim_file_def *merged;

	if (tree_nodes)
		return &tree;
	tree_nodes = calloc(n, sizeof(*tree_nodes));
	merged = calloc(n, sizeof(*merged));
	if (!tree_nodes || !merged)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(defs[i].path, '/');
		tree_nodes[i].def = &defs[i];
		tree_nodes[i].owner = (int)i;
		if (defs[i].link) {
			int target = find_path(defs, n, defs[i].link, strlen(defs[i].link));
			if (target == USIM_FS_NONE || defs[target].link)
				abort();
			merged[i] = defs[target];
			merged[i].path = defs[i].path;
			merged[i].fid = defs[i].fid;
			merged[i].sfi = defs[i].sfi;
			merged[i].link = defs[i].link;
			tree_nodes[i].def = &merged[i];
			tree_nodes[i].owner = target;
		}
		tree_nodes[i].content_size = content_size(tree_nodes[i].def);
		if (i == 0) {
			tree_nodes[i].parent = USIM_FS_NONE;	/* MF is row 0 */
			continue;
		}
		tree_nodes[i].parent = slash ? find_path(defs, n, defs[i].path,
							 (size_t)(slash - defs[i].path)) : 0;
		if (tree_nodes[i].parent == USIM_FS_NONE)
			abort();
	}
	for (size_t i = 0; i < n; i++)
		tree_nodes[i].arr = find_arr(tree_nodes, n, tree_nodes[i].owner);
	tree.count = n;
	tree.nodes = tree_nodes;
	return &tree;
}

int usim_fs_is_df(const struct usim_fs *fs, int node)
{
	return kind_is_df(fs->nodes[node].def->kind);
}

int usim_fs_is_record(const struct usim_fs *fs, int node)
{
	enum usim_file_kind k = fs->nodes[node].def->kind;
	return k == USIM_FILE_LINEAR_FIXED || k == USIM_FILE_CYCLIC;
}

/*! The ADF a node lies in, or USIM_FS_NONE. */
int usim_fs_adf_of(const struct usim_fs *fs, int node)
{
	for (; node != USIM_FS_NONE; node = fs->nodes[node].parent) {
		if (fs->nodes[node].def->kind == USIM_FILE_ADF)
			return node;
	}
	return USIM_FS_NONE;
}

int usim_fs_by_path(const struct usim_fs *fs, const char *path)
{
	for (size_t i = 0; i < fs->count; i++) {
		if (!strcmp(fs->nodes[i].def->path, path))
			return (int)i;
	}
	return USIM_FS_NONE;
}

/*! The child of df with this FID, or USIM_FS_NONE. ADFs are not children by
 *  FID: they are reached by AID only. */
int usim_fs_child(const struct usim_fs *fs, int df, uint16_t fid)
{
	for (size_t i = 0; i < fs->count; i++) {
		if (fs->nodes[i].parent == df && fs->nodes[i].def->fid == fid &&
		    fs->nodes[i].def->kind != USIM_FILE_ADF)
			return (int)i;
	}
	return USIM_FS_NONE;
}

/*! SELECT by file identifier from the current DF, TS 102 221 8.4.1: MF, the
 *  current ADF ('7FFF'), the current DF itself, a child of it, its parent, or
 *  a sibling DF of the current DF. */
int usim_fs_select_fid(const struct usim_fs *fs, int cur_df, int cur_adf, uint16_t fid)
{
	int parent, node;

	if (fid == 0x3F00)
		return 0;
	if (fid == 0x7FFF)
		return cur_adf;
	if (fs->nodes[cur_df].def->fid == fid && fs->nodes[cur_df].def->kind != USIM_FILE_ADF)
		return cur_df;
	node = usim_fs_child(fs, cur_df, fid);
	if (node != USIM_FS_NONE)
		return node;
	parent = fs->nodes[cur_df].parent;
	if (parent == USIM_FS_NONE)
		return USIM_FS_NONE;
	if (fs->nodes[parent].def->fid == fid)
		return parent;
	node = usim_fs_child(fs, parent, fid);
	if (node != USIM_FS_NONE && usim_fs_is_df(fs, node))
		return node;
	return USIM_FS_NONE;
}

/*! The EF under df with this short file identifier, or USIM_FS_NONE. */
int usim_fs_by_sfi(const struct usim_fs *fs, int df, uint8_t sfi)
{
	if (sfi == 0)
		return USIM_FS_NONE;
	for (size_t i = 0; i < fs->count; i++) {
		if (fs->nodes[i].parent == df && fs->nodes[i].def->sfi == sfi &&
		    !usim_fs_is_df(fs, (int)i))
			return (int)i;
	}
	return USIM_FS_NONE;
}

/*! The ADF whose AID starts with the given octets (right truncation, TS 102
 *  221 8.4.2), or USIM_FS_NONE. At least the RID (5 octets) must be given. */
int usim_fs_adf_by_aid(const struct usim_fs *fs, const uint8_t *aid, size_t len)
{
	if (len < 5 || len > 16)
		return USIM_FS_NONE;
	for (size_t i = 0; i < fs->count; i++) {
		const struct usim_file_def *d = fs->nodes[i].def;
		if (d->kind == USIM_FILE_ADF && len <= d->aid_len && !memcmp(d->aid, aid, len))
			return (int)i;
	}
	return USIM_FS_NONE;
}

const char *usim_fs_name(const struct usim_fs *fs, int node)
{
	return node >= 0 && (size_t)node < fs->count ? fs->nodes[node].def->path : "(none)";
}
