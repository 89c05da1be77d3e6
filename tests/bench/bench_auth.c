/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench_auth [--dir DIR] [--seconds S] [--min-ops N] [--min-ops-durable N]:
 * E2M AUTHENTICATE (doc/e2m-profile.md 3, P2 '83') per second in one thread, at
 * the card's entry point usim_card_apdu() without sockets, for each 3G
 * algorithm (Milenage, TUAK, XOR) with the state store in memory and durable
 * (an SQLite file in DIR: WAL, synchronous=FULL, every accepted SQN committed
 * before the answer, as e2msim-card does). Next to it libosmocore's
 * osmo_auth_gen_vec() on the same K, OPc and RAND as the reference, and our
 * own AuC aka_auc_gen_vec() doing that same work.
 *
 * Every command is a real, accepted one: the AVs come from aka_auc_gen_vec()
 * with SQN increasing (SEQ + 1 per AV, IND 0), made outside the timed loop;
 * the USIM is selected and PIN1 verified once before. Every answer is
 * checked ('DB', RES equal to XRES, '9000'); failures are counted and make
 * the row and the exit status say so.
 *
 * --alg and --row pick one algorithm and one row, e.g. for a profiler.
 * Prints a Markdown table on stdout. Not a test: no verdict on speed but the
 * "met" / "NOT met" column against the targets of the issue. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/crypt/auth.h>

#include "common/log.h"
#include "aka/auc.h"
#include "usim/card.h"
#include "usim/profile.h"
#include "usim/store.h"

#define TARGET_MEMORY	100000.0	/* E2M AUTHENTICATE/s per core, store in memory */
#define TARGET_DURABLE	1000.0		/* the same, durable store */
#define BATCH_MAX	100000		/* AVs made ahead of one timed loop */

/* AUTHENTICATE P2 '83': LV(RAND) LV(AUTN) LV(EID) LV(SNID, empty) LV(ALG '11'), Le '00' */
#define EID		"hse.example.org"
#define CMD_LC		(1 + 16 + 1 + 16 + 1 + (sizeof(EID) - 1) + 1 + 2)
#define CMD_LEN		(5 + CMD_LC + 1)

/* One algorithm with a card profile that has the E2M context. */
struct bench_alg {
	const char *name;
	const char *profile;		/* JSON */
	bool osmo;			/* libosmocore 1.7 has it */
	enum osmo_auth_algo osmo_algo;
};

static const struct bench_alg bench_algs[] = {
	{
		.name = "milenage", .osmo = true, .osmo_algo = OSMO_AUTH_ALG_MILENAGE,
		.profile = "{\"iccid\": \"8900101000000000901\", \"imsi\": \"001010000000901\","
			   " \"algorithm\": \"milenage\", \"ki\": \"465b5ce8b199b49faa5f0a2ee238a6bc\","
			   " \"opc\": \"cd63cb71954a9f4e48a5994e37a02baf\","
			   " \"e2m\": {\"eids\": [\"" EID "\"], \"alg\": \"11\"}}",
	},
	{
		/* K and TOPc of TS 35.233 6.3 test set 1 */
		.name = "tuak", .osmo = false,
		.profile = "{\"iccid\": \"8900101000000000902\", \"imsi\": \"001010000000902\","
			   " \"algorithm\": \"tuak\", \"ki\": \"abababababababababababababababab\","
			   " \"opc\": \"bd04d9530e87513c5d837ac2ad954623a8e2330c115305a73eb45d1f40cccbff\","
			   " \"e2m\": {\"eids\": [\"" EID "\"], \"alg\": \"11\"}}",
	},
	{
		.name = "xor", .osmo = true, .osmo_algo = OSMO_AUTH_ALG_XOR,
		.profile = "{\"iccid\": \"8900101000000000903\", \"imsi\": \"001010000000903\","
			   " \"algorithm\": \"xor\", \"ki\": \"000102030405060708090a0b0c0d0e0f\","
			   " \"e2m\": {\"eids\": [\"" EID "\"], \"alg\": \"11\"}}",
	},
};

