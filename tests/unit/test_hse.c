/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of hse/ (the HSE's EDP service, doc/e2m-profile.md 7) without
 * sockets: a fake key service, a fake socket and the delivered JSON lines
 * recorded. The worked example's uplinks give their exact lines and its
 * downlink its exact octets; a fetched keyset is stored before it is used
 * and survives a reopen, as do the window and the downlink COUNT; a KID the
 * key service refused is not asked for again at once; a downlink waits for
 * the device's first uplink; COUNT 2^32-1 is never sent; two keysets under
 * one SID; a keyset's lifetime ends (expired, never taken again); a second
 * HSE on one state is refused; the control requests. */

#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "common/hex.h"
#include "common/log.h"
#include "hse/control.h"
#include "hse/service.h"
#include "hse/store.h"

/* doc/e2m-profile.md 7, worked example */
#define WE_KID		"I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.org"
#define WE_INT		"29c104685d3d45c89038da5833999a93"
#define WE_ENC		"f533c82286873ad1d4eef25d51fbabff"
#define WE_INT_22	"61168284bfa60566d63669498e081575"
#define WE_ENC_22	"fa7f375097ce646c6681116c04938cd5"
#define WE_UP0		"50284931553876705933714a306869755a4e726b652f4e513d3d406873652e6578616d706c652e6f7267007b44e4a877b50d3040ae354bf44ecf8611e0a7fb9396e0582974cb"
#define WE_UP1		"40956781d201e4a79dfe3a66c1de7cfb82f46bfa20c9329930c0dedf94dd28a475"
#define WE_UP200	"40956781d2c801a9f0772d421e29e43b4fd11e53a75a4d2fd45fdc504dff18bca698"
#define WE_DOWN0	"60956781d2003d84ba583a3caff3236556b061ab4ac612fd33fe29"
#define WE_UP1_22	"40b064d57201a1b105b02f9f968cc6795a5baf36ec0189c99f700bf6962c2e3946"
#define WE_UP1_02	"40b064d572016d6574657220303034323a2031372e33206d338c2063bfefe09593"
#define WE_READING_HEX	"6d6574657220303034323a2031372e33206d33"
#define KID_B		"ABEiM0RVZneImaq7zN3u/w==@hse.example.org"
#define KID_C		"ESIzRFVmd4iZqrvM3e7/AA==@hse.example.org"
#define NOW		1800000000

/* The fake key service, socket and output. */
struct fake {
	struct keyd_keyset held[4];	/* what the key service holds */
	unsigned int fetches;
	uint8_t sent[8][E2M_EDP_MSG_MAX];
	size_t sent_len[8];
	unsigned int n_sent;
	char lines[16][2200];
	unsigned int n_lines;
};

static int fake_fetch(void *ctx, const char *kid, struct keyd_keyset *ks)
{
	struct fake *f = ctx;

	f->fetches++;
	for (unsigned int i = 0; i < 4; i++) {
		if (f->held[i].kid[0] && !strcmp(f->held[i].kid, kid)) {
			*ks = f->held[i];
			memset(&f->held[i], 0, sizeof(f->held[i]));	/* a fetch deletes */
			return 0;
		}
	}
	return -ENOENT;
}

static int fake_send(void *ctx, const struct sockaddr *addr, socklen_t addr_len, const uint8_t *msg,
		     size_t len)
{
	struct fake *f = ctx;

	assert_true(addr_len > 0);
	assert_int_equal(addr->sa_family, AF_INET);
	assert_true(f->n_sent < 8);
	memcpy(f->sent[f->n_sent], msg, len);
	f->sent_len[f->n_sent++] = len;
	return 0;
}

static void fake_deliver(void *ctx, const struct hse_delivery *d)
{
	struct fake *f = ctx;

	assert_true(f->n_lines < 16);
	assert_true(hse_delivery_json(d, f->lines[f->n_lines++], sizeof(f->lines[0])) > 0);
}

static const struct hse_service_ops fake_ops = {
	.fetch = fake_fetch, .send = fake_send, .deliver = fake_deliver,
};
static const struct hse_service_ops file_ops = { .send = fake_send, .deliver = fake_deliver };

static const struct sockaddr_in device = {
	.sin_family = AF_INET, .sin_port = 0x3930, .sin_addr = { .s_addr = 0x0100007f },
};
#define FROM (const struct sockaddr *)&device, sizeof(device)

static void keyset(struct keyd_keyset *ks, const char *kid, uint8_t alg, const char *k_int,
		   const char *k_enc, int64_t expires)
{
	memset(ks, 0, sizeof(*ks));
	snprintf(ks->kid, sizeof(ks->kid), "%s", kid);
	snprintf(ks->eid, sizeof(ks->eid), "%s", strchr(kid, '@') + 1);
	ks->alg = alg;
	assert_int_equal(common_hex_decode(k_int, 32, ks->k_int, 16), 16);
	if (k_enc) {
		assert_int_equal(common_hex_decode(k_enc, 32, ks->k_enc, 16), 16);
		ks->k_enc_len = 16;
	}
	ks->expires = expires;
}

/* A state file of its own per test. */
struct ctx {
	char path[64];
	struct hse_store *st;
	struct hse_service *svc;
	struct fake f;
};

static void open_service(struct ctx *c, const struct hse_service_ops *ops)
{
	char err[256];

	assert_int_equal(hse_store_open(&c->st, c->path, err, sizeof(err)), 0);
	c->svc = hse_service_new(c->st, ops, &c->f);
	assert_non_null(c->svc);
}

static void close_service(struct ctx *c)
{
	hse_service_free(c->svc);
	hse_store_close(c->st);
	c->svc = NULL;
	c->st = NULL;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	int fd;

	snprintf(c->path, sizeof(c->path), "/tmp/test_hse.XXXXXX");
	fd = mkstemp(c->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(c->path);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char p[80];

	if (c->svc)
		close_service(c);
	unlink(c->path);
	snprintf(p, sizeof(p), "%s-wal", c->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", c->path);
	unlink(p);
	free(c);
	return 0;
}

/* One datagram (hex) to the service: its result. */
static int uplink(struct ctx *c, const char *hex, int64_t now)
{
	uint8_t msg[E2M_EDP_MSG_MAX + 1];
	int n = common_hex_decode(hex, strlen(hex), msg, sizeof(msg));

	assert_true(n >= 0);
	return hse_service_uplink(c->svc, msg, (size_t)n, FROM, now);
}

static void assert_line(struct ctx *c, unsigned int i, const char *kid, const char *sid,
			const char *dir, uint32_t count, const char *payload_hex)
{
	char want[2200];

	snprintf(want, sizeof(want),
		 "{\"kid\":\"%s\",\"sid\":\"%s\",\"dir\":\"%s\",\"count\":%u,\"payload_hex\":\"%s\"}\n",
		 kid, sid, dir, count, payload_hex);
	assert_true(i < c->f.n_lines);
	assert_string_equal(c->f.lines[i], want);
}

static void test_worked_example_fetched(void **state)
{
	struct ctx *c = *state;
	const struct hse_counters *cnt;

	keyset(&c->f.held[0], WE_KID, 0x11, WE_INT, WE_ENC, NOW + 600);
	open_service(c, &fake_ops);
	assert_int_equal(uplink(c, WE_UP0, NOW), 0);
	assert_int_equal(c->f.fetches, 1);
	assert_int_equal(uplink(c, WE_UP1, NOW), 0);
	assert_int_equal(uplink(c, WE_UP200, NOW), 0);
	assert_int_equal(uplink(c, WE_UP0, NOW), 1);		/* below the window */
	assert_int_equal(uplink(c, WE_UP200, NOW), 1);		/* seen */
	assert_int_equal(c->f.fetches, 1);			/* held since the first */
	assert_line(c, 0, WE_KID, "956781d2", "up", 0, WE_READING_HEX);
	assert_line(c, 1, WE_KID, "956781d2", "up", 1, WE_READING_HEX);
	assert_line(c, 2, WE_KID, "956781d2", "up", 200, WE_READING_HEX);
	assert_int_equal(c->f.n_lines, 3);
	cnt = hse_service_counters(c->svc);
	assert_int_equal(cnt->accepted, 3);
	assert_int_equal(cnt->fetched, 1);
	assert_int_equal(cnt->dropped[HSE_DROP_REPLAY], 2);

	/* the downlink of the worked example, octet for octet */
	{
		static const uint8_t sid[4] = { 0x95, 0x67, 0x81, 0xd2 };
		struct hse_downlink_result res;
		uint8_t want[32];

		assert_int_equal(hse_service_downlink(c->svc, sid, (const uint8_t *)"interval 3600", 13,
						      NOW, &res), 0);
		assert_false(res.queued);
		assert_int_equal(res.count, 0);
		assert_string_equal(res.kid, WE_KID);
		assert_int_equal(c->f.n_sent, 1);
		assert_int_equal(common_hex_decode(WE_DOWN0, strlen(WE_DOWN0), want, sizeof(want)),
				 (int)c->f.sent_len[0]);
		assert_memory_equal(c->f.sent[0], want, c->f.sent_len[0]);
		assert_line(c, 3, WE_KID, "956781d2", "down", 0, "696e74657276616c2033363030");
		assert_int_equal(hse_service_downlink(c->svc, sid, (const uint8_t *)"x", 1, NOW, &res), 0);
		assert_int_equal(res.count, 1);
	}

	/* reopened: the keyset (the key service has it no more), the window
	 * and the downlink COUNT are where they were */
	close_service(c);
	open_service(c, &fake_ops);
	c->f.fetches = 0;
	assert_int_equal(uplink(c, WE_UP1, NOW), 1);
	assert_int_equal(uplink(c, WE_UP200, NOW), 1);
	assert_int_equal(hse_service_counters(c->svc)->dropped[HSE_DROP_REPLAY], 2);
	assert_int_equal(c->f.fetches, 0);
	{
		static const uint8_t sid[4] = { 0x95, 0x67, 0x81, 0xd2 };
		struct hse_downlink_result res;

		assert_int_equal(hse_service_downlink(c->svc, sid, (const uint8_t *)"y", 1, NOW, &res), 0);
		assert_int_equal(res.count, 2);
	}
}

static void test_refused_fetch_held_off(void **state)
{
	struct ctx *c = *state;

	open_service(c, &fake_ops);	/* the key service holds nothing */
	assert_int_equal(uplink(c, WE_UP0, NOW), 1);
	assert_int_equal(uplink(c, WE_UP0, NOW + 1), 1);
	assert_int_equal(c->f.fetches, 1);
	assert_int_equal(uplink(c, WE_UP0, NOW + 10), 1);
	assert_int_equal(c->f.fetches, 2);
	assert_int_equal(hse_service_counters(c->svc)->dropped[HSE_DROP_UNKNOWN_KID], 3);
	assert_int_equal(uplink(c, WE_UP1, NOW), 1);		/* a SID nobody holds */
	assert_int_equal(hse_service_counters(c->svc)->dropped[HSE_DROP_UNKNOWN_KID], 4);
	assert_int_equal(c->f.n_lines, 0);
}

static void test_queued_downlink(void **state)
{
	struct ctx *c = *state;
	static const uint8_t sid[4] = { 0x95, 0x67, 0x81, 0xd2 };
	struct hse_downlink_result res;
	struct keyd_keyset ks;

	open_service(c, &file_ops);
	keyset(&ks, WE_KID, 0x11, WE_INT, WE_ENC, NOW + 600);
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW), 0);
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW), 1);	/* held */
	assert_int_equal(hse_service_downlink(c->svc, sid, (const uint8_t *)"interval 3600", 13, NOW,
					      &res), 0);
	assert_true(res.queued);
	assert_int_equal(c->f.n_sent, 0);
	/* the device's first uplink gives its address: the queued one leaves */
	assert_int_equal(uplink(c, WE_UP1, NOW), 0);
	assert_int_equal(c->f.n_sent, 1);
	assert_line(c, 0, WE_KID, "956781d2", "up", 1, WE_READING_HEX);
	assert_line(c, 1, WE_KID, "956781d2", "down", 0, "696e74657276616c2033363030");
	assert_int_equal(uplink(c, WE_UP200, NOW), 0);
	assert_int_equal(c->f.n_sent, 1);			/* the queue is empty */
}

