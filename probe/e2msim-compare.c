/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-compare: the same ME walk (probe/walk.c), AUTHENTICATE and APDU
 * script on two cards, and every difference between their answers. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/cli.h"
#include "probe/report.h"

#define PROG "e2msim-compare"

enum { OPT_JSON = 0x200, OPT_MAX_RATIO, OPT_TIMING };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " READER_A READER_B [--script FILE] [--json]\n"
		"Runs the same phone's walk (as e2msim-probe) on the cards in both readers, then\n"
		"AUTHENTICATE and the script when given, and prints every difference: ATR, status\n"
		"words, FCP fields, contents, answers, and timing (median of --repeat runs).\n\n"
		"  --pin1 PIN          PIN1 of both cards\n"
		"  --adm1 KEY          ADM1 of both cards (8 digits or 16 hex digits)\n"
		"  --rand HEX          RAND (32 hex digits): AUTHENTICATE 3G on both cards\n"
		"  --autn HEX          AUTN (32 hex digits) of that AUTHENTICATE\n"
		"  --script FILE       APDU script (tests/scripts/ format) run on both cards\n"
		"  --repeat N          runs of each SELECT and READ for the timing (default 5)\n"
		"  --timing            print the timing of every command of both cards\n"
		"  --max-ratio R       a median slower than R times the other's is a difference\n"
		"  --json              print the differences (and timing) as JSON\n"
		"  --timeout SECONDS   give up on a card that does not answer (default 300)\n"
		"  --verbose           log the PC/SC exchanges\n"
		"  --help              this text\n"
		"Exit status: 0 no difference, 1 differences, 2 on an error.\n");
}

static void print_json(const struct probe_diffs *d, const struct probe_card *a,
		       const struct probe_card *b, bool timing)
{
	json_t *o = json_object(), *list = json_array();

	for (size_t i = 0; i < d->count; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "what", json_string(d->list[i].what));
		json_object_set_new(x, "field", json_string(d->list[i].field));
		json_object_set_new(x, "a", json_string(d->list[i].a));
		json_object_set_new(x, "b", json_string(d->list[i].b));
		json_array_append_new(list, x);
	}
	json_object_set_new(o, "differences", list);
	if (timing)
		json_object_set_new(o, "timing", probe_timing_json(a, b));
	json_dumpf(o, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(o);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin1", required_argument, NULL, PROBE_OPT_PIN1 },
		{ "adm1", required_argument, NULL, PROBE_OPT_ADM1 },
		{ "rand", required_argument, NULL, PROBE_OPT_RAND },
		{ "autn", required_argument, NULL, PROBE_OPT_AUTN },
		{ "script", required_argument, NULL, PROBE_OPT_SCRIPT },
		{ "repeat", required_argument, NULL, PROBE_OPT_REPEAT },
		{ "timing", no_argument, NULL, OPT_TIMING },
		{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "timeout", required_argument, NULL, PROBE_OPT_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct probe_cli cli = { .walk.repeat = 5, .timeout = 300, .verbose = -1 };
	static struct probe_card a, b;
	struct probe_diffs d;
	bool json = false, timing = false, have_rand = false, have_autn = false;
	int c, rc;
	double max_ratio = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		have_rand |= c == PROBE_OPT_RAND;
		have_autn |= c == PROBE_OPT_AUTN;
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
		case OPT_TIMING:
			timing = true;
			break;
		case OPT_MAX_RATIO:
			max_ratio = strtod(optarg, &end);
			if (*end || !(max_ratio >= 1.0)) {
				fprintf(stderr, PROG ": --max-ratio: expected a number of 1 or more\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 2) {
		usage(stderr);
		return 2;
	}
	if (have_rand != have_autn) {
		fprintf(stderr, PROG ": --rand and --autn go together\n");
		return 2;
	}
	probe_cli_start(PROG, &cli);
	if (probe_cli_walk(PROG, argv[optind], &cli.walk, &a) < 0 ||
	    probe_cli_walk(PROG, argv[optind + 1], &cli.walk, &b) < 0) {
		probe_card_free(&a);
		probe_card_free(&b);
		return 2;
	}
	if (probe_diff(&a, &b, max_ratio, &d) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = 2;
	} else {
		rc = d.count ? 1 : 0;
		if (json) {
			print_json(&d, &a, &b, timing);
		} else {
			for (size_t i = 0; i < d.count; i++)
				printf("%s: %s: A %s, B %s\n", d.list[i].what, d.list[i].field, d.list[i].a,
				       d.list[i].b);
			if (timing)
				probe_timing_print(stdout, &a, &b);
			printf("%zu difference%s\n", d.count, d.count == 1 ? "" : "s");
		}
	}
	probe_diffs_free(&d);
	probe_card_free(&a);
	probe_card_free(&b);
	return rc;
}
