/* SPDX-License-Identifier: GPL-2.0-or-later */
/* E2M data protection, EDP (doc/e2m-profile.md section 7): the coding of
 * HDR || KIDF || COUNT || BODY || TAG, the SID, the nonce, the EA and IA
 * of section 2 through OpenSSL 3 EVP, and the replay window of RFC 4303
 * 3.4.3. Pure: no I/O, no logging; keys, nonces and full MACs cleared
 * on every exit path. */

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/ct.h"
#include "e2m/edp.h"
#include "e2m/keyset.h"

#define EDP_HDR_VERSION_MASK	0xC0	/* b8-b7 */
#define EDP_HDR_VERSION_SHIFT	6
#define EDP_HDR_RESERVED	0x0F	/* b4-b1, '0000' */
#define EDP_NONCE_LEN		13	/* COUNT 4 || D 1 || SID 4 || 4 zero octets */
#define EDP_CTR_IV_PREFIX	9	/* EA 1: N[0..8] || 7 zero octets */
#define EDP_IV_LEN		16
#define EDP_MAC_FULL_MAX	32	/* HMAC-SHA-256; AES-CMAC gives 16 */
#define EDP_LEB_BITS		7
#define EDP_LEB_MORE		0x80

/* doc/e2m-profile.md section 7: P0 of the SID, the three ASCII octets 73 69 64 */
static const uint8_t edp_sid_p0[] = { 's', 'i', 'd' };

/* doc/e2m-profile.md section 2, IA: the MAC of TAG for EA 0 and 1 (section 7),
 * as OpenSSL's EVP_MAC names it and its digest or cipher. */
static const struct edp_ia {
	const char *mac;	/* EVP_MAC algorithm */
	const char *param;	/* which parameter names sub */
	const char *sub;
} edp_ias[] = {
	[1] = { .mac = "HMAC", .param = OSSL_MAC_PARAM_DIGEST, .sub = "SHA256" },	/* RFC 2104 */
	[2] = { .mac = "CMAC", .param = OSSL_MAC_PARAM_CIPHER, .sub = "AES-128-CBC" },	/* RFC 4493 */
};

/* doc/e2m-profile.md section 2, EA, and section 7: how BODY is made. */
enum edp_ea_mode {
	EDP_EA_CLEAR,	/* BODY = payload, TAG = IA */
	EDP_EA_CTR,	/* BODY = AES-128-CTR(payload), TAG = IA over it */
	EDP_EA_CCM,	/* BODY || TAG = AES-128-CCM (RFC 3610), 8-octet tag */
};

static const struct edp_ea {
	enum edp_ea_mode mode;
	const EVP_CIPHER *(*cipher)(void);
} edp_eas[] = {
	[0] = { .mode = EDP_EA_CLEAR, .cipher = NULL },
	[1] = { .mode = EDP_EA_CTR, .cipher = EVP_aes_128_ctr },
	[2] = { .mode = EDP_EA_CCM, .cipher = EVP_aes_128_ccm },
};

#define EDP_N(t) (sizeof(t) / sizeof((t)[0]))

static const struct edp_ia *edp_ia_find(uint8_t alg)
{
	uint8_t ia = alg & 0x0F;

	return ia < EDP_N(edp_ias) && edp_ias[ia].mac ? &edp_ias[ia] : NULL;
}

static const struct edp_ea *edp_ea_find(uint8_t alg)
{
	uint8_t ea = alg >> 4;

	return ea < EDP_N(edp_eas) ? &edp_eas[ea] : NULL;
}

/* ---- SID, keys ---- */

