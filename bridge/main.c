/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-bridge: shows a real card (in a PC/SC reader, or in a modem through
 * AT+CSIM) to every PC/SC program as a card in vpcd's reader, relaying every
 * APDU unchanged, and answering AUTHENTICATE in the E2M context itself
 * (variant E, bridge/bridge.c) when the card has no E2M context. */

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/clock.h"
#include "apdu/atcsim.h"
#include "common/log.h"
#include "common/num.h"
#include "apdu/pcsc.h"
#include "apdu/sw.h"
#include "apdu/t0.h"
#include "apdu/vicc.h"
#include "aka/auth_apdu.h"
#include "bridge/bridge.h"

#define INS_GET_RESPONSE	0xC0

/* The ATR shown for a modem's card, which AT+CSIM cannot read: a T=0 UICC
 * like the card's own (usim/atr.c), issuer data "E2MBRG"; TCK filled in. */
static uint8_t modem_atr[] = {
	0x3B, 0x9E, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1B,
	0x56, 'E', '2', 'M', 'B', 'R', 'G', 0x00,
};

struct backend {
	const char *reader;		/* PC/SC reader, or */
	const char *tty;		/* modem serial port */
	unsigned int baud, timeout_ms;
	/* a modem absent or silent: the next try, and the wait before it */
	int64_t retry_at_ms;
	unsigned int retry_ms;
	struct apdu_transport t;
	bool open;
	uint8_t atr[64];
	int atr_len;
	struct bridge br;
	struct e2m_config cfg;
	bool force_variant_e;
	/* an E2M answer the bridge made itself, held for GET RESPONSE as the
	 * card holds its own (apdu/t0.h); fetched on the same CLA */
	uint8_t pending_buf[512];
	struct apdu_t0 pending;
};

/* The wait before trying an absent or silent modem again: doubled after
 * each failure from the first up to the last. */
#define MODEM_RETRY_FIRST_MS	500
#define MODEM_RETRY_MAX_MS	10000
#define BRIDGE_TIMEOUT_MAX_MS	600000	/* --timeout: ten minutes at most */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

static void backend_close(struct backend *be)
{
	if (be->open)
		apdu_transport_close(&be->t);
	be->open = false;
	apdu_t0_drop(&be->pending, -1);
}

static bool backend_open(struct backend *be)
{
	int rc;

	if (be->tty) {
		if (common_now_ms() < be->retry_at_ms)
			return false;
		rc = apdu_atcsim_open(&be->t, be->tty, be->baud, be->timeout_ms);
	} else {
		struct apdu_pcsc_readers readers;
		int idx;
		bool present = false;
		if (apdu_pcsc_list(&readers) < 0 || (idx = apdu_pcsc_resolve(&readers, be->reader)) < 0 ||
		    apdu_pcsc_card_present(readers.name[idx], &present) < 0 || !present)
			return false;
		rc = apdu_pcsc_open(&be->t, readers.name[idx]);
	}
	if (be->tty && rc == 0) {
		/* a modem with no usable SIM still answers AT: ask the SIM
		 * (STATUS, no data: TS 102 221 11.1.2) before showing a card */
		static const uint8_t status[] = { 0x80, 0xF2, 0x00, 0x0C };
		uint8_t r[64];
		size_t rlen;
		rc = apdu_transmit_raw(&be->t, status, sizeof(status), r, sizeof(r), &rlen);
		if (rc < 0)
			apdu_transport_close(&be->t);
	}
	if (rc < 0) {
		if (be->tty) {
			be->retry_ms = !be->retry_ms ? MODEM_RETRY_FIRST_MS :
				       be->retry_ms >= MODEM_RETRY_MAX_MS / 2 ? MODEM_RETRY_MAX_MS :
				       2 * be->retry_ms;
			be->retry_at_ms = common_now_ms() + be->retry_ms;
			LOGP(DBRIDGE, LOGL_NOTICE, "modem %s: trying again in %u ms\n", be->tty,
			     be->retry_ms);
		}
		return false;
	}
	be->retry_ms = 0;
	be->open = true;
	be->atr_len = be->t.ops->atr(&be->t, be->atr, sizeof(be->atr));
	if (be->atr_len <= 0) {
		memcpy(be->atr, modem_atr, sizeof(modem_atr));
		be->atr_len = sizeof(modem_atr);
	}
	bridge_init(&be->br, &be->t, &be->cfg, be->force_variant_e);
	LOGP(DBRIDGE, LOGL_NOTICE, "card in %s %s\n", be->tty ? "modem" : "reader",
	     be->tty ? be->tty : apdu_pcsc_reader_name(&be->t));
	return true;
}

/* vicc: is there a card to show? (Re)opens the backend as needed. */
static bool bridge_present(struct apdu_vicc *v)
{
	struct backend *be = v->priv;
	bool present = true;

	if (!be->open)
		return backend_open(be);
	if (!be->tty && (apdu_pcsc_card_present(apdu_pcsc_reader_name(&be->t), &present) < 0 || !present)) {
		LOGP(DBRIDGE, LOGL_NOTICE, "card removed from %s\n", apdu_pcsc_reader_name(&be->t));
		backend_close(be);
		return false;
	}
	return true;
}

