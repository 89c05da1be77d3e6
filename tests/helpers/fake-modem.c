/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fake-modem: a modem on a pseudo-terminal whose SIM is the card in a PC/SC
 * reader. Answers AT, ATE0/ATE1, AT+CMEE=0/1/2 (TS 27.007 9.1, default 0: a
 * bare ERROR) and AT+CSIM (TS 27.007 8.17) by relaying the
 * APDU as given to the card (no GET RESPONSE, no Le correction: that is the
 * client's job), +CME ERROR: 10 when there is no card (+CME ERROR: 13 when
 * it fails to answer). Test switches make it
 * fall silent, interleave unsolicited result codes or fail every AT+CSIM.
 * Runs until SIGTERM or SIGINT. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <osmocom/core/talloc.h>

#include "apdu/atcsim.h"
#include "common/hex.h"
#include "common/log.h"
#include "apdu/pcsc.h"

#define LINE_MAX_LEN	(2 * APDU_CMD_MAX + 64)
#define WRITE_WAIT_MS	2000

/* TS 27.007 9.2.1 */
#define CME_SIM_NOT_INSERTED	10
#define CME_SIM_FAILURE		13

struct modem {
	int master;
	const char *reader;
	bool echo;
	int cmee;		/* AT+CMEE: 0 ERROR, 1 numeric, 2 verbose */
	bool urc;
	long silence_after;	/* answer this many AT+CSIM, then nothing; -1: all */
	long cme_error;		/* answer every AT+CSIM with this; -1: relay */
	long csims;		/* AT+CSIM commands answered */
	int verbose;
	struct apdu_transport card;
	bool connected;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* Write everything, or give up after WRITE_WAIT_MS (nobody reads the pty). */
static void send_raw(struct modem *m, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len && !stop) {
		ssize_t n = write(m->master, buf + off, len - off);
		struct pollfd pfd = { .fd = m->master, .events = POLLOUT };

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (poll(&pfd, 1, WRITE_WAIT_MS) == 0) {
			fprintf(stderr, "fake-modem: nobody reads, %zu octets dropped\n", len - off);
			break;
		}
	}
}

/* One information or final line, framed as V.250 5.7.1 wants (ATV1). */
static void send_line(struct modem *m, const char *text)
{
	if (m->verbose)
		fprintf(stderr, "fake-modem: -> %s\n", text);
	send_raw(m, "\r\n", 2);
	send_raw(m, text, strlen(text));
	send_raw(m, "\r\n", 2);
}

static void answer(struct modem *m, const char *final)
{
	if (m->urc)
		send_line(m, "+CREG: 1");
	send_line(m, final);
}

static void send_cme(struct modem *m, long code)
{
	const char *name = apdu_atcsim_cme_name((int)code);
	char buf[64];

	if (m->cmee == 0)
		snprintf(buf, sizeof(buf), "ERROR");
	else if (m->cmee == 2 && name)
		snprintf(buf, sizeof(buf), "+CME ERROR: %s", name);
	else
		snprintf(buf, sizeof(buf), "+CME ERROR: %ld", code);
	answer(m, buf);
}

/* Relay one C-APDU to the card; connect first when needed, and once more
 * when the card went away (restarted card, pcscd restart). A connection
 * starts with a reset, as a modem's power-up would: every fake-modem finds
 * the card with the MF selected, whatever the last one left. */
static int card_exchange(struct modem *m, const uint8_t *capdu, size_t clen,
			 uint8_t *rapdu, size_t rcap, size_t *rlen)
{
	int rc = -ENODEV;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (!m->connected) {
			rc = apdu_pcsc_open(&m->card, m->reader);
			if (rc < 0)
				return -ENODEV;
			m->connected = true;
			if (m->card.ops->reset(&m->card) < 0)
				fprintf(stderr, "fake-modem: the card did not reset\n");
		}
		rc = apdu_transmit_raw(&m->card, capdu, clen, rapdu, rcap, rlen);
		if (rc == 0)
			return 0;
		apdu_transport_close(&m->card);
		m->connected = false;
	}
	return rc;
}

/* AT+CSIM=<length>,"<command>" */
static void do_csim(struct modem *m, const char *args)
{
	static uint8_t capdu[APDU_CMD_MAX], rapdu[APDU_RSP_MAX];
	static char out[2 * APDU_RSP_MAX + 32];
	static const char digits[] = "0123456789ABCDEF";
	const char *hex, *q;
	char *endp;
	unsigned long length;
	size_t rlen;
	int n, rc;

	if (!strcmp(args, "?")) {		/* test command */
		answer(m, "OK");
		return;
	}
	length = strtoul(args, &endp, 10);
	if (endp == args || *endp != ',' || endp[1] != '"') {
		answer(m, "ERROR");
		return;
	}
	hex = endp + 2;
	q = strchr(hex, '"');
	if (!q || q[1] != '\0' || (size_t)(q - hex) != length ||
	    (n = common_hex_decode(hex, length, capdu, sizeof(capdu))) < 4) {
		answer(m, "ERROR");
		return;
	}
	if (m->cme_error >= 0) {
		send_cme(m, m->cme_error);
		return;
	}
	rc = card_exchange(m, capdu, (size_t)n, rapdu, sizeof(rapdu), &rlen);
	if (rc < 0) {
		fprintf(stderr, "fake-modem: card: %s\n", strerror(-rc));
		send_cme(m, rc == -ENODEV || rc == -ENOENT ? CME_SIM_NOT_INSERTED : CME_SIM_FAILURE);
		return;
	}
	n = snprintf(out, sizeof(out), "+CSIM: %zu,\"", 2 * rlen);
	for (size_t i = 0; i < rlen; i++) {
		out[n++] = digits[rapdu[i] >> 4];
		out[n++] = digits[rapdu[i] & 0xf];
	}
	out[n++] = '"';
	out[n] = '\0';
	if (m->urc)
		send_line(m, "+CREG: 1");
	send_line(m, out);
	send_line(m, "OK");
}