int e2m_edp_sid(const uint8_t k_int[E2M_ALG_KEY_LEN], uint8_t sid[E2M_EDP_SID_LEN])
{
	const struct e2m_kdf_param p0 = { .data = edp_sid_p0, .len = sizeof(edp_sid_p0) };
	uint8_t full[E2M_KDF_OUT_LEN];
	int rc;

	if (!k_int || !sid)
		return -EINVAL;
	/* SID = the first 4 octets of KDF(K_E2M_int, FC=0xE7, P0="sid") */
	rc = e2m_kdf(k_int, E2M_ALG_KEY_LEN, E2M_EDP_FC_SID, &p0, 1, full);
	if (rc == 0)
		memcpy(sid, full, E2M_EDP_SID_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int e2m_edp_keys_init(struct e2m_edp_keys *keys, uint8_t alg, const uint8_t *k_int,
		      const uint8_t *k_enc, const char *kid)
{
	size_t kid_len;
	int rc;

	if (!keys)
		return -EINVAL;
	memset(keys, 0, sizeof(*keys));
	if (e2m_alg_check(alg) < 0 || !edp_ia_find(alg) || !edp_ea_find(alg) || !k_int ||
	    ((alg >> 4) != E2M_EA_NONE && !k_enc) || !kid)
		return -EINVAL;
	kid_len = strnlen(kid, sizeof(keys->kid));
	if (kid_len < 1 || kid_len >= sizeof(keys->kid))
		return -EINVAL;
	keys->alg = alg;
	memcpy(keys->k_int, k_int, E2M_ALG_KEY_LEN);
	if ((alg >> 4) != E2M_EA_NONE)
		memcpy(keys->k_enc, k_enc, E2M_ALG_KEY_LEN);
	memcpy(keys->kid, kid, kid_len);
	rc = e2m_edp_sid(keys->k_int, keys->sid);
	if (rc < 0)
		e2m_edp_keys_clear(keys);
	return rc;
}

void e2m_edp_keys_clear(struct e2m_edp_keys *keys)
{
	if (keys)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

/* ---- COUNT: unsigned LEB128, shortest form, at most 2^32-1 (section 7) ---- */

size_t e2m_edp_count_encode(uint32_t count, uint8_t out[E2M_EDP_COUNT_LEN_MAX])
{
	size_t n = 0;

	/* 7 bits an octet, least significant group first, b8 set on all but the last */
	do {
		uint8_t group = count & 0x7F;

		count >>= EDP_LEB_BITS;
		out[n++] = group | (count ? EDP_LEB_MORE : 0);
	} while (count);
	return n;
}

int e2m_edp_count_decode(const uint8_t *in, size_t len, uint32_t *count, size_t *used)
{
	uint64_t v = 0;

	if ((!in && len) || !count || !used)
		return -EINVAL;
	for (size_t i = 0; i < E2M_EDP_COUNT_LEN_MAX; i++) {
		if (i >= len)
			return -EBADMSG;	/* b8 set on the last octet there is */
		v |= (uint64_t)(in[i] & 0x7F) << (EDP_LEB_BITS * i);
		if (in[i] & EDP_LEB_MORE)
			continue;
		/* a last group of 0 after others is a longer form than needed */
		if ((i > 0 && in[i] == 0) || v > E2M_EDP_COUNT_MAX)
			return -EBADMSG;
		*count = (uint32_t)v;
		*used = i + 1;
		return 0;
	}
	return -EBADMSG;	/* a sixth octet */
}

/* ---- the nonce and the cryptographic transforms ---- */

/* N = COUNT (4 octets, big-endian) || D (0x00, 0x01) || SID || 4 zero octets */
static void edp_nonce(uint32_t count, enum e2m_edp_dir dir, const uint8_t sid[E2M_EDP_SID_LEN],
		      uint8_t n[EDP_NONCE_LEN])
{
	memset(n, 0, EDP_NONCE_LEN);
	n[0] = (uint8_t)(count >> 24);
	n[1] = (uint8_t)(count >> 16);
	n[2] = (uint8_t)(count >> 8);
	n[3] = (uint8_t)count;
	n[4] = dir == E2M_EDP_DOWN ? 0x01 : 0x00;
	memcpy(n + 5, sid, E2M_EDP_SID_LEN);
}

/* TAG of EA 0 and 1: the first 8 octets of IA(K_E2M_int, A || BODY). */
static int edp_ia_tag(const struct edp_ia *ia, const uint8_t k_int[E2M_ALG_KEY_LEN],
		      const uint8_t *aad, size_t aad_len, const uint8_t *body, size_t body_len,
		      uint8_t tag[E2M_EDP_TAG_LEN])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(ia->param, (char *)ia->sub, 0),
		OSSL_PARAM_construct_end(),
	};
	uint8_t full[EDP_MAC_FULL_MAX];
	size_t full_len = 0;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, ia->mac, NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	int ok = ctx && EVP_MAC_init(ctx, k_int, E2M_ALG_KEY_LEN, params) &&
		 EVP_MAC_update(ctx, aad, aad_len) &&
		 (body_len == 0 || EVP_MAC_update(ctx, body, body_len)) &&
		 EVP_MAC_final(ctx, full, &full_len, sizeof(full)) && full_len >= E2M_EDP_TAG_LEN;

	if (ok)
		memcpy(tag, full, E2M_EDP_TAG_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);	/* clears the key schedule */
	EVP_MAC_free(mac);
	return ok ? 0 : -EIO;
}

/* EA 1: AES-128-CTR from the initial counter block N[0..8] || 7 zero octets.
 * BODY is at most 64 blocks, so the count only moves the last octet. Its
 * own inverse: the same call enciphers and deciphers. */
static int edp_ctr(const uint8_t k_enc[E2M_ALG_KEY_LEN], const uint8_t n[EDP_NONCE_LEN],
		   const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t iv[EDP_IV_LEN] = { 0 };
	EVP_CIPHER_CTX *ctx;
	int outl = 0, finl = 0, ok;

	if (len == 0)
		return 0;
	memcpy(iv, n, EDP_CTR_IV_PREFIX);
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, k_enc, iv) &&
	     EVP_EncryptUpdate(ctx, out, &outl, in, (int)len) &&
	     EVP_EncryptFinal_ex(ctx, out + outl, &finl) && (size_t)(outl + finl) == len;
	EVP_CIPHER_CTX_free(ctx);	/* clears the key schedule */
	if (!ok)
		OPENSSL_cleanse(out, len);
	return ok ? 0 : -EIO;
}

