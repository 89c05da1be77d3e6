/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aka-check PROFILE: the card in reader 0 (personalised from PROFILE, fresh
 * SQN state, PIN1 1234) against libosmocore's AuC as an independent
 * implementation (osmo_auth_gen_vec): AVs accepted with the same RES, CK,
 * IK and Kc; a replay refused with an AUTS that libosmocore resynchronises
 * on; a fresh SQN in another IND slot accepted once; an SQN beyond the delta
 * limit refused; E2M keys equal to the doc/e2m-profile.md derivation; the GSM
 * context and RUN GSM ALGORITHM equal to libosmocore's triplet. TAP output. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/crypt/auth.h>

#include "common/log.h"
#include "apdu/pcsc.h"
#include "e2m/kdf.h"
#include "usim/profile.h"

static struct apdu_transport t;
static int test_no, failed;

static void check(bool ok, const char *what)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", ++test_no, what);
	failed += !ok;
}

static uint16_t xfer(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
		     size_t nc, uint8_t *out, size_t *out_len)
{
	uint8_t buf[512];
	struct apdu_cmd cmd = { .cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .nc = (uint16_t)nc,
				.ne = 256, .data = data };
	struct apdu_rsp rsp = { .buf = buf, .cap = sizeof(buf) };

	if (apdu_transceive(&t, &cmd, &rsp) < 0)
		return 0;
	if (out) {
		memcpy(out, buf, rsp.len);
		*out_len = rsp.len;
	}
	return rsp.sw;
}

/* AUTHENTICATE 3G context; the answer in out. */
static uint16_t auth_3g(const struct osmo_auth_vector *v, uint8_t *out, size_t *len)
{
	uint8_t d[34] = { 16 };

	memcpy(d + 1, v->rand, 16);
	d[17] = 16;
	memcpy(d + 18, v->autn, 16);
	return xfer(0x00, 0x88, 0x00, 0x81, d, sizeof(d), out, len);
}

/* 'DB' 08 RES 10 CK 10 IK 08 Kc, as libosmocore computed them */
static bool same_keys(const struct osmo_auth_vector *v, const uint8_t *r, size_t len)
{
	uint8_t want[64];
	size_t n = 0;

	want[n++] = 0xDB;
	want[n++] = v->res_len;
	memcpy(want + n, v->res, v->res_len);
	n += v->res_len;
	want[n++] = 16;
	memcpy(want + n, v->ck, 16);
	n += 16;
	want[n++] = 16;
	memcpy(want + n, v->ik, 16);
	n += 16;
	want[n++] = 8;
	memcpy(want + n, v->kc, 8);
	n += 8;
	return len == n && !memcmp(want, r, n);
}

/* An AV for SQN = SEQ || IND. libosmocore's Milenage steps the SQN it is
 * given (SEQ + 1 in the IND slot asked for); its XOR uses it as it is. */
static uint64_t gen(struct osmo_sub_auth_data *aud, struct osmo_auth_vector *v, const uint8_t *rnd,
		    uint64_t seq, unsigned int ind)
{
	unsigned int bits = aud->u.umts.ind_bitlen;

	aud->u.umts.ind = ind;
	aud->u.umts.sqn = aud->algo == OSMO_AUTH_ALG_XOR ? (seq << bits | ind) : ((seq - 1) << bits | ind);
	osmo_auth_gen_vec(v, aud, rnd);
	return seq << bits | ind;
}

