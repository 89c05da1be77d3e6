/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UICC file table. Row 0 must be MF; a row's parent must come before it. */

#include "usim/fs.h"

#define ARR_ALW_ADM	1	/* read always, update ADM1 */
#define ARR_PIN1_ADM	2	/* read PIN1, update ADM1 */
#define ARR_PIN1_PIN1	3	/* read and update PIN1 */
#define ARR_ALW_PIN1	4	/* read always, update PIN1 */
#define ARR_ADM_ADM	5	/* read and update ADM1 */

/* TS 31.101 / TS 102 221 13: the USIM application, as listed in EF.DIR. */
static const uint8_t usim_aid[16] = {
	0xA0, 0x00, 0x00, 0x00, 0x87,	/* RID: ETSI / 3GPP */
	0x10, 0x02,			/* application code: USIM */
	0xFF, 0xFF,			/* country code: not given */
	0xFF, 0xFF, 0x89,		/* application provider code */
	0xE2, 0x4D, 0x00, 0x01,		/* application provider field: e2msim, version 1 */
};

const struct usim_file_def usim_fs_uicc[] = {
	/* TS 102 221 13: files at MF level */
	{ .path = "MF", .fid = 0x3F00, .kind = USIM_FILE_DF, .arr_rec = ARR_ALW_ADM },
	{ .path = "EF.DIR", .fid = 0x2F00, .sfi = 0x1E, .kind = USIM_FILE_LINEAR_FIXED,
	  .rec_len = 0x20, .rec_count = 2, .arr_rec = ARR_ALW_ADM,
	  /* 13.1: application template '61' with AID '4F' and label '50' */
	  .content = "61184f10a0000000871002ffffffff89e24d000150045553494d" },
	{ .path = "EF.ICCID", .fid = 0x2FE2, .sfi = 0x02, .kind = USIM_FILE_TRANSPARENT,
	  .size = 10, .arr_rec = ARR_ALW_ADM,
	  .content = "98001010000000000000" },
	{ .path = "EF.PL", .fid = 0x2F05, .sfi = 0x05, .kind = USIM_FILE_TRANSPARENT,
	  .size = 10, .arr_rec = ARR_ALW_PIN1, .content = "656e" },
	/* 13.4 / 9.2.6: access rules in expanded format, one record per rule set:
	 * '80' AM byte (b1 read, b2 update, b4 deactivate, b5 activate), then
	 * '90 00' always, or 'A4' CRT naming the key ('83') for user verification
	 * ('95 08'); keys '01' PIN1, '0A' ADM1. */
	{ .path = "EF.ARR", .fid = 0x2F06, .sfi = 0x06, .kind = USIM_FILE_LINEAR_FIXED,
	  .rec_len = 0x30, .rec_count = 6, .arr_rec = ARR_ALW_ADM,
	  .content = "8001019000" "80011aa40683010a950108"
		     "|800101a406830101950108" "80011aa40683010a950108"
		     "|800103a406830101950108" "800118a40683010a950108"
		     "|8001019000" "800102a406830101950108" "800118a40683010a950108"
		     "|80011ba40683010a950108" },
	{ .path = "ADF.USIM", .fid = 0x7FF0, .kind = USIM_FILE_ADF, .arr_rec = ARR_ALW_ADM,
	  .aid = usim_aid, .aid_len = sizeof(usim_aid) },
};

const size_t usim_fs_uicc_count = sizeof(usim_fs_uicc) / sizeof(usim_fs_uicc[0]);
