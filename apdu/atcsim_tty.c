/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AT+CSIM transport: raw APDUs to the card in a modem, over its serial port.
 * The lines are coded and parsed by apdu/atcsim.c; this file opens the tty
 * (raw, 8N1, termios), writes each command and reads the answer line by
 * line, with a timeout.
 *
 * Echo is switched off (ATE0) and echoed lines are skipped anyway. AT+CMEE=1
 * asks for +CME ERROR codes instead of a bare ERROR (TS 27.007 9.1); a modem
 * that refuses it is used all the same.
 *
 * The timeout is per AT command: apdu_transceive() may need several.
 *
 * One exchange at a time: whatever the modem sends between exchanges (a late
 * answer after a timeout, URCs) is dropped before the next command. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "apdu/atcsim.h"
#include "common/log.h"

/* The lines one answer is parsed from: its one +CSIM line and its final
 * result code, each with a '\n', and the NUL. */
#define ATCSIM_RESP_MAX		(2 * APDU_ATCSIM_LINE_MAX + 3)

struct atcsim_priv {
	int fd;
	unsigned int timeout_ms;
	int last_cme;
	char tty[64];		/* for the log */
	/* the line assembler */
	char *line;
	size_t line_len;
	bool line_overflow;
	/* the answer being collected */
	char *resp;
	size_t resp_len;
	bool csim_seen, csim_extra, csim_too_long;
	char *cmd;
};

/* Baud rates and their termios speeds. */
static const struct {
	unsigned int baud;
	speed_t speed;
} baud_table[] = {
	{ .baud = 1200, .speed = B1200 },
	{ .baud = 2400, .speed = B2400 },
	{ .baud = 4800, .speed = B4800 },
	{ .baud = 9600, .speed = B9600 },
	{ .baud = 19200, .speed = B19200 },
	{ .baud = 38400, .speed = B38400 },
	{ .baud = 57600, .speed = B57600 },
	{ .baud = 115200, .speed = B115200 },
	{ .baud = 230400, .speed = B230400 },
	{ .baud = 460800, .speed = B460800 },
	{ .baud = 921600, .speed = B921600 },
};

