/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TUAK, TS 35.231 clause 6. Every function fills the 200-octet Keccak state
 * INOUT with its inputs, applies Keccak-f[1600] 'iterations' times and reads
 * its outputs back from the front of INOUT. Every field is stored
 * octet-reversed (least significant octet first):
 *
 *   INOUT[0..31]    TOP (for TOPc) or TOPc
 *   INOUT[32]       INSTANCE: function, output lengths, key length
 *   INOUT[33..39]   ALGONAME "TUAK1.0"
 *   INOUT[40..55]   RAND         (zero for TOPc)
 *   INOUT[56..57]   AMF          (zero for TOPc, f2..f5, f5*)
 *   INOUT[58..63]   SQN          (zero for TOPc, f2..f5, f5*)
 *   INOUT[64..95]   K, a 128-bit K followed by 16 zero octets
 *   INOUT[96]       0x1F, INOUT[135] 0x80, all else zero (Keccak padding)
 *
 * Outputs, again octet-reversed: TOPc, MAC-A, MAC-S and RES from INOUT[0],
 * CK from INOUT[32], IK from INOUT[64], AK from INOUT[96]. */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aka/auth_alg.h"
#include "aka/keccak.h"
#include "aka/tuak.h"

#define IO_TOP		0
#define IO_INSTANCE	32
#define IO_ALGONAME	33
#define IO_RAND		40
#define IO_AMF		56
#define IO_SQN		58
#define IO_K		64
#define IO_PAD_FIRST	96
#define IO_PAD_LAST	135

#define IO_RES		0
#define IO_CK		32
#define IO_IK		64
#define IO_AK		96

#define PAD_FIRST	0x1F
#define PAD_LAST	0x80

static const uint8_t tuak_algoname[7] = { 'T', 'U', 'A', 'K', '1', '.', '0' };
static const uint8_t tuak_zero[AKA_TUAK_RAND_LEN];

/* INSTANCE, TS 35.231 clause 6: the two high bits select the function, the
 * next three the MAC or RES length, then one bit each for a 256-bit CK, IK
 * and K. */
#define INST_TOPC	0x00
#define INST_F1		0x00
#define INST_F1STAR	0x80
#define INST_F2345	0x40
#define INST_F5STAR	0xC0

struct tuak_len_code {
	size_t len;
	uint8_t bits;
};

static const struct tuak_len_code tuak_mac_codes[] = {
	{ .len = 8, .bits = 0x08 },
	{ .len = 16, .bits = 0x10 },
	{ .len = 32, .bits = 0x20 },
};

static const struct tuak_len_code tuak_res_codes[] = {
	{ .len = 4, .bits = 0x00 },
	{ .len = 8, .bits = 0x08 },
	{ .len = 16, .bits = 0x10 },
	{ .len = 32, .bits = 0x20 },
};

static const struct tuak_len_code tuak_ck_codes[] = {
	{ .len = 16, .bits = 0x00 },
	{ .len = 32, .bits = 0x04 },
};

static const struct tuak_len_code tuak_ik_codes[] = {
	{ .len = 16, .bits = 0x00 },
	{ .len = 32, .bits = 0x02 },
};

static const struct tuak_len_code tuak_k_codes[] = {
	{ .len = 16, .bits = 0x00 },
	{ .len = 32, .bits = 0x01 },
};

#define LEN_BITS(table, len, inst) len_bits(table, sizeof(table) / sizeof(table[0]), len, inst)

/* OR the INSTANCE bits of an allowed length into *inst; -EINVAL otherwise. */
static int len_bits(const struct tuak_len_code *t, size_t n, size_t len, uint8_t *inst)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].len == len) {
			*inst |= t[i].bits;
			return 0;
		}
	}
	return -EINVAL;
}

static int check_k_iter(const uint8_t *k, size_t k_len, unsigned int iterations, uint8_t *inst)
{
	if (!k || iterations == 0)
		return -EINVAL;
	return LEN_BITS(tuak_k_codes, k_len, inst);
}

static void put_reversed(uint8_t *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = src[len - 1 - i];
}

/* Fill INOUT as in the table at the top of the file and run Keccak. */
static void tuak_core(uint8_t io[AKA_KECCAK_OCTETS], const uint8_t top[AKA_TUAK_TOP_LEN],
		      uint8_t instance, const uint8_t *rnd, const uint8_t *amf, const uint8_t *sqn,
		      const uint8_t *k, size_t k_len, unsigned int iterations)
{
	memset(io, 0, AKA_KECCAK_OCTETS);
	put_reversed(io + IO_TOP, top, AKA_TUAK_TOP_LEN);
	io[IO_INSTANCE] = instance;
	put_reversed(io + IO_ALGONAME, tuak_algoname, sizeof(tuak_algoname));
	put_reversed(io + IO_RAND, rnd, AKA_TUAK_RAND_LEN);
	put_reversed(io + IO_AMF, amf, AKA_TUAK_AMF_LEN);
	put_reversed(io + IO_SQN, sqn, AKA_TUAK_SQN_LEN);
	put_reversed(io + IO_K, k, k_len);
	io[IO_PAD_FIRST] = PAD_FIRST;
	io[IO_PAD_LAST] = PAD_LAST;
	for (unsigned int i = 0; i < iterations; i++)
		aka_keccak_f1600_octets(io);
}

