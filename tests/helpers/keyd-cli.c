/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A test client of e2msim-keyd through keyd/client.c (tests/integration/test_keyd.sh).
 *
 *   keyd-cli --url URL --ca CA [--cert PEM --key PEM] [--stats] COMMAND...
 *
 *   gen EID ALG [me]   print a random keyset (JSON line), without sending it
 *   push FILE          push the keyset in FILE ("-": stdin)
 *   fetch KID          on 200 print the keyset
 *   session KID        variant B's session event
 *   delete KID
 *   status             "200 role=R held=N peak=N pushed=N fetched=N ..."
 *   stream EID OUT     push random keysets until SIGTERM, through restarts
 *                      of the service; append each one answered 201, with
 *                      its expires, to OUT
 *   verify FILE        fetch every keyset of FILE (JSON lines) and compare
 *
 * The first word printed is the HTTP status, or "-1" when no answer came.
 * Exit 0 when every answer came (whatever its status), 1 otherwise, 2 usage. */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "keyd/client.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: keyd-cli --url URL --ca CA [--cert PEM --key PEM] [--stats] "
			"gen|push|fetch|session|delete|status|stream|verify ...\n");
}

static int gen_keyset(struct keyd_keyset *ks, const char *eid, unsigned int alg, bool me)
{
	uint8_t rnd[16];
	unsigned char b64[32];

	memset(ks, 0, sizeof(*ks));
	if (strlen(eid) > E2M_EID_MAX || RAND_bytes(rnd, sizeof(rnd)) != 1 ||
	    RAND_bytes(ks->k_int, sizeof(ks->k_int)) != 1 ||
	    RAND_bytes(ks->k_enc, sizeof(ks->k_enc)) != 1)
		return -1;
	EVP_EncodeBlock(b64, rnd, sizeof(rnd));
	snprintf(ks->kid, sizeof(ks->kid), "%s@%s", (const char *)b64, eid);
	snprintf(ks->eid, sizeof(ks->eid), "%s", eid);
	ks->alg = (uint8_t)alg;
	ks->derivation = me ? KEYD_DERIVED_ME : KEYD_DERIVED_USIM;
	ks->k_enc_len = (alg >> 4) ? sizeof(ks->k_enc) : 0;
	return 0;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, KEYD_BODY_MAX * 2 + 1);
	if (buf)
		*len = fread(buf, 1, KEYD_BODY_MAX * 2, f);
	if (f != stdin)
		fclose(f);
	return buf;
}

static int print_status(int status, const char *err)
{
	if (status >= 200 && status <= 299)
		printf("%d\n", status);
	else
		printf("%d %s\n", status, err);
	return status < 0;
}

static int cmd_push(struct keyd_client *c, const char *file)
{
	struct keyd_keyset ks;
	char err[256];
	size_t len = 0;
	int64_t expires = 0;
	char *json = read_all(file, &len);
	int status;

	if (!json || keyd_keyset_from_json(&ks, json, len, err, sizeof(err))) {
		fprintf(stderr, "keyd-cli: %s: %s\n", file, json ? err : "cannot read");
		free(json);
		return 2;
	}
	free(json);
	status = keyd_client_push(c, &ks, &expires, err, sizeof(err));
	keyd_keyset_clear(&ks);
	if (status == 201) {
		printf("201 expires=%lld\n", (long long)expires);
		return 0;
	}
	return print_status(status, err);
}

static int cmd_fetch(struct keyd_client *c, const char *kid)
{
	struct keyd_keyset ks;
	char err[256], json[KEYD_BODY_MAX];
	int status = keyd_client_fetch(c, kid, &ks, err, sizeof(err));

	if (status == 200) {
		if (keyd_keyset_to_json(&ks, json, sizeof(json)) < 0)
			return 1;
		printf("200 %s\n", json);
		keyd_keyset_clear(&ks);
		return 0;
	}
	return print_status(status, err);
}

static int cmd_status(struct keyd_client *c)
{
	struct keyd_status st;
	char err[256];
	int status = keyd_client_status(c, &st, err, sizeof(err));

	if (status != 200)
		return print_status(status, err);
	printf("200 role=%s held=%lu peak=%lu pushed=%lu fetched=%lu forwarded=%lu expired=%lu "
	       "refused=%lu forward_requests=%lu forward_bytes=%llu\n", st.role, st.held, st.peak,
	       st.pushed, st.fetched, st.forwarded, st.expired, st.refused, st.forward_requests,
	       st.forward_bytes);
	return 0;
}