/* Milliseconds left until deadline, 0 when past. */
static int left_ms(long long deadline)
{
	long long left = deadline - common_now_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

static int write_all(struct atcsim_priv *p, const char *buf, size_t len, long long deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(p->fd, buf + off, len - off);
		struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
		int r;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			r = -errno;
			LOGP(DAPDU, LOGL_ERROR, "modem %s: write: %s\n", p->tty, strerror(errno));
			return r;
		}
		r = poll(&pfd, 1, left_ms(deadline));
		if (r == 0) {
			LOGP(DAPDU, LOGL_ERROR, "modem %s: cannot send within %u ms\n", p->tty,
			     p->timeout_ms);
			return -ETIMEDOUT;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Drop what arrived since the last answer, so that it cannot pass for the
 * answer to the next command. */
static void drain(struct atcsim_priv *p)
{
	char buf[512];
	size_t dropped = 0;
	ssize_t n;

	tcflush(p->fd, TCIFLUSH);
	while (dropped < 65536 && (n = read(p->fd, buf, sizeof(buf))) > 0)
		dropped += (size_t)n;
	if (dropped)
		LOGP(DAPDU, LOGL_DEBUG, "modem %s: dropped %zu stale octets\n", p->tty, dropped);
	p->line_len = 0;
	p->line_overflow = false;
	p->last_cme = -1;
	p->resp_len = 0;
	p->csim_seen = p->csim_extra = p->csim_too_long = false;
}

static void resp_append(struct atcsim_priv *p, const char *s, size_t len)
{
	/* cannot overflow: one +CSIM line and one final line, each at most
	 * APDU_ATCSIM_LINE_MAX; checked all the same */
	if (p->resp_len + len + 2 > ATCSIM_RESP_MAX)
		return;
	memcpy(p->resp + p->resp_len, s, len);
	p->resp_len += len;
	p->resp[p->resp_len++] = '\n';
	p->resp[p->resp_len] = '\0';
}

/* The final verdict of an exchange, logged. */
static int verdict(struct atcsim_priv *p, bool csim, uint8_t *rapdu, size_t rcap, size_t *rlen,
		   const char *final, size_t final_len)
{
	size_t dummy;
	int cme = -1;
	int rc = apdu_atcsim_parse(p->resp, rapdu, rcap, rlen ? rlen : &dummy, &cme);

	if (!csim && apdu_atcsim_line_kind(final, final_len) == APDU_ATCSIM_LINE_OK)
		rc = 0;		/* a plain command: OK is all we want */
	else if (rc == 0 && p->csim_extra)
		rc = -EPROTO;
	else if ((rc == 0 || rc == -EPROTO) && p->csim_too_long)
		rc = -ENOBUFS;
	p->last_cme = cme;

	if (cme >= 0) {
		const char *name = apdu_atcsim_cme_name(cme);
		LOGP(DAPDU, LOGL_ERROR, "modem %s: +CME ERROR %d (%s): '%.*s'\n", p->tty, cme,
		     name ? name : "not in TS 27.007 9.2", (int)final_len, final);
	} else if (rc == -EIO) {
		LOGP(DAPDU, LOGL_ERROR, "modem %s: ERROR\n", p->tty);
	} else if (rc == -ENOBUFS) {
		LOGP(DAPDU, LOGL_ERROR, "modem %s: +CSIM answer longer than %zu octets\n", p->tty,
		     rcap);
	} else if (rc == -EPROTO) {
		LOGP(DAPDU, LOGL_ERROR, "modem %s: %s\n", p->tty,
		     !p->csim_seen ? "OK without a +CSIM answer" :
		     p->csim_extra ? "more than one +CSIM answer" : "malformed +CSIM answer");
		LOGP(DAPDU, LOGL_DEBUG, "modem %s: the answer was '%s'\n", p->tty, p->resp);
	}
	return rc;
}

/* One complete line from the assembler. Returns -EAGAIN while no final
 * result code has come, else the verdict. */
static int end_line(struct atcsim_priv *p, bool csim, uint8_t *rapdu, size_t rcap, size_t *rlen)
{
	const char *s = p->line;
	size_t len = p->line_len;
	enum apdu_atcsim_line kind = apdu_atcsim_line_kind(s, len);
	bool overflow = p->line_overflow;

	p->line_len = 0;
	p->line_overflow = false;
	if (!len)
		return -EAGAIN;
	switch (kind) {
	case APDU_ATCSIM_LINE_OTHER:
		LOGP(DAPDU, LOGL_DEBUG, "modem %s: skipping '%.*s'%s\n", p->tty,
		     (int)(len > 80 ? 80 : len), s, len > 80 || overflow ? "..." : "");
		return -EAGAIN;
	case APDU_ATCSIM_LINE_CSIM:
		LOGP(DAPDU, LOGL_DEBUG, "modem %s: <- %.*s\n", p->tty, (int)len, s);
		if (overflow)
			p->csim_too_long = true;
		else if (p->csim_seen)
			p->csim_extra = true;
		else
			resp_append(p, s, len);
		p->csim_seen = true;
		return -EAGAIN;
	case APDU_ATCSIM_LINE_OK:
	case APDU_ATCSIM_LINE_ERROR:
	case APDU_ATCSIM_LINE_CME:
		LOGP(DAPDU, LOGL_DEBUG, "modem %s: <- %.*s\n", p->tty, (int)len, s);
		resp_append(p, s, len);
		return verdict(p, csim, rapdu, rcap, rlen, s, len);
	}
	return -EAGAIN;
}

/* What came in the same read after the final result code, line ends aside. */
static void log_dropped(struct atcsim_priv *p, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] != '\r' && s[i] != '\n';
	if (n)
		LOGP(DAPDU, LOGL_DEBUG, "modem %s: %zu octets after the final result code dropped\n",
		     p->tty, n);
}

/* Send cmd and read lines until a final result code or the timeout. With
 * csim, the answer must be a +CSIM line and OK, parsed into rapdu. */
static int exchange(struct atcsim_priv *p, const char *cmd, size_t cmd_len, bool csim,
		    uint8_t *rapdu, size_t rcap, size_t *rlen)
{
	long long deadline = common_now_ms() + p->timeout_ms;
	int rc;

	drain(p);
	LOGP(DAPDU, LOGL_DEBUG, "modem %s: -> %.*s\n", p->tty, (int)(cmd_len - 1), cmd);
	rc = write_all(p, cmd, cmd_len, deadline);
	if (rc < 0)
		return rc;
	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		char buf[512];
		ssize_t n;
		int r = poll(&pfd, 1, left_ms(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0) {
			LOGP(DAPDU, LOGL_ERROR, "modem %s: no final result code within %u ms\n",
			     p->tty, p->timeout_ms);
			return -ETIMEDOUT;
		}
		n = read(p->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0 || (n == 0 && (pfd.revents & (POLLHUP | POLLERR)))) {
			LOGP(DAPDU, LOGL_ERROR, "modem %s: the line is gone (%s)\n", p->tty,
			     n < 0 ? strerror(errno) : "hang-up");
			return -EIO;
		}
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c == '\r' || c == '\n') {
				rc = end_line(p, csim, rapdu, rcap, rlen);
				if (rc != -EAGAIN) {
					log_dropped(p, buf + i + 1, (size_t)(n - i - 1));
					return rc;
				}
			} else if (c == '\0') {
				continue;
			} else if (p->line_len < APDU_ATCSIM_LINE_MAX) {
				p->line[p->line_len++] = c;
			} else {
				p->line_overflow = true;
			}
		}
	}
}

static int atcsim_transmit(struct apdu_transport *t, const uint8_t *capdu, size_t clen,
			   uint8_t *rapdu, size_t rcap, size_t *rlen)
{
	struct atcsim_priv *p = t->priv;
	int n = apdu_atcsim_build(p->cmd, APDU_ATCSIM_CMD_MAX, capdu, clen);

	if (n < 0)
		return n;
	return exchange(p, p->cmd, (size_t)n, true, rapdu, rcap, rlen);
}

