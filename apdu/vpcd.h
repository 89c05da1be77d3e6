/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vpcd wire protocol of vsmartcard: every message in either direction is a
 * 2-octet big-endian length followed by that many octets. vpcd sends control
 * messages of one octet; everything longer is a C-APDU. The card answers the
 * ATR request and every C-APDU with one message; power and reset get no answer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APDU_VPCD_PORT		35963	/* slot 0; slot n listens on port + n */
#define APDU_VPCD_FRAME_MAX	65535

enum apdu_vpcd_ctrl {
	APDU_VPCD_POWER_OFF	= 0x00,
	APDU_VPCD_POWER_ON	= 0x01,
	APDU_VPCD_RESET		= 0x02,
	APDU_VPCD_GET_ATR	= 0x04,
};

/* Incremental frame decoder: feed it whatever a read returned. */
struct apdu_vpcd_rx {
	uint8_t hdr[2];
	size_t hdr_have;
	size_t need;		/* payload length of the frame in progress */
	size_t have;		/* payload octets received so far */
	uint8_t frame[APDU_VPCD_FRAME_MAX];
};

void apdu_vpcd_rx_init(struct apdu_vpcd_rx *rx);
size_t apdu_vpcd_rx_feed(struct apdu_vpcd_rx *rx, const uint8_t *in, size_t len, bool *complete);
size_t apdu_vpcd_frame_len(const struct apdu_vpcd_rx *rx);

int apdu_vpcd_connect(const char *host, uint16_t port);
int apdu_vpcd_send(int fd, const uint8_t *data, size_t len);
void apdu_vpcd_quickack(int fd);
int apdu_vpcd_parse_hostport(const char *spec, char *host, size_t host_cap, uint16_t *port);