int aka_tuak_topc(const uint8_t top[AKA_TUAK_TOP_LEN], const uint8_t *k, size_t k_len,
		   unsigned int iterations, uint8_t topc[AKA_TUAK_TOP_LEN])
{
	uint8_t io[AKA_KECCAK_OCTETS];
	uint8_t inst = INST_TOPC;

	if (check_k_iter(k, k_len, iterations, &inst) < 0)
		return -EINVAL;
	tuak_core(io, top, inst, tuak_zero, tuak_zero, tuak_zero, k, k_len, iterations);
	put_reversed(topc, io + IO_TOP, AKA_TUAK_TOP_LEN);
	OPENSSL_cleanse(io, sizeof(io));
	return 0;
}

int aka_tuak_params_check(const struct aka_tuak_params *p)
{
	uint8_t inst = 0;

	if (check_k_iter(p->k, p->k_len, p->iterations, &inst) < 0 ||
	    LEN_BITS(tuak_mac_codes, p->mac_len, &inst) < 0 ||
	    LEN_BITS(tuak_res_codes, p->res_len, &inst) < 0 ||
	    LEN_BITS(tuak_ck_codes, p->ck_len, &inst) < 0 ||
	    LEN_BITS(tuak_ik_codes, p->ik_len, &inst) < 0)
		return -EINVAL;
	return 0;
}

/* f1 and f1*: MAC = INOUT[0..mac_len-1] reversed. */
static int tuak_mac(const struct aka_tuak_params *p, uint8_t inst, const uint8_t *rnd,
		    const uint8_t *sqn, const uint8_t *amf, uint8_t *mac)
{
	uint8_t io[AKA_KECCAK_OCTETS];

	if (check_k_iter(p->k, p->k_len, p->iterations, &inst) < 0 ||
	    LEN_BITS(tuak_mac_codes, p->mac_len, &inst) < 0)
		return -EINVAL;
	tuak_core(io, p->topc, inst, rnd, amf, sqn, p->k, p->k_len, p->iterations);
	put_reversed(mac, io + IO_RES, p->mac_len);
	OPENSSL_cleanse(io, sizeof(io));
	return 0;
}

int aka_tuak_f1(const struct aka_tuak_params *p, const uint8_t rnd[AKA_TUAK_RAND_LEN],
		 const uint8_t sqn[AKA_TUAK_SQN_LEN], const uint8_t amf[AKA_TUAK_AMF_LEN],
		 uint8_t *mac_a)
{
	return tuak_mac(p, INST_F1, rnd, sqn, amf, mac_a);
}

int aka_tuak_f1star(const struct aka_tuak_params *p, const uint8_t rnd[AKA_TUAK_RAND_LEN],
		     const uint8_t sqn[AKA_TUAK_SQN_LEN], const uint8_t amf[AKA_TUAK_AMF_LEN],
		     uint8_t *mac_s)
{
	return tuak_mac(p, INST_F1STAR, rnd, sqn, amf, mac_s);
}

int aka_tuak_f2345(const struct aka_tuak_params *p, const uint8_t rnd[AKA_TUAK_RAND_LEN],
		    uint8_t *res, uint8_t *ck, uint8_t *ik, uint8_t *ak)
{
	uint8_t io[AKA_KECCAK_OCTETS];
	uint8_t inst = INST_F2345;

	if (check_k_iter(p->k, p->k_len, p->iterations, &inst) < 0 ||
	    LEN_BITS(tuak_res_codes, p->res_len, &inst) < 0 ||
	    LEN_BITS(tuak_ck_codes, p->ck_len, &inst) < 0 ||
	    LEN_BITS(tuak_ik_codes, p->ik_len, &inst) < 0)
		return -EINVAL;
	tuak_core(io, p->topc, inst, rnd, tuak_zero, tuak_zero, p->k, p->k_len, p->iterations);
	if (res)
		put_reversed(res, io + IO_RES, p->res_len);
	if (ck)
		put_reversed(ck, io + IO_CK, p->ck_len);
	if (ik)
		put_reversed(ik, io + IO_IK, p->ik_len);
	if (ak)
		put_reversed(ak, io + IO_AK, AKA_TUAK_AK_LEN);
	OPENSSL_cleanse(io, sizeof(io));
	return 0;
}

