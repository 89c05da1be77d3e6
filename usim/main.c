/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-card: serves the software USIM to pcscd through vsmartcard's vpcd
 * driver, the way vsmartcard's vicc does: we connect to vpcd, vpcd sends
 * power/reset/ATR control octets and C-APDUs, we answer. */

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/talloc.h>

#include "apdu/log.h"
#include "apdu/sw.h"
#include "apdu/vpcd.h"
#include "usim/card.h"

#define RECONNECT_MS 200

struct slot {
	struct usim_card *card;
	char host[256];
	uint16_t port;
	int fd;
	bool powered;
	bool warned;		/* "vpcd not reachable" logged for this outage */
	struct apdu_vpcd_rx rx;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-card [options]\n"
		"Serves a software USIM to pcscd through vsmartcard's vpcd driver.\n\n"
		"  --vpcd HOST:PORT   vpcd to connect to (default 127.0.0.1:%u)\n"
		"  --iccid DIGITS     ICCID of the card (19 or 20 digits)\n"
		"  -v, --verbose      log every APDU with its command and status word;\n"
		"                     twice: also the APDU octets (secrets hidden)\n"
		"  --log-keys         with -vv, also log PINs and keys (debugging only)\n"
		"  -h, --help         this text\n", APDU_VPCD_PORT);
}

static void slot_disconnect(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->powered = false;
	apdu_vpcd_rx_init(&s->rx);
}

static void slot_try_connect(struct slot *s)
{
	int fd = apdu_vpcd_connect(s->host, s->port);

	if (fd < 0) {
		if (!s->warned)
			LOGP(DVPCD, LOGL_NOTICE, "vpcd %s:%u not reachable (%s), retrying\n",
			     s->host, s->port, strerror(-fd));
		s->warned = true;
		return;
	}
	LOGP(DVPCD, LOGL_NOTICE, "connected to vpcd %s:%u\n", s->host, s->port);
	s->fd = fd;
	s->warned = false;
	apdu_vpcd_rx_init(&s->rx);
}

/* One complete frame from vpcd: a control octet or a C-APDU. */
static int slot_handle_frame(struct slot *s, const uint8_t *frame, size_t len)
{
	uint8_t rapdu[USIM_RSP_DATA_MAX + 2];
	size_t rlen;

	if (len == 1) {
		switch (frame[0]) {
		case APDU_VPCD_POWER_OFF:
			LOGP(DCARD, LOGL_INFO, "power off\n");
			s->powered = false;
			return 0;
		case APDU_VPCD_POWER_ON:
		case APDU_VPCD_RESET:
			LOGP(DCARD, LOGL_INFO, "%s\n", frame[0] == APDU_VPCD_RESET ? "reset" : "power on");
			usim_card_reset(s->card);
			s->powered = true;
			return 0;
		case APDU_VPCD_GET_ATR:
			/* vpcd polls presence with this: no side effects. */
			return apdu_vpcd_send(s->fd, usim_atr, usim_atr_len);
		default:
			LOGP(DVPCD, LOGL_NOTICE, "unknown control octet %02X ignored\n", frame[0]);
			return 0;
		}
	}
	if (len == 0)
		return 0;
	rlen = usim_card_apdu(s->card, frame, len, rapdu, sizeof(rapdu));
	return apdu_vpcd_send(s->fd, rapdu, rlen);
}

/* Read what is there and handle every complete frame in it. */
static void slot_read(struct slot *s)
{
	uint8_t chunk[4096];
	ssize_t n = read(s->fd, chunk, sizeof(chunk));
	size_t used = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		LOGP(DVPCD, LOGL_NOTICE, "vpcd %s:%u closed the connection, reconnecting\n",
		     s->host, s->port);
		slot_disconnect(s);
		return;
	}
	while (used < (size_t)n) {
		bool complete;
		used += apdu_vpcd_rx_feed(&s->rx, chunk + used, (size_t)n - used, &complete);
		if (complete && slot_handle_frame(s, s->rx.frame, apdu_vpcd_frame_len(&s->rx)) < 0) {
			LOGP(DVPCD, LOGL_NOTICE, "send to vpcd failed, reconnecting\n");
			slot_disconnect(s);
			return;
		}
	}
}

static int serve(struct slot *slots, size_t n_slots)
{
	sigset_t blocked, during_poll;
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigprocmask(SIG_BLOCK, &blocked, &during_poll);
	sigdelset(&during_poll, SIGTERM);
	sigdelset(&during_poll, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	while (!stop_requested) {
		struct pollfd pfd[n_slots];
		struct timespec timeout = { .tv_nsec = RECONNECT_MS * 1000000L };
		bool waiting = false;

		for (size_t i = 0; i < n_slots; i++) {
			if (slots[i].fd < 0)
				slot_try_connect(&slots[i]);
			pfd[i] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
			waiting |= slots[i].fd < 0;
		}
		if (ppoll(pfd, n_slots, waiting ? &timeout : NULL, &during_poll) < 0) {
			if (errno == EINTR)
				continue;
			LOGP(DVPCD, LOGL_ERROR, "poll: %s\n", strerror(errno));
			return 1;
		}
		for (size_t i = 0; i < n_slots; i++) {
			if (slots[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				slot_read(&slots[i]);
		}
	}
	LOGP(DCARD, LOGL_NOTICE, "signal %d, shutting down\n", (int)stop_requested);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vpcd", required_argument, NULL, 'p' },
		{ "iccid", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-keys", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct slot slot = { .host = "127.0.0.1", .port = APDU_VPCD_PORT, .fd = -1 };
	struct usim_card_config cfg = { 0 };
	void *ctx = talloc_named_const(NULL, 0, "e2msim-card");
	int verbose = 0, c, rc;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (apdu_vpcd_parse_hostport(optarg, slot.host, sizeof(slot.host), &slot.port) < 0) {
				fprintf(stderr, "e2msim-card: --vpcd: expected HOST:PORT, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'i':
			cfg.iccid = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'K':
			e2m_log_keys = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "e2msim-card: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	e2m_log_init(ctx, verbose);

	slot.card = usim_card_new(&cfg);
	if (!slot.card) {
		fprintf(stderr, "e2msim-card: --iccid: expected 19 or 20 decimal digits\n");
		return 2;
	}
	apdu_vpcd_rx_init(&slot.rx);
	rc = serve(&slot, 1);
	slot_disconnect(&slot);
	usim_card_free(slot.card);
	talloc_free(ctx);
	return rc;
}
