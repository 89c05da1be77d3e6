/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The monotonic clock (CLOCK_MONOTONIC: never set back, for deadlines and
 * durations only), in the units its callers count in; and the sort that
 * medians and quantiles of measured durations start from. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int64_t common_now_ms(void);
double common_now_s(void);
double common_now_us(void);

/*! Sort v[n] in ascending order. */
void common_sort_doubles(double *v, size_t n);
