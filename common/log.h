/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Log categories of all e2msim libraries and programs (libosmocore logging). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <osmocom/core/logging.h>

enum common_log_cat {
	DAPDU,		/* APDU exchanges */
	DVPCD,		/* vpcd connection */
	DPCSC,		/* PC/SC client */
	DCARD,		/* card life cycle */
	DFS,		/* file system */
	DSTORE,		/* card state store */
	DAUTH,		/* AKA */
	DE2M,		/* E2M keys */
	DBRIDGE,	/* ME bridge */
	DKEYD,		/* key service (keyd/) */
	DHSE,		/* the HSE's EDP service (hse/) */
	DEDP,		/* the device's EDP session (bridge/edp_device.c) */
	DGSUP,		/* the GSUP proxy (gsup/) */
};

extern const struct log_info common_log_info;

/* Set by a program's documented --log-keys switch; off by default. */
extern int common_log_keys;

void common_log_init(void *ctx, int verbose);
/* The only way a key may reach a log: prints "label: <hidden>" unless
 * common_log_keys is set. */
void common_log_key(int cat, const char *label, const uint8_t *key, size_t len);
