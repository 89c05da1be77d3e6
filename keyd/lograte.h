/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Log lines that a peer can cause in floods (keyd/API.md "Limits"): at most
 * one line of each kind per interval; the others are counted and told as one
 * line "TEXT (and N more like it in the last S s)" once the interval is over.
 * A kind is any stable pointer, usually the line's format string. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define KEYD_LOGRATE_KINDS 32
#define KEYD_LOGRATE_TEXT_MAX 256
#define KEYD_LOGRATE_INTERVAL_S 10

struct keyd_lograte_kind {
	const void *kind;		/* NULL: free; the last row takes the kinds beyond */
	int level;
	int64_t window_end_ms;		/* CLOCK_MONOTONIC; lines before it are held */
	unsigned long held;
	char last[KEYD_LOGRATE_TEXT_MAX];	/* the last held line */
};

struct keyd_lograte {
	pthread_mutex_t lock;
	unsigned int interval_s;
	struct keyd_lograte_kind kinds[KEYD_LOGRATE_KINDS];
};

/* Ready to use, nothing held; interval_s 0: KEYD_LOGRATE_INTERVAL_S. */
void keyd_lograte_init(struct keyd_lograte *r, unsigned int interval_s);
/* Tells what is held, whatever the windows. */
void keyd_lograte_destroy(struct keyd_lograte *r);

/* Logs text (one line, no '\n') in category DKEYD at level, unless a line of
 * the same kind was logged less than the interval ago: then holds it. */
void keyd_lograte_line(struct keyd_lograte *r, const void *kind, int level, const char *text);
/* keyd_lograte_line() of a formatted line; its kind is fmt. */
void keyd_lograte_printf(struct keyd_lograte *r, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Logs one line for each kind whose interval is over with lines held, and
 * starts its next interval; call it every second or so. */
void keyd_lograte_flush(struct keyd_lograte *r);
