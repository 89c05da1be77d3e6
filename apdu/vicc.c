/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The card end of vpcd: connect, reconnect, frames in, answers out. */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "apdu/sw.h"
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
	v->held = -1;
	apdu_vpcd_rx_init(&v->rx);
}

/*! Leave vpcd: the reader shows no card until the slot connects again. */
void apdu_vicc_disconnect(struct apdu_vicc *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	v->powered = false;
	v->held = -1;
	v->out_len = 0;
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

/* Control octets or C-APDUs: what vpcd's 1-octet frames are.
 *
 * vpcd (vsmartcard's pcscd driver; Debian's vsmartcard-vpcd 3.3) sends its
 * control messages as frames of one octet: 00 power off, 01 power on, 02
 * reset, 04 get the ATR. A C-APDU goes out unchanged in a frame of its own
 * length (vicc_transmit() in its vpcd.c; seen so on the wire), so a C-APDU
 * of one octet, which any PC/SC program can send, is a 1-octet frame too:
 * nothing in the framing tells the C-APDU '00' from 00 power off. After a
 * C-APDU the driver waits for the answer without a time-out, holding its
 * lock: an unanswered frame leaves the reader stuck, every later
 * SCardTransmit and SCardConnect with it, until the card leaves. And an
 * answer to a control is never read as such: it would be read as the answer
 * to the next request, and every answer after it one late. So each 1-octet
 * frame must be judged right, and what tells them apart is what the driver
 * does next:
 *
 * - Power on (01) and reset (02) are followed at once by 04: the driver asks
 *   for the ATR in the same call. Power off (00) is followed by 04 too: at
 *   once with pcsc-lite 1.9.9 (as seen on the wire), at the latest with
 *   pcscd's next presence poll (04 every 0.4 s, whatever the card's state).
 * - After a C-APDU the driver sends nothing until it has the answer.
 * - A C-APDU comes only to a powered card: pcscd powers the card on (01)
 *   before the first SCardTransmit of a connection.
 *
 * Hence: every frame of another length, and every 1-octet frame that is no
 * control octet, is a C-APDU, answered at once ('6700' from the card for
 * fewer octets than a header). While unpowered, 00, 01 and 02 are controls.
 * While powered, 00, 01 or 02 is held: anything more arriving within
 * VICC_HOLD_MS shows that it was a control (acted on before what follows is
 * handled); nothing within VICC_HOLD_MS shows that the driver waits for an
 * answer, and the octet is answered as a C-APDU. A 1-octet C-APDU '04'
 * cannot be told from the ATR request (the driver waits after both, and
 * polls with it at any time): it gets the ATR, an answer though a useless
 * one, and the reader goes on serving. A frame of no octets never comes from
 * vpcd (it sends nothing for an empty C-APDU): from any other peer it is a
 * C-APDU like every other frame that is no control. */
#define VICC_HOLD_MS	1000

static void control(struct apdu_vicc *v, uint8_t ctrl)
{
	v->powered = ctrl != APDU_VPCD_POWER_OFF;
	v->ops->power(v, ctrl);
}

/* Something came after the held octet: it was a control. */
static void held_release(struct apdu_vicc *v)
{
	if (v->held < 0)
		return;
	control(v, (uint8_t)v->held);
	v->held = -1;
}

/* Send the answer held for ops->durable, once what it answers is durable;
 * '6581' instead when it cannot be made so. */
static int answer_release(struct apdu_vicc *v)
{
	static const uint8_t not_durable[2] = { APDU_SW_MEMORY_PROBLEM >> 8,
						APDU_SW_MEMORY_PROBLEM & 0xff };
	size_t len = v->out_len;

	if (!len)
		return 0;
	v->out_len = 0;
	if (!v->ops->durable(v))
		return apdu_vpcd_send(v->fd, not_durable, sizeof(not_durable));
	return apdu_vpcd_send(v->fd, v->out, len);
}

/* A C-APDU's answer: sent at once, or held until the end of the poll round
 * when the slot has ops->durable (group commit). */
static int answer_apdu(struct apdu_vicc *v, const uint8_t *capdu, size_t len)
{
	size_t rlen = v->ops->apdu(v, capdu, len, v->out, sizeof(v->out));

	if (rlen < 2)
		return -ENODEV;
	if (v->ops->durable) {
		v->out_len = rlen;
		return 0;
	}
	return apdu_vpcd_send(v->fd, v->out, rlen);
}

/* One complete frame: a control octet or a C-APDU (see above). */
static int handle_frame(struct apdu_vicc *v, const uint8_t *frame, size_t len)
{
	uint8_t atr[64];	/* ISO/IEC 7816-3 8.2: at most 33 octets */
	int n = answer_release(v);	/* answers leave in order */

	if (n < 0)
		return n;
	held_release(v);
	if (len != 1)
		return answer_apdu(v, frame, len);
	switch (frame[0]) {
	case APDU_VPCD_POWER_OFF:
	case APDU_VPCD_POWER_ON:
	case APDU_VPCD_RESET:
		if (!v->powered) {
			control(v, frame[0]);
		} else {
			v->held = frame[0];
			v->held_until = common_now_ms() + VICC_HOLD_MS;
		}
		return 0;
	case APDU_VPCD_GET_ATR:
		/* vpcd polls presence with this: no side effects */
		n = v->ops->atr(v, atr, sizeof(atr));
		if (n < 0)
			return -ENODEV;
		return apdu_vpcd_send(v->fd, atr, (size_t)n);
	default:
		return answer_apdu(v, frame, len);
	}
}

/* Leave vpcd after a failed answer or when the card is gone. */
static void leave(struct apdu_vicc *v, int rc)
{
	LOGP(DVPCD, LOGL_NOTICE, "%s, leaving vpcd %s:%u\n",
	     rc == -ENODEV ? "no card" : "send to vpcd failed", v->host, v->port);
	apdu_vicc_disconnect(v);
}

/* The held octet with nothing after it in time: the driver waits for an
 * answer, so it was a C-APDU. */
static void held_expire(struct apdu_vicc *v, int64_t now)
{
	uint8_t octet;
	int rc;

	if (v->fd < 0 || v->held < 0 || now < v->held_until)
		return;
	octet = (uint8_t)v->held;
	v->held = -1;
	LOGP(DVPCD, LOGL_NOTICE, "1-octet frame %02X and nothing after it for %d ms: a C-APDU, "
	     "not a control\n", octet, VICC_HOLD_MS);
	rc = answer_apdu(v, &octet, 1);
	if (rc < 0)
		leave(v, rc);
}

/* Read what is there and handle every complete frame in it. */
static void slot_read(struct apdu_vicc *v)
{
	uint8_t chunk[4096];
	ssize_t n = read(v->fd, chunk, sizeof(chunk));
	size_t used = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		apdu_vpcd_quickack(v->fd);
		held_release(v);
	}
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
		if (rc < 0)
			leave(v, rc);
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
		struct timespec timeout;
		int64_t wait_ms = -1, now;

		for (size_t i = 0; i < n; i++) {
			if (slots[i].fd < 0)
				try_connect(&slots[i]);
			pfd[i] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
			if (slots[i].fd < 0 || slots[i].ops->present)
				wait_ms = RECONNECT_MS;
		}
		now = common_now_ms();
		for (size_t i = 0; i < n; i++) {
			if (slots[i].fd >= 0 && slots[i].held >= 0) {
				int64_t left = slots[i].held_until > now ? slots[i].held_until - now : 0;
				if (wait_ms < 0 || left < wait_ms)
					wait_ms = left;
			}
		}
		timeout = (struct timespec){ .tv_sec = wait_ms / 1000, .tv_nsec = wait_ms % 1000 * 1000000L };
		if (ppoll(pfd, n, wait_ms >= 0 ? &timeout : NULL, &during_poll) < 0) {
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
		now = common_now_ms();
		for (size_t i = 0; i < n; i++)
			held_expire(&slots[i], now);
		/* the answers of this round: the first makes every change
		 * durable, the others find theirs so */
		for (size_t i = 0; i < n; i++) {
			int rc;
			if (slots[i].fd < 0 || !slots[i].out_len)
				continue;
			rc = answer_release(&slots[i]);
			if (rc < 0)
				leave(&slots[i], rc);
		}
	}
	return 0;
}
