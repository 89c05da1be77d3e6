/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the card's whole command interface, usim_card_apdu().
 *
 * One input is one session with one card, personalised afresh for it
 * (tests/profiles/e2m.json, built in; E2M_FUZZ_PROFILE=FILE takes another)
 * in a store in memory, so that PIN counters, selections, channels and the
 * SQN carry from command to command, not from input to input. The store is
 * opened once per run: opening one per input would halve the speed.
 * The input is a sequence of records, each a 2-octet big-endian length L:
 *   L = 0xFFFF            the card is reset (usim_card_reset), no octets follow;
 *   L = 0xFFFE, then n    the following R-APDUs go into a buffer of 2 + n
 *                         octets (n = 0xFF: full size again);
 *   otherwise             L octets of C-APDU (fewer when the input ends).
 * tests/fuzz/make-seeds.sh writes the APDU scripts in this form.
 *
 * Checked after every command: the R-APDU is 2 octets or more and fits the
 * buffer; SW1 is '6X' (not '60') or '9X'; data only with a success or warning
 * SW; '6F00' (internal trouble) never when the buffer is full size.
 * After the session: the card still answers SELECT MF with '61xx' and GET
 * RESPONSE with the FCP, and a card loaded from the store holds what this one
 * holds (every change was stored before it was answered). */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>

#include "apdu/apdu.h"
#include "common/log.h"
#include "usim/card.h"
#include "usim/profile.h"
#include "usim/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC_RESET	0xFFFF
#define REC_RCAP	0xFFFE
#define RCAP_FULL	APDU_RSP_MAX

static const char builtin_profile[] =
#include "card_profile.h"
	;

static struct usim_profile profile;
static struct usim_store *store;	/* in memory, for the whole run */

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_card: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("E2M_FUZZ_PROFILE");
	char err[512];
	int rc;

	common_log_init(talloc_named_const(NULL, 0, "fuzz_card"), -1);	/* silent */
	if (path)
		rc = usim_profile_load(&profile, path, err, sizeof(err));
	else
		rc = usim_profile_parse(&profile, builtin_profile, strlen(builtin_profile),
					err, sizeof(err));
	if (rc < 0)
		fail("profile %s: %s", path ? path : "built in", err);
	if (usim_store_open(&store, ":memory:", err, sizeof(err)) < 0)
		fail("store: %s", err);
	return 0;
}

/* One exchange with its invariants; the R-APDU also into out when given.
 * C-APDU and R-APDU end where global buffers end, so that ASan sees a read
 * or write past their ends. */
static size_t exchange(struct usim_card *card, const uint8_t *c, size_t clen,
		       uint8_t *out, size_t rcap)
{
	static uint8_t cbuf[APDU_CMD_MAX], rbuf[RCAP_FULL];
	uint8_t *cmd = cbuf + sizeof(cbuf) - clen, *r = rbuf + sizeof(rbuf) - rcap;
	size_t rlen;
	unsigned int sw1, sw;

	memcpy(cmd, c, clen);
	rlen = usim_card_apdu(card, cmd, clen, r, rcap);
	if (rlen < 2 || rlen > rcap)
		fail("R-APDU of %zu octets in a buffer of %zu", rlen, rcap);
	sw1 = r[rlen - 2];
	sw = sw1 << 8 | r[rlen - 1];
	if (sw1 == 0x60 || ((sw1 & 0xf0) != 0x60 && (sw1 & 0xf0) != 0x90))
		fail("SW %04X is no status word (ISO/IEC 7816-4 5.6)", sw);
	if (rlen > 2 && !(sw1 == 0x90 || sw1 == 0x91 || sw1 == 0x92 || sw1 == 0x9F ||
			  sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63))
		fail("%zu data octets with the error SW %04X", rlen - 2, sw);
	if (sw == 0x6F00 && rcap == RCAP_FULL)
		fail("'6F00' (technical problem) for a C-APDU of %zu octets", clen);
	if (out)
		memcpy(out, r, rlen);
	return rlen;
}

/* The card answers SELECT MF and hands out the FCP after any session. */
static void check_alive(struct usim_card *card)
{
	static const uint8_t select_mf[] = { 0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00 };
	uint8_t get_rsp[] = { 0x00, 0xC0, 0x00, 0x00, 0x00 };
	static uint8_t r[RCAP_FULL];
	size_t rlen = exchange(card, select_mf, sizeof(select_mf), r, sizeof(r));

	if (rlen != 2 || r[0] != 0x61 || r[1] == 0)
		fail("SELECT MF after the session: SW %02X%02X, %zu octets", r[rlen - 2],
		     r[rlen - 1], rlen);
	get_rsp[4] = r[1];
	rlen = exchange(card, get_rsp, sizeof(get_rsp), r, sizeof(r));
	if (rlen != (size_t)get_rsp[4] + 2 || r[rlen - 2] != 0x90 || r[rlen - 1] != 0x00 ||
	    r[0] != 0x62)
		fail("GET RESPONSE of the MF's FCP: SW %02X%02X, %zu octets", r[rlen - 2],
		     r[rlen - 1], rlen);
}

/* A card loaded from the store is the card in memory, but for its volatile
 * state (selections, security status). */
static void check_stored(const struct usim_card *card)
{
	struct usim_card *loaded = NULL;
	char err[512];

	if (usim_card_new(&loaded, &profile, store, false, err, sizeof(err)) < 0)
		fail("reloading the card from its store: %s", err);
	for (size_t i = 0; i < card->fs->count; i++) {
		if (card->content[i] &&
		    memcmp(card->content[i], loaded->content[i], card->fs->nodes[i].content_size))
			fail("%s differs from its stored contents", fs_name(card->fs, (int)i));
	}
	for (int i = 0; i < USIM_PIN_COUNT; i++) {
		const struct usim_pin *a = &card->pin[i], *b = &loaded->pin[i];
		if (memcmp(a->value, b->value, USIM_PIN_LEN) || memcmp(a->puk, b->puk, USIM_PIN_LEN) ||
		    a->enabled != b->enabled || a->tries != b->tries || a->puk_tries != b->puk_tries)
			fail("PIN %02X differs from its stored state", a->key_ref);
	}
	for (unsigned int i = 0; i < (1u << card->sqn.ind_bits); i++) {
		if (card->sqn_state.seq[i] != loaded->sqn_state.seq[i])
			fail("SQN slot %u differs from its stored value", i);
	}
	usim_card_free(loaded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *pos = data, *end = data + size;
	struct usim_card *card = NULL;
	size_t rcap = RCAP_FULL;
	char err[512];

	/* A fresh card: what the store holds of the previous input's is dropped. */
	if (usim_card_new(&card, &profile, store, true, err, sizeof(err)) < 0)
		fail("new card: %s", err);
	while (end - pos >= 2) {
		size_t len = (size_t)pos[0] << 8 | pos[1];
		pos += 2;
		if (len == REC_RESET) {
			usim_card_reset(card);
		} else if (len == REC_RCAP) {
			if (pos == end)
				break;
			rcap = *pos == 0xFF ? RCAP_FULL : 2 + (size_t)*pos;
			pos++;
		} else {
			if (len > (size_t)(end - pos))
				len = (size_t)(end - pos);
			exchange(card, pos, len, NULL, rcap);
			pos += len;
		}
	}
	check_alive(card);
	check_stored(card);
	usim_card_free(card);
	return 0;
}
