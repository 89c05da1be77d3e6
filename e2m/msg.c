/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The protected message of e2m/msg.h: framing, MAC (doc/e2m-profile.md 2 IA
 * table, truncated to 64 bits) and its constant-time check. */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/ct.h"
#include "e2m/msg.h"

#define MSG_MAC_FULL_MAX	32	/* HMAC-SHA-256; AES-CMAC gives 16 */

/* doc/e2m-profile.md 2: integrity algorithms by IA, as OpenSSL EVP_MAC names them */
static const struct msg_ia {
	const char *mac;	/* EVP_MAC algorithm */
	const char *sub;	/* its digest or cipher */
} msg_ias[] = {
	[1] = { .mac = "HMAC", .sub = "SHA256" },	/* RFC 2104 over SHA-256 */
	[2] = { .mac = "CMAC", .sub = "AES-128-CBC" },	/* RFC 4493 */
};

static const struct msg_ia *msg_ia_find(uint8_t ia)
{
	if (ia >= sizeof(msg_ias) / sizeof(msg_ias[0]) || !msg_ias[ia].mac)
		return NULL;
	return &msg_ias[ia];
}

int e2m_msg_mac(uint8_t ia, const uint8_t k_int[E2M_ALG_KEY_LEN],
		     const uint8_t *payload, size_t payload_len,
		     uint8_t mac[E2M_MSG_MAC_LEN])
{
	static const uint8_t empty[1];
	const struct msg_ia *a = msg_ia_find(ia);
	uint8_t full[MSG_MAC_FULL_MAX];
	size_t full_len = 0;
	int rc = -EIO;

	if (!a || !k_int || !mac || payload_len > E2M_MSG_PAYLOAD_MAX ||
	    (payload_len && !payload))
		return -EINVAL;
	if (EVP_Q_mac(NULL, a->mac, NULL, a->sub, NULL, k_int, E2M_ALG_KEY_LEN,
		      payload_len ? payload : empty, payload_len, full, sizeof(full), &full_len) &&
	    full_len >= E2M_MSG_MAC_LEN) {
		/* "the first 64 bits" (doc/e2m-profile.md 2) */
		memcpy(mac, full, E2M_MSG_MAC_LEN);
		rc = 0;
	}
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int e2m_msg_build(uint8_t ia, const uint8_t k_int[E2M_ALG_KEY_LEN], const char *kid,
		       const uint8_t *payload, size_t payload_len,
		       uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t mac[E2M_MSG_MAC_LEN];
	size_t kid_len, len;
	uint8_t *p = out;
	int rc;

	if (!kid || !out || !out_len)
		return -EINVAL;
	kid_len = strnlen(kid, E2M_MSG_KID_MAX + 1);
	if (kid_len < 1 || kid_len > E2M_MSG_KID_MAX || payload_len > E2M_MSG_PAYLOAD_MAX)
		return -EINVAL;
	len = E2M_MSG_LEN(kid_len, payload_len);
	rc = e2m_msg_mac(ia, k_int, payload, payload_len, mac);
	if (rc)
		return rc;
	if (cap < len) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return -ENOSPC;
	}
	*p++ = E2M_MSG_TAG;
	*p++ = E2M_MSG_VERSION;
	*p++ = (uint8_t)kid_len;
	memcpy(p, kid, kid_len);
	p += kid_len;
	*p++ = (uint8_t)(payload_len >> 8);
	*p++ = (uint8_t)payload_len;
	if (payload_len)
		memcpy(p, payload, payload_len);
	p += payload_len;
	memcpy(p, mac, sizeof(mac));
	OPENSSL_cleanse(mac, sizeof(mac));
	*out_len = len;
	return 0;
}

int e2m_msg_parse(const uint8_t *msg, size_t len, struct e2m_msg *m)
{
	const uint8_t *pos = msg, *end = msg + len;
	size_t kid_len, payload_len;

	if (!msg || !m)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	/* tag, version, KID length */
	if (end - pos < 3 || pos[0] != E2M_MSG_TAG || pos[1] != E2M_MSG_VERSION)
		return -EBADMSG;
	kid_len = pos[2];
	pos += 3;
	if (kid_len < 1 || kid_len > E2M_MSG_KID_MAX || (size_t)(end - pos) < kid_len ||
	    memchr(pos, 0, kid_len))
		return -EBADMSG;
	memcpy(m->kid, pos, kid_len);
	m->kid[kid_len] = '\0';
	m->kid_len = kid_len;
	pos += kid_len;
	/* payload length, payload, MAC: exactly what is left */
	if (end - pos < 2)
		goto bad;
	payload_len = (size_t)pos[0] << 8 | pos[1];
	pos += 2;
	if ((size_t)(end - pos) != payload_len + E2M_MSG_MAC_LEN)
		goto bad;
	m->payload = pos;
	m->payload_len = payload_len;
	m->mac = pos + payload_len;
	return 0;
bad:
	memset(m, 0, sizeof(*m));
	return -EBADMSG;
}

int e2m_msg_verify(const struct e2m_msg *m, const char *kid, uint8_t ia,
			const uint8_t k_int[E2M_ALG_KEY_LEN])
{
	uint8_t mac[E2M_MSG_MAC_LEN];
	bool same_kid, same_mac;
	int rc;

	if (!m || !m->mac || !kid)
		return -EINVAL;
	rc = e2m_msg_mac(ia, k_int, m->payload, m->payload_len, mac);
	if (rc)
		return rc;
	/* the KID is public: an ordinary compare; the MAC in constant time */
	same_kid = strlen(kid) == m->kid_len && !memcmp(kid, m->kid, m->kid_len);
	same_mac = common_ct_equal(mac, m->mac, sizeof(mac));
	OPENSSL_cleanse(mac, sizeof(mac));
	return same_kid && same_mac ? 0 : -EBADMSG;
}
