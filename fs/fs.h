/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UICC's file table (TS 102 221, TS 31.102, TS 51.011): definitions
 * as table rows (fs/fs_uicc.c), linked into a tree once at start-up. Pure
 * data, shared by the card (usim/), which keeps the contents, and the tools
 * that walk physical cards (probe/). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* TS 102 221 11.1.1.4.3 file descriptor byte */
enum fs_file_kind {
	FS_FILE_DF,
	FS_FILE_ADF,
	FS_FILE_TRANSPARENT,
	FS_FILE_LINEAR_FIXED,
	FS_FILE_CYCLIC,
};

/* Optional parts of the file system, present when the profile asks */
enum fs_feature {
	FS_FEATURE_NONE,
	FS_FEATURE_E2M,	/* DF.E2M, doc/e2m-profile.md section 4 */
	FS_FEATURE_5GS,	/* DF.5GS (TS 31.102 4.4.11): walked on physical cards */
	FS_FEATURE_ISIM,	/* ADF.ISIM (TS 31.103): walked on physical cards */
};

struct fs_file_def {
	const char *path;	/* "MF", "EF.ICCID", "ADF.USIM/EF.IMSI" (pySim names) */
	uint16_t fid;
	uint8_t sfi;		/* 1..30, 0 when the file has none */
	enum fs_file_kind kind;
	uint16_t size;		/* transparent EF: octets */
	uint8_t rec_len;	/* record EF: octets per record */
	uint8_t rec_count;	/* record EF: number of records */
	uint8_t arr_rec;	/* record of the governing EF.ARR (TS 102 221 9.2.6) */
	const uint8_t *aid;	/* ADF: application identifier */
	uint8_t aid_len;
	const char *content;	/* default contents in hex, records separated by
				 * '|', 'FF' filled after it */
	const char *link;	/* path of the file whose contents this one shares;
				 * structure and access rules come from there */
	enum fs_feature feature;	/* present only on cards with that feature */
};

#define FS_NONE (-1)

struct fs_node {
	const struct fs_file_def *def;	/* a link's row merged with its target's */
	int parent;		/* index, FS_NONE for MF */
	int owner;		/* node that holds the contents: itself, or a link's target */
	int arr;		/* the EF.ARR that governs it (TS 102 221 9.2.7) */
	size_t content_size;	/* octets of contents (0 for DFs) */
};

struct fs_tree {
	size_t count;
	const struct fs_node *nodes;
};

extern const struct fs_file_def fs_uicc[];
extern const size_t fs_uicc_count;
extern const char fs_arr_records[];

/* An EF's geometry other than the table's: size for a transparent EF,
 * record length and count for a record EF. */
struct fs_resize {
	const char *path;
	uint16_t size;
	uint8_t rec_len, rec_count;
};

const struct fs_tree *fs_get(void);
int fs_tree_resized(const struct fs_resize *r, size_t n, const struct fs_tree **out);
void fs_tree_free(const struct fs_tree *t);
int fs_is_df(const struct fs_tree *fs, int node);
int fs_is_record(const struct fs_tree *fs, int node);
int fs_adf_of(const struct fs_tree *fs, int node);
int fs_by_path(const struct fs_tree *fs, const char *path);
int fs_child(const struct fs_tree *fs, int df, uint16_t fid);
int fs_select_fid(const struct fs_tree *fs, int cur_df, int cur_adf, uint16_t fid);
int fs_by_sfi(const struct fs_tree *fs, int df, uint8_t sfi);
int fs_adf_by_aid(const struct fs_tree *fs, const uint8_t *aid, size_t len);
const char *fs_name(const struct fs_tree *fs, int node);
enum fs_feature fs_feature_of(const struct fs_tree *fs, int node);