static void umts_checks(struct osmo_sub_auth_data *aud, const struct usim_profile *p)
{
	struct osmo_auth_vector v, v2;
	unsigned int bits = aud->u.umts.ind_bitlen;
	uint8_t r[512], rnd[16];
	size_t len;
	uint64_t sqn_used;

	for (int i = 0; i < 16; i++)
		rnd[i] = (uint8_t)random();
	/* 1: an AV, accepted with libosmocore's keys */
	sqn_used = gen(aud, &v, rnd, 100 + (uint64_t)(random() % 1000), 0);
	{
		uint16_t sw = auth_3g(&v, r, &len);
		bool ok = sw == 0x9000 && same_keys(&v, r, len);
		if (!ok)
			printf("# card answered %04X %s\n", sw, osmo_hexdump_nospc(r, len));
		check(ok, "3G context: RES, CK, IK, Kc equal libosmocore's");
	}

	/* 2: the same AV again: AUTS; libosmocore recovers the card's SQN_MS
	 * from it (the same RAND for the next AV: libosmocore 1.7's XOR
	 * resynchronisation takes the new RAND for the old one) */
	check(auth_3g(&v, r, &len) == 0x9000 && len == 16 && r[0] == 0xDC && r[1] == 14,
	      "replayed AUTN answered 'DC' AUTS");
	aud->u.umts.sqn_ms = 0;
	check(osmo_auth_gen_vec_auts(&v2, aud, r + 2, v.rand, v.rand) == 0 &&
	      aud->u.umts.sqn_ms == sqn_used,
	      "osmo_auth_gen_vec_auts accepts the AUTS: SQN_MS is the card's last SQN");
	gen(aud, &v2, rnd, (aud->u.umts.sqn_ms >> bits) + 1, 0);
	check(auth_3g(&v2, r, &len) == 0x9000 && same_keys(&v2, r, len),
	      "an AV after SQN_MS is accepted");

	/* 3: another IND slot, with a lower SEQ than the highest: fresh, once */
	gen(aud, &v, rnd, 1, 7);
	check(auth_3g(&v, r, &len) == 0x9000 && same_keys(&v, r, len),
	      "a fresh SQN in another IND slot is accepted");
	check(auth_3g(&v, r, &len) == 0x9000 && r[0] == 0xDC, "... once");

	/* 4: beyond the delta limit (2^28 SEQ ahead) */
	gen(aud, &v, rnd, (sqn_used >> bits) + (1ull << 28) + 5, 1);
	check(auth_3g(&v, r, &len) == 0x9000 && r[0] == 0xDC, "an SQN beyond the delta limit is refused");

	/* 5: the E2M context, keys by the doc/e2m-profile.md derivation from K */
	if (p->e2m.present) {
		static const char eid[] = "hse.example.org";
		uint8_t d[64], k_e2m[32], k_int[16], k_enc[16];
		size_t n = 0, k_enc_len;
		struct e2m_fc fc = E2M_FC_DEFAULT;
		gen(aud, &v, rnd, (sqn_used >> bits) + 50, 2);
		d[n++] = 16; memcpy(d + n, v.rand, 16); n += 16;
		d[n++] = 16; memcpy(d + n, v.autn, 16); n += 16;
		d[n++] = sizeof(eid) - 1; memcpy(d + n, eid, sizeof(eid) - 1); n += sizeof(eid) - 1;
		d[n++] = 0;
		d[n++] = 1; d[n++] = 0x11;
		e2m_key_usim(&fc, p->ki, p->ki_len, v.rand, v.autn, (const uint8_t *)eid,
				  sizeof(eid) - 1, k_e2m);
		e2m_key_int(&fc, k_e2m, 1, k_int);
		e2m_key_enc(&fc, k_e2m, 1, k_enc, &k_enc_len);
		check(xfer(0x00, 0x88, 0x00, 0x83, d, n, r, &len) == 0x9000 && len == 1 + 9 + 17 + 17 + 17 + 17 &&
		      !memcmp(r + 2, v.res, 8) && !memcmp(r + 11, v.ck, 16) && !memcmp(r + 28, v.ik, 16) &&
		      r[44] == 16 && !memcmp(r + 45, k_int, 16) && r[61] == 16 && !memcmp(r + 62, k_enc, 16),
		      "E2M context: access keys equal libosmocore's, E2M keys the derivation's");
	}
	aud->u.umts.sqn = sqn_used + (100ull << bits);
}

