/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The walk an ME makes over any UICC (TS 102 221, TS 31.102): ATR, EF.DIR,
 * the PIN counters, then every file of the shared file table (fs/fs.h)
 * selected with its FCP and read when the card allows. Nothing is ever
 * written; a PIN is presented only when the card has two tries or more
 * left. The answers are kept for printing, comparing and profiles. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu/transport.h"
#include "fs/fs.h"

#define PROBE_ATR_MAX		33	/* ISO/IEC 7816-3 8.2.1 */
#define PROBE_FCP_MAX		258
#define PROBE_APPS_MAX		8
#define PROBE_STEPS_MAX		256
#define PROBE_LABEL_MAX		80
#define PROBE_REPEAT_MAX	50

/* TS 102 221 11.1.1.4: the FCP fields an ME looks at */
struct probe_fcp {
	bool valid;		/* a '62' template with a '82' descriptor */
	uint8_t fd;		/* file descriptor byte (11.1.1.4.3) */
	bool is_df;
	uint32_t size;		/* '80' file size, EFs */
	uint16_t rec_len;	/* record EFs */
	uint8_t rec_count;
	int sfi;		/* '88': -1 absent, 0 empty, else the SFI */
	uint8_t arr[8];		/* '8B' referenced security attributes */
	size_t arr_len;
	int lcsi;		/* '8A' life cycle status, -1 absent */
};

/* One file of the table as the card showed it. */
struct probe_file {
	int node;		/* in fs_get() */
	bool walked;		/* selected at all (its ADF exists) */
	uint16_t select_sw;	/* of the file, or of the DF on its path that failed */
	uint8_t fcp_raw[PROBE_FCP_MAX];
	size_t fcp_len;
	struct probe_fcp fcp;
	uint16_t read_sw;	/* 0: not read (a DF, or not found) */
	uint8_t *data;		/* the contents read: records back to back */
	size_t len;
	unsigned int records;
	double select_us, read_us;	/* medians */
};

/* Any other command: PIN status, AUTHENTICATE, a script's lines. */
struct probe_step {
	char label[PROBE_LABEL_MAX];
	uint16_t sw;
	uint8_t *data;
	size_t len;
	double us;
};

/* An application of EF.DIR (TS 102 221 13.1) */
struct probe_app {
	uint8_t aid[16];
	size_t aid_len;
	char label[33];
};

struct probe_card {
	uint8_t atr[PROBE_ATR_MAX];
	size_t atr_len;
	unsigned int n_apps;
	struct probe_app apps[PROBE_APPS_MAX];
	int usim_app, isim_app;		/* index into apps, -1 none */
	int pin1_tries, adm1_tries;	/* from '63Cx', -1 unknown */
	bool pin1_verified, adm1_verified;
	bool pin1_disabled;		/* '9000' to VERIFY without data after reset */
	size_t n_files;
	struct probe_file *files;	/* one per node of fs_get() */
	size_t n_steps;
	struct probe_step steps[PROBE_STEPS_MAX];
	unsigned int n_commands;
};

struct probe_options {
	const char *pin1;		/* digits, or NULL */
	const char *adm1;		/* 8 digits or 16 hex digits, or NULL */
	unsigned int repeat;		/* runs of each SELECT/READ for the median, >= 1 */
	bool authenticate;		/* AUTHENTICATE 3G with rand/autn */
	uint8_t rand[16], autn[16];
	const char *script;		/* APDU script (tests/scripts/ format), or NULL */
};

/*! Walk the card behind t into c (zeroed first). Returns 0, or -1 with one
 *  line in err when the card cannot be walked at all (no answer, an answer
 *  that is no R-APDU, no MF). */
int probe_walk(struct apdu_transport *t, const struct probe_options *o, struct probe_card *c,
	       char *err, size_t errlen);

/*! Free what probe_walk() allocated. */
void probe_card_free(struct probe_card *c);

/*! Parse an FCP template ('62', TS 102 221 11.1.1.3) into f. 0 or -1. */
int probe_fcp_parse(struct probe_fcp *f, const uint8_t *fcp, size_t len);

/*! The file of c at a table path, or NULL. */
const struct probe_file *probe_card_file(const struct probe_card *c, const char *path);
