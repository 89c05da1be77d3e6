/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keyflow: the key agreements of TR 33.863, measured (tools/keyflow.sh runs
 * it). One run is one solution for N subscribers against real e2msim-keyd
 * processes (keyd/API.md): the HSE store, the HSS store and the EMKS.
 *
 * Per subscriber, as doc/e2m-profile.md 5 orders the events:
 *  (1) the HSS makes --avs AVs (one SendAuthInfo) and, per AV, the keyset;
 *      A, E: pushed to the HSE store; B, C: kept in the HSS store; D: pushed
 *      to the EMKS; S3: the keyset of the second AV pushed to the HSE store.
 *  AKA: the ME (the bridge of bridge/, over an in-process card) runs
 *      AUTHENTICATE with the first AV: E2M context for A-D (card with DF.E2M),
 *      3G context plus the variant E derivation for E (card without).
 *      S3: the access AKA in the 3G context, then the HSE relays the second
 *      AV's challenge on the user plane and the card runs it in the E2M
 *      context (a second, separate AKA run, doc/e2m-profile.md 3).
 *  (2) B: the network's session event makes the HSS store forward the used
 *      keyset to the HSE store.
 *  (3) the device's first protected message (e2m/msg.h) names its
 *      E2M-KID; the HSE fetches the keyset (A, B, E, S3: its own store; C:
 *      the HSS store; D: the EMKS) and checks the MAC.
 *
 * Every agreement is checked: RES = XRES, the HSE's keys = the device's,
 * MAC accepted. Counted per interface: requests and answers (messages) and
 * application octets (keyd_client_stats); on the user plane the E2M octets
 * themselves. Printed: one JSON object per run (tools/keyflow.sh makes the
 * table). Not a test: a benchmark program. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <osmocom/core/talloc.h>

#include "common/clock.h"
#include "apdu/apdu.h"
#include "common/log.h"
#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "apdu/transport.h"
#include "bridge/bridge.h"
#include "keyd/client.h"
#include "keyd/hss.h"
#include "aka/auc.h"
#include "aka/auth_apdu.h"
#include "usim/card.h"
#include "e2m/hss.h"
#include "e2m/keyset.h"
#include "e2m/msg.h"
#include "usim/profile.h"
#include "usim/store.h"

#define HSE_EID		"hse.example.org"
#define AVS_MAX		5	/* Number of Requested Vectors, TS 29.272 7.3.11 */
#define PAYLOAD		"meter 0042: 17.3 m3"

enum solution { SOL_A, SOL_B, SOL_C, SOL_D, SOL_E, SOL_3, SOL_COUNT };

/* The interfaces that carry E2M keysets or E2M signalling. */
enum iface {
	IF_HSS_HSE,		/* HSS -> HSE store: push (A, E, S3) */
	IF_HSS_STORE,		/* HSS -> its own store (B, C): inside the HSS */
	IF_HSS_EMKS,		/* HSS -> EMKS (D) */
	IF_SESSION,		/* network -> HSS store: session event (B) */
	IF_HSSSTORE_HSE,	/* HSS store -> HSE store: forward at the session event (B) */
	IF_HSE_PULL_HSS,	/* HSE -> HSS store: pull (C) */
	IF_HSE_PULL_EMKS,	/* HSE -> EMKS: pull (D) */
	IF_HSE_STORE,		/* HSE -> its own store (A, B, E, S3): inside the HSE */
	IF_UE_HSE,		/* UE <-> HSE on the user plane, E2M octets */
	IF_COUNT
};

static const char *const iface_names[IF_COUNT] = {
	[IF_HSS_HSE] = "hss_hse",
	[IF_HSS_STORE] = "hss_internal",
	[IF_HSS_EMKS] = "hss_emks",
	[IF_SESSION] = "session_event",
	[IF_HSSSTORE_HSE] = "hss_hse_forward",
	[IF_HSE_PULL_HSS] = "hse_hss_pull",
	[IF_HSE_PULL_EMKS] = "hse_emks_pull",
	[IF_HSE_STORE] = "hse_internal",
	[IF_UE_HSE] = "ue_hse",
};

struct solution_desc {
	const char *name;
	bool card_e2m;			/* the card has DF.E2M */
	enum keyd_derivation derivation;
	enum iface push_iface;		/* where the HSS sends keysets at (1) */
	enum iface pull_iface;		/* where the HSE fetches at (3) */
	const char *stores;		/* who stores keysets until used (doc/e2m-profile.md 5) */
};

