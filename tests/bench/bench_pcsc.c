/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_pcsc: APDU round trips through libpcsclite, pcscd and vpcd.
 *
 *   bench_pcsc --profile FILE [--count N] [--block B] --echo READER NAME=READER...
 *       Round-trip latency of SELECT (00A4000C022FE2), READ BINARY
 *       (00B000000A) and E2M AUTHENTICATE (P2 '83', Le '00', AVs made before
 *       from FILE's keys with SQN increasing) against each named card and the
 *       echo card (tests/helpers/echo-card.c, '9000' to everything: the floor of the
 *       PC/SC stack). One SCardTransmit per exchange (apdu_transmit_raw: no
 *       GET RESPONSE; Le is sent so the answer comes at once). The readers
 *       take turns in blocks of B exchanges, so that a disturbance (other
 *       load on the machine) falls on all of them alike. Every answer is
 *       checked; prints a Markdown table with median, p99 and the ratio card
 *       / echo of both.
 *
 *       With --flush-us F (the disk's fdatasync floor, tools/bench.sh), a
 *       card whose name says "durable" is held to the durable
 *       targets: read-only commands within 1.05 x the echo card, E2M
 *       AUTHENTICATE within 1.10 x (echo + F), one flush per change.
 *       With --echo-flush READER, an echo card that makes one fdatasync
 *       before it answers an AUTHENTICATE (echo-card --flush) is measured
 *       too: echo + one flush end to end, the flush's wake-ups included.
 *
 *   bench_pcsc --profile FILE --count N --skip S --concurrent READER...
 *       One thread per reader, each with its own PC/SC context: SELECT
 *       USIM, VERIFY PIN1, then N E2M AUTHENTICATEs (AVs S+1 .. S+N of the
 *       profile's keys) as fast as the card answers; all readers at once.
 *       Prints "CARDS OPS SECONDS PER_SECOND" (wall clock, all threads).
 *
 *   bench_pcsc --profile FILE --touch READER...
 *       A few APDUs to each card (SELECT, READ BINARY, SELECT USIM, VERIFY
 *       PIN1, E2M AUTHENTICATE with the first SQN): for a resident memory
 *       figure of cards that are up and have worked.
 *
 * READER is an index or a name as apdu_pcsc_resolve() takes it. Exit 1 if
 * any answer was wrong. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/clock.h"
#include "common/log.h"
#include "apdu/pcsc.h"
#include "aka/auc.h"
#include "usim/profile.h"

#define TARGET_RATIO	1.10	/* card round trip within 1.10 x the echo card's */
#define TARGET_READ_DURABLE	1.05	/* durable card, read-only: 1.05 x echo */
#define CONCURRENT_MAX	16
#define TARGETS_MAX	8
#define EID		"hse.example.org"
#define AUTH_LC		(1 + 16 + 1 + 16 + 1 + (sizeof(EID) - 1) + 1 + 2)
#define AUTH_LEN	(5 + AUTH_LC + 1)

enum bench_kind { K_SELECT, K_READ, K_AUTH, K_NUM };

static const char *const kind_name[K_NUM] = {
	[K_SELECT] = "SELECT 2FE2 (00A4000C022FE2)",
	[K_READ] = "READ BINARY (00B000000A)",
	[K_AUTH] = "E2M AUTHENTICATE (P2 '83')",
};

struct bench_av {
	uint8_t capdu[AUTH_LEN];
	uint8_t res[AKA_ALG_RES_MAX];
	size_t res_len;
};

struct bench_target {
	const char *name, *reader;
	bool echo;		/* an echo card: '9000' and no data is right */
	bool flush_ref;		/* the echo card that flushes once per AUTHENTICATE */
	struct apdu_transport t;
	double *us[K_NUM];		/* round trips, microseconds */
	size_t n[K_NUM];
	unsigned long fails[K_NUM];
	size_t next_av;
};

static const uint8_t cmd_select[] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2 };
static const uint8_t cmd_read[] = { 0x00, 0xB0, 0x00, 0x00, 0x0A };
static const uint8_t cmd_select_usim[] = { 0x00, 0xA4, 0x04, 0x0C, 0x07,
					   0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };
static const uint8_t cmd_verify[] = { 0x00, 0x20, 0x00, 0x01, 0x08,
				      '1', '2', '3', '4', 0xFF, 0xFF, 0xFF, 0xFF };

/* n AVs from the profile's keys: SQN = SEQ || IND 0 with SEQ 1, 2, ... */
static struct bench_av *make_avs(const struct usim_profile *p, size_t n)
{
	static const uint8_t amf[2] = { 0x80, 0x00 };
	struct bench_av *avs = calloc(n, sizeof(*avs));
	const struct aka_alg *alg;
	struct aka_alg_keys keys;
	uint64_t rng = 0x243F6A8885A308D3ULL;

	if (!avs || usim_profile_keys(p, &alg, &keys) < 0) {
		free(avs);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct aka_auc_vec av;
		uint8_t rand[16], *c = avs[i].capdu;
		uint64_t sqn;
		size_t k = 0;

		for (int j = 0; j < 16; j++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			rand[j] = (uint8_t)(rng >> 56);
		}
		if (aka_auc_sqn_compose(p->sqn_seq[0] + 1 + i, 0, p->sqn.ind_bits, &sqn) < 0 ||
		    aka_auc_gen_vec(alg, &keys, rand, sqn, amf, &av) < 0 || av.autn_len != 16) {
			free(avs);
			avs = NULL;
			break;
		}
		c[k++] = 0x00; c[k++] = 0x88; c[k++] = 0x00; c[k++] = 0x83;
		c[k++] = (uint8_t)AUTH_LC;
		c[k++] = 16; memcpy(c + k, rand, 16); k += 16;
		c[k++] = 16; memcpy(c + k, av.autn, 16); k += 16;
		c[k++] = sizeof(EID) - 1; memcpy(c + k, EID, sizeof(EID) - 1); k += sizeof(EID) - 1;
		c[k++] = 0;
		c[k++] = 1; c[k++] = 0x11;
		c[k++] = 0x00;
		memcpy(avs[i].res, av.xres, av.xres_len);
		avs[i].res_len = av.xres_len;
		aka_auc_vec_clear(&av);
	}
	OPENSSL_cleanse(&keys, sizeof(keys));
	return avs;
}

static uint16_t sw_of(const uint8_t *r, size_t rl)
{
	return rl >= 2 ? (uint16_t)(r[rl - 2] << 8 | r[rl - 1]) : 0;
}

/* One exchange of kind k; its round trip in *us; false if the answer is wrong. */
static bool exchange(struct bench_target *t, enum bench_kind k, const struct bench_av *avs,
		     double *us)
{
	uint8_t r[300];
	size_t rl = 0;
	const uint8_t *c;
	size_t clen;
	const struct bench_av *av = NULL;
	double t0;
	int rc;

	switch (k) {
	case K_SELECT: c = cmd_select; clen = sizeof(cmd_select); break;
	case K_READ: c = cmd_read; clen = sizeof(cmd_read); break;
	default:
		av = &avs[t->next_av++];
		c = av->capdu;
		clen = sizeof(av->capdu);
		break;
	}
	t0 = common_now_us();
	rc = apdu_transmit_raw(&t->t, c, clen, r, sizeof(r), &rl);
	*us = common_now_us() - t0;
	if (rc < 0 || sw_of(r, rl) != 0x9000)
		return false;
	if (t->echo)
		return rl == 2;
	switch (k) {
	case K_SELECT: return rl == 2;
	case K_READ: return rl == 12;
	default: return rl > 2 + av->res_len && r[0] == 0xDB && r[1] == av->res_len &&
			!memcmp(r + 2, av->res, av->res_len);
	}
}

static bool plain(struct bench_target *t, const uint8_t *c, size_t clen)
{
	uint8_t r[300];
	size_t rl = 0;

	return apdu_transmit_raw(&t->t, c, clen, r, sizeof(r), &rl) == 0 && sw_of(r, rl) == 0x9000;
}

/* Nearest rank: the smallest value with at least q of all at or below it. */
static double quantile(const double *sorted, size_t n, double q)
{
	size_t rank = (size_t)(q * (double)n + 0.999999);

	if (!n)
		return 0;
	return sorted[rank ? (rank > n ? n - 1 : rank - 1) : 0];
}

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_pcsc --profile FILE [--count N] [--block B] [--flush-us F] --echo READER "
		"[--echo-flush READER] NAME=READER...\n"
		"       bench_pcsc --profile FILE --count N --skip S --concurrent READER...\n"
		"       bench_pcsc --profile FILE --touch READER...\n");
}

