/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"

static struct timespec now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

int64_t common_now_ms(void)
{
	struct timespec ts = now();

	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double common_now_s(void)
{
	struct timespec ts = now();

	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double common_now_us(void)
{
	struct timespec ts = now();

	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void common_sort_doubles(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}
