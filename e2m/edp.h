/* SPDX-License-Identifier: GPL-2.0-or-later */
/* E2M data protection, EDP (doc/e2m-profile.md section 7): the device's
 * readings up to the HSE and the HSE's answers down, protected under the
 * keyset of an E2M key agreement, with no handshake.
 *
 *   message = HDR || KIDF || COUNT || BODY || TAG
 *
 *   HDR    1      b8-b7 version '01', b6 D (0 up, 1 down), b5 F (1: full
 *                 E2M-KID), b4-b1 '0000'
 *   KIDF   1+L|4  F=1: L and the E2M-KID (ASCII); F=0: SID
 *   COUNT  1-5    unsigned LEB128, shortest form, at most 2^32-1
 *   BODY   0-1024 the payload, enciphered per EA
 *   TAG    8      IA over HDR || KIDF || COUNT || BODY (EA 0, 1: encrypt,
 *                 then MAC), or the CCM tag (EA 2)
 *
 * SID = the first 4 octets of KDF(K_E2M_int, FC=0xE7, P0="sid"); the
 * nonce N = COUNT (4 octets, big-endian) || D || SID || 4 zero octets; EA 1
 * is AES-128-CTR from the initial block N[0..8] || 7 zero octets, EA 2
 * AES-128-CCM (RFC 3610) with nonce N, associated data HDR || KIDF ||
 * COUNT and an 8-octet tag. Pure functions: no I/O; keys and plaintext
 * copies cleared; tags compared in constant time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "e2m/kdf.h"

#define E2M_EDP_VERSION		0x01
#define E2M_EDP_HDR_D		0x20	/* b6: downlink */
#define E2M_EDP_HDR_F		0x10	/* b5: KIDF is the full E2M-KID */
#define E2M_EDP_SID_LEN		4
#define E2M_EDP_TAG_LEN		8
#define E2M_EDP_COUNT_MAX	0xFFFFFFFFu
#define E2M_EDP_COUNT_LEN_MAX	5
#define E2M_EDP_BODY_MAX	1024
#define E2M_EDP_KID_MAX		255	/* L is one octet */
#define E2M_EDP_FC_SID		0xE7	/* assigned by this project */
#define E2M_EDP_PORT		5729	/* the HSE's UDP port, assigned by this project */
#define E2M_EDP_WINDOW		64	/* RFC 4303 3.4.3 */
/* The largest message: HDR, L and a full KID, COUNT, BODY, TAG */
#define E2M_EDP_MSG_MAX (1 + 1 + E2M_EDP_KID_MAX + E2M_EDP_COUNT_LEN_MAX + E2M_EDP_BODY_MAX + \
			 E2M_EDP_TAG_LEN)

enum e2m_edp_dir {
	E2M_EDP_UP = 0,		/* device to HSE */
	E2M_EDP_DOWN = 1,	/* HSE to device */
};

/* The keys of one keyset as EDP uses them. */
struct e2m_edp_keys {
	uint8_t alg;				/* EA << 4 | IA */
	uint8_t k_int[E2M_ALG_KEY_LEN];
	uint8_t k_enc[E2M_ALG_KEY_LEN];		/* EA 1, 2 */
	uint8_t sid[E2M_EDP_SID_LEN];		/* e2m_edp_sid() of k_int */
	char kid[E2M_KID_MAX];			/* the E2M-KID, for F=1 */
};

/* The header fields of a message, as parsed (pointers into the octets). */
struct e2m_edp_hdr {
	enum e2m_edp_dir dir;
	bool full_kid;				/* F */
	const uint8_t *kid;			/* F=1: the E2M-KID, kid_len octets */
	size_t kid_len;
	uint8_t sid[E2M_EDP_SID_LEN];		/* F=0 */
	uint32_t count;
	const uint8_t *aad;			/* HDR || KIDF || COUNT as sent */
	size_t aad_len;
	const uint8_t *body;
	size_t body_len;
	const uint8_t *tag;			/* E2M_EDP_TAG_LEN octets */
};

/* Per keyset and direction: the highest COUNT accepted and which of the
 * window's 64 entries, top - 63 .. top, were seen (RFC 4303 3.4.3, the
 * window's right edge being top); bit i of seen is COUNT top - i. Zeroed,
 * it has seen nothing. */
struct e2m_edp_window {
	bool any;				/* a message was accepted */
	uint32_t top;
	uint64_t seen;
};

