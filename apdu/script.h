/* SPDX-License-Identifier: GPL-2.0-or-later */
/* APDU scripts (the .apdu files of tests/scripts/): one "C-APDU -> R-APDU" in hex per
 * line (blanks allowed), "# comment", "@reset" (card reset), "@profile
 * NAME" (for the runner that starts the card). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define APDU_SCRIPT_LINE_MAX 4096

enum apdu_script_kind {
	APDU_SCRIPT_EXCHANGE,	/* a C-APDU and its expected R-APDU */
	APDU_SCRIPT_RESET,	/* "@reset" */
	APDU_SCRIPT_PROFILE,	/* "@profile NAME": the card the script wants */
	APDU_SCRIPT_TEXT,	/* a comment or a blank line */
};

struct apdu_script {
	FILE *f;
	const char *path;
	unsigned int lineno;
	char *err;
	size_t errlen;
	char buf[APDU_SCRIPT_LINE_MAX];
};

struct apdu_script_line {
	enum apdu_script_kind kind;
	unsigned int lineno;
	size_t clen;		/* octets of the C-APDU */
	int rlen;		/* octets of the expected R-APDU, -1 when not given */
	const char *text;	/* the line without its end of line, until the next call */
	const char *name;	/* APDU_SCRIPT_PROFILE: its NAME, until the next call */
};

/*! Open a script. 0, or -1 with "PATH: why" in err. */
int apdu_script_open(struct apdu_script *s, const char *path, char *err, size_t errlen);

/*! The next line: an exchange (the C-APDU into c[ccap], the expected
 *  R-APDU, when r is given, into r[rcap]), a reset, a profile or text. 1 for a line,
 *  0 at the end, -1 with "PATH:LINE: why" in err on a malformed line. */
int apdu_script_next(struct apdu_script *s, struct apdu_script_line *line, uint8_t *c, size_t ccap,
		     uint8_t *r, size_t rcap);

void apdu_script_close(struct apdu_script *s);