static void test_downlink_spent(void **state)
{
	struct ctx *c = *state;
	static const uint8_t sid[4] = { 0x95, 0x67, 0x81, 0xd2 };
	struct hse_downlink_result res;
	struct keyd_keyset ks;
	sqlite3 *db;

	open_service(c, &file_ops);
	keyset(&ks, WE_KID, 0x11, WE_INT, WE_ENC, NOW + 600);
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW), 0);
	assert_int_equal(uplink(c, WE_UP1, NOW), 0);
	close_service(c);
	assert_int_equal(sqlite3_open(c->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE keyset SET down_next = 4294967294", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	open_service(c, &file_ops);
	assert_int_equal(hse_service_downlink(c->svc, sid, (const uint8_t *)"a", 1, NOW, &res), 0);
	assert_int_equal(res.count, 4294967294u);
	/* doc/e2m-profile.md 7: at 2^32-1 the keyset is spent */
	assert_int_equal(hse_service_downlink(c->svc, sid, (const uint8_t *)"b", 1, NOW, &res), -ENOSPC);
	assert_int_equal(c->f.n_sent, 1);
}

static void test_one_sid_two_keysets(void **state)
{
	struct ctx *c = *state;
	struct keyd_keyset ks;

	open_service(c, &file_ops);
	keyset(&ks, KID_B, 0x22, WE_INT_22, WE_ENC_22, NOW + 600);
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW), 0);
	keyset(&ks, KID_C, 0x02, WE_INT_22, NULL, NOW + 600);
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW), 0);
	assert_int_equal(uplink(c, WE_UP1_22, NOW), 0);
	assert_int_equal(uplink(c, WE_UP1_02, NOW), 0);
	assert_line(c, 0, KID_B, "b064d572", "up", 1, WE_READING_HEX);
	assert_line(c, 1, KID_C, "b064d572", "up", 1, WE_READING_HEX);
	assert_int_equal(uplink(c, WE_UP1_02, NOW), 1);
	assert_int_equal(hse_service_counters(c->svc)->dropped[HSE_DROP_REPLAY], 1);
}

