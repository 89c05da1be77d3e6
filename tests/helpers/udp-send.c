/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp-send [--wait MS] [--gap MS] HOST:PORT HEX...: sends each HEX as one
 * UDP datagram from one socket on 127.0.0.1 (an IPv4 HOST), --gap MS apart
 * (default 0), then prints each datagram that comes back within --wait MS
 * (default 0) as lower-case hex, one per line. "-" as the only HEX reads
 * one HEX a line from stdin. For the EDP tests: raw messages (replays,
 * flipped bits, truncations) to the HSE, and its downlinks back. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hex.h"

static int send_hex(int fd, const struct sockaddr_in *to, const char *hex)
{
	static unsigned char buf[65536];
	size_t len = strcspn(hex, "\r\n");
	int n = common_hex_decode(hex, len, buf, sizeof(buf));

	if (n < 0) {
		fprintf(stderr, "udp-send: not hex: %.40s\n", hex);
		return -1;
	}
	if (sendto(fd, buf, (size_t)n, 0, (const struct sockaddr *)to, sizeof(*to)) != n) {
		fprintf(stderr, "udp-send: send: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET }, me = { .sin_family = AF_INET };
	static unsigned char buf[65536];
	long wait_ms = 0, gap_ms = 0;
	long long deadline;
	char host[64], *colon;
	int i = 1, fd, rc = 0;

	for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
		if (!strcmp(argv[i], "--wait"))
			wait_ms = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--gap"))
			gap_ms = atol(argv[i + 1]);
		else
			break;
	}
	if (i >= argc || !(colon = strrchr(argv[i], ':')) || (size_t)(colon - argv[i]) >= sizeof(host)) {
		fprintf(stderr, "usage: udp-send [--wait MS] [--gap MS] HOST:PORT HEX...\n");
		return 2;
	}
	memcpy(host, argv[i], (size_t)(colon - argv[i]));
	host[colon - argv[i]] = '\0';
	to.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
		fprintf(stderr, "udp-send: %s: not an IPv4 address\n", host);
		return 2;
	}
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		fprintf(stderr, "udp-send: socket: %s\n", strerror(errno));
		return 1;
	}
	if (i + 2 == argc && !strcmp(argv[i + 1], "-")) {
		char *line = NULL;
		size_t cap = 0;

		while (rc == 0 && getline(&line, &cap, stdin) > 0) {
			if (line[0] == '\n')
				continue;
			rc = send_hex(fd, &to, line);
			if (gap_ms)
				sleep_ms(gap_ms);
		}
		free(line);
	} else {
		for (int k = i + 1; k < argc && rc == 0; k++) {
			rc = send_hex(fd, &to, argv[k]);
			if (gap_ms && k + 1 < argc)
				sleep_ms(gap_ms);
		}
	}
	deadline = common_now_ms() + wait_ms;
	for (long long left; rc == 0 && (left = deadline - common_now_ms()) > 0;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			continue;	/* ECONNREFUSED of an earlier datagram */
		for (ssize_t k = 0; k < n; k++)
			printf("%02x", buf[k]);
		printf("\n");
		fflush(stdout);
	}
	close(fd);
	return rc ? 1 : 0;
}
