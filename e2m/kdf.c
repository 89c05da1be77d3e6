/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TS 33.220 Annex B.2 KDF (HMAC-SHA-256, RFC 2104) and the E2M derivations
 * of doc/e2m-profile.md section 2. S is never assembled in memory: FC, then each
 * Pi and its Li, are fed to SHA-256 in order.
 *
 * SHA-256 is OpenSSL's low-level SHA256_Init/Update/Final, deprecated since
 * 3.0 but still in 3.x and 4.0 (hence the 1.1.1 API level below): its state
 * is a plain struct, so a key's states after its padded blocks are kept and
 * copied for each derivation. Through EVP, EVP_MD_CTX_copy_ex() allocates
 * at every copy, and the EVP calls cost more than the hashing itself. */
#define OPENSSL_API_COMPAT 0x10101000L

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "e2m/kdf.h"

#define KDF_KEY_HALF	16	/* K_E2M_int, K_E2M_enc: octets 16..31 */
#define KDF_BLOCK	64	/* SHA-256 block, RFC 2104 B */

static const struct e2m_fc e2m_fc_default = E2M_FC_DEFAULT;

struct e2m_kdf_key {
	SHA256_CTX inner;	/* after K0 xor ipad */
	SHA256_CTX outer;	/* after K0 xor opad */
};

/* RFC 2104 section 2: K0 is the key padded with zeros to the block (keys
 * are at most 64 octets here); hash K0 xor ipad and K0 xor opad. */
static int kdf_key_set(struct e2m_kdf_key *kk, const uint8_t *key, size_t key_len)
{
	uint8_t pad[KDF_BLOCK];
	int ok;

	if (!key || key_len == 0 || key_len > KDF_BLOCK)
		return -EINVAL;
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < key_len; i++)
		pad[i] ^= key[i];
	ok = SHA256_Init(&kk->inner) && SHA256_Update(&kk->inner, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	ok = ok && SHA256_Init(&kk->outer) && SHA256_Update(&kk->outer, pad, sizeof(pad));
	OPENSSL_cleanse(pad, sizeof(pad));
	return ok ? 0 : -EIO;
}

static void kdf_key_clear(struct e2m_kdf_key *kk)
{
	OPENSSL_cleanse(kk, sizeof(*kk));
}

struct e2m_kdf_key *e2m_kdf_key_new(const uint8_t *key, size_t key_len)
{
	struct e2m_kdf_key *kk = malloc(sizeof(*kk));

	if (kk && kdf_key_set(kk, key, key_len) < 0) {
		e2m_kdf_key_free(kk);
		kk = NULL;
	}
	return kk;
}

void e2m_kdf_key_free(struct e2m_kdf_key *kk)
{
	if (!kk)
		return;
	kdf_key_clear(kk);
	free(kk);
}

/* HMAC-SHA-256 (RFC 2104) of S = FC || P0 || L0 || ...:
 * H((K0 xor opad) || H((K0 xor ipad) || S)), from the prepared states. */
int e2m_kdf_prepared(const struct e2m_kdf_key *kk, uint8_t fc,
		      const struct e2m_kdf_param *params, size_t n_params,
		      uint8_t out[E2M_KDF_OUT_LEN])
{
	uint8_t inner[E2M_KDF_OUT_LEN];
	SHA256_CTX c;
	int ok;

	if (!kk || !out || (n_params && !params))
		return -EINVAL;
	for (size_t i = 0; i < n_params; i++) {
		if (params[i].len > E2M_KDF_PARAM_MAX || (params[i].len && !params[i].data))
			return -EINVAL;
	}
	c = kk->inner;
	ok = SHA256_Update(&c, &fc, 1);
	for (size_t i = 0; ok && i < n_params; i++) {
		uint8_t l[2] = { params[i].len >> 8, params[i].len & 0xff };

		ok = (params[i].len == 0 || SHA256_Update(&c, params[i].data, params[i].len)) &&
		     SHA256_Update(&c, l, sizeof(l));
	}
	ok = ok && SHA256_Final(inner, &c);
	c = kk->outer;
	ok = ok && SHA256_Update(&c, inner, sizeof(inner)) && SHA256_Final(out, &c);
	if (!ok)
		OPENSSL_cleanse(out, E2M_KDF_OUT_LEN);
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(inner, sizeof(inner));
	return ok ? 0 : -EIO;
}

