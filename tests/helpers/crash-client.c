/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash-client PROFILE: drives a card through PC/SC while someone kills it
 * (tests/integration/test_crash.sh). Each iteration writes a transparent EF (EF.LOCI), a
 * record (DF.TELECOM/EF.ADN record 1), runs a wrong and a right VERIFY PIN1
 * and an AUTHENTICATE with a fresh AV (from aka/auc.c and the profile's
 * keys). After every reconnection it also replays the last AV the card
 * answered with RES: it must be refused ('DC' AUTS), never accepted twice. After every reconnection it checks that the card holds
 * what it last acknowledged, or the write that was in flight, and nothing
 * else: no answered update lost, nothing half-written, no PIN counter back
 * up. Runs until SIGTERM, then checks the final state once more. Prints
 * TAP-style "not ok" lines for violations, exits 1 if any. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "apdu/pcsc.h"
#include "aka/auc.h"
#include "usim/profile.h"

#define LOCI_LEN	11
#define ADN_LEN		28

static const uint8_t pin_right[8] = { '1', '2', '3', '4', 0xFF, 0xFF, 0xFF, 0xFF };
static const uint8_t pin_wrong[8] = { '0', '0', '0', '0', 0xFF, 0xFF, 0xFF, 0xFF };
static const uint8_t usim_aid[7] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };
static const uint8_t adn_path[4] = { 0x7F, 0x10, 0x6F, 0x3A };	/* DF.TELECOM/EF.ADN */

/* What the card has acknowledged, and what was sent but not answered. */
struct expect {
	long bin, bin_flight;		/* pattern numbers of EF.LOCI */
	long rec, rec_flight;		/* pattern numbers of EF.ADN record 1 */
	int tries, tries_flight;	/* PIN1 tries left */
};

static volatile sig_atomic_t stop;
static const struct aka_alg *alg;
static struct aka_alg_keys keys;
/* LV(RAND) LV(AUTN) of the last AVs the card answered with RES */
#define ACKED_KEPT 16
static uint8_t acked_av[ACKED_KEPT][34];
static unsigned int n_acked;
static struct apdu_transport t;
static bool connected;
static int violations, reconnects;

static void pattern(long k, uint8_t salt, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((k >> (8 * (i % 4))) ^ salt ^ (uint8_t)(i / 4));
}

static int xfer(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
		uint16_t nc, uint32_t ne, uint8_t *out, size_t *out_len, uint16_t *sw)
{
	uint8_t buf[512];
	struct apdu_cmd cmd = { .cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .nc = nc, .ne = ne, .data = data };
	struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };
	int rc = apdu_transceive(&t, &cmd, &rsp);

	if (rc < 0)
		return rc;
	*sw = rsp.sw;
	if (out) {
		memcpy(out, buf, rsp.len);
		*out_len = rsp.len;
	}
	return 0;
}

static void violation(const char *what, long got, long a, long b)
{
	violations++;
	printf("not ok - after reconnect %d: %s is %ld, expected %ld or %ld\n", reconnects, what, got, a, b);
}

static long match_pattern(const uint8_t *buf, size_t len, uint8_t salt, long a, long b)
{
	uint8_t want[64];
	long cand[2] = { a, b };

	for (int i = 0; i < 2; i++) {
		pattern(cand[i], salt, want, len);
		if (!memcmp(want, buf, len))
			return cand[i];
	}
	return -1;
}

