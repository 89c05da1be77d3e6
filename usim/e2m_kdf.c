/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TS 33.220 Annex B.2 KDF (HMAC-SHA-256 on OpenSSL 3's SHA-256) and the
 * E2M derivations of SPEC-E2M.md section 2. S is never assembled in memory:
 * FC, then each Pi and its Li, are fed to HMAC-SHA-256 in order. */

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "usim/e2m_kdf.h"

#define KDF_KEY_HALF	16	/* K_E2M_int, K_E2M_enc: octets 16..31 */

static const struct usim_e2m_fc e2m_fc_default = USIM_E2M_FC_DEFAULT;

/* SHA-256, fetched once (an implicit fetch searches the provider store
 * under a lock on every EVP_DigestInit). */
#define KDF_BLOCK	64	/* SHA-256 block, RFC 2104 B */
static EVP_MD *kdf_sha256;
static CRYPTO_ONCE kdf_once = CRYPTO_ONCE_STATIC_INIT;

static void kdf_fetch(void)
{
	kdf_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* HMAC-SHA-256 (RFC 2104) of S = FC || P0 || L0 || ...:
 * H((K0 xor opad) || H((K0 xor ipad) || S)), K0 the key padded with zeros
 * to the block (keys are at most 64 octets here). */
int usim_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
	     const struct usim_kdf_param *params, size_t n_params,
	     uint8_t out[USIM_KDF_OUT_LEN])
{
	uint8_t pad[KDF_BLOCK], inner[USIM_KDF_OUT_LEN];
	EVP_MD_CTX *md = NULL;
	unsigned int n = 0;
	int rc = -EIO;

	if (!key || key_len == 0 || key_len > KDF_BLOCK || !out || (n_params && !params))
		return -EINVAL;
	for (size_t i = 0; i < n_params; i++) {
		if (params[i].len > USIM_KDF_PARAM_MAX || (params[i].len && !params[i].data))
			return -EINVAL;
	}
	if (!CRYPTO_THREAD_run_once(&kdf_once, kdf_fetch) || !kdf_sha256 || !(md = EVP_MD_CTX_new()))
		goto out;
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < key_len; i++)
		pad[i] ^= key[i];
	if (!EVP_DigestInit_ex2(md, kdf_sha256, NULL) || !EVP_DigestUpdate(md, pad, sizeof(pad)) ||
	    !EVP_DigestUpdate(md, &fc, 1))
		goto out;
	for (size_t i = 0; i < n_params; i++) {
		uint8_t l[2] = { params[i].len >> 8, params[i].len & 0xff };

		if ((params[i].len && !EVP_DigestUpdate(md, params[i].data, params[i].len)) ||
		    !EVP_DigestUpdate(md, l, sizeof(l)))
			goto out;
	}
	if (!EVP_DigestFinal_ex(md, inner, &n) || n != sizeof(inner))
		goto out;
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	if (!EVP_DigestInit_ex2(md, kdf_sha256, NULL) || !EVP_DigestUpdate(md, pad, sizeof(pad)) ||
	    !EVP_DigestUpdate(md, inner, sizeof(inner)) || !EVP_DigestFinal_ex(md, out, &n) ||
	    n != USIM_KDF_OUT_LEN)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		OPENSSL_cleanse(out, USIM_KDF_OUT_LEN);
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	EVP_MD_CTX_free(md);
	return rc;
}

int usim_e2m_eid_check(const uint8_t *eid, size_t eid_len)
{
	if (!eid || eid_len < USIM_E2M_EID_MIN || eid_len > USIM_E2M_EID_MAX)
		return -EINVAL;
	return 0;
}

/* KDF(key, FC, P0=RAND, P1=SQN xor AK, P2=EID): both K_E2M rows of the table. */
static int e2m_key(const uint8_t *key, size_t key_len, uint8_t fc, const uint8_t *rnd,
		   const uint8_t *sqn_ak, const uint8_t *eid, size_t eid_len, uint8_t *k_e2m)
{
	const struct usim_kdf_param p[] = {
		{ .data = rnd, .len = USIM_E2M_RAND_LEN },
		{ .data = sqn_ak, .len = USIM_E2M_SQN_AK_LEN },
		{ .data = eid, .len = eid_len },
	};

	if (!rnd || !sqn_ak || usim_e2m_eid_check(eid, eid_len) < 0)
		return -EINVAL;
	return usim_kdf(key, key_len, fc, p, sizeof(p) / sizeof(p[0]), k_e2m);
}

