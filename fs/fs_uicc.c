/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The card's file table: MF (TS 102 221 13), DF.TELECOM and DF.GSM (TS 51.011
 * 10), ADF.USIM (TS 31.102 4.2, 4.4.3, 4.4.11), ADF.ISIM (TS 31.103 4.2). A
 * row's parent must come before it. Rows of a feature (fs.h) are on a card
 * only when its profile asks; e2msim-probe looks for all of them.
 * Contents here are the defaults of an unpersonalised card: the profile fills
 * in the subscriber's values (usim/personalize.c). "link" rows share the
 * contents of another file, as DF.GSM's files do with the USIM's on real
 * USIM/SIM cards. */

#include "fs/fs.h"

/* Records of EF.ARR (fs_arr_records): read / update conditions */
#define ARR_ALW_ADM	1	/* read always, update ADM1 */
#define ARR_PIN1_ADM	2	/* read PIN1, update ADM1 */
#define ARR_PIN1_PIN1	3	/* read and update PIN1 */
#define ARR_ALW_PIN1	4	/* read always, update PIN1 */
#define ARR_ADM_ADM	5	/* read and update ADM1 */
#define ARR_PIN1_PIN2	6	/* read PIN1, update PIN2 */

/* TS 102 221 9.2.4 expanded format, one rule set per record:
 * '80 01 AM' access mode (ISO/IEC 7816-4 table 17: b1 read/search, b2 update,
 * b4 deactivate, b5 activate; INCREASE follows the update condition), then the
 * condition: '90 00' always, 'A4 06 83 01 KEY 95 01 08' user verification of
 * KEY ('01' PIN1, '81' PIN2, '0A' ADM1). */
#define ARR_RECORDS \
	"8001019000" "80011aa40683010a950108" \
	"|800101a406830101950108" "80011aa40683010a950108" \
	"|800103a406830101950108" "800118a40683010a950108" \
	"|8001019000" "800102a406830101950108" "800118a40683010a950108" \
	"|80011ba40683010a950108" \
	"|800101a406830101950108" "800102a406830181950108" "800118a40683010a950108"

/* TS 31.101 / ETSI TS 101 220: the USIM application, listed in EF.DIR */
static const uint8_t usim_aid[16] = {
	0xA0, 0x00, 0x00, 0x00, 0x87,	/* RID: 3GPP */
	0x10, 0x02,			/* application code: USIM */
	0xFF, 0xFF,			/* country code: not given */
	0xFF, 0xFF, 0x89,		/* application provider code */
	0xE2, 0x4D, 0x00, 0x01,		/* application provider field: e2msim, version 1 */
};

/* TS 31.103: the ISIM application; e2msim cards have none */
static const uint8_t isim_aid[16] = {
	0xA0, 0x00, 0x00, 0x00, 0x87,	/* RID: 3GPP */
	0x10, 0x04,			/* application code: ISIM */
	0xFF, 0xFF, 0xFF, 0xFF, 0x89,
	0xE2, 0x4D, 0x00, 0x01,
};

#define TRANSP(p, f, s, n, a, c) \
	{ .path = p, .fid = f, .sfi = s, .kind = FS_FILE_TRANSPARENT, .size = n, .arr_rec = a, .content = c }
#define LINFIX(p, f, s, rl, rc, a, c) \
	{ .path = p, .fid = f, .sfi = s, .kind = FS_FILE_LINEAR_FIXED, .rec_len = rl, \
	  .rec_count = rc, .arr_rec = a, .content = c }
#define CYCLIC(p, f, s, rl, rc, a, c) \
	{ .path = p, .fid = f, .sfi = s, .kind = FS_FILE_CYCLIC, .rec_len = rl, \
	  .rec_count = rc, .arr_rec = a, .content = c }
#define LINK(p, f, s, target) \
	{ .path = p, .fid = f, .sfi = s, .link = target }
#define DF(p, f) \
	{ .path = p, .fid = f, .kind = FS_FILE_DF, .arr_rec = ARR_ALW_ADM }
