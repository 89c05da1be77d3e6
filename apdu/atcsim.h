/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A card behind a modem: raw APDUs through AT+CSIM on its serial port
 * (3GPP TS 27.007 8.17), the modem's error reports per TS 27.007 9.2.
 * Two parts: the coding of the command and of the answer (apdu/atcsim.c,
 * pure), and the transport over the modem's tty (apdu/atcsim_tty.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/transport.h"

/* ---- the coding (apdu/atcsim.c): no I/O ---- */

/* The longest answer line kept: +CSIM: <length>,"<hex of the largest R-APDU>". */
#define APDU_ATCSIM_LINE_MAX	(2 * APDU_RSP_MAX + 64)
/* AT+CSIM=<length>,"<hex of the largest C-APDU>"<CR> and a NUL. */
#define APDU_ATCSIM_CMD_MAX	(2 * APDU_CMD_MAX + 32)

/* The kinds of line a modem answers with (TS 27.007 8.17, 9.2; V.250 5.7.1). */
enum apdu_atcsim_line {
	APDU_ATCSIM_LINE_OTHER,		/* URC, echo, blank: skipped */
	APDU_ATCSIM_LINE_CSIM,		/* +CSIM: ... */
	APDU_ATCSIM_LINE_OK,		/* final: success */
	APDU_ATCSIM_LINE_ERROR,		/* final: ERROR */
	APDU_ATCSIM_LINE_CME,		/* final: +CME ERROR: ... */
};

/*! The kind of the line s[0..len), without its line end (trailing blanks
 *  ignored). */
enum apdu_atcsim_line apdu_atcsim_line_kind(const char *s, size_t len);

/*! Write AT+CSIM=<length>,"<hex of capdu>"<CR> (TS 27.007 8.17; <length>
 *  counts the hex digits, written in upper case) and a NUL into
 *  out[0..cap); APDU_ATCSIM_CMD_MAX is always enough. Returns the length of
 *  the line, <CR> included, NUL not; -EINVAL when clen is 0 or more than
 *  APDU_CMD_MAX; -ENOBUFS when cap is too small. */
int apdu_atcsim_build(char *out, size_t cap, const uint8_t *capdu, size_t clen);

/*! Parse the lines a modem sent after AT+CSIM, up to the first final result
 *  code, CR and/or LF separated. Echoed command lines and unsolicited result
 *  codes (any line other than +CSIM and the final result codes) are skipped.
 *  On "+CSIM: <length>,"<hex>"" then OK: the R-APDU (data || SW1 SW2, at
 *  least 2 octets) into rapdu[0..cap), its length in *len, returns 0.
 *  Otherwise: -EAGAIN no final result code yet; -EPROTO a malformed or
 *  missing +CSIM line (odd or non-hex digits, length field not matching,
 *  quotes missing, no SW); -ENOBUFS more than cap octets; "ERROR": -EIO;
 *  "+CME ERROR: <n>" (numeric or verbose): the errno of the code (see
 *  apdu_atcsim_cme_name) with the code in *cme, 100 for a text not in our
 *  table. *cme is -1 unless a +CME ERROR was parsed; cme may be NULL. On
 *  failure *len is 0 and nothing is promised about rapdu. */
int apdu_atcsim_parse(const char *text, uint8_t *rapdu, size_t cap, size_t *len, int *cme);

/*! The TS 27.007 9.2 text of a +CME ERROR code, or NULL when not in our table. */
const char *apdu_atcsim_cme_name(int cme);

/* ---- the transport over a tty (apdu/atcsim_tty.c) ---- */

/* Defaults for apdu_atcsim_open() when baud or timeout_ms is 0. */
#define APDU_ATCSIM_BAUD_DEFAULT	115200
#define APDU_ATCSIM_TIMEOUT_DEFAULT	5000

/*! Open the modem on tty (raw, 8N1, no flow control; a pseudo-terminal works
 *  too), switch its echo off with ATE0 (an OK is required), ask for numeric
 *  +CME ERROR codes with AT+CMEE=1 (refusal tolerated) and make t a
 *  transport over AT+CSIM. baud 0: 115200; timeout_ms 0: 5000, the wait for
 *  the final result code of each AT command (no answer: -ETIMEDOUT).
 *  The atr op answers -ENOTSUP (AT+CSIM has no way to fetch the ATR; the
 *  caller presents its own). The reset op answers -ENOTSUP (the only reset a
 *  modem offers, AT+CFUN=1,1, restarts the whole modem).
 *  Returns 0 or a negative errno. */
int apdu_atcsim_open(struct apdu_transport *t, const char *tty, unsigned int baud,
		     unsigned int timeout_ms);

/*! Whether apdu_atcsim_open() can set the line to baud (1200 to 921600,
 *  the standard rates). */
bool apdu_atcsim_baud_supported(unsigned int baud);

/*! Whether tty can be a modem's serial port, checked before use: 0 (a
 *  terminal), -ENOENT (absent now: a modem may be plugged in later),
 *  -EISDIR, -ENOTTY (a file, or a device that is no terminal), or another
 *  negative errno of stat() or open(). The port is opened (no controlling
 *  terminal, non-blocking) only to ask isatty() and closed at once: nothing
 *  is written, nothing is logged (the caller reports). */
int apdu_atcsim_check_tty(const char *tty);

/*! The +CME ERROR code of the last exchange on an AT+CSIM transport, or -1. */
int apdu_atcsim_last_cme(const struct apdu_transport *t);
