/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The card's answer to reset, TS 102 221 6.3 and ISO/IEC 7816-3 8.2. */

#include "usim/card.h"

const uint8_t usim_atr[] = {
	0x3B,			/* TS: direct convention */
	0x9E,			/* T0: TA1 and TD1 follow, 14 historical bytes */
	0x96,			/* TA1: Fi 512, Di 32 */
	0x80,			/* TD1: TD2 follows, T=0 */
	0x1F,			/* TD2: TA3 follows, T=15 (global) */
	0xC7,			/* TA3: clock stop, no preference; classes A, B and C */
	/* historical bytes, ISO/IEC 7816-4 8.1.1 */
	0x80,			/* category: compact-TLV objects follow */
	0x31, 0xE0,		/* card service data: selection by full and partial DF
				 * name; EF.DIR lists the applications */
	0x73, 0xFE, 0x21, 0x1B,	/* card capabilities: all selection methods, short
				 * lengths only, channels assigned by card and by
				 * interface, 4 logical channels */
	0x56, 'E', '2', 'M', 'S', 'I', 'M',	/* card issuer's data */
	0x8D,			/* TCK: XOR of T0 .. last historical byte */
};

const size_t usim_atr_len = sizeof(usim_atr);