static int bridge_atr(struct apdu_vicc *v, uint8_t *buf, size_t cap)
{
	struct backend *be = v->priv;

	if (!be->open || (size_t)be->atr_len > cap)
		return -ENODEV;
	memcpy(buf, be->atr, (size_t)be->atr_len);
	return be->atr_len;
}

static void bridge_power(struct apdu_vicc *v, uint8_t ctrl)
{
	struct backend *be = v->priv;

	apdu_t0_drop(&be->pending, -1);
	if (ctrl == APDU_VPCD_RESET && be->open && be->t.ops->reset)
		be->t.ops->reset(&be->t);
}

/* The bridge's own answer, shaped to Le exactly as the card shapes its
 * answers (apdu/t0.h). */
static size_t answer(struct backend *be, const struct apdu_cmd *cmd, struct apdu_rsp *rsp,
		     uint8_t *rapdu, size_t rcap)
{
	if (apdu_sw_is_success(rsp->sw))
		rsp->sw = apdu_t0_shape(&be->pending, cmd->cla, cmd, rsp, rsp->sw);
	return apdu_rsp_encode(rsp, rapdu, rcap);
}

static size_t get_response(struct backend *be, const struct apdu_cmd *cmd, uint8_t *rapdu, size_t rcap)
{
	uint8_t buf[sizeof(be->pending_buf)];
	struct apdu_rsp out = { .buf = buf, .cap = sizeof(buf) };
	size_t rlen;

	out.sw = cmd->p1 || cmd->p2 ? APDU_SW_INCORRECT_P1P2 :
		 apdu_t0_get_response(&be->pending, cmd->cla, cmd, &out);
	rlen = apdu_rsp_encode(&out, rapdu, rcap);
	memset(buf, 0, sizeof(buf));
	return rlen;
}

static size_t bridge_apdu(struct apdu_vicc *v, const uint8_t *capdu, size_t clen,
			  uint8_t *rapdu, size_t rcap)
{
	struct backend *be = v->priv;
	struct apdu_cmd cmd;
	size_t rlen;
	bool parsed;

	if (!be->open)
		return 0;
	if (clen < 4) {
		/* no header (ISO/IEC 7816-4 5.1): no card can take it, a reader's
		 * driver or a modem refuses it (and the card would be shown
		 * removed); answered here as the card answers it */
		uint8_t none[1];
		struct apdu_rsp rsp = { .buf = none, .cap = 0, .sw = APDU_SW_WRONG_LENGTH };
		apdu_t0_drop(&be->pending, -1);
		return apdu_rsp_encode(&rsp, rapdu, rcap);
	}
	parsed = apdu_cmd_parse(&cmd, capdu, clen) == 0;
	if (parsed && be->pending.len && cmd.ins == INS_GET_RESPONSE && cmd.cla == be->pending.channel)
		return get_response(be, &cmd, rapdu, rcap);
	apdu_t0_drop(&be->pending, -1);

	/* AUTHENTICATE in the E2M context, for a card that may lack it */
	if (parsed && cmd.ins == AKA_AUTH_INS && cmd.p2 == be->cfg.p2 && !(cmd.cla & 0x80) &&
	    cmd.nc && be->br.mode != BRIDGE_CARD_CONTEXT) {
		uint8_t buf[512];
		struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };
		int rc = bridge_e2m_authenticate(&be->br, cmd.cla, cmd.data, cmd.nc, &rsp);
		if (rc < 0) {
			LOGP(DBRIDGE, LOGL_ERROR, "card unreachable: %s\n", strerror(-rc));
			backend_close(be);
			return 0;
		}
		rlen = answer(be, &cmd, &rsp, rapdu, rcap);
		memset(buf, 0, sizeof(buf));
		return rlen;
	}

	/* everything else: unchanged, both ways */
	if (apdu_transmit_raw(&be->t, capdu, clen, rapdu, rcap, &rlen) < 0) {
		LOGP(DBRIDGE, LOGL_ERROR, "card unreachable, showing it removed\n");
		backend_close(be);
		return 0;
	}
	return rlen;
}