int usim_e2m_key_usim(const struct usim_e2m_fc *fc, const uint8_t *k, size_t k_len,
		      const uint8_t rnd[USIM_E2M_RAND_LEN],
		      const uint8_t sqn_ak[USIM_E2M_SQN_AK_LEN],
		      const uint8_t *eid, size_t eid_len,
		      uint8_t k_e2m[USIM_E2M_KEY_LEN])
{
	if (!fc)
		fc = &e2m_fc_default;
	if (k_len != 16 && k_len != 32)
		return -EINVAL;
	return e2m_key(k, k_len, fc->ke2m_usim, rnd, sqn_ak, eid, eid_len, k_e2m);
}

int usim_e2m_key_me(const struct usim_e2m_fc *fc, const uint8_t ck[USIM_E2M_CK_LEN],
		    const uint8_t ik[USIM_E2M_IK_LEN],
		    const uint8_t rnd[USIM_E2M_RAND_LEN],
		    const uint8_t sqn_ak[USIM_E2M_SQN_AK_LEN],
		    const uint8_t *eid, size_t eid_len,
		    uint8_t k_e2m[USIM_E2M_KEY_LEN])
{
	uint8_t ck_ik[USIM_E2M_CK_LEN + USIM_E2M_IK_LEN];
	int rc;

	if (!fc)
		fc = &e2m_fc_default;
	if (!ck || !ik)
		return -EINVAL;
	memcpy(ck_ik, ck, USIM_E2M_CK_LEN);
	memcpy(ck_ik + USIM_E2M_CK_LEN, ik, USIM_E2M_IK_LEN);
	rc = e2m_key(ck_ik, sizeof(ck_ik), fc->ke2m_me, rnd, sqn_ak, eid, eid_len, k_e2m);
	OPENSSL_cleanse(ck_ik, sizeof(ck_ik));
	return rc;
}

/* The 128 least significant bits of KDF(K_E2M, FC=0xE6, P0=type, P1=alg). */
static int e2m_alg_key(const struct usim_e2m_fc *fc, const uint8_t *k_e2m, uint8_t type,
		       uint8_t alg, uint8_t *key)
{
	const struct usim_kdf_param p[] = {
		{ .data = &type, .len = 1 },
		{ .data = &alg, .len = 1 },
	};
	uint8_t full[USIM_KDF_OUT_LEN];
	int rc;

	if (!fc)
		fc = &e2m_fc_default;
	if (!k_e2m || !key)
		return -EINVAL;
	rc = usim_kdf(k_e2m, USIM_E2M_KEY_LEN, fc->alg, p, sizeof(p) / sizeof(p[0]), full);
	if (rc == 0)
		memcpy(key, full + KDF_KEY_HALF, USIM_E2M_ALG_KEY_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int usim_e2m_key_int(const struct usim_e2m_fc *fc, const uint8_t k_e2m[USIM_E2M_KEY_LEN],
		     uint8_t ia, uint8_t k_int[USIM_E2M_ALG_KEY_LEN])
{
	return e2m_alg_key(fc, k_e2m, USIM_E2M_ALG_TYPE_INT, ia, k_int);
}

int usim_e2m_key_enc(const struct usim_e2m_fc *fc, const uint8_t k_e2m[USIM_E2M_KEY_LEN],
		     uint8_t ea, uint8_t k_enc[USIM_E2M_ALG_KEY_LEN], size_t *k_enc_len)
{
	int rc;

	if (!k_enc || !k_enc_len)
		return -EINVAL;
	if (ea == USIM_E2M_EA_NONE) {
		memset(k_enc, 0, USIM_E2M_ALG_KEY_LEN);
		*k_enc_len = 0;
		return 0;
	}
	rc = e2m_alg_key(fc, k_e2m, USIM_E2M_ALG_TYPE_ENC, ea, k_enc);
	*k_enc_len = rc == 0 ? USIM_E2M_ALG_KEY_LEN : 0;
	return rc;
}

int usim_e2m_kid(const uint8_t rnd[USIM_E2M_RAND_LEN], const uint8_t *eid, size_t eid_len,
		 char *kid, size_t cap, size_t *kid_len)
{
	/* EVP_EncodeBlock writes 4 characters per 3 octets and a NUL. */
	unsigned char b64[4 * ((USIM_E2M_RAND_LEN + 2) / 3) + 1];
	int n;

	if (!rnd || !kid || usim_e2m_eid_check(eid, eid_len) < 0 || memchr(eid, 0, eid_len))
		return -EINVAL;
	n = EVP_EncodeBlock(b64, rnd, USIM_E2M_RAND_LEN);
	if (n < 0 || (size_t)n + 1 + eid_len + 1 > cap)
		return n < 0 ? -EIO : -ENOSPC;
	memcpy(kid, b64, n);
	kid[n] = '@';
	memcpy(kid + n + 1, eid, eid_len);
	kid[n + 1 + eid_len] = '\0';
	if (kid_len)
		*kid_len = n + 1 + eid_len;
	return 0;
}
