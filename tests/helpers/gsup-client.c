/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gsup-client: a GSUP client on osmo-hlr's libosmo-gsup-client that plays an
 * MSC or an SGSN for the tests (tests/integration/test_gsup_proxy.sh).
 *
 *   gsup-client --server HOST:PORT --name NAME [--ps] [--timeout S] CMD...
 *
 * Commands, run in order over one connection:
 *   sai IMSI                 SendAuthInfo Request
 *   auts IMSI RAND AUTS      SendAuthInfo Request with a resynchronisation
 *   pause FILE               wait until FILE exists
 *   burst IMSI,IMSI,...      one SendAuthInfo Request each, all sent before
 *                            the first answer is read
 * A result prints one line per AV, "AV n RAND r AUTN a XRES x CK c IK i",
 * then "RESULT IMSI" (so the order of a burst's answers shows),
 * an error "ERROR cause N (name)", a request without an answer within the
 * timeout "TIMEOUT". Exit: 0 every request answered with a result, 1 an
 * error or a timeout, 2 usage. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <osmocom/abis/ipa.h>
#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/gsm/gsup.h>
#include <osmocom/gsm/protocol/ipaccess.h>
#include <osmocom/gsupclient/gsup_client.h>

#include "common/clock.h"
#include "common/log.h"

static struct {
	bool ready;		/* the server has asked our identity */
	bool answered;
	unsigned int answers;
	int failed;
	int (*link_read)(struct ipa_client_conn *link, struct msgb *msg);
} st;

static void hex(const char *label, const uint8_t *v, size_t len)
{
	printf(" %s %s", label, osmo_hexdump_nospc(v, len));
}

static int read_cb(struct osmo_gsup_client *gsupc, struct msgb *msg)
{
	struct osmo_gsup_message g;

	if (osmo_gsup_decode(msgb_l2(msg), msgb_l2len(msg), &g) < 0) {
		printf("UNDECODABLE\n");
		st.failed++;
	} else if (g.message_type == OSMO_GSUP_MSGT_SEND_AUTH_INFO_RESULT) {
		for (size_t i = 0; i < g.num_auth_vectors; i++) {
			const struct osmo_auth_vector *a = &g.auth_vectors[i];

			printf("AV %zu", i);
			hex("RAND", a->rand, sizeof(a->rand));
			hex("AUTN", a->autn, sizeof(a->autn));
			hex("XRES", a->res, a->res_len);
			hex("CK", a->ck, sizeof(a->ck));
			hex("IK", a->ik, sizeof(a->ik));
			printf("\n");
		}
		printf("RESULT %s\n", g.imsi);
	} else if (g.message_type == OSMO_GSUP_MSGT_SEND_AUTH_INFO_ERROR) {
		printf("ERROR cause %u (%s)\n", g.cause, get_value_string(gsm48_gmm_cause_names, g.cause));
		st.failed++;
	} else {
		printf("OTHER %s\n", osmo_gsup_message_type_name(g.message_type));
	}
	fflush(stdout);
	st.answered = true;
	st.answers++;
	msgb_free(msg);
	return 0;
}

/* ready once the server's ID_GET is answered: our identity goes first */
static int link_read(struct ipa_client_conn *link, struct msgb *msg)
{
	struct ipaccess_head *hh = (struct ipaccess_head *)msg->data;
	bool id_get = msgb_length(msg) > sizeof(*hh) && hh->proto == IPAC_PROTO_IPACCESS &&
		      hh->data[0] == IPAC_MSGT_ID_GET;
	int rc = st.link_read(link, msg);

	if (id_get && rc >= 0)
		st.ready = true;
	return rc;
}

static bool updown(struct osmo_gsup_client *gsupc, bool up)
{
	if (!up)
		st.ready = false;
	return true;
}

/* run the loop until done() or the deadline; false on timeout */
static bool loop_until(bool *flag, double deadline)
{
	while (!*flag && common_now_s() < deadline)
		if (!osmo_select_main(1))
			nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	return *flag;
}

static int request(struct osmo_gsup_client *gc, const struct osmo_gsup_message *g, double timeout)
{
	double deadline = common_now_s() + timeout;

	if (!loop_until(&st.ready, deadline)) {
		printf("TIMEOUT (not connected)\n");
		return -1;
	}
	st.answered = false;
	if (osmo_gsup_client_enc_send(gc, g)) {
		printf("SEND FAILED\n");
		return -1;
	}
	if (!loop_until(&st.answered, deadline)) {
		printf("TIMEOUT\n");
		fflush(stdout);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "ps", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ 0 }
	};
	struct ipaccess_unit *dev;
	struct osmo_gsup_client *gc;
	struct osmo_gsup_client_config cfg = { .read_cb = read_cb, .up_down_cb = updown };
	char host[64] = "";
	const char *name = "MSC-00-00-00-00-00-00", *colon;
	bool ps = false;
	double timeout = 10;
	int c, port = 0;
	void *ctx = talloc_named_const(NULL, 0, "gsup-client");

	while ((c = getopt_long(argc, argv, "+s:n:pt:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			colon = strrchr(optarg, ':');
			if (!colon || (size_t)(colon - optarg) >= sizeof(host))
				return 2;
			memcpy(host, optarg, (size_t)(colon - optarg));
			host[colon - optarg] = '\0';
			port = atoi(colon + 1);
			break;
		case 'n':
			name = optarg;
			break;
		case 'p':
			ps = true;
			break;
		case 't':
			timeout = atof(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!port || optind >= argc) {
		fprintf(stderr, "usage: gsup-client --server HOST:PORT --name NAME [--ps] "
			"[--timeout S] CMD...\n");
		return 2;
	}
	common_log_init(ctx, -1);
	dev = talloc_zero(ctx, struct ipaccess_unit);
	dev->unit_name = talloc_strdup(dev, name);
	dev->serno = talloc_strdup(dev, name);
	cfg.ipa_dev = dev;
	cfg.ip_addr = host;
	cfg.tcp_port = (unsigned int)port;
	gc = osmo_gsup_client_create3(ctx, &cfg);
	if (!gc)
		return 1;
	st.link_read = gc->link->read_cb;
	gc->link->read_cb = link_read;

	for (int i = optind; i < argc; i++) {
		struct osmo_gsup_message g = {
			.message_type = OSMO_GSUP_MSGT_SEND_AUTH_INFO_REQUEST,
			.cn_domain = ps ? OSMO_GSUP_CN_DOMAIN_PS : OSMO_GSUP_CN_DOMAIN_CS,
		};
		uint8_t rand[16], auts[14];

		if (!strcmp(argv[i], "sai") && i + 1 < argc) {
			OSMO_STRLCPY_ARRAY(g.imsi, argv[++i]);
		} else if (!strcmp(argv[i], "auts") && i + 3 < argc) {
			OSMO_STRLCPY_ARRAY(g.imsi, argv[i + 1]);
			if (osmo_hexparse(argv[i + 2], rand, sizeof(rand)) != sizeof(rand) ||
			    osmo_hexparse(argv[i + 3], auts, sizeof(auts)) != sizeof(auts))
				return 2;
			g.rand = rand;
			g.auts = auts;
			i += 3;
		} else if (!strcmp(argv[i], "burst") && i + 1 < argc) {
			char *list = argv[++i], *imsi, *save = NULL;
			unsigned int sent = 0;
			double deadline = common_now_s() + timeout;
			bool done = false;

			if (!loop_until(&st.ready, deadline)) {
				printf("TIMEOUT (not connected)\n");
				st.failed++;
				continue;
			}
			st.answers = 0;
			for (imsi = strtok_r(list, ",", &save); imsi; imsi = strtok_r(NULL, ",", &save)) {
				OSMO_STRLCPY_ARRAY(g.imsi, imsi);
				if (osmo_gsup_client_enc_send(gc, &g) == 0)
					sent++;
			}
			while (!done && common_now_s() < deadline) {
				if (!osmo_select_main(1))
					nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
				done = st.answers >= sent;
			}
			if (!done) {
				printf("TIMEOUT (%u of %u answered)\n", st.answers, sent);
				st.failed++;
			}
			continue;
		} else if (!strcmp(argv[i], "pause") && i + 1 < argc) {
			struct stat sb;
			double deadline = common_now_s() + 60;

			i++;
			while (stat(argv[i], &sb) && common_now_s() < deadline)
				if (!osmo_select_main(1))
					nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
			continue;
		} else {
			fprintf(stderr, "gsup-client: unknown command '%s'\n", argv[i]);
			return 2;
		}
		if (request(gc, &g, timeout))
			st.failed++;
	}
	osmo_gsup_client_destroy(gc);
	talloc_free(ctx);
	return st.failed ? 1 : 0;
}
