/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PC/SC client over libpcsclite: the only file that includes winscard.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "apdu/transport.h"

#define APDU_PCSC_READERS_MAX 16
#define APDU_PCSC_NAME_MAX 128

struct apdu_pcsc_readers {
	unsigned int count;
	char name[APDU_PCSC_READERS_MAX][APDU_PCSC_NAME_MAX];
};

int apdu_pcsc_list(struct apdu_pcsc_readers *out);
int apdu_pcsc_resolve(const struct apdu_pcsc_readers *readers, const char *spec);
int apdu_pcsc_open(struct apdu_transport *t, const char *spec);
const char *apdu_pcsc_open_strerror(int rc, char *buf, size_t cap);
int apdu_pcsc_card_present(const char *reader_name, bool *present);
int apdu_pcsc_wait_change(const char *reader_name, bool *present, unsigned int timeout_ms);
const char *apdu_pcsc_reader_name(const struct apdu_transport *t);
