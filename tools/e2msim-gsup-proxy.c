/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-gsup-proxy: the GSUP proxy between MSC/SGSN and osmo-hlr that
 * delivers the E2M keysets of osmo-hlr's AVs (doc/e2m-profile.md 5). A thin
 * front end over gsup/proxy.c and gsup/e2m.c. */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>

#include "common/log.h"
#include "common/num.h"
#include "gsup/e2m.h"
#include "gsup/proxy.h"
#include "keyd/hss.h"

enum proxy_exit {
	PROXY_EXIT_OK = 0,
	PROXY_EXIT_USAGE = 2,		/* bad options, configuration or profiles */
	PROXY_EXIT_INTERNAL = 3,	/* cannot listen, no thread */
};

struct proxy_opts {
	char listen_host[64], hlr_host[64];
	uint16_t listen_port, hlr_port;
	const char *hss, *profiles;
	enum keyd_hss_variant variant;
	bool variant_set;
	int verbose;
};

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	quit = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: e2msim-gsup-proxy --listen HOST:PORT --hlr HOST:PORT [--hss FILE]\n"
		"                         [--profiles DIR] [--variant A|B|C|D|E] [-v]\n"
		"Relays GSUP over IPA between MSCs/SGSNs and osmo-hlr, unchanged and in order,\n"
		"one HLR connection per client under the client's own IPA identity. On each\n"
		"SendAuthInfo Result for a subscriber with E2M (a card profile in DIR with an\n"
		"enabled \"e2m\", or an entry in the HSS configuration's \"subscribers\") it\n"
		"delivers the E2M keyset of every AV to the key service of the variant\n"
		"(doc/e2m-profile.md 5) before relaying the result; other clients' messages\n"
		"are relayed meanwhile.\n\n"
		"  -l, --listen HOST:PORT  where MSCs and SGSNs connect (osmo-hlr's usual 4222)\n"
		"  -H, --hlr HOST:PORT     osmo-hlr's GSUP address\n"
		"  -s, --hss FILE          the HSS configuration, as e2msim-auc --hss (tls,\n"
		"                          delivery, policy; \"variant\", \"subscribers\");\n"
		"                          without it the proxy only relays\n"
		"  -p, --profiles DIR      card profiles (*.json) of subscribers: K for variants\n"
		"                          A-D, the EID and ALG of their \"e2m\"\n"
		"      --variant V         the variant to deliver; default: the HSS file's\n"
		"                          \"variant\". A-D: the keyset from K (a profile with\n"
		"                          \"e2m\"), E: the one from CK||IK\n"
		"  -v, --verbose           every message relayed (-v), debug (-vv)\n"
		"  -h, --help              this text\n"
		"Prints \"e2msim-gsup-proxy: listening on HOST:PORT\" once it serves. SIGTERM or\n"
		"SIGINT stop it. Exit: 0 stopped, 2 usage or configuration error, 3 cannot\n"
		"listen or start.\n");
}

/* "HOST:PORT" */
static int parse_hostport(const char *opt, const char *s, char *host, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	uint64_t n;

	if (!colon || colon == s || (size_t)(colon - s) >= cap ||
	    common_parse_uint(colon + 1, 1, 65535, &n)) {
		fprintf(stderr, "e2msim-gsup-proxy: --%s: expected HOST:PORT, got '%s'\n", opt, s);
		return -1;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (uint16_t)n;
	return 0;
}

static int parse_args(int argc, char **argv, struct proxy_opts *o)
{
	enum { OPT_VARIANT = 256 };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "hlr", required_argument, NULL, 'H' },
		{ "hss", required_argument, NULL, 's' },
		{ "profiles", required_argument, NULL, 'p' },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "l:H:s:p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (parse_hostport("listen", optarg, o->listen_host, sizeof(o->listen_host),
					   &o->listen_port))
				return -1;
			break;
		case 'H':
			if (parse_hostport("hlr", optarg, o->hlr_host, sizeof(o->hlr_host), &o->hlr_port))
				return -1;
			break;
		case 's':
			o->hss = optarg;
			break;
		case 'p':
			o->profiles = optarg;
			break;
		case OPT_VARIANT:
			if (keyd_hss_variant_parse(optarg, &o->variant)) {
				fprintf(stderr, "e2msim-gsup-proxy: --variant: A, B, C, D or E "
					"(doc/e2m-profile.md 5)\n");
				return -1;
			}
			o->variant_set = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(PROXY_EXIT_OK);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "e2msim-gsup-proxy: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->listen_port || !o->hlr_port) {
		fprintf(stderr, "e2msim-gsup-proxy: --listen and --hlr are required (see --help)\n");
		return -1;
	}
	if ((o->profiles || o->variant_set) && !o->hss) {
		fprintf(stderr, "e2msim-gsup-proxy: --profiles and --variant need --hss FILE\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct keyd_hss_config hss;
	struct proxy_opts o = { .verbose = 0 };
	struct gsup_proxy_config cfg;
	struct gsup_e2m *e2m = NULL;
	struct gsup_proxy *p;
	void *ctx;
	char err[512];
	int rc = PROXY_EXIT_OK;

	if (parse_args(argc, argv, &o))
		return PROXY_EXIT_USAGE;
	ctx = talloc_named_const(NULL, 0, "e2msim-gsup-proxy");
	common_log_init(ctx, o.verbose);
	if (o.hss) {
		if (keyd_hss_config_load(&hss, o.hss, err, sizeof(err))) {
			fprintf(stderr, "e2msim-gsup-proxy: --hss: %s\n", err);
			return PROXY_EXIT_USAGE;
		}
		if (!o.variant_set && !hss.variant_set) {
			fprintf(stderr, "e2msim-gsup-proxy: --hss %s: no \"variant\": give --variant "
				"A-E\n", o.hss);
			return PROXY_EXIT_USAGE;
		}
		e2m = gsup_e2m_create(ctx, &hss, o.variant_set ? o.variant : hss.variant, o.profiles,
				      err, sizeof(err));
		if (!e2m) {
			fprintf(stderr, "e2msim-gsup-proxy: %s\n", err);
			return PROXY_EXIT_USAGE;
		}
	}
	cfg = (struct gsup_proxy_config){
		.listen_addr = o.listen_host, .listen_port = o.listen_port,
		.hlr_addr = o.hlr_host, .hlr_port = o.hlr_port, .e2m = e2m,
	};
	p = gsup_proxy_create(ctx, &cfg);
	if (!p) {
		gsup_e2m_destroy(e2m);
		return PROXY_EXIT_INTERNAL;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "e2msim-gsup-proxy: listening on %s:%u, HLR %s:%u, %u subscribers with E2M"
		"%s%s\n", o.listen_host, o.listen_port, o.hlr_host, o.hlr_port,
		e2m ? gsup_e2m_count(e2m) : 0, e2m ? ", variant " : "",
		e2m ? keyd_hss_variant_name(o.variant_set ? o.variant : hss.variant) : "");
	while (!quit)
		osmo_select_main(0);
	fprintf(stderr, "e2msim-gsup-proxy: stopped (signal %d)\n", (int)quit);
	gsup_proxy_destroy(p);
	gsup_e2m_destroy(e2m);
	memset(&hss, 0, sizeof(hss));
	talloc_free(ctx);
	return rc;
}