int e2m_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
	     const struct e2m_kdf_param *params, size_t n_params,
	     uint8_t out[E2M_KDF_OUT_LEN])
{
	struct e2m_kdf_key kk;
	int rc = kdf_key_set(&kk, key, key_len);

	if (rc == 0)
		rc = e2m_kdf_prepared(&kk, fc, params, n_params, out);
	kdf_key_clear(&kk);
	return rc;
}

int e2m_eid_check(const uint8_t *eid, size_t eid_len)
{
	if (!eid || eid_len < E2M_EID_MIN || eid_len > E2M_EID_MAX)
		return -EINVAL;
	return 0;
}

/* KDF(key, FC, P0=RAND, P1=SQN xor AK, P2=EID): both K_E2M rows of the table. */
static int e2m_key(const struct e2m_kdf_key *kk, uint8_t fc, const uint8_t *rnd,
		   const uint8_t *sqn_ak, const uint8_t *eid, size_t eid_len, uint8_t *k_e2m)
{
	const struct e2m_kdf_param p[] = {
		{ .data = rnd, .len = E2M_RAND_LEN },
		{ .data = sqn_ak, .len = E2M_SQN_AK_LEN },
		{ .data = eid, .len = eid_len },
	};

	if (!rnd || !sqn_ak || e2m_eid_check(eid, eid_len) < 0)
		return -EINVAL;
	return e2m_kdf_prepared(kk, fc, p, sizeof(p) / sizeof(p[0]), k_e2m);
}

int e2m_key_usim_prepared(const struct e2m_fc *fc, const struct e2m_kdf_key *k,
			       const uint8_t rnd[E2M_RAND_LEN],
			       const uint8_t sqn_ak[E2M_SQN_AK_LEN],
			       const uint8_t *eid, size_t eid_len,
			       uint8_t k_e2m[E2M_KEY_LEN])
{
	if (!fc)
		fc = &e2m_fc_default;
	return e2m_key(k, fc->ke2m_usim, rnd, sqn_ak, eid, eid_len, k_e2m);
}

int e2m_key_usim(const struct e2m_fc *fc, const uint8_t *k, size_t k_len,
		      const uint8_t rnd[E2M_RAND_LEN],
		      const uint8_t sqn_ak[E2M_SQN_AK_LEN],
		      const uint8_t *eid, size_t eid_len,
		      uint8_t k_e2m[E2M_KEY_LEN])
{
	struct e2m_kdf_key kk;
	int rc;

	if (k_len != 16 && k_len != 32)
		return -EINVAL;
	rc = kdf_key_set(&kk, k, k_len);
	if (rc == 0)
		rc = e2m_key_usim_prepared(fc, &kk, rnd, sqn_ak, eid, eid_len, k_e2m);
	kdf_key_clear(&kk);
	return rc;
}

int e2m_key_me(const struct e2m_fc *fc, const uint8_t ck[E2M_CK_LEN],
		    const uint8_t ik[E2M_IK_LEN],
		    const uint8_t rnd[E2M_RAND_LEN],
		    const uint8_t sqn_ak[E2M_SQN_AK_LEN],
		    const uint8_t *eid, size_t eid_len,
		    uint8_t k_e2m[E2M_KEY_LEN])
{
	uint8_t ck_ik[E2M_CK_LEN + E2M_IK_LEN];
	struct e2m_kdf_key kk;
	int rc;

	if (!fc)
		fc = &e2m_fc_default;
	if (!ck || !ik)
		return -EINVAL;
	memcpy(ck_ik, ck, E2M_CK_LEN);
	memcpy(ck_ik + E2M_CK_LEN, ik, E2M_IK_LEN);
	rc = kdf_key_set(&kk, ck_ik, sizeof(ck_ik));
	if (rc == 0)
		rc = e2m_key(&kk, fc->ke2m_me, rnd, sqn_ak, eid, eid_len, k_e2m);
	kdf_key_clear(&kk);
	OPENSSL_cleanse(ck_ik, sizeof(ck_ik));
	return rc;
}

