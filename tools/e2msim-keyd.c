/* SPDX-License-Identifier: GPL-2.0-or-later */
/* e2msim-keyd: the key service of doc/e2m-profile.md 5 (keyd/API.md) in the role
 * its configuration names: hse-store, hss-store or emks.
 *
 *   e2msim-keyd --config FILE [-v]...
 *
 * Prints "e2msim-keyd: ROLE listening on HOST:PORT" when it serves; stops on
 * SIGTERM or SIGINT. Exit 2: bad command line or configuration (one
 * message naming the field); 1: cannot serve. */

#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/log.h"
#include "keyd/config.h"
#include "keyd/server.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: e2msim-keyd --config FILE [-v]...\n"
		   "  -c, --config FILE  the service's JSON configuration (keyd/API.md)\n"
		   "  -v, --verbose      log every request (-vv: debug)\n"
		   "  -h, --help         this text\n");
}

/* Each connection is a descriptor (keyd/server.c CONNECTION_LIMIT, and the
 * connections refused at the limit are accepted first): the soft limit
 * raised to the hard one, so that a flood meets the service's limits and
 * not EMFILE. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The listening address as HOST (IPv6 in brackets). */
static void host_text(const struct keyd_config *cfg, char *out, size_t cap)
{
	char buf[INET6_ADDRSTRLEN] = "?";

	if (cfg->addr.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&cfg->addr)->sin6_addr, buf,
			  sizeof(buf));
		snprintf(out, cap, "[%s]", buf);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&cfg->addr)->sin_addr, buf,
			  sizeof(buf));
		snprintf(out, cap, "%s", buf);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ .name = "config", .has_arg = required_argument, .val = 'c' },
		{ .name = "verbose", .has_arg = no_argument, .val = 'v' },
		{ .name = "help", .has_arg = no_argument, .val = 'h' },
		{ 0 },
	};
	static struct keyd_config cfg;	/* large: not on the stack */
	const char *config = NULL;
	struct keyd_server *srv;
	char err[512], host[INET6_ADDRSTRLEN + 2];
	sigset_t stop;
	int verbose = 0, opt, sig = 0;

	while ((opt = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!config || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (keyd_config_load(&cfg, config, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	common_log_init(NULL, verbose);
	raise_nofile();

	/* the threads started below inherit this mask: only sigwait() sees
	 * the stop signals */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv = keyd_server_start(&cfg, err, sizeof(err));
	if (!srv) {
		fprintf(stderr, "e2msim-keyd: %s\n", err);
		keyd_config_free(&cfg);
		return 1;
	}
	host_text(&cfg, host, sizeof(host));
	printf("e2msim-keyd: %s listening on %s:%u\n", keyd_role_name(cfg.role), host,
	       keyd_server_port(srv));
	fflush(stdout);

	sigwait(&stop, &sig);
	LOGP(DKEYD, LOGL_NOTICE, "signal %d: stopping\n", sig);
	keyd_server_stop(srv);
	keyd_config_free(&cfg);
	return 0;
}
