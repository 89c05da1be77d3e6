/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AT+CSIM coding: the command line that carries a C-APDU to the card in a
 * modem, and the parser of the modem's answer. Pure: text in, octets out,
 * no I/O, no log (the tty transport is apdu/atcsim_tty.c).
 *
 *   -> AT+CSIM=<length>,"<command>"<CR>       TS 27.007 8.17; <length> counts
 *   <- <CR><LF>+CSIM: <length>,"<response>"<CR><LF>   the hex characters,
 *   <- <CR><LF>OK<CR><LF>                             not the octets
 *
 * or a final result code of failure: ERROR (V.250 5.7.1) or +CME ERROR: <err>
 * (TS 27.007 9.2, numeric after AT+CMEE=1 or verbose after AT+CMEE=2).
 * Between the command and its final result code the modem may send
 * unsolicited result codes (+CREG: ..., RING, ...) and, with echo on, the
 * command itself: skipped. Replies are expected in verbose form (ATV1, the
 * default). */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apdu/atcsim.h"
#include "common/hex.h"

/* Digits we read in a <length> or numeric <err> field. */
#define ATCSIM_NUM_DIGITS	6
/* The CME code we report for a verbose text not in our table. */
#define ATCSIM_CME_UNKNOWN	100

/* TS 27.007 9.2.1: the general +CME ERROR codes that concern a SIM, their
 * verbose texts, and the errno we answer each with. */
struct cme_row {
	int code;
	int err;
	const char *text;
};

static const struct cme_row cme_table[] = {
	{ .code = 0, .err = EIO, .text = "phone failure" },
	{ .code = 1, .err = ENOLINK, .text = "no connection to phone" },
	{ .code = 2, .err = EBUSY, .text = "phone-adaptor link reserved" },
	{ .code = 3, .err = EPERM, .text = "operation not allowed" },
	{ .code = 4, .err = ENOTSUP, .text = "operation not supported" },
	{ .code = 5, .err = EACCES, .text = "PH-SIM PIN required" },
	{ .code = 10, .err = ENODEV, .text = "SIM not inserted" },
	{ .code = 11, .err = EACCES, .text = "SIM PIN required" },
	{ .code = 12, .err = EACCES, .text = "SIM PUK required" },
	{ .code = 13, .err = EIO, .text = "SIM failure" },
	{ .code = 14, .err = EBUSY, .text = "SIM busy" },
	{ .code = 15, .err = EMEDIUMTYPE, .text = "SIM wrong" },
	{ .code = 16, .err = EACCES, .text = "incorrect password" },
	{ .code = 17, .err = EACCES, .text = "SIM PIN2 required" },
	{ .code = 18, .err = EACCES, .text = "SIM PUK2 required" },
	{ .code = 50, .err = EINVAL, .text = "incorrect parameters" },
	{ .code = 100, .err = EIO, .text = "unknown" },
};

static const struct cme_row *cme_by_code(int code)
{
	for (size_t i = 0; i < sizeof(cme_table) / sizeof(cme_table[0]); i++) {
		if (cme_table[i].code == code)
			return &cme_table[i];
	}
	return NULL;
}

const char *apdu_atcsim_cme_name(int cme)
{
	const struct cme_row *row = cme_by_code(cme);
	return row ? row->text : NULL;
}

/* ---- the answer: lines of NUL-terminated text ---- */

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && !strncasecmp(s, prefix, n);
}

/* The line s[0..len) without trailing blanks. */
static size_t trim_end(const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len;
}

enum apdu_atcsim_line apdu_atcsim_line_kind(const char *s, size_t len)
{
	len = trim_end(s, len);
	if (len == 2 && !strncmp(s, "OK", 2))
		return APDU_ATCSIM_LINE_OK;
	if (len == 5 && !strncmp(s, "ERROR", 5))
		return APDU_ATCSIM_LINE_ERROR;
	if (has_prefix(s, len, "+CME ERROR:"))
		return APDU_ATCSIM_LINE_CME;
	if (has_prefix(s, len, "+CSIM:"))
		return APDU_ATCSIM_LINE_CSIM;
	return APDU_ATCSIM_LINE_OTHER;
}

/* Up to ATCSIM_NUM_DIGITS decimal digits at *pos; -1 when none or too many. */
static long parse_num(const char **pos, const char *end)
{
	long v = 0;
	int digits = 0;

	while (*pos < end && **pos >= '0' && **pos <= '9') {
		if (++digits > ATCSIM_NUM_DIGITS)
			return -1;
		v = v * 10 + (**pos - '0');
		(*pos)++;
	}
	return digits ? v : -1;
}

static void skip_blanks(const char **pos, const char *end)
{
	while (*pos < end && (**pos == ' ' || **pos == '\t'))
		(*pos)++;
}

