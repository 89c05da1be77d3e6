/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gsup_bench: SendAuthInfo round trips (request sent to result read) over
 * GSUP, on osmo-hlr's libosmo-gsup-client, to several servers in turn (e.g.
 * osmo-hlr directly and through e2msim-gsup-proxy), one request at a time,
 * the servers interleaved so that both see the same machine. Prints per
 * server the median and the 99th percentile in microseconds. Run by
 * tools/gsup-bench.sh; not a test.
 *
 *   gsup_bench -n N --imsi IMSI LABEL=HOST:PORT...
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osmocom/abis/ipa.h>
#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>
#include <osmocom/gsm/gsup.h>
#include <osmocom/gsm/protocol/ipaccess.h>
#include <osmocom/gsupclient/gsup_client.h>

#include "common/clock.h"
#include "common/log.h"

#define BENCH_SERVERS_MAX	4

struct bench_server {
	const char *label;
	char host[64];
	struct osmo_gsup_client *gc;
	int (*link_read)(struct ipa_client_conn *link, struct msgb *msg);
	bool ready, answered, failed;
	double *us;
};

static int read_cb(struct osmo_gsup_client *gc, struct msgb *msg)
{
	struct bench_server *s = gc->data;
	struct osmo_gsup_message g;

	s->failed = osmo_gsup_decode(msgb_l2(msg), msgb_l2len(msg), &g) < 0 ||
		    g.message_type != OSMO_GSUP_MSGT_SEND_AUTH_INFO_RESULT || g.num_auth_vectors < 1;
	s->answered = true;
	msgb_free(msg);
	return 0;
}

/* ready once the server's ID_GET is answered (see gsup/proxy.c) */
static int link_read(struct ipa_client_conn *link, struct msgb *msg)
{
	struct osmo_gsup_client *gc = link->data;
	struct bench_server *s = gc->data;
	struct ipaccess_head *hh = (struct ipaccess_head *)msg->data;
	bool id_get = msgb_length(msg) > sizeof(*hh) && hh->proto == IPAC_PROTO_IPACCESS &&
		      hh->data[0] == IPAC_MSGT_ID_GET;
	int rc = s->link_read(link, msg);

	if (id_get && rc >= 0)
		s->ready = true;
	return rc;
}

static bool wait_flag(bool *flag, double timeout_us)
{
	double end = common_now_us() + timeout_us;

	while (!*flag && common_now_us() < end)
		osmo_select_main(0);
	return *flag;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "imsi", required_argument, NULL, 'i' },
		{ 0 }
	};
	struct bench_server srv[BENCH_SERVERS_MAX];
	const char *imsi = NULL;
	unsigned int n = 200, nsrv = 0, warmup = 10;
	void *ctx = talloc_named_const(NULL, 0, "gsup_bench");
	int c;

	memset(srv, 0, sizeof(srv));
	while ((c = getopt_long(argc, argv, "n:i:", opts, NULL)) != -1) {
		if (c == 'n')
			n = (unsigned int)atoi(optarg);
		else if (c == 'i')
			imsi = optarg;
		else
			return 2;
	}
	if (!imsi || !n || optind >= argc) {
		fprintf(stderr, "usage: gsup_bench -n N --imsi IMSI LABEL=HOST:PORT...\n");
		return 2;
	}
	common_log_init(ctx, -1);
	for (int i = optind; i < argc && nsrv < BENCH_SERVERS_MAX; i++, nsrv++) {
		struct bench_server *s = &srv[nsrv];
		char *eq = strchr(argv[i], '='), *colon = strrchr(argv[i], ':');
		struct ipaccess_unit *dev = talloc_zero(ctx, struct ipaccess_unit);
		struct osmo_gsup_client_config cfg = { .read_cb = read_cb, .data = s };
		char name[32];

		if (!eq || !colon || colon < eq || (size_t)(colon - eq - 1) >= sizeof(s->host))
			return 2;
		*eq = '\0';
		s->label = argv[i];
		memcpy(s->host, eq + 1, (size_t)(colon - eq - 1));
		snprintf(name, sizeof(name), "MSC-BENCH-%u", nsrv);
		dev->unit_name = talloc_strdup(dev, name);
		dev->serno = talloc_strdup(dev, name);
		cfg.ipa_dev = dev;
		cfg.ip_addr = s->host;
		cfg.tcp_port = (unsigned int)atoi(colon + 1);
		s->us = calloc(n, sizeof(double));
		s->gc = osmo_gsup_client_create3(ctx, &cfg);
		if (!s->us || !s->gc)
			return 1;
		s->link_read = s->gc->link->read_cb;
		s->gc->link->read_cb = link_read;
		if (!wait_flag(&s->ready, 5e6)) {
			fprintf(stderr, "gsup_bench: %s: not connected\n", s->label);
			return 1;
		}
	}
	for (unsigned int k = 0; k < warmup + n; k++) {
		for (unsigned int j = 0; j < nsrv; j++) {
			struct bench_server *s = &srv[j];
			struct osmo_gsup_message g = {
				.message_type = OSMO_GSUP_MSGT_SEND_AUTH_INFO_REQUEST,
				.cn_domain = OSMO_GSUP_CN_DOMAIN_CS,
			};
			double t0;

			OSMO_STRLCPY_ARRAY(g.imsi, imsi);
			s->answered = false;
			t0 = common_now_us();
			if (osmo_gsup_client_enc_send(s->gc, &g) || !wait_flag(&s->answered, 10e6) ||
			    s->failed) {
				fprintf(stderr, "gsup_bench: %s: request %u failed\n", s->label, k);
				return 1;
			}
			if (k >= warmup)
				s->us[k - warmup] = common_now_us() - t0;
		}
	}
	printf("%-24s %10s %10s\n", "server", "median_us", "p99_us");
	for (unsigned int j = 0; j < nsrv; j++) {
		common_sort_doubles(srv[j].us, n);
		printf("%-24s %10.0f %10.0f\n", srv[j].label, srv[j].us[n / 2],
		       srv[j].us[(size_t)((n - 1) * 0.99)]);
		free(srv[j].us);
		osmo_gsup_client_destroy(srv[j].gc);
	}
	talloc_free(ctx);
	return 0;
}