static const struct apdu_vicc_ops bridge_ops = {
	.atr = bridge_atr,
	.power = bridge_power,
	.apdu = bridge_apdu,
	.present = bridge_present,
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-bridge (--reader NAME|INDEX | --modem TTY [--baud N]) [options]\n"
		"Shows the card in a PC/SC reader, or in a modem (AT+CSIM), as a card in\n"
		"vpcd's reader; answers AUTHENTICATE in the E2M context (doc/e2m-profile.md) with\n"
		"variant E keys when the card has no E2M context.\n\n"
		"  -r, --reader R     the real card's PC/SC reader, by index or name\n"
		"  -m, --modem TTY    the modem's serial port (AT+CSIM, TS 27.007 8.17); while\n"
		"                     absent or silent, tried again after 0.5 s, 1 s, ... 10 s\n"
		"      --baud N       serial speed, 1200 to 921600 (default %u)\n"
		"      --timeout MS   modem answer time-out, 1 to 600000 (default %u)\n"
		"      --vpcd HOST:PORT  vpcd slot to appear in (default 127.0.0.1:%u;\n"
		"                     slot 1 is port %u)\n"
		"  -c, --config FILE  E2M policy: JSON with the fields of a profile's \"e2m\"\n"
		"                     object (eids, no_confidentiality_plmns,\n"
		"                     home_confidentiality, alg, p2, fc)\n"
		"      --variant-e    derive in the ME even when the card has an E2M context\n"
		"  -v, --verbose      log the APDUs (-vv: debug)\n"
		"      --log-keys     with -vv, also log keys (debugging only)\n"
		"  -h, --help         this text\n",
		APDU_ATCSIM_BAUD_DEFAULT, APDU_ATCSIM_TIMEOUT_DEFAULT, APDU_VPCD_PORT, APDU_VPCD_PORT + 1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "modem", required_argument, NULL, 'm' },
		{ "baud", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "vpcd", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "variant-e", no_argument, NULL, 'E' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-keys", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct backend be = {
		.baud = APDU_ATCSIM_BAUD_DEFAULT, .timeout_ms = APDU_ATCSIM_TIMEOUT_DEFAULT,
		.pending = { .buf = be.pending_buf, .cap = sizeof(be.pending_buf), .channel = -1 },
	};
	struct apdu_vicc slot;
	char host[256] = "127.0.0.1", err[256];
	uint16_t port = APDU_VPCD_PORT;
	const char *config = NULL;
	uint64_t n;
	void *ctx;
	int verbose = 0, c, rc;

	while ((c = getopt_long(argc, argv, "r:m:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': be.reader = optarg; break;
		case 'm': be.tty = optarg; break;
		case 'b':
			if (common_parse_uint(optarg, 1, UINT_MAX, &n) < 0 ||
			    !apdu_atcsim_baud_supported((unsigned int)n)) {
				fprintf(stderr, "e2msim-bridge: --baud: '%s' is not a standard serial "
					"speed (1200 to 921600)\n", optarg);
				return 2;
			}
			be.baud = (unsigned int)n;
			break;
		case 't':
			if (common_parse_uint(optarg, 1, BRIDGE_TIMEOUT_MAX_MS, &n) < 0) {
				fprintf(stderr, "e2msim-bridge: --timeout: expected milliseconds from 1 "
					"to %u, got '%s'\n", BRIDGE_TIMEOUT_MAX_MS, optarg);
				return 2;
			}
			be.timeout_ms = (unsigned int)n;
			break;
		case 'p':
			if (apdu_vpcd_parse_hostport(optarg, host, sizeof(host), &port) < 0) {
				fprintf(stderr, "e2msim-bridge: --vpcd: expected HOST:PORT, got '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c': config = optarg; break;
		case 'E': be.force_variant_e = true; break;
		case 'v': verbose++; break;
		case 'K': common_log_keys = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "e2msim-bridge: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!be.reader == !be.tty) {
		fprintf(stderr, "e2msim-bridge: give --reader or --modem (one of them; see --help)\n");
		return 2;
	}
	/* a modem that is absent is waited for; a path that can never be a
	 * modem's port is a usage error */
	if (be.tty && (rc = apdu_atcsim_check_tty(be.tty)) < 0 && rc != -ENOENT) {
		fprintf(stderr, "e2msim-bridge: --modem %s: %s\n", be.tty,
			rc == -ENOTTY ? "not a terminal (tty)" : strerror(-rc));
		return 2;
	}
	e2m_config_defaults(&be.cfg);
	if (config && e2m_config_load(&be.cfg, config, err, sizeof(err)) < 0) {
		fprintf(stderr, "e2msim-bridge: config %s: %s\n", config, err);
		return 2;
	}
	for (size_t i = 1; i + 1 < sizeof(modem_atr); i++)
		modem_atr[sizeof(modem_atr) - 1] ^= modem_atr[i];	/* TCK */
	/* created once the arguments are checked: a usage error leaks nothing */
	ctx = talloc_named_const(NULL, 0, "e2msim-bridge");
	common_log_init(ctx, verbose);
	{
		struct sigaction sa = { .sa_handler = on_signal };
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	apdu_vicc_init(&slot, &bridge_ops, &be, host, port);
	rc = apdu_vicc_serve(&slot, 1, &stop_requested);
	LOGP(DBRIDGE, LOGL_NOTICE, "signal %d, shutting down\n", (int)stop_requested);
	apdu_vicc_disconnect(&slot);
	backend_close(&be);
	talloc_free(ctx);
	return rc;
}
