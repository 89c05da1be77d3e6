/* SPDX-License-Identifier: GPL-2.0-or-later */
/* echo-card [--vpcd HOST:PORT] [--answer HEX] [--flush FILE]: a vpcd card
 * that does nothing. It gives the ATR of e2msim-card (so that pcscd picks the same
 * protocol) and answers every C-APDU with '9000' and no data: the floor of
 * the PC/SC stack (libpcsclite, pcscd, the vpcd driver, its socket and
 * apdu/vicc.c) that tools/bench.sh compares the card's round trips with.
 * With --answer it answers those octets instead, garbage for the tests of
 * e2msim-probe (one octet is no R-APDU). With --flush, before it answers an
 * AUTHENTICATE (INS '88') it writes 64 octets over a preallocated FILE and
 * fdatasync()s it: the floor of a durable change, flush and its wake-ups
 * included, end to end. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/talloc.h>

#include "common/hex.h"
#include "common/log.h"
#include "apdu/vicc.h"
#include "apdu/vpcd.h"
#include "usim/card.h"

#define FLUSH_FILE_SIZE	(64u * 1024)
#define FLUSH_RECORD	64u

static volatile sig_atomic_t stop_requested;
static int flush_fd = -1;
static size_t flush_pos;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static uint8_t answer[64] = { 0x90, 0x00 };
static size_t answer_len = 2;

static int echo_atr(struct apdu_vicc *v, uint8_t *buf, size_t cap)
{
	if (cap < usim_atr_len)
		return -ENOSPC;
	memcpy(buf, usim_atr, usim_atr_len);
	return (int)usim_atr_len;
}

static void echo_power(struct apdu_vicc *v, uint8_t ctrl)
{
}

/* A file of FLUSH_FILE_SIZE zeros, flushed once: later writes go over
 * allocated blocks, as the card's journal does (usim/journal.c). */
static int flush_open(const char *path)
{
	static const uint8_t zeros[4096];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < FLUSH_FILE_SIZE; off += sizeof(zeros)) {
		if (pwrite(fd, zeros, sizeof(zeros), (off_t)off) != (ssize_t)sizeof(zeros)) {
			close(fd);
			return -EIO;
		}
	}
	if (fsync(fd) < 0) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static bool flush_record(void)
{
	uint8_t rec[FLUSH_RECORD];

	memset(rec, (int)(flush_pos & 0xff), sizeof(rec));
	if (pwrite(flush_fd, rec, sizeof(rec), (off_t)flush_pos) != (ssize_t)sizeof(rec) ||
	    fdatasync(flush_fd) < 0)
		return false;
	flush_pos = (flush_pos + sizeof(rec)) % FLUSH_FILE_SIZE;
	return true;
}

static size_t echo_apdu(struct apdu_vicc *v, const uint8_t *capdu, size_t clen,
			uint8_t *rapdu, size_t rcap)
{
	if (rcap < answer_len)
		return 0;
	/* TS 102 221 10.1.2: INS '88' is AUTHENTICATE */
	if (flush_fd >= 0 && clen >= 4 && capdu[1] == 0x88 && !flush_record()) {
		rapdu[0] = 0x65;	/* memory problem, TS 102 221 10.2.1.3 */
		rapdu[1] = 0x81;
		return 2;
	}
	memcpy(rapdu, answer, answer_len);
	return answer_len;
}

static const struct apdu_vicc_ops echo_ops = {
	.atr = echo_atr,
	.power = echo_power,
	.apdu = echo_apdu,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vpcd", required_argument, NULL, 'p' },
		{ "answer", required_argument, NULL, 'a' },
		{ "flush", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct apdu_vicc slot;
	char host[256] = "127.0.0.1";
	uint16_t port = APDU_VPCD_PORT;
	struct sigaction sa = { .sa_handler = on_signal };
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (apdu_vpcd_parse_hostport(optarg, host, sizeof(host), &port) < 0) {
				fprintf(stderr, "echo-card: --vpcd: expected HOST:PORT, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'a':
			rc = common_hex_decode(optarg, strlen(optarg), answer, sizeof(answer));
			if (rc < 1) {
				fprintf(stderr, "echo-card: --answer: expected 1 to 64 octets in hex\n");
				return 2;
			}
			answer_len = (size_t)rc;
			break;
		case 'f':
			flush_fd = flush_open(optarg);
			if (flush_fd < 0) {
				fprintf(stderr, "echo-card: --flush %s: %s\n", optarg, strerror(-flush_fd));
				return 2;
			}
			break;
		case 'h':
			printf("usage: echo-card [--vpcd HOST:PORT] [--answer HEX] [--flush FILE]"
			       "  (default 127.0.0.1:%u)\n", APDU_VPCD_PORT);
			return 0;
		default:
			fprintf(stderr, "usage: echo-card [--vpcd HOST:PORT] [--answer HEX] [--flush FILE]\n");
			return 2;
		}
	}
	common_log_init(talloc_named_const(NULL, 0, "echo-card"), -1);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	apdu_vicc_init(&slot, &echo_ops, NULL, host, port);
	rc = apdu_vicc_serve(&slot, 1, &stop_requested);
	apdu_vicc_disconnect(&slot);
	return rc;
}