/* EA 2: AES-128-CCM (RFC 3610) with nonce N, associated data A and an
 * 8-octet tag. Enciphers payload into body and writes the tag, or
 * deciphers body into payload and checks the tag (OpenSSL compares it
 * with CRYPTO_memcmp(), in constant time): 0, -EBADMSG, -EIO. */
static int edp_ccm(bool enc, const uint8_t k_enc[E2M_ALG_KEY_LEN], const uint8_t n[EDP_NONCE_LEN],
		   const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
		   uint8_t *out, uint8_t tag[E2M_EDP_TAG_LEN])
{
	/* an empty text still goes through the update that computes the tag */
	static const uint8_t none_in[1];
	uint8_t none_out[1];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, ok, done = 0;

	ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL, enc) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, EDP_NONCE_LEN, NULL) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, E2M_EDP_TAG_LEN, enc ? NULL : tag) &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, k_enc, n, enc) &&
	     /* CCM needs the text's length before the associated data */
	     EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)len) &&
	     EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len);
	if (ok) {
		/* deciphering, this is where the tag is checked */
		done = EVP_CipherUpdate(ctx, len ? out : none_out, &outl, len ? in : none_in,
					(int)len) > 0;
		if (done && enc)
			done = EVP_CipherFinal_ex(ctx, none_out, &outl) > 0 &&
			       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, E2M_EDP_TAG_LEN,
						   tag) > 0;
		if (!done && len)
			OPENSSL_cleanse(out, len);
	}
	EVP_CIPHER_CTX_free(ctx);	/* clears the key schedule */
	OPENSSL_cleanse(none_out, sizeof(none_out));
	if (!ok)
		return -EIO;
	if (!done)
		return enc ? -EIO : -EBADMSG;
	return 0;
}

/* ---- build ---- */

