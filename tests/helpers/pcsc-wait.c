/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcsc-wait READER present|absent SECONDS: waits until the card in the reader
 * (index or name) is present or absent, as PC/SC clients see it. Exit 0 when
 * it is, 1 on time-out, 2 on error. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/talloc.h>

#include "common/clock.h"
#include "common/log.h"
#include "apdu/pcsc.h"

int main(int argc, char **argv)
{
	struct apdu_pcsc_readers readers;
	bool want, present = false;
	double deadline;
	int idx;

	if (argc != 4 || (strcmp(argv[2], "present") && strcmp(argv[2], "absent"))) {
		fprintf(stderr, "usage: pcsc-wait READER present|absent SECONDS\n");
		return 2;
	}
	common_log_init(talloc_named_const(NULL, 0, "pcsc-wait"), -1);
	want = !strcmp(argv[2], "present");
	deadline = common_now_s() + atof(argv[3]);
	do {
		if (apdu_pcsc_list(&readers) == 0 &&
		    (idx = apdu_pcsc_resolve(&readers, argv[1])) >= 0) {
			if (apdu_pcsc_card_present(readers.name[idx], &present) == 0 && present == want)
				return 0;
			apdu_pcsc_wait_change(readers.name[idx], &present, 200);
			if (present == want)
				return 0;
		} else {
			struct timespec pause = { .tv_nsec = 200 * 1000000L };
			nanosleep(&pause, NULL);
		}
	} while (common_now_s() < deadline);
	return 1;
}
