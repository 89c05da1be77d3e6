/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs APDU scripts against the card: in process (usim_card_apdu, no sockets)
 * or through any PC/SC reader (raw, no automatic GET RESPONSE), printing TAP.
 *
 * Script lines: "C-APDU -> R-APDU" in hex (blanks allowed), "# comment",
 * "@reset" (card reset), "@profile NAME" (before any APDU: the card is
 * personalised from tests/profiles/NAME, or from NAME below the top of the
 * tree when it has a '/', instead of the default). --update rewrites the expected R-APDUs with what the
 * in-process card answers: the command that regenerates the golden files.
 * In process, every script starts with a fresh card personalised from the
 * profile (default tests/profiles/script.json) and a store in memory. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "apdu/pcsc.h"
#include "apdu/script.h"
#include "usim/card.h"
#include "usim/profile.h"
#include "usim/store.h"

struct target {
	struct usim_card *card;		/* in process, or */
	struct apdu_transport pcsc;	/* through PC/SC */
	bool use_pcsc;
};

static int exchange(struct target *t, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap, size_t *rlen)
{
	if (!t->use_pcsc) {
		*rlen = usim_card_apdu(t->card, c, clen, r, rcap);
		return 0;
	}
	return apdu_transmit_raw(&t->pcsc, c, clen, r, rcap, rlen);
}

static int reset(struct target *t)
{
	if (!t->use_pcsc) {
		usim_card_reset(t->card);
		return 0;
	}
	return t->pcsc.ops->reset(&t->pcsc);
}

