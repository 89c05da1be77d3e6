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

#include <osmocom/core/gsmtap.h>
#include <osmocom/core/gsmtap_util.h>
#include <osmocom/core/talloc.h>

#include "apdu/log.h"
#include "apdu/sw.h"
#include "apdu/vpcd.h"
#include "usim/card.h"
#include "usim/profile.h"
#include "usim/store.h"

#define RECONNECT_MS	200
#define SLOTS_MAX	16

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
static struct gsmtap_inst *gsmtap;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-card --profile FILE [--profile FILE ...] [options]\n"
		"Serves software USIMs to pcscd through vsmartcard's vpcd driver: the\n"
		"first profile on vpcd's PORT, the next on PORT+1, and so on.\n\n"
		"  --profile FILE     card profile (JSON); repeat for more cards\n"
		"  --state FILE       SQLite card state (default: beside the first\n"
		"                     profile, its name with .state for .json)\n"
		"  --repersonalize    forget the stored state of these cards and\n"
		"                     personalise them from their profiles again\n"
		"  --sqn-dump         print each card's SQN array (TS 33.102 C.3) and exit\n"
		"  --sqn-reset        set each card's SQN array back to its profile's and exit\n"
		"  --vpcd HOST:PORT   vpcd of the first card (default 127.0.0.1:%u)\n"
		"  --gsmtap HOST      send every APDU exchange as GSMTAP SIM to HOST\n"
		"  -v, --verbose      log every APDU with its command and status word;\n"
		"                     twice: also the APDU octets (secrets hidden)\n"
		"  --log-keys         with -vv, also log PINs and keys (debugging only)\n"
		"  -h, --help         this text\n", APDU_VPCD_PORT);
}

/* GSMTAP SIM, sub-type APDU: the C-APDU and the R-APDU back to back, as
 * Wireshark and pySim-trace decode it. */