/*! SID = the first 4 octets of KDF(K_E2M_int, FC=0xE7, P0="sid"). 0, or
 *  -EIO when libcrypto fails. */
int e2m_edp_sid(const uint8_t k_int[E2M_ALG_KEY_LEN], uint8_t sid[E2M_EDP_SID_LEN]);

/*! Fill keys from a keyset (alg, K_E2M_int, K_E2M_enc or NULL when EA is
 *  0, the E2M-KID as a C string) and derive its SID. 0, -EINVAL (an ALG
 *  with EA above 2 or IA other than 1 or 2, EA > 0 without k_enc, no KID,
 *  an empty one or one longer than E2M_KID_MAX - 1 = 153 octets, the
 *  longest E2M-KID: keys->kid holds no more, below L's 255), -EIO. keys is
 *  left zeroed on an error. With EA 0, k_enc is not read. */
int e2m_edp_keys_init(struct e2m_edp_keys *keys, uint8_t alg, const uint8_t *k_int,
		      const uint8_t *k_enc, const char *kid);

/*! Zero keys. */
void e2m_edp_keys_clear(struct e2m_edp_keys *keys);

/*! The LEB128 coding of count into out (at most 5 octets): its length. */
size_t e2m_edp_count_encode(uint32_t count, uint8_t out[E2M_EDP_COUNT_LEN_MAX]);

/*! The COUNT coded at in[0..len): *count and *used, the octets it takes
 *  (1..5; more octets may follow). -EBADMSG when the coding runs past len,
 *  is longer than the shortest form (a last octet 00 after others), is
 *  above 2^32-1 or would take a sixth octet; -EINVAL for NULL arguments. */
int e2m_edp_count_decode(const uint8_t *in, size_t len, uint32_t *count, size_t *used);

/*! A message of dir with COUNT count carrying payload[len] (at most
 *  1024 octets) into out[cap]: the full E2M-KID when full_kid, else the
 *  SID. payload and out must not overlap. 0 with *out_len; -EINVAL
 *  (payload too long, a bad dir or keys), -ENOSPC (nothing written), -EIO
 *  (out[0..the message's length) then zeroed). Which COUNT to send, and
 *  when to stop (the keyset is spent at 2^32-1), is the caller's. */
int e2m_edp_build(const struct e2m_edp_keys *keys, enum e2m_edp_dir dir, bool full_kid,
		  uint32_t count, const uint8_t *payload, size_t len, uint8_t *out, size_t cap,
		  size_t *out_len);

/*! Split msg[len] into its fields, checking every length and the coding
 *  (version 1, reserved bits 0, L >= 1, shortest LEB128 at most 2^32-1,
 *  BODY at most 1024 octets, 8 octets of TAG at the end). 0 or -EBADMSG
 *  (h zeroed); -EINVAL for no h. Never reads outside msg[0..len). */
int e2m_edp_parse(const uint8_t *msg, size_t len, struct e2m_edp_hdr *h);

/*! Check a message under keys, h as e2m_edp_parse() gave it (its tag, in
 *  constant time; the SID or KID must be the keyset's) and decipher its
 *  body into payload[cap] (cap >= h->body_len). 0 with *payload_len;
 *  -EBADMSG when the tag, SID or KID is wrong (payload[0..body_len) then
 *  zeroed); -EINVAL when h is not what its own A says (COUNT, D, F, KIDF)
 *  or cap is short; -EIO. EA 0 and 1 check the tag before deciphering;
 *  EA 2's tag is checked by OpenSSL's CCM (CRYPTO_memcmp(), constant time).
 *  The caller checks that h->dir is the direction it receives (a device
 *  drops uplink messages), keeps a window per keyset and direction, and
 *  runs e2m_edp_window_check() after this. */
int e2m_edp_open(const struct e2m_edp_keys *keys, const struct e2m_edp_hdr *h, uint8_t *payload,
		 size_t cap, size_t *payload_len);

/*! Would count be accepted by w? 0 yes (above top, or in the window and
 *  not seen); -EALREADY seen; -ERANGE below the window (top - 64 and
 *  lower, once top is 64 or more); -EINVAL for no w. Does not change w. */
int e2m_edp_window_check(const struct e2m_edp_window *w, uint32_t count);

/*! Mark count accepted in w (after e2m_edp_window_check() said 0): a
 *  COUNT above top moves the window up (a jump of 64 or more forgets it),
 *  one in the window sets its bit. */
void e2m_edp_window_accept(struct e2m_edp_window *w, uint32_t count);
