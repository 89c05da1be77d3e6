/* SPDX-License-Identifier: GPL-2.0-or-later */
/* atcsim-client: send APDUs to the card behind a modem through apdu/atcsim.c
 * and apdu_transceive() (GET RESPONSE on '61xx', re-issue on '6Cxx'); one
 * line 'DATA SW' per APDU. For tests/integration/test_atcsim.sh. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "apdu/atcsim.h"
#include "common/hex.h"
#include "common/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: atcsim-client [options] TTY APDU...\n"
		"  -t, --timeout MS   wait for each final result code (default 5000)\n"
		"  -b, --baud N       line speed (default 115200)\n"
		"      --atr          ask the transport for the ATR first\n"
		"  -v, --verbose      log the AT traffic (-vv)\n"
		"  -h, --help         this text\n"
		"Exit status: 0, 1 when an APDU failed, 2 on usage errors.\n");
}

static int send_one(struct apdu_transport *t, const char *hex)
{
	static uint8_t capdu[APDU_CMD_MAX], rbuf[APDU_RSP_MAX];
	char compact[1024];	/* short APDUs */
	struct apdu_rsp rsp = { .buf = rbuf, .cap = sizeof(rbuf) };
	struct apdu_cmd cmd;
	size_t n = 0;
	int len, rc;

	for (; *hex && n + 1 < sizeof(compact); hex++) {
		if (*hex != ' ')
			compact[n++] = *hex;
	}
	len = *hex ? -1 : common_hex_decode(compact, n, capdu, sizeof(capdu));
	if (len < 4 || apdu_cmd_parse(&cmd, capdu, (size_t)len)) {
		fprintf(stderr, "atcsim-client: not an APDU\n");
		return -EINVAL;
	}
	rc = apdu_transceive(t, &cmd, &rsp);
	if (rc == 0)
		printf("%s%s%04X\n", osmo_hexdump_nospc(rsp.buf, rsp.len), rsp.len ? " " : "", rsp.sw);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "baud", required_argument, NULL, 'b' },
		{ "atr", no_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	void *ctx = talloc_named_const(NULL, 0, "atcsim-client");
	unsigned int timeout_ms = 0, baud = 0;
	struct apdu_transport t;
	int verbose = 0, atr = 0, c, rc = 0;

	while ((c = getopt_long(argc, argv, "t:b:vh", opts, NULL)) != -1) {
		switch (c) {
		case 't': timeout_ms = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'b': baud = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'A': atr = 1; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	common_log_init(ctx, verbose);
	rc = apdu_atcsim_open(&t, argv[optind], baud, timeout_ms);
	if (rc < 0) {
		fprintf(stderr, "atcsim-client: modem %s: %s\n", argv[optind], strerror(-rc));
		talloc_free(ctx);
		return 1;
	}
	if (atr) {
		uint8_t buf[64];
		int n = t.ops->atr(&t, buf, sizeof(buf));
		if (n > 0)
			printf("ATR: %s\n", osmo_hexdump_nospc(buf, (size_t)n));
		else
			printf("ATR: none (%s)\n", strerror(-n));
	}
	for (int i = optind + 1; i < argc; i++) {
		rc = send_one(&t, argv[i]);
		if (rc < 0) {
			int cme = apdu_atcsim_last_cme(&t);
			const char *name = apdu_atcsim_cme_name(cme);

			fprintf(stderr, "atcsim-client: APDU %s: %s", argv[i], strerror(-rc));
			if (cme >= 0)
				fprintf(stderr, " (+CME ERROR %d: %s)", cme, name ? name : "?");
			fprintf(stderr, "\n");
			break;
		}
	}
	apdu_transport_close(&t);
	talloc_free(ctx);
	return rc < 0 ? 1 : 0;
}
