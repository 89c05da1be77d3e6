/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What e2msim-probe and e2msim-compare share on the command line: the
 * options of the walk, the reader's opening and the watchdog. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "apdu/transport.h"
#include "probe/walk.h"

/* The options both programs take */
struct probe_cli {
	struct probe_options walk;
	unsigned int timeout;	/* seconds for the whole run */
	int verbose;		/* common_log_init()'s level */
};

/*! Take the shared option of getopt code c (argument arg) into cli; 1 when
 *  it was one, 0 when not, -1 after a message on stderr. */
int probe_cli_option(const char *prog, int c, const char *arg, struct probe_cli *cli);

/*! Logging on, and a watchdog: exit 2 with one line on stderr when the run
 *  takes more than cli->timeout seconds (a card that never answers). */
void probe_cli_start(const char *prog, const struct probe_cli *cli);

/*! Open and walk the card in reader: 0, or -1 after one line on stderr. */
int probe_cli_walk(const char *prog, const char *reader, const struct probe_options *o,
		   struct probe_card *c);

/* getopt codes of the walk's options */
enum probe_cli_opt {
	PROBE_OPT_PIN1 = 0x100,
	PROBE_OPT_ADM1,
	PROBE_OPT_RAND,
	PROBE_OPT_AUTN,
	PROBE_OPT_SCRIPT,
	PROBE_OPT_REPEAT,
	PROBE_OPT_TIMEOUT,
};