/* One prepared command and the RES its answer must carry. */
struct bench_op {
	uint8_t capdu[CMD_LEN];
	uint8_t rand[AKA_ALG_RAND_LEN];
	uint8_t res[AKA_ALG_RES_MAX];
	size_t res_len;
};

struct bench_result {
	uint64_t ops, fails;
	double wall, cpu;		/* seconds in the timed loops */
	char first_fail[128];		/* the first wrong answer, hex */
};

/* The AuC side of one run: keys, and the SEQ counter of IND slot 0. */
struct bench_auc {
	const struct aka_alg *alg;
	struct aka_alg_keys keys;
	unsigned int ind_bits;
	uint64_t seq;
	uint64_t rng;
};

static double min_seconds = 2.0;
static uint64_t min_ops_memory = 20000, min_ops_durable = 500;
static int total_failures;

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: RANDs that differ, reproducibly; not for keys */
static void bench_rand(struct bench_auc *auc, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		auc->rng ^= auc->rng >> 12;
		auc->rng ^= auc->rng << 25;
		auc->rng ^= auc->rng >> 27;
		out[i] = (uint8_t)((auc->rng * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

static int bench_auc_init(struct bench_auc *auc, const struct usim_profile *p)
{
	memset(auc, 0, sizeof(*auc));
	auc->ind_bits = p->sqn.ind_bits;
	auc->seq = p->sqn_seq[0];
	auc->rng = 0x9E3779B97F4A7C15ULL;
	return usim_profile_keys(p, &auc->alg, &auc->keys);
}

/* n commands with fresh AVs: SQN = SEQ || IND 0, SEQ one up each time. */
static int prepare(struct bench_auc *auc, struct bench_op *ops, size_t n)
{
	static const uint8_t amf[2] = { 0x80, 0x00 };

	for (size_t i = 0; i < n; i++) {
		struct bench_op *op = &ops[i];
		struct aka_auc_vec av;
		uint64_t sqn;
		uint8_t *c = op->capdu;
		size_t k = 0;

		bench_rand(auc, op->rand, sizeof(op->rand));
		if (aka_auc_sqn_compose(++auc->seq, 0, auc->ind_bits, &sqn) < 0 ||
		    aka_auc_gen_vec(auc->alg, &auc->keys, op->rand, sqn, amf, &av) < 0 ||
		    av.autn_len != 16)
			return -1;
		c[k++] = 0x00; c[k++] = 0x88; c[k++] = 0x00; c[k++] = 0x83;
		c[k++] = (uint8_t)CMD_LC;
		c[k++] = 16; memcpy(c + k, op->rand, 16); k += 16;
		c[k++] = 16; memcpy(c + k, av.autn, 16); k += 16;
		c[k++] = sizeof(EID) - 1; memcpy(c + k, EID, sizeof(EID) - 1); k += sizeof(EID) - 1;
		c[k++] = 0;			/* SNID not known */
		c[k++] = 1; c[k++] = 0x11;	/* ALG: EA1, IA1 */
		c[k++] = 0x00;			/* Le: the answer at once */
		memcpy(op->res, av.xres, av.xres_len);
		op->res_len = av.xres_len;
		aka_auc_vec_clear(&av);
	}
	return 0;
}

static uint16_t card_cmd(struct usim_card *card, const char *hex)
{
	uint8_t c[64], r[64];
	size_t n = strlen(hex) / 2, rl;

	if (osmo_hexparse(hex, c, sizeof(c)) != (int)n)
		return 0;
	rl = usim_card_apdu(card, c, n, r, sizeof(r));
	return rl >= 2 ? (uint16_t)(r[rl - 2] << 8 | r[rl - 1]) : 0;
}

/* The timed loop: usim_card_apdu() and the check of every answer. */
static void time_card(struct usim_card *card, const struct bench_op *ops, size_t n,
		      struct bench_result *res)
{
	uint8_t r[512];
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);

	for (size_t i = 0; i < n; i++) {
		const struct bench_op *op = &ops[i];
		size_t rl = usim_card_apdu(card, op->capdu, sizeof(op->capdu), r, sizeof(r));

		if (rl < 4 || r[rl - 2] != 0x90 || r[rl - 1] != 0x00 || r[0] != 0xDB ||
		    r[1] != op->res_len || memcmp(r + 2, op->res, op->res_len)) {
			if (!res->fails++)
				snprintf(res->first_fail, sizeof(res->first_fail), "%s",
					 osmo_hexdump_nospc(r, rl > 48 ? 48 : rl));
		}
	}
	res->wall += clock_s(CLOCK_MONOTONIC) - w0;
	res->cpu += clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	res->ops += n;
}

/* The next batch: enough for the minimum count, and for the minimum time at
 * the rate seen so far. */
static size_t next_batch(const struct bench_result *res, uint64_t min_ops)
{
	double want = 0;

	if (res->ops < min_ops)
		want = (double)(min_ops - res->ops);
	if (res->wall < min_seconds) {
		double rate = res->ops && res->wall > 0 ? (double)res->ops / res->wall : 1000;
		double more = rate * (min_seconds - res->wall) * 1.05 + 1;
		if (more > want)
			want = more;
	}
	if (want <= 0)
		return 0;
	if (want < 100)
		want = 100;
	return want > BATCH_MAX ? BATCH_MAX : (size_t)want;
}

static int run_card(const struct bench_alg *a, const char *store_path, uint64_t min_ops,
		    struct bench_op *ops, struct bench_result *res)
{
	struct usim_profile *p = calloc(1, sizeof(*p));
	struct usim_store *st = NULL;
	struct usim_card *card = NULL;
	struct bench_auc auc;
	char err[256];
	size_t n;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (!p || usim_profile_parse(p, a->profile, strlen(a->profile), err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_auth: %s profile: %s\n", a->name, p ? err : "out of memory");
		goto out;
	}
	if (bench_auc_init(&auc, p) < 0) {
		fprintf(stderr, "bench_auth: %s: no keys\n", a->name);
		goto out;
	}
	if (usim_store_open(&st, store_path, err, sizeof(err)) < 0 ||
	    usim_card_new(&card, p, st, true, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_auth: %s: %s\n", a->name, err);
		goto out;
	}
	/* the USIM selected and PIN1 verified, once */
	if (card_cmd(card, "00a4040c07a0000000871002") != 0x9000 ||
	    card_cmd(card, "002000010831323334ffffffff") != 0x9000) {
		fprintf(stderr, "bench_auth: %s: SELECT USIM or VERIFY PIN1 refused\n", a->name);
		goto out;
	}
	/* warm-up, not counted */
	n = min_ops / 20 + 1;
	if (prepare(&auc, ops, n) < 0)
		goto out;
	time_card(card, ops, n, res);
	if (res->fails) {
		fprintf(stderr, "bench_auth: %s: warm-up answer %s\n", a->name, res->first_fail);
		rc = 0;
		goto out;
	}
	memset(res, 0, sizeof(*res));
	while ((n = next_batch(res, min_ops)) > 0) {
		if (prepare(&auc, ops, n) < 0) {
			fprintf(stderr, "bench_auth: %s: aka_auc_gen_vec failed\n", a->name);
			goto out;
		}
		time_card(card, ops, n, res);
	}
	rc = 0;
out:
	usim_card_free(card);
	usim_store_close(st);
	if (p)
		usim_profile_clear(p);
	free(p);
	OPENSSL_cleanse(&auc, sizeof(auc));
	return rc;
}

/* The AuC functions alone: libosmocore's osmo_auth_gen_vec(), or ours. The
 * first vector of both on the same RAND must agree (RES, CK, IK), or the
 * comparison is not on the same inputs. */
static int run_auc(const struct bench_alg *a, bool osmo, struct bench_op *ops, struct bench_result *res)
{
	static const uint8_t amf[2] = { 0x80, 0x00 };
	struct usim_profile *p = calloc(1, sizeof(*p));
	struct osmo_sub_auth_data aud = { .type = OSMO_AUTH_TYPE_UMTS, .algo = a->osmo_algo };
	struct osmo_auth_vector ov = { 0 };
	struct aka_auc_vec av = { 0 };
	struct bench_auc auc;
	char err[256];
	size_t n;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (!p || usim_profile_parse(p, a->profile, strlen(a->profile), err, sizeof(err)) < 0 ||
	    bench_auc_init(&auc, p) < 0)
		goto out;
	memcpy(aud.u.umts.k, p->ki, 16);
	memcpy(aud.u.umts.opc, p->opc, 16);
	aud.u.umts.amf[0] = amf[0];
	aud.u.umts.ind_bitlen = auc.ind_bits;

	bench_rand(&auc, ops[0].rand, 16);
	if (osmo) {
		if (osmo_auth_gen_vec(&ov, &aud, ops[0].rand) < 0 ||
		    aka_auc_gen_vec(auc.alg, &auc.keys, ops[0].rand, aud.u.umts.sqn, amf, &av) < 0 ||
		    ov.res_len != av.xres_len || memcmp(ov.res, av.xres, av.xres_len) ||
		    memcmp(ov.ck, av.ck, 16) || memcmp(ov.ik, av.ik, 16)) {
			fprintf(stderr, "bench_auth: %s: libosmocore and aka_auc_gen_vec differ\n", a->name);
			res->fails = 1;
			snprintf(res->first_fail, sizeof(res->first_fail), "vectors differ");
			rc = 0;
			goto out;
		}
		aka_auc_vec_clear(&av);
	}
	while ((n = next_batch(res, min_ops_memory)) > 0) {
		double w0, c0;

		for (size_t i = 0; i < n; i++)
			bench_rand(&auc, ops[i].rand, 16);
		w0 = clock_s(CLOCK_MONOTONIC);
		c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		for (size_t i = 0; i < n; i++) {
			int r;
			if (osmo) {
				r = osmo_auth_gen_vec(&ov, &aud, ops[i].rand);
			} else {
				r = aka_auc_gen_vec(auc.alg, &auc.keys, ops[i].rand,
						     (++auc.seq) << auc.ind_bits, amf, &av);
			}
			res->fails += r < 0;
		}
		res->wall += clock_s(CLOCK_MONOTONIC) - w0;
		res->cpu += clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
		res->ops += n;
	}
	aka_auc_vec_clear(&av);
	rc = 0;
out:
	if (p)
		usim_profile_clear(p);
	free(p);
	OPENSSL_cleanse(&auc, sizeof(auc));
	OPENSSL_cleanse(&aud, sizeof(aud));
	OPENSSL_cleanse(&ov, sizeof(ov));
	return rc;
}

static void print_row(const char *alg, const char *what, const char *store,
		      const struct bench_result *r, double target)
{
	double rate = r->wall > 0 ? (double)r->ops / r->wall : 0;
	double cpu_rate = r->cpu > 0 ? (double)r->ops / r->cpu : 0;
	char tgt[32] = "-", verdict[64] = "(reference)";

	if (target > 0) {
		snprintf(tgt, sizeof(tgt), ">= %.0f/s", target);
		snprintf(verdict, sizeof(verdict), "%s", rate >= target ? "met" : "**NOT met**");
	}
	if (r->fails) {
		snprintf(verdict, sizeof(verdict), "**INVALID: %llu FAILURES**",
			 (unsigned long long)r->fails);
		total_failures++;
	}
	printf("| %s | %s | %s | %llu | %.2f | %.0f | %.0f | %llu | %s | %s |\n", alg, what, store,
	       (unsigned long long)r->ops, r->wall, rate, cpu_rate, (unsigned long long)r->fails,
	       tgt, verdict);
	fflush(stdout);
	if (r->fails)
		fprintf(stderr, "bench_auth: %s %s %s: %llu FAILED answers, the first: %s\n", alg, what,
			store, (unsigned long long)r->fails, r->first_fail);
}

static void remove_store(const char *path)
{
	char buf[4200];

	unlink(path);
	snprintf(buf, sizeof(buf), "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s-shm", path);
	unlink(buf);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_auth [--dir DIR] [--seconds S] [--min-ops N] [--min-ops-durable N]\n"
		"  --dir DIR             where the durable store goes (default: .)\n"
		"  --seconds S           at least S seconds per row (default 2)\n"
		"  --min-ops N           at least N AUTHENTICATEs per row in memory (default 20000)\n"
		"  --min-ops-durable N   at least N per durable row (default 500)\n"
		"  --alg NAME            only this algorithm (milenage, tuak, xor)\n"
		"  --row ROW             only this row (memory, durable, auc, libosmocore),\n"
		"                        e.g. to profile it\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "min-ops", required_argument, NULL, 'n' },
		{ "min-ops-durable", required_argument, NULL, 'N' },
		{ "alg", required_argument, NULL, 'a' },
		{ "row", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = ".", *only = NULL, *row = NULL;
	char path[4096];
	struct bench_op *ops;
	struct bench_result r;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 's': min_seconds = atof(optarg); break;
		case 'n': min_ops_memory = strtoull(optarg, NULL, 10); break;
		case 'N': min_ops_durable = strtoull(optarg, NULL, 10); break;
		case 'a': only = optarg; break;
		case 'r': row = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	common_log_init(talloc_named_const(NULL, 0, "bench_auth"), -1);
	ops = calloc(BATCH_MAX, sizeof(*ops));
	if (!ops)
		return 1;

	printf("| Algorithm | Implementation | Store | Operations | Seconds | Per second | "
	       "Per CPU-second | Failures | Target | Result |\n");
	printf("|---|---|---|---:|---:|---:|---:|---:|---|---|\n");
	for (size_t i = 0; i < sizeof(bench_algs) / sizeof(bench_algs[0]); i++) {
		const struct bench_alg *a = &bench_algs[i];

		if (only && strcmp(only, a->name))
			continue;
		if (!row || !strcmp(row, "memory")) {
			if (run_card(a, ":memory:", min_ops_memory, ops, &r) < 0)
				return 1;
			print_row(a->name, "e2msim card, E2M AUTHENTICATE", "memory", &r, TARGET_MEMORY);
		}
		if (!row || !strcmp(row, "durable")) {
			snprintf(path, sizeof(path), "%s/bench-%s.state", dir, a->name);
			remove_store(path);
			if (run_card(a, path, min_ops_durable, ops, &r) < 0)
				return 1;
			remove_store(path);
			print_row(a->name, "e2msim card, E2M AUTHENTICATE", "durable (journal)", &r,
				  TARGET_DURABLE);
		}
		if (!row || !strcmp(row, "auc")) {
			if (run_auc(a, false, ops, &r) < 0)
				return 1;
			print_row(a->name, "e2msim AuC, aka_auc_gen_vec", "-", &r, 0);
		}
		if ((!row || !strcmp(row, "libosmocore")) && a->osmo) {
			if (run_auc(a, true, ops, &r) < 0)
				return 1;
			print_row(a->name, "libosmocore 1.7, osmo_auth_gen_vec", "-", &r, 0);
		} else if (!row || !strcmp(row, "libosmocore")) {
			printf("| %s | libosmocore 1.7, osmo_auth_gen_vec | - | - | - | - | - | - | - | "
			       "(libosmocore 1.7 has no TUAK) |\n", a->name);
		}
	}
	free(ops);
	if (total_failures) {
		printf("\n**WARNING: %d row(s) with FAILED AUTHENTICATEs: their figures are not valid.**\n",
		       total_failures);
		return 1;
	}
	return 0;
}