int e2m_edp_build(const struct e2m_edp_keys *keys, enum e2m_edp_dir dir, bool full_kid,
		  uint32_t count, const uint8_t *payload, size_t len, uint8_t *out, size_t cap,
		  size_t *out_len)
{
	const struct edp_ea *ea;
	const struct edp_ia *ia;
	uint8_t n[EDP_NONCE_LEN];
	uint8_t cnt[E2M_EDP_COUNT_LEN_MAX];
	size_t kid_len = 0, cnt_len, aad_len, total;
	uint8_t *pos = out, *body, *tag;
	int rc;

	if (!keys || !out || !out_len || (dir != E2M_EDP_UP && dir != E2M_EDP_DOWN) ||
	    (len && !payload) || len > E2M_EDP_BODY_MAX)
		return -EINVAL;
	ea = edp_ea_find(keys->alg);
	ia = edp_ia_find(keys->alg);
	if (!ea || !ia)
		return -EINVAL;
	if (full_kid) {
		kid_len = strnlen(keys->kid, sizeof(keys->kid));
		if (kid_len < 1 || kid_len > E2M_EDP_KID_MAX || kid_len >= sizeof(keys->kid))
			return -EINVAL;
	}
	cnt_len = e2m_edp_count_encode(count, cnt);
	aad_len = 1 + (full_kid ? 1 + kid_len : E2M_EDP_SID_LEN) + cnt_len;
	total = aad_len + len + E2M_EDP_TAG_LEN;
	if (cap < total)
		return -ENOSPC;

	/* A = HDR || KIDF || COUNT */
	*pos++ = E2M_EDP_VERSION << EDP_HDR_VERSION_SHIFT | (dir == E2M_EDP_DOWN ? E2M_EDP_HDR_D : 0) |
		 (full_kid ? E2M_EDP_HDR_F : 0);
	if (full_kid) {
		*pos++ = (uint8_t)kid_len;
		memcpy(pos, keys->kid, kid_len);
		pos += kid_len;
	} else {
		memcpy(pos, keys->sid, E2M_EDP_SID_LEN);
		pos += E2M_EDP_SID_LEN;
	}
	memcpy(pos, cnt, cnt_len);
	pos += cnt_len;
	body = pos;
	tag = body + len;

	edp_nonce(count, dir, keys->sid, n);
	switch (ea->mode) {
	case EDP_EA_CLEAR:
		if (len)
			memcpy(body, payload, len);
		rc = edp_ia_tag(ia, keys->k_int, out, aad_len, body, len, tag);
		break;
	case EDP_EA_CTR:
		/* encrypt, then MAC */
		rc = edp_ctr(keys->k_enc, n, payload, len, body);
		if (rc == 0)
			rc = edp_ia_tag(ia, keys->k_int, out, aad_len, body, len, tag);
		break;
	case EDP_EA_CCM:
		rc = edp_ccm(true, keys->k_enc, n, out, aad_len, payload, len, body, tag);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	OPENSSL_cleanse(n, sizeof(n));
	if (rc < 0) {
		OPENSSL_cleanse(out, total);	/* no half message, no clear payload */
		return rc;
	}
	*out_len = total;
	return 0;
}

/* ---- parse ---- */

/* HDR || KIDF || COUNT from pos: the header fields of h and *head_len.
 * Every length is checked before it is read. */
static int edp_parse_head(const uint8_t *msg, size_t len, struct e2m_edp_hdr *h, size_t *head_len)
{
	const uint8_t *pos = msg, *end = msg + len;
	size_t used;
	uint8_t hdr;

	/* HDR: version '01', D, F, '0000' (section 7: others are dropped) */
	if (end - pos < 1)
		return -EBADMSG;
	hdr = *pos++;
	if ((hdr & EDP_HDR_VERSION_MASK) >> EDP_HDR_VERSION_SHIFT != E2M_EDP_VERSION ||
	    (hdr & EDP_HDR_RESERVED))
		return -EBADMSG;
	h->dir = hdr & E2M_EDP_HDR_D ? E2M_EDP_DOWN : E2M_EDP_UP;
	h->full_kid = hdr & E2M_EDP_HDR_F;
	/* KIDF: F=1, L (at least 1) and the E2M-KID; F=0, the SID */
	if (h->full_kid) {
		if (end - pos < 1 || pos[0] < 1 || (size_t)(end - pos - 1) < pos[0])
			return -EBADMSG;
		h->kid_len = pos[0];
		h->kid = pos + 1;
		pos += 1 + h->kid_len;
	} else {
		if (end - pos < E2M_EDP_SID_LEN)
			return -EBADMSG;
		memcpy(h->sid, pos, E2M_EDP_SID_LEN);
		pos += E2M_EDP_SID_LEN;
	}
	/* COUNT */
	if (e2m_edp_count_decode(pos, (size_t)(end - pos), &h->count, &used) < 0)
		return -EBADMSG;
	pos += used;
	*head_len = (size_t)(pos - msg);
	return 0;
}

int e2m_edp_parse(const uint8_t *msg, size_t len, struct e2m_edp_hdr *h)
{
	size_t head_len, rest;

	if (!h)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	if (!msg || edp_parse_head(msg, len, h, &head_len) < 0)
		goto bad;
	/* BODY (0..1024 octets), then the TAG: exactly what is left */
	rest = len - head_len;
	if (rest < E2M_EDP_TAG_LEN || rest - E2M_EDP_TAG_LEN > E2M_EDP_BODY_MAX)
		goto bad;
	h->aad = msg;
	h->aad_len = head_len;
	h->body = msg + head_len;
	h->body_len = rest - E2M_EDP_TAG_LEN;
	h->tag = msg + len - E2M_EDP_TAG_LEN;
	return 0;
bad:
	memset(h, 0, sizeof(*h));
	return -EBADMSG;
}

/* ---- open ---- */

/* h's fields are those its A says: the tag covers A, while the nonce and
 * the replay window take COUNT and D from h. */
static bool edp_hdr_consistent(const struct e2m_edp_hdr *h)
{
	struct e2m_edp_hdr a = { 0 };
	size_t head_len;

	if (edp_parse_head(h->aad, h->aad_len, &a, &head_len) < 0 || head_len != h->aad_len)
		return false;
	if (a.dir != h->dir || a.full_kid != h->full_kid || a.count != h->count)
		return false;
	if (a.full_kid)
		return h->kid && a.kid_len == h->kid_len && memcmp(a.kid, h->kid, a.kid_len) == 0;
	return memcmp(a.sid, h->sid, E2M_EDP_SID_LEN) == 0;
}

int e2m_edp_open(const struct e2m_edp_keys *keys, const struct e2m_edp_hdr *h, uint8_t *payload,
		 size_t cap, size_t *payload_len)
{
	uint8_t n[EDP_NONCE_LEN], tag[E2M_EDP_TAG_LEN], want[E2M_EDP_TAG_LEN];
	const struct edp_ea *ea;
	const struct edp_ia *ia;
	bool named, same;
	int rc;

	if (!keys || !h || !payload_len || !h->aad || !h->tag || h->body_len > E2M_EDP_BODY_MAX ||
	    (h->body_len && (!h->body || !payload)) || cap < h->body_len)
		return -EINVAL;
	ea = edp_ea_find(keys->alg);
	ia = edp_ia_find(keys->alg);
	if (!ea || !ia || !edp_hdr_consistent(h))
		return -EINVAL;
	*payload_len = 0;
	/* KIDF names this keyset: the SID, or the E2M-KID (public: an ordinary compare) */
	if (h->full_kid)
		named = h->kid_len == strnlen(keys->kid, sizeof(keys->kid)) &&
			memcmp(h->kid, keys->kid, h->kid_len) == 0;
	else
		named = memcmp(h->sid, keys->sid, E2M_EDP_SID_LEN) == 0;
	if (!named) {
		if (h->body_len)
			OPENSSL_cleanse(payload, h->body_len);
		return -EBADMSG;
	}

	edp_nonce(h->count, h->dir, keys->sid, n);
	memcpy(tag, h->tag, sizeof(tag));
	if (ea->mode == EDP_EA_CCM) {
		rc = edp_ccm(false, keys->k_enc, n, h->aad, h->aad_len, h->body, h->body_len,
			     payload, tag);
	} else {
		/* encrypt-then-MAC: the tag first, deciphering only what it covers */
		rc = edp_ia_tag(ia, keys->k_int, h->aad, h->aad_len, h->body, h->body_len, want);
		same = rc == 0 && common_ct_equal(want, tag, sizeof(want));
		if (rc == 0 && !same)
			rc = -EBADMSG;
		if (rc == 0 && ea->mode == EDP_EA_CTR)
			rc = edp_ctr(keys->k_enc, n, h->body, h->body_len, payload);
		else if (rc == 0 && h->body_len)
			memcpy(payload, h->body, h->body_len);
	}
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(tag, sizeof(tag));
	OPENSSL_cleanse(n, sizeof(n));
	if (rc < 0) {
		if (h->body_len)
			OPENSSL_cleanse(payload, h->body_len);
		return rc;
	}
	*payload_len = h->body_len;
	return 0;
}

/* ---- replay window, RFC 4303 3.4.3 ---- */

/* The window is [top - 63, top]: bit i of seen stands for COUNT top - i. A
 * COUNT above top moves the window up; one below it is too old. */
int e2m_edp_window_check(const struct e2m_edp_window *w, uint32_t count)
{
	uint32_t back;

	if (!w)
		return -EINVAL;
	if (!w->any || count > w->top)
		return 0;
	back = w->top - count;
	if (back >= E2M_EDP_WINDOW)
		return -ERANGE;
	return (w->seen >> back) & 1 ? -EALREADY : 0;
}

void e2m_edp_window_accept(struct e2m_edp_window *w, uint32_t count)
{
	uint32_t shift, back;

	if (!w)
		return;
	if (!w->any) {
		w->any = true;
		w->top = count;
		w->seen = 1;
	} else if (count > w->top) {
		shift = count - w->top;
		w->seen = shift >= E2M_EDP_WINDOW ? 1 : w->seen << shift | 1;
		w->top = count;
	} else {
		back = w->top - count;
		if (back < E2M_EDP_WINDOW)
			w->seen |= (uint64_t)1 << back;
	}
}