/* AT+CSIM reaches the card only after the modem has reset it: there is no
 * command for its ATR (AT+CATR is optional and rare). The bridge presents an
 * ATR of its own. */
static int atcsim_atr(struct apdu_transport *t, uint8_t *buf, size_t cap)
{
	return -ENOTSUP;
}

/* The only reset a modem offers is AT+CFUN=1,1, a restart of the whole modem
 * (and of its registration); too drastic to hide behind a card reset. */
static int atcsim_reset(struct apdu_transport *t)
{
	return -ENOTSUP;
}

static void priv_free(struct atcsim_priv *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p->line);
	free(p->resp);
	free(p->cmd);
	free(p);
}

static void atcsim_close(struct apdu_transport *t)
{
	if (!t->priv)
		return;
	priv_free(t->priv);
	t->priv = NULL;
}

static const struct apdu_transport_ops atcsim_ops = {
	.name = "atcsim",
	.transmit = atcsim_transmit,
	.atr = atcsim_atr,
	.reset = atcsim_reset,
	.close = atcsim_close,
};

/* The termios speed of a baud rate from baud_table; false when not there. */
static bool baud_speed(unsigned int baud, speed_t *speed)
{
	for (size_t i = 0; i < sizeof(baud_table) / sizeof(baud_table[0]); i++) {
		if (baud_table[i].baud == baud) {
			*speed = baud_table[i].speed;
			return true;
		}
	}
	return false;
}

bool apdu_atcsim_baud_supported(unsigned int baud)
{
	speed_t speed;

	return baud_speed(baud, &speed);
}

int apdu_atcsim_check_tty(const char *tty)
{
	struct stat st;
	int fd, rc = 0;

	if (stat(tty, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!isatty(fd))
		rc = -ENOTTY;
	close(fd);
	return rc;
}

/* Raw mode, 8N1, no flow control, the given speed; reads never block. */
static int set_line(struct atcsim_priv *p, unsigned int baud)
{
	struct termios tio;
	speed_t speed;

	if (!baud_speed(baud, &speed)) {
		LOGP(DAPDU, LOGL_ERROR, "modem %s: unsupported baud rate %u\n", p->tty, baud);
		return -EINVAL;
	}
	if (tcgetattr(p->fd, &tio) < 0)
		goto fail;
	cfmakeraw(&tio);
	tio.c_cflag &= ~(tcflag_t)(PARENB | CSTOPB | CSIZE | CRTSCTS);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (cfsetispeed(&tio, speed) < 0 || cfsetospeed(&tio, speed) < 0)
		goto fail;
	if (tcsetattr(p->fd, TCSANOW, &tio) < 0)
		goto fail;
	tcflush(p->fd, TCIOFLUSH);
	return 0;
fail:
	LOGP(DAPDU, LOGL_ERROR, "modem %s: cannot set up the line: %s\n", p->tty, strerror(errno));
	return errno == ENOTTY ? -ENOTTY : -EIO;
}

int apdu_atcsim_open(struct apdu_transport *t, const char *tty, unsigned int baud,
		     unsigned int timeout_ms)
{
	static const char ate0[] = "ATE0\r", cmee[] = "AT+CMEE=1\r";
	struct atcsim_priv *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->last_cme = -1;
	p->timeout_ms = timeout_ms ? timeout_ms : APDU_ATCSIM_TIMEOUT_DEFAULT;
	snprintf(p->tty, sizeof(p->tty), "%s", tty);
	p->line = malloc(APDU_ATCSIM_LINE_MAX);
	p->resp = malloc(ATCSIM_RESP_MAX);
	p->cmd = malloc(APDU_ATCSIM_CMD_MAX);
	if (!p->line || !p->resp || !p->cmd) {
		priv_free(p);
		return -ENOMEM;
	}
	p->resp[0] = '\0';
	p->fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0) {
		rc = -errno;
		LOGP(DAPDU, LOGL_ERROR, "modem %s: %s\n", p->tty, strerror(errno));
		priv_free(p);
		return rc;
	}
	rc = set_line(p, baud ? baud : APDU_ATCSIM_BAUD_DEFAULT);
	if (rc == 0) {
		rc = exchange(p, ate0, strlen(ate0), false, NULL, 0, NULL);
		if (rc < 0)
			LOGP(DAPDU, LOGL_ERROR, "modem %s: no OK to ATE0: %s\n", p->tty,
			     strerror(-rc));
	}
	if (rc == 0 && exchange(p, cmee, strlen(cmee), false, NULL, 0, NULL) < 0)
		LOGP(DAPDU, LOGL_NOTICE, "modem %s: no AT+CMEE=1: errors will be a bare ERROR\n",
		     p->tty);
	if (rc < 0) {
		priv_free(p);
		return rc;
	}
	LOGP(DAPDU, LOGL_INFO, "modem %s: ready for AT+CSIM\n", p->tty);
	t->ops = &atcsim_ops;
	t->priv = p;
	return 0;
}

int apdu_atcsim_last_cme(const struct apdu_transport *t)
{
	const struct atcsim_priv *p = t->priv;
	return t->ops == &atcsim_ops && p ? p->last_cme : -1;
}
