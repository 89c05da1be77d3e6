/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The card end of vpcd: connect, reconnect, frames in, answers out. */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "apdu/vicc.h"

#define RECONNECT_MS 200

void apdu_vicc_init(struct apdu_vicc *v, const struct apdu_vicc_ops *ops, void *priv,
		    const char *host, uint16_t port)
{
	memset(v, 0, sizeof(*v));
	v->ops = ops;
	v->priv = priv;
	snprintf(v->host, sizeof(v->host), "%s", host);
	v->port = port;
	v->fd = -1;
	apdu_vpcd_rx_init(&v->rx);
}

/*! Leave vpcd: the reader shows no card until the slot connects again. */
void apdu_vicc_disconnect(struct apdu_vicc *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	apdu_vpcd_rx_init(&v->rx);
}

static void try_connect(struct apdu_vicc *v)
{
	int fd;

	if (v->ops->present && !v->ops->present(v))
		return;
	fd = apdu_vpcd_connect(v->host, v->port);
	if (fd < 0) {
		if (!v->warned)
			LOGP(DVPCD, LOGL_NOTICE, "vpcd %s:%u not reachable (%s), retrying\n",
			     v->host, v->port, strerror(-fd));
		v->warned = true;
		return;
	}
	LOGP(DVPCD, LOGL_NOTICE, "connected to vpcd %s:%u\n", v->host, v->port);
	v->fd = fd;
	v->warned = false;
	apdu_vpcd_rx_init(&v->rx);
}

/* One complete frame: a control octet or a C-APDU. */
static int handle_frame(struct apdu_vicc *v, const uint8_t *frame, size_t len)
{
	uint8_t rapdu[APDU_VPCD_FRAME_MAX];
	size_t rlen;
	int n;

	if (len == 1) {
		switch (frame[0]) {
		case APDU_VPCD_POWER_OFF:
		case APDU_VPCD_POWER_ON:
		case APDU_VPCD_RESET:
			v->ops->power(v, frame[0]);
			return 0;
		case APDU_VPCD_GET_ATR:
			/* vpcd polls presence with this: no side effects */
			n = v->ops->atr(v, rapdu, sizeof(rapdu));
			if (n < 0)
				return -ENODEV;
			return apdu_vpcd_send(v->fd, rapdu, (size_t)n);
		default:
			LOGP(DVPCD, LOGL_NOTICE, "unknown control octet %02X ignored\n", frame[0]);
			return 0;
		}
	}
	if (len == 0)
		return 0;
	rlen = v->ops->apdu(v, frame, len, rapdu, sizeof(rapdu));
	if (rlen < 2)
		return -ENODEV;
	return apdu_vpcd_send(v->fd, rapdu, rlen);
}

/* Read what is there and handle every complete frame in it. */
static void slot_read(struct apdu_vicc *v)
{
	uint8_t chunk[4096];
	ssize_t n = read(v->fd, chunk, sizeof(chunk));
	size_t used = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0)
		apdu_vpcd_quickack(v->fd);
	if (n <= 0) {
		LOGP(DVPCD, LOGL_NOTICE, "vpcd %s:%u closed the connection, reconnecting\n",
		     v->host, v->port);
		apdu_vicc_disconnect(v);
		return;
	}
	while (used < (size_t)n && v->fd >= 0) {
		bool complete;
		int rc;
		used += apdu_vpcd_rx_feed(&v->rx, chunk + used, (size_t)n - used, &complete);
		if (!complete)
			continue;
		rc = handle_frame(v, v->rx.frame, apdu_vpcd_frame_len(&v->rx));
		if (rc < 0) {
			LOGP(DVPCD, LOGL_NOTICE, "%s, leaving vpcd %s:%u\n",
			     rc == -ENODEV ? "no card" : "send to vpcd failed", v->host, v->port);
			apdu_vicc_disconnect(v);
		}
	}
}

/*! Serve the slots until *stop is set by a signal handler (SIGTERM and
 *  SIGINT are let through only while waiting). Returns 0, or 1 on a poll
 *  error. */
int apdu_vicc_serve(struct apdu_vicc *slots, size_t n, volatile sig_atomic_t *stop)
{
	sigset_t blocked, during_poll;

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigprocmask(SIG_BLOCK, &blocked, &during_poll);
	sigdelset(&during_poll, SIGTERM);
	sigdelset(&during_poll, SIGINT);
	signal(SIGPIPE, SIG_IGN);

	while (!*stop) {
		struct pollfd pfd[n];
		struct timespec timeout = { .tv_nsec = RECONNECT_MS * 1000000L };
		bool waiting = false;

		for (size_t i = 0; i < n; i++) {
			if (slots[i].fd < 0)
				try_connect(&slots[i]);
			pfd[i] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
			waiting |= slots[i].fd < 0 || slots[i].ops->present;
		}
		if (ppoll(pfd, n, waiting ? &timeout : NULL, &during_poll) < 0) {
			if (errno == EINTR)
				continue;
			LOGP(DVPCD, LOGL_ERROR, "poll: %s\n", strerror(errno));
			return 1;
		}
		for (size_t i = 0; i < n; i++) {
			if (slots[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				slot_read(&slots[i]);
			else if (slots[i].fd >= 0 && slots[i].ops->present &&
				 !slots[i].ops->present(&slots[i])) {
				LOGP(DVPCD, LOGL_NOTICE, "card gone, leaving vpcd %s:%u\n",
				     slots[i].host, slots[i].port);
				apdu_vicc_disconnect(&slots[i]);
			}
		}
	}
	return 0;
}