/* +CSIM: <length>,"<response>" (TS 27.007 8.17): <length> is the number of
 * hex characters of <response>, which holds data || SW1 SW2. */
static int parse_csim(const char *s, size_t len, uint8_t *rapdu, size_t cap, size_t *out)
{
	const char *pos = s + strlen("+CSIM:"), *end = s + trim_end(s, len);
	const char *hex;
	size_t nhex;
	long length;

	skip_blanks(&pos, end);
	length = parse_num(&pos, end);
	if (length < 0)
		return -EPROTO;
	if (pos >= end || *pos != ',')
		return -EPROTO;
	pos++;
	skip_blanks(&pos, end);
	if (pos >= end || *pos != '"')
		return -EPROTO;
	hex = ++pos;
	while (pos < end && *pos != '"') {
		if (common_hex_nibble(*pos) < 0)
			return -EPROTO;
		pos++;
	}
	if (pos >= end)
		return -EPROTO;		/* no closing quote */
	nhex = (size_t)(pos - hex);
	if (++pos != end)
		return -EPROTO;		/* something after the closing quote */
	if ((size_t)length != nhex || nhex % 2 || nhex < 4)
		return -EPROTO;
	if (nhex / 2 > cap)
		return -ENOBUFS;
	if (common_hex_decode(hex, nhex, rapdu, cap) != (int)(nhex / 2))
		return -EPROTO;
	*out = nhex / 2;
	return 0;
}

/* +CME ERROR: <err>, numeric or verbose (TS 27.007 9.2). A text or number
 * we do not know is reported as it is by the caller's log, and as 100. */
static int parse_cme(const char *s, size_t len, int *cme)
{
	const char *pos = s + strlen("+CME ERROR:"), *end = s + trim_end(s, len);
	const char *start;
	const struct cme_row *row = NULL;
	int code = ATCSIM_CME_UNKNOWN;

	skip_blanks(&pos, end);
	start = pos;
	if (pos < end && *pos >= '0' && *pos <= '9') {
		long v = parse_num(&pos, end);
		if (v >= 0 && pos == end)
			code = (int)v;
		row = cme_by_code(code);
	} else {
		for (size_t i = 0; i < sizeof(cme_table) / sizeof(cme_table[0]); i++) {
			size_t n = strlen(cme_table[i].text);
			if ((size_t)(end - start) == n && !strncasecmp(start, cme_table[i].text, n)) {
				row = &cme_table[i];
				code = row->code;
				break;
			}
		}
	}
	if (cme)
		*cme = code;
	return row ? -row->err : -EIO;
}

int apdu_atcsim_parse(const char *text, uint8_t *rapdu, size_t cap, size_t *len, int *cme)
{
	const char *pos = text, *end = text + strlen(text);
	int csim = -EPROTO;	/* the verdict on the +CSIM line: none yet */
	bool seen_csim = false;
	size_t n = 0;

	if (cme)
		*cme = -1;
	*len = 0;
	while (pos < end) {
		const char *eol = pos;
		size_t ll;

		while (eol < end && *eol != '\r' && *eol != '\n')
			eol++;
		ll = (size_t)(eol - pos);
		switch (apdu_atcsim_line_kind(pos, ll)) {
		case APDU_ATCSIM_LINE_CSIM:
			/* two answers to one command: believe neither */
			csim = seen_csim ? -EPROTO : parse_csim(pos, ll, rapdu, cap, &n);
			seen_csim = true;
			break;
		case APDU_ATCSIM_LINE_OK:
			if (csim == 0)
				*len = n;
			return csim;
		case APDU_ATCSIM_LINE_ERROR:
			return -EIO;
		case APDU_ATCSIM_LINE_CME:
			return parse_cme(pos, ll, cme);
		case APDU_ATCSIM_LINE_OTHER:
			break;
		}
		pos = eol < end ? eol + 1 : end;
	}
	return -EAGAIN;
}

/* ---- the command ---- */

int apdu_atcsim_build(char *out, size_t cap, const uint8_t *capdu, size_t clen)
{
	static const char digits[] = "0123456789ABCDEF";
	int n;

	if (!clen || clen > APDU_CMD_MAX)
		return -EINVAL;
	/* TS 27.007 8.17: <length> counts the hex characters, 2 per octet */
	n = snprintf(out, cap, "AT+CSIM=%zu,\"", 2 * clen);
	if (n < 0)
		return -EINVAL;
	/* the hex, '"', <CR> and the NUL */
	if ((size_t)n >= cap || cap - (size_t)n < 2 * clen + 3)
		return -ENOBUFS;
	for (size_t i = 0; i < clen; i++) {
		out[n++] = digits[capdu[i] >> 4];
		out[n++] = digits[capdu[i] & 0xf];
	}
	out[n++] = '"';
	out[n++] = '\r';	/* S3, V.250 5.2.1 */
	out[n] = '\0';
	return n;
}