static void test_lifetime(void **state)
{
	struct ctx *c = *state;
	struct keyd_keyset ks;

	open_service(c, &file_ops);
	keyset(&ks, WE_KID, 0x11, WE_INT, WE_ENC, NOW + 10);
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW), 0);
	assert_int_equal(uplink(c, WE_UP0, NOW), 0);
	assert_int_equal(uplink(c, WE_UP1, NOW + 10), 1);	/* expired, not yet purged */
	assert_int_equal(hse_service_purge(c->svc, NOW + 9), 0);
	assert_int_equal(hse_service_purge(c->svc, NOW + 10), 1);
	assert_int_equal(hse_store_count(c->st), 0);
	assert_int_equal(uplink(c, WE_UP200, NOW + 11), 1);	/* its SID: spent */
	assert_int_equal(hse_service_counters(c->svc)->dropped[HSE_DROP_EXPIRED], 2);
	/* a spent keyset is never taken again */
	ks.expires = NOW + 1000;
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW + 11), 1);
	assert_int_equal(hse_store_count(c->st), 0);
	/* one that expired before the HSE held it: spent at once */
	keyset(&ks, KID_B, 0x22, WE_INT_22, WE_ENC_22, NOW - 1);
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW), 1);
	assert_int_equal(uplink(c, WE_UP1_22, NOW), 1);
	assert_int_equal(hse_service_counters(c->svc)->dropped[HSE_DROP_EXPIRED], 3);
}