/* Runs one script; returns the number of failures, or -1 on a bad script. */
static int run_script(struct target *t, const char *path, FILE *update, int *test_no)
{
	static uint8_t c[APDU_CMD_MAX], want[APDU_RSP_MAX], got[APDU_RSP_MAX];
	struct apdu_script script;
	struct apdu_script_line line;
	char err[256];
	int failures = 0, rc;

	if (apdu_script_open(&script, path, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return -1;
	}
	while ((rc = apdu_script_next(&script, &line, c, sizeof(c), want, sizeof(want))) > 0) {
		size_t glen;

		if (line.kind != APDU_SCRIPT_EXCHANGE && update)
			fprintf(update, "%s\n", line.text);
		if (line.kind == APDU_SCRIPT_TEXT || line.kind == APDU_SCRIPT_PROFILE)
			continue;	/* "@profile" is taken before the run: script_scan() */
		if (line.kind == APDU_SCRIPT_RESET) {
			if (reset(t) < 0) {
				printf("not ok %d - %s:%u reset failed\n", ++*test_no, path, line.lineno);
				failures++;
			}
			continue;
		}
		if (!update && line.rlen < 2) {
			printf("Bail out! %s:%u: malformed hex\n", path, line.lineno);
			apdu_script_close(&script);
			return -1;
		}
		if (exchange(t, c, line.clen, got, sizeof(got), &glen) < 0) {
			printf("not ok %d - %s:%u transmit failed\n", ++*test_no, path, line.lineno);
			failures++;
			continue;
		}
		if (update) {
			/* osmo_hexdump_nospc() has one static buffer: two calls */
			fprintf(update, "%s -> ", osmo_hexdump_nospc(c, line.clen));
			fprintf(update, "%s\n", osmo_hexdump_nospc(got, glen));
		} else if (glen == (size_t)line.rlen && !memcmp(got, want, glen)) {
			printf("ok %d - %s:%u %s\n", ++*test_no, path, line.lineno,
			       osmo_hexdump_nospc(c, line.clen));
		} else {
			printf("not ok %d - %s:%u %s\n", ++*test_no, path, line.lineno,
			       osmo_hexdump_nospc(c, line.clen));
			printf("#   expected %s\n", osmo_hexdump_nospc(want, (size_t)line.rlen));
			printf("#   got      %s\n", osmo_hexdump_nospc(got, glen));
			failures++;
		}
	}
	apdu_script_close(&script);
	if (rc < 0) {
		printf("Bail out! %s\n", err);
		return -1;
	}
	return failures;
}

/* A script's exchanges, and (when profile is given) the profile it asks
 * for with "@profile NAME" (a NAME with a '/' is a path from the top of the
 * tree, else one of tests/profiles/) or dflt. A malformed script counts
 * what comes before. */
static int script_scan(const char *path, const char *dflt, char *buf, size_t cap, const char **profile)
{
	static uint8_t c[APDU_CMD_MAX];
	struct apdu_script script;
	struct apdu_script_line line;
	char err[256];
	int n = 0;

	if (profile)
		*profile = dflt;
	if (apdu_script_open(&script, path, err, sizeof(err)) < 0)
		return 0;
	while (apdu_script_next(&script, &line, c, sizeof(c), NULL, 0) > 0) {
		if (line.kind == APDU_SCRIPT_EXCHANGE) {
			n++;
		} else if (line.kind == APDU_SCRIPT_PROFILE && profile && *profile == dflt) {
			snprintf(buf, cap, "%s/%s%s", getenv("top_srcdir") ? getenv("top_srcdir") : "..",
				 strchr(line.name, '/') ? "" : "tests/profiles/", line.name);
			*profile = buf;
		}
	}
	apdu_script_close(&script);
	return n;
}

static struct usim_card *fresh_card(const char *profile_path, struct usim_store **store)
{
	struct usim_profile *p = calloc(1, sizeof(*p));
	struct usim_card *card = NULL;
	char err[512];

	usim_store_close(*store);
	*store = NULL;
	if (!p || usim_store_open(store, ":memory:", err, sizeof(err)) < 0 ||
	    usim_profile_load(p, profile_path, err, sizeof(err)) < 0 ||
	    usim_card_new(&card, p, *store, false, err, sizeof(err)) < 0)
		printf("Bail out! %s: %s\n", profile_path, p ? err : "out of memory");
	if (p)
		usim_profile_clear(p);
	free(p);
	return card;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "profile", required_argument, NULL, 'p' },
		{ "update", no_argument, NULL, 'u' },
		{ 0 }
	};
	char default_profile[4096];
	const char *profile = default_profile;
	struct usim_store *store = NULL;
	struct target t = { 0 };
	const char *reader = NULL;
	bool update = false;
	int c, test_no = 0, failed = 0, planned = 0;
	void *ctx = talloc_named_const(NULL, 0, "apdu-script");

	snprintf(default_profile, sizeof(default_profile), "%s/tests/profiles/script.json",
		 getenv("top_srcdir") ? getenv("top_srcdir") : "..");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reader = optarg; break;
		case 'p': profile = optarg; break;
		case 'u': update = true; break;
		default:
			fprintf(stderr, "usage: apdu-script [--reader R | --profile FILE] [--update] SCRIPT...\n");
			return 2;
		}
	}
	common_log_init(ctx, -1);
	if (reader) {
		int rc = apdu_pcsc_open(&t.pcsc, reader);
		if (rc < 0) {
			printf("Bail out! reader %s: %s\n", reader, strerror(-rc));
			return 1;
		}
		t.use_pcsc = true;
	}

	for (int i = optind; i < argc; i++)
		planned += script_scan(argv[i], NULL, NULL, 0, NULL);
	if (!update)
		printf("1..%d\n", planned);

	for (int i = optind; i < argc; i++) {
		FILE *out = NULL;
		char tmp[4096];
		int rc;

		if (!t.use_pcsc) {
			char buf[4096];
			const char *script_profile;

			usim_card_free(t.card);
			script_scan(argv[i], profile, buf, sizeof(buf), &script_profile);
			t.card = fresh_card(script_profile, &store);
			if (!t.card)
				return 1;
		} else if (reset(&t) < 0) {
			printf("Bail out! reset before %s failed\n", argv[i]);
			return 1;
		}
		if (update) {
			snprintf(tmp, sizeof(tmp), "%s.new", argv[i]);
			out = fopen(tmp, "w");
			if (!out) {
				perror(tmp);
				return 1;
			}
		}
		rc = run_script(&t, argv[i], out, &test_no);
		if (out) {
			fclose(out);
			if (rc >= 0 && rename(tmp, argv[i]) < 0)
				perror(argv[i]);
		}
		if (rc < 0)
			return 1;
		failed += rc;
	}
	usim_card_free(t.card);
	usim_store_close(store);
	if (t.use_pcsc)
		apdu_transport_close(&t.pcsc);
	talloc_free(ctx);
	return failed ? 1 : 0;
}
