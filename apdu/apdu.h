/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command and response APDUs, ISO/IEC 7816-3 clause 12.1 and 7816-4 clause 5. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest C-APDU we accept: extended header, Lc, 65535 data octets, Le. */
#define APDU_CMD_MAX (4 + 3 + 65535 + 2)
/* Largest R-APDU we build: 65536 data octets and SW1 SW2. */
#define APDU_RSP_MAX (65536 + 2)

/* Command-response pair cases (ISO/IEC 7816-3 12.1.2), as a bit mask so that a
 * command table row can allow several. */
enum apdu_case {
	APDU_C1 = 1 << 0,	/* no data, no Le */
	APDU_C2 = 1 << 1,	/* Le only */
	APDU_C3 = 1 << 2,	/* Lc and data */
	APDU_C4 = 1 << 3,	/* Lc, data and Le */
};

/* A parsed C-APDU. data points into the buffer it was parsed from. */
struct apdu_cmd {
	uint8_t cla, ins, p1, p2;
	uint16_t nc;		/* Nc: length of the data field */
	uint32_t ne;		/* Ne: 0 when absent, 1..65536 otherwise */
	bool extended;		/* lengths were coded in extended form */
	enum apdu_case form;	/* the case the octets have on their own */
	const uint8_t *data;	/* Nc octets, NULL when nc == 0 */
};

/* Caller-owned response storage: the data field and the status word. */
struct apdu_rsp {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint16_t sw;
};

int apdu_cmd_parse(struct apdu_cmd *cmd, const uint8_t *buf, size_t len);
int apdu_cmd_fit_case(struct apdu_cmd *cmd, unsigned int allowed_cases);
size_t apdu_cmd_encode(const struct apdu_cmd *cmd, uint8_t *out, size_t cap);
int apdu_rsp_append(struct apdu_rsp *rsp, const uint8_t *data, size_t len);
size_t apdu_rsp_encode(const struct apdu_rsp *rsp, uint8_t *out, size_t cap);

/* Logical channel number coded in CLA (TS 102 221 10.1.1), or -1 when CLA is
 * not of an interindustry or UICC proprietary class. */
int apdu_cla_channel(uint8_t cla);
