/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp-recv SECONDS [PORT]: binds UDP 127.0.0.1:PORT (default 4729, GSMTAP),
 * prints "# bound" once listening, then each datagram received within
 * SECONDS as lower-case hex, one per line. For the GSMTAP test. */

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

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static unsigned char buf[65536];
	long long deadline;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: udp-recv SECONDS [PORT]\n");
		return 2;
	}
	sa.sin_port = htons((unsigned short)(argc == 3 ? atoi(argv[2]) : 4729));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "udp-recv: bind 127.0.0.1:%u: %s\n", ntohs(sa.sin_port), strerror(errno));
		return 1;
	}
	printf("# bound 127.0.0.1:%u\n", ntohs(sa.sin_port));
	fflush(stdout);
	deadline = common_now_ms() + (long long)(atof(argv[1]) * 1000);
	for (long long left; (left = deadline - common_now_ms()) > 0;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int rc = poll(&pfd, 1, (int)left);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "udp-recv: poll: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		if (rc == 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			continue;
		for (ssize_t i = 0; i < n; i++)
			printf("%02x", buf[i]);
		printf("\n");
		fflush(stdout);
	}
	close(fd);
	return 0;
}