int aka_tuak_f5star(const struct aka_tuak_params *p, const uint8_t rnd[AKA_TUAK_RAND_LEN],
		     uint8_t ak[AKA_TUAK_AK_LEN])
{
	uint8_t io[AKA_KECCAK_OCTETS];
	uint8_t inst = INST_F5STAR;

	if (check_k_iter(p->k, p->k_len, p->iterations, &inst) < 0)
		return -EINVAL;
	tuak_core(io, p->topc, inst, rnd, tuak_zero, tuak_zero, p->k, p->k_len, p->iterations);
	put_reversed(ak, io + IO_AK, AKA_TUAK_AK_LEN);
	OPENSSL_cleanse(io, sizeof(io));
	return 0;
}

/* ---- The descriptor of aka/auth_alg.h ---- */

/* Lengths a profile leaves at 0: a 64-bit MAC (the only one that fits the
 * 128-bit AUTN of TS 33.102 6.3.2), a 64-bit RES, 128-bit CK and IK. */
#define TUAK_DEFAULT_MAC	8
#define TUAK_DEFAULT_RES	8
#define TUAK_DEFAULT_CKIK	16

static size_t or_default(size_t v, size_t dflt)
{
	return v ? v : dflt;
}

static void alg_params(struct aka_tuak_params *p, const struct aka_alg_keys *keys)
{
	*p = (struct aka_tuak_params){
		.k = keys->k,
		.k_len = keys->k_len,
		.iterations = keys->tuak_iterations ? keys->tuak_iterations : 1,
		.mac_len = or_default(keys->mac_len, TUAK_DEFAULT_MAC),
		.res_len = or_default(keys->res_len, TUAK_DEFAULT_RES),
		.ck_len = or_default(keys->ck_len, TUAK_DEFAULT_CKIK),
		.ik_len = or_default(keys->ik_len, TUAK_DEFAULT_CKIK),
	};
	memcpy(p->topc, keys->topc, AKA_TUAK_TOP_LEN);
}

static int alg_f1(const struct aka_alg_keys *keys, const uint8_t *rnd, const uint8_t *sqn,
		  const uint8_t *amf, uint8_t *mac, size_t *mac_len)
{
	struct aka_tuak_params p;
	int rc;

	alg_params(&p, keys);
	rc = aka_tuak_f1(&p, rnd, sqn, amf, mac);
	if (rc == 0)
		*mac_len = p.mac_len;
	OPENSSL_cleanse(&p, sizeof(p));
	return rc;
}

static int alg_f1star(const struct aka_alg_keys *keys, const uint8_t *rnd, const uint8_t *sqn,
		      const uint8_t *amf, uint8_t *mac, size_t *mac_len)
{
	struct aka_tuak_params p;
	int rc;

	alg_params(&p, keys);
	rc = aka_tuak_f1star(&p, rnd, sqn, amf, mac);
	if (rc == 0)
		*mac_len = p.mac_len;
	OPENSSL_cleanse(&p, sizeof(p));
	return rc;
}

static int alg_f2345(const struct aka_alg_keys *keys, const uint8_t *rnd,
		     struct aka_alg_vec *vec)
{
	struct aka_tuak_params p;
	int rc;

	alg_params(&p, keys);
	rc = aka_tuak_f2345(&p, rnd, vec->res, vec->ck, vec->ik, vec->ak);
	if (rc == 0) {
		vec->res_len = p.res_len;
		vec->ck_len = p.ck_len;
		vec->ik_len = p.ik_len;
	}
	OPENSSL_cleanse(&p, sizeof(p));
	return rc;
}

static int alg_f5star(const struct aka_alg_keys *keys, const uint8_t *rnd, uint8_t *ak)
{
	struct aka_tuak_params p;
	int rc;

	alg_params(&p, keys);
	rc = aka_tuak_f5star(&p, rnd, ak);
	OPENSSL_cleanse(&p, sizeof(p));
	return rc;
}

/* TOP -> TOPc, with the subscriber's iteration count */
static int alg_topc(struct aka_alg_keys *keys, const uint8_t *top, size_t top_len)
{
	if (top_len != AKA_TUAK_TOP_LEN)
		return -EINVAL;
	return aka_tuak_topc(top, keys->k, keys->k_len,
			      keys->tuak_iterations ? keys->tuak_iterations : 1, keys->topc);
}

const struct aka_alg aka_alg_tuak = {
	.name = "tuak",
	.id = AKA_ALG_TUAK,
	.k_lens = AKA_ALG_K128 | AKA_ALG_K256,
	.f1 = alg_f1,
	.f1star = alg_f1star,
	.f2345 = alg_f2345,
	.f5star = alg_f5star,
	.gsm = NULL,		/* c2/c3 over f2..f4 (TS 33.102 6.8.1.2) */
	.opc = alg_topc,
};