static const struct solution_desc solutions[SOL_COUNT] = {
	[SOL_A] = { .name = "A", .card_e2m = true, .derivation = KEYD_DERIVED_USIM,
		    .push_iface = IF_HSS_HSE, .pull_iface = IF_HSE_STORE,
		    .stores = "HSE" },
	[SOL_B] = { .name = "B", .card_e2m = true, .derivation = KEYD_DERIVED_USIM,
		    .push_iface = IF_HSS_STORE, .pull_iface = IF_HSE_STORE,
		    .stores = "HSS" },
	[SOL_C] = { .name = "C", .card_e2m = true, .derivation = KEYD_DERIVED_USIM,
		    .push_iface = IF_HSS_STORE, .pull_iface = IF_HSE_PULL_HSS,
		    .stores = "HSS" },
	[SOL_D] = { .name = "D", .card_e2m = true, .derivation = KEYD_DERIVED_USIM,
		    .push_iface = IF_HSS_EMKS, .pull_iface = IF_HSE_PULL_EMKS,
		    .stores = "EMKS" },
	[SOL_E] = { .name = "E", .card_e2m = false, .derivation = KEYD_DERIVED_ME,
		    .push_iface = IF_HSS_HSE, .pull_iface = IF_HSE_STORE,
		    .stores = "HSE (as A)" },
	[SOL_3] = { .name = "3", .card_e2m = true, .derivation = KEYD_DERIVED_USIM,
		    .push_iface = IF_HSS_HSE, .pull_iface = IF_HSE_STORE,
		    .stores = "HSE (as A)" },
};

/* The three services and the identities that talk to them. */
enum service { SVC_HSE_STORE, SVC_HSS_STORE, SVC_EMKS, SVC_COUNT };

static const char *const service_names[SVC_COUNT] = {
	[SVC_HSE_STORE] = "hse_store",
	[SVC_HSS_STORE] = "hss_store",
	[SVC_EMKS] = "emks",
};

struct counter {
	unsigned long long messages, bytes;
};

struct keyflow {
	const struct solution_desc *sol;
	unsigned int subscribers, avs;
	const char *url[SVC_COUNT];
	struct keyd_client_tls hss_tls, hse_tls;
	/* the HSS (also the network's session event), and the HSE, per service */
	struct keyd_client *hss[SVC_COUNT], *hse[SVC_COUNT];
	struct counter iface[IF_COUNT];
	double *latency;		/* seconds from AKA to the HSE holding the key */
	unsigned long aka_runs;		/* AUTHENTICATE runs the card answered with RES */
	bool card_context, me_derived;	/* the ME used the card's E2M context / variant E */
	unsigned int agreements, failures;
	char first_failure[256];
};

static void fail(struct keyflow *kf, const char *what, unsigned int sub)
{
	if (!kf->failures++)
		snprintf(kf->first_failure, sizeof(kf->first_failure), "subscriber %u: %s", sub,
			 what);
}

/* --- the device: an in-process card behind an apdu_transport ----------- */

static int card_transmit(struct apdu_transport *t, const uint8_t *capdu, size_t clen,
			 uint8_t *rapdu, size_t rcap, size_t *rlen)
{
	*rlen = usim_card_apdu(t->priv, capdu, clen, rapdu, rcap);
	return *rlen >= 2 ? 0 : -EIO;
}

static const struct apdu_transport_ops card_transport_ops = {
	.name = "in-process card",
	.transmit = card_transmit,
};

struct device {
	struct usim_profile profile;
	struct usim_store *store;
	struct usim_card *card;
	struct apdu_transport transport;
	struct bridge me;
	const struct aka_alg *alg;	/* the HSS's copy of the subscription */
	struct aka_alg_keys keys;
	uint64_t seq;
};