/* The 128 least significant bits of KDF(K_E2M, FC=0xE6, P0=type, P1=alg). */
static int e2m_alg_key(const struct e2m_fc *fc, const struct e2m_kdf_key *k_e2m,
		       uint8_t type, uint8_t alg, uint8_t *key)
{
	const struct e2m_kdf_param p[] = {
		{ .data = &type, .len = 1 },
		{ .data = &alg, .len = 1 },
	};
	uint8_t full[E2M_KDF_OUT_LEN];
	int rc;

	if (!key)
		return -EINVAL;
	rc = e2m_kdf_prepared(k_e2m, fc->alg, p, sizeof(p) / sizeof(p[0]), full);
	if (rc == 0)
		memcpy(key, full + KDF_KEY_HALF, E2M_ALG_KEY_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int e2m_key_int_enc(const struct e2m_fc *fc, const uint8_t k_e2m[E2M_KEY_LEN],
			 uint8_t ia, uint8_t ea, uint8_t k_int[E2M_ALG_KEY_LEN],
			 uint8_t k_enc[E2M_ALG_KEY_LEN], size_t *k_enc_len)
{
	struct e2m_kdf_key kk;
	int rc;

	if (!fc)
		fc = &e2m_fc_default;
	if (!k_e2m || (k_enc && !k_enc_len))
		return -EINVAL;
	if (k_enc_len)
		*k_enc_len = 0;
	rc = kdf_key_set(&kk, k_e2m, E2M_KEY_LEN);
	if (rc == 0 && k_int)
		rc = e2m_alg_key(fc, &kk, E2M_ALG_TYPE_INT, ia, k_int);
	if (rc == 0 && k_enc) {
		if (ea == E2M_EA_NONE) {
			memset(k_enc, 0, E2M_ALG_KEY_LEN);
		} else {
			rc = e2m_alg_key(fc, &kk, E2M_ALG_TYPE_ENC, ea, k_enc);
			*k_enc_len = rc == 0 ? E2M_ALG_KEY_LEN : 0;
		}
	}
	kdf_key_clear(&kk);
	return rc;
}

int e2m_key_int(const struct e2m_fc *fc, const uint8_t k_e2m[E2M_KEY_LEN],
		     uint8_t ia, uint8_t k_int[E2M_ALG_KEY_LEN])
{
	if (!k_int)
		return -EINVAL;
	return e2m_key_int_enc(fc, k_e2m, ia, E2M_EA_NONE, k_int, NULL, NULL);
}

int e2m_key_enc(const struct e2m_fc *fc, const uint8_t k_e2m[E2M_KEY_LEN],
		     uint8_t ea, uint8_t k_enc[E2M_ALG_KEY_LEN], size_t *k_enc_len)
{
	if (!k_enc || !k_enc_len)
		return -EINVAL;
	if (ea == E2M_EA_NONE) {
		memset(k_enc, 0, E2M_ALG_KEY_LEN);
		*k_enc_len = 0;
		return 0;
	}
	return e2m_key_int_enc(fc, k_e2m, 0, ea, NULL, k_enc, k_enc_len);
}

int e2m_kid(const uint8_t rnd[E2M_RAND_LEN], const uint8_t *eid, size_t eid_len,
		 char *kid, size_t cap, size_t *kid_len)
{
	/* EVP_EncodeBlock writes 4 characters per 3 octets and a NUL. */
	unsigned char b64[4 * ((E2M_RAND_LEN + 2) / 3) + 1];
	int n;

	if (!rnd || !kid || e2m_eid_check(eid, eid_len) < 0 || memchr(eid, 0, eid_len))
		return -EINVAL;
	n = EVP_EncodeBlock(b64, rnd, E2M_RAND_LEN);
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
