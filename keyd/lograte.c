/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rate-limited log lines (keyd/API.md "Limits"). Each kind has a window of
 * interval_s seconds, opened by a line that is logged; the lines of that
 * kind inside the window are held (counted, the last one kept) and told as
 * one line when the window is over. So a flood of one kind of line costs
 * two lines per interval whatever its rate, and nothing goes untold. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "keyd/lograte.h"

void keyd_lograte_init(struct keyd_lograte *r, unsigned int interval_s)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->interval_s = interval_s ? interval_s : KEYD_LOGRATE_INTERVAL_S;
}



/* The row of kind, a free one, or the last (shared by the kinds beyond the
 * table). Under the lock. */
static struct keyd_lograte_kind *row_of(struct keyd_lograte *r, const void *kind)
{
	size_t i;

	for (i = 0; i + 1 < KEYD_LOGRATE_KINDS; i++) {
		if (r->kinds[i].kind == kind)
			return &r->kinds[i];
		if (!r->kinds[i].kind) {
			r->kinds[i].kind = kind;
			return &r->kinds[i];
		}
	}
	return &r->kinds[KEYD_LOGRATE_KINDS - 1];
}

static void tell_held(struct keyd_lograte *r, struct keyd_lograte_kind *k, int64_t now)
{
	LOGP(DKEYD, k->level, "%s (and %lu more like it in the last %u s)\n", k->last, k->held,
	     r->interval_s);
	k->held = 0;
	k->window_end_ms = now + (int64_t)r->interval_s * 1000;
}

void keyd_lograte_destroy(struct keyd_lograte *r)
{
	size_t i;

	for (i = 0; i < KEYD_LOGRATE_KINDS; i++)
		if (r->kinds[i].held)
			tell_held(r, &r->kinds[i], 0);
	pthread_mutex_destroy(&r->lock);
}

void keyd_lograte_line(struct keyd_lograte *r, const void *kind, int level, const char *text)
{
	int64_t now = common_now_ms();
	struct keyd_lograte_kind *k;

	pthread_mutex_lock(&r->lock);
	k = row_of(r, kind);
	if (now >= k->window_end_ms) {
		if (k->held)
			tell_held(r, k, now);
		else
			k->window_end_ms = now + (int64_t)r->interval_s * 1000;
		LOGP(DKEYD, level, "%s\n", text);
	} else {
		k->held++;
		k->level = level;
		snprintf(k->last, sizeof(k->last), "%s", text);
	}
	pthread_mutex_unlock(&r->lock);
}

void keyd_lograte_printf(struct keyd_lograte *r, int level, const char *fmt, ...)
{
	char text[KEYD_LOGRATE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	keyd_lograte_line(r, fmt, level, text);
}

void keyd_lograte_flush(struct keyd_lograte *r)
{
	int64_t now = common_now_ms();
	size_t i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < KEYD_LOGRATE_KINDS; i++)
		if (r->kinds[i].held && now >= r->kinds[i].window_end_ms)
			tell_held(r, &r->kinds[i], now);
	pthread_mutex_unlock(&r->lock);
}
