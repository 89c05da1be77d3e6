/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_fsync DIR [COUNT]: the disk's flush floor as the card's journal
 * meets it (usim/journal.h): a 1 MiB file written with zeros and flushed
 * once, then COUNT times (default 2000) one pwrite() of 4 KiB over blocks
 * already there and one fdatasync(), each timed. Prints "MEDIAN_US P99_US".
 * tools/bench.sh runs it on the filesystem of the durable store. */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define FILE_SIZE	(1u << 20)
#define BLOCK		4096u

int main(int argc, char **argv)
{
	static uint8_t block[BLOCK];
	char path[4096];
	size_t count = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
	double *us;
	int fd, rc = 0;

	if (argc < 2 || !count) {
		fprintf(stderr, "usage: bench_fsync DIR [COUNT]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/fsync-floor.bin", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	us = calloc(count, sizeof(*us));
	if (fd < 0 || !us) {
		fprintf(stderr, "bench_fsync: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (size_t off = 0; off < FILE_SIZE; off += BLOCK) {
		if (pwrite(fd, block, BLOCK, (off_t)off) != BLOCK)
			rc = 1;
	}
	if (rc || fsync(fd) < 0) {
		fprintf(stderr, "bench_fsync: %s: cannot write\n", path);
		return 1;
	}
	for (size_t i = 0; i < count; i++) {
		double t0 = common_now_us();

		memset(block, (int)(i & 0xff), 64);
		if (pwrite(fd, block, BLOCK, (off_t)(i % (FILE_SIZE / BLOCK) * BLOCK)) != BLOCK ||
		    fdatasync(fd) < 0) {
			fprintf(stderr, "bench_fsync: %s: %s\n", path, strerror(errno));
			return 1;
		}
		us[i] = common_now_us() - t0;
	}
	common_sort_doubles(us, count);
	printf("%.1f %.1f\n", us[count / 2], us[(size_t)((double)count * 0.99)]);
	close(fd);
	unlink(path);
	free(us);
	return 0;
}
