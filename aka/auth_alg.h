/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The card's authentication algorithms behind one interface. Each algorithm
 * is a descriptor (struct aka_alg) in its own file, registered in the table
 * of aka/auth_alg.c and found by name. Everything here is pure: byte arrays
 * in, out-parameters out, no I/O, no logging, no profile access.
 * Functions return 0, -EINVAL for unusable key material or lengths,
 * -ENOTSUP for a function the algorithm does not have, -EIO if the crypto
 * library fails. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AKA_ALG_RAND_LEN	16
#define AKA_ALG_SQN_LEN	6	/* TS 33.102 6.3.2 */
#define AKA_ALG_AMF_LEN	2
#define AKA_ALG_AK_LEN		6
#define AKA_ALG_SRES_LEN	4	/* GSM SRES, 32 bits */
#define AKA_ALG_KC_LEN		8	/* GSM Kc, 64 bits */
#define AKA_ALG_OPC_LEN	16	/* TS 35.206 4.1 */
#define AKA_ALG_K_MAX		32	/* TUAK allows a 256-bit K (TS 35.231) */
#define AKA_ALG_MAC_MAX	32	/* TUAK MAC: 64, 128 or 256 bits */
#define AKA_ALG_RES_MAX	32	/* TUAK RES: 32, 64, 128 or 256 bits */
#define AKA_ALG_CKIK_MAX	32	/* TUAK CK/IK: 128 or 256 bits */
#define AKA_ALG_TOPC_LEN	32	/* TS 35.231: TOP and TOPc are 256 bits */

/* Accepted K lengths, a bit mask in struct aka_alg.k_lens */
#define AKA_ALG_K128		(1u << 0)
#define AKA_ALG_K256		(1u << 1)

enum aka_alg_id {
	AKA_ALG_MILENAGE,	/* TS 35.206 */
	AKA_ALG_TUAK,		/* TS 35.231 */
	AKA_ALG_XOR,		/* TS 34.108 8.1.2, test USIM */
	AKA_ALG_XOR_2G,	/* TS 51.010-1 Annex 4 A4.1.2, test SIM */
	AKA_ALG_COMP128V1,	/* GSM A3/A8 examples, via libosmogsm */
	AKA_ALG_COMP128V2,
	AKA_ALG_COMP128V3,
	AKA_ALG_NUM
};

/* TS 35.206 4.1: the Milenage constants c1..c5 (128 bits each) and the
 * rotations r1..r5 (in bits, 0..127). */
struct aka_milenage_consts {
	uint8_t c[5][16];
	uint8_t r[5];
};

/* TS 35.206 4.1 default values: c1 = 0, c2 = 1, c3 = 2, c4 = 4, c5 = 8;
 * r1 = 64, r2 = 0, r3 = 32, r4 = 64, r5 = 96. */
extern const struct aka_milenage_consts aka_milenage_default_consts;

/* A subscriber's key material, as one algorithm needs it. A zeroed struct
 * with K, k_len and OPc (or TOPc) filled is a usable default. */
struct aka_alg_keys {
	uint8_t k[AKA_ALG_K_MAX];
	size_t k_len;			/* 16, or 32 for TUAK */

	/* Milenage: OPc, or derived from OP by aka_alg_opc() */
	uint8_t opc[AKA_ALG_OPC_LEN];
	bool mil_consts_set;		/* false: aka_milenage_default_consts */
	struct aka_milenage_consts mil_consts;

	/* RES length in octets, 0 for the algorithm's default. XOR: 4..16
	 * (TS 34.108 8.1.2.1, 32..128 bits; default 16); TUAK: 4, 8, 16, 32. */
	size_t res_len;

	/* TUAK (TS 35.231), reserved for aka/tuak.c: TOPc (or derived from
	 * TOP by aka_alg_opc()), Keccak iterations (0: 1) and the MAC, CK
	 * and IK lengths in octets (0: the algorithm's default). */
	uint8_t topc[AKA_ALG_TOPC_LEN];
	unsigned int tuak_iterations;
	size_t mac_len;
	size_t ck_len;
	size_t ik_len;

	/* What aka_alg_prepare() derived from the above once (Milenage: the
	 * AES key schedule of K), NULL if nothing was: each call then derives
	 * it itself. Freed and cleared by aka_alg_unprepare(); a prepared
	 * struct is not to be copied, nor used by two threads at once. */
	void *prepared;
};

/* The outputs of f2..f5 for one RAND (TS 33.102 6.3.2). */
struct aka_alg_vec {
	uint8_t res[AKA_ALG_RES_MAX];	/* f2 */
	size_t res_len;
	uint8_t ck[AKA_ALG_CKIK_MAX];	/* f3 */
	size_t ck_len;
	uint8_t ik[AKA_ALG_CKIK_MAX];	/* f4 */
	size_t ik_len;
	uint8_t ak[AKA_ALG_AK_LEN];	/* f5 */
};

/* One algorithm. The 3G functions are NULL for a GSM-only algorithm; gsm is
 * NULL for a 3G algorithm, which then answers a GSM context through the
 * conversion functions c2/c3 (TS 33.102 6.8.1.2). Callers go through the
 * aka_alg_*() wrappers below, which check lengths and NULL functions. */
struct aka_alg {
	const char *name;
	enum aka_alg_id id;
	unsigned int k_lens;		/* AKA_ALG_K128 | AKA_ALG_K256 */

