/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vpcd framing and the card side of its TCP connection. */

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apdu/vpcd.h"

void apdu_vpcd_rx_init(struct apdu_vpcd_rx *rx)
{
	rx->hdr_have = 0;
	rx->need = 0;
	rx->have = 0;
}

/*! Consume octets of the stream until one frame is complete. Returns how many
 *  octets of in were consumed; *complete tells whether a frame is ready in
 *  rx->frame (apdu_vpcd_frame_len() octets). The caller feeds the rest of in
 *  again after handling the frame. A zero-length frame is complete at once. */
size_t apdu_vpcd_rx_feed(struct apdu_vpcd_rx *rx, const uint8_t *in, size_t len, bool *complete)
{
	size_t used = 0;

	*complete = false;
	if (rx->hdr_have == 2 && rx->have == rx->need)
		apdu_vpcd_rx_init(rx);	/* previous frame was handed out */
	while (rx->hdr_have < 2 && used < len) {
		rx->hdr[rx->hdr_have++] = in[used++];
		if (rx->hdr_have == 2)
			rx->need = ((size_t)rx->hdr[0] << 8) | rx->hdr[1];
	}
	if (rx->hdr_have < 2)
		return used;
	if (rx->have < rx->need) {
		size_t take = rx->need - rx->have;
		if (take > len - used)
			take = len - used;
		memcpy(rx->frame + rx->have, in + used, take);
		rx->have += take;
		used += take;
	}
	*complete = rx->have == rx->need;
	return used;
}

size_t apdu_vpcd_frame_len(const struct apdu_vpcd_rx *rx)
{
	return rx->have;
}

/*! Send one frame in one write (header and data together, so that no
 *  segment waits for an ACK), looping over partial writes. Returns 0 or
 *  -errno. */
int apdu_vpcd_send(int fd, const uint8_t *data, size_t len)
{
	uint8_t buf[2 + APDU_VPCD_FRAME_MAX];
	size_t left = len + 2;
	const uint8_t *p = buf;

	if (len > APDU_VPCD_FRAME_MAX)
		return -EMSGSIZE;
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, data, len);
	while (left) {
		ssize_t w = send(fd, p, left, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		left -= (size_t)w;
	}
	return 0;
}

/*! Acknowledge received data at once. vpcd writes a frame's length and its
 *  octets in two writes; with Nagle on its side the second waits for our
 *  ACK, which Linux would delay by up to 40 ms. Call after every read. */
void apdu_vpcd_quickack(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/*! Connect to vpcd. Returns a connected stream socket or -errno. */
int apdu_vpcd_connect(const char *host, uint16_t port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
	struct addrinfo *res, *ai;
	char service[8];
	int fd = -ECONNREFUSED;

	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		int one = 1;
		int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0) {
			fd = -errno;
			continue;
		}
		if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			fd = s;
			break;
		}
		fd = -errno;
		close(s);
	}
	freeaddrinfo(res);
	return fd;
}

/*! Parse "HOST:PORT", "[V6]:PORT", "HOST" or ":PORT"; missing parts keep the
 *  values already in host and *port. Returns 0 or -1 on a malformed spec. */
int apdu_vpcd_parse_hostport(const char *spec, char *host, size_t host_cap, uint16_t *port)
{
	const char *colon, *h = spec;
	size_t hlen;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || (close[1] != '\0' && close[1] != ':'))
			return -1;
		h = spec + 1;
		hlen = (size_t)(close - h);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(spec, ':');
		if (colon && strchr(spec, ':') != colon)
			return -1;	/* bare IPv6 needs brackets */
		hlen = colon ? (size_t)(colon - spec) : strlen(spec);
	}
	if (colon) {
		char *endp;
		unsigned long p = strtoul(colon + 1, &endp, 10);
		if (colon[1] == '\0' || *endp != '\0' || p == 0 || p > 65535)
			return -1;
		*port = (uint16_t)p;
	}
	if (hlen) {
		if (hlen >= host_cap)
			return -1;
		memcpy(host, h, hlen);
		host[hlen] = '\0';
	}
	return 0;
}