/* rows of a feature (fs.h), without default contents */
#define TRANSP_OF(ft, p, f, s, n, a) \
	{ .path = p, .fid = f, .sfi = s, .kind = FS_FILE_TRANSPARENT, .size = n, .arr_rec = a, .feature = ft }
#define LINFIX_OF(ft, p, f, s, rl, rc, a) \
	{ .path = p, .fid = f, .sfi = s, .kind = FS_FILE_LINEAR_FIXED, .rec_len = rl, \
	  .rec_count = rc, .arr_rec = a, .feature = ft }
#define DF_OF(ft, p, f) \
	{ .path = p, .fid = f, .kind = FS_FILE_DF, .arr_rec = ARR_ALW_ADM, .feature = ft }

const struct fs_file_def fs_uicc[] = {
	/* TS 102 221 13: MF */
	DF("MF", 0x3F00),
	LINFIX("EF.DIR", 0x2F00, 0x1E, 0x20, 2, ARR_ALW_ADM,
	       /* 13.1: application template: AID '4F', label '50' */
	       "61184f10a0000000871002ffffffff89e24d000150045553494d"),
	TRANSP("EF.ICCID", 0x2FE2, 0x02, 10, ARR_ALW_ADM, NULL),
	TRANSP("EF.PL", 0x2F05, 0x05, 10, ARR_ALW_PIN1, "656e"),
	LINFIX("EF.ARR", 0x2F06, 0x06, 0x30, 6, ARR_ALW_ADM, ARR_RECORDS),
	TRANSP("EF.UMPC", 0x2F08, 0x08, 5, ARR_ALW_ADM, "3c05020000"),

	/* TS 31.102 4.4.2 / TS 51.011 10.5: DF.TELECOM */
	DF("DF.TELECOM", 0x7F10),
	LINFIX("DF.TELECOM/EF.ARR", 0x6F06, 0x00, 0x30, 6, ARR_ALW_ADM, ARR_RECORDS),
	LINFIX("DF.TELECOM/EF.ADN", 0x6F3A, 0x00, 0x1C, 10, ARR_PIN1_PIN1, NULL),
	LINFIX("DF.TELECOM/EF.FDN", 0x6F3B, 0x00, 0x1C, 5, ARR_PIN1_PIN2, NULL),
	/* TS 31.102 4.2.25: status '00' free, then 175 octets */
	LINFIX("DF.TELECOM/EF.SMS", 0x6F3C, 0x00, 176, 10, ARR_PIN1_PIN1,
	       "00|00|00|00|00|00|00|00|00|00"),
	LINFIX("DF.TELECOM/EF.MSISDN", 0x6F40, 0x00, 0x1C, 2, ARR_PIN1_PIN1, NULL),
	LINFIX("DF.TELECOM/EF.SMSP", 0x6F42, 0x00, 0x26, 2, ARR_PIN1_PIN1, NULL),
	TRANSP("DF.TELECOM/EF.SMSS", 0x6F43, 0x00, 2, ARR_PIN1_PIN1, "00ff"),
	CYCLIC("DF.TELECOM/EF.LND", 0x6F44, 0x00, 0x1C, 5, ARR_PIN1_PIN1, NULL),
	LINFIX("DF.TELECOM/EF.EXT1", 0x6F4A, 0x00, 13, 5, ARR_PIN1_PIN1, NULL),

	/* TS 31.102 4.2 (ADF.USIM, selected by AID) */
	{ .path = "ADF.USIM", .fid = 0x7FF0, .kind = FS_FILE_ADF, .arr_rec = ARR_ALW_ADM,
	  .aid = usim_aid, .aid_len = sizeof(usim_aid) },
	LINFIX("ADF.USIM/EF.ECC", 0x6FB7, 0x01, 14, 5, ARR_ALW_ADM,
	       /* 4.2.21: BCD number, alpha identifier, service category */
	       "11f2ffffffffffffffffffffff00|19f1ffffffffffffffffffffff00"),
	TRANSP("ADF.USIM/EF.LI", 0x6F05, 0x02, 10, ARR_ALW_PIN1, "656e"),
	TRANSP("ADF.USIM/EF.AD", 0x6FAD, 0x03, 4, ARR_ALW_ADM, "00000002"),
	/* 4.2.8: services 10 SMS, 12 SMSP, 19 SPN, 20 PLMNwAcT, 21 MSISDN,
	 * 27 GSM access, 33 PS domain, 38 GSM security context, 42 OPLMNwAcT,
	 * 43 HPLMNwAcT, 85 EPS mobility management */
	TRANSP("ADF.USIM/EF.UST", 0x6F38, 0x04, 11, ARR_PIN1_ADM, "000a1c0421060000000010"),
	TRANSP("ADF.USIM/EF.EST", 0x6F56, 0x05, 1, ARR_PIN1_PIN2, "00"),
	TRANSP("ADF.USIM/EF.ACC", 0x6F78, 0x06, 2, ARR_PIN1_ADM, "0001"),
	TRANSP("ADF.USIM/EF.IMSI", 0x6F07, 0x07, 9, ARR_PIN1_ADM, NULL),
	/* 4.2.4: KSI '07' (no key), CK, IK */
	TRANSP("ADF.USIM/EF.KEYS", 0x6F08, 0x08, 33, ARR_PIN1_PIN1, "07"),
	TRANSP("ADF.USIM/EF.KEYSPS", 0x6F09, 0x09, 33, ARR_PIN1_PIN1, "07"),
	TRANSP("ADF.USIM/EF.PLMNwAcT", 0x6F60, 0x0A, 40, ARR_PIN1_PIN1, NULL),
	/* 4.2.17: TMSI, LAI (LAC 'FFFE' deleted), RFU, status '01' not updated */
	TRANSP("ADF.USIM/EF.LOCI", 0x6F7E, 0x0B, 11, ARR_PIN1_PIN1, "ffffffffffffff" "fffe" "ff" "01"),
	TRANSP("ADF.USIM/EF.PSLOCI", 0x6F73, 0x0C, 14, ARR_PIN1_PIN1,
	       "ffffffff" "ffffff" "ffffff" "fffe" "ff" "01"),
	TRANSP("ADF.USIM/EF.FPLMN", 0x6F7B, 0x0D, 60, ARR_PIN1_PIN1, NULL),
	/* 4.2.15: F0 00 00 per domain: initial START values */
	TRANSP("ADF.USIM/EF.START-HFN", 0x6F5B, 0x0F, 6, ARR_PIN1_PIN1, "f00000f00000"),
	TRANSP("ADF.USIM/EF.THRESHOLD", 0x6F5C, 0x10, 3, ARR_PIN1_ADM, "ffffff"),
	TRANSP("ADF.USIM/EF.OPLMNwAcT", 0x6F61, 0x11, 40, ARR_PIN1_ADM, NULL),
	TRANSP("ADF.USIM/EF.HPPLMN", 0x6F31, 0x12, 1, ARR_PIN1_ADM, "0a"),
	TRANSP("ADF.USIM/EF.HPLMNwAcT", 0x6F62, 0x13, 10, ARR_PIN1_ADM, NULL),
	LINFIX("ADF.USIM/EF.ARR", 0x6F06, 0x17, 0x30, 6, ARR_ALW_ADM, ARR_RECORDS),
	/* 4.2.92: TLV 'A0' security context, empty */
	LINFIX("ADF.USIM/EF.EPSNSC", 0x6FE4, 0x18, 0x36, 1, ARR_PIN1_PIN1, NULL),
	/* 4.2.91: GUTI, last visited TAI, status '01' not updated */
	TRANSP("ADF.USIM/EF.EPSLOCI", 0x6FE3, 0x1E, 18, ARR_PIN1_PIN1,
	       "ffffffffffffffffffffffff" "ffffff0000" "01"),
	TRANSP("ADF.USIM/EF.SPN", 0x6F46, 0x00, 17, ARR_ALW_ADM, NULL),
	LINK("ADF.USIM/EF.MSISDN", 0x6F40, 0x00, "DF.TELECOM/EF.MSISDN"),
	LINK("ADF.USIM/EF.SMS", 0x6F3C, 0x00, "DF.TELECOM/EF.SMS"),
	LINK("ADF.USIM/EF.SMSP", 0x6F42, 0x00, "DF.TELECOM/EF.SMSP"),
	LINK("ADF.USIM/EF.SMSS", 0x6F43, 0x00, "DF.TELECOM/EF.SMSS"),
	LINK("ADF.USIM/EF.FDN", 0x6F3B, 0x00, "DF.TELECOM/EF.FDN"),
	/* 4.2.6: accumulated call meter, INCREASE */
	CYCLIC("ADF.USIM/EF.ACM", 0x6F39, 0x00, 3, 5, ARR_PIN1_PIN1, "000000|000000|000000|000000|000000"),

	/* doc/e2m-profile.md 4: DF.E2M, on cards with an E2M context. EF.E2M_POL:
	 * b1 enabled, b2 home confidentiality, then 8 PLMNs without
	 * confidentiality; EF.E2M_EID: '80' L EID per record */
	{ .path = "ADF.USIM/DF.E2M", .fid = 0x5FE2, .kind = FS_FILE_DF, .arr_rec = ARR_ALW_ADM,
	  .feature = FS_FEATURE_E2M },
	TRANSP("ADF.USIM/DF.E2M/EF.E2M_POL", 0x4F01, 0x00, 25, ARR_PIN1_ADM, "00"),
	LINFIX("ADF.USIM/DF.E2M/EF.E2M_EID", 0x4F02, 0x00, 130, 8, ARR_PIN1_ADM, NULL),

	/* TS 31.102 4.4.11: DF.5GS */
	DF_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS", 0x5FC0),
	TRANSP_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.5GS3GPPLOCI", 0x4F01, 0x01, 20, ARR_PIN1_PIN1),
	TRANSP_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.5GSN3GPPLOCI", 0x4F02, 0x02, 20, ARR_PIN1_PIN1),
	LINFIX_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.5GS3GPPNSC", 0x4F03, 0x03, 57, 1, ARR_PIN1_PIN1),
	LINFIX_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.5GSN3GPPNSC", 0x4F04, 0x04, 57, 1, ARR_PIN1_PIN1),
	TRANSP_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.5GAUTHKEYS", 0x4F05, 0x05, 110, ARR_PIN1_PIN1),
	TRANSP_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.UAC_AIC", 0x4F06, 0x06, 4, ARR_PIN1_ADM),
	TRANSP_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.SUCI_Calc_Info", 0x4F07, 0x07, 128, ARR_PIN1_ADM),
	LINFIX_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.OPL5G", 0x4F08, 0x08, 10, 8, ARR_PIN1_ADM),
	TRANSP_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.SUPI_NAI", 0x4F09, 0x09, 64, ARR_PIN1_ADM),
	TRANSP_OF(FS_FEATURE_5GS, "ADF.USIM/DF.5GS/EF.Routing_Indicator", 0x4F0A, 0x0A, 4, ARR_PIN1_ADM),

	/* TS 31.102 4.4.3: DF.GSM-ACCESS; Kc and CKSN '07' (no key) */
	DF("ADF.USIM/DF.GSM-ACCESS", 0x5F3B),
	TRANSP("ADF.USIM/DF.GSM-ACCESS/EF.Kc", 0x4F20, 0x01, 9, ARR_PIN1_PIN1, "ffffffffffffffff07"),
	TRANSP("ADF.USIM/DF.GSM-ACCESS/EF.KcGPRS", 0x4F52, 0x02, 9, ARR_PIN1_PIN1,
	       "ffffffffffffffff07"),

	/* TS 31.103 4.2: ADF.ISIM */
	{ .path = "ADF.ISIM", .fid = 0x7FF1, .kind = FS_FILE_ADF, .arr_rec = ARR_ALW_ADM,
	  .aid = isim_aid, .aid_len = sizeof(isim_aid), .feature = FS_FEATURE_ISIM },
	TRANSP_OF(FS_FEATURE_ISIM, "ADF.ISIM/EF.IMPI", 0x6F02, 0x02, 64, ARR_PIN1_ADM),
	TRANSP_OF(FS_FEATURE_ISIM, "ADF.ISIM/EF.DOMAIN", 0x6F03, 0x05, 64, ARR_PIN1_ADM),
	LINFIX_OF(FS_FEATURE_ISIM, "ADF.ISIM/EF.IMPU", 0x6F04, 0x04, 64, 2, ARR_PIN1_ADM),
	TRANSP_OF(FS_FEATURE_ISIM, "ADF.ISIM/EF.AD", 0x6FAD, 0x03, 4, ARR_ALW_ADM),
	{ .path = "ADF.ISIM/EF.ARR", .fid = 0x6F06, .sfi = 0x06, .kind = FS_FILE_LINEAR_FIXED,
	  .rec_len = 0x30, .rec_count = 6, .arr_rec = ARR_ALW_ADM, .content = ARR_RECORDS,
	  .feature = FS_FEATURE_ISIM },
	TRANSP_OF(FS_FEATURE_ISIM, "ADF.ISIM/EF.IST", 0x6F07, 0x07, 2, ARR_PIN1_ADM),
	LINFIX_OF(FS_FEATURE_ISIM, "ADF.ISIM/EF.P-CSCF", 0x6F09, 0x00, 64, 2, ARR_PIN1_ADM),

	/* TS 51.011 10.3: DF.GSM, for SIM access (CLA 'A0') */
	DF("DF.GSM", 0x7F20),
	TRANSP("DF.GSM/EF.LP", 0x6F05, 0x00, 4, ARR_ALW_PIN1, "01"),
	LINK("DF.GSM/EF.IMSI", 0x6F07, 0x00, "ADF.USIM/EF.IMSI"),
	LINK("DF.GSM/EF.Kc", 0x6F20, 0x00, "ADF.USIM/DF.GSM-ACCESS/EF.Kc"),
	TRANSP("DF.GSM/EF.PLMNsel", 0x6F30, 0x00, 24, ARR_PIN1_PIN1, NULL),
	LINK("DF.GSM/EF.HPLMN", 0x6F31, 0x00, "ADF.USIM/EF.HPPLMN"),
	/* 10.3.7: services 1 CHV1 disable, 2 ADN, 4 SMS, 7 PLMN selector,
	 * 9 MSISDN, 12 SMSP, 17 SPN: allocated and activated */
	TRANSP("DF.GSM/EF.SST", 0x6F38, 0x00, 5, ARR_PIN1_ADM, "cf30c30003"),
	LINK("DF.GSM/EF.SPN", 0x6F46, 0x00, "ADF.USIM/EF.SPN"),
	TRANSP("DF.GSM/EF.BCCH", 0x6F74, 0x00, 16, ARR_PIN1_PIN1, NULL),
	LINK("DF.GSM/EF.ACC", 0x6F78, 0x00, "ADF.USIM/EF.ACC"),
	LINK("DF.GSM/EF.FPLMN", 0x6F7B, 0x00, "ADF.USIM/EF.FPLMN"),
	LINK("DF.GSM/EF.LOCI", 0x6F7E, 0x00, "ADF.USIM/EF.LOCI"),
	LINK("DF.GSM/EF.AD", 0x6FAD, 0x00, "ADF.USIM/EF.AD"),
	TRANSP("DF.GSM/EF.PHASE", 0x6FAE, 0x00, 1, ARR_ALW_ADM, "03"),
	LINK("DF.GSM/EF.KcGPRS", 0x6F52, 0x00, "ADF.USIM/DF.GSM-ACCESS/EF.KcGPRS"),
	LINK("DF.GSM/EF.LOCIGPRS", 0x6F53, 0x00, "ADF.USIM/EF.PSLOCI"),
	/* 10.3.27: emergency call codes, transparent */
	TRANSP("DF.GSM/EF.ECC", 0x6FB7, 0x00, 6, ARR_ALW_ADM, "11f2ff19f1ff"),
};

const size_t fs_uicc_count = sizeof(fs_uicc) / sizeof(fs_uicc[0]);

const char fs_arr_records[] = ARR_RECORDS;
