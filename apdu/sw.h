/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Status words, ISO/IEC 7816-4 5.6 and TS 102 221 10.2.1. */
#pragma once

#include <stdint.h>

enum apdu_sw {
	APDU_SW_OK			= 0x9000,
	APDU_SW_OK_PROACTIVE		= 0x9100,	/* 91xx */
	APDU_SW_MORE_DATA		= 0x6100,	/* 61xx */
	APDU_SW_WARN_EOF		= 0x6282,
	APDU_SW_WARN_FILE_INVALIDATED	= 0x6283,
	APDU_SW_VERIFY_FAIL		= 0x63C0,	/* 63Cx */
	APDU_SW_MEMORY_PROBLEM		= 0x6581,
	APDU_SW_WRONG_LENGTH		= 0x6700,
	APDU_SW_CLA_FUNC_NOT_SUPPORTED	= 0x6800,
	APDU_SW_CHANNEL_NOT_SUPPORTED	= 0x6881,
	APDU_SW_SM_NOT_SUPPORTED	= 0x6882,
	APDU_SW_CHAINING_NOT_SUPPORTED	= 0x6884,
	APDU_SW_CMD_INCOMPATIBLE	= 0x6981,
	APDU_SW_SECURITY_NOT_SATISFIED	= 0x6982,
	APDU_SW_AUTH_METHOD_BLOCKED	= 0x6983,
	APDU_SW_REF_DATA_INVALIDATED	= 0x6984,
	APDU_SW_CONDITIONS_NOT_SATISFIED = 0x6985,
	APDU_SW_NO_EF_SELECTED		= 0x6986,
	APDU_SW_WRONG_DATA		= 0x6A80,
	APDU_SW_FUNC_NOT_SUPPORTED	= 0x6A81,
	APDU_SW_FILE_NOT_FOUND		= 0x6A82,
	APDU_SW_RECORD_NOT_FOUND	= 0x6A83,
	APDU_SW_NOT_ENOUGH_MEMORY	= 0x6A84,
	APDU_SW_INCORRECT_P1P2		= 0x6A86,
	APDU_SW_LC_INCONSISTENT_P1P2	= 0x6A87,
	APDU_SW_REF_DATA_NOT_FOUND	= 0x6A88,
	APDU_SW_WRONG_P1P2		= 0x6B00,
	APDU_SW_WRONG_LE		= 0x6C00,	/* 6Cxx */
	APDU_SW_INS_NOT_SUPPORTED	= 0x6D00,
	APDU_SW_CLA_NOT_SUPPORTED	= 0x6E00,
	APDU_SW_TECHNICAL_PROBLEM	= 0x6F00,
	APDU_SW_MAX_VALUE_REACHED	= 0x9850,
	APDU_SW_AUTH_MAC_FAILURE	= 0x9862,
	APDU_SW_AUTH_CONTEXT_NOT_SUPPORTED = 0x9864,
	/* TS 51.011 9.4 (GSM class 'A0') */
	APDU_SW_GSM_MORE_DATA		= 0x9F00,	/* 9Fxx */
	APDU_SW_GSM_NO_EF		= 0x9400,
	APDU_SW_GSM_OUT_OF_RANGE	= 0x9402,
	APDU_SW_GSM_FILE_NOT_FOUND	= 0x9404,
	APDU_SW_GSM_ACCESS_NOT_FULFILLED = 0x9804,
};

/* '61xx', '6Cxx', '63Cx' and '9Fxx' with their count. */
static inline uint16_t apdu_sw_more_data(unsigned int n) { return 0x6100 | (n & 0xff); }
static inline uint16_t apdu_sw_wrong_le(unsigned int n) { return 0x6C00 | (n & 0xff); }
static inline uint16_t apdu_sw_tries_left(unsigned int n) { return 0x63C0 | (n & 0x0f); }
static inline uint16_t apdu_sw_gsm_more_data(unsigned int n) { return 0x9F00 | (n & 0xff); }

/* The name of a status word, for logs; never NULL. */
const char *apdu_sw_name(uint16_t sw);
/* True for the normal-processing and warning classes ('90', '91', '61', '62', '63', '9F'). */
int apdu_sw_is_success(uint16_t sw);
