/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keccak-f[1600], FIPS 202 clause 3: 24 rounds of
 * Rnd(A, ir) = iota(chi(pi(rho(theta(A)))), ir), each round written out
 * lane by lane and going from one state array to the other and back. */

#include <string.h>

#include <openssl/crypto.h>

#include "aka/keccak.h"

#define KECCAK_ROUNDS	24

/* FIPS 202 3.2.5 algorithm 5: RC[ir] of iota, one per round. */
static const uint64_t keccak_rc[KECCAK_ROUNDS] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL,
	0x8000000080008000ULL, 0x000000000000808BULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008AULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
	0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800AULL, 0x800000008000000AULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* FIPS 202 3.2.2 table 2: the rho offset of lane (x, y), at index x + 5y. */
static const uint8_t keccak_rho[AKA_KECCAK_LANES] = {
	0, 1, 62, 28, 27,
	36, 44, 6, 55, 20,
	3, 10, 43, 25, 39,
	41, 45, 15, 21, 8,
	18, 2, 61, 56, 14,
};

static inline uint64_t rol64(uint64_t v, unsigned int n)
{
	return (v << n) | (v >> ((64 - n) & 63));
}

/* Lane (x, y) at index x + 5y, coordinates mod 5 (FIPS 202 3.1.2). */
#define LANE(x, y)	((x) % 5 + 5 * ((y) % 5))

/* theta (3.2.1): C[x] the parity of column x, D[x] = C[x-1] ^ rot(C[x+1], 1) */
#define COLUMN(x)	(a[LANE(x, 0)] ^ a[LANE(x, 1)] ^ a[LANE(x, 2)] ^ a[LANE(x, 3)] ^ a[LANE(x, 4)])
#define THETA_D(x)	(c[((x) + 4) % 5] ^ rol64(c[((x) + 1) % 5], 1))

/* rho and pi (3.2.2, 3.2.3): pi moves A[x, y] to B[y, 2x + 3y], so
 * B[x, y] = rot(A[x + 3y, x] ^ D[x + 3y], r[x + 3y, x]). */
#define B(x, y)		rol64(a[LANE((x) + 3 * (y), x)] ^ d[((x) + 3 * (y)) % 5], \
			      keccak_rho[LANE((x) + 3 * (y), x)])

/* chi (3.2.4) on plane y: A'[x, y] = B[x, y] ^ (~B[x+1, y] & B[x+2, y]) */
#define CHI_PLANE(y) do { \
	uint64_t b0 = B(0, y), b1 = B(1, y), b2 = B(2, y), b3 = B(3, y), b4 = B(4, y); \
	out[LANE(0, y)] = b0 ^ (~b1 & b2); \
	out[LANE(1, y)] = b1 ^ (~b2 & b3); \
	out[LANE(2, y)] = b2 ^ (~b3 & b4); \
	out[LANE(3, y)] = b3 ^ (~b4 & b0); \
	out[LANE(4, y)] = b4 ^ (~b0 & b1); \
} while (0)

/* One round Rnd(A, ir) from a into out; always inlined, so that every index
 * is a constant (a call per round cost 13 %). */
static inline __attribute__((always_inline))
void keccak_round(uint64_t *restrict out, const uint64_t *restrict a, uint64_t rc)
{
	const uint64_t c[5] = { COLUMN(0), COLUMN(1), COLUMN(2), COLUMN(3), COLUMN(4) };
	const uint64_t d[5] = { THETA_D(0), THETA_D(1), THETA_D(2), THETA_D(3), THETA_D(4) };

	CHI_PLANE(0);
	CHI_PLANE(1);
	CHI_PLANE(2);
	CHI_PLANE(3);
	CHI_PLANE(4);
	out[0] ^= rc;	/* iota (3.2.5) */
}

void aka_keccak_f1600(uint64_t a[AKA_KECCAK_LANES])
{
	uint64_t e[AKA_KECCAK_LANES];

	for (unsigned int ir = 0; ir < KECCAK_ROUNDS; ir += 2) {
		keccak_round(e, a, keccak_rc[ir]);
		keccak_round(a, e, keccak_rc[ir + 1]);
	}
	OPENSSL_cleanse(e, sizeof(e));
}

void aka_keccak_f1600_octets(uint8_t state[AKA_KECCAK_OCTETS])
{
	uint64_t lanes[AKA_KECCAK_LANES];

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(lanes, state, sizeof(lanes));	/* the lanes are little-endian already */
	aka_keccak_f1600(lanes);
	memcpy(state, lanes, sizeof(lanes));
#else
	for (unsigned int i = 0; i < AKA_KECCAK_LANES; i++) {
		lanes[i] = 0;
		for (unsigned int j = 0; j < 8; j++)
			lanes[i] |= (uint64_t)state[8 * i + j] << (8 * j);
	}
	aka_keccak_f1600(lanes);
	for (unsigned int i = 0; i < AKA_KECCAK_LANES; i++)
		for (unsigned int j = 0; j < 8; j++)
			state[8 * i + j] = (uint8_t)(lanes[i] >> (8 * j));
#endif
	OPENSSL_cleanse(lanes, sizeof(lanes));
}