	/* f1 (MAC-A) and f1* (MAC-S) over SQN and AMF, mac_len octets */
	int (*f1)(const struct aka_alg_keys *keys, const uint8_t *rand,
		  const uint8_t *sqn, const uint8_t *amf,
		  uint8_t *mac, size_t *mac_len);
	int (*f1star)(const struct aka_alg_keys *keys, const uint8_t *rand,
		      const uint8_t *sqn, const uint8_t *amf,
		      uint8_t *mac, size_t *mac_len);
	/* f2 (RES), f3 (CK), f4 (IK), f5 (AK) */
	int (*f2345)(const struct aka_alg_keys *keys, const uint8_t *rand,
		     struct aka_alg_vec *vec);
	/* f5* (AK for resynchronisation, TS 33.102 6.3.3) */
	int (*f5star)(const struct aka_alg_keys *keys, const uint8_t *rand,
		      uint8_t *ak);
	/* GSM A3/A8: SRES and Kc */
	int (*gsm)(const struct aka_alg_keys *keys, const uint8_t *rand,
		   uint8_t *sres, uint8_t *kc);
	/* OP -> OPc (Milenage) or TOP -> TOPc (TUAK), into keys */
	int (*opc)(struct aka_alg_keys *keys, const uint8_t *op, size_t op_len);
	/* Optional: set and free keys->prepared */
	int (*prepare)(struct aka_alg_keys *keys);
	void (*unprepare)(struct aka_alg_keys *keys);
};

/* The descriptors, one file each. */
extern const struct aka_alg aka_alg_milenage;	/* aka/milenage.c */
extern const struct aka_alg aka_alg_tuak;	/* aka/tuak.c (not yet registered) */
extern const struct aka_alg aka_alg_xor;	/* aka/xor.c */
extern const struct aka_alg aka_alg_xor_2g;	/* aka/xor.c */
extern const struct aka_alg aka_alg_comp128v1;	/* aka/comp128.c */
extern const struct aka_alg aka_alg_comp128v2;
extern const struct aka_alg aka_alg_comp128v3;

/*! The registered algorithm of that name ("milenage", "xor", "comp128v1"...),
 *  NULL if there is none. */
const struct aka_alg *aka_alg_by_name(const char *name);

/*! The registered algorithm of that id, NULL if there is none. */
const struct aka_alg *aka_alg_by_id(enum aka_alg_id id);

/*! True if the algorithm has the 3G functions f1..f5* (TS 33.102 6.3). */
bool aka_alg_has_umts(const struct aka_alg *alg);

/*! f1: MAC-A = f1_K(SQN || RAND || AMF) (TS 33.102 6.3.2); *mac_len gets its
 *  length in octets (8 but for TUAK). mac has AKA_ALG_MAC_MAX octets. */
int aka_alg_f1(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		const uint8_t *rand, const uint8_t *sqn, const uint8_t *amf,
		uint8_t *mac, size_t *mac_len);

/*! f1*: MAC-S = f1*_K(SQN_MS || RAND || AMF) (TS 33.102 6.3.3; AMF is the
 *  all-zero dummy in a resynchronisation). */
int aka_alg_f1star(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		    const uint8_t *rand, const uint8_t *sqn, const uint8_t *amf,
		    uint8_t *mac, size_t *mac_len);

/*! f2..f5: RES (with its length), CK, IK and AK for RAND. */
int aka_alg_f2345(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		   const uint8_t *rand, struct aka_alg_vec *vec);

/*! f5*: AK for the concealment of SQN_MS in AUTS (TS 33.102 6.3.3). */
int aka_alg_f5star(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		    const uint8_t *rand, uint8_t ak[AKA_ALG_AK_LEN]);

/*! GSM context: SRES and Kc. A GSM algorithm computes them itself; a 3G
 *  algorithm gives SRES = c2(RES) and Kc = c3(CK, IK) (TS 33.102 6.8.1.2). */
int aka_alg_gsm(const struct aka_alg *alg, const struct aka_alg_keys *keys,
		 const uint8_t *rand, uint8_t sres[AKA_ALG_SRES_LEN],
		 uint8_t kc[AKA_ALG_KC_LEN]);

/*! Fill keys->opc (Milenage: OPc = E_K(OP) xor OP, TS 35.206 4.1) or
 *  keys->topc (TUAK) from OP/TOP; keys->k must be set. */
int aka_alg_opc(const struct aka_alg *alg, struct aka_alg_keys *keys,
		 const uint8_t *op, size_t op_len);

/*! For key material used many times (a card's): derive once what every
 *  call would derive again from K (Milenage: the AES key schedule of E_K),
 *  into keys->prepared. The outputs of the functions stay the same. 0 (also
 *  for an algorithm with nothing to prepare), -EINVAL, or -EIO. Set K and
 *  OPc before; undo with aka_alg_unprepare(). */
int aka_alg_prepare(const struct aka_alg *alg, struct aka_alg_keys *keys);

/*! Free and clear keys->prepared (NULL after); nothing if it is NULL. */
void aka_alg_unprepare(const struct aka_alg *alg, struct aka_alg_keys *keys);

/*! c2 (TS 33.102 6.8.1.2): SRES = XRES*1 xor XRES*2 xor XRES*3 xor XRES*4,
 *  XRES*i the 32-bit words of RES zero-padded to 128 bits. For a 64-bit RES
 *  this is RES[0..3] xor RES[4..7]. res_len at most 16. */
int aka_alg_c2(const uint8_t *res, size_t res_len, uint8_t sres[AKA_ALG_SRES_LEN]);

/*! c3 (TS 33.102 6.8.1.2): Kc = CK1 xor CK2 xor IK1 xor IK2, CKi/IKi the
 *  64-bit halves of the 128-bit CK and IK. */
void aka_alg_c3(const uint8_t ck[16], const uint8_t ik[16], uint8_t kc[AKA_ALG_KC_LEN]);