/* Connect, check the state against what was acknowledged, select and verify. */
static int reconnect(struct expect *e, bool check)
{
	uint8_t buf[64];
	size_t len;
	uint16_t sw;

	if (connected)
		apdu_transport_close(&t);
	connected = false;
	for (int tries = 0; tries < 300; tries++) {
		if (apdu_pcsc_open(&t, "0") == 0) {
			connected = true;
			break;
		}
		struct timespec ts = { .tv_nsec = 100 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (!connected)
		return -ETIMEDOUT;
	if (xfer(0x00, 0xA4, 0x04, 0x0C, usim_aid, sizeof(usim_aid), 0, NULL, NULL, &sw) < 0 || sw != 0x9000)
		return -EIO;
	if (check) {
		/* PIN1 tries: VERIFY without data, before anything verifies */
		if (xfer(0x00, 0x20, 0x00, 0x01, NULL, 0, 0, NULL, NULL, &sw) < 0)
			return -EIO;
		/* '9000': still verified from before, so all tries left */
		int now = (sw & 0xFFF0) == 0x63C0 ? (sw & 0x0F) : sw == 0x9000 ? 3 : -1;
		if (now != e->tries && now != e->tries_flight)
			violation("PIN1 tries", now, e->tries, e->tries_flight);
		e->tries = e->tries_flight = now;
	}
	if (xfer(0x00, 0x20, 0x00, 0x01, pin_right, 8, 0, NULL, NULL, &sw) < 0 || sw != 0x9000)
		return -EIO;
	e->tries = e->tries_flight = 3;
	if (!check)
		return 0;
	for (unsigned int k = 0; k < n_acked && k < ACKED_KEPT; k++) {
		if (xfer(0x00, 0x88, 0x00, 0x81, acked_av[k], sizeof(acked_av[k]), 0, buf, &len, &sw) < 0)
			return -EIO;
		if (sw != 0x9000 || len < 1 || buf[0] != 0xDC) {
			violations++;
			printf("not ok - after reconnect %d: an AV answered before was accepted again "
			       "(%04X %02X)\n", reconnects, sw, len ? buf[0] : 0);
		}
	}
	if (xfer(0x00, 0xB0, 0x8B, 0x00, NULL, 0, LOCI_LEN, buf, &len, &sw) < 0 || sw != 0x9000)
		return -EIO;
	long k = match_pattern(buf, LOCI_LEN, 0x5A, e->bin, e->bin_flight);
	if (k < 0)
		violation("EF.LOCI pattern (or half-written)", k, e->bin, e->bin_flight);
	e->bin = e->bin_flight = k;
	if (xfer(0x00, 0xA4, 0x08, 0x0C, adn_path, sizeof(adn_path), 0, NULL, NULL, &sw) < 0 ||
	    sw != 0x9000)
		return -EIO;
	if (xfer(0x00, 0xB2, 0x01, 0x04, NULL, 0, ADN_LEN, buf, &len, &sw) < 0 || sw != 0x9000)
		return -EIO;
	k = match_pattern(buf, ADN_LEN, 0xA5, e->rec, e->rec_flight);
	if (k < 0)
		violation("EF.ADN record 1 pattern (or half-written)", k, e->rec, e->rec_flight);
	e->rec = e->rec_flight = k;
	return 0;
}

/* One iteration; -1 when the card went away in the middle, -2 when it
 * refused what it must accept. */
static int iteration(long i, struct expect *e)
{
	uint8_t loci[LOCI_LEN], adn[ADN_LEN];
	uint16_t sw;

	pattern(i, 0x5A, loci, sizeof(loci));
	pattern(i, 0xA5, adn, sizeof(adn));

	if (xfer(0x00, 0xA4, 0x04, 0x0C, usim_aid, sizeof(usim_aid), 0, NULL, NULL, &sw) < 0)
		return -1;
	e->bin_flight = i;
	if (xfer(0x00, 0xD6, 0x8B, 0x00, loci, sizeof(loci), 0, NULL, NULL, &sw) < 0)
		return -1;
	if (sw == 0x6982)
		return -1;	/* card restarted faster than pcscd noticed: PIN1 not verified */
	if (sw != 0x9000)
		return printf("not ok - UPDATE BINARY answered %04X\n", sw), -2;
	e->bin = i;

	if (xfer(0x00, 0xA4, 0x08, 0x0C, adn_path, sizeof(adn_path), 0, NULL, NULL, &sw) < 0)
		return -1;
	e->rec_flight = i;
	if (xfer(0x00, 0xDC, 0x01, 0x04, adn, sizeof(adn), 0, NULL, NULL, &sw) < 0)
		return -1;
	if (sw == 0x6982)
		return -1;
	if (sw != 0x9000)
		return printf("not ok - UPDATE RECORD answered %04X\n", sw), -2;
	e->rec = i;

	e->tries_flight = e->tries - 1;
	if (xfer(0x00, 0x20, 0x00, 0x01, pin_wrong, 8, 0, NULL, NULL, &sw) < 0)
		return -1;
	e->tries = sw & 0x0F;
	e->tries_flight = 3;
	if (xfer(0x00, 0x20, 0x00, 0x01, pin_right, 8, 0, NULL, NULL, &sw) < 0)
		return -1;
	e->tries = 3;

	/* AUTHENTICATE with a fresh AV: SEQ = i + 1, IND 0 */
	{
		static const uint8_t amf[2] = { 0x80, 0x00 };
		struct aka_auc_vec av;
		uint8_t d[34], rsp[64], rnd[16];
		size_t len;
		for (int j = 0; j < 16; j++)
			rnd[j] = (uint8_t)random();
		if (aka_auc_gen_vec(alg, &keys, rnd, (uint64_t)(i + 1) << 5, amf, &av) < 0)
			return printf("not ok - AV generation failed\n"), -2;
		d[0] = 16;
		memcpy(d + 1, av.rand, 16);
		d[17] = 16;
		memcpy(d + 18, av.autn, 16);
		aka_auc_vec_clear(&av);
		if (xfer(0x00, 0x88, 0x00, 0x81, d, sizeof(d), 0, rsp, &len, &sw) < 0)
			return -1;
		if (sw == 0x6982)
			return -1;
		if (sw != 0x9000 || len < 1 || (rsp[0] != 0xDB && rsp[0] != 0xDC))
			return printf("not ok - AUTHENTICATE answered %04X\n", sw), -2;
		if (rsp[0] == 0xDB)
			memcpy(acked_av[n_acked++ % ACKED_KEPT], d, sizeof(d));
	}
	return 0;
}

static void on_term(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct expect e = { .bin = -1, .bin_flight = -1, .rec = -1, .rec_flight = -1, .tries = 3, .tries_flight = 3 };
	long i;

	signal(SIGTERM, on_term);
	common_log_init(talloc_named_const(NULL, 0, "crash-client"), -1);
	{
		static struct usim_profile p;
		char err[256];
		if (argc != 2 || usim_profile_load(&p, argv[1], err, sizeof(err)) < 0 ||
		    usim_profile_keys(&p, &alg, &keys) < 0) {
			printf("not ok - usage: crash-client PROFILE (%s)\n", argc == 2 ? err : "no profile");
			return 1;
		}
		usim_profile_clear(&p);
	}
	if (reconnect(&e, false) < 0) {
		printf("not ok - no card to start with\n");
		return 1;
	}
	for (i = 0; !stop; i++) {
		time_t progress = time(NULL);
		int rc;
		while ((rc = iteration(i, &e)) < 0) {
			struct timespec pause = { .tv_nsec = 50 * 1000000L };
			if (rc == -2)
				return 1;
			if (time(NULL) - progress > 60) {
				printf("not ok - no progress for a minute (%d reconnects)\n", reconnects);
				return 1;
			}
			/* the card went away: let pcscd notice before connecting */
			nanosleep(&pause, NULL);
			if (reconnect(&e, true) == 0)
				reconnects++;
		}
	}
	/* the state as the card holds it at the end */
	if (reconnect(&e, true) < 0)
		printf("not ok - final check: card not reachable\n"), violations++;
	printf("# crash-client: %ld iterations, %d reconnects, %d violations\n", i, reconnects, violations);
	OPENSSL_cleanse(&keys, sizeof(keys));
	return violations ? 1 : 0;
}