static int touch(const struct usim_profile *p, char **readers, int n)
{
	struct bench_av *avs = make_avs(p, 1);
	int bad = 0;

	if (!avs)
		return 1;
	for (int i = 0; i < n; i++) {
		struct bench_target t = { .name = readers[i], .reader = readers[i] };
		const char *step = "SELECT 2FE2";
		double us;
		bool ok;

		if (apdu_pcsc_open(&t.t, t.reader) < 0) {
			fprintf(stderr, "bench_pcsc: reader %s: cannot connect\n", t.reader);
			bad++;
			continue;
		}
		ok = exchange(&t, K_SELECT, avs, &us) && (step = "READ BINARY") &&
		     exchange(&t, K_READ, avs, &us) && (step = "SELECT USIM") &&
		     plain(&t, cmd_select_usim, sizeof(cmd_select_usim)) && (step = "VERIFY PIN1") &&
		     plain(&t, cmd_verify, sizeof(cmd_verify)) && (step = "E2M AUTHENTICATE") &&
		     exchange(&t, K_AUTH, avs, &us);
		if (!ok) {
			fprintf(stderr, "bench_pcsc: reader %s: wrong answer to %s\n", t.reader, step);
			bad++;
		}
		apdu_transport_close(&t.t);
	}
	free(avs);
	return bad ? 1 : 0;
}

