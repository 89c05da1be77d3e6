/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-card: serves the software USIM to pcscd through vsmartcard's vpcd
 * driver, the way vsmartcard's vicc does: we connect to vpcd, vpcd sends
 * power/reset/ATR control octets and C-APDUs, we answer. */

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/gsmtap.h>
#include <osmocom/core/gsmtap_util.h>
#include <osmocom/core/talloc.h>

#include "common/log.h"
#include "apdu/sw.h"
#include "apdu/vicc.h"
#include "apdu/vpcd.h"
#include "usim/card.h"
#include "usim/profile.h"
#include "usim/relay.h"
#include "usim/store.h"

#define SLOTS_MAX	16


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
		"  --aka-reader READER  a card without keys (a physical card's twin)\n"
		"                     relays AUTHENTICATE to the card in this PC/SC reader\n"
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

/* The card as a vpcd slot: apdu/vicc.c calls these */
static int card_atr(struct apdu_vicc *v, uint8_t *buf, size_t cap)
{
	if (cap < usim_atr_len)
		return -ENOSPC;
	memcpy(buf, usim_atr, usim_atr_len);
	return (int)usim_atr_len;
}

static void card_power(struct apdu_vicc *v, uint8_t ctrl)
{
	LOGP(DCARD, LOGL_INFO, "%s\n", ctrl == APDU_VPCD_POWER_OFF ? "power off" :
	     ctrl == APDU_VPCD_RESET ? "reset" : "power on");
	if (ctrl != APDU_VPCD_POWER_OFF)
		usim_card_reset(v->priv);
}

static size_t card_apdu(struct apdu_vicc *v, const uint8_t *capdu, size_t clen,
			uint8_t *rapdu, size_t rcap)
{
	size_t rlen = usim_card_apdu(v->priv, capdu, clen, rapdu, rcap);

	gsmtap_apdu(capdu, clen, rapdu, rlen);
	return rlen;
}

/* The answer leaves only once the card's changes are durable: the store
 * defers its flush, so that the cards answered in one round share it. */
static bool card_durable(struct apdu_vicc *v)
{
	return usim_card_sync(v->priv) == 0;
}

static const struct apdu_vicc_ops card_ops = {
	.atr = card_atr,
	.power = card_power,
	.apdu = card_apdu,
	.durable = card_durable,
};

/* The SQN array as the card holds it: IND, SEQ, and SQN = SEQ || IND. */
static void sqn_print(const struct usim_card *card)
{
	unsigned int slots = 1u << card->sqn.ind_bits;

	printf("card %s: IND %u bits, delta %llu, age limit %llu%s\n", card->iccid, card->sqn.ind_bits,
	       (unsigned long long)card->sqn.delta, (unsigned long long)card->sqn.age_limit,
	       card->sqn.age_limit ? "" : " (not used)");
	printf("  SQN_MS %012llx\n", (unsigned long long)aka_sqn_ms(&card->sqn, &card->sqn_state));
	for (unsigned int i = 0; i < slots; i++)
		printf("  IND %3u  SEQ %15llu  SQN %012llx\n", i, (unsigned long long)card->sqn_state.seq[i],
		       (unsigned long long)((card->sqn_state.seq[i] << card->sqn.ind_bits | i) & AKA_SQN_MAX));
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
		{ "aka-reader", required_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-keys", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct apdu_vicc slots[SLOTS_MAX];
	struct usim_card *cards[SLOTS_MAX] = { 0 };
	const char *profiles[SLOTS_MAX], *state = NULL, *gsmtap_host = NULL, *aka_reader = NULL;
	static struct usim_relay relay;
	char host[256] = "127.0.0.1", state_buf[4096], err[512];
	uint16_t port = APDU_VPCD_PORT;
	struct usim_store *store = NULL;
	bool repersonalize = false, sqn_dump = false, sqn_reset = false;
	size_t n = 0;
	void *ctx;
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
		case 'A': aka_reader = optarg; break;
		case 'v': verbose++; break;
		case 'K': common_log_keys = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "e2msim-card: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!n) {
		fprintf(stderr, "e2msim-card: --profile FILE is required (see --help)\n");
		return 2;
	}
	if ((size_t)port + n - 1 > 65535) {
		fprintf(stderr, "e2msim-card: %zu cards do not fit above port %u\n", n, port);
		return 2;
	}
	/* created once the arguments are checked: a usage error leaks nothing,
	 * and every exit from here on goes through out */
	ctx = talloc_named_const(NULL, 0, "e2msim-card");
	common_log_init(ctx, verbose);
	if (!state) {
		default_state_path(profiles[0], state_buf, sizeof(state_buf));
		state = state_buf;
	}
	if (usim_store_open(&store, state, err, sizeof(err)) < 0) {
		fprintf(stderr, "e2msim-card: state %s\n", err);
		rc = 1;
		goto out;
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
			if (!strcmp(cards[j]->iccid, p->iccid)) {
				fprintf(stderr, "e2msim-card: profile %s: field 'iccid': %s is already "
					"served by %s\n", profiles[i], p->iccid, profiles[j]);
				usim_profile_clear(p);
				goto out;
			}
		}
		ok = usim_card_new(&cards[i], p, store, repersonalize, err, sizeof(err)) == 0;
		/* a twin without keys: the physical card's AKA (one card for the process) */
		if (ok && aka_reader && !cards[i]->alg) {
			ok = relay.t.ops || usim_relay_open(&relay, aka_reader, p->pin1, err, sizeof(err)) == 0;
			cards[i]->aka_relay = usim_relay_authenticate;
			cards[i]->aka_relay_ctx = &relay;
		}
		if (ok && sqn_reset)
			ok = sqn_reset_card(cards[i], p) == 0;
		usim_profile_clear(p);
		talloc_free(p);
		if (!ok) {
			fprintf(stderr, "e2msim-card: profile %s: %s\n", profiles[i], err);
			goto out;
		}
		apdu_vicc_init(&slots[i], &card_ops, cards[i], host, (uint16_t)(port + i));
	}
	if (sqn_dump || sqn_reset) {
		for (size_t i = 0; i < n; i++)
			sqn_print(cards[i]);
		rc = 0;
		goto out;
	}
	{
		struct sigaction sa = { .sa_handler = on_signal };
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	usim_store_set_deferred(store, true);
	rc = apdu_vicc_serve(slots, n, &stop_requested);
	LOGP(DCARD, LOGL_NOTICE, "signal %d, shutting down\n", (int)stop_requested);
out:
	for (size_t i = 0; i < n; i++) {
		if (slots[i].ops)	/* set up: its card was made */
			apdu_vicc_disconnect(&slots[i]);
		usim_card_free(cards[i]);
	}
	usim_relay_close(&relay);
	if (gsmtap)
		gsmtap_source_free(gsmtap);
	usim_store_close(store);
	talloc_free(ctx);
	return rc;
}
