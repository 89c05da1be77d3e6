/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line that e2msim-probe and e2msim-compare share. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/talloc.h>

#include "apdu/pcsc.h"
#include "common/log.h"
#include "common/hex.h"
#include "common/num.h"
#include "probe/cli.h"

static const char *watchdog_prog;
static const char *watchdog_reader = "?";	/* the reader being walked */
static unsigned int watchdog_seconds;

static void on_alarm(int sig)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%s: reader %s: the card does not answer (no end after %u s)\n",
			 watchdog_prog, watchdog_reader, watchdog_seconds);

	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		_exit(2);
	_exit(2);
}

void probe_cli_start(const char *prog, const struct probe_cli *cli)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	common_log_init(talloc_named_const(NULL, 0, prog), cli->verbose);
	watchdog_prog = prog;
	watchdog_seconds = cli->timeout;
	sigaction(SIGALRM, &sa, NULL);
	alarm(cli->timeout);
}

static int hex16(const char *prog, const char *name, const char *arg, uint8_t out[16])
{
	if (strlen(arg) != 32 || common_hex_decode(arg, 32, out, 16) != 16) {
		fprintf(stderr, "%s: --%s: expected 32 hex digits\n", prog, name);
		return -1;
	}
	return 0;
}

int probe_cli_option(const char *prog, int c, const char *arg, struct probe_cli *cli)
{
	struct probe_options *o = &cli->walk;
	uint64_t n;

	switch (c) {
	case PROBE_OPT_TIMEOUT:
		if (common_parse_uint(arg, 1, 86400, &n) < 0) {
			fprintf(stderr, "%s: --timeout: expected 1 to 86400 seconds\n", prog);
			return -1;
		}
		cli->timeout = (unsigned int)n;
		return 1;
	case 'v':
		cli->verbose = 1;
		return 1;
	case PROBE_OPT_PIN1:
		o->pin1 = arg;
		return 1;
	case PROBE_OPT_ADM1:
		o->adm1 = arg;
		return 1;
	case PROBE_OPT_RAND:
		o->authenticate = true;
		return hex16(prog, "rand", arg, o->rand) < 0 ? -1 : 1;
	case PROBE_OPT_AUTN:
		o->authenticate = true;
		return hex16(prog, "autn", arg, o->autn) < 0 ? -1 : 1;
	case PROBE_OPT_SCRIPT:
		o->script = arg;
		return 1;
	case PROBE_OPT_REPEAT:
		if (common_parse_uint(arg, 1, PROBE_REPEAT_MAX, &n) < 0) {
			fprintf(stderr, "%s: --repeat: expected 1 to %d\n", prog, PROBE_REPEAT_MAX);
			return -1;
		}
		o->repeat = (unsigned int)n;
		return 1;
	default:
		return 0;
	}
}

int probe_cli_walk(const char *prog, const char *reader, const struct probe_options *o,
		   struct probe_card *c)
{
	struct apdu_transport t;
	char err[256], why[160];
	int rc;

	watchdog_reader = reader;
	rc = apdu_pcsc_open(&t, reader);

	if (rc < 0) {
		fprintf(stderr, "%s: reader %s: %s\n", prog, reader,
			apdu_pcsc_open_strerror(rc, why, sizeof(why)));
		return -1;
	}
	rc = probe_walk(&t, o, c, err, sizeof(err));
	apdu_transport_close(&t);
	if (rc < 0) {
		fprintf(stderr, "%s: reader %s: %s\n", prog, reader, err);
		return -1;
	}
	return 0;
}
