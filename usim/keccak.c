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

/* rho and pi together (FIPS 202 3.2.2, 3.2.3) as one cycle through the 24
 * lanes other than (0, 0): lane keccak_pi[i] takes the previous lane of the
 * cycle rotated by keccak_rho[i] (the offsets of table 2 in cycle order). */
static const uint8_t keccak_pi[24] = {
	10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};
static const uint8_t keccak_rho[24] = {
	1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};

static inline uint64_t rol64(uint64_t v, unsigned int n)
{
	return (v << n) | (v >> ((64 - n) & 63));
}

void usim_keccak_f1600(uint64_t a[USIM_KECCAK_LANES])
{
	uint64_t c[5], d, t;

	for (unsigned int ir = 0; ir < KECCAK_ROUNDS; ir++) {
		/* theta: A[x,y] ^= C[x-1] ^ rot(C[x+1], 1), C[x] the column parity */
		for (unsigned int x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (unsigned int x = 0; x < 5; x++) {
			d = c[x == 0 ? 4 : x - 1] ^ rol64(c[x == 4 ? 0 : x + 1], 1);
			a[x] ^= d; a[x + 5] ^= d; a[x + 10] ^= d; a[x + 15] ^= d; a[x + 20] ^= d;
		}
		/* rho and pi: B[y, 2x+3y] = rot(A[x,y], r[x,y]), in place along the cycle */
		t = a[1];
		for (unsigned int i = 0; i < 24; i++) {
			d = a[keccak_pi[i]];
			a[keccak_pi[i]] = rol64(t, keccak_rho[i]);
			t = d;
		}
		/* chi: A[x,y] = B[x,y] ^ (~B[x+1,y] & B[x+2,y]) */
		for (unsigned int y = 0; y < 25; y += 5) {
			for (unsigned int x = 0; x < 5; x++)
				c[x] = a[y + x];
			a[y + 0] ^= ~c[1] & c[2];
			a[y + 1] ^= ~c[2] & c[3];
			a[y + 2] ^= ~c[3] & c[4];
			a[y + 3] ^= ~c[4] & c[0];
			a[y + 4] ^= ~c[0] & c[1];
		}
		/* iota */
		a[0] ^= keccak_rc[ir];
	}
	OPENSSL_cleanse(c, sizeof(c));
	OPENSSL_cleanse(&d, sizeof(d));
	OPENSSL_cleanse(&t, sizeof(t));
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
