/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of apdu/atcsim.c: the +CSIM parser on well-formed and every kind
 * of malformed answer, +CME ERROR in numeric and verbose form (TS 27.007 8.17
 * and 9.2), every truncation and random bytes; then the transport against a
 * scripted modem on a pseudo-terminal: answers in single bytes between URCs,
 * silence, +CME ERROR, stale answers, a path that is not a tty. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "common/clock.h"
#include "apdu/atcsim.h"
#include "common/log.h"

struct parse_row {
	const char *label;
	const char *text;
	int rc;
	int cme;		/* expected *cme */
	size_t len;		/* expected R-APDU length when rc == 0 */
	const char *rapdu;	/* its octets, as a string of bytes */
};

static const struct parse_row parse_rows[] = {
	/* TS 27.007 8.17: +CSIM: <length>,<response>, <length> in characters */
	{ .label = "SW only", .text = "\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n",
	  .rc = 0, .cme = -1, .len = 2, .rapdu = "\x90\x00" },
	{ .label = "data and SW", .text = "\r\n+CSIM: 12,\"98000101\x39" "000\"\r\n\r\nOK\r\n",
	  .rc = 0, .cme = -1, .len = 6, .rapdu = "\x98\x00\x01\x01\x90\x00" },
	{ .label = "lower case hex, LF only, no blank after the colon",
	  .text = "+CSIM:6,\"0a6c0e\"\nOK\n",
	  .rc = 0, .cme = -1, .len = 3, .rapdu = "\x0a\x6c\x0e" },
	{ .label = "trailing blanks", .text = "+CSIM: 4,\"6128\"  \r\nOK \r\n",
	  .rc = 0, .cme = -1, .len = 2, .rapdu = "\x61\x28" },
	{ .label = "URCs and an echo before and between",
	  .text = "AT+CSIM=10,\"00B000000A\"\r\r\n+CREG: 1\r\n\r\nRING\r\n"
		  "+CSIM: 4,\"9000\"\r\n+CGREG: 0,1\r\n\r\nOK\r\n",
	  .rc = 0, .cme = -1, .len = 2, .rapdu = "\x90\x00" },
	{ .label = "what follows the final result code is not read",
	  .text = "+CSIM: 4,\"9000\"\r\nOK\r\n+CSIM: 4,\"6A82\"\r\nERROR\r\n",
	  .rc = 0, .cme = -1, .len = 2, .rapdu = "\x90\x00" },

	/* malformed +CSIM lines */
	{ .label = "odd hex length", .text = "+CSIM: 5,\"90001\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "length field larger", .text = "+CSIM: 6,\"9000\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "length field smaller", .text = "+CSIM: 2,\"9000\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "length field in octets", .text = "+CSIM: 3,\"019000\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "length field missing", .text = "+CSIM: ,\"9000\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "length field not a number", .text = "+CSIM: x4,\"9000\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "length field of 7 digits", .text = "+CSIM: 0000004,\"9000\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "comma missing", .text = "+CSIM: 4\"9000\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "quotes missing", .text = "+CSIM: 4,9000\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "closing quote missing", .text = "+CSIM: 4,\"9000\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "opening quote missing", .text = "+CSIM: 4,9000\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "text after the closing quote", .text = "+CSIM: 4,\"9000\",1\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "non-hex digit", .text = "+CSIM: 4,\"90G0\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "blank inside the hex", .text = "+CSIM: 5,\"90 00\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "empty response", .text = "+CSIM: 0,\"\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "response without SW (one octet)", .text = "+CSIM: 2,\"90\"\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "OK without +CSIM", .text = "\r\nOK\r\n", .rc = -EPROTO, .cme = -1 },
	{ .label = "two +CSIM lines", .text = "+CSIM: 4,\"9000\"\r\n+CSIM: 4,\"9000\"\r\nOK\r\n",
	  .rc = -EPROTO, .cme = -1 },
	{ .label = "too long for the buffer", .text = "+CSIM: 36,\"000102030405060708090A0B0C0D0E0F9000\"\r\nOK\r\n",
	  .rc = -ENOBUFS, .cme = -1 },

	/* no final result code yet */
	{ .label = "empty text", .text = "", .rc = -EAGAIN, .cme = -1 },
	{ .label = "OK missing", .text = "+CSIM: 4,\"9000\"\r\n", .rc = -EAGAIN, .cme = -1 },
	{ .label = "OK not yet ended", .text = "+CSIM: 4,\"9000\"\r\nOK", .rc = 0, .cme = -1,
	  .len = 2, .rapdu = "\x90\x00" },
	{ .label = "OK inside a word is not OK", .text = "+CSIM: 4,\"9000\"\r\nOKAY\r\nNOK\r\n",
	  .rc = -EAGAIN, .cme = -1 },

	/* V.250 5.7.1 ERROR; TS 27.007 9.2 +CME ERROR, numeric and verbose */
	{ .label = "ERROR", .text = "\r\nERROR\r\n", .rc = -EIO, .cme = -1 },
	{ .label = "ERROR after a +CSIM line", .text = "+CSIM: 4,\"9000\"\r\nERROR\r\n", .rc = -EIO, .cme = -1 },
	{ .label = "CME 3", .text = "\r\n+CME ERROR: 3\r\n", .rc = -EPERM, .cme = 3 },
	{ .label = "CME 4", .text = "\r\n+CME ERROR: 4\r\n", .rc = -ENOTSUP, .cme = 4 },
	{ .label = "CME 10", .text = "\r\n+CME ERROR: 10\r\n", .rc = -ENODEV, .cme = 10 },
	{ .label = "CME 11", .text = "\r\n+CME ERROR: 11\r\n", .rc = -EACCES, .cme = 11 },
	{ .label = "CME 13", .text = "\r\n+CME ERROR: 13\r\n", .rc = -EIO, .cme = 13 },
	{ .label = "CME 14", .text = "\r\n+CME ERROR: 14\r\n", .rc = -EBUSY, .cme = 14 },
	{ .label = "CME 15", .text = "\r\n+CME ERROR: 15\r\n", .rc = -EMEDIUMTYPE, .cme = 15 },
	{ .label = "CME 100", .text = "\r\n+CME ERROR: 100\r\n", .rc = -EIO, .cme = 100 },
	{ .label = "CME not in the table", .text = "+CME ERROR: 262\r\n", .rc = -EIO, .cme = 262 },
	{ .label = "CME no blank", .text = "+CME ERROR:10\r\n", .rc = -ENODEV, .cme = 10 },
	{ .label = "CME verbose", .text = "\r\n+CME ERROR: SIM not inserted\r\n", .rc = -ENODEV, .cme = 10 },
	{ .label = "CME verbose, other case", .text = "+CME ERROR: sim busy\r\n", .rc = -EBUSY, .cme = 14 },
	{ .label = "CME verbose operation not allowed", .text = "+CME ERROR: operation not allowed\r\n",
	  .rc = -EPERM, .cme = 3 },
	{ .label = "CME verbose SIM PIN required", .text = "+CME ERROR: SIM PIN required\r\n",
	  .rc = -EACCES, .cme = 11 },
	{ .label = "CME verbose not in the table", .text = "+CME ERROR: the modem is sad\r\n",
	  .rc = -EIO, .cme = 100 },
	{ .label = "CME garbled number", .text = "+CME ERROR: 1x\r\n", .rc = -EIO, .cme = 100 },
	{ .label = "CME empty", .text = "+CME ERROR:\r\n", .rc = -EIO, .cme = 100 },
	{ .label = "CME after URC and +CSIM", .text = "+CREG: 1\r\n+CSIM: 4,\"9000\"\r\n+CME ERROR: 13\r\n",
	  .rc = -EIO, .cme = 13 },
	/* +CMS ERROR is an unsolicited-looking line here, not a final code of +CSIM */
	{ .label = "+CMS ERROR is not final", .text = "+CMS ERROR: 500\r\n", .rc = -EAGAIN, .cme = -1 },
};

static void test_parse_table(void **state)
{
	for (size_t i = 0; i < sizeof(parse_rows) / sizeof(parse_rows[0]); i++) {
		const struct parse_row *r = &parse_rows[i];
		uint8_t rapdu[16];
		size_t len = 99;
		int cme = 42;
		int rc = apdu_atcsim_parse(r->text, rapdu, sizeof(rapdu), &len, &cme);

		print_message("# %s\n", r->label);
		assert_int_equal(rc, r->rc);
		assert_int_equal(cme, r->cme);
		if (rc == 0) {
			assert_int_equal(len, r->len);
			assert_memory_equal(rapdu, r->rapdu, r->len);
		} else {
			assert_int_equal(len, 0);
		}
	}
}

static void test_parse_cap(void **state)
{
	static const char text[] = "+CSIM: 8,\"01029000\"\r\nOK\r\n";
	uint8_t rapdu[4];
	size_t len;

	assert_int_equal(apdu_atcsim_parse(text, rapdu, 4, &len, NULL), 0);
	assert_int_equal(len, 4);
	assert_int_equal(apdu_atcsim_parse(text, rapdu, 3, &len, NULL), -ENOBUFS);
	assert_int_equal(apdu_atcsim_parse(text, NULL, 0, &len, NULL), -ENOBUFS);
}

static void test_cme_names(void **state)
{
	assert_string_equal(apdu_atcsim_cme_name(10), "SIM not inserted");
	assert_string_equal(apdu_atcsim_cme_name(14), "SIM busy");
	assert_string_equal(apdu_atcsim_cme_name(100), "unknown");
	assert_null(apdu_atcsim_cme_name(262));
	assert_null(apdu_atcsim_cme_name(-1));
}

/* Every prefix of a good answer: never a read past it, never success before
 * the OK line has begun. */
static void test_parse_truncated(void **state)
{
	static const char full[] = "\r\n+CREG: 1\r\n+CSIM: 12,\"0102030405\x39" "0\"\r\n\r\nOK\r\n";
	const size_t ok_at = strlen(full) - strlen("OK\r\n");

	for (size_t cut = 0; cut <= strlen(full); cut++) {
		char *text = malloc(cut + 1);
		uint8_t rapdu[8];
		size_t len;
		int rc;

		assert_non_null(text);
		memcpy(text, full, cut);
		text[cut] = '\0';
		rc = apdu_atcsim_parse(text, rapdu, sizeof(rapdu), &len, NULL);
		if (cut < ok_at + 2)
			assert_int_equal(rc, -EAGAIN);
		else
			assert_int_equal(rc, 0);
		free(text);
	}
}

/* Random lines from an alphabet that hits every branch; AddressSanitizer
 * watches the bounds. */
static void test_parse_random(void **state)
{
	static const char *pieces[] = {
		"+CSIM:", " ", "4", "12", ",", "\"", "90", "00", "6C", "0g", "\r\n", "\n", "OK",
		"ERROR", "+CME ERROR:", "10", "SIM busy", "+CREG: 1", "RING", "9999999",
	};
	unsigned int seed = 20241127;

	for (int iter = 0; iter < 20000; iter++) {
		char text[256];
		size_t n = 0;
		uint8_t rapdu[4];
		size_t len;
		int cme, rc;

		while (n < 200) {
			const char *p = pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t l = strlen(p);
			memcpy(text + n, p, l);
			n += l;
			if (rand_r(&seed) % 8 == 0)
				break;
		}
		text[n] = '\0';
		rc = apdu_atcsim_parse(text, rapdu, sizeof(rapdu), &len, &cme);
		if (rc == 0)
			assert_true(len >= 2 && len <= sizeof(rapdu));
		else
			assert_int_equal(len, 0);
	}
}

/* ---- the transport against a scripted modem on a pseudo-terminal ---- */

struct step {
	const char *expect;	/* the command line the modem must receive, without CR */
	const char *reply;	/* what it sends back; NULL: nothing */
	unsigned int delay_ms;	/* before replying */
};

struct pty_modem {
	int master;
	char slave[64];
	int slave_fd;	/* held open: the master would see a hang-up between opens */
	pid_t pid;
};

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* The child: read a command line, check it, answer one octet at a time. */
static void modem_run(int fd, const struct step *steps, size_t n)
{
	for (size_t s = 0; s < n; s++) {
		char line[256];
		size_t len = 0;

		for (;;) {
			char c;
			ssize_t r = read(fd, &c, 1);
			if (r <= 0)
				_exit(3);
			if (c == '\r')
				break;
			if (len + 1 < sizeof(line))
				line[len++] = c;
		}
		line[len] = '\0';
		if (strcmp(line, steps[s].expect))
			_exit(2);
		sleep_ms(steps[s].delay_ms);
		for (const char *p = steps[s].reply; p && *p; p++) {
			if (write(fd, p, 1) != 1)
				_exit(3);
			if ((p - steps[s].reply) % 3 == 0)
				sleep_ms(1);
		}
	}
	sleep_ms(10000);
	_exit(0);
}

static void modem_start(struct pty_modem *m, const struct step *steps, size_t n)
{
	struct termios tio;

	m->master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m->master >= 0);
	assert_int_equal(grantpt(m->master), 0);
	assert_int_equal(unlockpt(m->master), 0);
	assert_int_equal(ptsname_r(m->master, m->slave, sizeof(m->slave)), 0);
	assert_int_equal(tcgetattr(m->master, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(m->master, TCSANOW, &tio), 0);
	m->slave_fd = open(m->slave, O_RDWR | O_NOCTTY);
	assert_true(m->slave_fd >= 0);
	m->pid = fork();
	assert_true(m->pid >= 0);
	if (m->pid == 0)
		modem_run(m->master, steps, n);
}

/* Returns the child's exit status: 0 when it saw every command it expected,
 * -1 when it had to be killed while waiting at the end. */
static int modem_stop(struct pty_modem *m)
{
	int status;

	kill(m->pid, SIGKILL);
	waitpid(m->pid, &status, 0);
	close(m->slave_fd);
	close(m->master);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const struct step ate0_echoed = {
	.expect = "ATE0", .reply = "ATE0\r\r\n+CREG: 2\r\n\r\nOK\r\n",
};
static const struct step cmee_ok = { .expect = "AT+CMEE=1", .reply = "\r\nOK\r\n" };

static void test_transport_dribble(void **state)
{
	static const struct step steps[] = {
		ate0_echoed,
		cmee_ok,
		{ .expect = "AT+CSIM=14,\"00A40004023F00\"",
		  .reply = "\r\n+CREG: 1\r\nRING\r\n\r\n+CSIM: 4,\"6128\"\r\n+CGREG: 1\r\n\r\nOK\r\n" },
		{ .expect = "AT+CSIM=10,\"00B000000A\"",
		  .reply = "\n+CSIM: 24,\"980001010000000000F19000\"\n\nOK\n" },
	};
	struct pty_modem m;
	struct apdu_transport t;
	uint8_t capdu1[] = { 0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00 };
	uint8_t capdu2[] = { 0x00, 0xB0, 0x00, 0x00, 0x0A };
	uint8_t rapdu[64];
	size_t rlen;

	modem_start(&m, steps, sizeof(steps) / sizeof(steps[0]));
	assert_int_equal(apdu_atcsim_open(&t, m.slave, 115200, 2000), 0);
	assert_string_equal(t.ops->name, "atcsim");
	assert_int_equal(apdu_transmit_raw(&t, capdu1, sizeof(capdu1), rapdu, sizeof(rapdu), &rlen), 0);
	assert_int_equal(rlen, 2);
	assert_memory_equal(rapdu, "\x61\x28", 2);
	assert_int_equal(apdu_transmit_raw(&t, capdu2, sizeof(capdu2), rapdu, sizeof(rapdu), &rlen), 0);
	assert_int_equal(rlen, 12);
	assert_memory_equal(rapdu, "\x98\x00\x01\x01\x00\x00\x00\x00\x00\xF1\x90\x00", 12);
	assert_int_equal(apdu_atcsim_last_cme(&t), -1);
	assert_int_equal(t.ops->atr(&t, rapdu, sizeof(rapdu)), -ENOTSUP);
	assert_int_equal(t.ops->reset(&t), -ENOTSUP);
	apdu_transport_close(&t);
	assert_int_equal(modem_stop(&m), -1);
}

static void test_transport_silence(void **state)
{
	static const struct step steps[] = {
		ate0_echoed,
		cmee_ok,
		{ .expect = "AT+CSIM=10,\"00B000000A\"", .reply = "\r\n+CREG: 1\r\n" },
		/* silent until the next command, which is answered */
		{ .expect = "AT+CSIM=10,\"00B000000A\"", .reply = "\r\n+CSIM: 4,\"6A82\"\r\n\r\nOK\r\n" },
	};
	struct pty_modem m;
	struct apdu_transport t;
	uint8_t capdu[] = { 0x00, 0xB0, 0x00, 0x00, 0x0A };
	uint8_t rapdu[64];
	size_t rlen;
	long long t0;

	modem_start(&m, steps, sizeof(steps) / sizeof(steps[0]));
	assert_int_equal(apdu_atcsim_open(&t, m.slave, 9600, 300), 0);
	t0 = common_now_ms();
	assert_int_equal(apdu_transmit_raw(&t, capdu, sizeof(capdu), rapdu, sizeof(rapdu), &rlen), -ETIMEDOUT);
	assert_true(common_now_ms() - t0 >= 290);
	assert_true(common_now_ms() - t0 < 1500);
	assert_int_equal(apdu_transmit_raw(&t, capdu, sizeof(capdu), rapdu, sizeof(rapdu), &rlen), 0);
	assert_memory_equal(rapdu, "\x6A\x82", 2);
	apdu_transport_close(&t);
	assert_int_equal(modem_stop(&m), -1);
}

static void test_transport_errors(void **state)
{
	static const struct step steps[] = {
		{ .expect = "ATE0", .reply = "\r\nOK\r\n" },
		/* a modem without AT+CMEE serves all the same */
		{ .expect = "AT+CMEE=1", .reply = "\r\nERROR\r\n" },
		{ .expect = "AT+CSIM=8,\"00700000\"", .reply = "\r\n+CME ERROR: SIM busy\r\n" },
		{ .expect = "AT+CSIM=8,\"00700000\"", .reply = "\r\n+CME ERROR: 10\r\n" },
		{ .expect = "AT+CSIM=8,\"00700000\"", .reply = "\r\nERROR\r\n" },
		{ .expect = "AT+CSIM=8,\"00700000\"", .reply = "\r\n+CSIM: 3,\"900\"\r\nOK\r\n" },
		{ .expect = "AT+CSIM=8,\"00700000\"", .reply = "\r\nOK\r\n" },
		/* the stale OK of this answer must not complete the next command */
		{ .expect = "AT+CSIM=8,\"00700000\"", .reply = "\r\n+CSIM: 8,\"01029000\"\r\nOK\r\nOK\r\n" },
		{ .expect = "AT+CSIM=8,\"00700000\"", .reply = "\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n",
		  .delay_ms = 50 },
	};
	struct pty_modem m;
	struct apdu_transport t;
	uint8_t capdu[] = { 0x00, 0x70, 0x00, 0x00 };
	uint8_t rapdu[64];
	size_t rlen;

	modem_start(&m, steps, sizeof(steps) / sizeof(steps[0]));
	assert_int_equal(apdu_atcsim_open(&t, m.slave, 0, 1000), 0);
	assert_int_equal(apdu_transmit_raw(&t, capdu, 4, rapdu, sizeof(rapdu), &rlen), -EBUSY);
	assert_int_equal(apdu_atcsim_last_cme(&t), 14);
	assert_int_equal(apdu_transmit_raw(&t, capdu, 4, rapdu, sizeof(rapdu), &rlen), -ENODEV);
	assert_int_equal(apdu_atcsim_last_cme(&t), 10);
	assert_int_equal(apdu_transmit_raw(&t, capdu, 4, rapdu, sizeof(rapdu), &rlen), -EIO);
	assert_int_equal(apdu_atcsim_last_cme(&t), -1);
	assert_int_equal(apdu_transmit_raw(&t, capdu, 4, rapdu, sizeof(rapdu), &rlen), -EPROTO);
	assert_int_equal(apdu_transmit_raw(&t, capdu, 4, rapdu, sizeof(rapdu), &rlen), -EPROTO);
	assert_int_equal(apdu_transmit_raw(&t, capdu, 4, rapdu, 3, &rlen), -ENOBUFS);
	sleep_ms(20);
	assert_int_equal(apdu_transmit_raw(&t, capdu, 4, rapdu, sizeof(rapdu), &rlen), 0);
	assert_int_equal(rlen, 3);
	assert_memory_equal(rapdu, "\x01\x90\x00", 3);
	assert_int_equal(apdu_transmit_raw(&t, capdu, 0, rapdu, sizeof(rapdu), &rlen), -EINVAL);
	apdu_transport_close(&t);
	assert_int_equal(modem_stop(&m), -1);
}

static void test_transport_open_fails(void **state)
{
	static const struct step steps[] = {
		{ .expect = "ATE0", .reply = "\r\nERROR\r\n" },
	};
	struct pty_modem m;
	struct apdu_transport t = { 0 };

	assert_int_equal(apdu_atcsim_open(&t, "/dev/null", 0, 100), -ENOTTY);
	assert_int_equal(apdu_atcsim_open(&t, "/nonexistent/tty", 0, 100), -ENOENT);
	modem_start(&m, steps, sizeof(steps) / sizeof(steps[0]));
	assert_int_equal(apdu_atcsim_open(&t, m.slave, 12345, 100), -EINVAL);
	assert_int_equal(apdu_atcsim_open(&t, m.slave, 0, 500), -EIO);
	assert_null(t.ops);
	assert_int_equal(modem_stop(&m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_cap),
		cmocka_unit_test(test_cme_names),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_random),
		cmocka_unit_test(test_transport_dribble),
		cmocka_unit_test(test_transport_silence),
		cmocka_unit_test(test_transport_errors),
		cmocka_unit_test(test_transport_open_fails),
	};
	common_log_init(NULL, 0);		/* errors only: the failures tested here */
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("atcsim", tests, NULL, NULL);
}
