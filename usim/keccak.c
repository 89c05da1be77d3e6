/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keccak-f[1600], FIPS 202 clause 3: 24 rounds of
 * Rnd(A, ir) = iota(chi(pi(rho(theta(A)))), ir). */

#include <openssl/crypto.h>

#include "usim/keccak.h"

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

/* FIPS 202 3.2.2 table 2: rho offsets of lane (x, y), index x + 5y. */
static const unsigned int keccak_rho[USIM_KECCAK_LANES] = {
	 0,  1, 62, 28, 27,
	36, 44,  6, 55, 20,
	 3, 10, 43, 25, 39,
	41, 45, 15, 21,  8,
	18,  2, 61, 56, 14,
};

static uint64_t rol64(uint64_t v, unsigned int n)
{
	return (v << n) | (v >> ((64 - n) & 63));
}

void usim_keccak_f1600(uint64_t a[USIM_KECCAK_LANES])
{
	uint64_t b[USIM_KECCAK_LANES], c[5], d;

	for (unsigned int ir = 0; ir < KECCAK_ROUNDS; ir++) {
		/* theta: A[x,y] ^= C[x-1] ^ rot(C[x+1], 1), C[x] the column parity */
		for (unsigned int x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (unsigned int x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ rol64(c[(x + 1) % 5], 1);
			for (unsigned int y = 0; y < 25; y += 5)
				a[x + y] ^= d;
		}
		/* rho and pi: B[y, 2x+3y] = rot(A[x,y], r[x,y]) */
		for (unsigned int x = 0; x < 5; x++)
			for (unsigned int y = 0; y < 5; y++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] =
					rol64(a[x + 5 * y], keccak_rho[x + 5 * y]);
		/* chi: A[x,y] = B[x,y] ^ (~B[x+1,y] & B[x+2,y]) */
		for (unsigned int y = 0; y < 25; y += 5)
			for (unsigned int x = 0; x < 5; x++)
				a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
		/* iota */
		a[0] ^= keccak_rc[ir];
	}
	OPENSSL_cleanse(b, sizeof(b));
	OPENSSL_cleanse(c, sizeof(c));
	OPENSSL_cleanse(&d, sizeof(d));
}

void usim_keccak_f1600_octets(uint8_t state[USIM_KECCAK_OCTETS])
{
	uint64_t lanes[USIM_KECCAK_LANES];

	for (unsigned int i = 0; i < USIM_KECCAK_LANES; i++) {
		lanes[i] = 0;
		for (unsigned int j = 0; j < 8; j++)
			lanes[i] |= (uint64_t)state[8 * i + j] << (8 * j);
	}
	usim_keccak_f1600(lanes);
	for (unsigned int i = 0; i < USIM_KECCAK_LANES; i++)
		for (unsigned int j = 0; j < 8; j++)
			state[8 * i + j] = (uint8_t)(lanes[i] >> (8 * j));
	OPENSSL_cleanse(lanes, sizeof(lanes));
}
