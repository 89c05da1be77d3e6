/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Status word names, ISO/IEC 7816-4 5.6 and TS 102 221 10.2.1, matched in order
 * with (sw & mask) == code. */

#include <stddef.h>

#include "apdu/sw.h"

struct sw_row {
	uint16_t code;
	uint16_t mask;
	const char *text;
};

static const struct sw_row sw_table[] = {
	/* TS 102 221 10.2.1.1 normal processing */
	{ .code = 0x9000, .mask = 0xffff, .text = "Normal ending of the command" },
	{ .code = 0x9100, .mask = 0xff00, .text = "Normal ending, proactive command pending" },
	{ .code = 0x9200, .mask = 0xff00, .text = "Normal ending, response data for the terminal" },
	/* 10.2.1.2 postponed processing */
	{ .code = 0x9300, .mask = 0xffff, .text = "SIM Application Toolkit is busy" },
	/* 10.2.1.3 warnings */
	{ .code = 0x6100, .mask = 0xff00, .text = "Response data available (GET RESPONSE)" },
	{ .code = 0x6200, .mask = 0xffff, .text = "No information given, state unchanged" },
	{ .code = 0x6281, .mask = 0xffff, .text = "Part of returned data may be corrupted" },
	{ .code = 0x6282, .mask = 0xffff, .text = "End of file/record reached before reading Le bytes" },
	{ .code = 0x6283, .mask = 0xffff, .text = "Selected file invalidated" },
	{ .code = 0x6285, .mask = 0xffff, .text = "Selected file in termination state" },
	{ .code = 0x62F1, .mask = 0xffff, .text = "More data available" },
	{ .code = 0x62F2, .mask = 0xffff, .text = "More data available, proactive command pending" },
	{ .code = 0x62F3, .mask = 0xffff, .text = "Response data available" },
	{ .code = 0x63F1, .mask = 0xffff, .text = "More data expected" },
	{ .code = 0x63F2, .mask = 0xffff, .text = "More data expected, proactive command pending" },
	{ .code = 0x63C0, .mask = 0xfff0, .text = "Verification failed, retries left in SW2 low nibble" },
	/* 10.2.1.4 execution errors */
	{ .code = 0x6400, .mask = 0xffff, .text = "No information given, state unchanged" },
	{ .code = 0x6500, .mask = 0xffff, .text = "No information given, state changed" },
	{ .code = 0x6581, .mask = 0xffff, .text = "Memory problem" },
	/* 10.2.1.5 checking errors */
	{ .code = 0x6700, .mask = 0xffff, .text = "Wrong length" },
	{ .code = 0x6800, .mask = 0xffff, .text = "Function in CLA not supported" },
	{ .code = 0x6881, .mask = 0xffff, .text = "Logical channel not supported" },
	{ .code = 0x6882, .mask = 0xffff, .text = "Secure messaging not supported" },
	{ .code = 0x6884, .mask = 0xffff, .text = "Command chaining not supported" },
	{ .code = 0x6981, .mask = 0xffff, .text = "Command incompatible with file structure" },
	{ .code = 0x6982, .mask = 0xffff, .text = "Security status not satisfied" },
	{ .code = 0x6983, .mask = 0xffff, .text = "Authentication/PIN method blocked" },
	{ .code = 0x6984, .mask = 0xffff, .text = "Referenced data invalidated" },
	{ .code = 0x6985, .mask = 0xffff, .text = "Conditions of use not satisfied" },
	{ .code = 0x6986, .mask = 0xffff, .text = "Command not allowed (no EF selected)" },
	{ .code = 0x6989, .mask = 0xffff, .text = "Command not allowed, secure channel" },
	{ .code = 0x6A80, .mask = 0xffff, .text = "Incorrect parameters in the data field" },
	{ .code = 0x6A81, .mask = 0xffff, .text = "Function not supported" },
	{ .code = 0x6A82, .mask = 0xffff, .text = "File or application not found" },
	{ .code = 0x6A83, .mask = 0xffff, .text = "Record not found" },
	{ .code = 0x6A84, .mask = 0xffff, .text = "Not enough memory space" },
	{ .code = 0x6A86, .mask = 0xffff, .text = "Incorrect parameters P1 to P2" },
	{ .code = 0x6A87, .mask = 0xffff, .text = "Lc inconsistent with P1 to P2" },
	{ .code = 0x6A88, .mask = 0xffff, .text = "Referenced data not found" },
	{ .code = 0x6B00, .mask = 0xffff, .text = "Wrong parameter(s) P1-P2" },
	{ .code = 0x6C00, .mask = 0xff00, .text = "Wrong Le, SW2 gives the exact length" },
	{ .code = 0x6D00, .mask = 0xffff, .text = "Instruction code not supported or invalid" },
	{ .code = 0x6E00, .mask = 0xffff, .text = "Class not supported" },
	{ .code = 0x6F00, .mask = 0xffff, .text = "Technical problem, no precise diagnosis" },
	/* TS 102 221 10.2.1.6, TS 31.102 7.3.1 application errors */
	{ .code = 0x9850, .mask = 0xffff, .text = "INCREASE cannot be performed, max value reached" },
	{ .code = 0x9862, .mask = 0xffff, .text = "Authentication error, incorrect MAC" },
	{ .code = 0x9864, .mask = 0xffff, .text = "Authentication error, security context not supported" },
	{ .code = 0x9865, .mask = 0xffff, .text = "Key freshness failure" },
	/* TS 51.011 9.4 (GSM class) */
	{ .code = 0x9F00, .mask = 0xff00, .text = "Response data available (GSM)" },
	{ .code = 0x9400, .mask = 0xffff, .text = "No EF selected" },
	{ .code = 0x9402, .mask = 0xffff, .text = "Out of range (invalid address)" },
	{ .code = 0x9404, .mask = 0xffff, .text = "File ID not found / pattern not found" },
	{ .code = 0x9408, .mask = 0xffff, .text = "File inconsistent with the command" },
	{ .code = 0x9802, .mask = 0xffff, .text = "No CHV initialised" },
	{ .code = 0x9804, .mask = 0xffff, .text = "Access condition not fulfilled" },
	{ .code = 0x9808, .mask = 0xffff, .text = "In contradiction with CHV status" },
	{ .code = 0x9810, .mask = 0xffff, .text = "In contradiction with invalidation status" },
	{ .code = 0x9840, .mask = 0xffff, .text = "CHV blocked" },
};

const char *apdu_sw_name(uint16_t sw)
{
	for (size_t i = 0; i < sizeof(sw_table) / sizeof(sw_table[0]); i++) {
		if ((sw & sw_table[i].mask) == sw_table[i].code)
			return sw_table[i].text;
	}
	return "Unknown status word";
}

int apdu_sw_is_success(uint16_t sw)
{
	switch (sw >> 8) {
	case 0x90: case 0x91: case 0x92: case 0x61: case 0x62: case 0x63: case 0x9F:
		return 1;
	default:
		return 0;
	}
}
