/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The card's file tree: definitions as table rows (usim/fs_*.c), linked into
 * a tree once at start-up. Contents live in the card (usim/card.h). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* TS 102 221 11.1.1.4.3 file descriptor byte */
enum usim_file_kind {
	USIM_FILE_DF,
	USIM_FILE_ADF,
	USIM_FILE_TRANSPARENT,
	USIM_FILE_LINEAR_FIXED,
	USIM_FILE_CYCLIC,
};

/* Optional parts of the file system, present when the profile asks */
enum usim_feature {
	USIM_FEATURE_NONE,
	USIM_FEATURE_E2M,	/* DF.E2M, doc/e2m-profile.md section 4 */
};

struct usim_file_def {
	const char *path;	/* "MF", "EF.ICCID", "ADF.USIM/EF.IMSI" (pySim names) */
	uint16_t fid;
	uint8_t sfi;		/* 1..30, 0 when the file has none */
	enum usim_file_kind kind;
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
	enum usim_feature feature;	/* present only on cards with that feature */
};

#define USIM_FS_NONE (-1)

struct usim_fs_node {
	const struct usim_file_def *def;	/* a link's row merged with its target's */
	int parent;		/* index, USIM_FS_NONE for MF */
	int owner;		/* node that holds the contents: itself, or a link's target */
	int arr;		/* the EF.ARR that governs it (TS 102 221 9.2.7) */
	size_t content_size;	/* octets of contents (0 for DFs) */
};

struct usim_fs {
	size_t count;
	const struct usim_fs_node *nodes;
};

extern const struct usim_file_def usim_fs_uicc[];
extern const size_t usim_fs_uicc_count;
extern const char usim_arr_records[];

const struct usim_fs *usim_fs_get(void);
int usim_fs_is_df(const struct usim_fs *fs, int node);
int usim_fs_is_record(const struct usim_fs *fs, int node);
int usim_fs_adf_of(const struct usim_fs *fs, int node);
int usim_fs_by_path(const struct usim_fs *fs, const char *path);
int usim_fs_child(const struct usim_fs *fs, int df, uint16_t fid);
int usim_fs_select_fid(const struct usim_fs *fs, int cur_df, int cur_adf, uint16_t fid);
int usim_fs_by_sfi(const struct usim_fs *fs, int df, uint8_t sfi);
int usim_fs_adf_by_aid(const struct usim_fs *fs, const uint8_t *aid, size_t len);
const char *usim_fs_name(const struct usim_fs *fs, int node);