static void gsm_checks(struct osmo_sub_auth_data *aud, bool umts)
{
	struct osmo_auth_vector v;
	uint8_t r[64], rnd[16], d[17] = { 16 };
	size_t len;

	for (int i = 0; i < 16; i++)
		rnd[i] = (uint8_t)random();
	if (umts)
		gen(aud, &v, rnd, (aud->u.umts.sqn >> aud->u.umts.ind_bitlen) + 1, 3);
	else
		osmo_auth_gen_vec(&v, aud, rnd);
	memcpy(d + 1, rnd, 16);
	if (umts)
		check(xfer(0x00, 0x88, 0x00, 0x80, d, sizeof(d), r, &len) == 0x9000 && len == 14 &&
		      !memcmp(r + 1, v.sres, 4) && !memcmp(r + 6, v.kc, 8),
		      "GSM context: SRES and Kc equal libosmocore's");
	check(xfer(0xA0, 0xA4, 0x00, 0x00, (const uint8_t[]){ 0x7F, 0x20 }, 2, r, &len) == 0x9000 &&
	      xfer(0xA0, 0x88, 0x00, 0x00, rnd, 16, r, &len) == 0x9000 && len == 12 &&
	      !memcmp(r, v.sres, 4) && !memcmp(r + 4, v.kc, 8),
	      "RUN GSM ALGORITHM: SRES and Kc equal libosmocore's");
}

int main(int argc, char **argv)
{
	static const uint8_t aid[7] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };
	static const uint8_t pin[8] = { '1', '2', '3', '4', 0xFF, 0xFF, 0xFF, 0xFF };
	struct usim_profile *p = calloc(1, sizeof(*p));
	struct osmo_sub_auth_data aud = { 0 };
	char err[256];
	bool umts;

	if (argc != 2) {
		fprintf(stderr, "usage: aka-check PROFILE\n");
		return 2;
	}
	common_log_init(talloc_named_const(NULL, 0, "aka-check"), -1);
	srandom(1);
	if (usim_profile_load(p, argv[1], err, sizeof(err)) < 0) {
		printf("Bail out! %s: %s\n", argv[1], err);
		return 1;
	}
	umts = !strcmp(p->algorithm, "milenage") || !strcmp(p->algorithm, "xor");
	aud.type = umts ? OSMO_AUTH_TYPE_UMTS : OSMO_AUTH_TYPE_GSM;
	aud.algo = osmo_auth_alg_parse(!strcmp(p->algorithm, "comp128v1") ? "COMP128v1" :
				       !strcmp(p->algorithm, "comp128v2") ? "COMP128v2" :
				       !strcmp(p->algorithm, "comp128v3") ? "COMP128v3" :
				       !strcmp(p->algorithm, "xor") ? "XOR" : "MILENAGE");
	if (umts) {
		memcpy(aud.u.umts.k, p->ki, 16);
		memcpy(aud.u.umts.opc, p->opc, 16);
		aud.u.umts.opc_is_op = p->op_given;
		aud.u.umts.ind_bitlen = p->sqn.ind_bits;
		aud.u.umts.amf[0] = 0x80;
	} else {
		memcpy(aud.u.gsm.ki, p->ki, 16);
	}
	printf("1..%d\n", umts ? (p->e2m.present ? 10 : 9) : 1);
	if (apdu_pcsc_open(&t, "0") < 0 ||
	    xfer(0x00, 0xA4, 0x04, 0x0C, aid, sizeof(aid), NULL, NULL) != 0x9000 ||
	    xfer(0x00, 0x20, 0x00, 0x01, pin, sizeof(pin), NULL, NULL) != 0x9000) {
		printf("Bail out! card in reader 0 not usable\n");
		return 1;
	}
	if (umts)
		umts_checks(&aud, p);
	gsm_checks(&aud, umts);
	apdu_transport_close(&t);
	usim_profile_clear(p);
	free(p);
	return failed ? 1 : 0;
}
