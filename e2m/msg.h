/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device's protected message to the HSE (doc/e2m-profile.md 5, event (3): the
 * first packet names its E2M-KID). TR 33.863 leaves the user-plane coding
 * open; this is this project's demo framing, *assigned here*, version 1:
 *
 *   offset        octets  field
 *   0             1       tag 'E2'
 *   1             1       version '01'
 *   2             1       n, length of E2M-KID (1..153, E2M_KID_MAX - 1)
 *   3             n       E2M-KID, base64(RAND) "@" EID (doc/e2m-profile.md 2), no NUL
 *   3+n           2       m, payload length, big-endian (0..65535)
 *   5+n           m       payload
 *   5+n+m         8       MAC
 *
 * Nothing follows the MAC. MAC = the first 64 bits of
 *   IA 1: HMAC-SHA-256(K_E2M_int, payload)   (RFC 2104, FIPS 180-4)
 *   IA 2: AES-128-CMAC(K_E2M_int, payload)   (RFC 4493)
 * (doc/e2m-profile.md 2, IA table). The MAC covers the payload only: the header is
 * checked by e2m_msg_parse(), and the KID by e2m_msg_verify()
 * against the keyset it named. Integrity only: confidentiality (EA) is not
 * part of this framing. Pure functions: no I/O, temporaries cleared. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "e2m/kdf.h"

#define E2M_MSG_TAG	0xE2
#define E2M_MSG_VERSION	0x01
#define E2M_MSG_MAC_LEN	8	/* 64 bits, doc/e2m-profile.md 2 */
#define E2M_MSG_KID_MAX	(E2M_KID_MAX - 1)
#define E2M_MSG_PAYLOAD_MAX 0xFFFF
/* Octets around a KID of k octets and a payload of m octets. */
#define E2M_MSG_LEN(k, m)	(3 + (size_t)(k) + 2 + (size_t)(m) + E2M_MSG_MAC_LEN)

/* A parsed message; payload and mac point into the parsed octets. */
struct e2m_msg {
	char kid[E2M_KID_MAX];	/* NUL-terminated copy */
	size_t kid_len;
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *mac;		/* E2M_MSG_MAC_LEN octets */
};

/*! The MAC of the framing above: the first 64 bits of the IA's MAC of
 *  payload under K_E2M_int. 0; -EINVAL for an IA other than 1 or 2 or a
 *  payload over 65535 octets; -EIO when libcrypto fails. */
int e2m_msg_mac(uint8_t ia, const uint8_t k_int[E2M_ALG_KEY_LEN],
		     const uint8_t *payload, size_t payload_len,
		     uint8_t mac[E2M_MSG_MAC_LEN]);

/*! Writes the message for kid and payload into out[cap]; *out_len gets its
 *  length. 0; -EINVAL for an IA, KID (1..153 octets, no NUL) or payload
 *  length out of range; -ENOSPC when cap is below E2M_MSG_LEN (nothing
 *  is written then); -EIO when libcrypto fails. */
int e2m_msg_build(uint8_t ia, const uint8_t k_int[E2M_ALG_KEY_LEN], const char *kid,
		       const uint8_t *payload, size_t payload_len,
		       uint8_t *out, size_t cap, size_t *out_len);

/*! Splits msg[len] into its fields, checking every length against the
 *  octets there are. 0, or -EBADMSG (wrong tag or version, a length that
 *  overruns or leaves octets over, an empty KID or one with a NUL). */
int e2m_msg_parse(const uint8_t *msg, size_t len, struct e2m_msg *m);

/*! Checks a parsed message against the keyset it names: the KID equals kid,
 *  and the MAC, compared in constant time (common_ct_equal), is the IA's MAC
 *  of the payload under k_int. 0; -EBADMSG when either differs; -EINVAL for
 *  a bad IA; -EIO when libcrypto fails. */
int e2m_msg_verify(const struct e2m_msg *m, const char *kid, uint8_t ia,
			const uint8_t k_int[E2M_ALG_KEY_LEN]);
