/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-apdu: send APDUs to the card in any PC/SC reader and print the
 * answers; lists readers. A thin front end over apdu/pcsc.c. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "apdu/pcsc.h"
#include "apdu/sw.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-apdu [--reader NAME|INDEX] [--raw] APDU...\n"
		"       e2msim-apdu --list\n"
		"Sends each APDU (hex, spaces allowed) to the card and prints the response.\n\n"
		"  -r, --reader R   reader by index or (part of its) name; default 0\n"
		"  -l, --list       list the readers and whether a card is present\n"
		"      --atr        print the card's ATR first\n"
		"      --raw        send the octets as given (even fewer than 4): no\n"
		"                   automatic GET RESPONSE or Le correction\n"
		"  -v, --verbose    log the PC/SC exchanges\n"
		"  -h, --help       this text\n"
		"Output: one line per APDU, 'DATA SW' in hex and the status word's name.\n");
}

static int list_readers(void)
{
	struct apdu_pcsc_readers readers;
	int rc = apdu_pcsc_list(&readers);

	if (rc < 0) {
		fprintf(stderr, "e2msim-apdu: cannot list readers: %s\n", strerror(-rc));
		return 1;
	}
	for (unsigned int i = 0; i < readers.count; i++) {
		bool present = false;
		apdu_pcsc_card_present(readers.name[i], &present);
		printf("%u: %s%s\n", i, readers.name[i], present ? " [card]" : "");
	}
	return 0;
}

/* Parse hex with optional blanks into buf. Returns the length or -1. */
static int parse_hex(const char *s, uint8_t *buf, size_t cap)
{
	char compact[2 * APDU_CMD_MAX + 1];
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == ':')
			continue;
		if (n + 1 >= sizeof(compact))
			return -1;
		compact[n++] = *s;
	}
	compact[n] = '\0';
	return osmo_hexparse(compact, buf, (unsigned int)cap);
}

static void print_response(const uint8_t *data, size_t len, uint16_t sw)
{
	printf("%s%s%04X  (%s)\n", osmo_hexdump_nospc(data, len), len ? " " : "", sw,
	       apdu_sw_name(sw));
}

static int send_one(struct apdu_transport *t, const char *hex, bool raw)
{
	static uint8_t capdu[APDU_CMD_MAX], rbuf[APDU_RSP_MAX];
	struct apdu_rsp rsp = { .buf = rbuf, .cap = sizeof(rbuf) };
	struct apdu_cmd cmd;
	int len = parse_hex(hex, capdu, sizeof(capdu));
	int rc;

	/* --raw sends the octets as given, even fewer than a header: the card
	 * must answer those too */
	if (len < (raw ? 1 : 4)) {
		fprintf(stderr, "e2msim-apdu: '%s' is not an APDU in hex\n", hex);
		return -EINVAL;
	}
	if (raw) {
		size_t rlen;
		rc = apdu_transmit_raw(t, capdu, (size_t)len, rbuf, sizeof(rbuf), &rlen);
		if (rc == 0)
			print_response(rbuf, rlen - 2, (uint16_t)(rbuf[rlen - 2] << 8 | rbuf[rlen - 1]));
		return rc;
	}
	if (apdu_cmd_parse(&cmd, capdu, (size_t)len)) {
		fprintf(stderr, "e2msim-apdu: '%s': Lc/Le do not match the length\n", hex);
		return -EINVAL;
	}
	rc = apdu_transceive(t, &cmd, &rsp);
	if (rc == 0)
		print_response(rsp.buf, rsp.len, rsp.sw);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "list", no_argument, NULL, 'l' },
		{ "atr", no_argument, NULL, 'A' },
		{ "raw", no_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *reader = "0";
	char why[64];
	bool list = false, raw = false, atr = false;
	struct apdu_transport t;
	void *ctx;
	int verbose = 0, c, rc = 0;

	while ((c = getopt_long(argc, argv, "r:lvh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reader = optarg; break;
		case 'l': list = true; break;
		case 'A': atr = true; break;
		case 'R': raw = true; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!list && optind == argc && !atr) {
		usage(stderr);
		return 2;
	}
	/* created once the arguments are checked: --help and a usage error
	 * leak nothing */
	ctx = talloc_named_const(NULL, 0, "e2msim-apdu");
	common_log_init(ctx, verbose);
	if (list) {
		rc = list_readers();
		talloc_free(ctx);
		return rc;
	}
	rc = apdu_pcsc_open(&t, reader);
	if (rc < 0) {
		fprintf(stderr, "e2msim-apdu: reader '%s': %s\n", reader,
			apdu_pcsc_open_strerror(rc, why, sizeof(why)));
		talloc_free(ctx);
		return 1;
	}
	if (atr) {
		uint8_t buf[64];
		int n = t.ops->atr(&t, buf, sizeof(buf));
		if (n > 0)
			printf("ATR: %s\n", osmo_hexdump_nospc(buf, (size_t)n));
	}
	for (int i = optind; i < argc && rc == 0; i++)
		rc = send_one(&t, argv[i], raw);
	apdu_transport_close(&t);
	talloc_free(ctx);
	if (rc < 0 && rc != -EINVAL)
		fprintf(stderr, "e2msim-apdu: transmit failed: %s\n", strerror(-rc));
	return rc < 0 ? 1 : 0;
}