static void gsmtap_apdu(const uint8_t *c, size_t clen, const uint8_t *r, size_t rlen)
{
	uint8_t buf[APDU_VPCD_FRAME_MAX];

	if (!gsmtap || clen + rlen > sizeof(buf))
		return;
	memcpy(buf, c, clen);
	memcpy(buf + clen, r, rlen);
	gsmtap_send_ex(gsmtap, GSMTAP_TYPE_SIM, 0, 0, GSMTAP_SIM_APDU, 0, 0, 0, 0, buf,
		       (unsigned int)(clen + rlen));
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
	gsmtap_apdu(frame, len, rapdu, rlen);
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
	if (n > 0)
		apdu_vpcd_quickack(s->fd);
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

/* The SQN array as the card holds it: IND, SEQ, and SQN = SEQ || IND. */
static void sqn_print(const struct usim_card *card)
{
	unsigned int slots = 1u << card->sqn.ind_bits;

	printf("card %s: IND %u bits, delta %llu, age limit %llu%s\n", card->iccid, card->sqn.ind_bits,
	       (unsigned long long)card->sqn.delta, (unsigned long long)card->sqn.age_limit,
	       card->sqn.age_limit ? "" : " (not used)");
	printf("  SQN_MS %012llx\n", (unsigned long long)usim_sqn_ms(&card->sqn, &card->sqn_state));
	for (unsigned int i = 0; i < slots; i++)
		printf("  IND %3u  SEQ %15llu  SQN %012llx\n", i, (unsigned long long)card->sqn_state.seq[i],
		       (unsigned long long)((card->sqn_state.seq[i] << card->sqn.ind_bits | i) & USIM_SQN_MAX));
}

/* Every slot back to the profile's initial SEQ, stored. */
static int sqn_reset_card(struct usim_card *card, const struct usim_profile *p)
{
	for (unsigned int i = 0; i < (1u << card->sqn.ind_bits); i++) {
		if (usim_card_save_sqn(card, i, p->sqn_seq[i]) != APDU_SW_OK)
			return -1;
	}
	return 0;
}

/* "x.json" -> "x.state"; anything else -> "x.state" appended */
static void default_state_path(const char *profile, char *out, size_t cap)
{
	size_t len = strlen(profile);

	if (len > 5 && !strcmp(profile + len - 5, ".json"))
		len -= 5;
	snprintf(out, cap, "%.*s.state", (int)len, profile);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "state", required_argument, NULL, 'S' },
		{ "repersonalize", no_argument, NULL, 'R' },
		{ "sqn-dump", no_argument, NULL, 'D' },
		{ "sqn-reset", no_argument, NULL, 'Z' },
		{ "vpcd", required_argument, NULL, 'p' },
		{ "gsmtap", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-keys", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct slot slots[SLOTS_MAX];
	const char *profiles[SLOTS_MAX], *state = NULL, *gsmtap_host = NULL;
	char host[256] = "127.0.0.1", state_buf[4096], err[512];
	uint16_t port = APDU_VPCD_PORT;
	struct usim_store *store = NULL;
	bool repersonalize = false, sqn_dump = false, sqn_reset = false;
	size_t n = 0;
	void *ctx = talloc_named_const(NULL, 0, "e2msim-card");
	int verbose = 0, c, rc = 2;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (n == SLOTS_MAX) {
				fprintf(stderr, "e2msim-card: at most %d profiles\n", SLOTS_MAX);
				return 2;
			}
			profiles[n++] = optarg;
			break;
		case 'S': state = optarg; break;
		case 'R': repersonalize = true; break;
		case 'D': sqn_dump = true; break;
		case 'Z': sqn_reset = true; break;
		case 'p':
			if (apdu_vpcd_parse_hostport(optarg, host, sizeof(host), &port) < 0) {
				fprintf(stderr, "e2msim-card: --vpcd: expected HOST:PORT, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'g': gsmtap_host = optarg; break;
		case 'v': verbose++; break;
		case 'K': e2m_log_keys = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "e2msim-card: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!n) {
		fprintf(stderr, "e2msim-card: --profile FILE is required\n");
		usage(stderr);
		return 2;
	}
	if ((size_t)port + n - 1 > 65535) {
		fprintf(stderr, "e2msim-card: %zu cards do not fit above port %u\n", n, port);
		return 2;
	}
	e2m_log_init(ctx, verbose);
	if (!state) {
		default_state_path(profiles[0], state_buf, sizeof(state_buf));
		state = state_buf;
	}
	if (usim_store_open(&store, state, err, sizeof(err)) < 0) {
		fprintf(stderr, "e2msim-card: state %s\n", err);
		return 1;
	}
	if (gsmtap_host) {
		gsmtap = gsmtap_source_init(gsmtap_host, GSMTAP_UDP_PORT, 0);
		if (!gsmtap) {
			fprintf(stderr, "e2msim-card: --gsmtap: cannot send to '%s'\n", gsmtap_host);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct usim_profile *p = talloc_zero(ctx, struct usim_profile);
		int ok;

		if (!p || usim_profile_load(p, profiles[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "e2msim-card: profile %s: %s\n", profiles[i], p ? err : "out of memory");
			if (p)
				usim_profile_clear(p);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(slots[j].card->iccid, p->iccid)) {
				fprintf(stderr, "e2msim-card: profile %s: field 'iccid': %s is already "
					"served by %s\n", profiles[i], p->iccid, profiles[j]);
				usim_profile_clear(p);
				goto out;
			}
		}
		ok = usim_card_new(&slots[i].card, p, store, repersonalize, err, sizeof(err)) == 0;
		if (ok && sqn_reset)
			ok = sqn_reset_card(slots[i].card, p) == 0;
		usim_profile_clear(p);
		talloc_free(p);
		if (!ok) {
			fprintf(stderr, "e2msim-card: profile %s: %s\n", profiles[i], err);
			goto out;
		}
		snprintf(slots[i].host, sizeof(slots[i].host), "%s", host);
		slots[i].port = (uint16_t)(port + i);
		slots[i].fd = -1;
		apdu_vpcd_rx_init(&slots[i].rx);
	}
	if (sqn_dump || sqn_reset) {
		for (size_t i = 0; i < n; i++)
			sqn_print(slots[i].card);
		rc = 0;
		goto out;
	}
	rc = serve(slots, n);
out:
	for (size_t i = 0; i < n; i++) {
		slot_disconnect(&slots[i]);
		usim_card_free(slots[i].card);
	}
	if (gsmtap)
		gsmtap_source_free(gsmtap);
	usim_store_close(store);
	talloc_free(ctx);
	return rc;
}
