/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The E2M side of the GSUP proxy (e2msim-gsup-proxy): which subscribers
 * have E2M (a card profile in a directory, matched by IMSI, or an entry in
 * the HSS configuration's "subscribers"), the keysets of the AVs of a
 * SendAuthInfo Result (e2m_hss_keysets(), doc/e2m-profile.md 2) and their
 * delivery to the key service of the variant (keyd_hss_keyset() and
 * keyd_hss_push(), doc/e2m-profile.md 5).
 *
 * The pushes are blocking HTTPS requests: they run in one worker thread, so
 * that the proxy's relay of other clients' messages never waits for a key
 * service. The worker takes jobs in order and hands each one back through a
 * pipe watched by the main loop, which logs the outcome and calls the done
 * callback there (the worker itself never logs: libosmocore's logging is not
 * thread safe). A job holds at most OSMO_GSUP_MAX_NUM_AUTH_INFO AVs; a push
 * waits at most the key service client's deadline (keyd/client.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <osmocom/gsm/gsup.h>

#include "keyd/hss.h"

struct gsup_e2m;

/*! Called in the main loop when the keysets of job id are delivered (ok:
 *  every AV's keyset stored) or have failed. */
typedef void (*gsup_e2m_done_cb)(void *data, uint64_t id, bool ok);

/*! The E2M subscribers and the worker. hss: the HSS configuration (copied);
 *  v: the variant to deliver; profiles_dir: card profiles (NULL: none). NULL
 *  with a message in err (a profile that does not load, a variant without a
 *  delivery URL, no thread). */
struct gsup_e2m *gsup_e2m_create(void *ctx, const struct keyd_hss_config *hss,
				 enum keyd_hss_variant v, const char *profiles_dir,
				 char *err, size_t errlen);

/*! Where finished jobs are reported. */
void gsup_e2m_set_done_cb(struct gsup_e2m *g, gsup_e2m_done_cb cb, void *data);

/*! The number of subscribers with E2M that were loaded. */
unsigned int gsup_e2m_count(const struct gsup_e2m *g);

/*! True when imsi is a subscriber with E2M. */
bool gsup_e2m_has(const struct gsup_e2m *g, const char *imsi);

/*! A SendAuthInfo Result: for a subscriber with E2M, queue the delivery of
 *  the keysets of its AVs as job id and return 1 (the done callback
 *  follows); 0 when there is nothing to deliver (no E2M, no 3G AV); -ENOMEM. */
int gsup_e2m_submit(struct gsup_e2m *g, uint64_t id, const struct osmo_gsup_message *res);

/*! Stops the worker after the job it is on, drops the queued ones, clears
 *  the keys. */
void gsup_e2m_destroy(struct gsup_e2m *g);