/* Pushes until SIGTERM; the service may die and come back meanwhile. */
static int cmd_stream(struct keyd_client *c, const char *eid, const char *out_path)
{
	FILE *out = fopen(out_path, "a");
	struct keyd_keyset ks;
	char err[256], json[KEYD_BODY_MAX];
	unsigned long acked = 0, lost = 0;
	int64_t expires;
	int status;

	if (!out)
		return 2;
	while (!stop) {
		if (gen_keyset(&ks, eid, 0x21, false))
			return 2;
		status = keyd_client_push(c, &ks, &expires, err, sizeof(err));
		if (status == 201) {
			ks.expires = expires;
			if (keyd_keyset_to_json(&ks, json, sizeof(json)) < 0)
				return 2;
			fprintf(out, "%s\n", json);
			fflush(out);
			acked++;
		} else {
			/* not acknowledged: nothing promised */
			struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

			lost++;
			nanosleep(&ts, NULL);
		}
	}
	fclose(out);
	printf("acked=%lu unanswered=%lu\n", acked, lost);
	return 0;
}

static int same_keyset(const struct keyd_keyset *a, const struct keyd_keyset *b)
{
	return !strcmp(a->kid, b->kid) && !strcmp(a->eid, b->eid) && a->alg == b->alg &&
	       a->derivation == b->derivation && a->k_enc_len == b->k_enc_len &&
	       !memcmp(a->k_int, b->k_int, sizeof(a->k_int)) &&
	       !memcmp(a->k_enc, b->k_enc, a->k_enc_len) && a->expires == b->expires;
}

static int cmd_verify(struct keyd_client *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[KEYD_BODY_MAX + 2], err[256];
	struct keyd_keyset want, got;
	unsigned long total = 0, ok = 0;
	int status;

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f)) {
		if (keyd_keyset_from_json(&want, line, strlen(line), err, sizeof(err))) {
			fprintf(stderr, "keyd-cli: %s: %s\n", path, err);
			fclose(f);
			return 2;
		}
		total++;
		status = keyd_client_fetch(c, want.kid, &got, err, sizeof(err));
		if (status == 200 && same_keyset(&want, &got))
			ok++;
		else
			printf("lost %s: %d %s\n", want.kid, status, status == 200 ? "differs" : err);
		keyd_keyset_clear(&want);
		keyd_keyset_clear(&got);
	}
	fclose(f);
	printf("verified %lu of %lu\n", ok, total);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ .name = "url", .has_arg = required_argument, .val = 'u' },
		{ .name = "ca", .has_arg = required_argument, .val = 'a' },
		{ .name = "cert", .has_arg = required_argument, .val = 'c' },
		{ .name = "key", .has_arg = required_argument, .val = 'k' },
		{ .name = "stats", .has_arg = no_argument, .val = 's' },
		{ 0 },
	};
	struct keyd_client_tls tls = { 0 };
	const char *url = NULL, *cmd;
	struct keyd_client *c;
	char err[256];
	bool stats = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'u': url = optarg; break;
		case 'a': tls.ca = optarg; break;
		case 'c': tls.cert = optarg; break;
		case 'k': tls.key = optarg; break;
		case 's': stats = true; break;
		default: usage(); return 2;
		}
	}
	if (optind >= argc) {
		usage();
		return 2;
	}
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;

	if (!strcmp(cmd, "gen") && (argc == 2 || argc == 3)) {
		struct keyd_keyset ks;
		char json[KEYD_BODY_MAX];

		if (gen_keyset(&ks, argv[0], (unsigned int)strtoul(argv[1], NULL, 16),
			       argc == 3 && !strcmp(argv[2], "me")) ||
		    keyd_keyset_to_json(&ks, json, sizeof(json)) < 0)
			return 2;
		printf("%s\n", json);
		return 0;
	}
	if (!url) {
		usage();
		return 2;
	}
	c = keyd_client_new(url, &tls);
	if (!c) {
		fprintf(stderr, "keyd-cli: cannot make a client for %s\n", url);
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "push") && argc == 1)
		rc = cmd_push(c, argv[0]);
	else if (!strcmp(cmd, "fetch") && argc == 1)
		rc = cmd_fetch(c, argv[0]);
	else if (!strcmp(cmd, "session") && argc == 1)
		rc = print_status(keyd_client_session(c, argv[0], err, sizeof(err)), err);
	else if (!strcmp(cmd, "delete") && argc == 1)
		rc = print_status(keyd_client_delete(c, argv[0], err, sizeof(err)), err);
	else if (!strcmp(cmd, "status") && argc == 0)
		rc = cmd_status(c);
	else if (!strcmp(cmd, "stream") && argc == 2)
		rc = cmd_stream(c, argv[0], argv[1]);
	else if (!strcmp(cmd, "verify") && argc == 1)
		rc = cmd_verify(c, argv[0]);
	else {
		usage();
		rc = 2;
	}
	if (stats) {
		const struct keyd_client_stats *st = keyd_client_stats(c);

		printf("stats requests=%lu sent=%llu received=%llu\n", st->requests,
		       st->bytes_sent, st->bytes_received);
	}
	keyd_client_free(c);
	return rc;
}