/* Subscriber sub: K from its number, OPc and EID of doc/e2m-profile.md 6. */
static int device_open(struct device *d, unsigned int sub, bool card_e2m)
{
	static const uint8_t select_usim[] = { 0x00, 0xA4, 0x04, 0x0C, 0x07,
		0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };
	static const uint8_t verify_pin1[] = { 0x00, 0x20, 0x00, 0x01, 0x08,
		'1', '2', '3', '4', 0xFF, 0xFF, 0xFF, 0xFF };
	char json[512], err[256];
	uint8_t r[64];

	memset(d, 0, sizeof(*d));
	snprintf(json, sizeof(json),
		 "{\"iccid\": \"89001%014u\", \"imsi\": \"00101%010u\", \"algorithm\": \"milenage\","
		 " \"ki\": \"465b5ce8b199b49f%016x\", \"opc\": \"cd63cb71954a9f4e48a5994e37a02baf\"%s}",
		 sub, sub, sub,
		 card_e2m ? ", \"e2m\": {\"eids\": [\"" HSE_EID "\"], \"alg\": \"11\"}" : "");
	if (usim_profile_parse(&d->profile, json, strlen(json), err, sizeof(err)) < 0 ||
	    usim_profile_keys(&d->profile, &d->alg, &d->keys) < 0 ||
	    usim_store_open(&d->store, ":memory:", err, sizeof(err)) < 0 ||
	    usim_card_new(&d->card, &d->profile, d->store, true, err, sizeof(err)) < 0)
		return -1;
	d->seq = d->profile.sqn_seq[0];
	if (usim_card_apdu(d->card, select_usim, sizeof(select_usim), r, sizeof(r)) != 2 ||
	    r[0] != 0x90 ||
	    usim_card_apdu(d->card, verify_pin1, sizeof(verify_pin1), r, sizeof(r)) != 2 ||
	    r[0] != 0x90)
		return -1;
	d->transport = (struct apdu_transport){ .ops = &card_transport_ops, .priv = d->card };
	/* the ME's E2M policy: defaults, as e2msim-bridge without --config */
	bridge_init(&d->me, &d->transport, &d->profile.e2m, false);
	if (!card_e2m) {
		struct e2m_config cfg;

		e2m_config_defaults(&cfg);
		bridge_init(&d->me, &d->transport, &cfg, false);
	}
	return 0;
}

static void device_close(struct device *d)
{
	usim_card_free(d->card);
	usim_store_close(d->store);
	usim_profile_clear(&d->profile);
	OPENSSL_cleanse(d, sizeof(*d));
}

