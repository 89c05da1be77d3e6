/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-probe: walk any card in a PC/SC reader as an ME does (probe/walk.c)
 * and print what it showed, as text or JSON, or write it as an e2msim
 * profile without keys. Never writes to the card. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/cli.h"
#include "probe/report.h"

#define PROG "e2msim-probe"

enum { OPT_JSON = 0x200, OPT_PROFILE_OUT };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " READER [--pin1 PIN] [--adm1 KEY] [--json] [--profile-out FILE]\n"
		"Walks the card in READER (index or part of its name) as a phone does: ATR,\n"
		"EF.DIR, PIN counters, every file of TS 102 221 / TS 31.102 that the card has,\n"
		"with its FCP and, where allowed, its contents. Nothing is written; a PIN is\n"
		"presented only with two tries or more left, and at most once.\n\n"
		"  --pin1 PIN          PIN1 (4 to 8 digits), to read the PIN1 files\n"
		"  --adm1 KEY          ADM1 (8 digits or 16 hex digits), to read ADM files\n"
		"  --json              print the walk as JSON\n"
		"  --profile-out FILE  write an e2msim profile (no keys) of what was read\n"
		"  --timeout SECONDS   give up on a card that does not answer (default 120)\n"
		"  --verbose           log the PC/SC exchanges\n"
		"  --help              this text\n"
		"Exit status: 0 walked, 2 on an error (one line on stderr).\n");
}

static int write_profile(const struct probe_card *c, const char *pin1, const char *path)
{
	char err[160];
	json_t *p = probe_profile_json(c, pin1, err, sizeof(err));

	if (!p) {
		fprintf(stderr, PROG ": --profile-out: %s\n", err);
		return -1;
	}
	if (json_dump_file(p, path, JSON_INDENT(2) | JSON_SORT_KEYS) < 0) {
		fprintf(stderr, PROG ": --profile-out: cannot write %s\n", path);
		json_decref(p);
		return -1;
	}
	json_decref(p);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin1", required_argument, NULL, PROBE_OPT_PIN1 },
		{ "adm1", required_argument, NULL, PROBE_OPT_ADM1 },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "profile-out", required_argument, NULL, OPT_PROFILE_OUT },
		{ "timeout", required_argument, NULL, PROBE_OPT_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct probe_cli cli = { .walk.repeat = 1, .timeout = 120, .verbose = -1 };
	static struct probe_card card;
	const char *profile_out = NULL;
	bool json = false;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (probe_cli_option(PROG, c, optarg, &cli)) {
		case 1:
			continue;
		case -1:
			return 2;
		}
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_PROFILE_OUT:
			profile_out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	probe_cli_start(PROG, &cli);
	if (probe_cli_walk(PROG, argv[optind], &cli.walk, &card) < 0) {
		probe_card_free(&card);
		return 2;
	}
	if (json) {
		json_t *j = probe_card_json(&card);
		if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) < 0)
			rc = 2;
		printf("\n");
		json_decref(j);
	} else {
		probe_card_print(stdout, &card);
	}
	if (profile_out && write_profile(&card, cli.walk.pin1, profile_out) < 0)
		rc = 2;
	probe_card_free(&card);
	return rc;
}