/* One reader of --concurrent: its AUTHENTICATEs, as fast as it answers. */
struct conc_arg {
	const char *reader;
	const struct bench_av *avs;
	size_t n;
	unsigned long fails;
	pthread_barrier_t *start;
};

static void *conc_run(void *arg)
{
	struct conc_arg *a = arg;
	struct bench_target t = { .name = a->reader, .reader = a->reader };
	bool ok = apdu_pcsc_open(&t.t, t.reader) == 0;

	ok = ok && plain(&t, cmd_select_usim, sizeof(cmd_select_usim)) &&
	     plain(&t, cmd_verify, sizeof(cmd_verify));
	pthread_barrier_wait(a->start);
	pthread_barrier_wait(a->start);
	for (size_t i = 0; ok && i < a->n; i++) {
		double us;
		a->fails += !exchange(&t, K_AUTH, a->avs, &us);
	}
	if (!ok)
		a->fails = a->n ? a->n : 1;
	apdu_transport_close(&t.t);
	return NULL;
}

static int concurrent(const struct usim_profile *p, size_t count, size_t skip, char **readers,
		      int n)
{
	struct bench_av *avs = make_avs(p, skip + count);
	struct conc_arg args[CONCURRENT_MAX];
	pthread_t th[CONCURRENT_MAX];
	pthread_barrier_t start;
	unsigned long fails = 0;
	double t0, t1;

	if (!avs || n > CONCURRENT_MAX)
		return 2;
	pthread_barrier_init(&start, NULL, (unsigned int)n + 1);
	for (int i = 0; i < n; i++) {
		args[i] = (struct conc_arg){ .reader = readers[i], .avs = avs + skip, .n = count,
					     .start = &start };
		pthread_create(&th[i], NULL, conc_run, &args[i]);
	}
	pthread_barrier_wait(&start);	/* every reader connected */
	t0 = common_now_us();
	pthread_barrier_wait(&start);
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		fails += args[i].fails;
	}
	t1 = common_now_us();
	pthread_barrier_destroy(&start);
	free(avs);
	printf("%d %zu %.3f %.0f\n", n, count * (size_t)n, (t1 - t0) / 1e6,
	       (double)(count * (size_t)n) / ((t1 - t0) / 1e6));
	if (fails)
		fprintf(stderr, "bench_pcsc: %lu wrong answers\n", fails);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'n' },
		{ "block", required_argument, NULL, 'b' },
		{ "echo", required_argument, NULL, 'e' },
		{ "touch", no_argument, NULL, 't' },
		{ "flush-us", required_argument, NULL, 'f' },
		{ "echo-flush", required_argument, NULL, 'E' },
		{ "concurrent", no_argument, NULL, 'c' },
		{ "skip", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct bench_target tg[TARGETS_MAX];
	const char *profile = NULL, *echo = NULL, *echo_flush = NULL;
	struct usim_profile *p = calloc(1, sizeof(*p));
	struct bench_av *avs;
	size_t count = 2000, block = 10, warmup = 50, nt = 0, skip = 0;
	bool do_touch = false, do_conc = false;
	double flush_us = -1;
	unsigned long fails = 0;
	char err[256];
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': profile = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'b': block = strtoul(optarg, NULL, 10); break;
		case 'e': echo = optarg; break;
		case 'E': echo_flush = optarg; break;
		case 't': do_touch = true; break;
		case 'f': flush_us = strtod(optarg, NULL); break;
		case 'c': do_conc = true; break;
		case 's': skip = strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!p || !profile || optind >= argc || (!do_touch && !do_conc && !echo) || !count || !block) {
		usage(stderr);
		return 2;
	}
	common_log_init(talloc_named_const(NULL, 0, "bench_pcsc"), -1);
	if (usim_profile_load(p, profile, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_pcsc: %s: %s\n", profile, err);
		return 2;
	}
	if (do_touch)
		return touch(p, argv + optind, argc - optind);
	if (do_conc)
		return concurrent(p, count, skip, argv + optind, argc - optind);

	tg[nt++] = (struct bench_target){ .name = "echo card", .reader = echo, .echo = true };
	if (echo_flush)
		tg[nt++] = (struct bench_target){ .name = "echo card + one fdatasync (floor)",
						  .reader = echo_flush, .echo = true, .flush_ref = true };
	for (int i = optind; i < argc && nt < TARGETS_MAX; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq) {
			usage(stderr);
			return 2;
		}
		*eq = '\0';
		tg[nt++] = (struct bench_target){ .name = argv[i], .reader = eq + 1 };
	}
	avs = make_avs(p, warmup + count);
	if (!avs) {
		fprintf(stderr, "bench_pcsc: cannot make AVs from %s\n", profile);
		return 2;
	}
	for (size_t i = 0; i < nt; i++) {
		if (apdu_pcsc_open(&tg[i].t, tg[i].reader) < 0) {
			fprintf(stderr, "bench_pcsc: %s: cannot connect to reader %s\n", tg[i].name,
				tg[i].reader);
			return 1;
		}
		for (int k = 0; k < K_NUM; k++)
			tg[i].us[k] = calloc(count, sizeof(double));
	}
	for (int k = 0; k < K_NUM; k++) {
		double us;

		for (size_t i = 0; i < nt; i++) {
			/* before the AUTHENTICATEs: the USIM selected, PIN1 verified;
			 * before READ BINARY: EF.ICCID current */
			if (k == K_AUTH && (!plain(&tg[i], cmd_select_usim, sizeof(cmd_select_usim)) ||
					    !plain(&tg[i], cmd_verify, sizeof(cmd_verify)))) {
				fprintf(stderr, "bench_pcsc: %s: SELECT USIM or VERIFY PIN1 refused\n", tg[i].name);
				return 1;
			}
			for (size_t j = 0; j < warmup; j++)
				tg[i].fails[k] += !exchange(&tg[i], (enum bench_kind)k, avs, &us);
		}
		for (size_t done = 0; done < count; done += block) {
			for (size_t i = 0; i < nt; i++) {
				for (size_t j = done; j < done + block && j < count; j++) {
					tg[i].fails[k] += !exchange(&tg[i], (enum bench_kind)k, avs,
								    &tg[i].us[k][j]);
					tg[i].n[k] = j + 1;
				}
			}
		}
		for (size_t i = 0; i < nt; i++)
			common_sort_doubles(tg[i].us[k], tg[i].n[k]);
	}

	printf("| APDU | Card | Exchanges | Median µs | p99 µs | Echo median µs | Echo p99 µs | "
	       "Median ratio | p99 ratio | Card adds, median µs | Floor µs | Ratio to floor | "
	       "Failures | Target | Result |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
	for (int k = 0; k < K_NUM; k++) {
		const struct bench_target *e = &tg[0];
		double em = quantile(e->us[k], e->n[k], 0.5), e99 = quantile(e->us[k], e->n[k], 0.99);
		/* a change's floor: the flushing echo card measured end to end,
		 * else the echo card plus the disk's fdatasync added up */
		double change_floor = flush_us >= 0 ? em + flush_us : -1;
		const char *change_floor_name = "(echo + one fdatasync, added up)";

		printf("| %s | echo card (floor) | %zu | %.1f | %.1f | - | - | 1.00 | 1.00 | - | %.1f | 1.00 | "
		       "%lu | - | (reference) |\n", kind_name[k], e->n[k], em, e99, em, e->fails[k]);
		fails += e->fails[k];
		for (size_t i = 1; i < nt; i++) {
			const struct bench_target *t = &tg[i];
			double m = quantile(t->us[k], t->n[k], 0.5), m99 = quantile(t->us[k], t->n[k], 0.99);

			if (!t->flush_ref)
				continue;
			fails += t->fails[k];
			if (k != K_AUTH)
				continue;	/* it flushes only for AUTHENTICATE */
			printf("| %s | %s | %zu | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.1f | %.1f | %.2f | "
			       "%lu | - | (reference: %.2f x echo + one fdatasync added up) |\n", kind_name[k],
			       t->name, t->n[k], m, m99, em, e99, em > 0 ? m / em : 0, e99 > 0 ? m99 / e99 : 0,
			       m - em, m, 1.0, t->fails[k], change_floor > 0 ? m / change_floor : 0);
			change_floor = m;
			change_floor_name = "(echo card + one fdatasync, end to end)";
		}
		for (size_t i = 1; i < nt; i++) {
			const struct bench_target *t = &tg[i];
			double m = quantile(t->us[k], t->n[k], 0.5), m99 = quantile(t->us[k], t->n[k], 0.99);
			double rm = em > 0 ? m / em : 0, r99 = e99 > 0 ? m99 / e99 : 0;
			bool durable = flush_us >= 0 && strstr(t->name, "durable");
			bool change = durable && k == K_AUTH;
			double floor = change ? change_floor : em;
			double target = durable && k != K_AUTH ? TARGET_READ_DURABLE : TARGET_RATIO;
			double rf = floor > 0 ? m / floor : 0;
			const char *verdict = t->fails[k] ? "**INVALID: FAILURES**" :
					      rf <= target ? "met" : "**NOT met**";

			if (t->flush_ref)
				continue;
			printf("| %s | %s | %zu | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.1f | %.1f | %.2f | "
			       "%lu | median <= %.2f x %s | %s |\n", kind_name[k], t->name, t->n[k], m, m99,
			       em, e99, rm, r99, m - em, floor, rf, t->fails[k], target,
			       change ? change_floor_name : "echo", verdict);
			if (change && flush_us >= 0)
				printf("| %s | (the same against echo + one fdatasync added up) | - | %.1f | - | %.1f "
				       "| - | - | - | - | %.1f | %.2f | - | - | - |\n", kind_name[k], m, em,
				       em + flush_us, m / (em + flush_us));
			fails += t->fails[k];
		}
	}
	for (size_t i = 0; i < nt; i++) {
		apdu_transport_close(&tg[i].t);
		for (int k = 0; k < K_NUM; k++)
			free(tg[i].us[k]);
	}
	free(avs);
	usim_profile_clear(p);
	free(p);
	if (fails) {
		printf("\n**WARNING: %lu exchanges got a wrong answer: the figures are not valid.**\n", fails);
		return 1;
	}
	return 0;
}