/* xorshift64*: RANDs that differ, reproducibly */
static void next_rand(uint64_t *state, uint8_t out[16])
{
	for (size_t i = 0; i < 16; i++) {
		*state ^= *state >> 12;
		*state ^= *state << 25;
		*state ^= *state >> 27;
		out[i] = (uint8_t)((*state * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

/* --- the HSS ------------------------------------------------------------ */

struct hss_av {
	struct aka_auc_vec av;
	uint8_t rand[16];
	struct keyd_keyset ks;
};

/* AV and keyset (doc/e2m-profile.md 2), made by the HSS's own code. */
static int hss_make_av(struct device *d, enum keyd_derivation derivation, uint64_t *rng,
		       struct hss_av *out)
{
	static const uint8_t amf[2] = { 0x80, 0x00 };
	const struct e2m_hss_request r = { .eid = HSE_EID, .alg = 0x11, .confidentiality = true };
	bool from_me = derivation == KEYD_DERIVED_ME, have_usim;
	struct e2m_keyset ks;
	uint64_t sqn;
	int rc;

	next_rand(rng, out->rand);
	if (aka_auc_sqn_compose(++d->seq, 0, d->profile.sqn.ind_bits, &sqn) < 0 ||
	    aka_auc_gen_vec(d->alg, &d->keys, out->rand, sqn, amf, &out->av) < 0)
		return -1;
	rc = e2m_hss_keysets(&d->profile.e2m, &d->keys, &out->av, &r, from_me ? NULL : &ks,
			     from_me ? &ks : NULL, &have_usim);
	if (rc == 0 && !from_me && !have_usim)
		rc = -EINVAL;
	if (rc == 0)
		rc = keyd_hss_keyset(&out->ks, &ks, HSE_EID, 0x11, derivation);
	e2m_keyset_clear(&ks);
	return rc < 0 ? -1 : 0;
}

static void hss_av_clear(struct hss_av *a)
{
	aka_auc_vec_clear(&a->av);
	keyd_keyset_clear(&a->ks);
}

/* --- counting ------------------------------------------------------------ */

/* One request over client c on interface i: 2 messages, and the octets. */
static void count_request(struct keyflow *kf, enum iface i, const struct keyd_client *c,
			  const struct keyd_client_stats *before)
{
	const struct keyd_client_stats *s = keyd_client_stats(c);

	kf->iface[i].messages += 2 * (s->requests - before->requests);
	kf->iface[i].bytes += (s->bytes_sent - before->bytes_sent) +
			      (s->bytes_received - before->bytes_received);
}

static void count_user_plane(struct keyflow *kf, size_t octets)
{
	kf->iface[IF_UE_HSE].messages++;
	kf->iface[IF_UE_HSE].bytes += octets;
}

/* Which service and client an interface's requests go to. */
static enum service iface_service(enum iface i)
{
	switch (i) {
	case IF_HSS_STORE:
	case IF_SESSION:
	case IF_HSE_PULL_HSS:
		return SVC_HSS_STORE;
	case IF_HSS_EMKS:
	case IF_HSE_PULL_EMKS:
		return SVC_EMKS;
	default:
		return SVC_HSE_STORE;
	}
}

static int push(struct keyflow *kf, enum iface i, const struct keyd_keyset *ks)
{
	struct keyd_client *c = kf->hss[iface_service(i)];
	struct keyd_client_stats before = *keyd_client_stats(c);
	char err[256];
	int st = keyd_client_push(c, ks, NULL, err, sizeof(err));

	count_request(kf, i, c, &before);
	return st == 201 ? 0 : -1;
}

static int hse_fetch(struct keyflow *kf, const char *kid, struct keyd_keyset *ks)
{
	enum iface i = kf->sol->pull_iface;
	struct keyd_client *c = kf->hse[iface_service(i)];
	struct keyd_client_stats before = *keyd_client_stats(c);
	char err[256];
	int st = keyd_client_fetch(c, kid, ks, err, sizeof(err));

	count_request(kf, i, c, &before);
	return st == 200 ? 0 : -1;
}

static int session_event(struct keyflow *kf, const char *kid)
{
	struct keyd_client *c = kf->hss[SVC_HSS_STORE];
	struct keyd_client_stats before = *keyd_client_stats(c);
	char err[256];
	int st = keyd_client_session(c, kid, err, sizeof(err));

	count_request(kf, IF_SESSION, c, &before);
	return st == 200 ? 0 : -1;
}

/* --- one key agreement -------------------------------------------------- */

/* AUTHENTICATE's command data for the AV: LV(RAND) LV(AUTN) and, in the
 * E2M context, LV(EID) LV(SNID, unknown) LV(ALG '11') (doc/e2m-profile.md 3). */
static size_t auth_data(const struct hss_av *a, bool e2m, uint8_t *out, size_t cap)
{
	static const uint8_t alg = 0x11;	/* EA 1, IA 1 */
	struct aka_auth_lvs f = { .n = 0 };

	aka_auth_lvs_add(&f, a->rand, sizeof(a->rand));
	aka_auth_lvs_add(&f, a->av.autn, a->av.autn_len);
	if (e2m) {
		aka_auth_lvs_add(&f, (const uint8_t *)HSE_EID, strlen(HSE_EID));
		aka_auth_lvs_add(&f, NULL, 0);
		aka_auth_lvs_add(&f, &alg, 1);
	}
	return aka_auth_cmd_data(&f, out, cap);
}

/* The fields of a successful answer ('DB' L RES L CK L IK ..., TS 31.102
 * 7.1.2.1; doc/e2m-profile.md 3 adds L K_E2M_int L K_E2M_enc), at least
 * min of them; 0 when the answer is one and its RES is the AV's XRES. */
static int auth_fields(const struct apdu_rsp *rsp, const struct hss_av *a, unsigned int min,
		       struct aka_auth_lvs *f)
{
	uint8_t tag;

	if (rsp->sw != APDU_SW_OK || aka_auth_answer_parse(rsp->buf, rsp->len, &tag, f) < 0 ||
	    tag != AKA_AUTH_TAG_OK || f->n < min)
		return -1;
	return f->len[0] == a->av.xres_len && !memcmp(f->val[0], a->av.xres, f->len[0]) ? 0 : -1;
}

/* The E2M context through the ME (the bridge: the card's own context, or
 * variant E for a card without one); the keys it returns. */
static int device_authenticate(struct device *d, const struct hss_av *a,
			       uint8_t k_int[16], uint8_t k_enc[16], size_t *k_enc_len)
{
	enum { RES, CK, IK, K_INT, K_ENC, FIELDS };
	uint8_t data[64], rbuf[300];
	struct apdu_rsp rsp = { .buf = rbuf, .cap = sizeof(rbuf) };
	struct aka_auth_lvs f;
	size_t n = auth_data(a, true, data, sizeof(data));
	int rc = -1;

	if (!n || bridge_e2m_authenticate(&d->me, 0x00, data, n, &rsp) < 0 ||
	    auth_fields(&rsp, a, FIELDS, &f) < 0 || f.len[K_INT] != 16 ||
	    (f.len[K_ENC] != 0 && f.len[K_ENC] != 16))
		goto out;
	memcpy(k_int, f.val[K_INT], 16);
	memcpy(k_enc, f.val[K_ENC], f.len[K_ENC]);
	*k_enc_len = f.len[K_ENC];
	rc = 0;
out:
	OPENSSL_cleanse(rbuf, sizeof(rbuf));
	return rc;
}

/* The 3G context on the card: the access AKA of solution 3, RES checked. */
static int device_access_aka(struct device *d, const struct hss_av *a)
{
	uint8_t data[64], rbuf[300];
	struct apdu_rsp rsp = { .buf = rbuf, .cap = sizeof(rbuf) };
	struct apdu_cmd cmd = { .ins = AKA_AUTH_INS, .p2 = AKA_AUTH_P2_3G, .ne = 256, .data = data };
	struct aka_auth_lvs f;
	int rc;

	cmd.nc = (uint16_t)auth_data(a, false, data, sizeof(data));
	rc = cmd.nc && apdu_transceive(&d->transport, &cmd, &rsp) == 0 &&
	     auth_fields(&rsp, a, 1, &f) == 0 ? 0 : -1;
	OPENSSL_cleanse(rbuf, sizeof(rbuf));
	return rc;
}

static int agree(struct keyflow *kf, unsigned int sub, uint64_t *rng)
{
	const struct solution_desc *sol = kf->sol;
	struct hss_av avs[AVS_MAX];
	struct keyd_keyset held;
	struct e2m_msg parsed;
	struct device d;
	uint8_t k_int[16], k_enc[16], msg[512];
	size_t k_enc_len = 0, msg_len;
	unsigned int used = sol == &solutions[SOL_3] ? 1 : 0;
	double t_aka;
	int rc = -1;

	memset(avs, 0, sizeof(avs));
	memset(&held, 0, sizeof(held));
	if (device_open(&d, sub, sol->card_e2m) < 0) {
		fail(kf, "card could not be made", sub);
		goto out;
	}
	/* (1) SendAuthInfo: the AVs and their keysets; the pushes of (1) */
	for (unsigned int i = 0; i < kf->avs; i++) {
		if (hss_make_av(&d, sol->derivation, rng, &avs[i]) < 0) {
			fail(kf, "AV generation failed", sub);
			goto out;
		}
		if (sol == &solutions[SOL_3] && i != used)
			continue;	/* S3: only the second run's AV has keys */
		if (push(kf, sol->push_iface, &avs[i].ks) < 0) {
			fail(kf, "push refused", sub);
			goto out;
		}
	}
	/* AKA */
	if (sol == &solutions[SOL_3]) {
		if (device_access_aka(&d, &avs[0]) < 0) {
			fail(kf, "access AKA failed", sub);
			goto out;
		}
		kf->aka_runs++;
		/* the HSE's challenge (RAND, AUTN, EID) and the RES back */
		count_user_plane(kf, 2 + 16 + 16 + 1 + strlen(HSE_EID));
		count_user_plane(kf, 1 + avs[used].av.xres_len);
	}
	if (device_authenticate(&d, &avs[used], k_int, k_enc, &k_enc_len) < 0) {
		fail(kf, "E2M AUTHENTICATE failed", sub);
		goto out;
	}
	kf->aka_runs++;
	kf->card_context |= d.me.mode == BRIDGE_CARD_CONTEXT;
	kf->me_derived |= d.me.mode == BRIDGE_VARIANT_E;
	t_aka = common_now_s();
	/* (2) B: the session event */
	if (sol == &solutions[SOL_B] && session_event(kf, avs[used].ks.kid) < 0) {
		fail(kf, "session event refused", sub);
		goto out;
	}
	/* (3) the first protected message, and the HSE's fetch */
	if (e2m_msg_build(0x01, k_int, avs[used].ks.kid, (const uint8_t *)PAYLOAD,
			       strlen(PAYLOAD), msg, sizeof(msg), &msg_len) < 0) {
		fail(kf, "message not built", sub);
		goto out;
	}
	count_user_plane(kf, msg_len);
	if (hse_fetch(kf, avs[used].ks.kid, &held) < 0) {
		fail(kf, "HSE fetch refused", sub);
		goto out;
	}
	kf->latency[kf->agreements] = common_now_s() - t_aka;
	if (memcmp(held.k_int, k_int, 16) || held.k_enc_len != k_enc_len ||
	    memcmp(held.k_enc, k_enc, k_enc_len) || e2m_msg_parse(msg, msg_len, &parsed) < 0 ||
	    e2m_msg_verify(&parsed, held.kid, held.alg & 0x0f, held.k_int) < 0) {
		fail(kf, "HSE and device disagree", sub);
		goto out;
	}
	kf->agreements++;
	rc = 0;
out:
	for (unsigned int i = 0; i < AVS_MAX; i++)
		hss_av_clear(&avs[i]);
	keyd_keyset_clear(&held);
	OPENSSL_cleanse(k_int, sizeof(k_int));
	OPENSSL_cleanse(k_enc, sizeof(k_enc));
	device_close(&d);
	return rc;
}

/* --- the run and its report ---------------------------------------------- */

static double quantile(const double *sorted, unsigned int n, double q)
{
	return n ? sorted[(unsigned int)(q * (n - 1) + 0.5)] : 0;
}

/* The nodes that took part with E2M code, from what the run did: the
 * card's E2M context (USIM) or variant E (ME); the ME relaying an AKA
 * challenge on the user plane (more than the first message per agreement);
 * the HSS pushing; the HSE fetching; a session event; an EMKS holding. */
static void nodes_changed(const struct keyflow *kf, const struct keyd_status *st,
			  char *out, size_t cap)
{
	const struct counter *i = kf->iface;
	bool relay = i[IF_UE_HSE].messages > kf->agreements;

	snprintf(out, cap, "%s%s%s%s%s%s%s%s",
		 kf->card_context ? "USIM, " : "",
		 kf->me_derived || relay ? "ME, " : "",
		 i[IF_HSS_HSE].messages + i[IF_HSS_STORE].messages + i[IF_HSS_EMKS].messages ?
			"HSS, " : "",
		 i[IF_HSE_STORE].messages + i[IF_HSE_PULL_HSS].messages +
			i[IF_HSE_PULL_EMKS].messages ? "HSE" : "",
		 i[IF_SESSION].messages ? ", session event (P-GW)" : "",
		 st[SVC_EMKS].peak ? ", EMKS (new)" : "",
		 kf->card_context ? "" : " (USIM unchanged)",
		 relay ? " (relays the second AKA run)" : "");
}

static void report(struct keyflow *kf, double wall)
{
	struct keyd_status st[SVC_COUNT];
	char err[256], changed[160];

	/* keysets held, and the forwards that the HSS store made (B) */
	for (int s = 0; s < SVC_COUNT; s++) {
		memset(&st[s], 0, sizeof(st[s]));
		if (keyd_client_status(kf->hss[s], &st[s], err, sizeof(err)) != 200)
			fail(kf, "status refused", 0);
	}
	kf->iface[IF_HSSSTORE_HSE].messages = 2ULL * st[SVC_HSS_STORE].forward_requests;
	kf->iface[IF_HSSSTORE_HSE].bytes = st[SVC_HSS_STORE].forward_bytes;
	nodes_changed(kf, st, changed, sizeof(changed));

	common_sort_doubles(kf->latency, kf->agreements);
	printf("{\"solution\": \"%s\", \"subscribers\": %u, \"avs\": %u, \"agreements\": %u,"
	       " \"failures\": %u, \"first_failure\": \"%s\", \"seconds\": %.3f,"
	       " \"aka_runs\": %u, \"changed\": \"%s\", \"stores\": \"%s\",", kf->sol->name,
	       kf->subscribers, kf->avs, kf->agreements, kf->failures, kf->first_failure, wall,
	       kf->agreements ? (unsigned int)(kf->aka_runs / kf->agreements) : 0, changed,
	       kf->sol->stores);
	printf(" \"latency_us\": {\"median\": %.0f, \"p99\": %.0f},",
	       1e6 * quantile(kf->latency, kf->agreements, 0.5),
	       1e6 * quantile(kf->latency, kf->agreements, 0.99));
	printf(" \"interfaces\": {");
	for (int i = 0; i < IF_COUNT; i++)
		printf("%s\"%s\": {\"messages\": %llu, \"bytes\": %llu}", i ? ", " : "",
		       iface_names[i], kf->iface[i].messages, kf->iface[i].bytes);
	printf("}, \"held\": {");
	for (int s = 0; s < SVC_COUNT; s++)
		printf("%s\"%s\": {\"peak\": %lu, \"rest\": %lu}", s ? ", " : "",
		       service_names[s], st[s].peak, st[s].held);
	printf("}}\n");
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: keyflow --solution A|B|C|D|E|3 --certs DIR --hse-store URL --hss-store URL\n"
		"               --emks URL [--subscribers N] [--avs N]\n"
		"Runs N subscribers (default 10000) through AKA and the E2M key agreement of\n"
		"one solution of TR 33.863 against running e2msim-keyd services, with --avs\n"
		"AVs (1..%d, default 5) per SendAuthInfo, and prints one JSON object of\n"
		"messages and octets per interface, keysets held, and latency.\n"
		"DIR: tools/keyd-certs.sh's PKI (ca.pem, hss.example.net.*, hse.example.org.*).\n",
		AVS_MAX);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "solution", required_argument, NULL, 's' },
		{ "certs", required_argument, NULL, 'c' },
		{ "hse-store", required_argument, NULL, 'H' },
		{ "hss-store", required_argument, NULL, 'S' },
		{ "emks", required_argument, NULL, 'E' },
		{ "subscribers", required_argument, NULL, 'n' },
		{ "avs", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct keyflow kf = { .subscribers = 10000, .avs = 5 };
	char ca[512], hss_cert[512], hss_key[512], hse_cert[512], hse_key[512];
	const char *certs = NULL;
	uint64_t rng = 0x9E3779B97F4A7C15ULL;
	double t0;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			for (int i = 0; i < SOL_COUNT; i++)
				if (!strcmp(optarg, solutions[i].name))
					kf.sol = &solutions[i];
			break;
		case 'c': certs = optarg; break;
		case 'H': kf.url[SVC_HSE_STORE] = optarg; break;
		case 'S': kf.url[SVC_HSS_STORE] = optarg; break;
		case 'E': kf.url[SVC_EMKS] = optarg; break;
		case 'n': kf.subscribers = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'a': kf.avs = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!kf.sol || !certs || !kf.url[SVC_HSE_STORE] || !kf.url[SVC_HSS_STORE] ||
	    !kf.url[SVC_EMKS] || kf.subscribers < 1 || kf.avs < 1 || kf.avs > AVS_MAX ||
	    (kf.sol == &solutions[SOL_3] && kf.avs < 2)) {
		usage(stderr);
		return 2;
	}
	common_log_init(NULL, -1);	/* failures are counted and reported, not logged */
	snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
	snprintf(hss_cert, sizeof(hss_cert), "%s/hss.example.net.pem", certs);
	snprintf(hss_key, sizeof(hss_key), "%s/hss.example.net.key", certs);
	snprintf(hse_cert, sizeof(hse_cert), "%s/" HSE_EID ".pem", certs);
	snprintf(hse_key, sizeof(hse_key), "%s/" HSE_EID ".key", certs);
	kf.hss_tls = (struct keyd_client_tls){ .cert = hss_cert, .key = hss_key, .ca = ca };
	kf.hse_tls = (struct keyd_client_tls){ .cert = hse_cert, .key = hse_key, .ca = ca };
	for (int s = 0; s < SVC_COUNT; s++) {
		kf.hss[s] = keyd_client_new(kf.url[s], &kf.hss_tls);
		kf.hse[s] = keyd_client_new(kf.url[s], &kf.hse_tls);
		if (!kf.hss[s] || !kf.hse[s]) {
			fprintf(stderr, "keyflow: no client for %s\n", kf.url[s]);
			goto out;
		}
	}
	kf.latency = calloc(kf.subscribers, sizeof(double));
	if (!kf.latency)
		goto out;
	t0 = common_now_s();
	for (unsigned int sub = 0; sub < kf.subscribers; sub++)
		agree(&kf, sub, &rng);
	report(&kf, common_now_s() - t0);
	rc = kf.failures ? 1 : 0;
out:
	for (int s = 0; s < SVC_COUNT; s++) {
		keyd_client_free(kf.hss[s]);
		keyd_client_free(kf.hse[s]);
	}
	free(kf.latency);
	return rc;
}