static bool silent(const struct modem *m)
{
	return m->silence_after >= 0 && m->csims >= m->silence_after;
}

/* One command line, without its S3. V.250 5.2.1: lines not starting with
 * AT are ignored. */
static void do_line(struct modem *m, const char *line)
{
	const char *body = line + 2;

	if (strncasecmp(line, "AT", 2))
		return;
	if (m->verbose)
		fprintf(stderr, "fake-modem: <- %s\n", line);
	if (silent(m)) {
		if (m->verbose)
			fprintf(stderr, "fake-modem: silent (--silence-after %ld)\n", m->silence_after);
		return;
	}
	if (!*body) {
		answer(m, "OK");
	} else if (!strcasecmp(body, "E0") || !strcasecmp(body, "E")) {
		m->echo = false;
		answer(m, "OK");
	} else if (!strcasecmp(body, "E1")) {
		m->echo = true;
		answer(m, "OK");
	} else if (!strncasecmp(body, "+CMEE=", 6) && body[6] >= '0' && body[6] <= '2' &&
		   !body[7]) {
		m->cmee = body[6] - '0';
		answer(m, "OK");
	} else if (!strncasecmp(body, "+CSIM=", 6)) {
		m->csims++;
		do_csim(m, body + 6);
	} else {
		answer(m, "ERROR");
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: fake-modem --reader R [--link PATH] [options]\n"
		"A modem on a pseudo-terminal: AT, ATE0/1 and AT+CSIM relayed to the card\n"
		"in PC/SC reader R. Prints the pty's path; runs until SIGTERM.\n\n"
		"  -r, --reader R          reader by index or (part of its) name\n"
		"  -l, --link PATH         also make PATH a symlink to the pty\n"
		"      --silence-after N   answer N AT+CSIM, then nothing at all\n"
		"      --urc               a '+CREG: 1' line before every answer\n"
		"      --cme-error N       answer every AT+CSIM with '+CME ERROR: N'\n"
		"  -v, --verbose           log the AT traffic (twice: PC/SC too)\n"
		"  -h, --help              this text\n");
}

static int open_pty(char *slave, size_t cap, int *slave_fd)
{
	struct termios tio;
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 || ptsname_r(fd, slave, cap) != 0) {
		perror("fake-modem: pty");
		return -1;
	}
	/* The slave's line discipline is the modem's serial line: raw, so that
	 * nothing is echoed or cooked before the client sets it up itself. */
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* Hold the slave open: without any, reads on the master fail with EIO
	 * between two clients. */
	*slave_fd = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave_fd < 0) {
		perror("fake-modem: open slave");
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "link", required_argument, NULL, 'l' },
		{ "silence-after", required_argument, NULL, 'S' },
		{ "urc", no_argument, NULL, 'U' },
		{ "cme-error", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct modem m = { .echo = true, .silence_after = -1, .cme_error = -1 };
	const char *link_path = NULL;
	void *ctx = talloc_named_const(NULL, 0, "fake-modem");
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	char slave[64];
	char *line;
	size_t line_len = 0;
	bool line_overflow = false;
	int slave_fd, c;

	while ((c = getopt_long(argc, argv, "r:l:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': m.reader = optarg; break;
		case 'l': link_path = optarg; break;
		case 'S': m.silence_after = strtol(optarg, NULL, 10); break;
		case 'U': m.urc = true; break;
		case 'C': m.cme_error = strtol(optarg, NULL, 10); break;
		case 'v': m.verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!m.reader || optind != argc) {
		usage(stderr);
		return 2;
	}
	common_log_init(ctx, m.verbose > 1 ? 1 : 0);

	/* SIGTERM only while waiting in ppoll(): no lost wake-up. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	m.master = open_pty(slave, sizeof(slave), &slave_fd);
	if (m.master < 0)
		return 1;
	if (link_path) {
		if (unlink(link_path) < 0 && errno != ENOENT) {
			perror("fake-modem: unlink");
			return 1;
		}
		if (symlink(slave, link_path) < 0) {
			perror("fake-modem: symlink");
			return 1;
		}
	}
	printf("%s\n", slave);
	fflush(stdout);

	line = malloc(LINE_MAX_LEN + 1);
	if (!line)
		return 1;
	while (!stop) {
		struct pollfd pfd = { .fd = m.master, .events = POLLIN };
		char buf[512];
		ssize_t n;

		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			perror("fake-modem: poll");
			break;
		}
		n = read(m.master, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			perror("fake-modem: read");
			break;
		}
		if (m.echo && !silent(&m))
			send_raw(&m, buf, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\r' || buf[i] == '\n') {
				line[line_len] = '\0';
				if (line_overflow)
					answer(&m, "ERROR");
				else if (line_len)
					do_line(&m, line);
				line_len = 0;
				line_overflow = false;
			} else if (line_len < LINE_MAX_LEN) {
				line[line_len++] = buf[i];
			} else {
				line_overflow = true;
			}
		}
	}
	if (m.connected)
		apdu_transport_close(&m.card);
	if (link_path)
		unlink(link_path);
	free(line);
	close(slave_fd);
	close(m.master);
	talloc_free(ctx);
	return 0;
}
