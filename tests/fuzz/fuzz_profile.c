/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the JSON profile parser, usim_profile_parse(), and the
 * ME bridge's parser of an "e2m" object alone, e2m_config_parse().
 * Neither may crash or leak; a refusal comes with a message (usim/profile.h).
 * A profile that parses is personalised into a card with a store in memory
 * (usim_card_new): "files" overrides and the rest must fit the file table,
 * or be refused with a message. */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>

#include "common/log.h"
#include "usim/card.h"
#include "usim/profile.h"
#include "usim/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_profile: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	common_log_init(talloc_named_const(NULL, 0, "fuzz_profile"), -1);	/* silent */
	return 0;
}

/* A refusal must say why: err holds a non-empty, terminated message. */
static void check_message(const char *what, const char *err, size_t errlen)
{
	if (!memchr(err, '\0', errlen) || !err[0])
		fail("%s refused without a message", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct usim_profile p;
	struct e2m_config e2m;
	struct usim_store *store = NULL;
	struct usim_card *card = NULL;
	char err[512];

	/* The bytes of a file, unterminated: the parsers take a length. */
	err[0] = '\0';
	if (e2m_config_parse(&e2m, (const char *)data, size, err, sizeof(err)) < 0)
		check_message("e2m object", err, sizeof(err));

	err[0] = '\0';
	if (usim_profile_parse(&p, (const char *)data, size, err, sizeof(err)) < 0) {
		check_message("profile", err, sizeof(err));
		usim_profile_clear(&p);
		return 0;
	}
	if (usim_store_open(&store, ":memory:", err, sizeof(err)) < 0)
		fail("store: %s", err);
	err[0] = '\0';
	if (usim_card_new(&card, &p, store, false, err, sizeof(err)) < 0)
		check_message("personalisation", err, sizeof(err));
	usim_card_free(card);
	usim_store_close(store);
	usim_profile_clear(&p);
	return 0;
}