static void test_malformed(void **state)
{
	struct ctx *c = *state;
	static const char *const bad[] = {
		"", "40", "40956781d201", WE_DOWN0,
		"41956781d201e4a79dfe3a66c1de7cfb82f46bfa20c9329930c0dedf94dd28a475",
		"5003616263000011223344556677",		/* a KID that is not an E2M-KID */
	};

	open_service(c, &file_ops);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(uplink(c, bad[i], NOW), 1);
	assert_int_equal(hse_service_counters(c->svc)->dropped[HSE_DROP_MALFORMED],
			 sizeof(bad) / sizeof(bad[0]));
	{
		static uint8_t big[E2M_EDP_MSG_MAX + 1];

		big[0] = 0x40;
		assert_int_equal(hse_service_uplink(c->svc, big, sizeof(big), FROM, NOW), 1);
	}
}

static void test_second_hse_refused(void **state)
{
	struct ctx *c = *state;
	struct hse_store *other;
	char err[256];

	open_service(c, &file_ops);
	assert_int_equal(hse_store_open(&other, c->path, err, sizeof(err)), -EBUSY);
	assert_null(other);
}

static void test_control(void **state)
{
	struct ctx *c = *state;
	static const uint8_t sid[4] = { 0x95, 0x67, 0x81, 0xd2 };
	uint8_t req[HSE_CONTROL_REQ_MAX];
	char ans[HSE_CONTROL_ANS_MAX];
	struct keyd_keyset ks;
	int n;

	open_service(c, &file_ops);
	keyset(&ks, WE_KID, 0x11, WE_INT, WE_ENC, NOW + 600);
	assert_int_equal(hse_service_add_keyset(c->svc, &ks, NOW), 0);
	n = hse_control_send_request(sid, (const uint8_t *)"interval 3600", 13, req, sizeof(req));
	assert_int_equal(n, 27);
	assert_memory_equal(req, "send 956781d2 interval 3600", 27);
	assert_true(hse_control_handle(c->svc, req, (size_t)n, NOW, ans, sizeof(ans)) > 0);
	assert_string_equal(ans, "{\"kid\":\"" WE_KID "\",\"sid\":\"956781d2\",\"queued\":true}");
	assert_int_equal(uplink(c, WE_UP1, NOW), 0);
	assert_true(hse_control_handle(c->svc, req, (size_t)n, NOW, ans, sizeof(ans)) > 0);
	assert_string_equal(ans, "{\"kid\":\"" WE_KID "\",\"sid\":\"956781d2\",\"queued\":false,\"count\":1}");
	n = hse_control_status_request(req, sizeof(req));
	assert_true(hse_control_handle(c->svc, req, (size_t)n, NOW, ans, sizeof(ans)) > 0);
	assert_string_equal(ans, "{\"accepted\":1,\"dropped\":{\"malformed\":0,\"unknown_kid\":0,"
			    "\"bad_tag\":0,\"replay\":0,\"expired\":0},\"sent\":2,\"queued\":1,"
			    "\"fetched\":0,\"keysets\":1}");
	assert_true(hse_control_handle(c->svc, (const uint8_t *)"send 0badc0de x", 15, NOW, ans,
				       sizeof(ans)) > 0);
	assert_non_null(strstr(ans, "\"error\""));
	assert_true(hse_control_handle(c->svc, (const uint8_t *)"send xyz", 8, NOW, ans, sizeof(ans)) > 0);
	assert_non_null(strstr(ans, "\"error\""));
	assert_true(hse_control_handle(c->svc, (const uint8_t *)"reboot", 6, NOW, ans, sizeof(ans)) > 0);
	assert_non_null(strstr(ans, "\"error\""));
	assert_int_equal(hse_control_send_request(sid, req, E2M_EDP_BODY_MAX + 1, req, sizeof(req)),
			 -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_worked_example_fetched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_fetch_held_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queued_downlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_downlink_spent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_sid_two_keysets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_hse_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control, setup, teardown),
	};

	common_log_init(NULL, -1);	/* the drops' log lines are not the test's output */
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("hse", tests, NULL, NULL);
}
